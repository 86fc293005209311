//! 志愿服务 hours records over time (split from `volunteers.rs`), on SQLite and (when reachable)
//! PostgreSQL: a form re-sent after the record deadline changes nothing that is stored (who
//! recorded, when, whether late); only a first record after the deadline is late; the same
//! volunteer twice in one request is refused; a deadline running into a year without a loaded
//! calendar says so. Also the input edges: the registration form keeps what was typed and shows
//! the data file's numbers; odd input never fails the server.

use crate::helpers::{TestDb, TestServer, api_post, backends, expect_code, hidden_field};
use crate::volunteers::{COMMUNITY, activity_body, confirmed, id_born, resident};
use jianfu_domain::volunteer::rules::rules;
use jianfu_server::App;
use jianfu_server::service::volunteers::{ActivityInput, HoursEntry};
use jianfu_server::service::{Actor, RequestMeta};
use jianfu_store::SignupRow;
use serde_json::json;
use time::Duration;

fn entry(volunteer_id: &str, hours: &str) -> HoursEntry {
    HoursEntry {
        volunteer_id: volunteer_id.into(),
        attended: !hours.is_empty(),
        hours: hours.into(),
        ..Default::default()
    }
}

pub(crate) async fn signup(app: &App, activity: &str, volunteer: &str) -> SignupRow {
    app.store
        .signups_of_activity(COMMUNITY, activity)
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.volunteer_id == volunteer)
        .unwrap()
}

/// Posts an activity from `starts` to `ends` and signs up `n` new confirmed volunteers
/// (numbered from `seq`); returns the activity id, the volunteers' ids and the worker.
pub(crate) async fn activity_with(
    s: &TestServer,
    starts: &str,
    ends: &str,
    n: u32,
    seq: u32,
) -> (String, Vec<String>, Actor) {
    let meta = RequestMeta::console();
    let worker = s.app.demo_actor("shegong").await.unwrap();
    let a = s
        .app
        .post_activity(
            &worker,
            &meta,
            &ActivityInput {
                title: "楼道清洁".into(),
                place: "3号楼".into(),
                starts: starts.into(),
                ends: ends.into(),
                capacity: "10".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let mut ids = Vec::new();
    for i in 0..n {
        let r = resident(s, &format!("rec{}", seq + i)).await;
        ids.push(confirmed(s, &r, seq + i).await);
        s.app.sign_up(&r, &meta, COMMUNITY, &a.id).await.unwrap();
    }
    (a.id, ids, worker)
}

async fn run_resave(db: TestDb) {
    let label = db.label;
    let s = TestServer::start(db).await;
    let (aid, v, worker) = activity_with(&s, "2026-11-29 09:00", "2026-11-29 11:30", 3, 41).await;
    s.clock.advance(Duration::hours(27));
    let record = |entries: Vec<HoursEntry>| {
        let (app, worker, aid) = (s.app.clone(), worker.clone(), aid.clone());
        async move {
            app.record_hours(&worker, &RequestMeta::console(), COMMUNITY, &aid, &entries)
                .await
        }
    };
    // In time: two recorded, not late.
    let r = record(vec![entry(&v[0], "2"), entry(&v[1], "")])
        .await
        .unwrap();
    assert_eq!((r.recorded, r.late), (2, false), "{label}");
    let first = signup(&s.app, &aid, &v[0]).await;
    let absent = signup(&s.app, &aid, &v[1]).await;

    // The same volunteer twice in one request: refused, naming them (masked), nothing written.
    let e = record(vec![entry(&v[0], "1"), entry(&v[0], "2")])
        .await
        .unwrap_err();
    assert_eq!(e.code(), "duplicate_entry", "{label}");
    assert!(e.message().contains("测**1"), "{label}: {}", e.message());
    assert_eq!(signup(&s.app, &aid, &v[0]).await, first, "{label}");

    // Twenty days later, past the 10 working days: the whole form is sent again (as the page
    // does), with one attendee recorded for the first time.
    s.clock.advance(Duration::days(20));
    let r = record(vec![
        entry(&v[0], "2"),
        entry(&v[1], ""),
        entry(&v[2], "1.5"),
    ])
    .await
    .unwrap();
    assert_eq!((r.recorded, r.late), (1, true), "{label}: only the new one");
    assert!(r.warning.unwrap().contains("逾期记录"), "{label}");
    assert_eq!(
        signup(&s.app, &aid, &v[0]).await,
        first,
        "{label}: unchanged row: when, by whom, not late"
    );
    assert_eq!(signup(&s.app, &aid, &v[1]).await, absent, "{label}");
    let late = signup(&s.app, &aid, &v[2]).await;
    assert!(late.recorded_late && late.minutes == Some(90), "{label}");
    // Sent once more: nothing to write.
    let r = record(vec![
        entry(&v[0], "2"),
        entry(&v[1], ""),
        entry(&v[2], "1.5"),
    ])
    .await
    .unwrap();
    assert_eq!((r.recorded, r.late), (0, false), "{label}");
    // A correction after the deadline is written, and the record made in time stays in time.
    let r = record(vec![entry(&v[0], "1")]).await.unwrap();
    assert_eq!((r.recorded, r.late), (1, false), "{label}");
    let corrected = signup(&s.app, &aid, &v[0]).await;
    assert_eq!(corrected.minutes, Some(60));
    assert!(
        !corrected.recorded_late,
        "{label}: a correction is not a late record"
    );
    assert!(corrected.recorded_at > first.recorded_at);
    // The volunteer's record shows it so.
    let page = s.app.activity_page(&worker, COMMUNITY, &aid).await.unwrap();
    let late_rows: Vec<bool> = page
        .attendees
        .unwrap()
        .iter()
        .map(|a| a.recorded_late)
        .collect();
    assert_eq!(late_rows, [false, false, true], "{label}");
}

#[tokio::test(flavor = "multi_thread")]
async fn hours_sent_again_after_the_deadline_change_only_what_changed() {
    for db in backends().await {
        run_resave(db).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_record_deadline_into_a_year_without_a_calendar_warns() {
    let s = TestServer::sqlite().await;
    // 2026-12-24: an activity on Monday 2026-12-28; 10 working days later is in January 2027,
    // and only 2026 has a loaded calendar.
    s.clock.advance(Duration::days(26));
    let (aid, v, worker) = activity_with(&s, "2026-12-28 09:00", "2026-12-28 11:00", 1, 61).await;
    s.clock.advance(Duration::days(4) + Duration::hours(3));
    let r = s
        .app
        .record_hours(
            &worker,
            &RequestMeta::console(),
            COMMUNITY,
            &aid,
            &[entry(&v[0], "2")],
        )
        .await
        .unwrap();
    assert!(!r.late);
    let w = r.warning.expect("a calendar warning");
    assert!(w.contains("2027 年") && w.contains("只按周末计算"), "{w}");
    let page = s.app.activity_page(&worker, COMMUNITY, &aid).await.unwrap();
    assert!(page.record_due.unwrap().starts_with("2027-01-"));
    let w = page.record_warning.expect("the page warns too");
    assert!(w.contains("2027 年"), "{w}");
}

async fn run_register_form(db: TestDb) {
    let label = db.label;
    let s = TestServer::start(db).await;
    // The web form keeps everything typed when a minor comes without a guardian's consent.
    let web = s.web_login("jumin").await;
    let page = web
        .get(s.url("/volunteers/register"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = hidden_field(&page, "csrf").unwrap();
    let minor_id = id_born("20100601", 7);
    let r = web
        .post(s.url("/volunteers/register"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "王小雨"),
            ("phone", "13912345678"),
            ("id_number", minor_id.as_str()),
            ("skills", "书法"),
            ("availability", "周六下午"),
            ("consent", "1"),
            ("guardian_relation", "母亲"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422, "{label}");
    let page = r.text().await.unwrap();
    assert!(
        page.contains("data-code=\"guardian_consent_required\""),
        "{page}"
    );
    assert!(page.contains("监护人"), "Chinese message: {page}");
    for typed in [
        "王小雨",
        "13912345678",
        minor_id.as_str(),
        "书法",
        "周六下午",
        "母亲",
    ] {
        assert!(page.contains(typed), "{label}: kept {typed}");
    }
    // The form's numbers and their sources are the rules data file's.
    let data = rules();
    assert!(
        page.contains(&format!(
            "未满 {} 周岁",
            data.guardian_consent.required_below_age
        )) && page.contains(&format!(
            "不满 {} 周岁",
            data.personal_information.guardian_consent_below_age
        )) && page.contains(&data.guardian_consent.cite),
        "{label}: {page}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_register_form_keeps_what_was_typed() {
    for db in backends().await {
        run_register_form(db).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn odd_volunteer_input_never_fails_the_server() {
    let label = "sqlite";
    let s = TestServer::sqlite().await;
    let shegong = s.api_token("shegong").await;
    let a = crate::helpers::json_ok(
        api_post(
            &s,
            &shegong,
            "/api/v1/volunteer-activities",
            &activity_body("理发", 2),
        )
        .await,
        201,
    )
    .await;
    let base = format!(
        "/api/v1/volunteer-activities/{COMMUNITY}/{}",
        a["id"].as_str().unwrap()
    );
    s.clock.advance(Duration::hours(27));
    let shegong = s.api_token("shegong").await;
    // Odd input never fails the server (schemathesis sends such things).
    let long = "x".repeat(3000);
    for (path, status) in [
        (format!("/api/v1/volunteer-activities/{long}"), 404),
        (
            format!("/api/v1/volunteer-activities/{COMMUNITY}/{long}"),
            404,
        ),
        (
            format!("/api/v1/volunteer-certificates/verify?number=ZY{long}&code=1"),
            422,
        ),
    ] {
        let r = reqwest::Client::new()
            .get(s.url(&path))
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status().as_u16(),
            status,
            "{label}: {}",
            &path[..60.min(path.len())]
        );
    }
    let mut odd = activity_body("奇怪的时间", 1);
    odd["starts"] = json!("0000-01-01 00:00");
    expect_code(
        api_post(&s, &shegong, "/api/v1/volunteer-activities", &odd).await,
        422,
        "start_in_past",
    )
    .await;
    odd["starts"] = json!("9999-12-31 22:00");
    odd["ends"] = json!("9999-12-31 23:59");
    odd["capacity"] = json!("99999999999999999999999");
    expect_code(
        api_post(&s, &shegong, "/api/v1/volunteer-activities", &odd).await,
        422,
        "capacity_invalid",
    )
    .await;
    let r = api_post(
        &s,
        &shegong,
        &format!("{base}/hours"),
        &json!({"entries": [{"volunteer_id": long, "attended": true, "hours": "1"}]}),
    )
    .await;
    expect_code(r, 422, "not_signed_up").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_hours_form_keeps_what_was_typed_and_states_the_deadline() {
    let s = TestServer::sqlite().await;
    let (aid, v, _) = activity_with(&s, "2026-11-29 09:00", "2026-11-29 11:30", 2, 81).await;
    s.clock.advance(Duration::hours(27));
    let wweb = s.web_login("shegong").await;
    let path = format!("/volunteers/activities/{COMMUNITY}/{aid}");
    let page = wweb
        .get(s.url(&path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // The deadline's number and basis are the rules data file's.
    let record = &rules().record;
    assert!(
        page.contains(&format!(
            "活动结束后 {} 个工作日内，{}",
            record.deadline_working_days, record.cite
        )),
        "{page}"
    );
    let csrf = hidden_field(&page, "csrf").unwrap();
    let r = wweb
        .post(s.url(&format!("{path}/hours")))
        .form(&[
            ("csrf".to_string(), csrf.clone()),
            (format!("attended_{}", v[0]), "1".to_string()),
            (format!("hours_{}", v[0]), "3".to_string()),
            (format!("hours_{}", v[1]), String::new()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("超过了活动时长"), "{page}");
    assert!(
        page.contains(&format!(
            "name=\"hours_{}\" type=\"text\" inputmode=\"decimal\" maxlength=\"8\" value=\"3\"",
            v[0]
        )),
        "kept 3"
    );
}
