//! 议事协商 meetings kept whole, on SQLite and (when reachable) PostgreSQL: signed minutes are
//! protected by the database itself (raw SQL cannot change, remove or add a voice or unsign the
//! meeting) and survive export and import; a close, an attendance or a tally computed from an
//! older reading of a meeting (its `revision` moved on, e.g. after another step or a cancel)
//! writes nothing, and an online close counts exactly the ballot rows it read.

use crate::deliberation_support::{
    SANHE, accept, meeting_body, noticed_meeting, raw_exec, step, topic,
};
use crate::helpers::{TestServer, api_post, backends, json_ok};
use jianfu_server::service::RequestMeta;
use serde_json::json;

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
        let id = noticed_meeting(
            &s,
            &worker,
            &meeting_body("deliberation", "in_room", "person", 5, &[&t]),
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
            let id = noticed_meeting(
                &s,
                &worker,
                &meeting_body("deliberation", mode, "person", 5, &[&t]),
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
        let room = noticed_meeting(
            &s,
            &worker,
            &meeting_body("deliberation", "in_room", "person", 5, &[&t2]),
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

/// The 2025 城市居民委员会组织法 on meetings: a residents' meeting is noticed 10 days ahead, or
/// sooner in a special circumstance that is stated and published (第二十六条); a matter only the
/// residents' (representatives') meeting may decide is discussed by the community Party
/// organisation first (第三十条第四款), and cannot go to a deliberation meeting at all.
#[tokio::test]
async fn the_2025_law_on_notice_and_reserved_matters() {
    use crate::helpers::expect_code;
    for db in backends().await {
        let s = TestServer::start(db).await;
        let worker = s.api_token("shegong").await;
        let reserved = json_ok(
            api_post(
                &s,
                &worker,
                "/api/v1/deliberation/topics",
                &json!({ "title": "修改居民公约", "body": "增加养犬条款", "matter": "residents_compact" }),
            )
            .await,
            201,
        )
        .await["id"]
            .as_str()
            .unwrap()
            .to_string();
        accept(&s, &worker, &reserved).await;
        let create = |body: serde_json::Value| {
            let (s, worker) = (&s, &worker);
            async move { api_post(s, worker, "/api/v1/deliberation/meetings", &body).await }
        };
        let residents_on = |held_on: &str, reason: &str, reviewed: &str| {
            let mut b = meeting_body("residents_meeting", "in_room", "person", 10, &[&reserved]);
            b["held_on"] = json!(held_on);
            b["notice_reason"] = json!(reason);
            b["party_reviewed_on"] = json!(reviewed);
            b
        };
        // Nine days' notice without a special circumstance: refused, citing 第二十六条.
        let msg = expect_code(
            create(residents_on("2026-12-07", "", "2026-11-27")).await,
            422,
            "notice_too_late",
        )
        .await;
        assert!(
            msg.contains("第二十六条") && msg.contains("特殊情况说明"),
            "{msg}"
        );
        // Reserved to the residents: not a deliberation meeting's business.
        let mut b = meeting_body("deliberation", "in_room", "person", 10, &[&reserved]);
        b["held_on"] = json!("2026-12-08");
        expect_code(create(b).await, 422, "reserved_for_residents").await;
        // The Party organisation's discussion first: missing, then in the future.
        let msg = expect_code(
            create(residents_on("2026-12-08", "", "")).await,
            422,
            "party_review_missing",
        )
        .await;
        assert!(msg.contains("第三十条第四款"), "{msg}");
        expect_code(
            create(residents_on("2026-12-08", "", "2026-11-29")).await,
            422,
            "party_review_in_future",
        )
        .await;
        // Ten days ahead with the discussion stated: drafted; the rule shows on the meeting.
        let m = json_ok(
            create(residents_on("2026-12-08", "", "2026-11-27")).await,
            201,
        )
        .await;
        assert_eq!(m["party_reviewed_on"], "2026-11-27");
        assert!(
            m["notice_rule"].as_str().unwrap().contains("提前 10 天"),
            "{m}"
        );
        let id = m["id"].as_str().unwrap().to_string();
        json_ok(
            step(&s, &worker, &id, json!({ "action": "cancel" })).await,
            200,
        )
        .await;
        // A special circumstance where none shortens the notice is not published ("临时通知"
        // would be untrue); a Party review date with no reserved matter on the agenda neither.
        let plain = topic(&s, &worker, "楼道灯更换").await;
        accept(&s, &worker, &plain).await;
        let mut b = meeting_body("residents_meeting", "in_room", "person", 10, &[&plain]);
        b["held_on"] = json!("2026-12-08");
        b["party_reviewed_on"] = json!("2026-11-27");
        let m = json_ok(create(b).await, 201).await;
        assert_eq!(m["party_reviewed_on"], "", "{m}");
        let plain_id = m["id"].as_str().unwrap().to_string();
        let noticed = json_ok(
            step(&s, &worker, &plain_id, json!({ "action": "notice" })).await,
            200,
        )
        .await;
        assert_eq!(noticed["notice_reason"], "", "{noticed}");
        json_ok(
            step(&s, &worker, &plain_id, json!({ "action": "cancel" })).await,
            200,
        )
        .await;

        // Drafted in time, noticed late: the special circumstance can be stated when the
        // notice goes out.
        let m = json_ok(
            create(residents_on("2026-12-10", "", "2026-11-27")).await,
            201,
        )
        .await;
        let late_id = m["id"].as_str().unwrap().to_string();
        s.clock.advance(time::Duration::days(5));
        let worker = s.api_token("shegong").await;
        expect_code(
            step(&s, &worker, &late_id, json!({ "action": "notice" })).await,
            422,
            "notice_too_late",
        )
        .await;
        let noticed = json_ok(
            step(
                &s,
                &worker,
                &late_id,
                json!({ "action": "notice", "notice_reason": "汛期临近，围墙须尽快加固" }),
            )
            .await,
            200,
        )
        .await;
        assert_eq!(noticed["state"], "noticed");
        assert_eq!(noticed["notice_reason"], "汛期临近，围墙须尽快加固");
        json_ok(
            step(&s, &worker, &late_id, json!({ "action": "cancel" })).await,
            200,
        )
        .await;
        let create = |body: serde_json::Value| {
            let (s, worker) = (&s, &worker);
            async move { api_post(s, worker, "/api/v1/deliberation/meetings", &body).await }
        };

        // Short notice in a special circumstance: allowed, and the reason is published with
        // the notice for everyone to read.
        let m = json_ok(
            create(residents_on(
                "2026-12-05",
                "外墙脱落，须尽快决定维修",
                "2026-11-27",
            ))
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
        let public = reqwest::get(s.url(&format!("/public/deliberation/{SANHE}/meetings/{id}")))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(public.contains("外墙脱落，须尽快决定维修"), "{public}");
        assert!(public.contains("2026-11-27"));
        let api = json_ok(
            reqwest::get(s.url(&format!(
                "/api/v1/public/deliberation/{SANHE}/meetings/{id}"
            )))
            .await
            .unwrap(),
            200,
        )
        .await;
        assert_eq!(api["meeting"]["notice_reason"], "外墙脱落，须尽快决定维修");
    }
}
