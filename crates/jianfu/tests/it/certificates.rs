//! Resident certificates through the API, on SQLite and (when reachable) PostgreSQL: a resident
//! applies, refusals explain where to go, the worker checks the facts, the director approves the
//! seal, the worker issues (idempotently, with a seal-log entry), anyone verifies by number and
//! code (rate-limited), the director revokes; ID numbers are encrypted at rest and masked, full
//! views are audited, and the retention rule deletes personal data.

use crate::helpers::api_post as post;
use crate::helpers::{TestDb, TestServer, backends, expect_code, json_ok};
use reqwest::{Client, Response};
use serde_json::{Value, json};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0";
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n";
const EXE: &[u8] =
    b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0This program cannot be run in DOS mode";
/// A valid 居民身份证号码 (check digit X).
const ID: &str = "11010519491231002X";
const COMMUNITY: &str = "110115001901";

fn b64(data: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// An application for C05 亲属关系证明（仅限公证）, complete. (Beijing's C03 left the retained
/// list in catalog 2026.2: it is a kinship certificate.)
pub(crate) fn application() -> Value {
    json!({
        "item_code": "C05",
        "applicant_name": "王小明",
        "id_number": ID,
        "phone": "13800138000",
        "household_community": COMMUNITY,
        "reason": "父亲去世，继承其名下房产",
        "purpose": "到公证处办理继承公证",
        "asking_unit": "北京市大兴区公证处",
        "asking_article": "《中华人民共和国公证法》第十一条",
        "pledge": true,
        "materials": [
            {"material": "id_card", "content_base64": b64(PNG)},
            {"material": "hukou", "content_base64": b64(PDF)},
            {"material": "evidence", "content_base64": b64(PNG)},
        ],
    })
}

pub(crate) async fn post_keyed(s: &TestServer, token: &str, path: &str, key: &str) -> Response {
    Client::new()
        .post(s.url(path))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(&json!({}))
        .send()
        .await
        .unwrap()
}

async fn get(s: &TestServer, token: Option<&str>, path: &str) -> Response {
    let mut r = Client::new().get(s.url(path));
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    r.send().await.unwrap()
}

/// Public verification, as anyone without a login asks for it.
async fn verify(s: &TestServer, number: &str, code: &str) -> Response {
    let url = reqwest::Url::parse_with_params(
        &s.url("/api/v1/certificates/verify"),
        &[("number", number), ("code", code)],
    )
    .unwrap();
    Client::new().get(url).send().await.unwrap()
}

async fn scalar(db: &TestDb, sql: &str) -> String {
    // Read straight from the database, as someone with a copy of it would.
    let url = &db.raw_url;
    if url.starts_with("sqlite:") {
        use sqlx::Connection;
        let mut c = sqlx::SqliteConnection::connect(url).await.unwrap();
        let v: (String,) = sqlx::query_as(sqlx::AssertSqlSafe(sql.to_string()))
            .fetch_one(&mut c)
            .await
            .unwrap();
        v.0
    } else {
        use sqlx::Connection;
        let mut c = sqlx::PgConnection::connect(url).await.unwrap();
        let v: (String,) = sqlx::query_as(sqlx::AssertSqlSafe(sql.to_string()))
            .fetch_one(&mut c)
            .await
            .unwrap();
        v.0
    }
}

async fn actor(s: &TestServer, username: &str) -> jianfu_server::service::Actor {
    let token = s.api_token(username).await;
    s.app.authenticate(&token).await.unwrap().actor
}

/// Applies, verifies and approves; returns the application's path.
pub(crate) async fn approved_application(s: &TestServer) -> String {
    let jumin = s.api_token("jumin").await;
    let shegong = s.api_token("shegong").await;
    let shuji = s.api_token("shuji").await;
    let a = json_ok(
        post(
            s,
            &jumin,
            "/api/v1/certificates/applications",
            &application(),
        )
        .await,
        201,
    )
    .await;
    let path = format!(
        "/api/v1/certificates/applications/{}/{}",
        a["community"].as_str().unwrap(),
        a["id"].as_str().unwrap()
    );
    let facts = json!({"facts": {"关系人": "王大山", "关系人身份证号": "110105194012310016",
        "关系": "父子", "公证机构": "北京市大兴区公证处", "公证事项": "继承权"},
        "household_checked": true, "note": "核对户口本原件，被继承人原户籍在本社区"});
    json_ok(
        post(s, &shegong, &format!("{path}/verify"), &facts).await,
        200,
    )
    .await;
    json_ok(
        post(s, &shuji, &format!("{path}/approve"), &json!({})).await,
        200,
    )
    .await;
    path
}

#[tokio::test]
async fn a_certificate_goes_from_application_to_public_verification_and_revocation() {
    for db in backends().await {
        let s = TestServer::start(db).await;
        let label = s.db.label;
        let jumin = s.api_token("jumin").await;
        let shegong = s.api_token("shegong").await;
        let shuji = s.api_token("shuji").await;

        let a = json_ok(
            post(
                &s,
                &jumin,
                "/api/v1/certificates/applications",
                &application(),
            )
            .await,
            201,
        )
        .await;
        assert_eq!(a["status"], "submitted", "{label}");
        let path = format!(
            "/api/v1/certificates/applications/{COMMUNITY}/{}",
            a["id"].as_str().unwrap()
        );
        let again = json_ok(get(&s, Some(&jumin), &path).await, 200).await;
        assert_eq!(
            a, again,
            "{label}: the apply answer is the application as stored"
        );
        assert_eq!(
            a["id_number_masked"], "**************002X",
            "{label}: last 4 only"
        );
        assert_eq!(a["applicant_name"], "王*明");
        assert!(
            !a.to_string().contains("1101051949"),
            "{label}: no full ID in the API"
        );
        assert_eq!(
            a["due_on"], "2026-12-04",
            "{label}: 5 working days from Sat 28 Nov"
        );

        // At rest the ID number is ciphertext.
        let stored = scalar(&s.db, "SELECT id_number_enc FROM certificate_applications").await;
        assert!(
            stored.starts_with("v1:") && !stored.contains("1949"),
            "{label}: {stored}"
        );

        // The worker sees the template's facts; a blank one is refused.
        let detail = json_ok(get(&s, Some(&shegong), &path).await, 200).await;
        let names: Vec<&str> = detail["facts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["name"].as_str().unwrap())
            .collect();
        assert!(
            names.contains(&"关系") && names.contains(&"申请人"),
            "{names:?}"
        );
        let blank = post(
            &s,
            &shegong,
            &format!("{path}/verify"),
            &json!({"facts": {"关系": "父子"}, "household_checked": true}),
        )
        .await;
        let msg = expect_code(blank, 422, "blank_document").await;
        assert!(msg.contains("关系人身份证号"), "{msg}");
        let unchecked = post(
            &s,
            &shegong,
            &format!("{path}/verify"),
            &json!({"facts": {}, "household_checked": false}),
        )
        .await;
        expect_code(unchecked, 422, "household_not_checked").await;
        // The resident cannot act as the worker.
        let r = post(&s, &jumin, &format!("{path}/verify"), &json!({})).await;
        assert_eq!(r.status(), 403, "{label}");

        let facts = json!({"facts": {"关系人": "王大山", "关系人身份证号": "110105194012310016",
            "关系": "父子", "公证机构": "北京市大兴区公证处", "公证事项": "继承权"}, "household_checked": true});
        let v = json_ok(
            post(&s, &shegong, &format!("{path}/verify"), &facts).await,
            200,
        )
        .await;
        assert_eq!(v["status"], "verified");
        // The answer is built from the row the step wrote (no second read): the same as reading.
        let again = json_ok(get(&s, Some(&shegong), &path).await, 200).await;
        assert_eq!(
            v, again,
            "{label}: the verify answer is the application as stored"
        );
        // The worker may not approve the seal (no permission); the director can.
        let r = post(&s, &shegong, &format!("{path}/approve"), &json!({})).await;
        assert_eq!(r.status(), 403, "{label}");
        let v = json_ok(
            post(&s, &shuji, &format!("{path}/approve"), &json!({})).await,
            200,
        )
        .await;
        assert_eq!(v["status"], "approved");
        let again = json_ok(get(&s, Some(&shuji), &path).await, 200).await;
        assert_eq!(
            v, again,
            "{label}: the approve answer is the application as stored"
        );

        // Issuing needs a key; the same key twice gives the same certificate, once.
        let r = post(&s, &shegong, &format!("{path}/issue"), &json!({})).await;
        expect_code(r, 422, "idempotency_key_required").await;
        let c1 = json_ok(
            post_keyed(&s, &shegong, &format!("{path}/issue"), "k-1").await,
            201,
        )
        .await;
        let c2 = json_ok(
            post_keyed(&s, &shegong, &format!("{path}/issue"), "k-1").await,
            201,
        )
        .await;
        let number = c1["number"].as_str().unwrap().to_string();
        assert_eq!(number, format!("ZM{COMMUNITY}-2026-000001"), "{label}");
        assert_eq!(c2["number"], c1["number"]);
        assert_eq!(c2["verify_code"], c1["verify_code"]);
        assert_eq!(
            s.audit_records("certificate.issue").await.len(),
            1,
            "{label}: issued once"
        );
        let entries = scalar(&s.db, "SELECT CAST(COUNT(*) AS TEXT) FROM seal_entries").await;
        assert_eq!(entries, "1", "{label}: one seal-log entry");
        assert_eq!(c1["seal_seq"], 1);
        let r = post_keyed(&s, &shegong, &format!("{path}/issue"), "k-2").await;
        expect_code(r, 422, "wrong_state").await;

        // The PDF is real.
        let pdf = get(
            &s,
            Some(&jumin),
            &format!("/api/v1/certificates/{number}/pdf"),
        )
        .await;
        assert_eq!(pdf.status(), 200, "{label}");
        assert_eq!(pdf.headers()["content-type"], "application/pdf");
        let bytes = pdf.bytes().await.unwrap();
        assert!(bytes.starts_with(b"%PDF"), "{label}");

        // Public verification: no login.
        let code = c1["verify_code"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .replace('-', "");
        let ok = json_ok(verify(&s, &number, &code).await, 200).await;
        assert_eq!(ok["status"], "valid", "{label}");
        assert_eq!(ok["holder_masked"], "王*明");
        assert_eq!(
            ok["seal_proof"]["state"], "pending",
            "{label}: no checkpoint yet"
        );
        // Once the district signs a checkpoint, the answer carries a proof that verifies.
        s.app
            .make_seal_checkpoint(
                &jianfu_server::service::Actor::console(),
                &jianfu_server::service::RequestMeta::console(),
                false,
            )
            .await
            .unwrap();
        let ok = json_ok(verify(&s, &number, &code).await, 200).await;
        let proof = &ok["seal_proof"];
        assert_eq!(proof["state"], "covered", "{label}: {proof}");
        assert_eq!(proof["verified"], true, "{label}");
        assert_eq!(proof["checkpoint_size"], 1);
        assert!(!ok.to_string().contains("王小明"), "masked data only");
        assert!(
            ok["community_name"]
                .as_str()
                .unwrap()
                .contains("居民委员会")
        );
        let wrong = verify(&s, &number, "AAAA-AAAA").await;
        expect_code(wrong, 422, "verification_failed").await;
        let unknown = verify(&s, &format!("ZM{COMMUNITY}-2026-999999"), &code).await;
        let msg = expect_code(unknown, 422, "verification_failed").await;
        assert!(
            msg.contains("不正确"),
            "same answer for an unknown number: {msg}"
        );

        // Revocation: the worker may not, the director must give a reason.
        let r = post(
            &s,
            &shegong,
            &format!("/api/v1/certificates/{number}/revoke"),
            &json!({"reason": "x"}),
        )
        .await;
        assert_eq!(r.status(), 403, "{label}");
        let r = post(
            &s,
            &shuji,
            &format!("/api/v1/certificates/{number}/revoke"),
            &json!({"reason": " "}),
        )
        .await;
        expect_code(r, 422, "reason_required").await;
        let rv = json_ok(
            post(
                &s,
                &shuji,
                &format!("/api/v1/certificates/{number}/revoke"),
                &json!({"reason": "申请人提供的材料有误，已重新出具"}),
            )
            .await,
            200,
        )
        .await;
        assert_eq!(rv["status"], "revoked");
        let after = json_ok(verify(&s, &number, &code).await, 200).await;
        assert_eq!(after["status"], "revoked", "{label}");
        assert_eq!(after["revoke_reason"], "申请人提供的材料有误，已重新出具");
        assert_eq!(s.audit_records("certificate.revoke").await.len(), 1);
    }
}

#[tokio::test]
async fn refusals_explain_where_to_go_and_bad_uploads_are_named() {
    let s = TestServer::sqlite().await;
    let jumin = s.api_token("jumin").await;
    let apply = |body: Value| {
        let s = &s;
        let jumin = jumin.clone();
        async move { post(s, &jumin, "/api/v1/certificates/applications", &body).await }
    };
    let with = |patch: Value| {
        let mut b = application();
        for (k, v) in patch.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };

    // On the national negative list: named, with who issues it instead.
    let msg = expect_code(
        apply(with(
            json!({"item_code": "", "requested_name": "无犯罪记录证明"}),
        ))
        .await,
        422,
        "certificate_on_negative_list",
    )
    .await;
    assert!(msg.contains("公安"), "{msg}");
    // Not on any list.
    let msg = expect_code(
        apply(with(
            json!({"item_code": "", "requested_name": "宠物品种鉴定证明"}),
        ))
        .await,
        422,
        "certificate_not_on_list",
    )
    .await;
    assert!(msg.contains("法律"), "{msg}");
    // Words of another body's matter: sent there (issue 15).
    let msg = expect_code(
        apply(with(
            json!({"item_code": "", "requested_name": "銀行流水證明"}),
        ))
        .await,
        422,
        "certificate_other_body",
    )
    .await;
    assert!(msg.contains("开户银行"), "{msg}");
    // Everyday words for a national negative item.
    let msg = expect_code(
        apply(with(
            json!({"item_code": "", "requested_name": "没有收入的证明"}),
        ))
        .await,
        422,
        "certificate_on_negative_list",
    )
    .await;
    assert!(msg.contains("居民财产证明"), "{msg}");
    // Beijing's C01 is retained again (北京市实施农民专业合作社法办法 第十条第二款): typed in
    // traditional characters it is found, and a notary asking for it is told who may.
    let msg = expect_code(
        apply(with(
            json!({"item_code": "", "requested_name": "土地承包經營權證明"}),
        ))
        .await,
        422,
        "unit_own_matter",
    )
    .await;
    assert!(
        msg.contains("有土地承包经营权的身份证明") && msg.contains("合作社"),
        "{msg}"
    );
    // Bad names: punctuation only, far too long.
    expect_code(
        apply(with(json!({"item_code": "", "requested_name": "？？……"}))).await,
        422,
        "certificate_not_chosen",
    )
    .await;
    let long = "证明".repeat(60);
    let msg = expect_code(
        apply(with(json!({"item_code": "", "requested_name": long}))).await,
        422,
        "certificate_name_too_long",
    )
    .await;
    assert!(msg.contains("100"), "{msg}");
    // No unit and no 居民自用: asked who requires it; 居民自用 said: accepted further on.
    expect_code(
        apply(with(json!({"asking_unit": "", "asking_article": ""}))).await,
        422,
        "asking_unit_missing",
    )
    .await;
    expect_code(
        apply(with(json!({"self_use": true}))).await,
        422,
        "asking_unit_conflict",
    )
    .await;
    // A unit asking about its own matter, and a unit citing nothing.
    expect_code(
        apply(with(json!({"asking_unit": "某某科技有限公司人事部"}))).await,
        422,
        "unit_own_matter",
    )
    .await;
    expect_code(
        apply(with(json!({"asking_article": ""}))).await,
        422,
        "unit_cites_no_article",
    )
    .await;
    expect_code(
        apply(with(json!({"pledge": false}))).await,
        422,
        "pledge_not_confirmed",
    )
    .await;
    let msg = expect_code(
        apply(with(json!({"household_community": "110115001902"}))).await,
        422,
        "outside_community",
    )
    .await;
    assert!(msg.contains("户籍"), "{msg}");
    expect_code(
        apply(with(json!({"id_number": "110105194912310021"}))).await,
        422,
        "id_number_invalid",
    )
    .await;
    expect_code(
        apply(with(json!({"phone": "12345"}))).await,
        422,
        "phone_invalid",
    )
    .await;
    // A renamed executable, an oversized photo.
    let msg = expect_code(
        apply(with(json!({"materials": [
            {"material": "id_card", "content_base64": b64(EXE)},
            {"material": "hukou", "content_base64": b64(PDF)},
            {"material": "evidence", "content_base64": b64(PNG)}]})))
        .await,
        422,
        "material_type_not_allowed",
    )
    .await;
    assert!(msg.contains("可执行程序"), "{msg}");
    let mut big = PNG.to_vec();
    big.resize(5 * 1024 * 1024 + 1, 0);
    expect_code(
        apply(with(json!({"materials": [
            {"material": "id_card", "content_base64": b64(&big)},
            {"material": "hukou", "content_base64": b64(PDF)},
            {"material": "evidence", "content_base64": b64(PNG)}]})))
        .await,
        422,
        "material_too_large",
    )
    .await;
    expect_code(
        apply(with(
            json!({"materials": [{"material": "id_card", "content_base64": b64(PNG)}]}),
        ))
        .await,
        422,
        "materials_missing",
    )
    .await;
    // Nothing was stored by any of them.
    let list = json_ok(
        get(&s, Some(&jumin), "/api/v1/certificates/applications").await,
        200,
    )
    .await;
    assert_eq!(list.as_array().unwrap().len(), 0);
    // A department clerk is not a community.
    let clerk = s.api_token("minzheng").await;
    let r = post(
        &s,
        &clerk,
        "/api/v1/certificates/applications",
        &application(),
    )
    .await;
    assert_eq!(r.status(), 403);

    // The same idempotency key stores one application.
    let keyed = |key: &'static str| {
        Client::new()
            .post(s.url("/api/v1/certificates/applications"))
            .bearer_auth(&jumin)
            .header("Idempotency-Key", key)
            .json(&application())
            .send()
    };
    let a1 = json_ok(keyed("apply-1").await.unwrap(), 201).await;
    let a2 = json_ok(keyed("apply-1").await.unwrap(), 201).await;
    assert_eq!(a1["id"], a2["id"]);
    let list = json_ok(
        get(&s, Some(&jumin), "/api/v1/certificates/applications").await,
        200,
    )
    .await;
    assert_eq!(list.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn the_director_approves_but_not_what_they_checked_themselves() {
    let s = TestServer::sqlite().await;
    let jumin = s.api_token("jumin").await;
    let shuji = s.api_token("shuji").await;
    let a = json_ok(
        post(
            &s,
            &jumin,
            "/api/v1/certificates/applications",
            &application(),
        )
        .await,
        201,
    )
    .await;
    let path = format!(
        "/api/v1/certificates/applications/{COMMUNITY}/{}",
        a["id"].as_str().unwrap()
    );
    let facts = json!({"facts": {"关系人": "王大山", "关系人身份证号": "110105194012310016",
        "关系": "父子", "公证机构": "北京市大兴区公证处", "公证事项": "继承权"}, "household_checked": true});
    json_ok(
        post(&s, &shuji, &format!("{path}/verify"), &facts).await,
        200,
    )
    .await;
    let r = post(&s, &shuji, &format!("{path}/approve"), &json!({})).await;
    expect_code(r, 422, "same_person").await;
}

/// Issue 10 §4: ID numbers are checked wherever they are typed: the applicant's (a birth before
/// 1900 and one after today each say so) and the other people's in the certificate's facts.
#[tokio::test]
async fn id_numbers_in_applications_and_facts_are_checked() {
    let s = TestServer::sqlite().await;
    let jumin = s.api_token("jumin").await;
    let shegong = s.api_token("shegong").await;
    let with_id = |id: &str| {
        let mut a = application();
        a["id_number"] = json!(id);
        a
    };
    // Born 1899-12-31 and 2027-01-01 (valid check characters), against the test clock's 2026.
    for (id, says) in [
        ("110105189912310015", "早于 1900 年"),
        ("110105202701010016", "晚于今天"),
    ] {
        let msg = expect_code(
            post(
                &s,
                &jumin,
                "/api/v1/certificates/applications",
                &with_id(id),
            )
            .await,
            422,
            "id_number_invalid",
        )
        .await;
        assert!(msg.contains(says), "{id}: {msg}");
    }
    let a = json_ok(
        post(
            &s,
            &jumin,
            "/api/v1/certificates/applications",
            &application(),
        )
        .await,
        201,
    )
    .await;
    let path = format!(
        "/api/v1/certificates/applications/{COMMUNITY}/{}",
        a["id"].as_str().unwrap()
    );
    let facts = |relative_id: &str| {
        json!({"facts": {"关系人": "王大山", "关系人身份证号": relative_id,
            "关系": "父子", "公证机构": "北京市大兴区公证处", "公证事项": "继承权"},
            "household_checked": true})
    };
    let msg = expect_code(
        post(
            &s,
            &shegong,
            &format!("{path}/verify"),
            &facts("110105194012310015"),
        )
        .await,
        422,
        "id_number_invalid",
    )
    .await;
    assert!(
        msg.contains("“关系人身份证号”") && msg.contains("校验码"),
        "{msg}"
    );
    json_ok(
        post(
            &s,
            &shegong,
            &format!("{path}/verify"),
            &facts("１１０１０５１９４０１２３１００１６"),
        )
        .await,
        200,
    )
    .await;
}

#[tokio::test]
async fn full_id_numbers_are_for_the_director_only_and_every_view_is_audited() {
    let s = TestServer::sqlite().await;
    let path = approved_application(&s).await;
    let id = path.rsplit('/').next().unwrap();
    let meta = jianfu_server::service::RequestMeta::console();
    let shegong = actor(&s, "shegong").await;
    let shuji = actor(&s, "shuji").await;
    assert!(
        s.app
            .reveal_id_number(&shegong, &meta, COMMUNITY, id)
            .await
            .is_err(),
        "a worker sees the last four only"
    );
    assert_eq!(
        s.app
            .reveal_id_number(&shuji, &meta, COMMUNITY, id)
            .await
            .unwrap(),
        ID
    );
    assert_eq!(s.audit_records("certificate.id_viewed").await.len(), 1);
}

/// Public verification from a given client address (the test server is on loopback, so the
/// last `X-Forwarded-For` entry is taken as the client, as from a local reverse proxy).
async fn verify_from(s: &TestServer, client: &str, number: &str, code: &str) -> Response {
    let url = reqwest::Url::parse_with_params(
        &s.url("/api/v1/certificates/verify"),
        &[("number", number), ("code", code)],
    )
    .unwrap();
    Client::new()
        .get(url)
        .header("x-forwarded-for", client)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn wrong_codes_throttle_the_guesser_never_the_holder() {
    let s = TestServer::sqlite().await;
    let path = approved_application(&s).await;
    let shegong = s.api_token("shegong").await;
    let c = json_ok(
        post_keyed(&s, &shegong, &format!("{path}/issue"), "k").await,
        201,
    )
    .await;
    let number = c["number"].as_str().unwrap();
    let code = c["verify_code"].as_str().unwrap();
    // Client A guesses 50 times: the first 10 are answered as wrong, then A is throttled.
    let mut wrong = 0;
    let mut throttled = 0;
    for _ in 0..50 {
        let r = verify_from(&s, "203.0.113.7", number, "2222-2222").await;
        match r.status().as_u16() {
            422 => wrong += 1,
            429 => throttled += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!((wrong, throttled), (10, 40));
    // Client B, the holder, with the right code: answered at once.
    let ok = json_ok(verify_from(&s, "198.51.100.2", number, code).await, 200).await;
    assert_eq!(ok["status"], "valid");
    // A stays throttled, even with the right code, until 15 minutes pass.
    let msg = expect_code(
        verify_from(&s, "203.0.113.7", number, code).await,
        429,
        "too_many_attempts",
    )
    .await;
    assert!(msg.contains("分钟"), "{msg}");
    s.clock.advance(time::Duration::minutes(16));
    let ok = json_ok(verify_from(&s, "203.0.113.7", number, code).await, 200).await;
    assert_eq!(ok["status"], "valid");
}

#[tokio::test]
async fn personal_data_is_deleted_after_the_retention_period_and_the_deletion_is_audited() {
    for db in backends().await {
        let s = TestServer::start(db).await;
        let label = s.db.label;
        let path = approved_application(&s).await;
        let shegong = s.api_token("shegong").await;
        let c = json_ok(
            post_keyed(&s, &shegong, &format!("{path}/issue"), "k").await,
            201,
        )
        .await;
        let number = c["number"].as_str().unwrap().to_string();
        let code = c["verify_code"].as_str().unwrap().to_string();
        let meta = jianfu_server::service::RequestMeta::console();

        // Not yet due: nothing happens, nothing is audited.
        let none = s.app.purge_expired_personal_data(&meta).await.unwrap();
        assert_eq!(none.applications, 0, "{label}");
        assert_eq!(
            s.audit_records("certificate.retention_purge").await.len(),
            0
        );

        s.clock.advance(time::Duration::days(1096));
        let done = s.app.purge_expired_personal_data(&meta).await.unwrap();
        assert_eq!(
            (done.applications, done.materials, done.certificates),
            (1, 3, 1),
            "{label}"
        );
        assert_eq!(
            s.audit_records("certificate.retention_purge").await.len(),
            1
        );
        let name = scalar(&s.db, "SELECT applicant_name FROM certificate_applications").await;
        assert_eq!(name, "", "{label}");
        let ids = scalar(&s.db, "SELECT id_number_enc FROM certificate_applications").await;
        assert_eq!(ids, "", "{label}");
        let files = scalar(
            &s.db,
            "SELECT CAST(COUNT(*) AS TEXT) FROM certificate_materials",
        )
        .await;
        assert_eq!(files, "0", "{label}");
        let seal_personal = scalar(&s.db, "SELECT CAST(COUNT(*) AS TEXT) FROM seal_personal").await;
        assert_eq!(
            seal_personal, "0",
            "{label}: the seal log's personal rows too"
        );
        // The certificate itself still verifies (masked data only); its text can't be printed.
        let ok = json_ok(verify(&s, &number, &code).await, 200).await;
        assert_eq!(ok["status"], "valid", "{label}");
        let jumin = s.api_token("jumin").await;
        let r = get(
            &s,
            Some(&jumin),
            &format!("/api/v1/certificates/{number}/pdf"),
        )
        .await;
        expect_code(r, 422, "personal_data_purged").await;
        // A second run finds nothing more.
        let again = s.app.purge_expired_personal_data(&meta).await.unwrap();
        assert_eq!(again.applications, 0, "{label}");
    }
}

#[tokio::test]
async fn the_demo_has_one_application_at_each_step_and_a_certificate_to_verify() {
    let s = TestServer::sqlite().await;
    let meta = jianfu_server::service::RequestMeta::console();
    let demo = s.app.load_demo_certificates(&meta).await.unwrap();
    let ok = json_ok(verify(&s, &demo.number, &demo.code).await, 200).await;
    assert_eq!(ok["status"], "valid");
    assert_eq!(ok["seal_proof"]["state"], "covered", "{ok}");
    let shegong = s.api_token("shegong").await;
    let list = json_ok(
        get(&s, Some(&shegong), "/api/v1/certificates/applications").await,
        200,
    )
    .await;
    let mut states: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status"].as_str().unwrap())
        .collect();
    states.sort();
    assert_eq!(states, ["issued", "submitted", "verified"]);
}

#[tokio::test]
async fn a_lost_or_wrong_data_key_is_refused_not_silently_replaced() {
    let s = TestServer::sqlite().await;
    let jumin = s.api_token("jumin").await;
    json_ok(
        post(
            &s,
            &jumin,
            "/api/v1/certificates/applications",
            &application(),
        )
        .await,
        201,
    )
    .await;
    let key_file = s.db.data_dir().join("keys").join("data.key");
    let fresh_app = || {
        jianfu_server::App::new(
            s.app.store.clone(),
            s.clock.clone() as std::sync::Arc<dyn jianfu_domain::Clock>,
            jianfu_server::Config {
                data_dir: s.db.data_dir(),
                ..Default::default()
            },
        )
    };
    // The key file is gone (a restore without keys/): nothing new is made up.
    let original = std::fs::read(&key_file).unwrap();
    std::fs::remove_file(&key_file).unwrap();
    let err = fresh_app().data_key().await.err().expect("refused");
    assert_eq!(err.code(), "unavailable");
    assert!(err.message().contains("不存在"), "{}", err.message());
    assert!(!key_file.exists(), "no new key was written");
    // Another installation's key: recognised as wrong.
    std::fs::write(&key_file, [9u8; 32]).unwrap();
    let err = fresh_app().data_key().await.err().expect("refused");
    assert!(err.message().contains("不符"), "{}", err.message());
    // The right one back: everything decrypts again.
    std::fs::write(&key_file, original).unwrap();
    let app = fresh_app();
    let key = app.data_key().await.unwrap();
    let stored: (String,) = sqlx::query_as("SELECT id_number_enc FROM certificate_applications")
        .fetch_one(
            &mut <sqlx::SqliteConnection as sqlx::Connection>::connect(&s.db.raw_url)
                .await
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(key.decrypt(&stored.0).unwrap(), ID);
}

#[tokio::test]
async fn the_director_does_not_stamp_what_they_approved_and_numbers_may_be_typed_loosely() {
    let s = TestServer::sqlite().await;
    let path = approved_application(&s).await;
    let shuji = s.api_token("shuji").await;
    let r = post_keyed(&s, &shuji, &format!("{path}/issue"), "k").await;
    expect_code(r, 422, "same_person").await;
    let shegong = s.api_token("shegong").await;
    let c = json_ok(
        post_keyed(&s, &shegong, &format!("{path}/issue"), "k").await,
        201,
    )
    .await;
    let number = c["number"].as_str().unwrap();
    let code = c["verify_code"].as_str().unwrap();
    // Lower case with spaces, and the community code in full-width digits (a Chinese IME).
    let loose = number
        .to_lowercase()
        .replace("110115001901", "１１０１１５００１９０１")
        .replace('-', " - ");
    let ok = json_ok(verify(&s, &loose, code).await, 200).await;
    assert_eq!(ok["number"], number);
}

#[tokio::test]
async fn materials_are_ciphertext_in_the_database_file_and_the_export() {
    let s = TestServer::sqlite().await;
    let jumin = s.api_token("jumin").await;
    let a = json_ok(
        post(
            &s,
            &jumin,
            "/api/v1/certificates/applications",
            &application(),
        )
        .await,
        201,
    )
    .await;
    let id = a["id"].as_str().unwrap().to_string();
    // The worker downloads the scan as uploaded.
    let shegong = s.web_login("shegong").await;
    let got = shegong
        .get(s.url(&format!("/certificates/a/{COMMUNITY}/{id}/materials/2")))
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(got.bytes().await.unwrap().as_ref(), PDF);

    // The database file (and its WAL) never held the scans in plaintext.
    let path = s.db.raw_url.trim_start_matches("sqlite:").to_string();
    let mut disk = std::fs::read(&path).unwrap();
    disk.extend(std::fs::read(format!("{path}-wal")).unwrap_or_default());
    let has = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).any(|w| w == needle);
    assert!(!has(&disk, PDF), "PDF scan in plaintext on disk");
    assert!(!has(&disk, PNG), "PNG scan in plaintext on disk");
    // The export carries the ciphertext too.
    let mut export = Vec::new();
    s.app.export(&mut export).await.unwrap();
    let export = String::from_utf8(export).unwrap();
    assert!(export.contains("certificate_materials"));
    assert!(!export.contains(&b64(PDF)) && !export.contains(&b64(PNG)));

    // A material stored in plaintext before this change is encrypted once, audited, and still
    // downloads as it was.
    {
        use sqlx::Connection;
        let mut c = sqlx::SqliteConnection::connect(&s.db.raw_url)
            .await
            .unwrap();
        sqlx::query("UPDATE certificate_materials SET bytes = $1 WHERE seq = 2")
            .bind(PDF)
            .execute(&mut c)
            .await
            .unwrap();
    }
    let meta = jianfu_server::service::RequestMeta::console();
    assert_eq!(s.app.encrypt_plaintext_materials(&meta).await.unwrap(), 1);
    assert_eq!(s.app.encrypt_plaintext_materials(&meta).await.unwrap(), 0);
    assert_eq!(
        s.audit_records("certificate.materials_encrypted")
            .await
            .len(),
        1
    );
    let again = shegong
        .get(s.url(&format!("/certificates/a/{COMMUNITY}/{id}/materials/2")))
        .send()
        .await
        .unwrap();
    assert_eq!(again.bytes().await.unwrap().as_ref(), PDF);
}

/// The notices an account reads, through the API.
async fn notices_of(s: &TestServer, token: &str) -> Vec<Value> {
    json_ok(get(s, Some(token), "/api/v1/notices").await, 200)
        .await
        .as_array()
        .unwrap()
        .clone()
}

/// Issue 10 §1: a resident hears about his own applications — received, verified, refused with
/// the reason, issued with the number and where to fetch it, revoked with the reason — in
/// notices only he reads, each linking to a page he may open. The community's staff do not read
/// them, he does not read theirs, and their call-to-action notices say when they are handled.
#[tokio::test]
async fn a_resident_hears_of_his_own_applications_and_only_he_does() {
    use jianfu_domain::notice::{Audience, Reader};
    for db in backends().await {
        let s = TestServer::start(db).await;
        let label = s.db.label;
        let jumin = s.api_token("jumin").await;
        let shegong = s.api_token("shegong").await;
        let shuji = s.api_token("shuji").await;
        // The demo's own applications tell him things too: only this test's count here.
        let before: Vec<String> = notices_of(&s, &jumin)
            .await
            .iter()
            .map(|n| n["id"].as_str().unwrap().to_string())
            .collect();

        // One application issued, another refused.
        let issued_path = approved_application(&s).await;
        let c = json_ok(
            post_keyed(&s, &shegong, &format!("{issued_path}/issue"), "n-1").await,
            201,
        )
        .await;
        let number = c["number"].as_str().unwrap().to_string();
        let refused = json_ok(
            post(
                &s,
                &jumin,
                "/api/v1/certificates/applications",
                &application(),
            )
            .await,
            201,
        )
        .await;
        let refused_path = format!(
            "/api/v1/certificates/applications/{COMMUNITY}/{}",
            refused["id"].as_str().unwrap()
        );
        let reason = "被继承人户籍不在本社区，请到其户籍所在社区申请";
        json_ok(
            post(
                &s,
                &shegong,
                &format!("{refused_path}/refuse"),
                &json!({ "reason": reason }),
            )
            .await,
            200,
        )
        .await;

        let mine: Vec<Value> = notices_of(&s, &jumin)
            .await
            .into_iter()
            .filter(|n| !before.contains(&n["id"].as_str().unwrap().to_string()))
            .collect();
        let page_of = |api_path: &str| {
            api_path.replace("/api/v1/certificates/applications", "/certificates/a")
        };
        let about = |page: &str| -> Vec<(String, String, String)> {
            let mut v: Vec<(String, String, String)> = mine
                .iter()
                .filter(|n| n["link"] == page)
                .map(|n| {
                    (
                        n["kind"].as_str().unwrap().to_string(),
                        n["title"].as_str().unwrap().to_string(),
                        n["body"].as_str().unwrap().to_string(),
                    )
                })
                .collect();
            v.reverse(); // oldest first
            v
        };
        let issued = about(&page_of(&issued_path));
        let kinds: Vec<&str> = issued.iter().map(|(k, _, _)| k.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "certificate_received",
                "certificate_verified",
                "certificate_issued"
            ],
            "{label}: {mine:?}"
        );
        assert_eq!(issued[0].1, "已收到您的证明申请：亲属关系证明（仅限公证）");
        assert!(issued[0].2.contains("2026-12-04 前办结"), "{}", issued[0].2);
        assert_eq!(issued[1].1, "您的证明申请已核实：亲属关系证明（仅限公证）");
        assert_eq!(issued[2].1, "您的证明已出具：亲属关系证明（仅限公证）");
        assert!(
            issued[2].2.contains(&number)
                && issued[2].2.contains("居民委员会领取")
                && issued[2].2.contains("PDF"),
            "{label}: where to fetch it: {}",
            issued[2].2
        );
        let refusal = about(&page_of(&refused_path));
        let kinds: Vec<&str> = refusal.iter().map(|(k, _, _)| k.as_str()).collect();
        assert_eq!(
            kinds,
            ["certificate_received", "certificate_refused"],
            "{label}"
        );
        assert!(refusal[1].2.contains(reason), "{label}: {}", refusal[1].2);
        assert!(
            mine.iter()
                .all(|n| n["personal"] == true && n["read"] == false),
            "{label}: {mine:?}"
        );
        // And revocation, with the reason.
        json_ok(
            post(
                &s,
                &shuji,
                &format!("/api/v1/certificates/{number}/revoke"),
                &json!({"reason": "证明内容有误，已通知本人重新申请"}),
            )
            .await,
            200,
        )
        .await;
        let all = notices_of(&s, &jumin).await;
        let revoked = all
            .iter()
            .find(|n| n["kind"] == "certificate_revoked")
            .unwrap_or_else(|| panic!("{label}: {all:?}"));
        assert!(revoked["body"].as_str().unwrap().contains("证明内容有误"));

        // Every link he is given opens for him, and the certificate's PDF downloads.
        let web = s.web_login("jumin").await;
        for n in &all {
            let link = n["link"].as_str().unwrap();
            let r = web.get(s.url(link)).send().await.unwrap();
            assert_eq!(r.status(), 200, "{label}: {} → {link}", n["title"]);
        }
        let r = web
            .get(s.url(&format!("/certificates/c/{number}/pdf")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{label}: the PDF");
        // He reads no notice to the committee or its roles.
        assert!(
            all.iter().all(|n| n["personal"] == true),
            "{label}: only his own: {all:?}"
        );

        // The staff of his community do not read his notices, nor are they loaded for them.
        for token in [&shegong, &shuji] {
            let theirs = notices_of(&s, token).await;
            assert!(
                theirs
                    .iter()
                    .all(|n| n["personal"] == false
                        && !n["title"].as_str().unwrap().contains("您的")),
                "{label}: {theirs:?}"
            );
            let mine_id = mine[0]["id"].as_str().unwrap();
            let r = post(
                &s,
                token,
                &format!("/api/v1/notices/{mine_id}/read"),
                &json!({}),
            )
            .await;
            expect_code(r, 404, "not_found").await;
        }
        let worker = actor(&s, "shegong").await;
        let a = Audience::of(&Reader {
            account: worker.user_id.as_deref().unwrap(),
            roles: &worker.roles,
        });
        let loaded = s
            .app
            .store
            .notices_for(
                COMMUNITY,
                &jianfu_store::NoticeAudience {
                    user_id: a.person,
                    organisation: a.organisation,
                    roles: a.roles.iter().map(|r| r.as_str().to_string()).collect(),
                },
                &jianfu_store::ListQuery::default(),
            )
            .await
            .unwrap()
            .rows;
        assert!(!loaded.is_empty(), "{label}");
        assert!(
            loaded.iter().all(|n| n.user_id.is_none()),
            "{label}: the query leaves other people's notices in the database"
        );

        // The director's "待审批用印" and the worker's "待出具" for the issued application now say
        // they are handled; the application refused before approval left nothing waiting.
        let handled = |list: &[Value], kind: &str| -> Vec<(bool, String)> {
            list.iter()
                .filter(|n| n["kind"] == kind && n["link"] == page_of(&issued_path))
                .map(|n| {
                    (
                        n["handled"].as_bool().unwrap(),
                        n["handled_note"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        };
        assert_eq!(
            handled(&notices_of(&s, &shuji).await, "certificate_verified"),
            [(true, "已办理（现为：已出具）".to_string())],
            "{label}"
        );
        assert_eq!(
            handled(&notices_of(&s, &shegong).await, "certificate_approved"),
            [(true, "已办理（现为：已出具）".to_string())],
            "{label}"
        );

        // Read state is each person's own: the worker reading a notice to the whole community
        // leaves it unread for the director.
        s.app
            .notify(
                &jianfu_server::service::Actor::console(),
                &jianfu_server::service::RequestMeta::console(),
                &jianfu_server::service::notices::Recipient::organisation(COMMUNITY),
                "test",
                "全社区：本周五下午停电",
                "正文",
                "",
            )
            .await
            .unwrap();
        let find = |list: Vec<Value>| {
            list.into_iter()
                .find(|n| n["title"] == "全社区：本周五下午停电")
                .unwrap()
        };
        let n = find(notices_of(&s, &shegong).await);
        let r = post(
            &s,
            &shegong,
            &format!("/api/v1/notices/{}/read", n["id"].as_str().unwrap()),
            &json!({}),
        )
        .await;
        assert_eq!(r.status(), 204, "{label}");
        assert_eq!(
            find(notices_of(&s, &shegong).await)["read"],
            true,
            "{label}"
        );
        assert_eq!(
            find(notices_of(&s, &shuji).await)["read"],
            false,
            "{label}: a colleague"
        );
        // 全部标为已读: all of his, for him only.
        let r = json_ok(
            post(&s, &jumin, "/api/v1/notices/read-all", &json!({})).await,
            200,
        )
        .await;
        assert!(r["marked"].as_u64().unwrap() >= 6, "{label}: {r}");
        assert!(
            notices_of(&s, &jumin)
                .await
                .iter()
                .all(|n| n["read"] == true)
        );
        assert!(
            notices_of(&s, &shuji)
                .await
                .iter()
                .any(|n| n["read"] == false),
            "{label}"
        );
    }
}
