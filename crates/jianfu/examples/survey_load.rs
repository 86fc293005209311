//! Load measurements for residents' satisfaction surveys (issue 11 §4), in one process on a
//! fresh SQLite file with the demo district: a survey is published and household codes seeded;
//! then residents submit answers over the real HTTP router (`POST /api/v1/public/surveys/…`,
//! `--concurrency` at a time) — submissions per second; the rest of `--responses` are counted
//! straight through the service; then the survey closes (the test clock moves) and the
//! district's results over all responses are read, through the service and through
//! `GET /api/v1/surveys/{id}/results`, timed. Not a test.
//!
//! ```text
//! cargo run --release -p jianfu --example survey_load -- --http 20000 --responses 100000
//! ```

use clap::Parser;
use jianfu_domain::ManualClock;
use jianfu_domain::survey::household_code::{code_digest, format_household_code};
use jianfu_server::service::RequestMeta;
use jianfu_server::{App, Config};
use jianfu_store::CodeBatchRow;
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Parser)]
struct Opts {
    /// Answers sent over HTTP (timed as submissions per second).
    #[arg(long, default_value_t = 20_000)]
    http: usize,
    /// Answers in the survey in all (the rest counted through the service).
    #[arg(long, default_value_t = 100_000)]
    responses: usize,
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Timed reads of the results.
    #[arg(long, default_value_t = 50)]
    reads: usize,
}

fn percentiles(mut v: Vec<Duration>) -> String {
    v.sort();
    let p = |q: f64| v[((v.len() as f64 * q) as usize).min(v.len() - 1)].as_secs_f64() * 1e3;
    format!(
        "p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms",
        p(0.5),
        p(0.95),
        p(0.99)
    )
}

/// The answers of household `i`: varied, a third with a comment.
fn answers(i: usize) -> Vec<(String, String)> {
    let r = |k: usize| ((i * 7 + k * 13) % 5 + 1).to_string();
    let mut a = vec![
        ("q1".to_string(), (i % 2).to_string()),
        ("q3".into(), r(1)),
        ("q4".into(), r(2)),
        ("q5".into(), r(3)),
        ("q6".into(), (i % 5).to_string()),
    ];
    if i.is_multiple_of(2) {
        a.push(("q2".into(), r(4)));
    }
    if i.is_multiple_of(3) {
        a.push((
            "q7".into(),
            ["停车太难", "希望多组织老人活动", "办事比以前快"][(i / 3) % 3].into(),
        ));
    }
    a
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let o = Opts::parse();
    let dir = std::env::temp_dir().join(format!("jf-survey-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let url = format!("sqlite://{}", dir.join("jf.db").display());
    let store: Arc<dyn jianfu_store::Store> =
        jianfu_store::open(&jianfu_store::DatabaseUrl::parse(&url)?).await?;
    let clock = Arc::new(ManualClock::new(
        time::macros::datetime!(2026-11-28 09:00 +8),
    ));
    let app = App::new(
        store.clone(),
        clock.clone(),
        Config {
            data_dir: dir.clone(),
            ..Config::default()
        },
    );
    let meta = RequestMeta::console();
    app.load_demo(&meta).await?;
    let district = app.demo_actor("shenpi").await?;
    let street = app.demo_actor("jiedao").await?;
    let s = app.create_survey(&district, &meta, None).await?;
    let s = app
        .publish_survey(
            &district,
            &meta,
            &s.id,
            s.revision,
            "2026-11-28",
            "2026-12-05",
        )
        .await?;
    let tree = app.org_tree().await?;
    let communities: Vec<String> = tree
        .all()
        .iter()
        .filter(|o| o.kind == jianfu_domain::OrgKind::Community)
        .map(|o| o.code.to_string())
        .collect();
    eprintln!(
        "{} communities; seeding {} codes",
        communities.len(),
        o.responses
    );
    // Household i belongs to community i % n and holds code i.
    let code =
        |i: usize| format_household_code((i as u64 + 1).to_be_bytes()[3..].try_into().unwrap());
    for (c, community) in communities.iter().enumerate() {
        let digests: Vec<String> = (c..o.responses)
            .step_by(communities.len())
            .map(|i| code_digest(&s.id, &code(i)))
            .collect();
        for chunk in digests.chunks(2_000) {
            let row = CodeBatchRow {
                community_code: community.clone(),
                survey_id: s.id.clone(),
                batch: 0,
                codes: 0,
                printed_by: "jiedao".into(),
                printed_by_org: "110115001".into(),
                printed_on: "2026-11-28".into(),
                voided_on: None,
                spent: 0,
            };
            let audit = app.audit(
                &street,
                &meta,
                "survey.codes",
                format!("survey:{}/{community}", s.id),
            );
            store.add_code_batch(&row, chunk, audit).await?;
        }
    }

    // Over HTTP: residents' phones.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let router = jianfu_server::router(app.clone());
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .ok();
    });
    let client = reqwest::Client::new();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..o.concurrency {
        let (client, next, s_id, communities) = (
            client.clone(),
            next.clone(),
            s.id.clone(),
            communities.clone(),
        );
        let total = o.http.min(o.responses);
        workers.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= total {
                    break;
                }
                let mut map = serde_json::Map::new();
                for (k, v) in answers(i) {
                    map.entry(k)
                        .or_insert_with(|| json!([]))
                        .as_array_mut()
                        .unwrap()
                        .push(json!(v));
                }
                let community = &communities[i % communities.len()];
                let r = client
                    .post(format!(
                        "http://{addr}/api/v1/public/surveys/{s_id}/{community}"
                    ))
                    .json(&json!({"code": code(i), "nonce": format!("n{i}"), "answers": map}))
                    .send()
                    .await
                    .expect("request");
                assert_eq!(r.status(), 201, "{}", r.text().await.unwrap_or_default());
            }
        }));
    }
    for w in workers {
        w.await?;
    }
    let http_secs = started.elapsed().as_secs_f64();
    let sent = o.http.min(o.responses);
    println!(
        "HTTP submissions: {sent} in {http_secs:.2} s = {:.0}/s ({} at a time)",
        sent as f64 / http_secs,
        o.concurrency
    );

    // The rest through the service (same transaction, no HTTP).
    let started = Instant::now();
    for i in sent..o.responses {
        app.submit_survey_answer(
            &meta,
            &s.id,
            &communities[i % communities.len()],
            &code(i),
            &format!("n{i}"),
            &answers(i),
        )
        .await?;
    }
    let rest = o.responses - sent;
    if rest > 0 {
        let secs = started.elapsed().as_secs_f64();
        println!(
            "service submissions: {rest} in {secs:.2} s = {:.0}/s (one at a time)",
            rest as f64 / secs
        );
    }

    clock.advance(time::Duration::days(8));
    let mut times = Vec::new();
    let mut responses = 0;
    for _ in 0..o.reads {
        let t = Instant::now();
        let r = app.survey_results(&district, &s.id, None).await?;
        times.push(t.elapsed());
        responses = r.results.responses;
    }
    println!(
        "district results over {responses} responses (service): {}",
        percentiles(times)
    );
    let token = client
        .post(format!("http://{addr}/api/v1/auth/login"))
        .json(&json!({"username": "shenpi", "password": "Jianfu@2026"}))
        .send()
        .await?
        .json::<serde_json::Value>()
        .await?["token"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let mut times = Vec::new();
    for _ in 0..o.reads {
        let t = Instant::now();
        let r = client
            .get(format!("http://{addr}/api/v1/surveys/{}/results", s.id))
            .bearer_auth(&token)
            .send()
            .await?;
        assert_eq!(r.status(), 200);
        r.bytes().await?;
        times.push(t.elapsed());
    }
    println!(
        "district results over {responses} responses (HTTP API): {}",
        percentiles(times)
    );
    std::fs::remove_dir_all(&dir).ok();
    Ok(())
}
