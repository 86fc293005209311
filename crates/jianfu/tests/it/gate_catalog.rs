//! The catalogs (清单): seeded once from the shipped data, the version in force chosen by the date,
//! public reading (pages and API, no login), publishing by the district approver only (audited,
//! with a diff), old versions kept, and the Excel round trip with errors that name sheet, row and
//! column.

use crate::helpers::{self, TestServer, hidden_field};
use jianfu_domain::gate::{Catalog, CatalogItem, ItemKind};
use jianfu_server::service::catalog::SHIPPED_CATALOG;
use jianfu_server::service::catalog_xlsx::{
    SheetData, catalog_sheets, export_xlsx, import_xlsx, write_sheets,
};
use jianfu_server::service::{Actor, RequestMeta, ServiceError};
use reqwest::Client;
use serde_json::Value;

const SHIPPED_ID: &str = "daxing-demo-2026.2";

fn shipped() -> Catalog {
    Catalog::from_toml(SHIPPED_CATALOG).expect("shipped catalog parses")
}

/// The shipped catalog changed in three ways: D13 removed, X01 added, A01's notes changed.
fn edited(id: &str, from: &str) -> Catalog {
    let mut c = shipped();
    c.version.id = id.into();
    c.version.title = "大兴区社区工作事项清单（测试新版）".into();
    c.version.document = "测试文件 京兴政办发〔2026〕1号".into();
    c.version.effective_from = from.into();
    c.items.retain(|i| i.code != "D13");
    c.items
        .iter_mut()
        .find(|i| i.code == "A01")
        .expect("A01")
        .notes = "本版补充：入户核查须由街道统一安排。".into();
    c.items.push(CatalogItem {
        code: "X01".into(),
        kind: ItemKind::Duty,
        name: "组织居民开展邻里互助活动".into(),
        legal_basis: vec![jianfu_domain::gate::catalog::LegalBasis {
            law: "jwh-2025".into(),
            article: "第三条".into(),
        }],
        sources: vec![],
        responsible_department: String::new(),
        funding_required: false,
        terms: vec![],
        only_as_responsible: false,
        notes: String::new(),
        aliases: vec![],
        aliases_source: String::new(),
        certificate: None,
        certificate_negative: None,
    });
    c
}

async fn actor_of(server: &TestServer, user: &str) -> Actor {
    let token = server.api_token(user).await;
    server.app.authenticate(&token).await.expect("token").actor
}

async fn audit_actions(app: &jianfu_server::App, action: &str) -> Vec<jianfu_store::AuditRecord> {
    app.store
        .audit_all(10_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.action == action)
        .collect()
}

/// Askama escapes attribute values; undo it to read a hidden field back.
fn unescape(s: &str) -> String {
    s.replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

const BOUNDARY: &str = "----jianfu-catalog-test-7MA4YWxkTrZu0gW";

/// A multipart/form-data body built by hand (the test client has no multipart support).
fn multipart(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> Vec<u8> {
    let mut b = Vec::new();
    for (k, v) in fields {
        b.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    if let Some((name, bytes)) = file {
        b.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        b.extend_from_slice(bytes);
        b.extend_from_slice(b"\r\n");
    }
    b.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    b
}

async fn post_upload(
    server: &TestServer,
    c: &Client,
    fields: &[(&str, &str)],
    file: Option<(&str, &[u8])>,
) -> reqwest::Response {
    c.post(server.url("/catalog/publish"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(multipart(fields, file))
        .send()
        .await
        .unwrap()
}

async fn csrf_of(server: &TestServer, c: &Client, path: &str) -> String {
    let page = c.get(server.url(path)).send().await.unwrap();
    assert_eq!(page.status(), 200, "{path}");
    hidden_field(&page.text().await.unwrap(), "csrf").expect("csrf on page")
}

#[tokio::test]
async fn the_shipped_catalog_is_seeded_once() {
    for db in helpers::backends().await {
        let (app, _clock) = helpers::app(&db, true).await;
        let versions = app.list_catalog_versions().await.unwrap();
        assert_eq!(versions.len(), 1, "{}", db.label);
        assert_eq!(versions[0].id, SHIPPED_ID);
        assert!(!app.ensure_catalog(&RequestMeta::console()).await.unwrap());
        app.load_demo(&RequestMeta::console()).await.unwrap();
        assert_eq!(app.store.list_catalog_versions().await.unwrap().len(), 1);
        let seeds = audit_actions(&app, "catalog.seed").await;
        assert_eq!(seeds.len(), 1, "{}: one audited seed", db.label);
        assert_eq!(seeds[0].object, format!("catalog:{SHIPPED_ID}"));
        // What is stored is exactly the shipped catalog.
        assert_eq!(*app.current_catalog().await.unwrap(), shipped());
    }
}

#[tokio::test]
async fn the_version_in_force_follows_the_beijing_date() {
    for db in helpers::backends().await {
        let server = TestServer::start(db).await;
        let app = &server.app;
        // Today is 2026-11-28; the new version takes effect on 2026-12-01.
        let shenpi = actor_of(&server, "shenpi").await;
        app.publish_catalog_version(
            &shenpi,
            &RequestMeta::console(),
            &edited("v-dec", "2026-12-01"),
        )
        .await
        .unwrap();
        assert_eq!(app.current_catalog().await.unwrap().version.id, SHIPPED_ID);
        let api: Vec<Value> = Client::new()
            .get(server.url("/api/v1/catalog/versions"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let status = |id: &str| {
            api.iter()
                .find(|v| v["id"] == id)
                .map(|v| v["status"].as_str().unwrap().to_string())
        };
        assert_eq!(status("v-dec").as_deref(), Some("future"));
        assert_eq!(status(SHIPPED_ID).as_deref(), Some("current"));

        // 2026-12-01 00:00 in Beijing is 2026-11-30 16:00 UTC: the day turns over at Beijing midnight.
        server.clock.advance(time::Duration::hours(63)); // 2026-12-01 00:00 +8
        assert_eq!(app.today_beijing(), "2026-12-01");
        assert_eq!(app.current_catalog().await.unwrap().version.id, "v-dec");
        // An old request is still explained against the version of its day.
        let then = app
            .catalog_in_force_at("2026-11-28")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(then.version.id, SHIPPED_ID);
        assert!(then.item("D13").is_some());
        assert!(
            app.catalog_in_force_at("2025-12-31")
                .await
                .unwrap()
                .is_none()
        );
        let e = app.catalog_in_force_at("2026-02-30").await.unwrap_err();
        assert_eq!(e.code(), "bad_date");
        // And the old version stays retrievable by id.
        assert_eq!(
            *app.catalog_version(SHIPPED_ID).await.unwrap().unwrap(),
            shipped()
        );
    }
}

#[tokio::test]
async fn the_api_searches_by_text_and_kind_without_a_token() {
    let server = TestServer::sqlite().await;
    let c = Client::new();
    let get = |q: &str| {
        c.get(server.url(&format!("/api/v1/catalog/items{q}")))
            .send()
    };

    let r = get("?q=调解").await.unwrap();
    assert_eq!(r.status(), 200);
    let items: Vec<Value> = r.json().await.unwrap();
    let d07 = items
        .iter()
        .find(|i| i["code"] == "D07")
        .expect("D07 found");
    assert_eq!(d07["kind"], "duty");
    let bases: Vec<&str> = d07["legal_basis"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_str().unwrap())
        .collect();
    // Cited in the version in force on 2026-01-01: Beijing's implementing measures, not the
    // 组织法's pre-2025 numbering.
    assert!(
        bases.iter().any(|b| b
            .starts_with("《北京市实施〈中华人民共和国城市居民委员会组织法〉办法》")
            && b.ends_with("第五条")),
        "{bases:?}"
    );
    assert!(
        bases.iter().all(|b| !b.contains("2025年修订前条文编号")),
        "{bases:?}"
    );
    assert!(items.iter().all(|i| {
        let s = i.to_string();
        s.contains("调解")
    }));

    let negative: Vec<Value> = get("?kind=negative").await.unwrap().json().await.unwrap();
    assert_eq!(negative.len(), 6);
    assert!(negative.iter().all(|i| i["kind"] == "negative"));
    assert_eq!(
        negative[0]["sources"][0]["issuer"],
        "北京市大兴区人民政府办公室"
    );

    let both: Vec<Value> = get("?kind=negative&q=招商")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        both.iter()
            .map(|i| i["code"].as_str().unwrap())
            .collect::<Vec<_>>(),
        vec!["N01"]
    );

    let r = get("?kind=bogus").await.unwrap();
    assert_eq!(r.status(), 422);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["code"], "unknown_kind");
    assert!(v["message"].as_str().unwrap().contains("未知的清单类别"));

    let r = get("?version=no-such-version").await.unwrap();
    assert_eq!(r.status(), 404);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["code"], "unknown_version");

    let r = get(&format!("?version={SHIPPED_ID}&q=调解民间纠纷"))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Vec<Value> = r.json().await.unwrap();
    assert_eq!(v.len(), 1);

    // The endpoints are in the OpenAPI document under the catalog tag.
    let doc: Value = c
        .get(server.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        doc["paths"]["/api/v1/catalog/items"]["get"]["tags"][0],
        "catalog"
    );
}

#[tokio::test]
async fn only_the_district_approver_publishes_and_it_is_audited() {
    for db in helpers::backends().await {
        let server = TestServer::start(db).await;
        let label = server.db.label;

        // Service level: a department clerk may not publish.
        let minzheng = actor_of(&server, "minzheng").await;
        let e = server
            .app
            .publish_catalog_version(
                &minzheng,
                &RequestMeta::console(),
                &edited("v-x", "2026-11-01"),
            )
            .await
            .unwrap_err();
        assert!(matches!(e, ServiceError::Forbidden), "{label}: {e:?}");

        // Pages: the clerk gets 403 on the form and on the upload.
        let clerk = server.web_login("minzheng").await;
        let r = clerk
            .get(server.url("/catalog/publish"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{label}");
        let xlsx = export_xlsx(&edited("v-web", "2026-11-01")).unwrap();
        let r = post_upload(&server, &clerk, &[("csrf", "x")], Some(("a.xlsx", &xlsx))).await;
        assert_eq!(r.status(), 403, "{label}");

        // The approver: upload → preview with the diff → confirm.
        let shenpi = server.web_login("shenpi").await;
        let csrf = csrf_of(&server, &shenpi, "/catalog/publish").await;
        let r = post_upload(
            &server,
            &shenpi,
            &[("csrf", &csrf), ("effective_from", "2026-11-01")],
            Some(("新清单.xlsx", &xlsx)),
        )
        .await;
        assert_eq!(r.status(), 200, "{label}");
        let html = r.text().await.unwrap();
        assert!(html.contains("确认发布"), "{label}");
        assert!(html.contains("新增事项（1）"), "{label}");
        assert!(html.contains("删除事项（1）"), "{label}");
        assert!(html.contains("修改事项（1）"), "{label}");
        assert!(html.contains("X01") && html.contains("D13"));
        // Nothing is stored before the confirmation.
        assert!(server.app.catalog_version("v-web").await.unwrap().is_none());

        let catalog = unescape(&hidden_field(&html, "catalog").expect("carried catalog"));
        let r = shenpi
            .post(server.url("/catalog/publish/confirm"))
            .form(&[("csrf", csrf.as_str()), ("catalog", catalog.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{label}");
        assert_eq!(
            r.headers()["location"].to_str().unwrap(),
            "/catalog/versions?published=v-web"
        );
        assert_eq!(
            server.app.current_catalog().await.unwrap().version.id,
            "v-web",
            "{label}"
        );

        let audits = audit_actions(&server.app, "catalog.publish").await;
        assert_eq!(audits.len(), 1, "{label}");
        let a = &audits[0];
        assert_eq!(a.actor.as_deref(), Some("shenpi"));
        assert_eq!(a.object, "catalog:v-web");
        let detail: Value = serde_json::from_str(&a.detail).unwrap();
        assert_eq!(detail["against"], SHIPPED_ID);
        assert_eq!(
            (&detail["added"], &detail["removed"], &detail["changed"]),
            (&Value::from(1), &Value::from(1), &Value::from(1))
        );

        // Publishing the same id again is refused with its own code, and the typed form is kept.
        let r = shenpi
            .post(server.url("/catalog/publish/confirm"))
            .form(&[("csrf", csrf.as_str()), ("catalog", catalog.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        let html = r.text().await.unwrap();
        assert!(html.contains("已被使用"), "{label}");
        assert!(html.contains("value=\"v-web\""));
        assert_eq!(audit_actions(&server.app, "catalog.publish").await.len(), 1);

        // The old version is still there, whole, by id; the removed item is in it.
        let anon = Client::new();
        let r = anon
            .get(server.url("/catalog/items/D13"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "D13 is not in the current version");
        let r = anon
            .get(server.url(&format!("/catalog/items/D13?version={SHIPPED_ID}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert!(r.text().await.unwrap().contains("非现行版本"));
    }
}

#[tokio::test]
async fn the_diff_lists_added_removed_and_changed_items() {
    let old = shipped();
    let new = edited("v2", "2026-11-01");
    let d = jianfu_server::service::catalog::CatalogDiff::between(&old, &new);
    assert_eq!(
        d.added.iter().map(|i| i.code.as_str()).collect::<Vec<_>>(),
        vec!["X01"]
    );
    assert_eq!(
        d.removed
            .iter()
            .map(|i| i.code.as_str())
            .collect::<Vec<_>>(),
        vec!["D13"]
    );
    assert_eq!(d.changed.len(), 1);
    assert_eq!(d.changed[0].new.code, "A01");
    assert_eq!(d.changed[0].fields, vec!["备注"]);

    // The page shows the same, publicly.
    let server = TestServer::sqlite().await;
    let shenpi = actor_of(&server, "shenpi").await;
    server
        .app
        .publish_catalog_version(&shenpi, &RequestMeta::console(), &new)
        .await
        .unwrap();
    let html = Client::new()
        .get(server.url(&format!("/catalog/versions/v2/diff?against={SHIPPED_ID}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for needle in [
        "新增事项（1）",
        "删除事项（1）",
        "修改事项（1）",
        "X01",
        "D13",
        "<span class=\"tag\">备注</span>",
        "本版补充：入户核查须由街道统一安排。",
    ] {
        assert!(html.contains(needle), "diff page lacks {needle}");
    }
    // Without `against`, the version before it.
    let html = Client::new()
        .get(server.url("/catalog/versions/v2/diff"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("新增事项（1）"));
    let versions = Client::new()
        .get(server.url("/catalog/versions"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(versions.contains("/catalog/versions/v2/diff?against=daxing-demo-2026.2"));
    assert!(versions.contains("现行") && versions.contains("已停止使用"));
}

#[tokio::test]
async fn xlsx_export_then_import_gives_back_the_same_catalog() {
    let server = TestServer::sqlite().await;
    let r = Client::new()
        .get(server.url("/catalog/export.xlsx"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("catalog-daxing-demo-2026.2.xlsx")
    );
    let bytes = r.bytes().await.unwrap();
    let back = import_xlsx(&bytes).expect("import");
    assert_eq!(back, *server.app.current_catalog().await.unwrap());

    // Also with sources that have a web address and dates on laws.
    let mut c = edited("v-rt", "2027-01-01");
    c.version.effective_to = "2027-12-31".into();
    c.items[0].sources[0].url = "https://example.gov.cn/list".into();
    c.items[0].sources[0].number = "皖民基字〔2019〕1号".into();
    assert_eq!(import_xlsx(&export_xlsx(&c).unwrap()).unwrap(), c);
}

/// The shipped catalog's sheets with one change.
fn sheets_with(change: impl FnOnce(&mut Vec<SheetData>)) -> Vec<u8> {
    let mut sheets = catalog_sheets(&shipped());
    change(&mut sheets);
    write_sheets(&sheets).unwrap()
}

fn items_sheet(s: &mut [SheetData]) -> &mut SheetData {
    s.iter_mut().find(|s| s.name == "事项").unwrap()
}

#[tokio::test]
async fn bad_workbooks_get_chinese_errors_naming_sheet_row_and_column() {
    let check = |bytes: &[u8], code: &str, needle: &str| {
        let e = import_xlsx(bytes).expect_err(needle);
        assert_eq!(e.code(), code, "{}", e.message());
        assert!(
            e.message().contains(needle),
            "message {:?} lacks {needle:?}",
            e.message()
        );
    };
    // Row 3 of 事项 is the second item (D02); column B is 类别.
    let bytes = sheets_with(|s| items_sheet(s).rows[2][1] = "duties".into());
    check(
        &bytes,
        "unknown_kind",
        "工作表“事项”第 3 行 B 列（类别）：未知的类别“duties”",
    );

    let bytes = sheets_with(|s| items_sheet(s).rows[4][0] = "D01".into());
    check(
        &bytes,
        "duplicate_code",
        "工作表“事项”第 5 行 A 列（编码）：编码“D01”与第 2 行重复",
    );

    let bytes = sheets_with(|s| items_sheet(s).rows[2][3] = "no-such-law:第一条".into());
    check(
        &bytes,
        "unknown_law",
        "工作表“事项”第 3 行 D 列（法律依据）：法律代号“no-such-law”未在",
    );

    let bytes = sheets_with(|s| items_sheet(s).rows[2][6] = "也许".into());
    check(
        &bytes,
        "xlsx_bad_cell",
        "第 3 行 G 列（须配经费）：应填“是”或“否”",
    );

    let bytes = sheets_with(|s| s.retain(|s| s.name != "法律"));
    check(&bytes, "xlsx_missing_sheet", "没有名为“法律”的工作表");

    let bytes = sheets_with(|s| {
        items_sheet(s).rows[0][3] = "依据".into();
    });
    check(
        &bytes,
        "xlsx_missing_column",
        "工作表“事项”缺少“法律依据”列",
    );

    check(b"%PDF-1.7 not a workbook", "not_xlsx", "不是 Excel 工作簿");
    check(
        b"PK\x03\x04 but a broken archive",
        "not_xlsx",
        "无法作为 Excel 工作簿",
    );
    let big = vec![0u8; 5 * 1024 * 1024 + 1];
    check(&big, "file_too_large", "不能超过 5 MB");

    // The certificate sheet: row 2 is the first certificate item (C01).
    let cert_sheet = |s: &mut Vec<SheetData>| -> usize {
        s.iter()
            .position(|s| s.name == "证明事项")
            .expect("certificate sheet")
    };
    let bytes = sheets_with(|s| {
        let i = cert_sheet(s);
        s[i].rows[1][8] = "五天".into();
    });
    check(
        &bytes,
        "xlsx_bad_cell",
        "工作表“证明事项”第 2 行 I 列（办理时限（工作日））：办理时限应填工作日天数",
    );
    let bytes = sheets_with(|s| {
        let i = cert_sheet(s);
        s[i].rows[1][7] = "身份证".into();
    });
    check(&bytes, "xlsx_bad_cell", "应写成“代号|名称|必交”");
    let bytes = sheets_with(|s| {
        let i = cert_sheet(s);
        s[i].rows[1][0] = "ZZ9".into();
    });
    check(&bytes, "xlsx_bad_cell", "编码“ZZ9”不在“事项”工作表中");
    let bytes = sheets_with(|s| {
        let i = cert_sheet(s);
        s[i].rows[1][8] = "45".into();
    });
    check(&bytes, "invalid_catalog", "办理时限应为 1 至 30 个工作日");
    // Without the sheet the certificate items lack their content.
    let bytes = sheets_with(|s| s.retain(|s| s.name != "证明事项"));
    check(
        &bytes,
        "invalid_catalog",
        "证明事项“C01”有误：缺少证明事项的内容",
    );
}

fn find<'a>(items: &'a [Value], code: &str) -> &'a Value {
    items
        .iter()
        .find(|i| i["code"] == code)
        .unwrap_or_else(|| panic!("{code} listed"))
}

fn strings(v: &Value) -> Vec<&str> {
    v.as_array()
        .unwrap_or_else(|| panic!("array: {v}"))
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn the_certificate_lists_come_through_the_api_with_their_fields() {
    let server = TestServer::sqlite().await;
    let c = Client::new();
    let get = |q: &str| {
        let url = server.url(&format!("/api/v1/catalog/items{q}"));
        let c = c.clone();
        async move { helpers::json_ok(c.get(url).send().await.unwrap(), 200).await }
    };

    let retained = get("?kind=certificate").await;
    let retained = retained.as_array().unwrap();
    assert_eq!(
        retained
            .iter()
            .map(|i| i["code"].as_str().unwrap())
            .collect::<Vec<_>>(),
        // Only what a law, regulation or rule article makes the community's: Beijing's C02 and
        // C03 were kinship certificates and are names of CN01 now (issue 8 §5).
        ["C01", "C04", "C05"]
    );
    let c05 = find(retained, "C05");
    assert_eq!(c05["kind_label"], "社区出具证明事项");
    let cert = &c05["certificate"];
    assert_eq!(cert["time_limit_working_days"], 5);
    assert_eq!(cert["requires_household"], true);
    assert_eq!(cert["exception_to"], "CN01");
    assert_eq!(strings(&cert["exception_purposes"]), ["公证"]);
    assert!(
        cert["requesting_units"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["name"] == "公证机构")
    );
    let id_card = cert["materials"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["key"] == "id_card")
        .expect("id_card material");
    assert_eq!(id_card["required"], true);
    assert!(strings(&cert["placeholders"]).contains(&"申请人"));
    assert!(cert["template"].as_str().unwrap().contains("{申请人}"));
    assert!(c05["certificate_negative"].is_null());
    let bases = strings(&c05["legal_basis"]);
    assert!(
        bases
            .iter()
            .any(|b| b.starts_with("《中华人民共和国公证法》") && b.ends_with("第十一条")),
        "{bases:?}"
    );
    // A Beijing item rests on the Beijing regulation that names the residents' committee.
    let c01 = strings(&find(retained, "C01")["legal_basis"]);
    assert!(
        c01.iter()
            .any(|b| b.contains("农民专业合作社法") && b.ends_with("第十条第二款")),
        "{c01:?}"
    );

    let negative = get("?kind=certificate_negative").await;
    let negative = negative.as_array().unwrap();
    assert_eq!(negative.len(), 20);
    for n in negative {
        let spec = &n["certificate_negative"];
        assert!(
            !spec["issued_by_instead"].as_str().unwrap().is_empty(),
            "{n}"
        );
        assert!(!spec["resident_path"].as_str().unwrap().is_empty(), "{n}");
        assert!(n["certificate"].is_null());
        assert!(!n["terms"].as_array().unwrap().is_empty());
    }
    assert_eq!(
        strings(&find(negative, "CN08")["certificate_negative"]["sub_items"]),
        ["婚姻关系证明", "分居证明"]
    );
    assert!(
        find(negative, "CN05")["certificate_negative"]["resident_path"]
            .as_str()
            .unwrap()
            .contains("公安派出所")
    );

    // A sub-item is found by search; work items carry no certificate fields.
    let found = get("?q=收入证明").await;
    assert_eq!(
        found
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["code"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["CN17"]
    );
    let duty = get("?q=D07").await;
    assert!(duty[0]["certificate"].is_null() && duty[0]["certificate_negative"].is_null());

    // The new fields are documented in the OpenAPI document.
    let doc: Value = c
        .get(server.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let schemas = &doc["components"]["schemas"];
    for name in ["CertificateOut", "NegativeCertificateOut", "MaterialOut"] {
        assert!(schemas[name].is_object(), "{name} in the OpenAPI document");
    }
    let field = schemas["ItemOut"]["properties"]["certificate_negative"].to_string();
    assert!(field.contains("应由哪个单位出具"), "{field}");
}

#[tokio::test]
async fn the_certificate_lists_are_readable_on_the_public_pages() {
    let server = TestServer::sqlite().await;
    let anon = Client::new();
    let page = |p: &str| {
        let url = server.url(p);
        let c = anon.clone();
        async move {
            let r = c.get(url).send().await.unwrap();
            assert_eq!(r.status(), 200);
            r.text().await.unwrap()
        }
    };

    let html = page("/catalog").await;
    for tab in ["社区出具证明事项", "不应由社区出具的证明"] {
        assert!(html.contains(tab), "tab {tab}");
    }

    let html = page("/catalog?kind=certificate").await;
    for text in [
        "有土地承包经营权的身份证明",
        "要求开具单位",
        "不动产登记机构",
        "须本社区户籍",
        "办理时限：5 个工作日",
        "当事人居民身份证",
        "第十条第二款",
        "仅限公证",
    ] {
        assert!(html.contains(text), "certificate list shows {text}");
    }
    assert!(!html.contains(">CN01<"));

    let html = page("/catalog?kind=certificate_negative").await;
    for text in [
        "应由谁出具",
        "您可以这样办",
        "无犯罪记录证明",
        "户籍地或居住地公安派出所",
        "包括：婚姻关系证明、分居证明",
        "用于公证时，可以向户籍所在社区申请",
    ] {
        assert!(html.contains(text), "negative list shows {text}");
    }

    let html = page("/catalog/items/C05").await;
    for text in [
        "证明式样",
        "{申请人}",
        "内容及用途",
        "司法行政部门、公证机构",
        "5 个工作日",
        "户籍（或原户籍）须在本社区",
        "《中华人民共和国公证法》",
        "仅限用于公证",
    ] {
        assert!(html.contains(text), "C05 page shows {text}");
    }
    let html = page("/catalog/items/CN05").await;
    for text in [
        "这项证明不由社区出具",
        "应由谁出具",
        "公安机关（户籍地或居住地公安派出所）",
        "无犯罪记录",
    ] {
        assert!(html.contains(text), "CN05 page shows {text}");
    }
    let html = page("/catalog/items/CN01").await;
    assert!(
        html.contains("/catalog/items/C05"),
        "the exception is linked"
    );
}

#[tokio::test]
async fn a_refused_upload_keeps_what_was_typed() {
    let server = TestServer::sqlite().await;
    let shenpi = server.web_login("shenpi").await;
    let csrf = csrf_of(&server, &shenpi, "/catalog/publish").await;
    let fields = [
        ("csrf", csrf.as_str()),
        ("id", "daxing-2027.1"),
        ("title", "大兴区社区工作事项清单（2027年版）"),
        ("document", "京兴政办发〔2026〕9号"),
        ("effective_from", "2027-01-01"),
    ];

    // Not a workbook.
    let r = post_upload(&server, &shenpi, &fields, Some(("清单.pdf", b"%PDF-1.7"))).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("不是 Excel 工作簿"));
    assert!(html.contains("value=\"大兴区社区工作事项清单（2027年版）\""));
    assert!(html.contains("value=\"京兴政办发〔2026〕9号\""));
    assert!(html.contains("value=\"2027-01-01\""));

    // A bad cell: the message names the place, and the typed fields stay.
    let bytes = sheets_with(|s| items_sheet(s).rows[2][1] = "duties".into());
    let r = post_upload(&server, &shenpi, &fields, Some(("清单.xlsx", &bytes))).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("第 3 行 B 列"));
    assert!(html.contains("value=\"daxing-2027.1\""));

    // No file at all.
    let r = post_upload(&server, &shenpi, &fields, None).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("请选择要上传的清单文件"));

    // A good file with a bad date: refused, the file need not be uploaded again.
    let good = export_xlsx(&shipped()).unwrap();
    let mut bad_date = fields;
    bad_date[4] = ("effective_from", "2027-02-30");
    let r = post_upload(&server, &shenpi, &bad_date, Some(("清单.xlsx", &good))).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("生效日期“2027-02-30”有误"));
    assert!(html.contains("已读取上次上传的文件"));
    let parsed = unescape(&hidden_field(&html, "parsed").unwrap());
    let mut again = fields.to_vec();
    again.push(("parsed", parsed.as_str()));
    let r = post_upload(&server, &shenpi, &again, None).await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("确认发布"));

    // Without the CSRF token the upload is refused.
    let r = post_upload(&server, &shenpi, &fields[1..], Some(("清单.xlsx", &good))).await;
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn the_catalog_pages_are_public_and_say_the_data_is_demo_data() {
    let server = TestServer::sqlite().await;
    let anon = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let get = |p: &str| anon.get(server.url(p)).send();

    let r = get("/catalog").await.unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("本清单为演示数据"), "the notice is shown");
    for kind in [
        "依法履行职责事项",
        "依法协助政府工作事项",
        "取消和禁入事项",
        "部门职责事项",
    ] {
        assert!(html.contains(kind), "tab {kind}");
    }
    assert!(html.contains("D07") && html.contains("N01"));
    // Legal bases in words with the law's version; sources with their 文号.
    assert!(html.contains("《中华人民共和国人民调解法》（2010年通过，2011年1月1日施行）第八条"));
    assert!(html.contains("2016年11月21日印发"));

    let html = get("/catalog?kind=negative")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("N01") && !html.contains(">D07<"));
    let html = get("/catalog?q=调解").await.unwrap().text().await.unwrap();
    assert!(html.contains("D07") && !html.contains(">N01<"));
    let r = get("/catalog?kind=bogus").await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("未知的清单类别"));

    let r = get("/catalog/items/D07").await.unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("调解民间纠纷"));
    assert!(html.contains("演示"));
    assert!(html.contains("该版本 2011-01-01 起施行"));

    assert_eq!(get("/catalog/items/NOPE").await.unwrap().status(), 404);
    assert_eq!(get("/catalog?version=no-such").await.unwrap().status(), 404);
    assert_eq!(get("/catalog/versions").await.unwrap().status(), 200);
    // The publish form is not public.
    let r = get("/catalog/publish").await.unwrap();
    assert_eq!(r.status(), 303);
}
