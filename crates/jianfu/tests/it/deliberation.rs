//! 议事协商 end to end (issue 13, 三(五)), on SQLite and (when reachable) PostgreSQL: a resident
//! and the committee propose topics, the committee declines one with a reason and accepts the
//! others; a residents' meeting decides in the room only with its quorum present and by the
//! majority of those present; an online meeting counts one ballot per household, refuses a second
//! one and one after closing; every voice goes into the minutes, which the chair signs and which
//! then never change; decisions are published, carried out and judged by residents; a request
//! goes to a department, which alone sees and answers it, and the departments' answer times are
//! shown to supervisors. Bad input comes back with its code and a Chinese message.
//!
//! Shared helpers are in `deliberation_support`; concurrent votes in `deliberation_votes`, stale
//! closes and signed minutes in the database in `deliberation_meetings`, forms in
//! `deliberation_forms`, the demo in `deliberation_demo`, the reviewed pages in
//! `deliberation_pages`.

use crate::deliberation_support::{
    HELD_ON, SANHE, accept, meeting_body, meeting_on, resident_of, second_resident, step, topic,
};
use crate::helpers::{TestServer, api_get, api_post, backends, expect_code, json_ok};
use serde_json::{Value, json};

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
                    "deliberation",
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
                &meeting_body("deliberation", "online", "household", 1, &[&t2]),
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
        assert!(msg.contains(HELD_ON) && msg.contains("第二十六条"), "{msg}");
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
        assert!(msg.contains("第二十七条"), "cites the law: {msg}");
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
