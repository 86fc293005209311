//! 违规下派 end to end, on SQLite and (when reachable) PostgreSQL: a community reports work that
//! bypassed the gate with evidence files (API and the multipart page), the department and the
//! supervisors are told, evidence is checked by content, reading is scoped, a supervisor
//! confirms (the work is revoked and appears in the public register) or dismisses with a reason,
//! and every step is audited.

use crate::helpers::{TestDb, TestServer, backends, expect_code, hidden_field};
use jianfu_server::service::listing::Listing;
use jianfu_store::ViolationFilter;
use reqwest::{Client, Response};
use serde_json::{Value, json};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0";
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n";
const EXE: &[u8] =
    b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0This program cannot be run in DOS mode";
const ELF: &[u8] = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0";

fn b64(data: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(data)
}

fn report_body(department: &str, title: &str, files: &[&[u8]]) -> Value {
    json!({
        "department": department,
        "title": title,
        "description": "要求社区三天内上报辖区商户经营情况",
        "channel": "wechat",
        "received_on": "2026-11-27",
        "evidence": files.iter().map(|f| json!({"content_base64": b64(f)})).collect::<Vec<_>>(),
    })
}

async fn post_json(s: &TestServer, token: &str, path: &str, body: &Value) -> Response {
    Client::new()
        .post(s.url(path))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn get_json(s: &TestServer, token: Option<&str>, path: &str) -> Response {
    let mut r = Client::new().get(s.url(path));
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    r.send().await.unwrap()
}

async fn stored_reports(s: &TestServer) -> usize {
    s.app
        .store
        .list_violations(&ViolationFilter::default())
        .await
        .unwrap()
        .rows
        .len()
}

/// A multipart body written by hand (reqwest is built without its multipart feature).
fn multipart(fields: &[(&str, &str)], files: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "----jianfu-test-boundary-7d1f";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    for (name, data) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"evidence\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn post_form(
    s: &TestServer,
    c: &Client,
    fields: &[(&str, &str)],
    files: &[(&str, &[u8])],
) -> Response {
    let (ct, body) = multipart(fields, files);
    c.post(s.url("/violations/new"))
        .header("content-type", ct)
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn run_flow(db: TestDb) {
    let label = db.label;
    let s = TestServer::start(db).await;
    let shegong = s.api_token("shegong").await;
    let shegong2 = s.api_token("shegong2").await;
    let shuji = s.api_token("shuji").await;
    let minzheng = s.api_token("minzheng").await;
    let ducha = s.api_token("ducha").await;

    // A worker reports with a PNG and a PDF.
    let title = "填报辖区商户经营情况统计表";
    let r = post_json(
        &s,
        &shegong,
        "/api/v1/violations",
        &report_body("110115-MZJ", title, &[PNG, PDF]),
    )
    .await;
    assert_eq!(r.status(), 201, "{label}: {}", r.text().await.unwrap());
    let created: Value = r.json().await.unwrap();
    let community = created["community"].as_str().unwrap().to_string();
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(
        community, "110115001901",
        "{label}: always the reporter's own"
    );
    assert_eq!(created["status"], "reported");
    let one = format!("/api/v1/violations/{community}/{id}");

    let v: Value = get_json(&s, Some(&shegong), &one)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["title"], title);
    assert_eq!(v["department"], "110115-MZJ");
    assert_eq!(v["channel"], "wechat");
    assert_eq!(v["reported_by"], "shegong");
    let ev = v["evidence"].as_array().unwrap();
    assert_eq!(ev.len(), 2, "{label}: {v}");
    assert_eq!(ev[0]["kind"], "png");
    assert_eq!(ev[1]["kind"], "pdf");
    assert_eq!(ev[1]["size"], PDF.len());
    assert_eq!(
        s.audit_records("violation.report").await.len(),
        1,
        "{label}"
    );

    // The department and the supervisors are told.
    for (who, token) in [("minzheng", &minzheng), ("ducha", &ducha)] {
        let n: Value = get_json(&s, Some(token), "/api/v1/notices")
            .await
            .json()
            .await
            .unwrap();
        let hit = n
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["title"].as_str().unwrap_or("").contains(title))
            .unwrap_or_else(|| panic!("{label}: {who} got no notice: {n}"));
        assert_eq!(hit["link"], format!("/violations/{community}/{id}"));
    }
    // Another community's worker is not told, and cannot read it.
    let n: Value = get_json(&s, Some(&shegong2), "/api/v1/notices")
        .await
        .json()
        .await
        .unwrap();
    assert!(!n.to_string().contains(title), "{label}");
    expect_code(get_json(&s, Some(&shegong2), &one).await, 404, "not_found").await;
    let l: Value = get_json(&s, Some(&shegong2), "/api/v1/violations")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(l.as_array().unwrap().len(), 0, "{label}: {l}");

    // A report against 区卫健委: 民政局's clerk never sees it.
    let r = post_json(
        &s,
        &shuji,
        "/api/v1/violations",
        &report_body("110115-WJW", "社区负责健康档案录入", &[JPG_MIN]),
    )
    .await;
    assert_eq!(r.status(), 201, "{label}");
    let wjw: Value = r.json().await.unwrap();
    let wjw_one = format!(
        "/api/v1/violations/{}/{}",
        wjw["community"].as_str().unwrap(),
        wjw["id"].as_str().unwrap()
    );
    let l: Value = get_json(&s, Some(&minzheng), "/api/v1/violations")
        .await
        .json()
        .await
        .unwrap();
    let list = l.as_array().unwrap();
    assert_eq!(list.len(), 1, "{label}: {l}");
    assert_eq!(list[0]["id"], id.as_str());
    assert!(
        list[0]["reported_by"].is_null(),
        "{label}: the department never learns who reported"
    );
    // Even asking for another department's reports by filter gives only its own.
    let l: Value = get_json(
        &s,
        Some(&minzheng),
        "/api/v1/violations?department=110115-WJW",
    )
    .await
    .json()
    .await
    .unwrap();
    assert!(
        l.as_array()
            .unwrap()
            .iter()
            .all(|r| r["department"] == "110115-MZJ"),
        "{label}: {l}"
    );
    expect_code(
        get_json(&s, Some(&minzheng), &wjw_one).await,
        404,
        "not_found",
    )
    .await;
    let v: Value = get_json(&s, Some(&minzheng), &one)
        .await
        .json()
        .await
        .unwrap();
    assert!(v["reported_by"].is_null(), "{label}");
    // The supervisor sees both, and may filter.
    let l: Value = get_json(&s, Some(&ducha), "/api/v1/violations")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(l.as_array().unwrap().len(), 2, "{label}");
    let l: Value = get_json(&s, Some(&ducha), "/api/v1/violations?department=110115-WJW")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(l.as_array().unwrap().len(), 1, "{label}");
    expect_code(
        get_json(&s, Some(&ducha), "/api/v1/violations?status=maybe").await,
        422,
        "invalid_status",
    )
    .await;
    // A resident reads nothing.
    let jumin = s.api_token("jumin").await;
    expect_code(
        get_json(&s, Some(&jumin), "/api/v1/violations").await,
        403,
        "forbidden",
    )
    .await;

    // Evidence download: scoped, typed, an attachment, never sniffed.
    let web = s.web_login("shegong").await;
    let ev_path = format!("/violations/{community}/{id}/evidence/1");
    let r = web.get(s.url(&ev_path)).send().await.unwrap();
    assert_eq!(r.status(), 200, "{label}");
    let h = r.headers().clone();
    assert_eq!(h["content-type"], "image/png");
    assert_eq!(h["x-content-type-options"], "nosniff");
    let cd = h["content-disposition"].to_str().unwrap();
    assert!(cd.starts_with("attachment"), "{cd}");
    assert_eq!(r.bytes().await.unwrap().as_ref(), PNG);
    let r = web
        .get(s.url(&format!("/violations/{community}/{id}/evidence/2")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let web2 = s.web_login("shegong2").await;
    let r = web2.get(s.url(&ev_path)).send().await.unwrap();
    assert_eq!(r.status(), 404, "{label}: another community");
    let r = web2
        .get(s.url(&format!("/violations/{community}/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404, "{label}");
    let webmz = s.web_login("minzheng").await;
    let r = webmz.get(s.url(&ev_path)).send().await.unwrap();
    assert_eq!(
        r.status(),
        200,
        "{label}: the department concerned sees the evidence"
    );
    let r = s.browser().get(s.url(&ev_path)).send().await.unwrap();
    assert_eq!(r.status(), 303, "{label}: not logged in → login page");
    let r = web
        .get(s.url(&format!("/violations/{community}/{id}/evidence/9")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404, "{label}");

    // Only supervisors decide; a dismissal needs a reason.
    let confirm = format!("{one}/confirm");
    let dismiss = format!("{one}/dismiss");
    expect_code(
        post_json(&s, &shegong, &confirm, &json!({})).await,
        403,
        "forbidden",
    )
    .await;
    expect_code(
        post_json(&s, &minzheng, &confirm, &json!({})).await,
        403,
        "forbidden",
    )
    .await;
    expect_code(
        post_json(&s, &ducha, &dismiss, &json!({"comment": "  "})).await,
        422,
        "comment_required",
    )
    .await;
    assert_eq!(
        s.audit_records("violation.dismiss").await.len(),
        0,
        "{label}"
    );
    let r = post_json(&s, &ducha, &confirm, &json!({"comment": "经核实属实"})).await;
    assert_eq!(r.status(), 200, "{label}");
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["status"], "confirmed");
    assert_eq!(v["revoked"], true);
    assert_eq!(v["decided_by"], "ducha");
    assert_eq!(
        s.audit_records("violation.confirm").await.len(),
        1,
        "{label}"
    );
    expect_code(
        post_json(&s, &ducha, &confirm, &json!({})).await,
        422,
        "already_decided",
    )
    .await;
    assert_eq!(
        s.audit_records("violation.confirm").await.len(),
        1,
        "{label}"
    );
    // The other is dismissed with a reason.
    let r = post_json(
        &s,
        &ducha,
        &format!("{wjw_one}/dismiss"),
        &json!({"comment": "系法定协助事项"}),
    )
    .await;
    assert_eq!(r.status(), 200, "{label}");
    assert_eq!(
        s.audit_records("violation.dismiss").await.len(),
        1,
        "{label}"
    );

    // The community and the department are told of the decision.
    for token in [&shegong, &minzheng] {
        let n: Value = get_json(&s, Some(token), "/api/v1/notices")
            .await
            .json()
            .await
            .unwrap();
        assert!(n.to_string().contains("已确认并撤销"), "{label}: {n}");
    }
    // Issue 10 §1: the report's notice asked the supervisors to decide; now it says it is
    // handled (and the department's copy too), with the state in words.
    for token in [&ducha, &minzheng] {
        let n: Value = get_json(&s, Some(token), "/api/v1/notices")
            .await
            .json()
            .await
            .unwrap();
        let reported = n
            .as_array()
            .unwrap()
            .iter()
            .find(|n| {
                n["kind"] == "violation_reported" && n["title"].as_str().unwrap().contains(title)
            })
            .unwrap_or_else(|| panic!("{label}: {n}"));
        assert_eq!(reported["handled"], true, "{label}: {reported}");
        assert_eq!(
            reported["handled_note"], "已办理（现为：已确认·已撤销）",
            "{label}"
        );
    }

    // Counted against the department.
    let c: Value = get_json(&s, Some(&ducha), "/api/v1/violations/counts")
        .await
        .json()
        .await
        .unwrap();
    let mzj = c
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["department"] == "110115-MZJ")
        .unwrap();
    assert_eq!(mzj["confirmed"], 1, "{label}: {c}");
    let wjwc = c
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["department"] == "110115-WJW")
        .unwrap();
    assert_eq!(wjwc["confirmed"], 0);
    assert_eq!(wjwc["dismissed"], 1);
    expect_code(
        get_json(&s, Some(&minzheng), "/api/v1/violations/counts").await,
        403,
        "forbidden",
    )
    .await;

    // The public register: no login, the confirmed one only, and no personal data.
    let r = get_json(&s, None, "/api/v1/public/revocations").await;
    assert_eq!(r.status(), 200);
    let p: Value = r.json().await.unwrap();
    let list = p.as_array().unwrap();
    assert_eq!(list.len(), 1, "{label}: {p}");
    assert_eq!(list[0]["title"], title);
    assert_eq!(list[0]["department_name"], "区民政局");
    assert_eq!(list[0]["community_name"], "丁香雅苑社区");
    assert_eq!(list[0]["revoked_on"], "2026-11-28");
    let text = p.to_string();
    for personal in ["shegong", "李社工", "ducha", "周督查"] {
        assert!(!text.contains(personal), "{label}: {personal} in {text}");
    }
    let html = s
        .browser()
        .get(s.url("/public/revocations"))
        .send()
        .await
        .unwrap();
    assert_eq!(html.status(), 200, "{label}: public, no login");
    let html = html.text().await.unwrap();
    assert!(html.contains(title), "{label}");
    assert!(html.contains("区民政局"));
    assert!(
        !html.contains("社区负责健康档案录入"),
        "{label}: dismissed is not published"
    );
    for personal in ["shegong", "李社工", "周督查"] {
        assert!(!html.contains(personal), "{label}: {personal}");
    }

    // The whole trail is in the audit log: the reports, the notices, the decisions.
    assert_eq!(
        s.audit_records("violation.report").await.len(),
        2,
        "{label}"
    );
    assert!(s.audit_records("notice.send").await.len() >= 8, "{label}");

    // A report and the notices it sends are written in one transaction: the reporter's chain holds
    // the report's record and right after it one record per notice, and the trail still verifies.
    let notices = s.audit_records("notice.send").await;
    for report in s.audit_records("violation.report").await {
        let mut seqs: Vec<i64> = notices
            .iter()
            .filter(|n| n.chain == report.chain && n.request_id == report.request_id)
            .map(|n| n.seq)
            .collect();
        seqs.sort();
        assert!(
            seqs.len() >= 2,
            "{label}: the department and the supervisors"
        );
        let expected: Vec<i64> = (1..=seqs.len() as i64).map(|k| report.seq + k).collect();
        assert_eq!(seqs, expected, "{label}: {report:?}");
    }
    let trail = s
        .app
        .verify_audit(&jianfu_server::service::Actor::console())
        .await
        .unwrap();
    assert!(trail.problems.is_empty(), "{label}: {:?}", trail.problems);
}

const JPG_MIN: &[u8] = b"\xff\xd8\xff\xe0\0\x10JFIF\0\x01";

#[tokio::test]
async fn gate_violations_report_notify_scope_confirm_publish() {
    for db in backends().await {
        run_flow(db).await;
    }
}

async fn run_api_refusals(db: TestDb) {
    let label = db.label;
    let s = TestServer::start(db).await;
    let shegong = s.api_token("shegong").await;
    let path = "/api/v1/violations";
    // A renamed executable: refused by content, whatever it is called.
    for bad in [EXE, ELF] {
        let msg = expect_code(
            post_json(
                &s,
                &shegong,
                path,
                &report_body("110115-MZJ", "x", &[PNG, bad]),
            )
            .await,
            422,
            "file_type_not_allowed",
        )
        .await;
        assert!(msg.contains("第 2 个文件"), "{label}: {msg}");
        assert!(msg.contains("可执行程序"), "{label}: {msg}");
    }
    let six: Vec<&[u8]> = vec![PNG; 6];
    expect_code(
        post_json(&s, &shegong, path, &report_body("110115-MZJ", "x", &six)).await,
        422,
        "too_many_files",
    )
    .await;
    let mut big = PDF.to_vec();
    big.resize(5 * 1024 * 1024 + 1, b' ');
    let msg = expect_code(
        post_json(&s, &shegong, path, &report_body("110115-MZJ", "x", &[&big])).await,
        422,
        "file_too_large",
    )
    .await;
    assert!(msg.contains("第 1 个文件"), "{msg}");
    for (dept, code) in [
        ("110115-NOPE", "unknown_department"),
        ("110115001902", "unknown_department"),
        ("110115", "unknown_department"),
    ] {
        expect_code(
            post_json(&s, &shegong, path, &report_body(dept, "x", &[])).await,
            422,
            code,
        )
        .await;
    }
    let mut b = report_body("110115-MZJ", "  ", &[]);
    expect_code(post_json(&s, &shegong, path, &b).await, 422, "empty_title").await;
    b["title"] = json!("x");
    b["channel"] = json!("fax");
    expect_code(
        post_json(&s, &shegong, path, &b).await,
        422,
        "invalid_channel",
    )
    .await;
    b["channel"] = json!("phone");
    b["received_on"] = json!("2026-12-01");
    expect_code(
        post_json(&s, &shegong, path, &b).await,
        422,
        "date_in_future",
    )
    .await;
    b["received_on"] = json!("2026-11-27");
    b["evidence"] = json!([{"content_base64": "!!!"}]);
    expect_code(
        post_json(&s, &shegong, path, &b).await,
        422,
        "invalid_base64",
    )
    .await;
    // Departments, supervisors and residents do not report.
    for who in ["minzheng", "ducha", "jumin"] {
        let t = s.api_token(who).await;
        expect_code(
            post_json(&s, &t, path, &report_body("110115-MZJ", "x", &[])).await,
            403,
            "forbidden",
        )
        .await;
    }
    assert_eq!(stored_reports(&s).await, 0, "{label}: nothing stored");
    assert_eq!(
        s.audit_records("violation.report").await.len(),
        0,
        "{label}"
    );
    // A report with no evidence is accepted (a phone call leaves none).
    let r = post_json(
        &s,
        &shegong,
        path,
        &report_body("110115001", "街道电话布置", &[]),
    )
    .await;
    assert_eq!(r.status(), 201, "{label}: streets push work down too");
}

#[tokio::test]
async fn gate_violations_api_refuses_bad_reports_and_stores_nothing() {
    for db in backends().await {
        run_api_refusals(db).await;
    }
}

async fn run_page(db: TestDb) {
    let label = db.label;
    let s = TestServer::start(db).await;
    let web = s.web_login("shegong").await;

    // Prefilled from a link (?title=&department=).
    let page = web
        .get(s.url(
            "/violations/new?title=%E5%A1%AB%E6%8A%A5%E5%8F%B0%E8%B4%A6&department=110115-MZJ",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(page.contains("value=\"填报台账\""), "{label}");
    assert!(
        page.contains("<option value=\"110115-MZJ\" selected>"),
        "{label}"
    );
    assert!(page.contains("enctype=\"multipart/form-data\""));
    let csrf = hidden_field(&page, "csrf").unwrap();

    let fields = |csrf: &str| {
        vec![
            ("csrf", csrf.to_string()),
            ("title", "微信群通知填报消防台账".to_string()),
            ("department", "110115-MZJ".to_string()),
            ("channel", "wechat".to_string()),
            ("received_on", "2026-11-26".to_string()),
            ("description", "要求周五前交 <纸质台账>".to_string()),
        ]
    };
    let owned = fields(&csrf);
    let f: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();

    // A disguised executable: refused, every text field kept, the file named by number only.
    for bad in [EXE, ELF] {
        let r = post_form(&s, &web, &f, &[("scan.png", PNG), ("通知扫描件.pdf", bad)]).await;
        assert_eq!(r.status(), 422, "{label}");
        let html = r.text().await.unwrap();
        assert!(html.contains("第 2 个文件"), "{label}");
        assert!(html.contains("可执行程序"), "{label}");
        assert!(
            !html.contains("通知扫描件"),
            "{label}: the file name is never echoed"
        );
        assert!(html.contains("value=\"微信群通知填报消防台账\""), "{label}");
        assert!(html.contains("<option value=\"110115-MZJ\" selected>"));
        assert!(html.contains("<option value=\"wechat\" selected>"));
        assert!(html.contains("value=\"2026-11-26\""));
        assert!(
            html.contains("要求周五前交 ")
                && html.contains("纸质台账")
                && !html.contains("<纸质台账>"),
            "{label}: escaped and kept"
        );
    }
    // Six files, and one too large.
    let six: Vec<(&str, &[u8])> = (0..6).map(|_| ("a.png", PNG)).collect();
    let r = post_form(&s, &web, &f, &six).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("最多 5 个"), "{label}");
    let mut big = PNG.to_vec();
    big.resize(5 * 1024 * 1024 + 10, 0);
    let r = post_form(&s, &web, &f, &[("a.pdf", PDF), ("b.png", &big)]).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("第 2 个文件过大"), "{label}");
    assert!(html.contains("value=\"微信群通知填报消防台账\""));
    // More than the whole form may carry (five files of 5 MB): the typed text still comes back.
    let huge = vec![0u8; 27 * 1024 * 1024];
    let r = post_form(&s, &web, &f, &[("a.pdf", &huge)]).await;
    assert_eq!(r.status(), 422, "{label}");
    let html = r.text().await.unwrap();
    assert!(html.contains("总量过大"), "{label}");
    assert!(html.contains("value=\"微信群通知填报消防台账\""), "{label}");
    // No CSRF token: refused.
    let no_csrf: Vec<(&str, &str)> = f.iter().filter(|(k, _)| *k != "csrf").cloned().collect();
    let r = post_form(&s, &web, &no_csrf, &[("a.png", PNG)]).await;
    assert_eq!(r.status(), 403, "{label}");
    assert_eq!(stored_reports(&s).await, 0, "{label}: nothing stored");

    // Accepted; an empty file input (no file chosen) is not a file.
    let r = post_form(&s, &web, &f, &[("a.png", PNG), ("", b"")]).await;
    assert_eq!(r.status(), 303, "{label}");
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    assert!(loc.starts_with("/violations/110115001901/"), "{loc}");
    let html = web
        .get(s.url(&loc))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("举报已提交"), "{label}");
    assert!(html.contains("下载证据 1"), "{label}");
    assert!(!html.contains("下载证据 2"), "{label}");
    assert!(!html.contains("a.png"), "{label}: no file names anywhere");
    let list = web
        .get(s.url("/violations"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(list.contains("微信群通知填报消防台账"));
    assert!(list.contains("举报违规下派"));

    // A community worker sees no decision form; the supervisor does, and a dismissal without a
    // reason keeps the page with a message.
    assert!(!html.contains("确认违规并撤销"), "{label}");
    let sup = s.web_login("ducha").await;
    let path = loc.split('?').next().unwrap().to_string();
    let page = sup
        .get(s.url(&path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("确认违规并撤销"), "{label}");
    assert!(
        page.contains("李社工"),
        "{label}: supervisors see the reporter"
    );
    let csrf = hidden_field(&page, "csrf").unwrap();
    let r = sup
        .post(s.url(&format!("{path}/decide")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("decision", "dismiss"),
            ("comment", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422, "{label}");
    assert!(r.text().await.unwrap().contains("不予认定时须填写理由"));
    // A decision is final: the first post asks, saying what follows, and decides nothing.
    let decide = [
        ("csrf", csrf.as_str()),
        ("decision", "confirm"),
        ("comment", "属实"),
    ];
    let r = sup
        .post(s.url(&format!("{path}/decide")))
        .form(&decide)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{label}");
    let ask = r.text().await.unwrap();
    assert!(
        ask.contains("确认违规下派并撤销这项工作？"),
        "{label}: {ask}"
    );
    assert!(ask.contains("撤销公示"), "{label}");
    assert_eq!(hidden_field(&ask, "comment").as_deref(), Some("属实"));
    assert!(
        s.audit_records("violation.confirm").await.is_empty(),
        "{label}"
    );
    let r = sup
        .post(s.url(&format!("{path}/decide")))
        .form(&[decide.as_slice(), &[("confirmed", "yes")]].concat())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{label}");
    let page = sup
        .get(s.url(r.headers()["location"].to_str().unwrap()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("已撤销、终止"), "{label}");
    let list = sup
        .get(s.url("/violations?status=confirmed"))
        .send()
        .await
        .unwrap();
    assert_eq!(list.status(), 200);
    let list = list.text().await.unwrap();
    assert!(list.contains("各部门违规下派次数"));
    assert!(list.contains("微信群通知填报消防台账"));

    // The department's clerk reads it without the reporter's name and may respond.
    let mz = s.web_login("minzheng").await;
    let page = mz
        .get(s.url(&path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!page.contains("李社工"), "{label}");
    assert!(!page.contains("shegong"), "{label}");
    let csrf = hidden_field(&page, "csrf").unwrap();
    let r = mz
        .post(s.url(&format!("{path}/respond")))
        .form(&[("csrf", csrf.as_str()), ("response", "已通知科室停止布置")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{label}");
    assert_eq!(s.audit_records("violation.respond").await.len(), 1);
    // A community worker cannot decide.
    let r = web
        .post(s.url(&format!("{path}/decide")))
        .form(&[
            ("csrf", hidden_field(&html, "csrf").unwrap().as_str()),
            ("decision", "confirm"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "{label}");
}

#[tokio::test]
async fn gate_violations_report_page_keeps_text_and_refuses_disguised_files() {
    for db in backends().await {
        run_page(db).await;
    }
}

/// Supervisors are told wherever they sit: in the district office or in a department. Who
/// holds the role is cached (issue 14): a supervisor appointed after a report is told of the
/// next one, and one disabled is not told again.
#[tokio::test]
async fn supervisors_in_any_organisation_are_told() {
    use jianfu_server::service::accounts::NewAccount;
    use jianfu_server::service::{Actor, RequestMeta};
    let s = TestServer::sqlite().await;
    let sg = s.api_token("shegong").await;
    let report = |title: &'static str| {
        let (s, sg) = (&s, &sg);
        async move {
            let r = post_json(
                s,
                sg,
                "/api/v1/violations",
                &report_body("110115-MZJ", title, &[]),
            )
            .await;
            assert_eq!(r.status().as_u16(), 201, "{}", r.text().await.unwrap());
        }
    };
    // Before the department has a supervisor: the holders are read (and kept) now.
    report("要求社区每月报送养犬登记情况").await;
    s.app
        .create_account(
            &Actor::console(),
            &RequestMeta::console(),
            &NewAccount {
                username: "ducha-wjw".into(),
                display_name: "卫健委督查（演示）".into(),
                password: crate::helpers::DEMO_PASSWORD.into(),
                roles: vec!["supervisor".into()],
                org: "110115-WJW".into(),
            },
        )
        .await
        .expect("a supervisor in a department");
    report("要求社区每周报送商户情况").await;
    assert_eq!(
        reports_told(&s, "ducha-wjw").await,
        1,
        "told of the report after appointment"
    );
    for name in ["ducha", "ducha-wjw"] {
        assert!(reports_told(&s, name).await >= 1, "{name} is told");
    }
    // Others in the department office without the role are not.
    assert_eq!(
        reports_told(&s, "minzheng").await,
        2,
        "the department itself, once per report"
    );
    // Disabled: the department office no longer holds the role, and is not told again.
    s.app
        .set_account_disabled(
            &Actor::console(),
            &RequestMeta::console(),
            "ducha-wjw",
            true,
        )
        .await
        .expect("disable");
    report("要求社区每周上报巡查照片").await;
    assert_eq!(
        reports_told(&s, "ducha-wjw").await,
        1,
        "not told once disabled"
    );
}

/// How many violation-report notices `username` reads.
async fn reports_told(s: &TestServer, username: &str) -> usize {
    use jianfu_server::service::auth::actor_of;
    let user = s
        .app
        .store
        .user_by_username(username)
        .await
        .unwrap()
        .unwrap();
    s.app
        .my_notices(&actor_of(&user), &Listing::default())
        .await
        .unwrap()
        .items
        .iter()
        .filter(|n| n.kind == "violation_reported")
        .count()
}

/// Issue 10 §1: a resident with an account in the community does not read the committee's
/// notices to its staff (nor mark them read); notices addressed to residents reach him.
#[tokio::test]
async fn a_resident_does_not_read_the_committees_notices() {
    use jianfu_domain::Role;
    use jianfu_server::service::auth::actor_of;
    use jianfu_server::service::notices::Recipient;
    use jianfu_server::service::{Actor, RequestMeta, ServiceError};
    let db = crate::helpers::sqlite_db();
    let (app, _clock) = crate::helpers::app(&db, true).await;
    let to = |role: Option<Role>| match role {
        Some(r) => Recipient::role("110115001901", r),
        None => Recipient::organisation("110115001901"),
    };
    for (role, title) in [
        (None, "社区内部：举报已认定"),
        (Some(Role::Resident), "致居民"),
    ] {
        app.notify(
            &Actor::console(),
            &RequestMeta::console(),
            &to(role),
            "test",
            title,
            "正文",
            "/violations",
        )
        .await
        .unwrap();
    }
    let user = |name: &'static str| {
        let store = app.store.clone();
        async move { actor_of(&store.user_by_username(name).await.unwrap().unwrap()) }
    };
    let titles =
        |n: Vec<jianfu_store::NoticeRow>| n.into_iter().map(|n| n.title).collect::<Vec<_>>();
    let resident = user("jumin").await;
    let worker = user("shegong").await;
    assert_eq!(
        titles(
            app.my_notices(&resident, &Listing::default())
                .await
                .unwrap()
                .items
        ),
        ["致居民"]
    );
    let staff = app
        .my_notices(&worker, &Listing::default())
        .await
        .unwrap()
        .items;
    assert_eq!(titles(staff.clone()), ["社区内部：举报已认定"]);
    assert!(matches!(
        app.mark_notice_read(&resident, &staff[0].id).await,
        Err(ServiceError::NotFound(_))
    ));
    app.mark_notice_read(&worker, &staff[0].id).await.unwrap();
}
