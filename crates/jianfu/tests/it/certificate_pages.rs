//! 居民证明 through the web pages, as people use them: a resident applies with materials and the
//! pledge, the worker checks the facts, the director approves the seal, the worker issues, the
//! PDF downloads, anyone verifies it on the public page, the director revokes it and the public
//! page says so. Refusals keep what was typed and say where to go instead; CSRF, a department
//! clerk and another resident are kept out.

use crate::helpers::{TestServer, hidden_field};
use jianfu_domain::gate::CatalogItem;
use jianfu_server::service::{Actor, RequestMeta};
use jianfu_store::ApplicationFilter;
use reqwest::{Client, Response};

pub(crate) const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0";
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n";
pub(crate) const EXE: &[u8] =
    b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0This program cannot be run in DOS mode";
/// A valid 居民身份证号码 (check character computed), not a real person's.
pub(crate) const ID: &str = "110115198001010019";
pub(crate) const COMMUNITY: &str = "110115001901";

pub(crate) fn location(r: &Response) -> String {
    r.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

fn header(r: &Response, name: &str) -> String {
    r.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

pub(crate) async fn get(s: &TestServer, c: &Client, path: &str) -> (u16, String) {
    let r = c.get(s.url(path)).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.text().await.unwrap())
}

async fn post(s: &TestServer, c: &Client, path: &str, form: &[(&str, &str)]) -> Response {
    c.post(s.url(path)).form(form).send().await.unwrap()
}

/// A multipart body written by hand (reqwest is built without its multipart feature). Files are
/// (field name, file name on the phone, bytes).
pub(crate) fn multipart(
    fields: &[(&str, &str)],
    files: &[(&str, &str, &[u8])],
) -> (String, Vec<u8>) {
    let boundary = "----jianfu-cert-boundary-4b2e";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    for (field, name, data) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

pub(crate) async fn post_apply(
    s: &TestServer,
    c: &Client,
    fields: &[(&str, &str)],
    files: &[(&str, &str, &[u8])],
) -> Response {
    let (ct, body) = multipart(fields, files);
    c.post(s.url("/certificates/apply"))
        .header("content-type", ct)
        .body(body)
        .send()
        .await
        .unwrap()
}

pub(crate) async fn applications(s: &TestServer) -> usize {
    s.app
        .store
        .list_certificate_applications(&ApplicationFilter {
            community: Some(COMMUNITY.into()),
            ..Default::default()
        })
        .await
        .unwrap()
        .rows
        .len()
}

/// The retained certificate the flow applies for: the one that needs the household here (the
/// worker must tick the box), preferring the 公证 exception, whatever the shipped list calls it.
pub(crate) async fn household_item(s: &TestServer) -> CatalogItem {
    let (_, items) = s.app.certificate_items().await.unwrap();
    let needs_household =
        |i: &&CatalogItem| i.certificate.as_ref().is_some_and(|c| c.requires_household);
    items
        .iter()
        .filter(needs_household)
        .find(|i| {
            i.certificate
                .as_ref()
                .is_some_and(|c| !c.exception_to.is_empty())
        })
        .or_else(|| items.iter().find(needs_household))
        .cloned()
        .expect("the shipped list has a certificate that needs the household here")
}

/// The fields a complete application for `item` fills in, as (name, value).
pub(crate) fn complete_fields(item: &CatalogItem, csrf: &str, key: &str) -> Vec<(String, String)> {
    let spec = item.certificate.as_ref().unwrap();
    let purpose_word = spec
        .exception_purposes
        .first()
        .cloned()
        .unwrap_or_else(|| "公证".into());
    let unit = spec
        .requesting_units
        .first()
        .map(|u| u.name.clone())
        .unwrap_or_default();
    [
        ("csrf", csrf.to_string()),
        ("key", key.to_string()),
        ("item", item.code.clone()),
        ("applicant_name", "王居民".into()),
        ("id_number", ID.into()),
        ("phone", "13800138000".into()),
        ("household_community", COMMUNITY.into()),
        ("reason", "父亲去世，办理房产继承".into()),
        ("purpose", format!("办理继承{purpose_word}")),
        ("asking_unit", unit),
        ("asking_article", "《中华人民共和国公证法》第十一条".into()),
        ("pledge", "yes".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

pub(crate) fn as_refs(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// One file per required material: PNG photos, the household register as a PDF.
fn material_files(item: &CatalogItem) -> Vec<(String, &'static [u8])> {
    item.certificate
        .as_ref()
        .unwrap()
        .required_materials()
        .enumerate()
        .map(|(i, m)| (format!("m_{}", m.key), if i % 2 == 0 { PNG } else { PDF }))
        .collect()
}

/// The names of the template's fields the worker fills (`fact.<name>` inputs).
fn fact_inputs(html: &str) -> Vec<String> {
    html.split("name=\"fact.")
        .skip(1)
        .filter_map(|rest| rest.split('"').next().map(str::to_string))
        .collect()
}

/// Applies through the page with everything complete; returns the application's path.
async fn apply_complete(s: &TestServer, c: &Client, item: &CatalogItem) -> String {
    let (status, form) = get(s, c, &format!("/certificates/apply?item={}", item.code)).await;
    assert_eq!(status, 200, "{form}");
    let csrf = hidden_field(&form, "csrf").unwrap();
    let key = hidden_field(&form, "key").unwrap();
    let fields = complete_fields(item, &csrf, &key);
    let files = material_files(item);
    let files: Vec<(&str, &str, &[u8])> = files
        .iter()
        .map(|(f, d)| (f.as_str(), "IMG_20261128_身份证.jpg", *d))
        .collect();
    let r = post_apply(s, c, &as_refs(&fields), &files).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let to = location(&r);
    assert!(to.ends_with("?created=1"), "{to}");
    to.trim_end_matches("?created=1").to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn certificate_pages_whole_flow_resident_worker_director_issue_verify_revoke() {
    let s = TestServer::sqlite().await;
    let jumin = s.web_login("jumin").await;
    let item = household_item(&s).await;

    // The resident's list and the chooser, which explains each retained certificate.
    let (status, page) = get(&s, &jumin, "/certificates").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("我的证明申请") && page.contains("申请开具证明"),
        "{page}"
    );
    let (status, page) = get(&s, &jumin, "/certificates/apply").await;
    assert_eq!(status, 200);
    assert!(page.contains(&item.name), "the chooser lists {}", item.name);
    assert!(page.contains("个工作日") && page.contains("要带的材料"));
    assert!(page.contains("/catalog?kind=certificate_negative"));
    assert!(page.contains("/certificates/apply?item=other"));

    // Apply; a double click (same idempotency key) stores one application.
    let (_, form) = get(
        &s,
        &jumin,
        &format!("/certificates/apply?item={}", item.code),
    )
    .await;
    assert!(form.contains("如实申报承诺") && form.contains("本人承诺"));
    assert!(
        form.contains("必须说明依据哪条法律法规"),
        "why the article is asked"
    );
    let csrf = hidden_field(&form, "csrf").unwrap();
    let key = hidden_field(&form, "key").unwrap();
    assert_eq!(key.len(), 32, "a fresh random key per form");
    let fields = complete_fields(&item, &csrf, &key);
    let files = material_files(&item);
    let files: Vec<(&str, &str, &[u8])> = files
        .iter()
        .map(|(f, d)| (f.as_str(), "IMG_20261128_身份证.jpg", *d))
        .collect();
    assert!(!files.is_empty());
    let r = post_apply(&s, &jumin, &as_refs(&fields), &files).await;
    assert_eq!(r.status(), 303);
    let first = location(&r);
    let r = post_apply(&s, &jumin, &as_refs(&fields), &files).await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        location(&r),
        first,
        "the retry lands on the same application"
    );
    assert_eq!(applications(&s).await, 1);
    assert_eq!(s.audit_records("certificate.apply").await.len(), 1);
    let app_path = first.trim_end_matches("?created=1").to_string();
    assert!(app_path.starts_with(&format!("/certificates/a/{COMMUNITY}/")));

    // The resident sees it masked, with a timeline and the withdraw action.
    let (status, page) = get(&s, &jumin, &first).await;
    assert_eq!(status, 200);
    assert!(page.contains("申请已提交"));
    assert!(
        page.contains("0019") && !page.contains(ID),
        "only the last 4 of the ID"
    );
    assert!(!page.contains("13800138000") && page.contains("8000"));
    assert!(page.contains("办理进度") && page.contains("待核实"));
    assert!(page.contains("撤回申请"));
    assert!(!page.contains("查看完整身份证号"));
    // Materials download under a neutral name with the sniffed type, never the phone's name.
    let r = jumin
        .get(s.url(&format!("{app_path}/materials/1")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "content-type"), "image/png");
    let cd = header(&r, "content-disposition");
    assert!(
        cd.starts_with("attachment") && cd.contains("material-1.png"),
        "{cd}"
    );
    assert!(!cd.contains("IMG_"));
    assert_eq!(r.bytes().await.unwrap().as_ref(), PNG);
    let (status, _) = get(&s, &jumin, &format!("{app_path}/materials/99")).await;
    assert_eq!(status, 404);

    // The worker's queue: tabs, the application in 待核实.
    let shegong = s.web_login("shegong").await;
    let (status, page) = get(&s, &shegong, "/certificates?status=submitted").await;
    assert_eq!(status, 200);
    assert!(page.contains("证明办理") && page.contains("待签批用印") && page.contains("不予出具"));
    assert!(page.contains(&app_path), "{page}");
    let (_, page) = get(&s, &shegong, "/certificates?status=issued").await;
    assert!(!page.contains(&app_path));

    // Verify: without ticking the household box it is refused and the typed facts stay.
    let (_, page) = get(&s, &shegong, &app_path).await;
    assert!(page.contains("核实情况") && page.contains("已核实户籍在本社区"));
    assert!(
        page.contains("根据申请自动填写"),
        "auto fields shown read-only"
    );
    let csrf = hidden_field(&page, "csrf").unwrap();
    let facts = fact_inputs(&page);
    let mut form: Vec<(String, String)> = vec![
        ("csrf".into(), csrf.clone()),
        ("note".into(), "已查验户口本原件".into()),
    ];
    for (i, f) in facts.iter().enumerate() {
        // A fact holding someone's ID number is checked like one (issue 10 §4).
        let v = if jianfu_domain::certificate::id_number::is_id_number_field(f) {
            ID.to_string()
        } else {
            format!("核实内容{i}")
        };
        form.push((format!("fact.{f}"), v));
    }
    let r = post(&s, &shegong, &format!("{app_path}/verify"), &as_refs(&form)).await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("已核实户籍在本社区"), "{page}");
    assert!(page.contains("已查验户口本原件"));
    if !facts.is_empty() {
        assert!(page.contains("核实内容0"), "typed facts kept");
    }
    form.push(("household_checked".into(), "yes".into()));
    let r = post(&s, &shegong, &format!("{app_path}/verify"), &as_refs(&form)).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    assert_eq!(location(&r), format!("{app_path}?done=verify"));

    // The director approves the seal and looks at the full ID once (audited).
    let shuji = s.web_login("shuji").await;
    let (_, page) = get(&s, &shuji, &app_path).await;
    assert!(page.contains("批准用印") && page.contains("查看完整身份证号"));
    if !facts.is_empty() {
        assert!(
            page.contains("证明内容") && page.contains("核实内容0"),
            "the director sees the text to be sealed"
        );
    }
    assert!(!page.contains(ID));
    let csrf = hidden_field(&page, "csrf").unwrap();
    let r = post(
        &s,
        &shuji,
        &format!("{app_path}/reveal-id"),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains(ID));
    assert_eq!(s.audit_records("certificate.id_viewed").await.len(), 1);
    let (_, page) = get(&s, &shuji, &app_path).await;
    assert!(!page.contains(ID), "shown once, not kept");
    let r = post(
        &s,
        &shuji,
        &format!("{app_path}/approve"),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(r.status(), 303);

    // The worker issues; a retried click with the same key gives the same certificate.
    let (_, page) = get(&s, &shegong, &app_path).await;
    assert!(page.contains("出具证明"));
    let csrf = hidden_field(&page, "csrf").unwrap();
    let key = hidden_field(&page, "key").unwrap();
    // Issuing writes the seal log for good: the first post asks and issues nothing.
    let ask = [("csrf", csrf.as_str()), ("key", key.as_str())];
    let r = post(&s, &shegong, &format!("{app_path}/issue"), &ask).await;
    assert_eq!(r.status(), 200);
    let question = r.text().await.unwrap();
    assert!(question.contains("确认出具证明？"), "{question}");
    assert!(question.contains("用印登记簿"));
    assert_eq!(
        hidden_field(&question, "key").as_deref(),
        Some(key.as_str())
    );
    assert!(s.audit_records("certificate.issue").await.is_empty());
    let issue = [
        ("csrf", csrf.as_str()),
        ("key", key.as_str()),
        ("confirmed", "yes"),
    ];
    let r = post(&s, &shegong, &format!("{app_path}/issue"), &issue).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let cert_path = location(&r).trim_end_matches("?issued=1").to_string();
    assert!(cert_path.starts_with("/certificates/c/ZM"), "{cert_path}");
    let r = post(&s, &shegong, &format!("{app_path}/issue"), &issue).await;
    assert_eq!(location(&r).trim_end_matches("?issued=1"), cert_path);
    assert_eq!(s.audit_records("certificate.issue").await.len(), 1);
    let number = cert_path.trim_start_matches("/certificates/c/").to_string();

    let (status, page) = get(&s, &shegong, &format!("{cert_path}?issued=1")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains(&number)
            && page.contains("下载 PDF（A4）")
            && page.contains("href=\"/seal\"")
    );
    assert!(!page.contains("作废原因"), "only the director revokes");
    let (_, page) = get(&s, &shegong, "/certificates?status=issued").await;
    assert!(page.contains(&number), "issued list");
    let (_, page) = get(&s, &jumin, &app_path).await;
    assert!(
        page.contains(&cert_path),
        "the resident finds the certificate"
    );

    // The PDF, for the resident too.
    for c in [&shegong, &jumin] {
        let r = c
            .get(s.url(&format!("{cert_path}/pdf")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(header(&r, "content-type"), "application/pdf");
        assert!(header(&r, "content-disposition").starts_with("inline"));
        assert!(r.bytes().await.unwrap().starts_with(b"%PDF"));
    }

    // Public verification, no login, with the code printed on the certificate.
    let row = s
        .app
        .store
        .certificate(
            &jianfu_domain::certificate::codes::parse_certificate_number(&number)
                .unwrap()
                .community_code,
            &number,
        )
        .await
        .unwrap()
        .unwrap();
    let code = s
        .app
        .data_key()
        .await
        .unwrap()
        .decrypt(&row.verify_code_enc)
        .unwrap();
    let public = Client::new();
    let (status, page) = get(&s, &public, &format!("/verify?number={number}&code={code}")).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("证明真实有效") && page.contains("有效"));
    assert!(page.contains(&item.name) && page.contains("丁香雅苑社区"));
    assert!(page.contains("王*"), "masked holder");
    assert!(page.contains("尚未纳入检查点"), "no checkpoint signed yet");
    // Once the minute's checkpoint is signed, the page shows the entry inside it.
    s.app
        .make_seal_checkpoint(&Actor::console(), &RequestMeta::console(), false)
        .await
        .unwrap()
        .expect("a checkpoint over the new entry");
    let (_, page) = get(&s, &public, &format!("/verify?number={number}&code={code}")).await;
    assert!(page.contains("已纳入区级签名检查点"), "{page}");
    assert!(
        page.contains("丁香雅苑社区居民委员会用印登记簿第 1 号"),
        "{page}"
    );
    // Plain words first; the checkpoint and Merkle details fold under 技术细节 (issue 10 §3).
    assert!(page.contains("已登记在用印登记簿中"), "{page}");
    let plain = page.find("已登记在用印登记簿中").unwrap();
    let details = page
        .find("<summary>技术细节</summary>")
        .expect("technical details fold");
    let merkle = page.find("默克尔证明").unwrap();
    assert!(
        plain < details && details < merkle,
        "details after the plain words"
    );
    assert!(
        page.contains("二维码的右边"),
        "the hint says where the code is printed"
    );
    assert!(!page.contains("王居民") && !page.contains(ID));
    // Lower case without the hyphen is the same code.
    let loose = code.replace('-', "").to_lowercase();
    let (status, page) = get(
        &s,
        &public,
        &format!("/verify?number={number}&code={loose}"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(page.contains("证明真实有效"));
    let (status, page) = get(
        &s,
        &public,
        &format!("/verify?number={number}&code=AAAA-AAAA"),
    )
    .await;
    assert_eq!(status, 422);
    assert!(page.contains("未能核验") && !page.contains("证明真实有效"));
    let (status, page) = get(&s, &public, "/verify").await;
    assert_eq!(status, 200);
    assert!(page.contains("证明编号") && page.contains("核验码"));

    // The director revokes: a reason is required; then the public page says 已作废.
    let (_, page) = get(&s, &shuji, &cert_path).await;
    // People by name and role, not username (issue 10 §3).
    assert!(
        page.contains("<dt>出具人</dt><dd>李社工（演示）（社区工作者）</dd>"),
        "{page}"
    );
    assert!(page.contains("<dt>批准用印</dt><dd>张书记（演示）（社区书记/主任）</dd>"));
    let (_, application) = get(&s, &jumin, &app_path).await;
    assert!(application.contains("核实人：李社工（演示）（社区工作者）"));
    assert!(application.contains("批准人：张书记（演示）（社区书记/主任）"));
    assert!(!application.contains("核实人：shegong") && !application.contains("批准人：shuji"));
    assert!(page.contains("作废原因"));
    let csrf = hidden_field(&page, "csrf").unwrap();
    let r = post(
        &s,
        &shuji,
        &format!("{cert_path}/revoke"),
        &[("csrf", &csrf), ("reason", "  ")],
    )
    .await;
    assert_eq!(r.status(), 422);
    let reason = "申请人提供的户口本信息有误";
    let r = post(
        &s,
        &shuji,
        &format!("{cert_path}/revoke"),
        &[("csrf", &csrf), ("reason", reason)],
    )
    .await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("确认作废这份证明？"));
    // 返回修改: the certificate's page again, the reason still typed, nothing voided.
    let r = post(
        &s,
        &shuji,
        &format!("{cert_path}/revoke"),
        &[("csrf", &csrf), ("reason", reason), ("confirmed", "no")],
    )
    .await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains(reason));
    assert!(s.audit_records("certificate.revoke").await.is_empty());
    let r = post(
        &s,
        &shuji,
        &format!("{cert_path}/revoke"),
        &[("csrf", &csrf), ("reason", reason), ("confirmed", "yes")],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(s.audit_records("certificate.revoke").await.len(), 1);
    let (status, page) = get(&s, &public, &format!("/verify?number={number}&code={code}")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("此证明已作废") && page.contains(reason),
        "{page}"
    );
    assert!(!page.contains("证明真实有效"));

    // The audit page names the new actions in Chinese.
    let auditadmin = s.web_login("auditadmin").await;
    let (_, page) = get(&s, &auditadmin, "/audit").await;
    assert!(
        page.contains("出具证明") && page.contains("作废证明"),
        "audit labels"
    );

    // Too many wrong codes from one client: the rate-limit message, even for the right code.
    for _ in 0..10 {
        get(
            &s,
            &public,
            &format!("/verify?number={number}&code=AAAA-AAAA"),
        )
        .await;
    }
    let (status, page) = get(&s, &public, &format!("/verify?number={number}&code={code}")).await;
    assert_eq!(status, 429);
    assert!(page.contains("请稍后再试"), "{page}");
}

#[tokio::test(flavor = "multi_thread")]
async fn certificate_pages_refusals_keep_what_was_typed_and_say_where_to_go() {
    let s = TestServer::sqlite().await;
    let jumin = s.web_login("jumin").await;

    // A certificate on the negative list, typed by name: the page names who issues it instead.
    let (catalog, _) = s.app.certificate_items().await.unwrap();
    let negative = catalog
        .items
        .iter()
        .find(|i| i.certificate_negative.is_some() && i.name.contains("无犯罪记录"))
        .or_else(|| {
            catalog
                .items
                .iter()
                .find(|i| i.certificate_negative.is_some())
        })
        .cloned()
        .expect("the shipped list has negative certificates");
    let instead = negative
        .certificate_negative
        .as_ref()
        .unwrap()
        .issued_by_instead
        .clone();
    let (status, form) = get(&s, &jumin, "/certificates/apply?item=other").await;
    assert_eq!(status, 200);
    assert!(form.contains("证明名称"));
    let csrf = hidden_field(&form, "csrf").unwrap();
    let key = hidden_field(&form, "key").unwrap();
    let typed = [
        ("csrf", csrf.as_str()),
        ("key", key.as_str()),
        ("item", "other"),
        ("requested_name", negative.name.as_str()),
        ("applicant_name", "王居民"),
        ("id_number", ID),
        ("phone", "13800138000"),
        ("household_community", COMMUNITY),
        ("reason", "应聘单位要求提供"),
        ("purpose", "入职审查"),
        ("pledge", "yes"),
    ];
    let r = post_apply(&s, &jumin, &typed, &[]).await;
    let status = r.status();
    let page = r.text().await.unwrap();
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("这项证明不由社区出具"), "{page}");
    assert!(
        page.contains("您可以这样办"),
        "a path, not a dead end: {page}"
    );
    assert!(page.contains(&instead), "names {instead}: {page}");
    for v in [
        "应聘单位要求提供",
        "入职审查",
        "13800138000",
        ID,
        negative.name.as_str(),
    ] {
        assert!(page.contains(v), "keeps {v}");
    }
    assert!(page.contains("重新选择证明"));
    assert_eq!(hidden_field(&page, "key").as_deref(), Some(key.as_str()));

    // A retained certificate without the pledge and without a purpose: every missing thing is
    // named at once and its field marked, the rest kept; then a file disguised as a photo.
    let item = household_item(&s).await;
    let (_, form) = get(
        &s,
        &jumin,
        &format!("/certificates/apply?item={}", item.code),
    )
    .await;
    let csrf = hidden_field(&form, "csrf").unwrap();
    let key = hidden_field(&form, "key").unwrap();
    let fields: Vec<(String, String)> = complete_fields(&item, &csrf, &key)
        .into_iter()
        .filter(|(k, _)| k != "pledge" && k != "purpose")
        .collect();
    let r = post_apply(&s, &jumin, &as_refs(&fields), &[]).await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("另外还需要"), "all problems at once: {page}");
    assert!(
        page.contains("name=\"purpose\" aria-invalid=\"true\""),
        "purpose marked"
    );
    assert!(page.contains("class=\"field-error\""));
    assert!(page.contains("承诺"), "{page}");
    assert!(
        page.contains("父亲去世，办理房产继承")
            && page.contains("《中华人民共和国公证法》第十一条")
    );
    assert!(
        page.contains(&format!("value=\"{COMMUNITY}\" selected")),
        "household kept"
    );

    let fields = complete_fields(&item, &csrf, &key);
    let files = material_files(&item);
    let mut files: Vec<(&str, &str, &[u8])> = files
        .iter()
        .map(|(f, d)| (f.as_str(), "a.png", *d))
        .collect();
    files[0].2 = EXE;
    let r = post_apply(&s, &jumin, &as_refs(&fields), &files).await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("Windows 可执行程序"),
        "says what the file really is: {page}"
    );
    assert!(page.contains("请重新选择文件"), "{page}");
    assert!(page.contains("13800138000"));
    assert_eq!(applications(&s).await, 0, "nothing stored by refusals");

    // A unit that asks without naming its article.
    let mut fields = complete_fields(&item, &csrf, &key);
    fields.retain(|(k, _)| k != "asking_article");
    let r = post_apply(&s, &jumin, &as_refs(&fields), &[]).await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("请写明单位要求开具证明的法律依据"), "{page}");
    assert_eq!(applications(&s).await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn certificate_pages_csrf_department_clerk_and_other_residents_are_kept_out() {
    let s = TestServer::sqlite().await;
    let jumin = s.web_login("jumin").await;
    let item = household_item(&s).await;
    let app_path = apply_complete(&s, &jumin, &item).await;

    // No CSRF token: refused, nothing changes.
    let shegong = s.web_login("shegong").await;
    let r = post(
        &s,
        &shegong,
        &format!("{app_path}/refuse"),
        &[("reason", "不符合条件")],
    )
    .await;
    assert_eq!(r.status(), 403);
    let r = post(
        &s,
        &jumin,
        &format!("{app_path}/withdraw"),
        &[("csrf", "forged")],
    )
    .await;
    assert_eq!(r.status(), 403);
    let (ct, body) = multipart(&[("item", &item.code)], &[]);
    let r = jumin
        .post(s.url("/certificates/apply"))
        .header("content-type", ct)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(applications(&s).await, 1);
    assert_eq!(s.audit_records("certificate.refuse").await.len(), 0);
    assert_eq!(s.audit_records("certificate.withdraw").await.len(), 0);

    // A department clerk sees none of the community's pages.
    let minzheng = s.web_login("minzheng").await;
    for path in [
        "/certificates".to_string(),
        "/certificates/apply".to_string(),
        app_path.clone(),
        format!("{app_path}/materials/1"),
    ] {
        let (status, page) = get(&s, &minzheng, &path).await;
        assert!(status == 403 || status == 404, "{path}: {status}");
        assert!(!page.contains("王居民"), "{path}");
    }
    let (_, home) = get(&s, &minzheng, "/").await;
    assert!(
        !home.contains("href=\"/certificates\""),
        "no nav link for the clerk"
    );
    // Nor can the clerk apply, or act on the application, even with a valid CSRF token.
    let csrf = hidden_field(&home, "csrf").unwrap();
    let r = post_apply(&s, &minzheng, &[("csrf", &csrf), ("item", &item.code)], &[]).await;
    assert_eq!(r.status(), 403);
    for action in ["verify", "approve", "issue", "withdraw", "reveal-id"] {
        let r = post(
            &s,
            &minzheng,
            &format!("{app_path}/{action}"),
            &[("csrf", &csrf)],
        )
        .await;
        assert!(matches!(r.status().as_u16(), 403 | 404), "{action}");
    }
    assert_eq!(applications(&s).await, 1);

    // Another resident of the same community: not their application.
    s.app
        .create_account_owned(
            &Actor::console(),
            &RequestMeta::console(),
            &jianfu_server::service::accounts::NewAccount {
                username: "jumin2".into(),
                display_name: "钱居民".into(),
                password: crate::helpers::DEMO_PASSWORD.into(),
                roles: vec!["resident".into()],
                org: COMMUNITY.into(),
            },
        )
        .await
        .unwrap();
    let jumin2 = s.web_login("jumin2").await;
    let (status, _) = get(&s, &jumin2, &app_path).await;
    assert_eq!(status, 404);
    let (status, _) = get(&s, &jumin2, &format!("{app_path}/materials/1")).await;
    assert_eq!(status, 404);
    let (status, page) = get(&s, &jumin2, "/certificates").await;
    assert_eq!(status, 200);
    assert!(!page.contains(&app_path) && page.contains("您还没有申请过证明"));
    let (_, page) = get(&s, &jumin2, "/certificates").await;
    let csrf = hidden_field(&page, "csrf").unwrap();
    let r = post(
        &s,
        &jumin2,
        &format!("{app_path}/withdraw"),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(r.status(), 404);

    // The resident withdraws their own; then it can no longer be worked on.
    let (_, page) = get(&s, &jumin, &app_path).await;
    let csrf = hidden_field(&page, "csrf").unwrap();
    let r = post(
        &s,
        &jumin,
        &format!("{app_path}/withdraw"),
        &[("csrf", &csrf), ("confirmed", "yes")],
    )
    .await;
    assert_eq!(r.status(), 303);
    let (_, page) = get(&s, &shegong, &app_path).await;
    assert!(page.contains("已撤回") && !page.contains("核实完毕"));

    // The resident's and the worker's home pages count the applications.
    let (_, home) = get(&s, &jumin, "/").await;
    assert!(home.contains("证明申请·办理中") && home.contains("href=\"/certificates\""));
    let (_, home) = get(&s, &shegong, "/").await;
    assert!(home.contains("证明申请·待核实"));
    // The public verification link is in the navigation even without login.
    let (_, page) = get(&s, &Client::new(), "/verify").await;
    assert!(page.contains("href=\"/verify\""));
}
