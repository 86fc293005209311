//! The mandate register (上级文件登记): storage on both backends, registering, correcting and
//! ending documents (district approver only, audited), one 文号 whatever its brackets, public
//! reading (pages and API), the register the gate reads, and the Excel round trip with errors
//! that name sheet, row and column.

use crate::helpers::{self, TestServer, expect_code, hidden_field, json_ok};
use jianfu_domain::gate::mandate::MandateLookup;
use jianfu_domain::gate::{BurdenKind, MandateDoc, MandateLevel};
use jianfu_server::service::catalog_xlsx::{SheetData, write_sheets};
use jianfu_server::service::mandates::{MandateFilter, MandateInput};
use jianfu_server::service::mandates_xlsx::{
    COLUMNS, SHEET, doc_row, export_xlsx, import_xlsx, mandate_sheet,
};
use jianfu_server::service::{Actor, RequestMeta, ServiceError};
use jianfu_store::{AuditDraft, MandateRow, StoreError};
use reqwest::Client;
use serde_json::{Value, json};

const BOUNDARY: &str = "----jianfu-mandates-boundary";

fn input() -> MandateInput {
    MandateInput {
        number: "中办发〔2010〕33号".into(),
        issuer: "中共中央办公厅、国务院办公厅".into(),
        title: "关于开展社区示范创建活动的测试文件".into(),
        issued_on: "2010-06-01".into(),
        level: "central".into(),
        requires: vec!["creation".into(), "业务台账".into()],
        valid_from: "2010-06-01".into(),
        valid_to: String::new(),
        summary: "测试用：要求开展示范创建活动并建立业务台账".into(),
    }
}

async fn audits(app: &jianfu_server::App, action: &str) -> Vec<jianfu_store::AuditRecord> {
    app.store
        .audit_all(100_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.action == action)
        .collect()
}

fn draft(action: &str, at: i64) -> AuditDraft {
    AuditDraft {
        chain: "system".into(),
        id: uuid::Uuid::now_v7().to_string(),
        at,
        actor: Some("console".into()),
        actor_role: Some("console".into()),
        action: action.into(),
        object: "mandate:test".into(),
        result: "success".into(),
        client_addr: None,
        request_id: None,
        detail: "{}".into(),
    }
}

fn rejected_code(e: ServiceError) -> &'static str {
    match e {
        ServiceError::Rejected { code, .. } => code,
        other => panic!("expected a refusal with a code, got {other:?}"),
    }
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test]
async fn store_contract_on_both_backends() {
    for db in helpers::backends().await {
        let label = db.label;
        let (app, _clock) = helpers::app(&db, false).await;
        let store = &app.store;
        let row = MandateRow {
            id: uuid::Uuid::now_v7().to_string(),
            number_key: "中办发〔2010〕33号".into(),
            number: "中办发[2010]33号".into(),
            issuer: "中共中央办公厅".into(),
            title: "测试".into(),
            issued_on: "2010-06-01".into(),
            level: "central".into(),
            requires: r#"["creation"]"#.into(),
            valid_from: "2010-06-01".into(),
            valid_to: String::new(),
            summary: String::new(),
            end_note: String::new(),
            created_at: 1000,
            created_by: "console".into(),
            updated_at: 1000,
            updated_by: "console".into(),
        };
        let before = store.audit_head().await.unwrap().0;
        store
            .insert_mandate(&row, draft("mandate.register", 1000))
            .await
            .unwrap();
        assert_eq!(store.audit_head().await.unwrap().0, before + 1, "{label}");

        // The same normalised 文号 again is a conflict, and nothing is audited.
        let mut dup = row.clone();
        dup.id = uuid::Uuid::now_v7().to_string();
        let e = store
            .insert_mandate(&dup, draft("mandate.register", 1001))
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Conflict(_)), "{label}: {e:?}");
        assert_eq!(store.audit_head().await.unwrap().0, before + 1, "{label}");

        // Compare-and-set on updated_at.
        let mut changed = row.clone();
        changed.title = "更正后的标题".into();
        changed.updated_at = 2000;
        assert!(
            !store
                .update_mandate(&changed, 999, draft("mandate.update", 2000))
                .await
                .unwrap(),
            "{label}: stale update refused"
        );
        assert_eq!(store.audit_head().await.unwrap().0, before + 1, "{label}");
        assert!(
            store
                .update_mandate(&changed, 1000, draft("mandate.update", 2000))
                .await
                .unwrap(),
            "{label}"
        );
        assert_eq!(store.audit_head().await.unwrap().0, before + 2, "{label}");

        let got = store
            .mandate_by_key("中办发〔2010〕33号")
            .await
            .unwrap()
            .expect("stored");
        assert_eq!(got, changed, "{label}");
        assert_eq!(
            store.list_mandates().await.unwrap(),
            vec![changed],
            "{label}"
        );
        assert!(store.mandate_by_key("nope").await.unwrap().is_none());
    }
}

#[tokio::test]
async fn register_correct_and_end_through_the_service_on_both_backends() {
    for db in helpers::backends().await {
        let label = db.label;
        let (app, clock) = helpers::app(&db, true).await;
        let meta = RequestMeta::console();
        let approver = Actor {
            user_id: Some("x".into()),
            username: Some("shenpi".into()),
            display_name: "审批".into(),
            roles: vec![jianfu_domain::Role::DistrictApprover],
            org: None,
        };
        let clerk = Actor {
            roles: vec![jianfu_domain::Role::DepartmentClerk],
            username: Some("minzheng".into()),
            ..approver.clone()
        };

        // A department clerk cannot register.
        assert!(matches!(
            app.register_mandate(&clerk, &meta, &input()).await,
            Err(ServiceError::Forbidden)
        ));

        let e = app
            .register_mandate(&approver, &meta, &input())
            .await
            .unwrap();
        assert_eq!(
            e.doc.requires,
            vec![BurdenKind::Ledger, BurdenKind::Creation],
            "{label}"
        );

        // The same document in another spelling is refused.
        let mut other = input();
        other.number = "中办发[2010]33号".into();
        other.title = "另一个标题".into();
        let code = rejected_code(
            app.register_mandate(&approver, &meta, &other)
                .await
                .unwrap_err(),
        );
        assert_eq!(code, "duplicate_mandate", "{label}");

        // The gate's view: in force today and covering what it requires.
        let reg = app.mandates_in_force("2026-11-28").await.unwrap();
        assert!(matches!(
            reg.lookup("中办发（2010）33号", BurdenKind::Creation),
            MandateLookup::Covers(_)
        ));
        assert!(matches!(
            reg.lookup("中办发〔2010〕33号", BurdenKind::Staff),
            MandateLookup::DoesNotCover(_)
        ));
        assert_eq!(
            rejected_code(app.mandates_in_force("2026/11/28").await.unwrap_err()),
            "bad_date"
        );

        // Correction: the old title stays in the audit trail.
        clock.advance(time::Duration::minutes(1));
        let mut fix = input();
        fix.title = "关于开展社区示范创建活动的测试文件（更正）".into();
        let stale = rejected_code(
            app.update_mandate(&approver, &meta, "中办发〔2010〕33号", &fix, Some(1))
                .await
                .unwrap_err(),
        );
        assert_eq!(stale, "stale_mandate");
        let fixed = app
            .update_mandate(
                &approver,
                &meta,
                "中办发[2010]33号",
                &fix,
                Some(e.updated_at),
            )
            .await
            .unwrap();
        assert!(fixed.doc.title.ends_with("（更正）"));
        let upd = audits(&app, "mandate.update").await;
        assert_eq!(upd.len(), 1, "{label}");
        let detail: Value = serde_json::from_str(&upd[0].detail).unwrap();
        assert_eq!(
            detail["before"]["title"],
            "关于开展社区示范创建活动的测试文件"
        );
        assert_eq!(detail["after"]["title"], fix.title.as_str());

        // Ending: kept, no longer in force after the day.
        let ended = app
            .end_mandate(
                &approver,
                &meta,
                "中办发〔2010〕33号",
                "2026-11-30",
                "测试废止",
            )
            .await
            .unwrap();
        assert_eq!(ended.doc.valid_to, "2026-11-30");
        assert_eq!(ended.end_note, "测试废止");
        assert!(
            app.mandates_in_force("2026-11-30")
                .await
                .unwrap()
                .find("中办发〔2010〕33号")
                .is_some()
        );
        assert!(
            app.mandates_in_force("2026-12-01")
                .await
                .unwrap()
                .find("中办发〔2010〕33号")
                .is_none()
        );
        assert_eq!(
            rejected_code(
                app.end_mandate(&approver, &meta, "中办发〔2010〕33号", "2026-12-31", "")
                    .await
                    .unwrap_err()
            ),
            "already_ended"
        );
        assert_eq!(
            rejected_code(
                app.end_mandate(&approver, &meta, "中办发〔2010〕33号", "2009-01-01", "")
                    .await
                    .unwrap_err()
            ),
            "period_reversed"
        );
        assert!(matches!(
            app.end_mandate(&approver, &meta, "国办发〔2099〕1号", "", "")
                .await,
            Err(ServiceError::NotFound(_))
        ));

        assert_eq!(
            audits(&app, "mandate.register").await.len(),
            4,
            "{label}: 3 demo + 1"
        );
        assert_eq!(audits(&app, "mandate.end").await.len(), 1, "{label}");
        let all = app.list_mandates(&MandateFilter::default()).await.unwrap();
        assert_eq!(all.len(), 4, "{label}: never deleted");
    }
}

#[tokio::test]
async fn the_demo_register_lets_the_gate_show_creation_and_ledger_mandates() {
    let db = helpers::sqlite_db();
    let (app, _) = helpers::app(&db, true).await;
    let reg = app.mandates_in_force(&app.today_beijing()).await.unwrap();
    assert!(matches!(
        reg.lookup("京演示〔2026〕1号", BurdenKind::Creation),
        MandateLookup::Covers(_)
    ));
    assert!(matches!(
        reg.lookup("厅字[2022]28号", BurdenKind::Ledger),
        MandateLookup::Covers(_)
    ));
    assert!(matches!(
        reg.lookup("厅字〔2022〕28号", BurdenKind::Institution),
        MandateLookup::Covers(_)
    ));
    // The ended demo document no longer counts.
    assert_eq!(
        reg.lookup("京演示〔2019〕2号", BurdenKind::Staff),
        MandateLookup::NotRegistered
    );
    for d in app.list_mandates(&MandateFilter::default()).await.unwrap() {
        assert!(d.doc.summary.contains("演示"), "{}", d.doc.number);
    }
    // Loading the demo again registers nothing twice.
    app.load_demo(&RequestMeta::console()).await.unwrap();
    assert_eq!(audits(&app, "mandate.register").await.len(), 3);
}

#[tokio::test]
async fn the_api_reads_publicly_and_writes_for_the_approver_only() {
    let server = TestServer::sqlite().await;
    let anon = Client::new();

    let list = json_ok(
        anon.get(server.url("/api/v1/mandates"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(list.as_array().unwrap().len(), 3, "{list}");
    let central = json_ok(
        anon.get(server.url("/api/v1/mandates?level=central&q=村级"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(central.as_array().unwrap().len(), 1);
    assert_eq!(central[0]["number"], "厅字〔2022〕28号");
    assert_eq!(central[0]["status"], "in_force");
    let ended = json_ok(
        anon.get(server.url("/api/v1/mandates?status=ended"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(ended[0]["number"], "京演示〔2019〕2号");
    expect_code(
        anon.get(server.url("/api/v1/mandates?level=province"))
            .send()
            .await
            .unwrap(),
        422,
        "unknown_level",
    )
    .await;

    // Found under any bracket spelling, URL-encoded.
    let one = json_ok(
        anon.get(server.url(&format!("/api/v1/mandates/{}", enc("厅字[2022]28号"))))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(one["number_key"], "厅字〔2022〕28号");
    assert_eq!(one["requires"][0]["kind"], "ledger");
    expect_code(
        anon.get(server.url(&format!("/api/v1/mandates/{}", enc("国办发〔2099〕1号"))))
            .send()
            .await
            .unwrap(),
        404,
        "unknown_mandate",
    )
    .await;

    let body = json!({
        "number": "中办发〔2010〕33号",
        "issuer": "中共中央办公厅、国务院办公厅",
        "title": "测试文件",
        "issued_on": "2010-06-01",
        "level": "中央",
        "requires": ["creation"],
        "valid_from": "2010-06-01",
    });
    // No token; a department clerk's token.
    expect_code(
        anon.post(server.url("/api/v1/mandates"))
            .json(&body)
            .send()
            .await
            .unwrap(),
        401,
        "unauthenticated",
    )
    .await;
    let clerk = server.api_token("minzheng").await;
    expect_code(
        anon.post(server.url("/api/v1/mandates"))
            .bearer_auth(&clerk)
            .json(&body)
            .send()
            .await
            .unwrap(),
        403,
        "forbidden",
    )
    .await;

    let approver = server.api_token("shenpi").await;
    let post = |b: Value| {
        anon.post(server.url("/api/v1/mandates"))
            .bearer_auth(&approver)
            .json(&b)
            .send()
    };
    let created = json_ok(post(body.clone()).await.unwrap(), 201).await;
    assert_eq!(created["level"], "central");
    assert_eq!(created["status"], "in_force");

    let mut dup = body.clone();
    dup["number"] = json!("中办发[2010]33号");
    expect_code(post(dup).await.unwrap(), 422, "duplicate_mandate").await;
    for (field, value, code) in [
        ("requires", json!([]), "no_burden_kinds"),
        ("requires", json!(["招商引资"]), "unknown_burden_kind"),
        ("level", json!("区级"), "unknown_level"),
        ("issued_on", json!("2010/6/1"), "bad_date"),
        ("issued_on", json!("2099-01-01"), "bad_date"),
        ("valid_to", json!("2009-12-31"), "period_reversed"),
        ("title", json!("  "), "invalid_mandate_doc"),
    ] {
        let mut b = body.clone();
        b["number"] = json!("国办发〔2011〕1号");
        b[field] = value;
        expect_code(post(b).await.unwrap(), 422, code).await;
    }

    let end_url = server.url(&format!(
        "/api/v1/mandates/{}/end",
        enc("中办发（2010）33号")
    ));
    expect_code(
        anon.post(&end_url)
            .bearer_auth(&clerk)
            .json(&json!({}))
            .send()
            .await
            .unwrap(),
        403,
        "forbidden",
    )
    .await;
    let ended = json_ok(
        anon.post(&end_url)
            .bearer_auth(&approver)
            .json(&json!({"valid_to": "2026-11-27", "note": "测试废止"}))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(ended["status"], "ended");
    assert_eq!(ended["end_note"], "测试废止");
    expect_code(
        anon.post(&end_url)
            .bearer_auth(&approver)
            .json(&json!({}))
            .send()
            .await
            .unwrap(),
        422,
        "already_ended",
    )
    .await;

    // In the OpenAPI document.
    let doc = json_ok(
        anon.get(server.url("/api/v1/openapi.json"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    for p in [
        "/api/v1/mandates",
        "/api/v1/mandates/{number}",
        "/api/v1/mandates/{number}/end",
    ] {
        assert!(doc["paths"][p].is_object(), "{p} in openapi");
    }

    let reg = audits(&server.app, "mandate.register").await;
    assert_eq!(reg.last().unwrap().actor.as_deref(), Some("shenpi"));
    assert_eq!(audits(&server.app, "mandate.end").await.len(), 1);
}

fn doc(number: &str) -> MandateDoc {
    MandateDoc {
        number: number.into(),
        issuer: "中共北京市委办公厅".into(),
        title: format!("测试文件 {number}"),
        issued_on: "2020-01-02".into(),
        level: MandateLevel::Municipal,
        requires: vec![
            BurdenKind::Ledger,
            BurdenKind::Evaluation,
            BurdenKind::Creation,
        ],
        valid_from: "2020-02-01".into(),
        valid_to: "2030-12-31".into(),
        summary: "第一段\n第二段".into(),
    }
}

#[tokio::test]
async fn the_excel_round_trip_and_its_errors() {
    let db = helpers::sqlite_db();
    let (app, _) = helpers::app(&db, true).await;
    let entries = app.list_mandates(&MandateFilter::default()).await.unwrap();
    let bytes = export_xlsx(&entries).unwrap();
    let back = import_xlsx(&bytes, "2026-11-28").unwrap();
    let want: Vec<MandateDoc> = entries.iter().map(|e| e.doc.clone()).collect();
    assert_eq!(back, want);

    // Labels containing 、 and codes both read back.
    let d = doc("京办发〔2020〕1号");
    let mut sheet = mandate_sheet(&[]);
    let mut row = doc_row(&d);
    row[5] = "ledger、部门考核评比、检查、达标、检查评比、示范创建活动".into();
    sheet.rows.push(row);
    let bytes = write_sheets(&[sheet]).unwrap();
    assert_eq!(import_xlsx(&bytes, "2026-11-28").unwrap(), vec![d.clone()]);

    // Errors name the sheet, row and column.
    let bad = |edit: &dyn Fn(&mut Vec<String>)| {
        let mut sheet = mandate_sheet(&[]);
        sheet.rows.push(doc_row(&doc("京办发〔2020〕2号")));
        let mut r = doc_row(&d);
        edit(&mut r);
        sheet.rows.push(r);
        let e = import_xlsx(&write_sheets(&[sheet]).unwrap(), "2026-11-28").unwrap_err();
        (e.code(), e.message())
    };
    let (code, msg) = bad(&|r| r[3] = "2020年1月2日".into());
    assert_eq!(code, "bad_date");
    assert!(
        msg.contains("工作表“上级文件”第 3 行 D 列（印发日期）"),
        "{msg}"
    );
    let (code, msg) = bad(&|r| r[5] = "业务台账、招商引资".into());
    assert_eq!(code, "unknown_burden_kind");
    assert!(
        msg.contains("第 3 行 F 列（要求社区的事项）") && msg.contains("招商引资"),
        "{msg}"
    );
    let (code, msg) = bad(&|r| r[4] = "区级".into());
    assert_eq!(code, "unknown_level");
    assert!(msg.contains("E 列（层级）"), "{msg}");
    let (code, msg) = bad(&|r| r[0] = "京办发[2020]2号".into());
    assert_eq!(code, "duplicate_mandate");
    assert!(msg.contains("与第 2 行重复"), "{msg}");
    let (code, msg) = bad(&|r| r[7] = "2019-01-01".into());
    assert_eq!(code, "period_reversed");
    assert!(msg.contains("H 列（失效日期）"), "{msg}");

    // A missing column and a missing sheet.
    let mut sheet = mandate_sheet(&[]);
    sheet.rows[0].retain(|h| h != "层级");
    let e = import_xlsx(&write_sheets(&[sheet]).unwrap(), "2026-11-28").unwrap_err();
    assert_eq!(e.code(), "xlsx_missing_column");
    assert!(e.message().contains("缺少“层级”列"));
    let other = SheetData {
        name: "Sheet1".into(),
        widths: vec![],
        header: true,
        rows: vec![COLUMNS.iter().map(|(h, _)| h.to_string()).collect()],
    };
    let e = import_xlsx(&write_sheets(&[other]).unwrap(), "2026-11-28").unwrap_err();
    assert_eq!(e.code(), "xlsx_missing_sheet");
    assert!(e.message().contains(SHEET));
    assert_eq!(
        import_xlsx(b"not a workbook", "2026-11-28")
            .unwrap_err()
            .code(),
        "not_xlsx"
    );
}

fn multipart(fields: &[(&str, &str)], file: Option<&[u8]>) -> Vec<u8> {
    let mut b = Vec::new();
    for (k, v) in fields {
        b.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    if let Some(bytes) = file {
        b.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"m.xlsx\"\r\n\
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

fn unescape(s: &str) -> String {
    s.replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

async fn csrf_of(server: &TestServer, c: &Client, path: &str) -> String {
    let page = c.get(server.url(path)).send().await.unwrap();
    assert_eq!(page.status(), 200, "{path}");
    hidden_field(&page.text().await.unwrap(), "csrf").expect("csrf on page")
}

#[tokio::test]
async fn pages_list_publicly_and_let_the_approver_register_correct_end_and_import() {
    let server = TestServer::sqlite().await;
    let anon = server.browser();

    // Public list, search, filters, detail.
    let r = anon.get(server.url("/mandates")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("厅字〔2022〕28号") && html.contains("已失效"),
        "{html}"
    );
    assert!(html.contains("href=\"/mandates\""), "nav link");
    assert!(
        !html.contains("登记新文件"),
        "no register button for the public"
    );
    let html = anon
        .get(server.url("/mandates?q=厅字[2022]28号&status=in_force"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("厅字〔2022〕28号") && !html.contains("京演示〔2026〕1号"));
    let r = anon
        .get(server.url("/mandates?level=province"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let r = anon
        .get(server.url(&format!("/mandates/{}", enc("厅字〔2022〕28号"))))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("关于规范村级组织工作事务") && html.contains("业务台账"));
    assert!(!html.contains("标记失效"), "no end form for the public");
    // Who registered it, by name, not the bare username `console` (issue 10 §3).
    assert!(html.contains("系统控制台（命令行）"), "{html}");
    assert!(!html.contains("，console"), "{html}");
    let r = anon
        .get(server.url(&format!("/mandates/{}", enc("国办发〔2099〕1号"))))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = anon
        .get(server.url("/mandates/export.xlsx"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let xlsx = r.bytes().await.unwrap();
    assert_eq!(import_xlsx(&xlsx, "2026-11-28").unwrap().len(), 3);

    // The form is not for the public nor for a department clerk.
    let r = anon.get(server.url("/mandates/new")).send().await.unwrap();
    assert!(r.status() == 303 || r.status() == 401, "{}", r.status());
    let clerk = server.web_login("minzheng").await;
    assert_eq!(
        clerk
            .get(server.url("/mandates/new"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );

    let shenpi = server.web_login("shenpi").await;
    let csrf = csrf_of(&server, &shenpi, "/mandates/new").await;
    // A refused form keeps what was typed and says what is wrong next to each field.
    let r = shenpi
        .post(server.url("/mandates/new"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("number", "京政办发〔2024〕9号"),
            ("issuer", "北京市人民政府办公厅"),
            ("title", ""),
            ("issued_on", "2024-13-01"),
            ("level", "municipal"),
            ("requires", "ledger"),
            ("requires", "staff"),
            ("valid_from", "2024-01-01"),
            ("summary", "保留的内容"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("value=\"京政办发〔2024〕9号\""),
        "keeps the number"
    );
    assert!(html.contains("保留的内容"));
    assert!(
        html.contains("value=\"staff\" checked"),
        "keeps the ticked kinds"
    );
    assert!(html.contains("请填写标题"), "{html}");
    assert!(html.contains("印发日期“2024-13-01”有误"));
    assert_eq!(html.matches("class=\"field-error\"").count(), 2);

    let r = shenpi
        .post(server.url("/mandates/new"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("number", "京政办发[2024]9号"),
            ("issuer", "北京市人民政府办公厅"),
            ("title", "测试文件"),
            ("issued_on", "2024-03-01"),
            ("level", "municipal"),
            ("requires", "ledger"),
            ("valid_from", "2024-03-01"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    assert!(
        loc.starts_with("/mandates/") && loc.ends_with("?saved=1"),
        "{loc}"
    );
    let html = shenpi
        .get(server.url(&loc))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("已保存") && html.contains("标记失效"));

    // Registering the same 文号 in another spelling: refused next to the number.
    let r = shenpi
        .post(server.url("/mandates/new"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("number", "京政办发（2024）9号"),
            ("issuer", "北京市人民政府办公厅"),
            ("title", "又一次"),
            ("issued_on", "2024-03-01"),
            ("level", "municipal"),
            ("requires", "ledger"),
            ("valid_from", "2024-03-01"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("field-error") && html.contains("不能重复登记"),
        "{html}"
    );

    // Correct it, then end it.
    let href = format!("/mandates/{}", enc("京政办发〔2024〕9号"));
    let page = shenpi
        .get(server.url(&format!("{href}/edit")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let updated_at = hidden_field(&page, "updated_at").expect("version on the edit form");
    let r = shenpi
        .post(server.url(&format!("{href}/edit")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("updated_at", updated_at.as_str()),
            ("number", "京政办发〔2024〕9号"),
            ("issuer", "北京市人民政府办公厅"),
            ("title", "测试文件（更正）"),
            ("issued_on", "2024-03-01"),
            ("level", "municipal"),
            ("requires", "ledger"),
            ("requires", "institution"),
            ("valid_from", "2024-03-01"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let r = shenpi
        .post(server.url(&format!("{href}/end")))
        .form(&[("csrf", "wrong"), ("valid_to", ""), ("note", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "CSRF checked");
    let r = shenpi
        .post(server.url(&format!("{href}/end")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("valid_to", "2020-01-01"),
            ("note", "早于生效"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("早于生效日期") && html.contains("value=\"早于生效\""));
    let r = shenpi
        .post(server.url(&format!("{href}/end")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("valid_to", ""),
            ("note", "测试废止"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let e = server
        .app
        .mandate("京政办发〔2024〕9号")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(e.doc.title, "测试文件（更正）");
    assert_eq!(e.doc.valid_to, "2026-11-28");
    assert_eq!(e.end_note, "测试废止");

    // Import: one new, one corrected; preview first, then confirm.
    let mut entries = server
        .app
        .list_mandates(&MandateFilter::default())
        .await
        .unwrap();
    entries.retain(|e| e.doc.number == "京演示〔2026〕1号");
    let mut sheet = mandate_sheet(&entries);
    sheet.rows[1][8] = "更正后的要求内容".into();
    sheet.rows.push(doc_row(&doc("京办发〔2020〕7号")));
    let bytes = write_sheets(&[sheet]).unwrap();
    let csrf = csrf_of(&server, &shenpi, "/mandates/import").await;
    let r = shenpi
        .post(server.url("/mandates/import"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(multipart(&[("csrf", &csrf)], Some(&bytes)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("将新登记 <strong>1</strong> 份，更正 <strong>1</strong> 份"),
        "{html}"
    );
    assert!(html.contains("更正后的要求内容"));
    let docs = unescape(&hidden_field(&html, "docs").expect("carried documents"));
    assert!(
        server
            .app
            .mandate("京办发〔2020〕7号")
            .await
            .unwrap()
            .is_none(),
        "not before confirm"
    );
    let r = shenpi
        .post(server.url("/mandates/import/confirm"))
        .form(&[("csrf", csrf.as_str()), ("docs", docs.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(loc, "/mandates?added=1&changed=1&unchanged=0");
    let html = shenpi
        .get(server.url(&loc))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("新登记 1 份，更正 1 份"));
    assert!(
        server
            .app
            .mandate("京办发〔2020〕7号")
            .await
            .unwrap()
            .is_some()
    );

    // A bad file: the error names the sheet, row and column.
    let mut sheet = mandate_sheet(&[]);
    let mut row = doc_row(&doc("京办发〔2020〕8号"));
    row[6] = "去年".into();
    sheet.rows.push(row);
    let r = shenpi
        .post(server.url("/mandates/import"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(multipart(
            &[("csrf", &csrf)],
            Some(&write_sheets(&[sheet]).unwrap()),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("工作表“上级文件”第 2 行 G 列（生效日期）"),
        "{html}"
    );

    // Audit: who did what, with Chinese names on the audit page.
    assert_eq!(audits(&server.app, "mandate.register").await.len(), 3 + 2);
    assert_eq!(audits(&server.app, "mandate.update").await.len(), 2);
    assert_eq!(audits(&server.app, "mandate.end").await.len(), 1);
    let auditor = server.web_login("auditadmin").await;
    let html = auditor
        .get(server.url("/audit?action=mandate.update"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("更正上级文件登记"), "{html}");
}
