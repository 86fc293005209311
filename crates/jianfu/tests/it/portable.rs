//! Moving a district between backends: SQLite → export → PostgreSQL → export again gives the same
//! file, the audit chain still verifies, and people can still log in. Refusals: a non-empty target
//! and a damaged file. When PostgreSQL is unreachable the copy goes into a second SQLite file
//! (helpers prints the SKIP line), so the round trip is still checked.

use crate::cli::jianfu;
use crate::helpers::{self, TestDb};
use jianfu_domain::Clock;
use jianfu_server::service::assignments::RequestInput;
use jianfu_server::service::audit::verify_chain;
use jianfu_server::service::auth::{SessionKind, actor_of};
use jianfu_server::service::violations::NewViolation;
use jianfu_server::service::{Actor, RequestMeta, ServiceError};
use jianfu_server::{App, Config};
use jianfu_store::portable::{export, import};
use jianfu_store::{Store, StoreError};
use std::sync::Arc;

async fn target_db() -> TestDb {
    match helpers::pg_db().await {
        Some(db) => db,
        None => helpers::sqlite_db(),
    }
}

fn lines(b: &[u8]) -> Vec<String> {
    std::str::from_utf8(b)
        .expect("exports are UTF-8")
        .lines()
        .map(str::to_string)
        .collect()
}

/// The header without `source_backend`, which is the one thing allowed to differ.
fn header_without_source(line: &str) -> (serde_json::Value, String) {
    let mut v: serde_json::Value = serde_json::from_str(line).expect("header is JSON");
    let source = v["source_backend"]
        .as_str()
        .expect("source_backend")
        .to_string();
    v.as_object_mut().unwrap().remove("source_backend");
    (v, source)
}

async fn export_bytes(store: &dyn Store) -> Vec<u8> {
    let mut out = Vec::new();
    export(store, &mut out).await.expect("export");
    out
}

#[tokio::test]
async fn sqlite_to_postgres_round_trip_keeps_everything() {
    let src = helpers::sqlite_db();
    let (app, clock) = helpers::app(&src, true).await;
    let console = Actor::console();
    let cmeta = RequestMeta::console();
    let meta = RequestMeta {
        client_addr: Some("192.0.2.10".into()),
        request_id: Some("r1".into()),
    };
    // Some state beyond the demo: an API token, a failed login, a disabled account, a session.
    app.create_system_account(
        &console,
        &cmeta,
        "minzheng-xitong",
        "民政局业务系统",
        "110115-MZJ",
        &[jianfu_domain::Role::DepartmentClerk],
    )
    .await
    .expect("system account");
    let (_token_id, secret) = app
        .issue_api_token(&console, &cmeta, "民政局业务系统", "minzheng-xitong")
        .await
        .expect("token issued");
    assert!(
        app.login("jumin", "Wrong#Pass1", SessionKind::Web, &meta)
            .await
            .is_err()
    );
    app.set_account_disabled(&console, &cmeta, "shegong2", true)
        .await
        .unwrap();
    app.login("shegong", helpers::DEMO_PASSWORD, SessionKind::Web, &meta)
        .await
        .map_err(|e| e.to_string())
        .expect("login");
    // Work through the gate (admitted, with funding) and a report of work that bypassed it,
    // with binary evidence: every later table has rows to move.
    let by_name = |name: &'static str| {
        let store = app.store.clone();
        async move { actor_of(&store.user_by_username(name).await.unwrap().unwrap()) }
    };
    let input: RequestInput = serde_json::from_value(serde_json::json!({
        "department": "110115-MZJ", "item_code": "A08", "title": "春节走访慰问困难家庭",
        "legal_basis": [], "community_role": "assist", "communities": ["110115001901"],
        "period": {"from": "2026-12-01", "to": "2027-02-28"},
        "funding": {"amount_yuan": 1200.5, "channel": "区财政民生专项"},
        "authority": "入户走访、登记困难情况", "burdens": []
    }))
    .unwrap();
    let submitted = app
        .submit_assignment(&by_name("minzheng").await, &meta, &input)
        .await
        .expect("admitted work");
    assert_eq!(submitted.status, "admitted");
    let png = b"\x89PNG\r\n\x1a\n-evidence-bytes-\x00\xff".to_vec();
    app.report_violation(
        &by_name("shegong").await,
        &meta,
        &NewViolation {
            department: "110115-MZJ".into(),
            title: "要求社区每周报送商户经营情况".into(),
            description: "工作群内要求，未经准入".into(),
            channel: "wechat".into(),
            received_on: "2026-11-20".into(),
            files: vec![png],
        },
    )
    .await
    .expect("report");
    let (head_seq, head_hash) = app.store.audit_head().await.unwrap();

    let first = export_bytes(app.store.as_ref()).await;
    let first_lines = lines(&first);
    let orgs = app.store.list_orgs().await.unwrap();
    let users = app.store.list_users().await.unwrap();
    // Every row of every registered table is exported (counted in the database itself);
    // sessions are not.
    let mut raw = {
        use sqlx::Connection;
        sqlx::SqliteConnection::connect(&src.raw_url).await.unwrap()
    };
    let mut expected = 1; // the header
    for t in jianfu_store::portable::TABLES {
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM {}",
            t.name
        )))
        .fetch_one(&mut raw)
        .await
        .unwrap();
        let exported = first_lines
            .iter()
            .filter(|l| l.starts_with(&format!("{{\"table\":\"{}\"", t.name)))
            .count();
        assert_eq!(exported as i64, n, "table {}", t.name);
        for busy in [
            "assignments",
            "funding_ledger",
            "violation_evidence",
            "notices",
            "catalog_versions",
        ] {
            if t.name == busy {
                assert!(n > 0, "{busy} has rows to move");
            }
        }
        expected += n as usize;
    }
    assert_eq!(
        first_lines.len(),
        expected,
        "every row is exported, sessions are not"
    );
    assert!(
        !first.windows(10).any(|w| w == &b"csrf_token"[..]),
        "no session in the export"
    );

    let dst = target_db().await;
    let dst_store = jianfu_store::open(&dst.url).await.unwrap();
    let imported = import(dst_store.as_ref(), &mut &first[..])
        .await
        .expect("import");
    assert_eq!(
        imported as usize,
        first_lines.len() - 1,
        "every line after the header"
    );

    let second = export_bytes(dst_store.as_ref()).await;
    let second_lines = lines(&second);
    let (h1, s1) = header_without_source(&first_lines[0]);
    let (h2, s2) = header_without_source(&second_lines[0]);
    assert_eq!((s1.as_str(), s2.as_str()), ("sqlite", dst.label));
    assert_eq!(h1, h2, "headers differ only in the source backend");
    assert_eq!(h1["format"], "jianfu-export");
    assert_eq!(
        first_lines[1..],
        second_lines[1..],
        "the two exports are identical"
    );

    // The copy holds the same rows and the same chain.
    assert_eq!(dst_store.list_orgs().await.unwrap(), orgs);
    assert_eq!(dst_store.list_users().await.unwrap(), users);
    assert_eq!(
        dst_store.list_api_tokens().await.unwrap(),
        app.store.list_api_tokens().await.unwrap()
    );
    assert_eq!(dst_store.audit_head().await.unwrap(), (head_seq, head_hash));
    assert_eq!(
        verify_chain(dst_store.as_ref()).await.unwrap(),
        Ok(head_seq as u64),
        "the audit chain verifies on the copy"
    );

    // People and department systems carry on with the copy.
    let copy = App::new(
        dst_store.clone(),
        clock.clone() as Arc<dyn Clock>,
        Config::default(),
    );
    let ok = copy
        .login("shegong", helpers::DEMO_PASSWORD, SessionKind::Web, &meta)
        .await
        .map_err(|e| e.to_string())
        .expect("demo password works on the copy");
    copy.authenticate(&ok.token)
        .await
        .expect("new session on the copy");
    let disabled = copy
        .login("shegong2", helpers::DEMO_PASSWORD, SessionKind::Web, &meta)
        .await;
    assert!(
        matches!(disabled.map(|_| ()), Err(ServiceError::Disabled)),
        "still disabled"
    );
    // Failed logins are counted in memory (login_throttle), not on the account row.
    let jumin = dst_store.user_by_username("jumin").await.unwrap().unwrap();
    assert_eq!(jumin.failed_logins, 0, "no lock moves along");
    let system = copy
        .authenticate(&secret)
        .await
        .expect("the API token works on the copy");
    assert!(
        system
            .actor
            .username
            .as_deref()
            .is_some_and(|u| u.starts_with("system:minzheng-xitong/token:"))
    );
    let now = dst_store.audit_head().await.unwrap().0;
    assert_eq!(
        now,
        head_seq + 2,
        "the two logins on the copy are audited there"
    );
    assert_eq!(
        verify_chain(dst_store.as_ref()).await.unwrap(),
        Ok(now as u64),
        "the copy's chain continues from the imported head"
    );

    // A second import into the now non-empty database is refused and changes nothing.
    let head_before = dst_store.audit_head().await.unwrap();
    let again = import(dst_store.as_ref(), &mut &first[..]).await;
    assert!(matches!(again, Err(StoreError::NotEmpty)), "{again:?}");
    assert!(again.unwrap_err().to_string().contains("不是空库"));
    assert_eq!(dst_store.audit_head().await.unwrap(), head_before);
}

#[tokio::test]
async fn damaged_files_are_refused_with_the_line_number() {
    let src = helpers::sqlite_db();
    let (app, _clock) = helpers::app(&src, true).await;
    let good = export_bytes(app.store.as_ref()).await;
    let mut good_lines = lines(&good);

    let mut bad_json = good_lines.clone();
    bad_json[2] = r#"{"table":"org","row":{"code":"110115001""#.into();
    let bad_json = bad_json.join("\n");
    let empty = helpers::sqlite_db();
    let store = jianfu_store::open(&empty.url).await.unwrap();
    let e = import(store.as_ref(), &mut bad_json.as_bytes())
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::BadImport { line: 3, .. }), "{e:?}");
    assert!(e.to_string().contains("第 3 行"), "{e}");

    let mut unknown_table = good_lines.clone();
    unknown_table[4] = r#"{"table":"secrets","row":{}}"#.into();
    let e = import(store.as_ref(), &mut unknown_table.join("\n").as_bytes())
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::BadImport { line: 5, .. }), "{e:?}");

    let e = import(store.as_ref(), &mut &b"{\"hello\":1}\n"[..])
        .await
        .unwrap_err();
    assert!(
        matches!(e, StoreError::BadImport { line: 1, .. }),
        "not an export: {e:?}"
    );

    // A file of the previous version (without the volunteer evaluations and meeting notice
    // columns) is refused with what to do.
    let mut old = good_lines.clone();
    old[0] = old[0].replace("\"version\":4", "\"version\":3");
    assert_ne!(old[0], good_lines[0], "the header names the version");
    let e = import(store.as_ref(), &mut old.join("\n").as_bytes())
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::BadImport { line: 1, .. }), "{e:?}");
    assert!(
        e.to_string().contains("第 3 版") && e.to_string().contains("jianfu migrate"),
        "{e}"
    );

    good_lines.retain(|l| !l.starts_with(r#"{"table":"audit_head""#)); // the file was cut short
    let e = import(store.as_ref(), &mut good_lines.join("\n").as_bytes())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("缺少审计链头"), "{e}");

    // Text a PostgreSQL target cannot hold (U+0000, written into SQLite before the boundary
    // refused it): the table, column and line are named.
    let mut nul = lines(&good);
    let at = nul
        .iter()
        .position(|l| l.starts_with(r#"{"table":"orgs""#))
        .unwrap();
    let mut row: serde_json::Value = serde_json::from_str(&nul[at]).unwrap();
    row["row"]["name"] = serde_json::json!("大兴\u{0}区");
    nul[at] = row.to_string();
    let e = import(store.as_ref(), &mut nul.join("\n").as_bytes())
        .await
        .unwrap_err();
    let line = at + 1;
    assert!(
        matches!(e, StoreError::BadImport { line: l, .. } if l == line),
        "{e:?}"
    );
    let msg = e.to_string();
    assert!(
        msg.contains("表 orgs") && msg.contains("列 name") && msg.contains("U+0000"),
        "{msg}"
    );

    // A row the database itself refuses (here an organisation twice): the table and the line of
    // the row are named, not "系统内部错误".
    let mut twice = lines(&good);
    let org_line = twice
        .iter()
        .find(|l| l.starts_with(r#"{"table":"orgs""#))
        .unwrap()
        .clone();
    twice.push(org_line);
    let line = twice.len();
    let e = import(store.as_ref(), &mut twice.join("\n").as_bytes())
        .await
        .unwrap_err();
    assert!(
        matches!(e, StoreError::BadImport { line: l, .. } if l == line),
        "{e:?}"
    );
    assert!(
        e.to_string().contains("表 orgs") && e.to_string().contains("重复"),
        "{e}"
    );

    // Nothing of the refused files reached the database.
    assert!(store.list_orgs().await.unwrap().is_empty());
    assert!(store.list_users().await.unwrap().is_empty());
    assert_eq!(store.audit_head().await.unwrap().0, 0);
}

#[tokio::test]
async fn round_trip_through_the_binary() {
    let src = helpers::sqlite_db();
    let (app, _clock) = helpers::app(&src, true).await;
    let dir = helpers::temp_dir();
    let a = dir.0.join("a.jsonl");
    let b = dir.0.join("b.jsonl");
    let (a_s, b_s) = (a.to_str().unwrap(), b.to_str().unwrap());

    let r = jianfu(&["export", "--database-url", &src.raw_url, "-o", a_s], &[]).await;
    assert!(r.ok(), "{r:?}");
    let a_bytes = std::fs::read(&a).unwrap();
    let a_lines = lines(&a_bytes);
    assert!(
        r.stderr
            .contains(&format!("已导出 {} 行", a_lines.len() - 1)),
        "{r:?}"
    );
    let to_stdout = jianfu(&["export", "--database-url", &src.raw_url, "-o", "-"], &[]).await;
    assert!(to_stdout.ok(), "{to_stdout:?}");
    assert_eq!(
        to_stdout.stdout.as_bytes(),
        &a_bytes[..],
        "`-o -` writes the same export"
    );

    let dst = target_db().await;
    let r = jianfu(&["import", "--database-url", &dst.raw_url, "-i", a_s], &[]).await;
    assert!(r.ok(), "{r:?}");
    assert!(
        r.stdout
            .contains(&format!("已导入 {} 行", a_lines.len() - 1)),
        "{r:?}"
    );
    let r = jianfu(&["export", "--database-url", &dst.raw_url, "-o", b_s], &[]).await;
    assert!(r.ok(), "{r:?}");
    let b_bytes = std::fs::read(&b).unwrap();
    let b_lines = lines(&b_bytes);

    // Identical, except the header's source and the import's own audit record (and so the head).
    let head_a = app.store.audit_head().await.unwrap().0;
    assert_eq!(b_lines.len(), a_lines.len() + 1);
    assert_eq!(
        header_without_source(&a_lines[0]).0,
        header_without_source(&b_lines[0]).0
    );
    assert_eq!(header_without_source(&b_lines[0]).1, dst.label);
    // The import's record goes to the console's chain (the district's); every other line, head
    // rows aside, is the same.
    let is_head = |l: &String| l.starts_with(r#"{"table":"audit_head""#);
    let import_at = b_lines
        .iter()
        .position(|l| l.contains(r#""action":"data.import""#))
        .expect("the import is audited");
    let import_record: serde_json::Value = serde_json::from_str(&b_lines[import_at]).unwrap();
    let rest_a: Vec<&String> = a_lines[1..].iter().filter(|l| !is_head(l)).collect();
    let rest_b: Vec<&String> = b_lines[1..]
        .iter()
        .enumerate()
        .filter(|(i, l)| *i + 1 != import_at && !is_head(l))
        .map(|(_, l)| l)
        .collect();
    assert_eq!(rest_a, rest_b);
    assert_eq!(import_record["table"], "audit_log");
    assert_eq!(import_record["row"]["action"], "data.import");
    assert_eq!(import_record["row"]["actor"], "console");
    let chain = import_record["row"]["chain"].as_str().unwrap().to_string();
    let head_line: serde_json::Value = serde_json::from_str(
        b_lines
            .iter()
            .find(|l| is_head(l) && l.contains(&format!(r#""chain":"{chain}""#)))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(head_line["row"]["seq"], import_record["row"]["seq"]);
    assert!(
        a_lines.iter().filter(|l| is_head(l)).count() >= 3,
        "several chains travel"
    );

    let r = jianfu(&["audit", "verify", "--database-url", &dst.raw_url], &[]).await;
    assert!(r.ok(), "{r:?}");
    assert!(
        r.stdout.contains(&format!("、{} 条记录", head_a + 1)),
        "{r:?}"
    );

    let r = jianfu(&["import", "--database-url", &dst.raw_url, "-i", a_s], &[]).await;
    assert!(!r.ok(), "{r:?}");
    assert!(r.stderr.contains("不是空库"), "{r:?}");

    let (copy, _clock) = helpers::app(&dst, false).await;
    copy.login(
        "jiedao",
        helpers::DEMO_PASSWORD,
        SessionKind::Web,
        &RequestMeta::console(),
    )
    .await
    .map_err(|e| e.to_string())
    .expect("logs in on the copy");
}

/// A source database with one audit record, its export, and the export with line 3 damaged.
async fn small_export() -> (
    TestDb,
    App,
    helpers::TempDir,
    std::path::PathBuf,
    std::path::PathBuf,
) {
    let src = helpers::sqlite_db();
    let (app, _clock) = helpers::app(&src, false).await;
    let a = app.audit(
        &Actor::console(),
        &RequestMeta::console(),
        "test.event",
        "event:1",
    );
    app.store.append_audit(a).await.unwrap();
    let good = export_bytes(app.store.as_ref()).await;
    let dir = helpers::temp_dir();
    let good_path = dir.0.join("good.jsonl");
    std::fs::write(&good_path, &good).unwrap();
    let mut bad = lines(&good);
    assert_eq!(
        bad.len(),
        4,
        "header, one audit record, the heads (the legacy chain's, empty, and the record's)"
    );
    bad[2] = "{not json".into();
    let bad_path = dir.0.join("bad.jsonl");
    std::fs::write(&bad_path, bad.join("\n")).unwrap();
    (src, app, dir, good_path, bad_path)
}

/// The operator running `jianfu import` on a damaged file is told which line is damaged.
#[tokio::test]
async fn the_binary_names_the_damaged_line() {
    let (_src, app, _dir, good_path, bad_path) = small_export().await;
    // Only the console may import.
    let good = std::fs::read(&good_path).unwrap();
    let e = app
        .import(&Actor::anonymous(), &RequestMeta::default(), &mut &good[..])
        .await;
    assert!(matches!(e, Err(ServiceError::Forbidden)), "{e:?}");

    let empty = helpers::sqlite_db();
    let args = [
        "import",
        "--database-url",
        &empty.raw_url,
        "-i",
        bad_path.to_str().unwrap(),
    ];
    let r = jianfu(&args, &[]).await;
    assert!(!r.ok(), "{r:?}");
    assert!(
        r.stderr.contains("第 3 行"),
        "the damaged line is named: {r:?}"
    );
}

/// Importing into a database in use is refused in a sentence that makes sense.
#[tokio::test]
async fn the_binary_refuses_a_non_empty_target_in_plain_words() {
    let (src, _app, _dir, good_path, _bad_path) = small_export().await;
    let args = [
        "import",
        "--database-url",
        &src.raw_url,
        "-i",
        good_path.to_str().unwrap(),
    ];
    let r = jianfu(&args, &[]).await;
    assert!(!r.ok(), "{r:?}");
    assert!(r.stderr.contains("目标数据库不是空库"), "{r:?}");
    assert!(
        !r.stderr.contains("已存在"),
        "not “…新建的数据库已存在”: {r:?}"
    );
}

/// The export registry names every table and column of the real schema, on both backends, so a
/// new table or column cannot silently be left out of a move between databases.
#[tokio::test]
async fn export_registry_matches_the_schema() {
    use jianfu_store::portable::{NOT_EXPORTED, TABLES};
    use sqlx::Connection;
    for db in helpers::backends().await {
        let (_app, _) = helpers::app(&db, false).await;
        let columns: Vec<(String, String)> = if db.label == "sqlite" {
            let mut c = sqlx::SqliteConnection::connect(&db.raw_url).await.unwrap();
            sqlx::query_as(
                "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p \
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%'",
            )
            .fetch_all(&mut c)
            .await
            .unwrap()
        } else {
            let mut c = sqlx::PgConnection::connect(&db.raw_url).await.unwrap();
            sqlx::query_as(
                // Partitions (JIANFU_TEST_PG_PARTITIONED) are part of their table, not tables.
                "SELECT c.table_name::text, c.column_name::text FROM information_schema.columns c \
                 JOIN pg_class t ON t.relname = c.table_name \
                  AND t.relnamespace = current_schema()::regnamespace \
                 WHERE c.table_schema = current_schema() AND c.table_name NOT LIKE '_sqlx%' \
                   AND NOT t.relispartition",
            )
            .fetch_all(&mut c)
            .await
            .unwrap()
        };
        let mut in_db: Vec<(String, String)> = columns
            .into_iter()
            .filter(|(t, _)| !NOT_EXPORTED.contains(&t.as_str()))
            .collect();
        in_db.sort();
        let mut registered: Vec<(String, String)> = TABLES
            .iter()
            .flat_map(|t| {
                t.columns
                    .iter()
                    .map(|(c, _)| (t.name.to_string(), c.to_string()))
            })
            .collect();
        registered.sort();
        assert_eq!(
            in_db, registered,
            "{}: portable::TABLES must match the schema",
            db.label
        );
    }
}
