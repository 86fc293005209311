//! 议事协商 end to end (issue 13, 三(五)), on SQLite and (when reachable) PostgreSQL: a resident
//! and the committee propose topics, the committee declines one with a reason and accepts the
//! others; a residents' meeting decides in the room only with its quorum present and by the
//! majority of those present; an online meeting counts one ballot per household, refuses a second
//! one and one after closing; every voice goes into the minutes, which the chair signs and which
//! then never change; decisions are published, carried out and judged by residents; a request
//! goes to a department, which alone sees and answers it. Bad input comes back with its code, a
//! Chinese message and what was typed.

use crate::helpers::{
    TestDb, TestServer, api_get, api_post, backends, expect_code, hidden_field, json_ok,
};
use jianfu_server::service::RequestMeta;
use jianfu_server::service::accounts::NewAccount;
use jianfu_store::DatabaseUrl;
use serde_json::{Value, json};
use sqlx::Connection;

const SANHE: &str = "110115001901";
/// The test clock starts on 2026-11-28; the notice must come 3 days ahead.
const HELD_ON: &str = "2026-12-01";

async fn second_resident(s: &TestServer, username: &str) {
    resident_of(s, username, SANHE).await;
}

/// One statement straight on the database, as anyone with write access could run it.
async fn raw_exec(db: &TestDb, sql: &str) -> Result<u64, String> {
    let sql = sqlx::AssertSqlSafe(sql.to_string());
    match &db.url {
        DatabaseUrl::Sqlite { path } => {
            let mut c = sqlx::SqliteConnection::connect_with(
                &sqlx::sqlite::SqliteConnectOptions::new().filename(path),
            )
            .await
            .unwrap();
            sqlx::query(sql)
                .execute(&mut c)
                .await
                .map(|r| r.rows_affected())
                .map_err(|e| e.to_string())
        }
        DatabaseUrl::Postgres { url } => {
            let mut c = sqlx::PgConnection::connect(url).await.unwrap();
            sqlx::query(sql)
                .execute(&mut c)
                .await
                .map(|r| r.rows_affected())
                .map_err(|e| e.to_string())
        }
    }
}

async fn resident_of(s: &TestServer, username: &str, community: &str) {
    s.app
        .create_account_owned(
            &jianfu_server::service::Actor::console(),
            &RequestMeta::console(),
            &NewAccount {
                username: username.into(),
                display_name: "刘居民".into(),
                password: jianfu_server::service::demo::DEMO_PASSWORD.into(),
                roles: vec!["resident".into()],
                org: community.into(),
            },
        )
        .await
        .expect("second resident");
}

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
    assert_eq!(t["state"], "proposed");
    t["id"].as_str().unwrap().to_string()
}

async fn accept(s: &TestServer, token: &str, id: &str) {
    let t = json_ok(
        api_post(
            s,
            token,
            &format!("/api/v1/deliberation/topics/{id}/decision"),
            &json!({ "accept": true }),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(t["state"], "accepted");
}

fn meeting_body(kind: &str, mode: &str, basis: &str, base: i64, topics: &[&str]) -> Value {
    meeting_on(HELD_ON, kind, mode, basis, base, topics)
}

fn meeting_on(
    held_on: &str,
    kind: &str,
    mode: &str,
    basis: &str,
    base: i64,
    topics: &[&str],
) -> Value {
    json!({
        "kind": kind, "title": "测试会议", "held_on": held_on, "held_at": "19:00",
        "place": "居委会会议室", "material": "议题材料",
        "participants": [["residents", "各楼居民"], ["property_company", "物业"]],
        "voter_basis": basis, "vote_mode": mode, "base": base, "topics": topics,
    })
}

async fn step(s: &TestServer, token: &str, id: &str, body: Value) -> reqwest::Response {
    api_post(
        s,
        token,
        &format!("/api/v1/deliberation/meetings/{id}/steps"),
        &body,
    )
    .await
}

#[tokio::test]
async fn deliberation_end_to_end() {
    for db in backends().await {
        let s = TestServer::start(db).await;
        second_resident(&s, "jumin2").await;
        let resident = s.api_token("jumin").await;
        let resident2 = s.api_token("jumin2").await;
        let worker = s.api_token("shegong").await;
        let other_worker = s.api_token("shegong2").await;

        // Topics: proposed, supported, declined with a reason, accepted.
        let t1 = topic(&s, &resident, "电动自行车集中充电棚").await;
        let t2 = topic(&s, &worker, "围墙修缮").await;
        let t3 = topic(&s, &resident, "组织团购年货").await;
        let sup = json_ok(
            api_post(
                &s,
                &resident2,
                &format!("/api/v1/deliberation/topics/{t1}/support"),
                &json!({}),
            )
            .await,
            200,
        )
        .await;
        assert_eq!(sup["supports"], 1);
        expect_code(
            api_post(
                &s,
                &resident2,
                &format!("/api/v1/deliberation/topics/{t1}/support"),
                &json!({}),
            )
            .await,
            422,
            "already_supported",
        )
        .await;
        expect_code(
            api_post(
                &s,
                &resident,
                &format!("/api/v1/deliberation/topics/{t1}/support"),
                &json!({}),
            )
            .await,
            422,
            "own_topic",
        )
        .await;
        expect_code(
            api_post(
                &s,
                &worker,
                &format!("/api/v1/deliberation/topics/{t3}/decision"),
                &json!({ "accept": false }),
            )
            .await,
            422,
            "decline_reason_missing",
        )
        .await;
        let d = json_ok(
            api_post(
                &s,
                &worker,
                &format!("/api/v1/deliberation/topics/{t3}/decision"),
                &json!({ "accept": false, "reason": "属于商业活动" }),
            )
            .await,
            200,
        )
        .await;
        assert_eq!(d["decline_reason"], "属于商业活动");
        // A resident cannot accept; another community's worker does not find the topic.
        assert_eq!(
            api_post(
                &s,
                &resident,
                &format!("/api/v1/deliberation/topics/{t1}/decision"),
                &json!({ "accept": true })
            )
            .await
            .status(),
            403
        );
        assert_eq!(
            api_post(
                &s,
                &other_worker,
                &format!("/api/v1/deliberation/topics/{t1}/decision"),
                &json!({ "accept": true })
            )
            .await
            .status(),
            404
        );
        accept(&s, &worker, &t1).await;
        accept(&s, &worker, &t2).await;

        // A date too soon is refused when the meeting is drafted: it could never be noticed.
        let msg = expect_code(
            api_post(
                &s,
                &worker,
                "/api/v1/deliberation/meetings",
                &meeting_on(
                    "2026-11-30",
                    "residents_meeting",
                    "in_room",
                    "person",
                    10,
                    &[&t2],
                ),
            )
            .await,
            422,
            "notice_too_late",
        )
        .await;
        assert!(msg.contains("2026-11-30") && msg.contains("41号"), "{msg}");
        // A draft for 2026-12-01 that is never noticed in time: cancelled, its topic waits again.
        let mc = json_ok(
            api_post(
                &s,
                &worker,
                "/api/v1/deliberation/meetings",
                &meeting_body("residents_meeting", "online", "household", 1, &[&t2]),
            )
            .await,
            201,
        )
        .await;
        let mc = mc["id"].as_str().unwrap().to_string();

        // A residents' meeting in the room: quorum and majority from the data file.
        let m = json_ok(
            api_post(
                &s,
                &worker,
                "/api/v1/deliberation/meetings",
                &meeting_body("residents_meeting", "in_room", "person", 10, &[&t1]),
            )
            .await,
            201,
        )
        .await;
        let ma = m["id"].as_str().unwrap().to_string();
        expect_code(
            step(&s, &worker, &ma, json!({ "action": "open" })).await,
            422,
            "notice_not_published",
        )
        .await;
        json_ok(
            step(&s, &worker, &ma, json!({ "action": "notice" })).await,
            200,
        )
        .await;
        // Another community's worker cannot run this meeting.
        assert_eq!(
            step(&s, &other_worker, &ma, json!({ "action": "open" }))
                .await
                .status(),
            404
        );
        // Noticed is not open: the meeting opens on the date in its notice, not before.
        let msg = expect_code(
            step(&s, &worker, &ma, json!({ "action": "open" })).await,
            422,
            "meeting_not_yet",
        )
        .await;
        assert!(msg.contains(HELD_ON) && msg.contains("41号"), "{msg}");
        s.clock.advance(time::Duration::days(3));
        // Sessions expire meanwhile: log in again.
        let resident = s.api_token("jumin").await;
        let worker = s.api_token("shegong").await;
        let chair = s.api_token("shuji").await;
        // The draft dated today can no longer be noticed; cancelling frees its topic.
        expect_code(
            step(&s, &worker, &mc, json!({ "action": "notice" })).await,
            422,
            "notice_too_late",
        )
        .await;
        let cancelled = json_ok(
            step(&s, &worker, &mc, json!({ "action": "cancel" })).await,
            200,
        )
        .await;
        assert_eq!(cancelled["state"], "cancelled");
        expect_code(
            step(&s, &worker, &mc, json!({ "action": "cancel" })).await,
            422,
            "meeting_wrong_state",
        )
        .await;
        assert_eq!(
            s.audit_records("deliberation.meeting_cancel").await.len(),
            1
        );
        json_ok(
            step(&s, &worker, &ma, json!({ "action": "open" })).await,
            200,
        )
        .await;
        json_ok(
            step(
                &s,
                &worker,
                &ma,
                json!({ "action": "attendance", "present": 5 }),
            )
            .await,
            200,
        )
        .await;
        let msg = expect_code(
            step(&s, &worker, &ma, json!({ "action": "close" })).await,
            422,
            "below_quorum",
        )
        .await;
        assert!(msg.contains("第九条"), "cites the law: {msg}");
        json_ok(
            step(
                &s,
                &worker,
                &ma,
                json!({ "action": "attendance", "present": 6 }),
            )
            .await,
            200,
        )
        .await;
        expect_code(step(&s, &worker, &ma, json!({ "action": "tally", "topic_id": t1, "votes_for": 5, "votes_against": 1, "votes_abstain": 1 })).await, 422, "tally_exceeds_attendance").await;
        json_ok(step(&s, &worker, &ma, json!({ "action": "tally", "topic_id": t1, "votes_for": 4, "votes_against": 1, "votes_abstain": 1 })).await, 200).await;
        expect_code(
            api_post(
                &s,
                &resident,
                &format!("/api/v1/deliberation/meetings/{ma}/votes"),
                &json!({ "choices": [{ "topic_id": t1, "choice": "for" }] }),
            )
            .await,
            422,
            "not_online",
        )
        .await;
        // Minutes: every voice; signed by the chair only; then immutable.
        json_ok(api_post(&s, &worker, &format!("/api/v1/deliberation/meetings/{ma}/voices"), &json!({ "speaker": "物业李经理", "category": "property_company", "said": "西侧空地可以建" })).await, 201).await;
        let closed = json_ok(
            step(&s, &worker, &ma, json!({ "action": "close" })).await,
            200,
        )
        .await;
        assert_eq!(closed["motions"][0]["outcome"], "passed");
        assert_eq!(
            step(&s, &worker, &ma, json!({ "action": "sign" }))
                .await
                .status(),
            403
        );
        json_ok(
            step(&s, &chair, &ma, json!({ "action": "sign" })).await,
            200,
        )
        .await;
        expect_code(
            api_post(
                &s,
                &worker,
                &format!("/api/v1/deliberation/meetings/{ma}/voices"),
                &json!({ "speaker": "补记", "category": "residents", "said": "补一句" }),
            )
            .await,
            422,
            "minutes_signed",
        )
        .await;

        // An online meeting, one vote per household; its topic is free again (the draft above
        // was cancelled).
        let m = json_ok(
            api_post(
                &s,
                &worker,
                "/api/v1/deliberation/meetings",
                &meeting_on(
                    "2026-12-04",
                    "residents_meeting",
                    "online",
                    "household",
                    1,
                    &[&t2],
                ),
            )
            .await,
            201,
        )
        .await;
        let mb = m["id"].as_str().unwrap().to_string();
        json_ok(
            step(&s, &worker, &mb, json!({ "action": "notice" })).await,
            200,
        )
        .await;
        s.clock.advance(time::Duration::days(3));
        let resident = s.api_token("jumin").await;
        let resident2 = s.api_token("jumin2").await;
        let worker = s.api_token("shegong").await;
        let chair = s.api_token("shuji").await;
        let clerk = s.api_token("minzheng").await;
        json_ok(
            step(&s, &worker, &mb, json!({ "action": "open" })).await,
            200,
        )
        .await;
        // A voice in mb's minutes: not public until signed.
        json_ok(api_post(&s, &worker, &format!("/api/v1/deliberation/meetings/{mb}/voices"), &json!({ "speaker": "居民王阿姨", "category": "residents", "said": "围墙东段先修" })).await, 201).await;
        expect_code(step(&s, &worker, &mb, json!({ "action": "tally", "topic_id": t2, "votes_for": 1, "votes_against": 0, "votes_abstain": 0 })).await, 422, "online_meeting").await;
        let ballot = json!({ "choices": [{ "topic_id": t2, "choice": "for" }] });
        let votes = format!("/api/v1/deliberation/meetings/{mb}/votes");
        expect_code(
            api_post(&s, &resident, &votes, &ballot).await,
            422,
            "no_household",
        )
        .await;
        expect_code(
            api_post(
                &s,
                &worker,
                "/api/v1/deliberation/households",
                &json!({ "username": "jumin", "household": "3-501" }),
            )
            .await,
            422,
            "bad_household",
        )
        .await;
        json_ok(
            api_post(
                &s,
                &worker,
                "/api/v1/deliberation/households",
                &json!({ "username": "jumin", "household": "３－２－５０１" }),
            )
            .await,
            200,
        )
        .await;
        json_ok(
            api_post(
                &s,
                &worker,
                "/api/v1/deliberation/households",
                &json!({ "username": "jumin2", "household": "3号楼2单元501室" }),
            )
            .await,
            200,
        )
        .await;
        json_ok(api_post(&s, &resident, &votes, &ballot).await, 201).await;
        let msg = expect_code(
            api_post(&s, &resident2, &votes, &ballot).await,
            422,
            "already_voted",
        )
        .await;
        assert!(msg.contains("本户"), "{msg}");
        expect_code(
            api_post(&s, &resident, &votes, &ballot).await,
            422,
            "already_voted",
        )
        .await;
        // Re-registered to another household while the meeting is open: a new household key,
        // but still the same resident, who has voted.
        json_ok(
            api_post(
                &s,
                &worker,
                "/api/v1/deliberation/households",
                &json!({ "username": "jumin", "household": "3-2-501A" }),
            )
            .await,
            200,
        )
        .await;
        expect_code(
            api_post(&s, &resident, &votes, &ballot).await,
            422,
            "already_voted",
        )
        .await;
        // A resident of another community cannot vote in this one.
        resident_of(&s, "jumin_other", "110115001902").await;
        let outsider = s.api_token("jumin_other").await;
        let r = api_post(&s, &outsider, &votes, &ballot).await;
        assert_eq!(r.status(), 404, "another community's meeting is not found");
        let closed = json_ok(
            step(&s, &worker, &mb, json!({ "action": "close" })).await,
            200,
        )
        .await;
        assert_eq!(closed["ballots"], 1);
        assert_eq!(closed["motions"][0]["votes_for"], 1);
        assert_eq!(closed["motions"][0]["outcome"], "passed");
        expect_code(
            api_post(&s, &resident2, &votes, &ballot).await,
            422,
            "vote_closed",
        )
        .await;
        assert_eq!(
            s.audit_records("deliberation.vote").await.len(),
            1,
            "one audited vote"
        );

        // Carrying out, feedback, public pages without an account.
        expect_code(
            api_post(
                &s,
                &resident,
                &format!("/api/v1/deliberation/decisions/{t1}/feedback"),
                &json!({ "verdict": "done" }),
            )
            .await,
            422,
            "nothing_to_judge",
        )
        .await;
        let a = json_ok(
            api_post(
                &s,
                &worker,
                &format!("/api/v1/deliberation/decisions/{t1}/actions"),
                &json!({ "what": "建成充电棚", "owner": "物业", "due_on": "2026-12-31" }),
            )
            .await,
            201,
        )
        .await;
        let aid = a["id"].as_str().unwrap();
        json_ok(
            api_post(
                &s,
                &worker,
                &format!("/api/v1/deliberation/actions/{aid}/progress"),
                &json!({ "note": "已开工" }),
            )
            .await,
            200,
        )
        .await;
        json_ok(
            api_post(
                &s,
                &resident,
                &format!("/api/v1/deliberation/decisions/{t1}/feedback"),
                &json!({ "verdict": "partly" }),
            )
            .await,
            200,
        )
        .await;
        let public = json_ok(
            reqwest::get(s.url(&format!("/api/v1/public/deliberation/{SANHE}")))
                .await
                .unwrap(),
            200,
        )
        .await;
        assert_eq!(public["total"], 3);
        let decided = public["decisions"].as_array().unwrap();
        assert_eq!(decided.len(), 2);
        let d1 = decided
            .iter()
            .find(|d| d["topic"]["id"] == t1.as_str())
            .unwrap();
        assert_eq!(d1["progress"], "in_progress");
        assert_eq!(d1["feedback_partly"], 1);
        let html = reqwest::get(s.url(&format!("/public/deliberation/{SANHE}")))
            .await
            .unwrap();
        assert_eq!(html.status(), 200);
        let html = html.text().await.unwrap();
        assert!(
            html.contains("电动自行车集中充电棚") && html.contains("属于商业活动"),
            "{html}"
        );
        let page = reqwest::get(s.url(&format!("/public/deliberation/{SANHE}/meetings/{ma}")))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("西侧空地可以建"), "signed minutes are public");
        let pm = json_ok(
            reqwest::get(s.url(&format!(
                "/api/v1/public/deliberation/{SANHE}/meetings/{mb}"
            )))
            .await
            .unwrap(),
            200,
        )
        .await;
        assert!(
            pm["voices"].as_array().unwrap().is_empty(),
            "unsigned minutes are not public"
        );
        json_ok(
            step(&s, &chair, &mb, json!({ "action": "sign" })).await,
            200,
        )
        .await;
        let pm = json_ok(
            reqwest::get(s.url(&format!(
                "/api/v1/public/deliberation/{SANHE}/meetings/{mb}"
            )))
            .await
            .unwrap(),
            200,
        )
        .await;
        assert_eq!(pm["voices"][0]["said"], "围墙东段先修", "signed: public");
        expect_code(
            reqwest::get(s.url(&format!(
                "/api/v1/public/deliberation/{SANHE}?state=nonsense"
            )))
            .await
            .unwrap(),
            422,
            "invalid_status",
        )
        .await;

        // Requests to departments: each sees and answers only its own.
        let r1 = json_ok(
            api_post(
                &s,
                &worker,
                &format!("/api/v1/deliberation/decisions/{t1}/requests"),
                &json!({ "department": "110115-MZJ", "asked": "请协调消防指导" }),
            )
            .await,
            201,
        )
        .await;
        let r2 = json_ok(
            api_post(
                &s,
                &worker,
                &format!("/api/v1/deliberation/decisions/{t1}/requests"),
                &json!({ "department": "110115001", "asked": "请街道协调场地" }),
            )
            .await,
            201,
        )
        .await;
        let mine = json_ok(
            api_get(&s, &clerk, "/api/v1/deliberation/requests").await,
            200,
        )
        .await;
        assert_eq!(mine.as_array().unwrap().len(), 1);
        assert_eq!(mine[0]["id"], r1["id"]);
        let r2id = r2["id"].as_str().unwrap();
        assert_eq!(
            api_post(
                &s,
                &clerk,
                &format!("/api/v1/deliberation/requests/{SANHE}/{r2id}/answer"),
                &json!({ "answer": "不是我的" })
            )
            .await
            .status(),
            404
        );
        s.clock.advance(time::Duration::days(3));
        // Sessions expire meanwhile: log in again.
        let clerk = s.api_token("minzheng").await;
        let street = s.api_token("jiedao").await;
        let r1id = r1["id"].as_str().unwrap();
        expect_code(
            api_post(
                &s,
                &clerk,
                &format!("/api/v1/deliberation/requests/{SANHE}/{r1id}/answer"),
                &json!({ "answer": " " }),
            )
            .await,
            422,
            "answer_missing",
        )
        .await;
        let ans = json_ok(
            api_post(
                &s,
                &clerk,
                &format!("/api/v1/deliberation/requests/{SANHE}/{r1id}/answer"),
                &json!({ "answer": "下周派员指导" }),
            )
            .await,
            200,
        )
        .await;
        assert_eq!(ans["state"], "answered");
        // Asked 2026-12-04 (Friday), answered 2026-12-07 (Monday): Monday only.
        assert_eq!(ans["answer_days"], 1);
        let theirs = json_ok(
            api_get(&s, &street, "/api/v1/deliberation/requests").await,
            200,
        )
        .await;
        assert_eq!(theirs.as_array().unwrap().len(), 1);
        assert_eq!(theirs[0]["id"], r2["id"]);

        // The departments' answer figures (their indicator), for supervisors district-wide.
        department_figures(&s, 1).await;
        // A day later the pending request has waited one working day more.
        s.clock.advance(time::Duration::days(1));
        department_figures(&s, 2).await;
    }
}

/// After 民政局 answered its request in 1 working day and the street left its own pending since
/// 2026-12-04: the supervisor sees both rows, the street's pending one with `pending_days` so far
/// (the slowest first); the department sees its own row only; a resident is refused; the
/// supervisor's page draws the chart and the table.
async fn department_figures(s: &TestServer, pending_days: i64) {
    let ducha = s.api_token("ducha").await;
    let all = json_ok(
        api_get(s, &ducha, "/api/v1/deliberation/department-figures").await,
        200,
    )
    .await;
    let all = all.as_array().unwrap();
    assert_eq!(all.len(), 2, "{all:?}");
    let street = &all[0];
    assert_eq!(street["department"], "110115001");
    assert_eq!(street["received"], 1);
    assert_eq!(street["answered"], 0);
    assert_eq!(street["pending"], 1);
    assert_eq!(street["average_answer_days"], Value::Null);
    assert_eq!(
        street["average_days_with_pending"],
        json!(pending_days as f64)
    );
    assert_eq!(street["oldest_pending_on"], "2026-12-04");
    assert_eq!(street["oldest_pending_days"], pending_days);
    let mzj = &all[1];
    assert_eq!(mzj["department"], "110115-MZJ");
    assert_eq!(mzj["received"], 1);
    assert_eq!(mzj["answered"], 1);
    assert_eq!(mzj["pending"], 0);
    assert_eq!(mzj["average_answer_days"], json!(1.0));
    assert_eq!(mzj["average_days_with_pending"], json!(1.0));
    assert_eq!(mzj["oldest_pending_days"], Value::Null);

    let clerk = s.api_token("minzheng").await;
    let own = json_ok(
        api_get(s, &clerk, "/api/v1/deliberation/department-figures").await,
        200,
    )
    .await;
    assert_eq!(own.as_array().unwrap().len(), 1);
    assert_eq!(own[0]["department"], "110115-MZJ");
    assert_eq!(own[0]["answered"], 1);

    let resident = s.api_token("jumin").await;
    assert_eq!(
        api_get(s, &resident, "/api/v1/deliberation/department-figures")
            .await
            .status(),
        403
    );

    let page = s
        .web_login("ducha")
        .await
        .get(s.url("/deliberation/departments"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("<svg"), "chart drawn");
    assert!(
        html.contains(&format!("{pending_days} 个工作日（2026-12-04 提出）")),
        "{html}"
    );
    let page = s
        .web_login("jumin")
        .await
        .get(s.url("/deliberation/departments"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 403);
}

/// Resubmitting concurrently, from the same account: exactly one ballot is counted.
#[tokio::test]
async fn concurrent_resubmissions_count_once() {
    for db in backends().await {
        let s = TestServer::start(db).await;
        let resident = s.api_token("jumin").await;
        let worker = s.api_token("shegong").await;
        let t = topic(&s, &resident, "楼道扶手").await;
        accept(&s, &worker, &t).await;
        let m = json_ok(
            api_post(
                &s,
                &worker,
                "/api/v1/deliberation/meetings",
                &meeting_body("deliberation", "online", "person", 5, &[&t]),
            )
            .await,
            201,
        )
        .await;
        let id = m["id"].as_str().unwrap().to_string();
        json_ok(
            step(&s, &worker, &id, json!({ "action": "notice" })).await,
            200,
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
        let m = json_ok(
            api_post(
                &s,
                &worker,
                "/api/v1/deliberation/meetings",
                &meeting_body("residents_meeting", "online", "household", 1, &[&t]),
            )
            .await,
            201,
        )
        .await;
        let id = m["id"].as_str().unwrap().to_string();
        json_ok(
            step(&s, &worker, &id, json!({ "action": "notice" })).await,
            200,
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

/// Signed minutes are protected by the database too: raw SQL can neither change nor remove a
/// voice, nor add one, nor change the signed meeting; an unsigned meeting still takes voices.
#[tokio::test]
async fn signed_minutes_hold_in_the_database() {
    for db in backends().await {
        let s = TestServer::start(db).await;
        let resident = s.api_token("jumin").await;
        let worker = s.api_token("shegong").await;
        let t = topic(&s, &resident, "垃圾分类桶站").await;
        accept(&s, &worker, &t).await;
        let m = json_ok(
            api_post(
                &s,
                &worker,
                "/api/v1/deliberation/meetings",
                &meeting_body("deliberation", "in_room", "person", 5, &[&t]),
            )
            .await,
            201,
        )
        .await;
        let id = m["id"].as_str().unwrap().to_string();
        json_ok(
            step(&s, &worker, &id, json!({ "action": "notice" })).await,
            200,
        )
        .await;
        s.clock.advance(time::Duration::days(3));
        let worker = s.api_token("shegong").await;
        let chair = s.api_token("shuji").await;
        json_ok(
            step(&s, &worker, &id, json!({ "action": "open" })).await,
            200,
        )
        .await;
        json_ok(
            api_post(
                &s,
                &worker,
                &format!("/api/v1/deliberation/meetings/{id}/voices"),
                &json!({ "speaker": "居民", "category": "residents", "said": "桶站挪到北门" }),
            )
            .await,
            201,
        )
        .await;
        json_ok(
            step(&s, &worker, &id, json!({ "action": "adjourn" })).await,
            200,
        )
        .await;
        let insert = |seq: i64| {
            format!(
                "INSERT INTO delib_voices (community, meeting_id, seq, speaker, category, said, \
                 recorded_by, recorded_at) VALUES ('{SANHE}', '{id}', {seq}, '补记', 'residents', \
                 '补一句', 'x', 0)"
            )
        };
        // Before signing the database takes a voice (the application numbers them).
        assert_eq!(raw_exec(&s.db, &insert(2)).await, Ok(1));
        json_ok(
            step(&s, &chair, &id, json!({ "action": "sign" })).await,
            200,
        )
        .await;
        let label = s.db.label;
        for sql in [
            format!("UPDATE delib_voices SET said = '改过' WHERE meeting_id = '{id}'"),
            format!("DELETE FROM delib_voices WHERE meeting_id = '{id}'"),
            insert(3),
            format!("UPDATE delib_meetings SET signed_at = NULL WHERE id = '{id}'"),
            format!("UPDATE delib_meetings SET voices = 9 WHERE id = '{id}'"),
        ] {
            let r = raw_exec(&s.db, &sql).await;
            assert!(r.is_err(), "{label}: {sql} must be refused: {r:?}");
        }
        // And the guards are listed: dropping one is noticed and put back.
        let pm = json_ok(
            reqwest::get(s.url(&format!(
                "/api/v1/public/deliberation/{SANHE}/meetings/{id}"
            )))
            .await
            .unwrap(),
            200,
        )
        .await;
        let said: Vec<&str> = pm["voices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["said"].as_str().unwrap())
            .collect();
        assert_eq!(said, ["桶站挪到北门", "补一句"], "{label}");

        // An export of signed minutes imports (the voices go in before their meeting is signed).
        let mut out = Vec::new();
        jianfu_store::portable::export(s.app.store.as_ref(), &mut out)
            .await
            .expect("export");
        let copy_db = crate::helpers::sqlite_db();
        let copy = jianfu_store::open(&copy_db.url).await.unwrap();
        jianfu_store::portable::import(copy.as_ref(), &mut &out[..])
            .await
            .expect("signed minutes import");
        let voices = copy.voices(SANHE, &id).await.unwrap();
        assert_eq!(voices.len(), 2, "{label}");
        let m = copy.delib_meeting(SANHE, &id).await.unwrap().unwrap();
        assert!(m.signed_at.is_some());
    }
}

/// A close or an attendance computed from an older reading writes nothing (the meeting's
/// `revision` moved on), and an online close counts at the number of ballot rows it read.
#[tokio::test]
async fn a_close_from_an_older_reading_writes_nothing() {
    for db in backends().await {
        let s = TestServer::start(db).await;
        let resident = s.api_token("jumin").await;
        let worker = s.api_token("shegong").await;
        let t = topic(&s, &resident, "小区照明").await;
        accept(&s, &worker, &t).await;
        let mut ids = Vec::new();
        for mode in ["in_room", "online"] {
            let m = json_ok(
                api_post(
                    &s,
                    &worker,
                    "/api/v1/deliberation/meetings",
                    &meeting_body("deliberation", mode, "person", 5, &[&t]),
                )
                .await,
                201,
            )
            .await;
            let id = m["id"].as_str().unwrap().to_string();
            json_ok(
                step(&s, &worker, &id, json!({ "action": "notice" })).await,
                200,
            )
            .await;
            ids.push(id);
            if mode == "in_room" {
                // The online meeting needs the topic too: cancel and reuse it.
                json_ok(
                    step(&s, &worker, &ids[0], json!({ "action": "cancel" })).await,
                    200,
                )
                .await;
            }
        }
        // The in-room meeting again, on another topic.
        let t2 = topic(&s, &resident, "楼道堆物").await;
        accept(&s, &worker, &t2).await;
        let m = json_ok(
            api_post(
                &s,
                &worker,
                "/api/v1/deliberation/meetings",
                &meeting_body("deliberation", "in_room", "person", 5, &[&t2]),
            )
            .await,
            201,
        )
        .await;
        let room = m["id"].as_str().unwrap().to_string();
        json_ok(
            step(&s, &worker, &room, json!({ "action": "notice" })).await,
            200,
        )
        .await;
        let online = ids[1].clone();
        s.clock.advance(time::Duration::days(3));
        let worker = s.api_token("shegong").await;
        let resident = s.api_token("jumin").await;
        for id in [&room, &online] {
            json_ok(
                step(&s, &worker, id, json!({ "action": "open" })).await,
                200,
            )
            .await;
        }
        let store = s.app.store.clone();
        let audit = || {
            s.app.audit(
                &jianfu_server::service::Actor::console(),
                &RequestMeta::console(),
                "deliberation.meeting_close",
                "delib_meeting:test",
            )
        };
        // In the room: attendance 3, read; then attendance 4 and a tally arrive; the close from
        // the first reading writes nothing.
        json_ok(
            step(
                &s,
                &worker,
                &room,
                json!({ "action": "attendance", "present": 3 }),
            )
            .await,
            200,
        )
        .await;
        let read = store.delib_meeting(SANHE, &room).await.unwrap().unwrap();
        json_ok(
            step(
                &s,
                &worker,
                &room,
                json!({ "action": "attendance", "present": 4 }),
            )
            .await,
            200,
        )
        .await;
        assert!(
            !store
                .set_attendance(SANHE, &room, 2, read.revision, audit())
                .await
                .unwrap(),
            "an attendance from an older reading"
        );
        let now = store.delib_meeting(SANHE, &room).await.unwrap().unwrap();
        assert_eq!(now.present, 4);
        assert!(now.revision > read.revision);
        json_ok(step(&s, &worker, &room, json!({ "action": "tally", "topic_id": t2, "votes_for": 3, "votes_against": 1, "votes_abstain": 0 })).await, 200).await;
        assert!(
            !store
                .set_tally(SANHE, &room, &t2, (1, 0, 0), now.revision, audit())
                .await
                .unwrap(),
            "a tally from an older reading"
        );
        let stale = jianfu_store::MotionResult {
            topic_id: t2.clone(),
            votes_for: 0,
            votes_against: 0,
            votes_abstain: 0,
            outcome: Some("not_passed".into()),
        };
        assert!(
            !store
                .close_meeting(
                    SANHE,
                    &room,
                    0,
                    now.revision,
                    false,
                    std::slice::from_ref(&stale),
                    0,
                    audit()
                )
                .await
                .unwrap(),
            "a close from an older reading"
        );
        let closed = json_ok(
            step(&s, &worker, &room, json!({ "action": "close" })).await,
            200,
        )
        .await;
        assert_eq!(closed["present"], 4);
        assert_eq!(closed["motions"][0]["votes_for"], 3);
        assert_eq!(closed["motions"][0]["outcome"], "passed");

        // Online: a close at a ballot count other than the rows is refused; the service counts
        // the rows and closes with attendance = ballots counted.
        json_ok(
            api_post(
                &s,
                &resident,
                &format!("/api/v1/deliberation/meetings/{online}/votes"),
                &json!({ "choices": [{ "topic_id": t, "choice": "for" }] }),
            )
            .await,
            201,
        )
        .await;
        let m = store.delib_meeting(SANHE, &online).await.unwrap().unwrap();
        let mut r = stale.clone();
        r.topic_id = t.clone();
        assert!(
            !store
                .close_meeting(SANHE, &online, 0, m.revision, false, &[r], 0, audit())
                .await
                .unwrap(),
            "a close that counted fewer ballots than arrived"
        );
        let closed = json_ok(
            step(&s, &worker, &online, json!({ "action": "close" })).await,
            200,
        )
        .await;
        assert_eq!(closed["ballots"], 1);
        assert_eq!(closed["motions"][0]["votes_for"], 1);
    }
}
