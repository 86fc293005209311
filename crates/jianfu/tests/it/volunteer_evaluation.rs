//! 志愿服务的服务质量评价（办法第十条：服务质量评价和评价日期；第十一条：活动结束后 10 个工作日内
//! 完成记录）, on SQLite and (when reachable) PostgreSQL: the organiser evaluates with the hours;
//! the volunteer sees the level, the evaluator and the date on their record (API and page), nobody
//! else does (another community's worker, the public); a form sent again changes nothing; changing
//! only the evaluation keeps when the hours were recorded; a refused entry writes nothing; a first
//! evaluation after the deadline is late; not attending clears it; the certificate does not state
//! it; the web form keeps what was typed on a refusal; the audit record counts the evaluations.

use crate::helpers::{
    TestDb, TestServer, api_get, api_post, backends, expect_code, hidden_field, json_ok,
};
use crate::volunteer_records::{activity_with, signup};
use crate::volunteers::{COMMUNITY, id_born};
use jianfu_domain::volunteer::rules::rules;
use jianfu_server::service::RequestMeta;
use serde_json::{Value, json};
use time::Duration;

fn row(vid: &str, hours: &str, evaluation: &str, remark: &str) -> Value {
    json!({"volunteer_id": vid, "attended": !hours.is_empty(), "hours": hours,
           "evaluation": evaluation, "remark": remark})
}

fn hours(entries: Vec<Value>) -> Value {
    json!({ "entries": entries })
}

/// The markup of one form control, from `name="<name>"` to the end of its select (or its tag).
fn control<'a>(page: &'a str, name: &str) -> &'a str {
    let start = page
        .find(&format!("name=\"{name}\""))
        .unwrap_or_else(|| panic!("no {name}"));
    let rest = &page[start..];
    let end = if name.starts_with("evaluation_") {
        rest.find("</select>")
    } else {
        rest.find('>')
    };
    &rest[..end.unwrap_or(rest.len())]
}

async fn run_evaluation(db: TestDb) {
    let label = db.label;
    let s = TestServer::start(db).await;
    // The demo resident registers and is confirmed; two more volunteers; all signed up.
    let jumin = s.api_token("jumin").await;
    let me = json_ok(
        api_post(
            &s,
            &jumin,
            "/api/v1/volunteers",
            &json!({"name": "王居民", "phone": "13912345678",
                    "id_number": id_born("19850312", 102), "consent": true}),
        )
        .await,
        201,
    )
    .await;
    let mid = me["id"].as_str().unwrap().to_string();
    let (aid, v, worker) = activity_with(&s, "2026-11-29 09:00", "2026-11-29 11:30", 2, 103).await;
    s.app
        .confirm_volunteer(&worker, &RequestMeta::console(), COMMUNITY, &mid)
        .await
        .unwrap();
    let base = format!("/api/v1/volunteer-activities/{COMMUNITY}/{aid}");
    assert_eq!(
        api_post(&s, &jumin, &format!("{base}/sign-up"), &json!({}))
            .await
            .status(),
        204
    );
    s.clock.advance(Duration::hours(27));
    let shegong = s.api_token("shegong").await;
    let jumin = s.api_token("jumin").await;
    let shegong2 = s.api_token("shegong2").await;
    let post = |body: Value| {
        let (s, t, path) = (&s, shegong.clone(), format!("{base}/hours"));
        async move { api_post(s, &t, &path, &body).await }
    };

    // Refused, and nothing written: an evaluation for someone who did not come, an unknown level,
    // a remark too long, a remark without a level.
    let max = rules().evaluation.remark_max_chars;
    for (entries, code) in [
        (
            vec![row(&mid, "2", "good", ""), row(&v[0], "", "good", "")],
            "evaluation_without_service",
        ),
        (
            vec![row(&mid, "2", "great", "")],
            "unknown_evaluation_level",
        ),
        (
            vec![row(&mid, "2", "good", &"好".repeat(max + 1))],
            "evaluation_remark_too_long",
        ),
        (vec![row(&mid, "2", "", "很好")], "evaluation_level_missing"),
    ] {
        let msg = expect_code(post(hours(entries)).await, 422, code).await;
        if code == "evaluation_without_service" {
            assert!(
                msg.contains("只能评价到场并记录了服务时间的志愿者") && msg.contains("测**"),
                "{label}: names the volunteer: {msg}"
            );
        }
        for vid in [&mid, &v[0]] {
            let r = signup(&s.app, &aid, vid).await;
            assert!(
                r.recorded_at.is_none() && r.evaluation.is_none(),
                "{label}: {code} wrote {r:?}"
            );
        }
    }

    // In time: hours for all, an evaluation for the resident only.
    let done = json_ok(
        post(hours(vec![
            row(&mid, "2", "good", "认真负责，提前到场"),
            row(&v[0], "1.5", "", ""),
            row(&v[1], "", "", ""),
        ]))
        .await,
        200,
    )
    .await;
    assert_eq!(
        (&done["recorded"], &done["evaluated"], &done["late"]),
        (&json!(3), &json!(1), &json!(false)),
        "{label}: {done}"
    );
    let audit = s.audit_records("volunteer_activity.record_hours").await;
    let detail: Value = serde_json::from_str(&audit.last().unwrap().detail).unwrap();
    assert_eq!(detail["evaluated"], 1, "{label}: {detail}");
    assert_eq!(detail["recorded"], 3, "{label}: {detail}");
    assert!(
        !audit.last().unwrap().detail.contains("认真负责"),
        "{label}: the remark stays out of the audit trail"
    );
    let today: String = jianfu_domain::clock::format_beijing(s.app.now_ms())
        .chars()
        .take(10)
        .collect();
    let evaluator = s
        .app
        .store
        .user_by_username("shegong")
        .await
        .unwrap()
        .unwrap()
        .display_name;

    // The volunteer sees it on their record, through the API and on the page.
    let mine = json_ok(api_get(&s, &jumin, "/api/v1/volunteers/me").await, 200).await;
    let ev = &mine["records"][0]["evaluation"];
    assert_eq!(ev["level"], "good", "{label}: {mine}");
    assert_eq!(ev["label"], "良好");
    assert_eq!(ev["remark"], "认真负责，提前到场");
    assert_eq!(ev["evaluator"], evaluator.as_str());
    assert_eq!(ev["date"], today.as_str());
    assert_eq!(ev["late"], false);
    let web = s.web_login("jumin").await;
    let page = web
        .get(s.url("/volunteers"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for shown in [
        "良好",
        "认真负责，提前到场",
        evaluator.as_str(),
        today.as_str(),
    ] {
        assert!(page.contains(shown), "{label}: {shown} on the record page");
    }
    // The organiser sees it on the attendee list.
    let att = json_ok(
        api_get(&s, &shegong, &format!("{base}/attendees")).await,
        200,
    )
    .await;
    let mine_att = att
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["volunteer_id"] == mid.as_str())
        .unwrap();
    assert_eq!(mine_att["evaluation"], *ev, "{label}");
    let other_att = att
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["volunteer_id"] == v[0].as_str())
        .unwrap();
    assert!(other_att["evaluation"].is_null(), "{label}: {other_att}");
    // Nobody else: another community's worker, the public list and the public activity.
    expect_code(
        api_get(&s, &shegong2, &format!("{base}/attendees")).await,
        403,
        "forbidden",
    )
    .await;
    let other_worker = s.web_login("shegong2").await;
    let anonymous = reqwest::Client::new();
    for (client, path) in [
        (
            &other_worker,
            format!("/volunteers/activities/{COMMUNITY}/{aid}"),
        ),
        (
            &anonymous,
            format!("/volunteers/activities/{COMMUNITY}/{aid}"),
        ),
        (&anonymous, format!("/public/volunteers/{COMMUNITY}")),
        (&anonymous, base.clone()),
        (
            &anonymous,
            format!("/api/v1/volunteer-activities/{COMMUNITY}"),
        ),
    ] {
        let text = client
            .get(s.url(&path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        for hidden in [
            "认真负责",
            "良好",
            "服务质量评价",
            "\"evaluation\"",
            "evaluation_",
        ] {
            assert!(!text.contains(hidden), "{label}: {hidden} on {path}");
        }
    }

    // The certificate states the service, not the evaluation: issued now, then asked again after
    // the evaluation changes, it is the same certificate.
    let cert = json_ok(
        api_post(&s, &jumin, "/api/v1/volunteers/me/certificate", &json!({})).await,
        201,
    )
    .await;
    // (Its body is encrypted at rest: that it does not carry the evaluation shows below, where
    // changing the evaluation gives back the same certificate, `already_issued`.)

    // The same form again: nothing written, the evaluator and the date stay.
    let before = signup(&s.app, &aid, &mid).await;
    let same = vec![
        row(&mid, "2", "good", "认真负责，提前到场"),
        row(&v[0], "1.5", "", ""),
        row(&v[1], "", "", ""),
    ];
    let again = json_ok(post(hours(same)).await, 200).await;
    assert_eq!(
        (&again["recorded"], &again["evaluated"]),
        (&json!(0), &json!(0))
    );
    assert_eq!(signup(&s.app, &aid, &mid).await, before, "{label}");
    // A client that records hours only (no `evaluation` field) leaves the evaluation alone.
    let hours_only = json_ok(
        post(hours(vec![
            json!({"volunteer_id": &mid, "attended": true, "hours": "2"}),
        ]))
        .await,
        200,
    )
    .await;
    assert_eq!(hours_only["recorded"], 0, "{label}: {hours_only}");
    assert_eq!(signup(&s.app, &aid, &mid).await, before, "{label}");

    // Only the evaluation changes (the label is read too): the hours' record time stays.
    s.clock.advance(Duration::hours(1));
    let shegong = s.api_token("shegong").await;
    let changed = json_ok(
        api_post(
            &s,
            &shegong,
            &format!("{base}/hours"),
            &hours(vec![row(&mid, "2", "优秀", "")]),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        (
            &changed["recorded"],
            &changed["evaluated"],
            &changed["late"]
        ),
        (&json!(1), &json!(1), &json!(false)),
        "{label}: {changed}"
    );
    let after = signup(&s.app, &aid, &mid).await;
    assert_eq!(after.recorded_at, before.recorded_at, "{label}");
    assert_eq!(after.recorded_by, before.recorded_by, "{label}");
    assert_eq!(after.minutes, Some(120));
    assert_eq!(after.evaluation.as_deref(), Some("excellent"));
    assert_eq!(after.evaluation_remark, "");
    assert!(after.evaluated_at > before.evaluated_at, "{label}");
    let jumin = s.api_token("jumin").await;
    let cert_again = json_ok(
        api_post(&s, &jumin, "/api/v1/volunteers/me/certificate", &json!({})).await,
        200,
    )
    .await;
    assert_eq!(cert_again["number"], cert["number"], "{label}");
    assert_eq!(
        cert_again["already_issued"], true,
        "{label}: the text is unchanged"
    );

    // Twenty days later, past the 10 working days: a first evaluation is late (and said so), a
    // change of one made in time is not.
    s.clock.advance(Duration::days(20));
    let shegong = s.api_token("shegong").await;
    let late = json_ok(
        api_post(
            &s,
            &shegong,
            &format!("{base}/hours"),
            &hours(vec![
                row(&mid, "2", "good", ""),
                row(&v[0], "1.5", "satisfactory", ""),
            ]),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        (&late["recorded"], &late["evaluated"], &late["late"]),
        (&json!(2), &json!(2), &json!(true)),
        "{label}: {late}"
    );
    let warning = late["warning"].as_str().unwrap();
    assert!(
        warning.contains("逾期评价") && warning.contains("第十一条"),
        "{label}: {warning}"
    );
    let first = signup(&s.app, &aid, &v[0]).await;
    assert!(
        first.evaluated_late && !first.recorded_late,
        "{label}: {first:?}"
    );
    assert!(!signup(&s.app, &aid, &mid).await.evaluated_late, "{label}");
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
    assert!(page.contains("逾期评价"), "{label}: the badge");
    assert!(page.contains("评价：<strong>合格</strong>"), "{label}");

    // Not attending any more clears the evaluation, wholly.
    let cleared = json_ok(
        api_post(
            &s,
            &shegong,
            &format!("{base}/hours"),
            &hours(vec![row(&v[0], "", "", "")]),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(cleared["evaluated"], 1, "{label}: {cleared}");
    let gone = signup(&s.app, &aid, &v[0]).await;
    assert!(
        gone.evaluation.is_none()
            && gone.evaluated_by.is_none()
            && gone.evaluated_at.is_none()
            && !gone.evaluated_late
            && gone.evaluation_remark.is_empty()
            && !gone.attended,
        "{label}: {gone:?}"
    );

    // The web form: the levels of the data file, the privacy note, and on a refusal every value
    // typed is shown again.
    for l in &rules().evaluation.levels {
        assert!(
            page.contains(&format!("<option value=\"{}\"", l.key)) && page.contains(&l.label),
            "{label}: level {}",
            l.key
        );
    }
    assert!(
        page.contains("不写进志愿服务记录证明") && page.contains("办法第十条"),
        "{label}: the note"
    );
    let csrf = hidden_field(&page, "csrf").unwrap();
    let form = [
        ("csrf".to_string(), csrf.clone()),
        (format!("attended_{mid}"), "1".into()),
        (format!("hours_{mid}"), "2".into()),
        (format!("evaluation_{mid}"), "satisfactory".into()),
        (format!("remark_{mid}"), "下次请早点到".into()),
        (format!("attended_{}", v[0]), "1".into()),
        (format!("hours_{}", v[0]), "1".into()),
        (format!("evaluation_{}", v[0]), String::new()),
        (format!("remark_{}", v[0]), "只写说明不选档次".into()),
        (format!("hours_{}", v[1]), String::new()),
        (format!("evaluation_{}", v[1]), String::new()),
        (format!("remark_{}", v[1]), String::new()),
    ];
    let r = wweb
        .post(s.url(&format!("{path}/hours")))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422, "{label}");
    let refused = r.text().await.unwrap();
    assert!(
        refused.contains("没有选择服务质量评价的档次"),
        "{label}: the reason"
    );
    for (name, kept) in [
        (
            format!("evaluation_{mid}"),
            "value=\"satisfactory\" selected",
        ),
        (format!("remark_{mid}"), "value=\"下次请早点到\""),
        (format!("evaluation_{}", v[0]), "value=\"\" selected"),
        (format!("remark_{}", v[0]), "value=\"只写说明不选档次\""),
        (format!("evaluation_{}", v[1]), "value=\"\" selected"),
    ] {
        let c = control(&refused, &name);
        assert!(c.contains(kept), "{label}: {name} kept {kept}: {c}");
    }
    assert_eq!(
        signup(&s.app, &aid, &mid).await.evaluation.as_deref(),
        Some("good"),
        "{label}: nothing written"
    );
    // Sent right, it is saved.
    let mut ok = form.to_vec();
    ok.retain(|(k, _)| !k.ends_with(&v[0]) || k.starts_with("hours_"));
    let r = wweb
        .post(s.url(&format!("{path}/hours")))
        .form(&ok)
        .send()
        .await
        .unwrap();
    assert!(
        r.status().is_success() || r.status().is_redirection(),
        "{label}"
    );
    let saved = signup(&s.app, &aid, &mid).await;
    assert_eq!(saved.evaluation.as_deref(), Some("satisfactory"), "{label}");
    assert_eq!(saved.evaluation_remark, "下次请早点到");
    // Unticking 到场 on the form withdraws the evaluation with it, although the select still
    // shows the level.
    let mut absent = ok.clone();
    absent.retain(|(k, _)| k != &format!("attended_{mid}"));
    let r = wweb
        .post(s.url(&format!("{path}/hours")))
        .form(&absent)
        .send()
        .await
        .unwrap();
    assert!(
        r.status().is_success() || r.status().is_redirection(),
        "{label}: {}",
        r.status()
    );
    let gone = signup(&s.app, &aid, &mid).await;
    assert!(
        !gone.attended && gone.evaluation.is_none() && gone.evaluated_by.is_none(),
        "{label}: {gone:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_organiser_evaluates_and_only_the_volunteer_sees_it() {
    for db in backends().await {
        run_evaluation(db).await;
    }
}
