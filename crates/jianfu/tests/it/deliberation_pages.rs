//! 议事协商 pages after review (issue 13): public pages and the public API show residents'
//! names masked (个人信息保护法 第五十一条) — topics' proposers and speakers in signed minutes —
//! while the committee's hub shows them; the hub pages its proposed and accepted topics so older
//! proposals can be decided; signed minutes go into the community's electronic ledger (三(二),
//! collect once); requests list their topics' titles.

use crate::deliberation_support::SANHE;
use crate::helpers::{TestServer, api_get, api_post, backends, json_ok};
use serde_json::{Value, json};

/// The demo resident `jumin`'s full name.
const RESIDENT_NAME: &str = "王居民（演示）";
/// A resident speaking at the meeting, named in the minutes.
const SPEAKER: &str = "赵铁柱";

async fn topic(s: &TestServer, token: &str, title: &str) -> String {
    let t = json_ok(
        api_post(
            s,
            token,
            "/api/v1/deliberation/topics",
            &json!({ "title": title, "body": "情况说明" }),
        )
        .await,
        201,
    )
    .await;
    t["id"].as_str().unwrap().to_string()
}

async fn step(s: &TestServer, token: &str, id: &str, body: Value) -> Value {
    json_ok(
        api_post(
            s,
            token,
            &format!("/api/v1/deliberation/meetings/{id}/steps"),
            &body,
        )
        .await,
        200,
    )
    .await
}

/// A resident's topic and a committee's topic; a meeting on the first with a resident's and the
/// property company's voices, closed by adjournment and signed by the chair. Returns the
/// resident's topic id and the meeting id.
async fn signed_meeting(s: &TestServer) -> (String, String) {
    let resident = s.api_token("jumin").await;
    let worker = s.api_token("shegong").await;
    let t = topic(s, &resident, "北门加装路灯").await;
    topic(s, &worker, "楼道堆物清理").await;
    json_ok(
        api_post(
            s,
            &worker,
            &format!("/api/v1/deliberation/topics/{t}/decision"),
            &json!({ "accept": true }),
        )
        .await,
        200,
    )
    .await;
    let m = json_ok(
        api_post(
            s,
            &worker,
            "/api/v1/deliberation/meetings",
            &json!({
                "kind": "deliberation", "title": "路灯议事会", "held_on": "2026-12-01",
                "held_at": "19:00", "place": "居委会会议室", "material": "议题材料",
                "participants": [["residents", "各楼居民"], ["property_company", "物业"]],
                "voter_basis": "person", "vote_mode": "in_room", "base": 5, "topics": [t],
            }),
        )
        .await,
        201,
    )
    .await;
    let id = m["id"].as_str().unwrap().to_string();
    step(s, &worker, &id, json!({ "action": "notice" })).await;
    s.clock.advance(time::Duration::days(3));
    let worker = s.api_token("shegong").await;
    let chair = s.api_token("shuji").await;
    step(s, &worker, &id, json!({ "action": "open" })).await;
    for (speaker, category, said) in [
        (SPEAKER, "residents", "北门太黑，老人晚上不敢出门"),
        ("兴业物业公司", "property_company", "物业可以出一半费用"),
    ] {
        json_ok(
            api_post(
                s,
                &worker,
                &format!("/api/v1/deliberation/meetings/{id}/voices"),
                &json!({ "speaker": speaker, "category": category, "said": said }),
            )
            .await,
            201,
        )
        .await;
    }
    step(s, &worker, &id, json!({ "action": "adjourn" })).await;
    step(s, &chair, &id, json!({ "action": "sign" })).await;
    (t, id)
}

async fn anonymous(s: &TestServer, path: &str) -> String {
    let r = reqwest::get(s.url(path)).await.unwrap();
    assert_eq!(r.status(), 200, "{path}");
    r.text().await.unwrap()
}

#[tokio::test]
async fn public_pages_and_api_show_no_residents_full_names() {
    for db in backends().await {
        let label = db.label;
        let s = TestServer::start(db).await;
        let (_, meeting) = signed_meeting(&s).await;
        for path in [
            format!("/public/deliberation/{SANHE}"),
            format!("/public/deliberation/{SANHE}?state=proposed"),
            format!("/public/deliberation/{SANHE}/meetings/{meeting}"),
            format!("/api/v1/public/deliberation/{SANHE}"),
            format!("/api/v1/public/deliberation/{SANHE}?state=proposed"),
            format!("/api/v1/public/deliberation/{SANHE}/meetings/{meeting}"),
        ] {
            let body = anonymous(&s, &path).await;
            for name in [RESIDENT_NAME, "王居民", SPEAKER] {
                assert!(!body.contains(name), "{label}: {path} shows {name}");
            }
        }
        let page = anonymous(&s, &format!("/public/deliberation/{SANHE}")).await;
        assert!(page.contains("居民 王*** 提出"), "{label}: masked proposer");
        assert!(page.contains("居委会提出"), "{label}");
        let api: Value = serde_json::from_str(
            &anonymous(&s, &format!("/api/v1/public/deliberation/{SANHE}")).await,
        )
        .unwrap();
        let proposers: Vec<&str> = api["topics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["proposer_name"].as_str().unwrap())
            .collect();
        assert!(proposers.contains(&"居民 王***"), "{label}: {proposers:?}");
        assert!(proposers.contains(&"居委会"), "{label}: {proposers:?}");
        // Signed minutes: the resident's name masked with the role kept, organisations named.
        let pm: Value = serde_json::from_str(
            &anonymous(
                &s,
                &format!("/api/v1/public/deliberation/{SANHE}/meetings/{meeting}"),
            )
            .await,
        )
        .unwrap();
        let voices: Vec<(String, String)> = pm["voices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| {
                (
                    v["speaker"].as_str().unwrap().to_string(),
                    v["category"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(voices[0].0, "赵**", "{label}: {voices:?}");
        assert_eq!(voices[1].0, "兴业物业公司", "{label}: {voices:?}");
        assert_ne!(voices[0].1, "", "{label}: the role stays");
        // The committee's own pages keep the full names.
        let staff = s.web_login("shegong").await;
        let hub = staff
            .get(s.url("/deliberation"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            hub.contains(RESIDENT_NAME),
            "{label}: the committee sees who"
        );
        let room = staff
            .get(s.url(&format!("/deliberation/meetings/{meeting}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(room.contains(SPEAKER), "{label}: the committee's minutes");
        // A resident on the hub sees other residents masked too.
        let resident = s.web_login("jumin").await;
        let hub = resident
            .get(s.url("/deliberation"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            hub.contains("居民 王*** ·"),
            "{label}: residents see it masked"
        );
        let listed = &hub[hub.find("id=\"topics\"").expect("the topic lists")..];
        assert!(!listed.contains(RESIDENT_NAME), "{label}: not the staff");
    }
}

#[tokio::test]
async fn signed_minutes_appear_in_the_communitys_electronic_ledger() {
    for db in backends().await {
        let label = db.label;
        let s = TestServer::start(db).await;
        let worker = s.api_token("shegong").await;
        let before = api_get(&s, &worker, "/api/v1/shared-data/ledgers?template=meeting").await;
        let before: i64 = before.headers()["X-Total-Count"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        let (_, meeting) = signed_meeting(&s).await;
        let worker = s.api_token("shegong").await;
        let r = api_get(&s, &worker, "/api/v1/shared-data/ledgers?template=meeting").await;
        let total: i64 = r.headers()["X-Total-Count"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(
            total,
            before + 1,
            "{label}: one record for the signed minutes"
        );
        let rows = json_ok(r, 200).await;
        let row = rows
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == meeting.as_str())
            .unwrap_or_else(|| panic!("{label}: the meeting's record: {rows}"));
        assert_eq!(row["template"], "meeting");
        assert_eq!(row["day"], "2026-12-01");
        let fields: Vec<(String, String)> = serde_json::from_value(row["fields"].clone()).unwrap();
        let get = |k: &str| {
            fields
                .iter()
                .find(|(l, _)| l == k)
                .map(|x| x.1.clone())
                .unwrap_or_default()
        };
        assert!(
            get("会议名称").contains("路灯议事会"),
            "{label}: {fields:?}"
        );
        assert!(get("议题").contains("北门加装路灯"), "{label}: {fields:?}");
        assert!(!get("主持人").is_empty(), "{label}: {fields:?}");
        assert!(get("决定事项").contains("流会"), "{label}: {fields:?}");
    }
}

#[tokio::test]
async fn the_hub_pages_proposed_topics_so_older_ones_can_be_decided() {
    let s = TestServer::sqlite().await;
    let resident = s.api_token("jumin").await;
    let mut ids = Vec::new();
    for i in 0..25 {
        ids.push(topic(&s, &resident, &format!("第{i}个提议")).await);
    }
    let staff = s.web_login("shegong").await;
    let get = |path: String| {
        let staff = staff.clone();
        let url = s.url(&path);
        async move {
            let r = staff.get(url).send().await.unwrap();
            assert_eq!(r.status(), 200, "{path}");
            r.text().await.unwrap()
        }
    };
    let first = get("/deliberation".into()).await;
    let oldest = format!("/deliberation/topics/{}/decide", ids[0]);
    let newest = format!("/deliberation/topics/{}/decide", ids[24]);
    assert!(first.contains(&newest));
    assert!(!first.contains(&oldest));
    assert!(first.contains("pp=2"), "a pager to the older proposals");
    let second = get("/deliberation?pp=2&ap=1".into()).await;
    assert!(
        second.contains(&oldest),
        "the oldest proposal can be decided"
    );
    // A bad page number is read as the first page.
    let bad = get("/deliberation?pp=x".into()).await;
    assert!(bad.contains(&newest));
    // Accepted topics have their own list and pager.
    let worker = s.api_token("shegong").await;
    json_ok(
        api_post(
            &s,
            &worker,
            &format!("/api/v1/deliberation/topics/{}/decision", ids[0]),
            &json!({ "accept": true }),
        )
        .await,
        200,
    )
    .await;
    let hub = get("/deliberation".into()).await;
    let waiting = &hub[hub.find("id=\"waiting\"").expect("the accepted list")..];
    assert!(waiting.contains("第0个提议"));
}

#[tokio::test]
async fn requests_list_their_topics_titles() {
    let s = TestServer::sqlite().await;
    s.app
        .load_demo_deliberation(&jianfu_server::service::RequestMeta::console())
        .await
        .expect("demo deliberation");
    let worker = s.api_token("shegong").await;
    let rows = json_ok(
        api_get(&s, &worker, "/api/v1/deliberation/requests").await,
        200,
    )
    .await;
    let rows = rows.as_array().unwrap();
    assert!(!rows.is_empty(), "the demo asks departments");
    for r in rows {
        assert!(
            !r["topic_title"].as_str().unwrap().is_empty(),
            "every request with its topic's title: {r}"
        );
    }
    // The demo's department answered on the day it was asked: the figure says so in words,
    // not "0.0 个工作日".
    let html = s
        .web_login("ducha")
        .await
        .get(s.url("/deliberation/departments"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("当天答复"), "{html}");
    assert!(!html.contains("0.0 个工作日"), "{html}");
}

/// The committee cancels a meeting from its page through a confirm step; a draft cancelled before
/// its notice went out never shows on the public page, a noticed one shows as cancelled.
#[tokio::test]
async fn the_committee_cancels_a_meeting_on_its_page_and_unnoticed_drafts_stay_private() {
    for db in backends().await {
        let s = TestServer::start(db).await;
        let worker = s.api_token("shegong").await;
        let meeting = |title: &'static str, t: String| {
            json!({
                "kind": "deliberation", "title": title, "held_on": "2026-12-05",
                "held_at": "19:00", "place": "居委会会议室", "material": "议题材料",
                "participants": [["residents", "各楼居民"]],
                "voter_basis": "person", "vote_mode": "in_room", "base": 5, "topics": [t],
            })
        };
        let mut ids = Vec::new();
        for (title, topic_title) in [("草稿即取消的会", "议题甲"), ("通知后取消的会", "议题乙")]
        {
            let t = topic(&s, &worker, topic_title).await;
            json_ok(
                api_post(
                    &s,
                    &worker,
                    &format!("/api/v1/deliberation/topics/{t}/decision"),
                    &json!({ "accept": true }),
                )
                .await,
                200,
            )
            .await;
            let m = json_ok(
                api_post(
                    &s,
                    &worker,
                    "/api/v1/deliberation/meetings",
                    &meeting(title, t),
                )
                .await,
                201,
            )
            .await;
            ids.push(m["id"].as_str().unwrap().to_string());
        }
        step(&s, &worker, &ids[1], json!({ "action": "notice" })).await;

        let web = s.web_login("shegong").await;
        for id in &ids {
            let page = web
                .get(s.url(&format!("/deliberation/meetings/{id}")))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            assert!(page.contains("取消会议"), "the page offers cancelling");
            let csrf = crate::helpers::hidden_field(&page, "csrf").unwrap();
            let action = format!("/deliberation/meetings/{id}/cancel");
            let ask = web
                .post(s.url(&action))
                .form(&[("csrf", csrf.as_str())])
                .send()
                .await
                .unwrap();
            assert_eq!(ask.status(), 200);
            let ask = ask.text().await.unwrap();
            assert!(ask.contains("确认取消这次会议"), "asks first");
            let still = json_ok(
                api_get(&s, &worker, &format!("/api/v1/public/deliberation/{SANHE}")).await,
                200,
            )
            .await;
            assert!(
                !still.to_string().contains("\"state\":\"cancelled\""),
                "nothing cancelled before confirming"
            );
            let done = web
                .post(s.url(&action))
                .form(&[("csrf", csrf.as_str()), ("confirmed", "yes")])
                .send()
                .await
                .unwrap();
            assert_eq!(done.status(), 303, "cancelled, back to the meeting");
        }
        assert_eq!(
            s.audit_records("deliberation.meeting_cancel").await.len(),
            2
        );
        let public = anonymous(&s, &format!("/public/deliberation/{SANHE}")).await;
        assert!(
            !public.contains("草稿即取消的会"),
            "a draft cancelled before its notice is not public"
        );
        assert!(
            public.contains("通知后取消的会"),
            "a noticed meeting stays public, marked cancelled"
        );
        let r = reqwest::get(s.url(&format!("/public/deliberation/{SANHE}/meetings/{}", ids[0])))
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "nor is its public page");
    }
}

/// "据此发布志愿活动" opens the new-activity form with the decision shown by its title and
/// linked to its meeting, not as a raw `deliberation:<id>` key to edit; a key naming no decision
/// stays an editable box (and is refused on submit with `unknown_source`).
#[tokio::test]
async fn the_volunteer_form_shows_the_decision_it_carries_out() {
    let s = TestServer::sqlite().await;
    s.app
        .load_demo_deliberation(&jianfu_server::service::RequestMeta::console())
        .await
        .expect("demo deliberation");
    let decided = json_ok(
        reqwest::get(s.url(&format!(
            "/api/v1/public/deliberation/{SANHE}?state=decided"
        )))
        .await
        .unwrap(),
        200,
    )
    .await["topics"][0]
        .clone();
    let id = decided["id"].as_str().expect("the demo decides a topic");
    let title = decided["title"].as_str().unwrap();
    let worker = s.web_login("shegong").await;
    let form = |source: String| {
        let worker = &worker;
        let url = s.url(&format!("/volunteers/activities/new?source={source}"));
        async move {
            let r = worker.get(url).send().await.unwrap();
            assert_eq!(r.status(), 200);
            r.text().await.unwrap()
        }
    };
    let page = form(format!("deliberation:{id}")).await;
    assert!(page.contains(&format!("议事协商决定：{title}")), "{page}");
    assert!(page.contains(&format!("/public/deliberation/{SANHE}/meetings/")));
    assert!(page.contains(&format!(
        "type=\"hidden\" name=\"source\" value=\"deliberation:{id}\""
    )));
    assert!(!page.contains("id=\"source\""), "no raw key to edit");
    let page = form("deliberation:D-7".into()).await;
    assert!(
        page.contains("id=\"source\""),
        "an unknown key stays editable"
    );
    // A topic not (yet) decided is not a decision to carry out: editable too.
    let proposed = json_ok(
        reqwest::get(s.url(&format!(
            "/api/v1/public/deliberation/{SANHE}?state=proposed"
        )))
        .await
        .unwrap(),
        200,
    )
    .await["topics"][0]["id"]
        .as_str()
        .expect("the demo has a proposed topic")
        .to_string();
    let page = form(format!("deliberation:{proposed}")).await;
    assert!(page.contains("id=\"source\""), "{page}");
}
