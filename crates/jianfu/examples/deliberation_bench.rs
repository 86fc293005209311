//! Measurements for deliberation (议事协商, issue 13), on a fresh SQLite file in a temporary
//! directory, in one process:
//!
//! 1. online ballots through the service layer (`App::cast_online_vote`: permission, meeting
//!    checks, voter key, the batched intake, one audit record per counted ballot): `--voters`
//!    residents each submit `--attempts` times, sent by `--concurrency` tasks at once; a voter's
//!    attempts are adjacent in the queue, so they are taken by different tasks and are in flight
//!    at the same time (concurrent duplicates; `--scatter` spreads them over the whole run
//!    instead); reports submissions/s and counted ballots/s, then closes the meeting and checks
//!    that exactly one ballot per voter was counted;
//! 2. a community's public deliberation page with `--topics` topics, after seeding `--decided`
//!    more decided topics (an in-room meeting), each with `--actions` actions, two progress notes
//!    per action and `--feedback` residents' feedback (so the page reads a real history): `GET
//!    /public/deliberation/{community}` (page 1 and a middle page) over HTTP against the real
//!    router on a loopback port, `--requests` times each — p50/p99.
//!
//! The voters are residents of the demo community constructed as `Actor`s (no password hashing
//! for 5,000 accounts); the HTTP part of a vote (session lookup, JSON) is not included in (1).
//!
//! ```text
//! cargo run --release -p jianfu --example deliberation_bench -- --voters 5000 --attempts 3 --concurrency 64
//! ```
//!
//! Not a test.

use clap::Parser;
use jianfu_domain::clock::{Clock, ManualClock};
use jianfu_domain::{OrgCode, Role, SystemClock};
use jianfu_server::service::deliberation::{MeetingInput, TopicInput};
use jianfu_server::service::{Actor, RequestMeta, ServiceError};
use jianfu_server::{App, Config};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const COMMUNITY: &str = "110115001901";

#[derive(Parser)]
struct Opts {
    #[arg(long, default_value_t = 5_000)]
    voters: usize,
    #[arg(long, default_value_t = 3)]
    attempts: usize,
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    #[arg(long, default_value_t = 1_000)]
    topics: usize,
    #[arg(long, default_value_t = 200)]
    requests: usize,
    /// Spread each voter's attempts over the run (the old order) instead of adjacent.
    #[arg(long)]
    scatter: bool,
    /// Decided topics to seed before timing the public page (besides the online meeting's).
    #[arg(long, default_value_t = 30)]
    decided: usize,
    /// Actions per decided topic (each with two progress notes).
    #[arg(long, default_value_t = 2)]
    actions: usize,
    /// Residents' feedback per decided topic.
    #[arg(long, default_value_t = 50)]
    feedback: usize,
}

/// `o.decided` topics decided at an in-room meeting, plus every topic already decided (the online
/// meeting's): each with `o.actions` actions, two progress notes each, and `o.feedback` voters'
/// feedback. Returns how many decided topics carry that history.
async fn seed_decisions(
    app: &App,
    clock: &ManualClock,
    worker: &Actor,
    voters: &[Actor],
    o: &Opts,
) -> anyhow::Result<usize> {
    let meta = RequestMeta::console();
    let mut topics = Vec::new();
    for i in 0..o.decided {
        let t = app
            .propose_topic(
                worker,
                &meta,
                COMMUNITY,
                &TopicInput {
                    title: format!("已决定的第{i}件事"),
                    body: "基准测试".into(),
                    matter: String::new(),
                },
            )
            .await?;
        app.decide_topic(worker, &meta, COMMUNITY, &t.id, true, "")
            .await?;
        topics.push(t.id);
    }
    if !topics.is_empty() {
        let m = app
            .create_meeting(
                worker,
                &meta,
                COMMUNITY,
                &MeetingInput {
                    kind: "deliberation".into(),
                    title: "基准：现场表决".into(),
                    held_on: (app.today() + time::Duration::days(7)).to_string(),
                    held_at: "19:00".into(),
                    place: "居委会会议室".into(),
                    material: "材料".into(),
                    participants: vec![("residents".into(), String::new())],
                    voter_basis: "person".into(),
                    vote_mode: "in_room".into(),
                    base: "10".into(),
                    topics: topics.clone(),
                    ..Default::default()
                },
            )
            .await?;
        app.publish_meeting_notice(worker, &meta, COMMUNITY, &m.id)
            .await?;
        clock.advance(time::Duration::days(7));
        app.open_meeting(worker, &meta, COMMUNITY, &m.id).await?;
        app.record_attendance(worker, &meta, COMMUNITY, &m.id, "10")
            .await?;
        for t in &topics {
            app.enter_tally(worker, &meta, COMMUNITY, &m.id, t, ("8", "1", "1"))
                .await?;
        }
        app.close_meeting(worker, &meta, COMMUNITY, &m.id, false)
            .await?;
    }
    let (decided, _) = app
        .store
        .delib_topics(COMMUNITY, Some("decided"), 10_000, 0)
        .await?;
    let due = (app.today() + time::Duration::days(30)).to_string();
    for t in &decided {
        for a in 0..o.actions {
            let action = app
                .add_decision_action(
                    worker,
                    &meta,
                    COMMUNITY,
                    &t.id,
                    &format!("第{a}项落实"),
                    "居委会",
                    &due,
                )
                .await?;
            for n in 0..2 {
                app.add_action_progress(
                    worker,
                    &meta,
                    COMMUNITY,
                    &action.id,
                    &format!("进展{n}"),
                    false,
                )
                .await?;
            }
        }
        for v in voters.iter().take(o.feedback) {
            app.give_decision_feedback(v, &meta, COMMUNITY, &t.id, "partly")
                .await?;
        }
    }
    Ok(decided.len())
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    let i = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let o = Opts::parse();
    let dir = std::env::temp_dir().join(format!("jianfu-delib-bench-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir)?;
    let url = jianfu_store::DatabaseUrl::sqlite_in(&dir);
    let store = jianfu_store::open(&url).await?;
    let config = Config {
        data_dir: dir.clone(),
        ..Config::default()
    };
    // A clock that starts now and is moved past the notice period (a meeting opens on its day).
    let clock = Arc::new(ManualClock::new(SystemClock.now()));
    let app = App::new(store, clock.clone(), config);
    let meta = RequestMeta::console();
    app.load_demo(&meta).await?;
    let worker = app.demo_actor("shegong").await?;

    // (1) Online ballots.
    let mut motions = Vec::new();
    for title in ["使用公共收益修缮围墙", "增设电动自行车充电棚"] {
        let t = app
            .propose_topic(
                &worker,
                &meta,
                COMMUNITY,
                &TopicInput {
                    title: title.into(),
                    body: "基准测试".into(),
                    matter: String::new(),
                },
            )
            .await?;
        app.decide_topic(&worker, &meta, COMMUNITY, &t.id, true, "")
            .await?;
        motions.push(t.id);
    }
    let held_on = app.today() + time::Duration::days(10);
    let m = app
        .create_meeting(
            &worker,
            &meta,
            COMMUNITY,
            &MeetingInput {
                kind: "residents_meeting".into(),
                title: "基准：网上投票".into(),
                held_on: held_on.to_string(),
                held_at: "全天".into(),
                place: "网上".into(),
                material: "材料".into(),
                participants: vec![("residents".into(), String::new())],
                voter_basis: "person".into(),
                vote_mode: "online".into(),
                base: o.voters.to_string(),
                topics: motions.clone(),
                ..Default::default()
            },
        )
        .await?;
    app.publish_meeting_notice(&worker, &meta, COMMUNITY, &m.id)
        .await?;
    clock.advance(time::Duration::days(10));
    app.open_meeting(&worker, &meta, COMMUNITY, &m.id).await?;
    let voters: Vec<Actor> = (0..o.voters)
        .map(|i| Actor {
            user_id: Some(uuid::Uuid::now_v7().to_string()),
            username: Some(format!("bench{i}")),
            display_name: format!("居民{i}"),
            roles: vec![Role::Resident],
            org: OrgCode::parse(COMMUNITY).ok(),
        })
        .collect();
    // Every voter `attempts` times: adjacent (voter k's attempts are k*attempts.. and are taken
    // by different tasks at once), or with --scatter in a scrambled order (a fixed permutation).
    let total = o.voters * o.attempts;
    let order: Vec<usize> = if o.scatter {
        (0..total).map(|k| (k * 7_919) % total).collect()
    } else {
        (0..total).map(|k| k / o.attempts).collect()
    };
    let order = Arc::new(order);
    let voters = Arc::new(voters);
    let next = Arc::new(AtomicUsize::new(0));
    let counted = Arc::new(AtomicUsize::new(0));
    let refused = Arc::new(AtomicUsize::new(0));
    let choices: Vec<(String, String)> = motions
        .iter()
        .enumerate()
        .map(|(i, t)| {
            (
                t.clone(),
                if i == 0 { "for" } else { "abstain" }.to_string(),
            )
        })
        .collect();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..o.concurrency {
        let (app, order, voters, next, counted, refused, choices, id) = (
            app.clone(),
            order.clone(),
            voters.clone(),
            next.clone(),
            counted.clone(),
            refused.clone(),
            choices.clone(),
            m.id.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let meta = RequestMeta::default();
            loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                if k >= order.len() {
                    break;
                }
                let v = &voters[order[k] % voters.len()];
                match app
                    .cast_online_vote(v, &meta, COMMUNITY, &id, &choices)
                    .await
                {
                    Ok(()) => counted.fetch_add(1, Ordering::Relaxed),
                    Err(ServiceError::Rejected {
                        code: "already_voted",
                        ..
                    }) => refused.fetch_add(1, Ordering::Relaxed),
                    Err(e) => panic!("vote failed: {e:?}"),
                };
            }
        }));
    }
    for t in tasks {
        t.await?;
    }
    let took = started.elapsed();
    let c = counted.load(Ordering::Relaxed);
    let r = refused.load(Ordering::Relaxed);
    println!(
        "ballots ({}): {total} submissions by {} voters with {} tasks in {:.2}s: {:.0} submissions/s, {:.0} counted ballots/s (counted {c}, already_voted {r})",
        if o.scatter {
            "scattered"
        } else {
            "each voter's attempts adjacent, in flight together"
        },
        o.voters,
        o.concurrency,
        took.as_secs_f64(),
        total as f64 / took.as_secs_f64(),
        c as f64 / took.as_secs_f64(),
    );
    let closed = app
        .close_meeting(&worker, &meta, COMMUNITY, &m.id, false)
        .await?;
    let sum: i64 = closed.motions[0].votes_for
        + closed.motions[0].votes_against
        + closed.motions[0].votes_abstain;
    println!(
        "closed: ballots {} (voters {}), motion 1 counted {sum}, outcome {:?}",
        closed.ballots, o.voters, closed.motions[0].outcome
    );
    assert_eq!(c, o.voters, "exactly one counted per voter");
    assert_eq!(closed.ballots as usize, o.voters);
    assert_eq!(sum as usize, o.voters);

    // (2) The public page with many topics and a history behind its decisions.
    let started = Instant::now();
    let seeded = seed_decisions(&app, &clock, &worker, &voters, &o).await?;
    println!(
        "seeded {seeded} decided topics with {} actions, {} progress notes, {} feedback in {:.2}s",
        seeded * o.actions,
        seeded * o.actions * 2,
        seeded * o.feedback.min(o.voters),
        started.elapsed().as_secs_f64()
    );
    let resident = app.demo_actor("jumin").await?;
    let started = Instant::now();
    for i in 0..o.topics {
        app.propose_topic(
            &resident,
            &meta,
            COMMUNITY,
            &TopicInput {
                title: format!("第{i}个议题：楼道照明"),
                body: "居民反映的情况说明".into(),
                matter: String::new(),
            },
        )
        .await?;
    }
    println!(
        "{} topics proposed in {:.2}s",
        o.topics,
        started.elapsed().as_secs_f64()
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let router = jianfu_server::router(app.clone());
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .ok();
    });
    let client = reqwest::Client::new();
    let middle = (o.topics / 20 / 2).max(1);
    for (label, path) in [
        ("page 1", format!("/public/deliberation/{COMMUNITY}")),
        (
            "middle page",
            format!("/public/deliberation/{COMMUNITY}?page={middle}"),
        ),
    ] {
        let u = format!("http://{addr}{path}");
        let first = client.get(&u).send().await?;
        assert_eq!(first.status(), 200);
        first.text().await?;
        let mut times = Vec::with_capacity(o.requests);
        for _ in 0..o.requests {
            let t = Instant::now();
            let r = client.get(&u).send().await?;
            let body = r.text().await?;
            times.push(t.elapsed());
            assert!(body.contains("议题"));
        }
        times.sort();
        println!(
            "public page {label} ({} topics): p50 {:.1} ms, p99 {:.1} ms over {} requests",
            o.topics + 2 + o.decided,
            pct(&times, 0.5).as_secs_f64() * 1000.0,
            pct(&times, 0.99).as_secs_f64() * 1000.0,
            o.requests
        );
    }
    std::fs::remove_dir_all(&dir).ok();
    Ok(())
}
