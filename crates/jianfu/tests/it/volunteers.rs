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
use jianfu_server::service::volunteers::{SELF_REQUESTED, VolunteerInput};
use jianfu_server::service::{Actor, RequestMeta, ServiceError};
use serde_json::{Value, json};
use time::Duration;

pub(crate) const COMMUNITY: &str = "110115001901";

/// A valid (check character computed) invented ID number born on `yyyymmdd`.
pub(crate) fn id_born(yyyymmdd: &str, seq: u32) -> String {
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
pub(crate) async fn resident(s: &TestServer, username: &str) -> Actor {
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
pub(crate) async fn confirmed(s: &TestServer, actor: &Actor, seq: u32) -> String {
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
pub(crate) fn activity_body(title: &str, capacity: u32) -> Value {
    json!({"title": title, "place": "社区活动室", "needs": "会理发", "starts": "2026-11-29 09:00",
           "ends": "2026-11-29 11:30", "capacity": capacity.to_string()})
}

async fn run_flow(db: TestDb) {
    let label = db.label;
    let s = TestServer::start(db).await;
    let jumin = s.api_token("jumin").await;
    let shegong = s.api_token("shegong").await;

    let minor_id = id_born("20100601", 7);
    // The same through the API, and without consent at all.
    let minor = registration("王小雨", &minor_id);
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
    // A wrong check character gets the code the API documents.
    let mut wrong = adult_id.clone();
    wrong.replace_range(17.., if wrong.ends_with('0') { "1" } else { "0" });
    expect_code(
        api_post(
            &s,
            &jumin,
            "/api/v1/volunteers",
            &registration("王居民", &wrong),
        )
        .await,
        422,
        "id_number_invalid",
    )
    .await;
    let doc = json_ok(
        reqwest::get(s.url("/api/v1/openapi.json")).await.unwrap(),
        200,
    )
    .await;
    let described = doc["paths"]["/api/v1/volunteers"]["post"]["description"]
        .as_str()
        .unwrap_or_default();
    assert!(
        described.contains("`id_number_invalid`") && !described.contains("check_digit"),
        "{label}: {described}"
    );
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
        api_post(&s, &shegong, "/api/v1/volunteer-activities", &from_decision).await,
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

    // Full again: the service refuses the third person with the same code.
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
    let wweb = s.web_login("shegong").await;
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
    // The public activity has no hours, no attendees, no volunteer ids: only the activity's own
    // fields (its length is the activity's, not anyone's hours).
    let keys: Vec<&str> = public
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for hidden in [
        "hours",
        "minutes",
        "total_hours",
        "attendees",
        "volunteer_id",
        "volunteers",
    ] {
        assert!(
            !keys.contains(&hidden),
            "{label}: public has {hidden}: {public}"
        );
    }
    assert!(!public.to_string().contains(&vid) && !public.to_string().contains(&child_v.id));
    assert!(!public.to_string().contains("王"));

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
    // The seal log's personal part (kept in clear until the retention rule deletes it) has the
    // masked name and no phone; a volunteer's own request names no approver or handler.
    assert_eq!(entry.applicant.as_deref(), Some("王*民"), "{label}");
    assert_eq!(entry.contact.as_deref(), Some(""), "{label}");
    let in_log = format!("{entry:?}");
    for secret in ["王居民", "13912345678"] {
        assert!(
            !in_log.contains(secret),
            "{label}: {secret} in the seal log"
        );
    }
    assert_eq!(entry.approver, SELF_REQUESTED, "{label}");
    assert_eq!(entry.handler, SELF_REQUESTED, "{label}");
    // Asking again with the same record: the same certificate, no second seal entry.
    let seal_size = || async {
        s.app
            .store
            .seal_head(COMMUNITY)
            .await
            .unwrap()
            .map(|h| h.size)
    };
    let before = seal_size().await;
    let again = json_ok(
        api_post(&s, &jumin, "/api/v1/volunteers/me/certificate", &json!({})).await,
        200,
    )
    .await;
    assert_eq!(again["number"], number.as_str(), "{label}");
    assert_eq!(again["already_issued"], true);
    assert_eq!(again["verify_code"], code.as_str());
    assert_eq!(seal_size().await, before, "{label}: no second seal entry");
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
    // The community issues one for the volunteer through the web, after the confirmation page;
    // the record has not changed, so it is the same certificate, and the POST redirects (a
    // refresh does not issue again).
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
    let (sr, wr, csrf, action) = (&s, &wweb, csrf.as_str(), action.as_str());
    let post = move |confirmed: bool| async move {
        let mut form = vec![("csrf", csrf)];
        if confirmed {
            form.push(("confirmed", "yes"));
        }
        wr.post(sr.url(action)).form(&form).send().await.unwrap()
    };
    // Unchanged: asking goes straight to the certificate issued before; so does a confirmation
    // sent again (a stale page, a double click).
    let follow = move |r: reqwest::Response| async move {
        assert_eq!(r.status(), 303, "{label}: post/redirect/get");
        let to = r.headers()["location"].to_str().unwrap().to_string();
        let page = wr.get(sr.url(&to)).send().await.unwrap();
        assert_eq!(page.status(), 200, "{label}: {to}");
        (to, page.text().await.unwrap())
    };
    for confirmed in [false, true] {
        let (to, shown) = follow(post(confirmed).await).await;
        assert_eq!(
            to,
            format!("/volunteers?issued={number}&again=1"),
            "{label}"
        );
        assert!(
            shown.contains(&number) && shown.contains("没有重复出具") && shown.contains(&code),
            "{label}: the unchanged certificate"
        );
    }
    assert_eq!(seal_size().await, before, "{label}: still one seal entry");
    // A corrected record makes a new certificate; a worker's is signed by the worker.
    json_ok(
        api_post(
            &s,
            &shegong,
            &format!("{base}/hours"),
            &json!({"entries": [{"volunteer_id": vid, "attended": true, "hours": "2"}]}),
        )
        .await,
        200,
    )
    .await;
    let ask = post(false).await.text().await.unwrap();
    assert!(
        ask.contains("无偿") && ask.contains("确认出具"),
        "{label}: confirmation page"
    );
    let (to, shown) = follow(post(true).await).await;
    let second = format!("ZY{COMMUNITY}-2026-000002");
    assert_eq!(to, format!("/volunteers?issued={second}"), "{label}");
    assert!(
        shown.contains(&second) && shown.contains("已出具"),
        "{label}: second number"
    );
    let head = s.app.store.seal_head(COMMUNITY).await.unwrap().unwrap();
    let entry = s
        .app
        .store
        .seal_entry(COMMUNITY, head.size)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(entry.subject, format!("volunteer_certificate:{second}"));
    assert_eq!(
        (entry.approver.as_str(), entry.handler.as_str()),
        ("shegong", "shegong")
    );
    // Reloading the page it redirected to shows it again and issues nothing.
    assert_eq!(wweb.get(s.url(&to)).send().await.unwrap().status(), 200);
    assert_eq!(seal_size().await, Some(head.size), "{label}");
    // No record, no certificate.
    match s
        .app
        .request_volunteer_certificate(&third, &RequestMeta::console())
        .await
    {
        Err(e) => assert_eq!(e.code(), "no_service_record"),
        Ok(_) => panic!("{label}: certificate without service"),
    }

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
