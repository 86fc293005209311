//! 负担台账清理 end to end (issue 11 §1), on SQLite and (when reachable) PostgreSQL: a community
//! records what departments placed in it, the rules flag what has no basis, the community clears
//! it step by step with evidence, the street confirms, the owner answers with its basis, reading
//! is scoped, counts come out before and after. Workbooks: `inventory_import`.

use crate::helpers::{
    TestDb, TestServer, api_get, api_post, backends, expect_code, hidden_field, json_ok,
};
use reqwest::Client;
use serde_json::{Value, json};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0";

/// A multipart body of text fields (reqwest is built without its multipart feature).
fn multipart(fields: &[(&str, &str)]) -> (String, Vec<u8>) {
    let boundary = "----jianfu-inventory-7d1f";
    let mut body = String::new();
    for (k, v) in fields {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
        ));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    (
        format!("multipart/form-data; boundary={boundary}"),
        body.into_bytes(),
    )
}

pub(crate) fn b64(data: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(data)
}

fn entry_path(e: &Value) -> String {
    format!(
        "/api/v1/inventory/entries/{}/{}",
        e["community"].as_str().unwrap(),
        e["id"].as_str().unwrap()
    )
}

/// A step the server refuses with 422 and `code`, writing nothing.
async fn refused_step(s: &TestServer, token: &str, e: &Value, body: Value, code: &str) {
    expect_code(step(s, token, e, body).await, 422, code).await;
}

async fn step(s: &TestServer, token: &str, e: &Value, body: Value) -> reqwest::Response {
    api_post(s, token, &format!("{}/steps", entry_path(e)), &body).await
}

pub(crate) fn rules(e: &Value) -> Vec<String> {
    e["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

pub(crate) async fn stored(s: &TestServer) -> i64 {
    s.app
        .store
        .list_inventory(&jianfu_store::InventoryFilter::default())
        .await
        .unwrap()
        .total
}

async fn run_flow(db: TestDb) {
    let label = db.label;
    let s = TestServer::start(db).await;
    let shegong = s.api_token("shegong").await;
    let shegong2 = s.api_token("shegong2").await;
    let jiedao = s.api_token("jiedao").await;
    let minzheng = s.api_token("minzheng").await;
    let ducha = s.api_token("ducha").await;
    let jumin = s.api_token("jumin").await;

    // A fourth sign, owned by 区公安分局: flagged with its clause and what to do.
    let sign = json_ok(
        api_post(
            &s,
            &shegong,
            "/api/v1/inventory/entries",
            &json!({"kind": "sign", "title": "社区禁毒工作站", "owner": "区公安分局", "found_on": "２０２６－０３－０１"}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(
        sign["community"], "110115001901",
        "{label}: always one's own"
    );
    assert_eq!(sign["owner"], "110115-GAFJ", "{label}: owner by name");
    assert_eq!(sign["found_on"], "2026-03-01", "{label}: full-width date");
    assert_eq!(rules(&sign), ["fourth_sign"], "{label}");
    assert!(
        sign["findings"][0]["citation"]
            .as_str()
            .unwrap()
            .contains("三(二)")
    );
    assert!(!sign["findings"][0]["todo"].as_str().unwrap().is_empty());
    assert_eq!(
        s.audit_records("inventory.record").await.len(),
        1,
        "{label}"
    );

    // Flagged: cannot be kept. Removal needs evidence and a date not in the future.
    refused_step(
        &s,
        &shegong,
        &sign,
        json!({"action": "keep", "expected_steps": 1}),
        "keep_not_allowed",
    )
    .await;
    refused_step(
        &s,
        &shegong,
        &sign,
        json!({"action": "remove", "expected_steps": 1, "on_date": "2026-06-01"}),
        "evidence_missing",
    )
    .await;
    refused_step(&s, &shegong, &sign, json!({"action": "remove", "expected_steps": 1, "on_date": "2027-01-01", "evidence_base64": b64(PNG)}), "date_in_future").await;
    refused_step(&s, &shegong, &sign, json!({"action": "remove", "expected_steps": 1, "on_date": "2026-06-01", "evidence_base64": b64(b"MZ\x90\0not an image")}), "file_type_not_allowed").await;
    // Another community's worker cannot see it, let alone act on it.
    expect_code(
        api_get(&s, &shegong2, &entry_path(&sign)).await,
        404,
        "not_found",
    )
    .await;
    expect_code(
        step(
            &s,
            &shegong2,
            &sign,
            json!({"action": "mark_to_remove", "expected_steps": 1}),
        )
        .await,
        404,
        "not_found",
    )
    .await;
    let marked = json_ok(
        step(
            &s,
            &shegong,
            &sign,
            json!({"action": "mark_to_remove", "expected_steps": 1, "note": "已告知公安分局"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(marked["status"], "to_remove");
    // Someone who saw the old page is told it changed, and nothing is written.
    refused_step(&s, &shegong, &sign, json!({"action": "remove", "expected_steps": 1, "on_date": "2026-06-01", "evidence_base64": b64(PNG)}), "entry_changed").await;
    let removed = json_ok(
        step(&s, &shegong, &sign, json!({"action": "remove", "expected_steps": 2, "on_date": "2026-06-01", "evidence_base64": b64(PNG)})).await,
        200,
    )
    .await;
    assert_eq!(removed["status"], "removed", "{label}");
    assert_eq!(removed["cleared_on"], "2026-06-01");
    assert_eq!(
        removed["findings"],
        json!([]),
        "{label}: nothing to do once removed"
    );
    let history = removed["history"].as_array().unwrap();
    assert_eq!(history.len(), 3);
    let sha = history[2]["evidence_sha256"].as_str().unwrap();
    assert!(
        sha.len() == 64 && sha.chars().all(|c| c.is_ascii_hexdigit()),
        "{label}: {sha}"
    );
    assert_eq!(s.audit_records("inventory.step").await.len(), 2, "{label}");

    // The street is told, sees the entry with two unconfirmed steps, and confirms.
    let pending = json_ok(
        api_get(&s, &jiedao, "/api/v1/inventory/entries?unconfirmed=true").await,
        200,
    )
    .await;
    assert_eq!(pending.as_array().unwrap().len(), 1, "{label}: {pending}");
    expect_code(
        api_post(
            &s,
            &shegong,
            &format!("{}/confirm", entry_path(&sign)),
            &json!({"expected_steps": 3}),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    let confirmed = json_ok(
        api_post(
            &s,
            &jiedao,
            &format!("{}/confirm", entry_path(&sign)),
            &json!({"expected_steps": 3}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(confirmed["confirmed_steps"], 3, "{label}");
    assert!(
        confirmed["history"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["confirmed_by"] == "jiedao")
    );
    expect_code(
        api_post(
            &s,
            &jiedao,
            &format!("{}/confirm", entry_path(&sign)),
            &json!({"expected_steps": 3}),
        )
        .await,
        422,
        "already_confirmed",
    )
    .await;

    // A department ledger without basis: 民政局 is told, answers with the law, then it may stay.
    let ledger = json_ok(
        api_post(
            &s,
            &shegong,
            "/api/v1/inventory/entries",
            &json!({"kind": "业务台账", "title": "低保对象走访台账", "owner": "110115-MZJ"}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(rules(&ledger), ["ledger_without_basis"], "{label}");
    let notices = json_ok(api_get(&s, &minzheng, "/api/v1/notices").await, 200).await;
    assert!(
        notices.to_string().contains("低保对象走访台账"),
        "{label}: owner told"
    );
    // The clerk of 民政局 sees only what 民政局 placed.
    let mine = json_ok(
        api_get(&s, &minzheng, "/api/v1/inventory/entries").await,
        200,
    )
    .await;
    assert_eq!(mine.as_array().unwrap().len(), 1, "{label}: {mine}");
    expect_code(
        api_get(&s, &minzheng, &entry_path(&sign)).await,
        404,
        "not_found",
    )
    .await;
    let answered = json_ok(
        api_post(
            &s,
            &minzheng,
            &format!("{}/answer", entry_path(&ledger)),
            &json!({"note": "依法须保留走访记录", "law_basis": "《社会救助暂行办法》第十一条", "expected_steps": 1}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(answered["law_basis"], "《社会救助暂行办法》第十一条");
    assert_eq!(
        answered["findings"],
        json!([]),
        "{label}: the basis clears the flag"
    );
    let kept = json_ok(
        step(
            &s,
            &shegong,
            &ledger,
            json!({"action": "keep", "expected_steps": 2}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(kept["status"], "kept", "{label}");
    assert_eq!(
        s.audit_records("inventory.answer").await.len(),
        1,
        "{label}"
    );
    // Only the owner answers: the street reads the entry but does not answer for 公安分局.
    expect_code(
        api_post(
            &s,
            &jiedao,
            &format!("{}/answer", entry_path(&sign)),
            &json!({"note": "x", "expected_steps": 3}),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    expect_code(
        api_post(
            &s,
            &minzheng,
            &format!("{}/answer", entry_path(&sign)),
            &json!({"note": "x", "expected_steps": 3}),
        )
        .await,
        404,
        "not_found",
    )
    .await;

    // "无" is not a basis; a street other than the community's own cannot be named.
    let none = json_ok(
        api_post(&s, &shegong, "/api/v1/inventory/entries", &json!({"kind": "ledger", "title": "计生台账", "owner": "110115-WJW", "law_basis": "无", "found_on": "2026-09-01"})).await,
        201,
    )
    .await;
    assert_eq!(rules(&none), ["ledger_without_basis"], "{label}");
    expect_code(
        api_post(
            &s,
            &shegong,
            "/api/v1/inventory/entries",
            &json!({"kind": "sign", "title": "x", "owner": "亦庄镇"}),
        )
        .await,
        422,
        "unknown_owner",
    )
    .await;
    // Converted to an electronic ledger, then it came back: the series keeps the clearing in its
    // month and counts the reopening as found again.
    let conv = json_ok(
        step(
            &s,
            &shegong,
            &none,
            json!({"action": "convert", "expected_steps": 1, "on_date": "2026-10-05"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(conv["status"], "converted", "{label}");
    refused_step(
        &s,
        &shegong,
        &conv,
        json!({"action": "reopen", "expected_steps": 2}),
        "note_missing",
    )
    .await;
    let back = json_ok(
        step(
            &s,
            &shegong,
            &conv,
            json!({"action": "reopen", "expected_steps": 2, "note": "又要求手工报送"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        (back["status"].as_str(), back["cleared_on"].as_str()),
        (Some("found"), None)
    );
    // A new removal cannot be dated before the reopening (today).
    refused_step(&s, &shegong, &back, json!({"action": "remove", "expected_steps": 3, "on_date": "2026-10-06", "evidence_base64": b64(PNG)}), "date_before_found").await;
    let c = json_ok(api_get(&s, &shegong, "/api/v1/inventory/counts").await, 200).await;
    let months: Vec<(String, i64, i64)> = c["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["month"].as_str().unwrap().to_string(),
                p["found"].as_i64().unwrap(),
                p["cleared"].as_i64().unwrap(),
            )
        })
        .collect();
    let oct = months.iter().find(|m| m.0 == "2026-10").unwrap();
    let nov = months.iter().find(|m| m.0 == "2026-11").unwrap();
    // By October's end: found the sign (March) and 计生台账 (September); cleared the sign (June)
    // and 计生台账 (October). November adds the ledger and the reopening; the clearing stays.
    assert_eq!((oct.1, oct.2), (2, 2), "{label}: {months:?}");
    assert_eq!((nov.1, nov.2), (4, 2), "{label}: {months:?}");

    // Bad input: a clear code, and nothing stored.
    let before = stored(&s).await;
    for (body, code) in [
        (
            json!({"kind": "招商引资", "title": "x", "owner": "区民政局"}),
            "unknown_burden_kind",
        ),
        (
            json!({"kind": "ledger", "title": "x", "owner": "某某局"}),
            "unknown_owner",
        ),
        (
            json!({"kind": "ledger", "title": "  ", "owner": "区民政局"}),
            "title_missing",
        ),
        (
            json!({"kind": "report", "title": "x", "owner": "区民政局", "field_count": 0}),
            "invalid_field_count",
        ),
        (
            json!({"kind": "report", "title": "x", "owner": "区民政局", "frequency": "半月"}),
            "invalid_choice",
        ),
        (
            json!({"kind": "ledger", "title": "x", "owner": "区民政局", "found_on": "2026-02-30"}),
            "invalid_date",
        ),
        (
            json!({"kind": "ledger", "title": "x\u{7}", "owner": "区民政局"}),
            "control_character",
        ),
    ] {
        expect_code(
            api_post(&s, &shegong, "/api/v1/inventory/entries", &body).await,
            422,
            code,
        )
        .await;
    }
    assert_eq!(stored(&s).await, before, "{label}");
    // Who may not record: a resident, a department, a supervisor.
    for token in [&jumin, &minzheng, &ducha] {
        expect_code(
            api_post(
                &s,
                token,
                "/api/v1/inventory/entries",
                &json!({"kind": "sign", "title": "x", "owner": "区民政局"}),
            )
            .await,
            403,
            "forbidden",
        )
        .await;
    }
    expect_code(
        api_get(&s, &jumin, "/api/v1/inventory/entries").await,
        403,
        "forbidden",
    )
    .await;

    // Counts: the supervisor sees the district before and after, by community, street, owner.
    let c = json_ok(api_get(&s, &ducha, "/api/v1/inventory/counts").await, 200).await;
    assert_eq!(c["total"]["before"], 3, "{label}: {c}");
    assert_eq!(c["total"]["after"], 2, "{label}");
    assert_eq!(c["total"]["removed"], 1);
    assert_eq!(c["communities"][0]["code"], "110115001901");
    assert_eq!(c["streets"][0]["name"], "兴丰街道");
    let owners: Vec<&str> = c["departments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert!(
        owners.contains(&"110115-GAFJ") && owners.contains(&"110115-MZJ"),
        "{owners:?}"
    );
    let series = c["series"].as_array().unwrap();
    assert_eq!(series.len(), 12);
    let last = series.last().unwrap();
    assert_eq!(
        (last["found"].as_i64(), last["cleared"].as_i64()),
        (Some(4), Some(2)),
        "{label}: {last}"
    );
    // A department's counts are its own.
    let mz = json_ok(
        api_get(&s, &minzheng, "/api/v1/inventory/counts").await,
        200,
    )
    .await;
    assert_eq!(mz["total"]["before"], 1, "{label}: {mz}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_community_clears_its_burdens_the_street_confirms_the_owner_answers() {
    for db in backends().await {
        run_flow(db).await;
    }
}

/// The pages: a refused form keeps what was typed; the community's list shows the advice and
/// the work admitted through the gate; the supervisor's page draws its charts as SVG.
#[tokio::test(flavor = "multi_thread")]
async fn the_pages_keep_what_was_typed_and_draw_the_counts() {
    let s = TestServer::sqlite().await;
    s.app
        .load_demo_inventory(&jianfu_server::service::RequestMeta::console())
        .await
        .unwrap();
    let c: Client = s.web_login("shegong").await;
    let form = c
        .get(s.url("/inventory/new"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = hidden_field(&form, "csrf").unwrap();
    let r = c
        .post(s.url("/inventory/new"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("kind", "report"),
            ("title", "辖区养犬登记表"),
            ("owner", "110115-GAFJ"),
            ("field_count", "abc"),
            ("note", "每月 5 日前报送"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("字段数") && html.contains("不是整数"),
        "{html}"
    );
    assert!(
        html.contains("辖区养犬登记表") && html.contains("每月 5 日前报送"),
        "typed text kept"
    );

    let list = c
        .get(s.url("/inventory"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        list.contains("社区禁毒工作站") && list.contains("摘除此牌"),
        "advice shown"
    );
    assert!(list.contains("经准入的工作"));

    // The community's next step, the owner's answer and the street's confirmation, as forms.
    let entry = s
        .app
        .store
        .list_inventory(&jianfu_store::InventoryFilter::default())
        .await
        .unwrap()
        .rows
        .into_iter()
        .find(|r| r.title == "消防安全目标责任书")
        .unwrap();
    let path = format!("/inventory/{}/{}", entry.community_code, entry.id);
    let page = c
        .get(s.url(&path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = hidden_field(&page, "csrf").unwrap();
    let (ct, body) = multipart(&[
        ("csrf", &csrf),
        ("expected_steps", "1"),
        ("action", "mark_to_remove"),
        ("note", "已报住建委"),
    ]);
    let r = c
        .post(s.url(&format!("{path}/step")))
        .header("content-type", ct)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let (ct, body) = multipart(&[
        ("csrf", "forged"),
        ("expected_steps", "2"),
        ("action", "remove"),
    ]);
    let r = c
        .post(s.url(&format!("{path}/step")))
        .header("content-type", ct)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "a forged form is refused");
    // Removal without evidence: refused on the page, the note kept.
    let (ct, body) = multipart(&[
        ("csrf", &csrf),
        ("expected_steps", "2"),
        ("action", "remove"),
        ("on_date", "2026-11-01"),
        ("note", "已解除"),
    ]);
    let r = c
        .post(s.url(&format!("{path}/step")))
        .header("content-type", ct)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("须附上证据") && html.contains("已解除"),
        "{html}"
    );

    let zjw = s.web_login("jiedao").await;
    let page = zjw
        .get(s.url(&path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf_street = hidden_field(&page, "csrf").unwrap();
    let r = zjw
        .post(s.url(&format!("{path}/confirm")))
        .form(&[("csrf", csrf_street.as_str()), ("expected_steps", "2")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let r = zjw
        .post(s.url(&format!("{path}/answer")))
        .form(&[
            ("csrf", csrf_street.as_str()),
            ("expected_steps", "2"),
            ("note", "x"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "the street does not answer for 住建委");

    let ducha = s.web_login("ducha").await;
    let page = ducha
        .get(s.url("/inventory/overview"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(
        page.matches("<svg class=\"chart\"").count() == 2,
        "two charts"
    );
    assert!(page.contains("丁香雅苑社区"));
    let xlsx = ducha
        .get(s.url("/inventory/export.xlsx"))
        .send()
        .await
        .unwrap();
    assert_eq!(xlsx.status(), 200);
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"));
}
