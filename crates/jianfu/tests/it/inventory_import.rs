//! 负担台账 workbooks end to end (issue 11 §1), on SQLite and (when reachable) PostgreSQL: CSV in
//! GBK with full-width digits and blank lines, a title row, 序号, a merged owner, duplicates,
//! wrong columns, a bad row (nothing written), a sheet claiming the whole grid.

use crate::helpers::{TestDb, TestServer, api_get, api_post, backends, expect_code, json_ok};
use crate::inventory::{b64, rules, stored};
use serde_json::json;

/// A CSV as Excel saves it on Chinese Windows: GBK, full-width digits.
fn gbk(text: &str) -> Vec<u8> {
    let (bytes, _, bad) = encoding_rs::GBK.encode(text);
    assert!(!bad);
    bytes.into_owned()
}

async fn run_import(db: TestDb) {
    let label = db.label;
    let s = TestServer::start(db).await;
    let shegong = s.api_token("shegong").await;
    let import = |bytes: Vec<u8>| {
        let s = &s;
        let token = shegong.clone();
        async move {
            api_post(
                s,
                &token,
                "/api/v1/inventory/import",
                &json!({"content_base64": b64(&bytes)}),
            )
            .await
        }
    };
    let good = "类型,名称,主管单位,字段数,发现日期,报表频次,要求截图\n\
                挂牌,社区警务工作站,区公安分局,,2026/3/1,,\n\
                \n\
                报表,流动人口月报,110115-GAFJ,４６,２０２６－０３－０２,月报,\n\
                工作群,平安建设群,兴丰街道,,,,是\n";
    let r = json_ok(import(gbk(good)).await, 201).await;
    assert_eq!(r["imported"], 3, "{label}");
    let list = json_ok(
        api_get(&s, &shegong, "/api/v1/inventory/entries?sort=oldest").await,
        200,
    )
    .await;
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 3);
    assert_eq!(
        list[1]["details"]["field_count"], 46,
        "full-width digits read"
    );
    assert_eq!(list[1]["details"]["frequency"], "monthly");
    assert_eq!(list[2]["details"]["screenshots"], true);
    assert!(rules(&list[2]).contains(&"no_screenshots".to_string()));
    assert_eq!(s.audit_records("inventory.import").await.len(), 1);

    // The same file again, a repeated row, wrong columns, a bad row after a blank line: a
    // message naming where, and nothing written.
    let msg = expect_code(import(gbk(good)).await, 422, "duplicate_entry").await;
    assert!(msg.contains("第 2 行"), "{msg}");
    let msg = expect_code(
        import(gbk(
            "类型,名称,主管单位\n挂牌,甲,区公安分局\n挂牌,甲,区公安分局\n",
        ))
        .await,
        422,
        "duplicate_entry",
    )
    .await;
    assert!(msg.contains("第 3 行与第 2 行重复"), "{msg}");
    let msg = expect_code(
        import(gbk("类型,名字,主管单位\n挂牌,a,区公安分局\n")).await,
        422,
        "xlsx_unknown_column",
    )
    .await;
    assert!(msg.contains("名字"), "{msg}");
    let msg = expect_code(
        import(gbk(
            "类型,名称,主管单位\n挂牌,a,区公安分局\n\n挂牌,b,某某局\n",
        ))
        .await,
        422,
        "unknown_owner",
    )
    .await;
    assert!(msg.contains("第 4 行") && msg.contains("主管单位"), "{msg}");
    assert_eq!(
        stored(&s).await,
        3,
        "{label}: the good rows were not written either"
    );
    expect_code(
        import(b"not,a\xff\xfe\xfd csv".to_vec()).await,
        422,
        "unknown_encoding",
    )
    .await;

    // A workbook as a street office sends it: a title row, a 序号 column, one owner merged
    // down three rows.
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("负担台账").unwrap();
    ws.merge_range(0, 0, 0, 3, "丁香雅苑社区负担摸底表", &Format::new())
        .unwrap();
    for (c, h) in ["序号", "类型", "名称", "主管单位"].iter().enumerate() {
        ws.write_string(1, c as u16, *h).unwrap();
    }
    ws.merge_range(2, 3, 4, 3, "区住建委", &Format::new())
        .unwrap();
    for (i, (k, t)) in [
        ("业务台账", "燃气安全台账"),
        ("责任书", "防汛责任书"),
        ("报表", "危房排查表"),
    ]
    .iter()
    .enumerate()
    {
        let r = i as u32 + 2;
        ws.write_number(r, 0, (i + 1) as f64).unwrap();
        ws.write_string(r, 1, *k).unwrap();
        ws.write_string(r, 2, *t).unwrap();
    }
    let r = json_ok(import(wb.save_to_buffer().unwrap()).await, 201).await;
    assert_eq!(r["imported"], 3, "{label}");
    let zjw = json_ok(
        api_get(&s, &shegong, "/api/v1/inventory/entries?owner=110115-ZJW").await,
        200,
    )
    .await;
    assert_eq!(
        zjw.as_array().unwrap().len(),
        3,
        "{label}: merged owner read into every row"
    );

    // A sheet that claims the whole grid (A1 and XFD1048576) is refused at once.
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "类型").unwrap();
    ws.write_string(0, 16_383, "far right, not read").unwrap();
    ws.write_string(1_048_575, 0, "x").unwrap();
    expect_code(
        import(wb.save_to_buffer().unwrap()).await,
        422,
        "too_many_rows",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn workbooks_import_as_people_send_them_and_a_bad_row_writes_nothing() {
    for db in backends().await {
        run_import(db).await;
    }
}
