//! 议事协商 online votes under concurrency, on SQLite and (when reachable) PostgreSQL: one
//! resident resubmitting the same ballot many times at once has it counted once; two members of
//! one household voting at the same moment in a per-household meeting have one ballot counted and
//! the other refused as `already_voted`.

use crate::deliberation_support::{
    accept, meeting_body, noticed_meeting, second_resident, step, topic,
};
use crate::helpers::{TestServer, api_post, backends, json_ok};
use serde_json::{Value, json};

/// Resubmitting concurrently, from the same account: exactly one ballot is counted.
#[tokio::test]
async fn concurrent_resubmissions_count_once() {
    for db in backends().await {
        let s = TestServer::start(db).await;
        let resident = s.api_token("jumin").await;
        let worker = s.api_token("shegong").await;
        let t = topic(&s, &resident, "楼道扶手").await;
        accept(&s, &worker, &t).await;
        let id = noticed_meeting(
            &s,
            &worker,
            &meeting_body("deliberation", "online", "person", 5, &[&t]),
        )
        .await;
        s.clock.advance(time::Duration::days(3));
        let resident = s.api_token("jumin").await;
        let worker = s.api_token("shegong").await;
        json_ok(
            step(&s, &worker, &id, json!({ "action": "open" })).await,
            200,
        )
        .await;
        let url = s.url(&format!("/api/v1/deliberation/meetings/{id}/votes"));
        let mut tasks = Vec::new();
        for _ in 0..16 {
            let url = url.clone();
            let token = resident.clone();
            let t = t.clone();
            tasks.push(tokio::spawn(async move {
                reqwest::Client::new()
                    .post(url)
                    .bearer_auth(token)
                    .json(&json!({ "choices": [{ "topic_id": t, "choice": "for" }] }))
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            }));
        }
        let mut statuses = Vec::new();
        for t in tasks {
            statuses.push(t.await.unwrap());
        }
        assert_eq!(
            statuses.iter().filter(|s| **s == 201).count(),
            1,
            "{statuses:?}"
        );
        assert_eq!(
            statuses.iter().filter(|s| **s == 422).count(),
            15,
            "{statuses:?}"
        );
        let closed = json_ok(
            step(&s, &worker, &id, json!({ "action": "close" })).await,
            200,
        )
        .await;
        assert_eq!(closed["ballots"], 1);
        assert_eq!(closed["motions"][0]["votes_for"], 1);
    }
}

/// Two members of one household vote at the same moment in a per-household meeting: exactly one
/// ballot counts, the other is `already_voted`.
#[tokio::test]
async fn one_household_voting_at_once_counts_once() {
    for db in backends().await {
        let s = TestServer::start(db).await;
        second_resident(&s, "jumin2").await;
        let resident = s.api_token("jumin").await;
        let worker = s.api_token("shegong").await;
        let t = topic(&s, &resident, "单元门禁").await;
        accept(&s, &worker, &t).await;
        for (who, h) in [("jumin", "5-1-302B"), ("jumin2", "5号楼1单元302b室")] {
            json_ok(
                api_post(
                    &s,
                    &worker,
                    "/api/v1/deliberation/households",
                    &json!({ "username": who, "household": h }),
                )
                .await,
                200,
            )
            .await;
        }
        let id = noticed_meeting(
            &s,
            &worker,
            &meeting_body("residents_meeting", "online", "household", 1, &[&t]),
        )
        .await;
        s.clock.advance(time::Duration::days(3));
        let worker = s.api_token("shegong").await;
        let tokens = [s.api_token("jumin").await, s.api_token("jumin2").await];
        json_ok(
            step(&s, &worker, &id, json!({ "action": "open" })).await,
            200,
        )
        .await;
        let url = s.url(&format!("/api/v1/deliberation/meetings/{id}/votes"));
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(8));
        let mut tasks = Vec::new();
        for i in 0..8 {
            let (url, token, t, barrier) = (
                url.clone(),
                tokens[i % 2].clone(),
                t.clone(),
                barrier.clone(),
            );
            tasks.push(tokio::spawn(async move {
                let req = reqwest::Client::new()
                    .post(url)
                    .bearer_auth(token)
                    .json(&json!({ "choices": [{ "topic_id": t, "choice": "for" }] }));
                barrier.wait().await;
                let r = req.send().await.unwrap();
                let status = r.status().as_u16();
                let body: Value = r.json().await.unwrap_or(Value::Null);
                (status, body["code"].as_str().unwrap_or("").to_string())
            }));
        }
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.unwrap());
        }
        assert_eq!(out.iter().filter(|(s, _)| *s == 201).count(), 1, "{out:?}");
        assert!(
            out.iter()
                .filter(|(s, _)| *s != 201)
                .all(|(s, c)| *s == 422 && c == "already_voted"),
            "{out:?}"
        );
        let closed = json_ok(
            step(&s, &worker, &id, json!({ "action": "close" })).await,
            200,
        )
        .await;
        assert_eq!(closed["ballots"], 1);
    }
}
