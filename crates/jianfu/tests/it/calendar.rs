//! Issue 10 §4: working-day calendars are data files per year; a deadline that crosses a year
//! without its holiday notice says so (`calendar_missing`), a district adds next year's file to the
//! data directory without rebuilding, and a bad file stops the server with its name.

use crate::helpers::{self, TestServer, api_get, jianfu_bin, json_ok};
use jianfu_server::service::assignments::RequestInput;
use jianfu_server::service::auth::actor_of;
use jianfu_server::service::{App, RequestMeta};
use time::Duration;

/// Work outside the lists: it waits for district approval, with a 15-working-day deadline.
fn off_list() -> RequestInput {
    serde_json::from_value(serde_json::json!({
        "department": "110115-MZJ", "item_code": null, "title": "协助开展困难群众冬季走访慰问",
        "legal_basis": ["《社会救助暂行办法》第十一条"], "community_role": "assist",
        "communities": ["110115001901"], "period": {"from": "2026-12-21", "to": "2027-02-28"},
        "funding": {"amount_yuan": "800.50", "channel": "区民政专项"},
        "authority": "入户走访、登记需求", "burdens": []
    }))
    .unwrap()
}

async fn submit_on_dec_20(app: &App) -> jianfu_server::service::assignments::SubmitResult {
    let mz = actor_of(
        &app.store
            .user_by_username("minzheng")
            .await
            .unwrap()
            .unwrap(),
    );
    app.submit_assignment(&mz, &RequestMeta::console(), &off_list())
        .await
        .expect("submitted")
}

#[tokio::test]
async fn a_deadline_in_a_year_without_its_calendar_is_flagged_until_the_file_is_added() {
    // Shipped: 2026 only. Sunday 2026-12-20 + 15 working days runs into January 2027.
    let db = helpers::sqlite_db();
    let (app, clock) = helpers::app(&db, true).await;
    clock.advance(Duration::days(22));
    let r = submit_on_dec_20(&app).await;
    assert_eq!(r.status, "pending_approval");
    assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
    assert_eq!(r.warnings[0].code, "calendar_missing");
    assert!(
        r.warnings[0].message.contains("2027 年"),
        "{}",
        r.warnings[0].message
    );
    // Weekends only in 2027: Friday 2027-01-01 (New Year's Day) counts, the 15th day is Friday
    // 2027-01-08 (the deadline is the midnight ending it).
    let end_of = |d: time::Date| {
        jianfu_domain::clock::to_millis(
            d.next_day()
                .unwrap()
                .midnight()
                .assume_offset(time::UtcOffset::from_hms(8, 0, 0).unwrap()),
        )
    };
    assert_eq!(
        r.deadline_at,
        Some(end_of(time::macros::date!(2027 - 01 - 08)))
    );
    let case = app
        .assignment(
            &actor_of(&app.store.user_by_username("shenpi").await.unwrap().unwrap()),
            "110115-MZJ",
            &r.id,
        )
        .await
        .unwrap();
    assert_eq!(case.warnings, r.warnings, "the case says so too");
    let notice = app
        .next_year_calendar_warning()
        .expect("December, no 2027 file");
    assert!(notice.contains("cn-workdays-2027.toml"), "{notice}");

    // The district adds 2027 to the data directory: no warning, and New Year's Day is skipped.
    let db = helpers::sqlite_db();
    let dir = db.data_dir().join("calendar");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("cn-workdays-2027.toml"),
        "id = \"cn-2027\"\nyear = 2027\nholidays = [\"2027-01-01\"]\n",
    )
    .unwrap();
    let (app, clock) = helpers::app(&db, true).await;
    assert!(
        app.calendars.problems.is_empty(),
        "{:?}",
        app.calendars.problems
    );
    clock.advance(Duration::days(22));
    let r = submit_on_dec_20(&app).await;
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    assert_eq!(
        r.deadline_at,
        Some(end_of(time::macros::date!(2027 - 01 - 11))),
        "2027-01-01 is a holiday now: the 15th working day is Monday 2027-01-11"
    );
    assert!(app.next_year_calendar_warning().is_none());
}

#[tokio::test]
async fn the_case_page_and_the_api_tell_the_approver() {
    let s = TestServer::sqlite().await;
    s.clock.advance(Duration::days(22));
    let r = submit_on_dec_20(&s.app).await;
    let token = s.api_token("shenpi").await;
    let case = json_ok(
        api_get(
            &s,
            &token,
            &format!("/api/v1/assignments/110115-MZJ/{}", r.id),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(case["warnings"][0]["code"], "calendar_missing", "{case}");
    let web = s.web_login("shenpi").await;
    let html = web
        .get(s.url(&format!("/assignments/110115-MZJ/{}", r.id)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("2027 年的节假日安排尚未载入"), "{html}");
}

#[tokio::test]
async fn a_bad_calendar_file_stops_the_server_with_its_name() {
    let db = helpers::sqlite_db();
    let dir = db.data_dir().join("calendar");
    std::fs::create_dir_all(&dir).unwrap();
    // A 2027 file with a 2026 date in it.
    std::fs::write(
        dir.join("cn-workdays-2027.toml"),
        "id = \"cn-2027\"\nyear = 2027\nholidays = [\"2026-12-31\"]\n",
    )
    .unwrap();
    let out = std::process::Command::new(jianfu_bin())
        .args([
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--database-url",
            &db.raw_url,
        ])
        .arg("--data-dir")
        .arg(db.data_dir())
        .output()
        .unwrap();
    assert!(!out.status.success(), "the server must not start");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cn-workdays-2027.toml") && err.contains("2026-12-31"),
        "{err}"
    );
}
