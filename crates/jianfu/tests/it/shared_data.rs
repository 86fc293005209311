//! 一表通 end to end (issue 12), on SQLite and (when reachable) PostgreSQL: communities enter
//! each figure once (form, API, workbook), with checks that name the figure and lose nothing;
//! corrections keep their reason; departments define reports over shared elements only and
//! read them at district, street and community level, computed when read; a report that needs
//! a new field goes through the gate; department systems follow a change feed; ledgers,
//! burden figures and scope.

use crate::helpers::{
    TestDb, TestServer, api_get, api_post, backends, expect_code, hidden_field, json_ok,
};
use serde_json::{Value, json};

const P: &str = "2026-11";

fn v(element: &str, value: &str) -> Value {
    json!({"element": element, "value": value})
}

async fn enter(s: &TestServer, token: &str, values: Vec<Value>) -> reqwest::Response {
    api_post(
        s,
        token,
        "/api/v1/shared-data/entry",
        &json!({"period": P, "values": values}),
    )
    .await
}

fn xlsx(rows: &[&[&str]], merge_header: bool) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("共享数据").unwrap();
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            ws.write_string(r as u32, c as u16, *cell).unwrap();
        }
    }
    if merge_header {
        ws.merge_range(0, 0, 0, 1, "代码", &rust_xlsxwriter::Format::new())
            .unwrap();
    }
    wb.save_to_buffer().unwrap()
}

async fn import(s: &TestServer, token: &str, bytes: &[u8]) -> reqwest::Response {
    use base64::Engine;
    api_post(
        s,
        token,
        "/api/v1/shared-data/import",
        &json!({"period": P, "file_base64": base64::engine::general_purpose::STANDARD.encode(bytes)}),
    )
    .await
}

async fn run_flow(db: TestDb) {
    let label = db.label;
    let s = TestServer::start(db).await;
    let sg = s.api_token("shegong").await; // 110115001901
    let sg2 = s.api_token("shegong2").await; // 110115001902
    let mz = s.api_token("minzheng").await;
    let jd = s.api_token("jiedao").await;
    let sp = s.api_token("shenpi").await;

    // A figure that breaks a rule: nothing is written, the message names both figures.
    let msg = expect_code(
        enter(&s, &sg, vec![v("SD001", "1000"), v("SD004", "1200")]).await,
        422,
        "value_inconsistent",
    )
    .await;
    assert!(
        msg.contains("60岁及以上老年人数") && msg.contains("常住人口数"),
        "{label}: {msg}"
    );
    let sheet = json_ok(
        api_get(&s, &sg, "/api/v1/shared-data/entry?period=2026-11").await,
        200,
    )
    .await;
    assert_eq!(sheet["entered"], 0, "{label}: nothing written");
    expect_code(
        enter(&s, &sg, vec![v("SD001", "约三千")]).await,
        422,
        "not_a_number",
    )
    .await;
    expect_code(
        enter(&s, &sg, vec![v("SD001", "-5")]).await,
        422,
        "value_out_of_range",
    )
    .await;
    expect_code(
        enter(&s, &sg, vec![v("SD012", "30")]).await,
        422,
        "wrong_period_type",
    )
    .await;
    expect_code(
        enter(&s, &sg, vec![v("NOPE", "30")]).await,
        422,
        "unknown_element",
    )
    .await;

    // Full-width digits and thousands separators are figures.
    let saved = json_ok(
        enter(
            &s,
            &sg,
            vec![v("SD001", "３，０００"), v("SD004", "600"), v("SD011", "4")],
        )
        .await,
        200,
    )
    .await;
    assert_eq!(saved["written"], 3, "{label}");
    json_ok(
        enter(
            &s,
            &sg2,
            vec![v("SD001", "2000"), v("SD004", "500"), v("SD011", "1")],
        )
        .await,
        200,
    )
    .await;

    // A correction needs its reason; the history keeps both.
    expect_code(
        enter(&s, &sg, vec![v("SD001", "3100")]).await,
        422,
        "correction_reason_required",
    )
    .await;
    let same = json_ok(enter(&s, &sg, vec![v("SD001", "3000")]).await, 200).await;
    assert_eq!(
        (same["written"].as_i64(), same["unchanged"].as_i64()),
        (Some(0), Some(1))
    );
    json_ok(
        enter(
            &s,
            &sg,
            vec![
                json!({"element": "SD001", "value": "3100", "reason": "补登 11 月新入住的 100 人"}),
            ],
        )
        .await,
        200,
    )
    .await;
    let history = json_ok(
        api_get(
            &s,
            &sg,
            "/api/v1/shared-data/history?element=SD001&period=2026-11",
        )
        .await,
        200,
    )
    .await;
    let h = history.as_array().unwrap();
    assert_eq!(h.len(), 2, "{label}: {history}");
    assert_eq!(h[0]["value"], "3100");
    assert_eq!(h[0]["old_value"], "3000");
    assert_eq!(h[0]["reason"], "补登 11 月新入住的 100 人");
    // Reading the sheet at revision 1 and correcting after someone else did: stale, nothing lost.
    let stale = api_post(
        &s,
        &sg,
        "/api/v1/shared-data/entry",
        &json!({"period": P, "values": [{"element": "SD001", "value": "3200", "reason": "再核", "revision": 1}]}),
    )
    .await;
    expect_code(stale, 422, "stale_value").await;
    assert!(!s.audit_records("shared_data.enter").await.is_empty());

    // Only communities enter figures, and only for a period that has begun.
    assert_eq!(enter(&s, &mz, vec![v("SD001", "1")]).await.status(), 403);
    expect_code(
        api_post(
            &s,
            &sg,
            "/api/v1/shared-data/entry",
            &json!({"period": "2026-12", "values": [v("SD001", "1")]}),
        )
        .await,
        422,
        "period_in_future",
    )
    .await;
    // Eight first entries of one figure at once: exactly one is kept, the rest told it is taken.
    let mut racers = tokio::task::JoinSet::new();
    for i in 0..8 {
        let (url, token) = (s.url("/api/v1/shared-data/entry"), sg2.clone());
        // Distinct figures: a racer that reads the winner's figure is refused as an unexplained
        // correction, one that read before it as taken (stale); none is silently kept.
        let body = json!({"period": P, "values": [v("SD005", &format!("{}", 10 + i))]});
        racers.spawn(async move {
            reqwest::Client::new()
                .post(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        });
    }
    let statuses = racers.join_all().await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{label}: {statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 422),
        "{label}: {statuses:?}"
    );

    // Workbooks: wrong columns, a merged header, a bad cell (named by row) — then a good one.
    let msg = expect_code(
        import(
            &s,
            &sg,
            &xlsx(&[&["代码", "数量"], &["SD009", "60"]], false),
        )
        .await,
        422,
        "xlsx_unknown_column",
    )
    .await;
    assert!(msg.contains("数量"), "{label}: {msg}");
    expect_code(
        import(
            &s,
            &sg,
            &xlsx(
                &[&["代码", "数据元", "数值"], &["SD009", "残疾人数", "60"]],
                true,
            ),
        )
        .await,
        422,
        "xlsx_merged_header",
    )
    .await;
    let msg = expect_code(
        import(
            &s,
            &sg,
            &xlsx(
                &[
                    &["代码", "数据元", "数值"],
                    &["SD009", "残疾人数", "６０"],
                    &["", "低保户数", "很多"],
                ],
                false,
            ),
        )
        .await,
        422,
        "not_a_number",
    )
    .await;
    assert!(msg.contains("第 3 行"), "{label}: {msg}");
    let ok = json_ok(
        import(
            &s,
            &sg,
            &xlsx(
                &[
                    &["代码", "数据元", "数值"],
                    &["SD009", "残疾人数", "６０"],
                    &["", "低保户数", "12"],
                ],
                false,
            ),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(ok["written"], 2, "{label}");
    // GBK CSV reads like UTF-8.
    let (gbk, _, _) = encoding_rs::GBK.encode("数据元,数值\n流动人口数,300\n");
    json_ok(import(&s, &sg, &gbk).await, 200).await;

    // A report over shared elements only; an element nobody collects is refused.
    let msg = expect_code(
        api_post(
            &s,
            &mz,
            "/api/v1/shared-data/reports",
            &json!({"title": "充电桩", "columns": [{"label": "充电桩", "func": "sum", "element": "电动自行车充电桩数"}]}),
        )
        .await,
        422,
        "unknown_element",
    )
    .await;
    assert!(msg.contains("审批"), "{msg}");
    let report = json_ok(
        api_post(
            &s,
            &mz,
            "/api/v1/shared-data/reports",
            &json!({"title": "老年人情况月报", "replaces": "民政服务对象统计月报表", "columns": [
                {"label": "常住人口", "func": "sum", "element": "SD001"},
                {"label": "老年人", "func": "sum", "element": "60岁及以上老年人数"},
                {"label": "老龄化率", "func": "ratio", "element": "SD004", "denominator": "SD001"},
                {"label": "已填社区", "func": "count", "element": "SD001"},
                {"label": "平均每社区人口", "func": "average", "element": "SD001"}
            ]}),
        )
        .await,
        201,
    )
    .await;
    let code = report["code"].as_str().unwrap().to_string();
    let table = json_ok(
        api_get(
            &s,
            &mz,
            &format!("/api/v1/shared-data/reports/{code}?period=2026-11"),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(table["row_kind"], "street", "{label}: {table}");
    let total: Vec<&str> = table["total"]["cells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["text"].as_str().unwrap())
        .collect();
    // 3100 + 2000; 600 + 500; 1100/5100 = 21.6%; 2 communities; 5100/2 = 2550.0.
    assert_eq!(
        total,
        ["5100", "1100", "21.6", "2", "2550.0"],
        "{label}: {table}"
    );
    assert!(table["as_of"].is_string());
    let street = json_ok(
        api_get(
            &s,
            &jd,
            &format!("/api/v1/shared-data/reports/{code}?org=110115001&period=2026-11"),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(street["row_kind"], "community");
    let ding = street["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == "110115001901")
        .unwrap();
    assert_eq!(ding["cells"][0]["text"], "3100");
    // The year: a stock is read at its latest month, so nothing is counted twice.
    let year = json_ok(
        api_get(
            &s,
            &mz,
            &format!("/api/v1/shared-data/reports/{code}?period=2026"),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(year["total"]["cells"][0]["text"], "5100", "{label}");
    // Scope: a street sees its own communities, a community only itself.
    expect_code(
        api_get(
            &s,
            &jd,
            &format!("/api/v1/shared-data/reports/{code}?org=110115002"),
        )
        .await,
        422,
        "unknown_org",
    )
    .await;
    expect_code(
        api_get(
            &s,
            &sg,
            &format!("/api/v1/shared-data/reports/{code}?org=110115001902"),
        )
        .await,
        422,
        "unknown_org",
    )
    .await;
    let own = json_ok(
        api_get(&s, &sg, &format!("/api/v1/shared-data/reports/{code}")).await,
        200,
    )
    .await;
    assert_eq!(own["rows"].as_array().unwrap().len(), 1);
    expect_code(
        api_get(
            &s,
            &mz,
            &format!("/api/v1/shared-data/reports/{code}?period=2026-13"),
        )
        .await,
        422,
        "invalid_period",
    )
    .await;

    // The gate: a report whose fields are all shared elements is admitted; a new field is not.
    let gate = |fields: Vec<&str>| {
        json!({"department": "110115-MZJ", "item_code": "A03", "title": "禁毒宣传",
            "legal_basis": ["《中华人民共和国禁毒法》第十七条"], "community_role": "assist",
            "communities": "all", "period": {"from": "2026-12-01", "to": "2026-12-31"},
            "funding": {"amount_yuan": 1000, "channel": "区财政专项"}, "authority": "入户宣传",
            "burdens": [{"kind": "report", "title": "禁毒宣传情况表", "fields": fields}]})
    };
    let d = json_ok(
        api_post(
            &s,
            &mz,
            "/api/v1/gate/evaluate",
            &gate(vec!["SD001", "60岁及以上老年人数"]),
        )
        .await,
        200,
    )
    .await;
    let rules: Vec<&str> = d["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"served_from_shared_data"), "{label}: {d}");
    let d = json_ok(
        api_post(
            &s,
            &mz,
            "/api/v1/gate/evaluate",
            &gate(vec!["SD001", "禁毒宣传场次"]),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(d["outcome"], "needs_approval", "{label}: {d}");

    // A new element: a duplicate is refused; a new one goes to the gate and is in force only
    // once the district approves it.
    let element = |name: &str, definition: &str| {
        json!({"name": name, "definition": definition, "unit": "个", "value_type": "count",
            "period": "monthly", "aggregation": "stock", "legal_basis": "《中华人民共和国消防法》第四十一条",
            "reason": "电动自行车火灾多发", "amount_yuan": "200", "channel": "区财政专项"})
    };
    expect_code(
        api_post(
            &s,
            &mz,
            "/api/v1/shared-data/elements",
            &element("低保户数量", "享受低保的家庭户数"),
        )
        .await,
        422,
        "element_duplicate",
    )
    .await;
    let proposed = json_ok(
        api_post(
            &s,
            &mz,
            "/api/v1/shared-data/elements",
            &element(
                "电动自行车充电桩数",
                "社区内公共电动自行车充电桩的个数，截至期末",
            ),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(
        proposed["status"], "pending_approval",
        "{label}: {proposed}"
    );
    let new_code = proposed["code"].as_str().unwrap().to_string();
    let col = json!({"title": "充电桩", "columns": [{"label": "充电桩", "func": "sum", "element": new_code}]});
    expect_code(
        api_post(&s, &mz, "/api/v1/shared-data/reports", &col).await,
        422,
        "unknown_element",
    )
    .await;
    json_ok(
        api_post(
            &s,
            &sp,
            &format!(
                "/api/v1/assignments/{}/approve",
                proposed["assignment"].as_str().unwrap()
            ),
            &json!({}),
        )
        .await,
        200,
    )
    .await;
    json_ok(
        api_post(&s, &mz, "/api/v1/shared-data/reports", &col).await,
        201,
    )
    .await;
    json_ok(enter(&s, &sg, vec![v(&new_code, "6")]).await, 200).await;

    // The change feed: a department reads its own elements and its reports', page by page.
    s.clock.advance(time::Duration::seconds(5));
    let feed = json_ok(
        api_get(&s, &mz, "/api/v1/shared-data/changes?limit=3").await,
        200,
    )
    .await;
    assert_eq!(
        feed["changes"].as_array().unwrap().len(),
        3,
        "{label}: {feed}"
    );
    let next = feed["next"].as_str().unwrap().to_string();
    let rest = json_ok(
        api_get(
            &s,
            &mz,
            &format!("/api/v1/shared-data/changes?after={next}&limit=1000"),
        )
        .await,
        200,
    )
    .await;
    let all: Vec<Value> = feed["changes"]
        .as_array()
        .unwrap()
        .iter()
        .chain(rest["changes"].as_array().unwrap())
        .cloned()
        .collect();
    // SD001 (its report) and SD004, SD007 (its own) and the new element; not SD009 (残联) or SD010 (公安).
    assert!(all.iter().any(|c| c["element"] == "SD007"), "{label}");
    assert!(
        all.iter().any(|c| c["element"] == new_code.as_str()),
        "{label}"
    );
    assert!(
        all.iter()
            .all(|c| c["element"] != "SD009" && c["element"] != "SD010"),
        "{label}: {all:?}"
    );
    let again = json_ok(
        api_get(
            &s,
            &mz,
            &format!(
                "/api/v1/shared-data/changes?after={}",
                rest["next"].as_str().unwrap()
            ),
        )
        .await,
        200,
    )
    .await;
    assert!(again["changes"].as_array().unwrap().is_empty());
    expect_code(
        api_get(&s, &mz, "/api/v1/shared-data/changes?after=nonsense").await,
        422,
        "invalid_cursor",
    )
    .await;
    // Pulling one element's figures community by community: its own or its reports' only.
    let values = json_ok(
        api_get(
            &s,
            &mz,
            "/api/v1/shared-data/values?element=SD004&period=2026-11&org=110115001",
        )
        .await,
        200,
    )
    .await;
    let vals: Vec<(&str, &str)> = values["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["community"].as_str().unwrap(),
                v["value"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        vals,
        [("110115001901", "600"), ("110115001902", "500")],
        "{label}: {values}"
    );
    assert_eq!(
        api_get(
            &s,
            &mz,
            "/api/v1/shared-data/values?element=SD009&period=2026-11"
        )
        .await
        .status(),
        403
    );
    expect_code(
        api_get(
            &s,
            &mz,
            "/api/v1/shared-data/values?element=SD004&period=2026",
        )
        .await,
        422,
        "wrong_period_type",
    )
    .await;
    // A department reads the history of figures it may pull, not of others' (残联's SD009).
    assert_eq!(
        api_get(
            &s,
            &mz,
            "/api/v1/shared-data/history?community=110115001901&element=SD009&period=2026-11"
        )
        .await
        .status(),
        403
    );
    json_ok(
        api_get(
            &s,
            &mz,
            "/api/v1/shared-data/history?community=110115001901&element=SD004&period=2026-11",
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        api_get(&s, &jd, "/api/v1/shared-data/changes")
            .await
            .status(),
        403
    );

    // Electronic ledgers.
    let msg = expect_code(
        api_post(
            &s,
            &sg,
            "/api/v1/shared-data/ledgers",
            &json!({"template": "mediation", "fields": {"date": "昨天"}}),
        )
        .await,
        422,
        "invalid_date",
    )
    .await;
    assert!(msg.contains("当事人"), "every problem is told: {msg}");
    json_ok(
        api_post(
            &s,
            &sg,
            "/api/v1/shared-data/ledgers",
            &json!({"template": "mediation", "fields": {"date": "2026-11-20", "parties": "3号楼两户", "type": "邻里纠纷", "outcome": "调解成功"}}),
        )
        .await,
        201,
    )
    .await;
    let records = api_get(&s, &sg, "/api/v1/shared-data/ledgers?template=mediation").await;
    assert_eq!(records.headers()["X-Total-Count"], "1");

    // Burden figures: fields entered this month and cells served.
    let m = json_ok(
        api_get(&s, &sp, "/api/v1/shared-data/burden?month=2026-11").await,
        200,
    )
    .await;
    assert_eq!(m["reports_active"], 2, "{label}: {m}");
    assert_eq!(m["forms_replaced"], 1);
    let communities = m["communities"].as_i64().unwrap();
    assert_eq!(
        m["cells_served"].as_i64().unwrap(),
        6 * communities,
        "{label}: {m}"
    );
    // 110115001901: SD001 SD004 SD011 SD009 SD007 SD010 + new; 110115001902: 4.
    assert_eq!(m["fields_entered"], 11, "{label}: {m}");
    assert_eq!(m["communities_entering"], 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn communities_enter_once_and_departments_read_reports_from_shared_data() {
    for db in backends().await {
        run_flow(db).await;
    }
}

/// The entry form as a community worker uses it: what was typed stays when a figure is refused,
/// a correction without reason is named, and a good save says how many were saved.
#[tokio::test(flavor = "multi_thread")]
async fn the_entry_form_keeps_what_was_typed() {
    let s = TestServer::sqlite().await;
    let c = s.web_login("shegong").await;
    let page = c.get(s.url("/shared-data/entry")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("常住人口数") && html.contains("2026年11月"),
        "{html}"
    );
    let csrf = hidden_field(&html, "csrf").unwrap();
    let r = c
        .post(s.url("/shared-data/entry"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("period", "2026-11"),
            ("v_SD001", "１０００"),
            ("v_SD004", "2000"),
            ("v_SD009", "十个"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("value=\"１０００\""), "typed value kept");
    assert!(html.contains("value=\"十个\""));
    assert!(html.contains("不能大于"), "the rule is named");
    let r = c
        .post(s.url("/shared-data/entry"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("period", "2026-11"),
            ("v_SD001", "1000"),
            ("v_SD004", "200"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .contains("saved=2")
    );
    // Pages a department and a supervisor use.
    let mz = s.web_login("minzheng").await;
    for path in [
        "/shared-data",
        "/shared-data/elements",
        "/shared-data/reports/new",
        "/shared-data/elements/new",
    ] {
        assert_eq!(
            mz.get(s.url(path)).send().await.unwrap().status(),
            200,
            "{path}"
        );
    }
    let ducha = s.web_login("ducha").await;
    let r = ducha
        .get(s.url("/shared-data/burden"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("<svg"));
    // Withdrawing a report asks first.
    let token = s.api_token("minzheng").await;
    let r = json_ok(
        api_post(&s, &token, "/api/v1/shared-data/reports",
            &json!({"title": "试用报表", "columns": [{"label": "常住人口", "func": "sum", "element": "SD001"}]})).await,
        201,
    )
    .await;
    let code = r["code"].as_str().unwrap();
    let page = mz
        .get(s.url(&format!("/shared-data/reports/{code}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = hidden_field(&page, "csrf").unwrap();
    let ask = mz
        .post(s.url(&format!("/shared-data/reports/{code}/withdraw")))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(ask.status(), 200);
    assert!(ask.text().await.unwrap().contains("确认停用"));
    let done = mz
        .post(s.url(&format!("/shared-data/reports/{code}/withdraw")))
        .form(&[("csrf", csrf.as_str()), ("confirmed", "yes")])
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 303);
    let after = json_ok(
        api_get(&s, &token, &format!("/api/v1/shared-data/reports/{code}")).await,
        200,
    )
    .await;
    assert_eq!(after["report"]["withdrawn"], true);
    assert_eq!(
        s.audit_records("shared_data.withdraw_report").await.len(),
        1
    );
    // A resident has no business here.
    let jumin = s.web_login("jumin").await;
    assert_eq!(
        jumin
            .get(s.url("/shared-data"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
}
