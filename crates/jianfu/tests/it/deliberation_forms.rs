//! 议事协商 forms on the web pages: a refused form comes back (422) with what was typed and the
//! error's Chinese message — a topic without a title, a ballot after the vote closed, a close
//! below quorum, a tally above attendance — and closing a meeting asks for confirmation first.

use crate::deliberation_support::{SANHE, accept, meeting_body, meeting_on, step, topic};
use crate::helpers::{TestServer, api_post, hidden_field, json_ok};
use serde_json::json;

/// The pages: a refused form comes back with what was typed, and the error's message.
#[tokio::test]
async fn pages_keep_what_was_typed() {
    let s = TestServer::sqlite().await;
    let worker_token = s.api_token("shegong").await;
    let resident_token = s.api_token("jumin").await;
    let resident = s.web_login("jumin").await;
    let hub = resident.get(s.url("/deliberation")).send().await.unwrap();
    assert_eq!(hub.status(), 200);
    let hub = hub.text().await.unwrap();
    let csrf = hidden_field(&hub, "csrf").unwrap();
    // No title: refused, the explanation typed is still there.
    let r = resident
        .post(s.url("/deliberation/topics"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("title", ""),
            ("body", "楼道灯坏了很久，晚上很黑"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("楼道灯坏了很久，晚上很黑"), "typed text kept");
    assert!(page.contains("请写一句话"), "message shown");
    let r = resident
        .post(s.url("/deliberation/topics"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("title", "楼道灯"),
            ("body", "坏了"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);

    // An online meeting closed: a ballot after it is refused and the choice stays ticked.
    let t = topic(&s, &resident_token, "健身器材维修").await;
    accept(&s, &worker_token, &t).await;
    let m = json_ok(
        api_post(
            &s,
            &worker_token,
            "/api/v1/deliberation/meetings",
            &meeting_body("deliberation", "online", "person", 3, &[&t]),
        )
        .await,
        201,
    )
    .await;
    let id = m["id"].as_str().unwrap().to_string();
    // The draft's page: the notice form and the button that submits it, beside the cancel
    // button; a deliberation meeting has no special-circumstance box (the law allows one only
    // for a residents' meeting).
    let draft = s
        .web_login("shegong")
        .await
        .get(s.url(&format!("/deliberation/meetings/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        draft.contains("id=\"notice-form\"")
            && draft.contains("form=\"notice-form\"")
            && !draft.contains("name=\"notice_reason\""),
        "{draft}"
    );
    json_ok(
        step(&s, &worker_token, &id, json!({ "action": "notice" })).await,
        200,
    )
    .await;
    s.clock.advance(time::Duration::days(3));
    let worker_token = s.api_token("shegong").await;
    let resident_token = s.api_token("jumin").await;
    let resident = s.web_login("jumin").await;
    let hub = resident.get(s.url("/deliberation")).send().await.unwrap();
    let csrf = hidden_field(&hub.text().await.unwrap(), "csrf").unwrap();
    json_ok(
        step(&s, &worker_token, &id, json!({ "action": "open" })).await,
        200,
    )
    .await;
    let ballot_page = resident
        .get(s.url(&format!("/public/deliberation/{SANHE}/meetings/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        ballot_page.contains("提交投票"),
        "the resident sees the ballot"
    );
    json_ok(
        step(&s, &worker_token, &id, json!({ "action": "adjourn" })).await,
        200,
    )
    .await;
    let r = resident
        .post(s.url(&format!("/deliberation/meetings/{id}/vote")))
        .form(&[
            ("csrf", csrf.as_str()),
            (format!("m_{t}").as_str(), "against"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("投票已截止"), "{page}");

    // A meeting below quorum cannot decide: the committee's page says why, with its basis.
    let t2 = topic(&s, &resident_token, "停车位划线").await;
    accept(&s, &worker_token, &t2).await;
    let m = json_ok(
        api_post(
            &s,
            &worker_token,
            "/api/v1/deliberation/meetings",
            &meeting_on(
                "2026-12-04",
                "residents_meeting",
                "in_room",
                "person",
                10,
                &[&t2],
            ),
        )
        .await,
        201,
    )
    .await;
    let id = m["id"].as_str().unwrap().to_string();
    let draft = s
        .web_login("shegong")
        .await
        .get(s.url(&format!("/deliberation/meetings/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        draft.contains("name=\"notice_reason\""),
        "a residents' meeting: {draft}"
    );
    json_ok(
        step(&s, &worker_token, &id, json!({ "action": "notice" })).await,
        200,
    )
    .await;
    s.clock.advance(time::Duration::days(3));
    let worker = s.web_login("shegong").await;
    let worker_token = s.api_token("shegong").await;
    json_ok(
        step(&s, &worker_token, &id, json!({ "action": "open" })).await,
        200,
    )
    .await;
    let page = worker
        .get(s.url(&format!("/deliberation/meetings/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let wcsrf = hidden_field(&page, "csrf").unwrap();
    let r = worker
        .post(s.url(&format!("/deliberation/meetings/{id}/step")))
        .form(&[
            ("csrf", wcsrf.as_str()),
            ("action", "attendance"),
            ("present", "3"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let r = worker
        .post(s.url(&format!("/deliberation/meetings/{id}/close")))
        .form(&[("csrf", wcsrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("不能作出决定"));
    // A tally above attendance keeps the numbers typed.
    let r = worker
        .post(s.url(&format!("/deliberation/meetings/{id}/step")))
        .form(&[
            ("csrf", wcsrf.as_str()),
            ("action", "tally"),
            ("topic", t2.as_str()),
            ("for", "7"),
            ("against", "1"),
            ("abstain", "0"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("超过了出席人数") && page.contains("value=\"7\""),
        "{page}"
    );
    // Closing asks first.
    json_ok(
        step(
            &s,
            &worker_token,
            &id,
            json!({ "action": "attendance", "present": 6 }),
        )
        .await,
        200,
    )
    .await;
    let r = worker
        .post(s.url(&format!("/deliberation/meetings/{id}/close")))
        .form(&[("csrf", wcsrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("确认结束会议"));
}
