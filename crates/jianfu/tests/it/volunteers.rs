//! 志愿服务 end to end (issue 13 三(五)), on SQLite and (when reachable) PostgreSQL: a resident
//! registers (consent; a minor needs a guardian's consent), the community confirms, posts an
//! activity, residents sign up and cancel (never over capacity, never twice, only before the
//! start), the organiser records hours (never beyond the activity's length), the volunteer sees
//! their record and gets a free record certificate (PDF, verification code, seal log) that anyone
//! verifies; forged codes are refused. Hours show only to the volunteer and the organiser; the
//! public list has no names. Personal data is encrypted at rest. Every change audited.

use crate::helpers::{
    TestDb, TestServer, api_get, api_post, backends, expect_code, hidden_field, json_ok,
};
use jianfu_server::service::volunteers::{ActivityInput, VolunteerInput};
use jianfu_server::service::{Actor, RequestMeta, ServiceError};
use serde_json::{Value, json};
use time::Duration;

const COMMUNITY: &str = "110115001901";

/// A valid (check character computed) invented ID number born on `yyyymmdd`.
fn id_born(yyyymmdd: &str, seq: u32) -> String {
    let first17 = format!("110115{yyyymmdd}{:03}", seq % 1000);
    let b: [u8; 17] = first17.as_bytes().try_into().unwrap();
    format!(
        "{first17}{}",
        jianfu_domain::certificate::id_number::check_char(&b)
    )
}

fn registration(name: &str, id_number: &str) -> Value {
    json!({"name": name, "phone": "13912345678", "id_number": id_number,
           "skills": "理发", "availability": "周末", "consent": true})
}

/// A resident account of the community, made directly (no password login needed: the tests
/// call the service as this actor).
async fn resident(s: &TestServer, username: &str) -> Actor {
    let now = s.app.now_ms();
    let user = jianfu_store::UserRow {
        id: uuid::Uuid::now_v7().to_string(),
        username: username.into(),
        display_name: format!("{username}（测试）"),
        org_code: COMMUNITY.into(),
        roles: "resident".into(),
        password_hash: "x".into(),
        disabled: false,
        failed_logins: 0,
        locked_until: None,
        created_at: now,
        password_changed_at: now,
    };
    let audit = s.app.audit(
        &Actor::console(),
        &RequestMeta::console(),
        "user.create",
        format!("user:{}", user.id),
    );
    s.app.store.insert_user(&user, audit).await.unwrap();
    jianfu_server::service::auth::actor_of(&user)
}

/// Registers and confirms `actor` as a volunteer; returns the volunteer id.
async fn confirmed(s: &TestServer, actor: &Actor, seq: u32) -> String {
    let meta = RequestMeta::console();
    let v = s
        .app
        .register_volunteer(
            actor,
            &meta,
            &VolunteerInput {
                name: format!("测试{seq}"),
                phone: "13800000000".into(),
                id_number: id_born("19900101", seq),
                consent: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let worker = s.app.demo_actor("shegong").await.unwrap();
    s.app
        .confirm_volunteer(&worker, &meta, COMMUNITY, &v.id)
        .await
        .unwrap();
    v.id
}

/// An activity tomorrow 09:00–11:30 (Beijing; the test clock starts 2026-11-28 09:00).
fn activity_body(title: &str, capacity: u32) -> Value {
    json!({"title": title, "place": "社区活动室", "needs": "会理发", "starts": "2026-11-29 09:00",
           "ends": "2026-11-29 11:30", "capacity": capacity.to_string()})
}

async fn run_flow(db: TestDb) {
    let label = db.label;
    let s = TestServer::start(db).await;
    let jumin = s.api_token("jumin").await;
    let shegong = s.api_token("shegong").await;

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
    // The same through the API, and without consent at all.
    let mut minor = registration("王小雨", &minor_id);
    expect_code(
        api_post(&s, &jumin, "/api/v1/volunteers", &minor).await,
        422,
        "guardian_consent_required",
    )
    .await;
    let mut no_consent = registration("王居民", &id_born("19850312", 2));
    no_consent["consent"] = json!(false);
    expect_code(
        api_post(&s, &jumin, "/api/v1/volunteers", &no_consent).await,
        422,
        "consent_required",
    )
    .await;
    // Workers do not register themselves through this.
    expect_code(
        api_post(
            &s,
            &shegong,
            "/api/v1/volunteers",
            &registration("李社工", &id_born("19800101", 3)),
        )
        .await,
        403,
        "forbidden",
    )
    .await;

    // The resident registers; the community confirms.
    let adult_id = id_born("19850312", 2);
    let me = json_ok(
        api_post(
            &s,
            &jumin,
            "/api/v1/volunteers",
            &registration("王居民", &adult_id),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(me["status"], "pending");
    assert_eq!(me["name"], "王居民", "the volunteer sees their own name");
    expect_code(
        api_post(
            &s,
            &jumin,
            "/api/v1/volunteers",
            &registration("王居民", &adult_id),
        )
        .await,
        422,
        "already_registered",
    )
    .await;
    let vid = me["id"].as_str().unwrap().to_string();
    let list = json_ok(api_get(&s, &shegong, "/api/v1/volunteers").await, 200).await;
    let listed = list
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == vid.as_str())
        .unwrap();
    assert_eq!(listed["name"], "王*民", "masked to the community: {listed}");
    assert!(!listed.to_string().contains(&adult_id));
    // A minor with the guardian's consent registers (through the service, as another resident).
    let child = resident(&s, "xiaoyu").await;
    minor["guardian_name"] = json!("王大明");
    minor["guardian_consent"] = json!(true);
    let child_v = s
        .app
        .register_volunteer(
            &child,
            &RequestMeta::console(),
            &VolunteerInput {
                name: "王小雨".into(),
                phone: "13912345678".into(),
                id_number: minor_id.clone(),
                consent: true,
                guardian_name: "王大明".into(),
                guardian_relation: "母亲".into(),
                guardian_consent: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(child_v.minor);

    // Personal data is not in the database in clear.
    let row = s
        .app
        .store
        .volunteer(COMMUNITY, &vid)
        .await
        .unwrap()
        .unwrap();
    for secret in [adult_id.as_str(), "王居民", "13912345678"] {
        let stored = serde_json::to_string(&row).unwrap();
        assert!(!stored.contains(secret), "{label}: {secret} in clear");
    }
    assert_eq!(row.id_number_last4, &adult_id[14..]);

    // The community posts an activity (2 places); bad input keeps its code.
    expect_code(
        api_post(
            &s,
            &shegong,
            "/api/v1/volunteer-activities",
            &activity_body("理发", 0),
        )
        .await,
        422,
        "capacity_invalid",
    )
    .await;
    let mut past = activity_body("理发", 2);
    past["starts"] = json!("2026-11-27 09:00");
    expect_code(
        api_post(&s, &shegong, "/api/v1/volunteer-activities", &past).await,
        422,
        "start_in_past",
    )
    .await;
    // A source naming a deliberation decision must be one of this community's decided topics.
    let mut forged = activity_body("为老人义务理发", 2);
    forged["source"] = json!("deliberation:D-7");
    expect_code(
        api_post(&s, &shegong, "/api/v1/volunteer-activities", &forged).await,
        422,
        "unknown_source",
    )
    .await;
    s.app
        .load_demo_deliberation(&RequestMeta::console())
        .await
        .unwrap();
    let decided = json_ok(
        reqwest::get(s.url(&format!(
            "/api/v1/public/deliberation/{COMMUNITY}?state=decided"
        )))
        .await
        .unwrap(),
        200,
    )
    .await["topics"][0]
        .clone();
    let (decided_id, decided_title) = (
        decided["id"].as_str().expect("the demo decides a topic"),
        decided["title"].as_str().unwrap(),
    );
    let mut from_decision = activity_body("为老人义务理发", 2);
    from_decision["source"] = json!(format!("deliberation:{decided_id}"));
    let a = json_ok(
        api_post(
            &s,
            &shegong,
            "/api/v1/volunteer-activities",
            &from_decision,
        )
        .await,
        201,
    )
    .await;
    let aid = a["id"].as_str().unwrap().to_string();
    assert_eq!(a["length_hours"], "2.5");
    assert_eq!(a["source"], format!("deliberation:{decided_id}"));
    assert_eq!(
        a["source_label"],
        format!("议事协商决定：{decided_title}"),
        "the decision reads by its title"
    );
    assert!(
        a["source_href"]
            .as_str()
            .is_some_and(|h| h.starts_with(&format!("/public/deliberation/{COMMUNITY}/meetings/"))),
        "and links to the public meeting page: {a}"
    );
    let base = format!("/api/v1/volunteer-activities/{COMMUNITY}/{aid}");

    // Not confirmed yet: no sign-up.
    expect_code(
        api_post(&s, &jumin, &format!("{base}/sign-up"), &json!({})).await,
        422,
        "volunteer_not_confirmed",
    )
    .await;
    json_ok(
        api_post(
            &s,
            &shegong,
            &format!("/api/v1/volunteers/{COMMUNITY}/{vid}/confirm"),
            &json!({}),
        )
        .await,
        200,
    )
    .await;
    expect_code(
        api_post(
            &s,
            &shegong,
            &format!("/api/v1/volunteers/{COMMUNITY}/{vid}/confirm"),
            &json!({}),
        )
        .await,
        422,
        "wrong_state",
    )
    .await;
    let worker = s.app.demo_actor("shegong").await.unwrap();
    s.app
        .confirm_volunteer(&worker, &RequestMeta::console(), COMMUNITY, &child_v.id)
        .await
        .unwrap();

    // Sign up, twice, full.
    assert_eq!(
        api_post(&s, &jumin, &format!("{base}/sign-up"), &json!({}))
            .await
            .status(),
        204
    );
    expect_code(
        api_post(&s, &jumin, &format!("{base}/sign-up"), &json!({})).await,
        422,
        "already_signed_up",
    )
    .await;
    s.app
        .sign_up(&child, &RequestMeta::console(), COMMUNITY, &aid)
        .await
        .unwrap();
    let third = resident(&s, "disanren").await;
    confirmed(&s, &third, 31).await;
    match s
        .app
        .sign_up(&third, &RequestMeta::console(), COMMUNITY, &aid)
        .await
    {
        Err(e @ ServiceError::Rejected { .. }) => assert_eq!(e.code(), "activity_full", "{label}"),
        other => panic!("{label}: {other:?}"),
    }
    // Cancel gives the place back; the third person takes it, then gives it back.
    assert_eq!(
        api_post(&s, &jumin, &format!("{base}/cancel"), &json!({}))
            .await
            .status(),
        204
    );
    expect_code(
        api_post(&s, &jumin, &format!("{base}/cancel"), &json!({})).await,
        422,
        "not_signed_up",
    )
    .await;
    s.app
        .sign_up(&third, &RequestMeta::console(), COMMUNITY, &aid)
        .await
        .unwrap();
    s.app
        .cancel_sign_up(&third, &RequestMeta::console(), COMMUNITY, &aid)
        .await
        .unwrap();
    assert_eq!(
        api_post(&s, &jumin, &format!("{base}/sign-up"), &json!({}))
            .await
            .status(),
        204
    );

    // The web sign-up to a full activity says so in Chinese, on the activity's page.
    let third_full = s
        .app
        .sign_up(&third, &RequestMeta::console(), COMMUNITY, &aid)
        .await;
    assert_eq!(third_full.unwrap_err().code(), "activity_full");

    // The public list: places left, no names, no hours.
    let public = reqwest::Client::new()
        .get(s.url(&format!("/api/v1/volunteer-activities/{COMMUNITY}")))
        .send()
        .await
        .unwrap();
    let public = json_ok(public, 200).await;
    let listed = public
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == aid.as_str())
        .unwrap();
    assert_eq!(listed["places_left"], 0);
    let html = reqwest::get(s.url(&format!("/public/volunteers/{COMMUNITY}")))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("为老人义务理发"));
    for name in ["王居民", "王*民", "王小雨", "王*雨"] {
        assert!(
            !html.contains(name) && !public.to_string().contains(name),
            "{label}: {name} public"
        );
    }
    let html = reqwest::get(s.url(&format!("/volunteers/activities/{COMMUNITY}/{aid}")))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("议事协商决定") && !html.contains("王*民"),
        "{label}: public activity page"
    );

    // Hours: not before the start; never beyond the activity's length.
    let entry = |h: &str| json!({"entries": [{"volunteer_id": vid, "attended": true, "hours": h}]});
    expect_code(
        api_post(&s, &shegong, &format!("{base}/hours"), &entry("2")).await,
        422,
        "activity_not_started",
    )
    .await;
    s.clock.advance(Duration::hours(27));
    // Sessions do not last a day: log in again.
    let jumin = s.api_token("jumin").await;
    let shegong = s.api_token("shegong").await;
    let shegong2 = s.api_token("shegong2").await;
    let web = s.web_login("jumin").await;
    expect_code(
        api_post(&s, &jumin, &format!("{base}/cancel"), &json!({})).await,
        422,
        "activity_started",
    )
    .await;
    expect_code(
        api_post(&s, &shegong, &format!("{base}/hours"), &entry("3")).await,
        422,
        "hours_exceed_activity",
    )
    .await;
    expect_code(
        api_post(&s, &shegong, &format!("{base}/hours"), &entry("2.25")).await,
        422,
        "hours_invalid",
    )
    .await;
    expect_code(
        api_post(&s, &shegong2, &format!("{base}/hours"), &entry("2")).await,
        403,
        "forbidden",
    )
    .await;
    // The web hours form keeps what was typed.
    let wweb = s.web_login("shegong").await;
    let page = wweb
        .get(s.url(&format!("/volunteers/activities/{COMMUNITY}/{aid}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = hidden_field(&page, "csrf").unwrap();
    let r = wweb
        .post(s.url(&format!("/volunteers/activities/{COMMUNITY}/{aid}/hours")))
        .form(&[
            ("csrf".to_string(), csrf.clone()),
            (format!("attended_{vid}"), "1".to_string()),
            (format!("hours_{vid}"), "3".to_string()),
            (format!("hours_{}", child_v.id), String::new()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("超过了活动时长"), "{page}");
    assert!(
        page.contains(&format!(
            "name=\"hours_{vid}\" type=\"text\" inputmode=\"decimal\" maxlength=\"8\" value=\"3\""
        )),
        "{label}: kept 3"
    );
    let done = json_ok(
        api_post(
            &s,
            &shegong,
            &format!("{base}/hours"),
            &json!({"entries": [
            {"volunteer_id": vid, "attended": true, "hours": "2.5"},
            {"volunteer_id": child_v.id, "attended": false}]}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(done["recorded"], 2);
    assert_eq!(done["late"], false);

    // Hours: the volunteer and the organiser see them; another resident, another community and
    // the public do not.
    let mine = json_ok(api_get(&s, &jumin, "/api/v1/volunteers/me").await, 200).await;
    assert_eq!(mine["total_hours"], "2.5", "{label}: {mine}");
    assert_eq!(mine["records"][0]["state"], "attended");
    let att = json_ok(
        api_get(&s, &shegong, &format!("{base}/attendees")).await,
        200,
    )
    .await;
    assert!(att.to_string().contains("\"hours\":\"2.5\""));
    expect_code(
        api_get(&s, &shegong2, &format!("{base}/attendees")).await,
        403,
        "forbidden",
    )
    .await;
    expect_code(
        api_get(&s, &jumin, &format!("{base}/attendees")).await,
        403,
        "forbidden",
    )
    .await;
    let other_view = s.app.activity_page(&third, COMMUNITY, &aid).await.unwrap();
    assert!(other_view.attendees.is_none() && other_view.mine.is_none());
    let public = json_ok(
        reqwest::Client::new()
            .get(s.url(&base))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert!(!public.to_string().contains("2.5\"") || public["length_hours"] == "2.5");
    assert!(public.get("attendees").is_none() && !public.to_string().contains("王"));

    // The free record certificate: number, code, seal log; verified by anyone.
    let c = json_ok(
        api_post(&s, &jumin, "/api/v1/volunteers/me/certificate", &json!({})).await,
        201,
    )
    .await;
    let number = c["number"].as_str().unwrap().to_string();
    let code = c["verify_code"].as_str().unwrap().to_string();
    assert!(
        number.starts_with(&format!("ZY{COMMUNITY}-2026-")),
        "{number}"
    );
    assert_eq!(c["fee"], 0);
    assert_eq!(c["total_hours"], "2.5");
    let v = json_ok(
        reqwest::Client::new()
            .get(s.url(&format!(
                "/api/v1/volunteer-certificates/verify?number={number}&code={code}"
            )))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(v["total_hours"], "2.5");
    assert_eq!(v["holder_masked"], "王*民");
    assert_eq!(v["seal_log"], COMMUNITY);
    let entry = s
        .app
        .store
        .seal_entry(COMMUNITY, v["seal_seq"].as_i64().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        entry.subject,
        format!("volunteer_certificate:{number}"),
        "{label}: in the seal log"
    );
    assert!(entry.content.contains("志愿服务记录证明") && entry.content.contains("无偿"));
    // A forged code, a forged number, a resident certificate's prefix: the same refusal.
    for (n, c2) in [
        (number.as_str(), "AAAA-AAAA"),
        (&format!("ZY{COMMUNITY}-2026-000099")[..], code.as_str()),
        ("ZM110115001901-2026-000001", code.as_str()),
    ] {
        let r = reqwest::Client::new()
            .get(s.url(&format!(
                "/api/v1/volunteer-certificates/verify?number={n}&code={c2}"
            )))
            .send()
            .await
            .unwrap();
        expect_code(r, 422, "certificate_not_found").await;
    }
    let r = reqwest::Client::new()
        .get(s.url("/api/v1/volunteer-certificates/verify"))
        .send()
        .await
        .unwrap();
    expect_code(r, 422, "verification_input_missing").await;
    // The verification page, and the PDF for its volunteer only.
    let html = reqwest::get(s.url(&format!("/verify/volunteer?number={number}&code={code}")))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("证明真实") && html.contains("2.5 小时"),
        "{label}"
    );
    let pdf = web
        .get(s.url(&format!(
            "/volunteers/certificates/{COMMUNITY}/{number}.pdf"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.status(), 200);
    assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF"));
    let shegong2_web = s.web_login("shegong2").await;
    let r = shegong2_web
        .get(s.url(&format!(
            "/volunteers/certificates/{COMMUNITY}/{number}.pdf"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404, "{label}: another community's worker");
    // The community issues one for the volunteer through the web, after the confirmation page.
    let page = wweb
        .get(s.url("/volunteers"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = hidden_field(&page, "csrf").unwrap();
    let action = format!("/volunteers/{COMMUNITY}/{vid}/certificate");
    assert!(page.contains(&action), "{label}: the button");
    let ask = wweb
        .post(s.url(&action))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    let ask = ask.text().await.unwrap();
    assert!(
        ask.contains("无偿") && ask.contains("确认出具"),
        "{label}: confirmation page"
    );
    let done = wweb
        .post(s.url(&action))
        .form(&[("csrf", csrf.as_str()), ("confirmed", "yes")])
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 200);
    let done = done.text().await.unwrap();
    assert!(
        done.contains(&format!("ZY{COMMUNITY}-2026-000002")),
        "{label}: second number"
    );
    // No record, no certificate.
    match s
        .app
        .request_volunteer_certificate(&third, &RequestMeta::console())
        .await
    {
        Err(e) => assert_eq!(e.code(), "no_service_record"),
        Ok(_) => panic!("{label}: certificate without service"),
    }

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

    // Every change audited, with a Chinese name.
    for action in [
        "volunteer.register",
        "volunteer.confirm",
        "volunteer_activity.post",
        "volunteer_activity.sign_up",
        "volunteer_activity.cancel_sign_up",
        "volunteer_activity.record_hours",
        "volunteer_certificate.issue",
    ] {
        assert!(
            !s.audit_records(action).await.is_empty(),
            "{label}: {action} audited"
        );
    }
    let issued = s.audit_records("volunteer_certificate.issue").await;
    assert_eq!(issued.len(), 2, "{label}");
    let object = format!("volunteer_certificate:{COMMUNITY}/{number}");
    assert!(issued.iter().any(|r| r.object == object), "{label}");
}

#[tokio::test(flavor = "multi_thread")]
async fn volunteers_end_to_end() {
    for db in backends().await {
        run_flow(db).await;
    }
}

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
