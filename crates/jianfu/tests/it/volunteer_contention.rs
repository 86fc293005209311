//! 志愿服务 under contention, and the demo data (split from `volunteers.rs`): 16 volunteers race
//! for 3 places and one volunteer clicks 8 times at once, on SQLite and (when reachable)
//! PostgreSQL; the demo volunteers load once.

use crate::helpers::{TestDb, TestServer, backends};
use crate::volunteers::{COMMUNITY, confirmed, resident};
use jianfu_server::service::RequestMeta;
use jianfu_server::service::volunteers::ActivityInput;
use serde_json::json;

async fn run_contention(db: TestDb) {
    let label = db.label;
    let s = TestServer::start(db).await;
    let meta = RequestMeta::console();
    let worker = s.app.demo_actor("shegong").await.unwrap();
    let post = |title: &str, capacity: &str| ActivityInput {
        title: title.into(),
        place: "社区活动室".into(),
        starts: "2026-11-30 09:00".into(),
        ends: "2026-11-30 11:00".into(),
        capacity: capacity.into(),
        ..Default::default()
    };
    // 16 distinct volunteers race for 3 places.
    let a = s
        .app
        .post_activity(&worker, &meta, &post("抢名额", "3"))
        .await
        .unwrap();
    let mut actors = Vec::new();
    for i in 0..16u32 {
        let r = resident(&s, &format!("race{i:02}")).await;
        confirmed(&s, &r, 100 + i).await;
        actors.push(r);
    }
    let mut tasks = Vec::new();
    for actor in actors {
        let app = s.app.clone();
        let id = a.id.clone();
        tasks.push(tokio::spawn(async move {
            app.sign_up(&actor, &RequestMeta::console(), COMMUNITY, &id)
                .await
        }));
    }
    let (mut ok, mut full) = (0, 0);
    for t in tasks {
        match t.await.unwrap() {
            Ok(()) => ok += 1,
            Err(e) => {
                assert_eq!(e.code(), "activity_full", "{label}: {e:?}");
                full += 1;
            }
        }
    }
    assert_eq!((ok, full), (3, 13), "{label}");
    let row = s
        .app
        .store
        .activity(COMMUNITY, &a.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.taken, 3, "{label}");
    assert_eq!(
        s.app
            .store
            .signups_of_activity(COMMUNITY, &a.id)
            .await
            .unwrap()
            .len(),
        3,
        "{label}"
    );
    eprintln!("{label}: 16 volunteers for 3 places: {ok} signed up, {full} activity_full");

    // One volunteer 8 times at once over HTTP: one sign-up.
    let jumin = s.app.demo_actor("jumin").await.unwrap();
    confirmed(&s, &jumin, 200).await;
    let token = s.api_token("jumin").await;
    let b = s
        .app
        .post_activity(&worker, &meta, &post("连点八次", "5"))
        .await
        .unwrap();
    let url = s.url(&format!(
        "/api/v1/volunteer-activities/{COMMUNITY}/{}/sign-up",
        b.id
    ));
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (url, token) = (url.clone(), token.clone());
        tasks.push(tokio::spawn(async move {
            let r = reqwest::Client::new()
                .post(url)
                .bearer_auth(token)
                .json(&json!({}))
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let body = r.text().await.unwrap();
            (status, body)
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        let (status, body) = t.await.unwrap();
        if status != 204 {
            assert_eq!(status, 422, "{label}: {body}");
            assert!(body.contains("already_signed_up"), "{label}: {body}");
        }
        statuses.push(status);
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 204).count(),
        1,
        "{label}: {statuses:?}"
    );
    let row = s
        .app
        .store
        .activity(COMMUNITY, &b.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.taken, 1, "{label}");
}

#[tokio::test(flavor = "multi_thread")]
async fn volunteer_sign_ups_never_exceed_capacity_under_contention() {
    for db in backends().await {
        run_contention(db).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_volunteers_load_once() {
    let s = TestServer::sqlite().await;
    let meta = RequestMeta::console();
    assert!(s.app.load_demo_volunteers(&meta).await.unwrap());
    assert!(!s.app.load_demo_volunteers(&meta).await.unwrap());
    let list = s.app.public_activities(COMMUNITY).await.unwrap();
    assert_eq!(list.len(), 2, "two upcoming on the public list");
    assert!(list.iter().any(|a| a.places_left == 1));
    let jumin = s.app.demo_actor("jumin").await.unwrap();
    let mine = s.app.my_volunteering(&jumin).await.unwrap().unwrap();
    assert_eq!(mine.total_hours, "2.5");
    let worker = s.app.demo_actor("shegong").await.unwrap();
    assert!(
        s.app
            .community_volunteers(&worker)
            .await
            .unwrap()
            .iter()
            .any(|v| v.minor)
    );
}
