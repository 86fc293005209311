//! 议事协商 demo data: `serve --demo`'s deliberation data loads (twice is once), has a topic in
//! every state, and every deliberation page renders for each role that has one.

use crate::deliberation_support::SANHE;
use crate::helpers::{TestServer, json_ok};
use jianfu_server::service::RequestMeta;

/// The demo (serve --demo) loads, and every deliberation page renders for each role that has
/// one: the public pages without an account, the hub for residents, the committee and the
/// department, a meeting for the committee.
#[tokio::test]
async fn demo_loads_and_every_page_renders() {
    let s = TestServer::sqlite().await;
    s.app
        .load_demo_deliberation(&RequestMeta::console())
        .await
        .expect("demo deliberation");
    // Twice is once.
    s.app
        .load_demo_deliberation(&RequestMeta::console())
        .await
        .unwrap();
    let public = json_ok(
        reqwest::get(s.url(&format!("/api/v1/public/deliberation/{SANHE}")))
            .await
            .unwrap(),
        200,
    )
    .await;
    assert!(public["total"].as_i64().unwrap() >= 6);
    let states: Vec<&str> = public["counts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["count"].as_i64().unwrap() > 0)
        .map(|c| c["state"].as_str().unwrap())
        .collect();
    for st in [
        "proposed",
        "accepted",
        "declined",
        "on_agenda",
        "decided",
        "not_adopted",
    ] {
        assert!(states.contains(&st), "a demo topic {st}: {states:?}");
    }
    let meetings = public["meetings"].as_array().unwrap();
    assert_eq!(meetings.len(), 2);
    for m in meetings {
        let id = m["id"].as_str().unwrap();
        let r = reqwest::get(s.url(&format!("/public/deliberation/{SANHE}/meetings/{id}")))
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    let r = reqwest::get(s.url(&format!("/public/deliberation/{SANHE}")))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("电动自行车集中充电棚"));
    for who in ["jumin", "shegong", "shuji", "minzheng"] {
        let c = s.web_login(who).await;
        let r = c.get(s.url("/deliberation")).send().await.unwrap();
        assert_eq!(r.status(), 200, "{who}");
        let page = r.text().await.unwrap();
        if who == "minzheng" {
            assert!(page.contains("平均答复用时"), "department figures");
        }
        if who == "shegong" {
            for m in meetings {
                let id = m["id"].as_str().unwrap();
                let r = c
                    .get(s.url(&format!("/deliberation/meetings/{id}")))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 200, "meeting page");
            }
        }
        if who == "jumin" {
            let open = meetings.iter().find(|m| m["state"] == "open").unwrap();
            let id = open["id"].as_str().unwrap();
            let page = c
                .get(s.url(&format!("/public/deliberation/{SANHE}/meetings/{id}")))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            assert!(page.contains("提交投票"), "the household ballot");
        }
    }
    assert!(
        !s.audit_records("deliberation.minutes_sign")
            .await
            .is_empty()
    );
}
