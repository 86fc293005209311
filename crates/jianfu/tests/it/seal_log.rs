//! The seal-use logs end to end: uses of the seal recorded through the service, every kind of
//! tampering applied directly in the real database (triggers dropped first, as someone with
//! database access would), and the real `jianfu seal verify` naming the log and its first bad
//! entry. Plus offline inclusion proofs, the triggers, and who may see and use the page and the
//! API. Several communities' logs at once: `seal_logs.rs`.

use crate::cli::jianfu;
use crate::helpers::{self, TempDir, TestDb, TestServer, expect_code, hidden_field, json_ok};
use jianfu_domain::seal::checkpoint::{self, Ed25519Verifier};
use jianfu_domain::seal::entry::genesis;
use jianfu_domain::seal::hash::{parse_hex, to_hex};
use jianfu_domain::seal::heads::head_leaf;
use jianfu_domain::seal::merkle::{self, Frontier};
use jianfu_domain::seal::{HashAlg, Personal, SealEntry};
use jianfu_domain::{ManualClock, OrgCode, Role};
use jianfu_server::service::seal::{NewSealUse, ProofState};
use jianfu_server::service::{Actor, RequestMeta};
use jianfu_server::{App, Config};
use jianfu_store::{DatabaseUrl, SealEntryRow, Store};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{Connection, PgConnection};
use std::sync::Arc;

pub(crate) const COMMUNITY: &str = "110115001901";

/// A connection straight to the database, bypassing jianfu.
pub(crate) enum Raw {
    Sqlite(SqliteConnection),
    Pg(PgConnection),
}

#[macro_export]
macro_rules! exec {
    ($raw:expr, $sql:expr $(, $bind:expr)* $(,)?) => {
        match &mut $raw {
            Raw::Sqlite(c) => sqlx::query($sql)$(.bind($bind))*.execute(&mut *c).await
                .map(|r| r.rows_affected()),
            Raw::Pg(c) => sqlx::query($sql)$(.bind($bind))*.execute(&mut *c).await
                .map(|r| r.rows_affected()),
        }
    };
}

pub(crate) async fn raw(db: &TestDb) -> Raw {
    match &db.url {
        DatabaseUrl::Sqlite { path } => Raw::Sqlite(
            SqliteConnection::connect_with(&SqliteConnectOptions::new().filename(path))
                .await
                .expect("raw SQLite connection"),
        ),
        DatabaseUrl::Postgres { url } => {
            let mut c = PgConnection::connect(url).await.expect("raw PostgreSQL");
            let schema: String = sqlx::query_scalar("SELECT current_schema()")
                .fetch_one(&mut c)
                .await
                .unwrap();
            assert!(schema.starts_with("jf_test_"), "test schema: {schema}");
            Raw::Pg(c)
        }
    }
}

impl Raw {
    /// What an attacker does first: remove the append-only guards and the foreign keys.
    pub(crate) async fn unguard(&mut self) {
        let statements: &[&str] = match self {
            Raw::Sqlite(_) => &[
                "PRAGMA foreign_keys = OFF",
                "DROP TRIGGER seal_entries_no_update",
                "DROP TRIGGER seal_entries_no_delete",
                "DROP TRIGGER seal_nodes_no_update",
                "DROP TRIGGER seal_nodes_no_delete",
                "DROP TRIGGER seal_checkpoints_no_update",
                "DROP TRIGGER seal_checkpoints_no_delete",
                "DROP TRIGGER seal_personal_no_update",
            ],
            Raw::Pg(_) => &[
                "DROP TRIGGER seal_entries_no_update ON seal_entries",
                "DROP TRIGGER seal_nodes_no_update ON seal_nodes",
                "DROP TRIGGER seal_checkpoints_no_update ON seal_checkpoints",
                "DROP TRIGGER seal_personal_no_update ON seal_personal",
                // Foreign keys are system triggers in PostgreSQL; a superuser skips them so.
                "SET session_replication_role = replica",
            ],
        };
        for s in statements {
            exec!(*self, *s).unwrap_or_else(|e| panic!("{s}: {e}"));
        }
    }

    /// Inserts `e` into the log `log`, with its personal row when given.
    pub(crate) async fn insert_entry(&mut self, log: &str, e: &SealEntry, p: Option<&Personal>) {
        let n = exec!(
            *self,
            "INSERT INTO seal_entries (log, seq, id, used_at, community_code, kind, subject, \
             content, copies, approver, handler, personal_digest, hash_alg, leaf_hash, prev_hash, \
             entry_hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, \
             $15, $16)",
            log.to_string(),
            e.seq,
            e.id.clone(),
            e.used_at,
            e.community_code.clone(),
            e.kind.clone(),
            e.subject.clone(),
            e.content.clone(),
            e.copies,
            e.approver.clone(),
            e.handler.clone(),
            e.personal_digest.clone(),
            e.hash_alg.clone(),
            e.leaf_hash.clone(),
            e.prev_hash.clone(),
            e.entry_hash.clone(),
        )
        .expect("insert entry");
        assert_eq!(n, 1);
        if let Some(p) = p {
            exec!(
                *self,
                "INSERT INTO seal_personal (log, seq, salt, applicant, contact, used_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
                log.to_string(),
                e.seq,
                p.salt.clone(),
                p.applicant.clone(),
                p.contact.clone(),
                e.used_at,
            )
            .expect("insert personal");
        }
    }

    /// Inserts Merkle nodes of the log `log`.
    pub(crate) async fn insert_nodes(&mut self, log: &str, nodes: &[merkle::NewNode]) {
        for n in nodes {
            exec!(
                *self,
                "INSERT INTO seal_nodes (log, node, hash) VALUES ($1, $2, $3)",
                log.to_string(),
                n.node.key(),
                to_hex(&n.hash)
            )
            .expect("insert node");
        }
    }
}

fn director() -> Actor {
    director_of(COMMUNITY)
}

/// The director of `community` (an actor only: the demo has one director account).
pub(crate) fn director_of(community: &str) -> Actor {
    Actor {
        user_id: Some(format!("test-shuji-{community}")),
        username: Some("shuji".into()),
        display_name: "张书记（演示）".into(),
        roles: vec![Role::CommunityDirector],
        org: Some(OrgCode::parse(community).unwrap()),
    }
}

/// An app on `db` whose data directory (the signing key) is a fresh temporary one.
pub(crate) async fn seal_app(db: &TestDb, alg: &str) -> (App, TempDir) {
    let (app, dir, _) = seal_app_clocked(db, alg).await;
    (app, dir)
}

async fn seal_app_clocked(db: &TestDb, alg: &str) -> (App, TempDir, Arc<ManualClock>) {
    let dir = helpers::temp_dir();
    let store: Arc<dyn Store> = jianfu_store::open(&db.url).await.expect("open");
    let config = Config {
        data_dir: dir.0.clone(),
        seal_hash_alg: alg.into(),
        ..Config::default()
    };
    let clock = helpers::test_clock();
    let app = App::new(store, clock.clone(), config);
    app.load_demo(&RequestMeta::console()).await.expect("demo");
    (app, dir, clock)
}

async fn record(app: &App, i: i64) -> i64 {
    record_in(app, COMMUNITY, "shegong", i).await
}

/// Records use `i` of the seal of `community`, handled by `handler` (one of its workers); returns
/// its number in the community's log.
pub(crate) async fn record_in(app: &App, community: &str, handler: &str, i: i64) -> i64 {
    let e = app
        .record_seal_use(
            &director_of(community),
            &RequestMeta::console(),
            &NewSealUse {
                content: format!("关于第 {i} 次借用活动室的函"),
                copies: ((i % 3) + 1).to_string(),
                handler: handler.into(),
                applicant: format!("居民{i}"),
                contact: format!("1380000{i:04}"),
            },
        )
        .await
        .unwrap_or_else(|e| panic!("record {i}: {e}"));
    e.seq
}

pub(crate) async fn checkpoint(app: &App) {
    app.make_seal_checkpoint(&Actor::console(), &RequestMeta::console(), true)
        .await
        .expect("checkpoint")
        .expect("the log has entries");
}

/// Twelve uses of the seal, with signed checkpoints at 8 and at 12.
async fn real_log(db: &TestDb) -> (App, TempDir) {
    let (app, dir) = seal_app(db, "sha256").await;
    for i in 1..=12 {
        assert_eq!(record(&app, i).await, i);
        if i == 8 {
            checkpoint(&app).await;
        }
    }
    checkpoint(&app).await;
    (app, dir)
}

pub(crate) async fn verify_cli(db: &TestDb, key_dir: &TempDir, extra: &[&str]) -> crate::cli::Run {
    let dir = key_dir.0.display().to_string();
    let mut args = vec![
        "seal",
        "verify",
        "--database-url",
        db.raw_url.as_str(),
        "--data-dir",
        dir.as_str(),
    ];
    args.extend(extra);
    jianfu(&args, &[]).await
}

/// Asserts the binary fails, naming `seq` (as "第 N 条"), with the problem code `code`.
pub(crate) async fn assert_found(
    db: &TestDb,
    key_dir: &TempDir,
    extra: &[&str],
    needle: &str,
    code: &str,
) {
    let r = verify_cli(db, key_dir, extra).await;
    assert_eq!(r.code, Some(1), "{}: {code}: {r:?}", db.label);
    assert!(r.stdout.contains("用印登记校验失败"), "{r:?}");
    assert!(
        r.stdout.contains(needle),
        "{}: names {needle}: {r:?}",
        db.label
    );
    assert!(
        r.stdout.contains(&format!("问题代码：{code}")),
        "{}: {code}: {r:?}",
        db.label
    );
}

/// Rewrites `log` consistently from its genesis (every hash, node and the head recomputed with
/// jianfu's own code), changing the content of entry 2 and keeping the first `keep` entries.
pub(crate) async fn rewrite_log(
    conn: &mut Raw,
    store: &dyn jianfu_store::Store,
    log: &str,
    keep: usize,
) {
    let rows = store.seal_entries_after(log, 0, 1000).await.unwrap();
    for t in ["seal_nodes", "seal_personal", "seal_entries"] {
        let sql = format!("DELETE FROM {t} WHERE log = $1");
        exec!(*conn, sqlx::AssertSqlSafe(sql), log.to_string()).unwrap();
    }
    let h = HashAlg::Sha256.hasher();
    let mut frontier = Frontier::default();
    let mut prev = genesis(h, log);
    for row in rows.into_iter().take(keep) {
        let (mut e, p) = row.into_parts();
        let p = p.unwrap();
        if e.seq == 2 {
            e.content = "关于借用活动室的函（已改写）".into();
        }
        let e = e.seal(h, &p, &prev);
        prev = parse_hex(&e.entry_hash).unwrap();
        let nodes = frontier.append(h, parse_hex(&e.leaf_hash).unwrap());
        conn.insert_nodes(log, &nodes).await;
        conn.insert_entry(log, &e, Some(&p)).await;
    }
    exec!(
        *conn,
        "UPDATE seal_head SET size = $1, hash = $2, frontier = $3 WHERE log = $4",
        keep as i64,
        to_hex(&prev),
        frontier.encode(),
        log.to_string()
    )
    .unwrap();
}

/// A fresh database of the same backend holding a copy of `export`.
pub(crate) async fn copy_of(like: &TestDb, export: &[u8]) -> (TestDb, Arc<dyn Store>) {
    let db = match like.label {
        "sqlite" => helpers::sqlite_db(),
        _ => helpers::pg_db().await.expect("PostgreSQL was reachable"),
    };
    let store = jianfu_store::open(&db.url).await.unwrap();
    jianfu_store::portable::import(store.as_ref(), &mut &export[..])
        .await
        .expect("copy imports");
    (db, store)
}

async fn all_entries(store: &dyn Store) -> Vec<SealEntryRow> {
    store.seal_entries_after(COMMUNITY, 0, 1000).await.unwrap()
}

#[tokio::test]
async fn every_kind_of_tampering_is_found_by_the_binary() {
    for db in helpers::backends().await {
        let l = db.label;
        let (app, keys) = real_log(&db).await;
        let r = verify_cli(&db, &keys, &[]).await;
        assert!(r.ok(), "{l}: intact: {r:?}");
        assert!(
            r.stdout.contains("用印登记完整：1 本登记簿共 12 条记录"),
            "{r:?}"
        );
        assert!(
            r.stdout
                .contains("已核验 1 个签名检查点，最新的覆盖 12 条记录"),
            "{r:?}"
        );
        let mut export = Vec::new();
        jianfu_store::portable::export(app.store.as_ref(), &mut export)
            .await
            .unwrap();
        let published = keys.0.join("published.json");
        let p = app.published_seal_checkpoint().await.unwrap().unwrap();
        std::fs::write(&published, serde_json::to_string(&p).unwrap()).unwrap();
        let published = published.display().to_string();

        // Modified: one field of entry 5, in the original database.
        let mut conn = raw(&db).await;
        conn.unguard().await;
        let n = exec!(conn, "UPDATE seal_entries SET copies = 9 WHERE seq = 5").unwrap();
        assert_eq!(n, 1, "{l}: the tampering took");
        assert_found(&db, &keys, &[], "第 5 条", "entry_modified").await;
        assert_found(
            &db,
            &keys,
            &[],
            "用印登记簿 110115001901（",
            "entry_modified",
        )
        .await;

        // Removed: entry 6 deleted (with its personal row).
        let (copy, _) = copy_of(&db, &export).await;
        let r = verify_cli(&copy, &keys, &[]).await;
        assert!(r.ok(), "{l}: the copy is intact: {r:?}");
        let mut conn = raw(&copy).await;
        conn.unguard().await;
        exec!(conn, "DELETE FROM seal_personal WHERE seq = 6").unwrap();
        assert_eq!(
            exec!(conn, "DELETE FROM seal_entries WHERE seq = 6").unwrap(),
            1
        );
        assert_found(&copy, &keys, &[], "第 6 条", "entry_removed").await;

        // Inserted: a self-consistent forgery at 7 linking to entry 6; the rest moved up.
        let (copy, store) = copy_of(&db, &export).await;
        let rows = all_entries(store.as_ref()).await;
        let mut conn = raw(&copy).await;
        conn.unguard().await;
        for seq in (7..=12).rev() {
            exec!(
                conn,
                "UPDATE seal_personal SET seq = seq + 1 WHERE seq = $1",
                seq
            )
            .unwrap();
            let moved = exec!(
                conn,
                "UPDATE seal_entries SET seq = seq + 1 WHERE seq = $1",
                seq
            )
            .unwrap();
            assert_eq!(moved, 1);
        }
        let (template, personal) = rows[6].clone().into_parts();
        let personal = personal.expect("personal data kept");
        let forged = SealEntry {
            id: "forged-0001".into(),
            content: "伪造的用印记录".into(),
            ..template
        }
        .seal(
            HashAlg::Sha256.hasher(),
            &personal,
            &parse_hex(&rows[5].entry_hash).unwrap(),
        );
        conn.insert_entry(COMMUNITY, &forged, Some(&personal)).await;
        assert_found(&copy, &keys, &[], "第 7 条", "entry_inserted").await;

        // Reordered: entries 3 and 4 trade places.
        let (copy, _) = copy_of(&db, &export).await;
        let mut conn = raw(&copy).await;
        conn.unguard().await;
        for (from, to) in [(3, 1003), (4, 3), (1003, 4)] {
            exec!(
                conn,
                "UPDATE seal_personal SET seq = $1 WHERE seq = $2",
                to,
                from
            )
            .unwrap();
            let n = exec!(
                conn,
                "UPDATE seal_entries SET seq = $1 WHERE seq = $2",
                to,
                from
            )
            .unwrap();
            assert_eq!(n, 1);
        }
        assert_found(&copy, &keys, &[], "第 3 条", "entries_reordered").await;

        // Truncated: the last two entries cut off; the head still says 12.
        let (copy, _) = copy_of(&db, &export).await;
        let mut conn = raw(&copy).await;
        conn.unguard().await;
        exec!(conn, "DELETE FROM seal_personal WHERE seq > 10").unwrap();
        assert_eq!(
            exec!(conn, "DELETE FROM seal_entries WHERE seq > 10").unwrap(),
            2
        );
        assert_found(&copy, &keys, &[], "第 11 条起的记录被截去", "log_truncated").await;

        // Personal data altered: the contact of entry 9.
        let (copy, _) = copy_of(&db, &export).await;
        let mut conn = raw(&copy).await;
        conn.unguard().await;
        exec!(
            conn,
            "UPDATE seal_personal SET contact = '13999999999' WHERE seq = 9"
        )
        .unwrap();
        assert_found(&copy, &keys, &[], "第 9 条", "personal_data_modified").await;

        // A checkpoint's signature forged (one byte of the signature at 12 changed).
        let (copy, store) = copy_of(&db, &export).await;
        let cp = store.latest_seal_checkpoint().await.unwrap().unwrap();
        // One hex digit of the signature changed.
        let mut sig: Vec<char> = cp.checkpoint.signature.chars().collect();
        sig[20] = if sig[20] == '0' { '1' } else { '0' };
        let sig: String = sig.into_iter().collect();
        let mut conn = raw(&copy).await;
        conn.unguard().await;
        exec!(
            conn,
            "UPDATE seal_checkpoints SET signature = $1 WHERE size = 12",
            sig
        )
        .unwrap();
        assert_found(
            &copy,
            &keys,
            &[],
            "覆盖 12 条记录的库内检查点签名无效",
            "bad_checkpoint_signature",
        )
        .await;

        // Rewritten consistently: entry 2's content changed and every hash, node and the head
        // recomputed with jianfu's own code. Only the signed checkpoints can tell.
        let (copy, store) = copy_of(&db, &export).await;
        let mut conn = raw(&copy).await;
        conn.unguard().await;
        rewrite_log(&mut conn, store.as_ref(), COMMUNITY, 12).await;
        // The latest stored checkpoint (at 12) is what the database holds against it.
        assert_found(
            &copy,
            &keys,
            &[],
            "第 1 至 12 条之间的记录被改写",
            "log_rewritten",
        )
        .await;
        // The stored checkpoints deleted as well: without one kept outside, nothing can tell…
        exec!(conn, "DELETE FROM seal_checkpoints").unwrap();
        let r = verify_cli(&copy, &keys, &[]).await;
        assert!(
            r.ok(),
            "{l}: a full rewrite needs an outside checkpoint: {r:?}"
        );
        // …with the published one, it is found.
        assert_found(
            &copy,
            &keys,
            &["--checkpoint", published.as_str()],
            "外部保存的签名检查点不符",
            "log_rewritten",
        )
        .await;

        // Personal rows deleted (possible without touching any guard) before their retention
        // period ended (1095 days by default; the entries are from the test clock's day): named.
        let (copy, store) = copy_of(&db, &export).await;
        let mut conn = raw(&copy).await;
        let n = exec!(conn, "DELETE FROM seal_personal WHERE seq <= 5").unwrap();
        assert_eq!(n, 5, "{l}: the retention purge needs no dropped trigger");
        assert_found(
            &copy,
            &keys,
            &["--checkpoint", published.as_str()],
            "保存期限届满前",
            "personal_data_deleted_early",
        )
        .await;
        // With a period that has ended for them (1 day: the test clock's day is in the past),
        // the same deletion is retention: intact.
        let dir = keys.0.display().to_string();
        let r = jianfu(
            &[
                "seal",
                "verify",
                "--database-url",
                copy.raw_url.as_str(),
                "--data-dir",
                dir.as_str(),
                "--checkpoint",
                published.as_str(),
            ],
            &[("JIANFU_PERSONAL_DATA_RETENTION_DAYS", "1")],
        )
        .await;
        assert!(r.ok(), "{l}: after retention: {r:?}");
        assert!(
            r.stdout.contains("其中 5 条的个人信息已按保存期限删除"),
            "{r:?}"
        );
        let page = store.seal_entries_after(COMMUNITY, 0, 10).await.unwrap();
        assert!(page[0].applicant.is_none() && page[5].applicant.is_some());
    }
}

#[tokio::test]
async fn the_triggers_keep_the_log_append_only_but_personal_data_deletable() {
    for db in helpers::backends().await {
        let l = db.label;
        let (app, _keys, clock) = seal_app_clocked(&db, "sha256").await;
        let mut times = vec![];
        for i in 1..=3 {
            record(&app, i).await;
            times.push(app.now_ms());
            clock.advance(time::Duration::days(1));
        }
        checkpoint(&app).await;
        let mut conn = raw(&db).await;
        for sql in [
            "UPDATE seal_entries SET copies = 5 WHERE seq = 2",
            "DELETE FROM seal_entries WHERE seq = 3",
            "UPDATE seal_nodes SET hash = 'x'",
            "DELETE FROM seal_nodes",
            "UPDATE seal_checkpoints SET root = 'x'",
            "DELETE FROM seal_checkpoints",
        ] {
            let e = exec!(conn, sql).expect_err(sql).to_string();
            assert!(e.contains("append-only"), "{l}: {sql}: {e}");
        }
        let e = exec!(conn, "UPDATE seal_personal SET contact = 'x' WHERE seq = 1")
            .expect_err("personal data is never changed")
            .to_string();
        assert!(e.contains("never changed"), "{l}: {e}");
        if matches!(conn, Raw::Pg(_)) {
            let e = exec!(conn, "TRUNCATE seal_entries CASCADE")
                .expect_err("TRUNCATE must fail")
                .to_string();
            assert!(e.contains("append-only"), "{l}: {e}");
        }
        // Retention through the store: only what is older than the cut, audited, and the log
        // still verifies.
        let purge = |before: i64| {
            let a = app.audit(
                &Actor::console(),
                &RequestMeta::console(),
                "seal.retention_purge",
                "seal_personal",
            );
            app.store.purge_seal_personal(before, a)
        };
        let audited = app.store.audit_head().await.unwrap().0;
        assert_eq!(purge(times[0]).await.unwrap(), 0, "{l}: nothing is older");
        assert_eq!(
            app.store.audit_head().await.unwrap().0,
            audited,
            "{l}: nothing done"
        );
        assert_eq!(purge(times[1]).await.unwrap(), 1, "{l}: the first day only");
        assert_eq!(
            app.store.audit_head().await.unwrap().0,
            audited + 1,
            "{l}: audited"
        );
        let kept: Vec<bool> = all_entries(app.store.as_ref())
            .await
            .iter()
            .map(|r| r.applicant.is_some())
            .collect();
        assert_eq!(kept, [false, true, true], "{l}");
        // That deletion came long before the retention period (1095 days) ended: named.
        let report = app.verify_seal_logs(None).await.unwrap();
        let p = report.problems.first().expect("early deletion found");
        assert_eq!(
            (p.log.as_deref(), p.problem.seq, p.code()),
            (Some(COMMUNITY), 1, "personal_data_deleted_early"),
            "{l}"
        );
        // Once the period has ended for all of them, deleting is retention.
        clock.advance(time::Duration::days(1096 + 3));
        assert_eq!(purge(i64::MAX).await.unwrap(), 2, "{l}: the rest");
        assert_eq!(purge(i64::MAX).await.unwrap(), 0, "{l}: nothing left");
        let report = app.verify_seal_logs(None).await.unwrap();
        assert_eq!(report.problems, vec![], "{l}");
        assert_eq!((report.entries, report.personal_deleted), (3, 3));
        assert_eq!(report.checkpoints_verified, 1);
    }
}

#[tokio::test]
async fn inclusion_proofs_verify_offline_against_the_checkpoint() {
    for db in helpers::backends().await {
        let l = db.label;
        let (app, _keys) = seal_app(&db, "sha256").await;
        for i in 1..=13 {
            record(&app, i).await;
        }
        checkpoint(&app).await;
        let latest = record(&app, 14).await;
        let key = app.seal_public_key().unwrap();
        let verifier = Ed25519Verifier::from_hex(&key.public_key).unwrap();
        for seq in 1..=13 {
            let p = app
                .seal_inclusion_proof(COMMUNITY, seq)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(p.state, ProofState::Covered, "{l}");
            assert!(p.verified, "{l}: {}", p.message);
            // Offline: only the proof, the checkpoint and the public key.
            let c = p.checkpoint.clone().unwrap();
            assert_eq!(c.size, 13);
            assert_eq!(checkpoint::check(&verifier, &c), Ok(()));
            let h = c.hash_alg.hasher();
            let hexes =
                |v: &[String]| -> Vec<_> { v.iter().map(|x| parse_hex(x).unwrap()).collect() };
            // The entry up to its log's root…
            let head = p.head.clone().expect("the log's head");
            assert_eq!((head.log.as_str(), head.size), (COMMUNITY, 13));
            let leaf = parse_hex(&p.leaf_hash).unwrap();
            let log_root = parse_hex(&head.root).unwrap();
            let path = hexes(&p.path);
            assert!(merkle::verify_inclusion(
                h,
                &leaf,
                (seq - 1) as u64,
                13,
                &path,
                &log_root
            ));
            // …and the log's head up to the signed root.
            let root = parse_hex(&c.root).unwrap();
            let (i, n) = (p.head_index.unwrap() as u64, p.head_count.unwrap() as u64);
            assert_eq!((i, n), (0, 1), "one log");
            let head_path = hexes(&p.head_path);
            assert!(merkle::verify_inclusion(
                h,
                &head_leaf(h, &head),
                i,
                n,
                &head_path,
                &root
            ));
            // Another leaf, or another head, does not verify with this proof.
            let mut other = leaf;
            other[0] ^= 1;
            assert!(!merkle::verify_inclusion(
                h,
                &other,
                (seq - 1) as u64,
                13,
                &path,
                &log_root
            ));
            let shorter = jianfu_domain::seal::LogHead {
                size: 12,
                ..head.clone()
            };
            assert!(!merkle::verify_inclusion(
                h,
                &head_leaf(h, &shorter),
                i,
                n,
                &head_path,
                &root
            ));
        }
        let pending = app
            .seal_inclusion_proof(COMMUNITY, latest)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(pending.state, ProofState::Pending, "{l}");
        assert!(!pending.verified && pending.message.contains("尚未纳入"));
        assert!(
            app.seal_inclusion_proof(COMMUNITY, 99)
                .await
                .unwrap()
                .is_none()
        );
        assert!(app.seal_inclusion_proof("seal", 1).await.unwrap().is_none());
    }
}

#[tokio::test]
async fn an_sm3_log_verifies_and_keeps_its_algorithm() {
    let db = helpers::sqlite_db();
    let (app, keys) = seal_app(&db, "sm3").await;
    for i in 1..=5 {
        record(&app, i).await;
    }
    checkpoint(&app).await;
    let head = app.store.seal_head(COMMUNITY).await.unwrap().unwrap();
    assert_eq!((head.size, head.hash_alg.as_str()), (5, "sm3"));
    let r = verify_cli(&db, &keys, &[]).await;
    assert!(r.ok(), "{r:?}");
    assert!(r.stdout.contains("SM3"), "{r:?}");
    // A later configuration change switches neither an existing log's algorithm nor the one a
    // new community's log starts with: the district keeps one.
    let store = jianfu_store::open(&db.url).await.unwrap();
    let config = Config {
        data_dir: keys.0.clone(),
        ..Config::default()
    };
    let app2 = App::new(store, helpers::test_clock(), config);
    assert_eq!(app2.seal_hash_alg().unwrap(), HashAlg::Sha256);
    record(&app2, 6).await;
    assert_eq!(record_in(&app2, "110115001902", "shegong2", 7).await, 1);
    let rows = all_entries(app2.store.as_ref()).await;
    assert!(rows.iter().all(|r| r.hash_alg == "sm3"));
    let other = app2.store.seal_head("110115001902").await.unwrap().unwrap();
    assert_eq!(other.hash_alg, "sm3");
    checkpoint(&app2).await;
    let r = verify_cli(&db, &keys, &[]).await;
    assert!(r.ok(), "{r:?}");
    assert!(r.stdout.contains("2 本登记簿共 7 条记录（SM3"), "{r:?}");
}

#[tokio::test]
async fn cli_signs_shows_and_exports_checkpoints() {
    let db = helpers::sqlite_db();
    let (app, keys) = seal_app(&db, "sha256").await;
    let dir = keys.0.display().to_string();
    let with_db = |cmd: &'static str| {
        vec![
            "seal",
            cmd,
            "--database-url",
            db.raw_url.as_str(),
            "--data-dir",
            dir.as_str(),
        ]
    };
    let r = jianfu(&with_db("checkpoint"), &[]).await;
    assert!(r.ok() && r.stdout.contains("还没有记录"), "{r:?}");
    let r = jianfu(&with_db("export-checkpoint"), &[]).await;
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(r.stderr.contains("还没有签名检查点"), "{r:?}");
    for i in 1..=3 {
        record(&app, i).await;
    }
    let r = jianfu(&with_db("checkpoint"), &[]).await;
    assert!(
        r.ok() && r.stdout.contains("已签署检查点：各登记簿共 3 条记录"),
        "{r:?}"
    );
    let r = jianfu(&with_db("public-key"), &[]).await;
    let key = app.seal_public_key().unwrap();
    assert!(r.ok() && r.stdout.contains(&key.public_key), "{r:?}");
    assert!(r.stdout.contains(&key.fingerprint), "{r:?}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(app.seal_key_path())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "the key file is the owner's only");
    }
    let r = jianfu(&with_db("export-checkpoint"), &[]).await;
    assert!(r.ok(), "{r:?}");
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["format"], "jianfu-seal-checkpoint");
    assert_eq!(v["checkpoint"]["size"], 3);
    assert_eq!(v["checkpoint"]["log"], "seal_logs");
    assert_eq!(v["heads"][0]["log"], COMMUNITY);
    assert_eq!(v["heads"][0]["size"], 3);
    assert_eq!(v["public_key"], key.public_key.as_str());
    // Verifying with the public key given instead of the key file.
    let other = helpers::temp_dir();
    let r = verify_cli(&db, &other, &["--public-key", key.public_key.as_str()]).await;
    assert!(
        r.ok() && r.stdout.contains("已核验 1 个签名检查点"),
        "{r:?}"
    );
    assert!(!other.0.join("keys").exists(), "verify never creates a key");
    let r = verify_cli(&db, &other, &[]).await;
    assert!(r.ok() && r.stdout.contains("检查点签名未核验"), "{r:?}");
    // The wrong key: every checkpoint looks foreign.
    let wrong = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
    assert_found(
        &db,
        &other,
        &["--public-key", wrong],
        "不是用本区的密钥签署的",
        "unknown_signing_key",
    )
    .await;
    let r = verify_cli(&db, &other, &["--public-key", "abc"]).await;
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(r.stderr.contains("公钥格式不正确"), "{r:?}");
}

#[tokio::test]
async fn page_and_api_follow_the_permissions() {
    let s = TestServer::sqlite().await;

    // A department clerk has no business with the seal.
    let clerk = s.web_login("minzheng").await;
    let r = clerk.get(s.url("/seal")).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let token = s.api_token("minzheng").await;
    let r = reqwest::Client::new()
        .get(s.url("/api/v1/seal/entries"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    expect_code(r, 403, "forbidden").await;

    // The director: the form, refusals that keep what was typed, then a recorded use.
    let shuji = s.web_login("shuji").await;
    let page = shuji
        .get(s.url("/seal"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("登记工作用章") && page.contains("李社工（演示）"),
        "{page}"
    );
    let csrf = hidden_field(&page, "csrf").unwrap();
    let r = shuji
        .post(s.url("/seal"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("content", "   "),
            ("copies", "3"),
            ("handler", "shegong"),
            ("applicant", "王某某"),
            ("contact", "13800001111"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("不能在空白或未填写内容的文件上盖章"),
        "{body}"
    );
    assert!(
        body.contains("value=\"王某某\"") && body.contains("value=\"3\""),
        "{body}"
    );
    let r = shuji
        .post(s.url("/seal"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("content", "关于借用活动室的函"),
            ("copies", "3"),
            ("handler", "shegong2"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422, "shegong2 works in another community");
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("请从本社区的工作人员中选择经办人")
    );
    let r = shuji
        .post(s.url("/seal"))
        .form(&[
            ("content", "关于借用活动室的函"),
            ("copies", "3"),
            ("handler", "shegong"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "no CSRF token");
    let r = shuji
        .post(s.url("/seal"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("content", "关于借用活动室的函"),
            ("copies", "3"),
            ("handler", "shegong"),
            ("applicant", "王某某"),
            ("contact", "13800001111"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/seal?recorded=1");
    let page = shuji
        .get(s.url("/seal?recorded=1"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("已登记本社区登记簿第 1 号用印记录"), "{page}");
    assert!(
        page.contains("王某某") && page.contains("13800001111"),
        "the director sees it all"
    );

    // The worker sees the entry with the applicant masked, and no form.
    let worker = s.web_login("shegong").await;
    let page = worker
        .get(s.url("/seal"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("关于借用活动室的函"), "{page}");
    assert!(!page.contains("王某某") && page.contains("王**") && page.contains("*******1111"));
    assert!(!page.contains("审批并登记"));
    // A worker of another community sees nothing of it.
    let other = s.web_login("shegong2").await;
    let page = other
        .get(s.url("/seal"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!page.contains("关于借用活动室的函") && page.contains("还没有用印记录"));
    // The supervisor sees the district.
    let ducha = s.web_login("ducha").await;
    let page = ducha
        .get(s.url("/seal"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("全区用印记录") && page.contains("关于借用活动室的函"),
        "{page}"
    );

    // API: recording needs the director.
    let worker_token = s.api_token("shegong").await;
    let api = reqwest::Client::new();
    let body = serde_json::json!({"content": "工作函", "copies": 1, "handler": "shegong"});
    let r = api
        .post(s.url("/api/v1/seal/entries"))
        .bearer_auth(&worker_token)
        .json(&body)
        .send()
        .await
        .unwrap();
    expect_code(r, 403, "forbidden").await;
    let director_token = s.api_token("shuji").await;
    let post = |b: serde_json::Value| {
        api.post(s.url("/api/v1/seal/entries"))
            .bearer_auth(&director_token)
            .json(&b)
            .send()
    };
    let v = json_ok(post(body.clone()).await.unwrap(), 201).await;
    assert_eq!(
        (v["log"].as_str(), v["seq"].as_i64()),
        (Some(COMMUNITY), Some(2))
    );
    let bad = serde_json::json!({"content": "工作函", "copies": 0, "handler": "shegong"});
    expect_code(post(bad).await.unwrap(), 422, "invalid_copies").await;
    let bad = serde_json::json!({"content": "", "copies": 1, "handler": "shegong"});
    expect_code(post(bad).await.unwrap(), 422, "blank_document").await;
    let bad = serde_json::json!({"content": "工作函", "copies": 1, "handler": "nobody"});
    expect_code(post(bad).await.unwrap(), 422, "unknown_handler").await;
    let v = json_ok(
        api.get(s.url("/api/v1/seal/entries"))
            .bearer_auth(&worker_token)
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let entries = v["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[1]["applicant"], "王**");
    assert_eq!(entries[1]["personal_masked"], true);
    assert_eq!(entries[1]["log"], COMMUNITY);

    // Public: the checkpoint and proofs need no login.
    let v = json_ok(
        api.get(s.url("/api/v1/seal/checkpoint"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(
        (v["log_size"].as_i64(), v["logs"].as_i64()),
        (Some(2), Some(1))
    );
    assert!(v["checkpoint"].is_null(), "none signed yet");
    let proof_url = s.url("/api/v1/seal/logs/110115001901/entries/1/proof");
    let v = json_ok(api.get(proof_url.clone()).send().await.unwrap(), 200).await;
    assert_eq!(v["state"], "pending");
    // Once signed (the server does it every minute), the page shows the checkpoint and the
    // key's fingerprint, and the proof verifies.
    s.app
        .make_seal_checkpoint(&Actor::console(), &RequestMeta::console(), false)
        .await
        .unwrap()
        .expect("the log grew");
    let key = s.app.seal_public_key().unwrap();
    let page = worker
        .get(s.url("/seal"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("承诺 <strong>1</strong> 本登记簿共 <strong>2</strong> 条记录"),
        "{page}"
    );
    assert!(page.contains(&key.fingerprint), "{page}");
    let v = json_ok(api.get(proof_url).send().await.unwrap(), 200).await;
    assert_eq!(
        (v["state"].as_str(), v["verified"].as_bool()),
        (Some("covered"), Some(true))
    );
    assert_eq!(v["checkpoint"]["size"], 2);
    assert_eq!(
        (v["head"]["log"].as_str(), v["head_count"].as_i64()),
        (Some(COMMUNITY), Some(1))
    );
    assert_eq!(v["public_key"]["public_key"], key.public_key.as_str());
    for missing in [
        "/api/v1/seal/logs/110115001901/entries/77/proof",
        "/api/v1/seal/logs/110115001902/entries/1/proof",
        "/api/v1/seal/logs/a%20b/entries/1/proof",
        // The old address means the district log from before logs per community: none here.
        "/api/v1/seal/entries/1/proof",
    ] {
        let r = api.get(s.url(missing)).send().await.unwrap();
        expect_code(r, 404, "not_found").await;
    }
    // Paging by the cursor the previous page gave; a made-up one is refused.
    let r = api
        .get(s.url("/api/v1/seal/entries?before=12:x;y:1"))
        .bearer_auth(&worker_token)
        .send()
        .await
        .unwrap();
    expect_code(r, 400, "invalid_query").await;
}

/// Not a check: fills an SQLite file with large seal logs straight through SQL (hashes, nodes and
/// heads computed with jianfu's own code), for measuring `jianfu seal verify` on a real database
/// (docs/seal.md). `JIANFU_SEAL_GEN_LOGS` communities (made up under a street of their own; 1:
/// the demo community) share the entries in turn. Skipped unless `JIANFU_SEAL_GEN_DB` names the
/// file: `JIANFU_SEAL_GEN_DB=/tmp/big/jianfu.db JIANFU_SEAL_GEN_N=1000000 JIANFU_SEAL_GEN_LOGS=1000
/// cargo test -p jianfu --test it -- --ignored generate_a_large_seal_log`
#[tokio::test]
#[ignore]
async fn generate_a_large_seal_log() {
    let Ok(path) = std::env::var("JIANFU_SEAL_GEN_DB") else {
        eprintln!("set JIANFU_SEAL_GEN_DB to the SQLite file to fill");
        return;
    };
    let var = |name: &str, default: i64| {
        std::env::var(name)
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(default)
    };
    let n = var("JIANFU_SEAL_GEN_N", 1_000_000);
    let logs = var("JIANFU_SEAL_GEN_LOGS", 1).clamp(1, 999);
    let url = DatabaseUrl::parse(&format!("sqlite:{path}")).unwrap();
    let store = jianfu_store::open(&url).await.unwrap();
    assert!(
        store.seal_heads().await.unwrap().is_empty(),
        "no seal log yet"
    );
    let app = App::new(store, helpers::test_clock(), Config::default());
    app.load_demo(&RequestMeta::console()).await.unwrap();

    let started = std::time::Instant::now();
    let mut conn = SqliteConnection::connect_with(
        &SqliteConnectOptions::new()
            .filename(&path)
            .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal),
    )
    .await
    .unwrap();
    let mut tx = conn.begin().await.unwrap();
    let codes: Vec<String> = if logs == 1 {
        vec![COMMUNITY.to_string()]
    } else {
        sqlx::query(
            "INSERT INTO orgs (code, name, kind, parent_code, created_at) \
             VALUES ('110115099', '测试街道', 'street', '110115', 0)",
        )
        .execute(&mut *tx)
        .await
        .unwrap();
        let codes: Vec<String> = (1..=logs).map(|i| format!("110115099{i:03}")).collect();
        for c in &codes {
            sqlx::query(
                "INSERT INTO orgs (code, name, kind, parent_code, created_at) \
                 VALUES ($1, $2, 'community', '110115099', 0)",
            )
            .bind(c)
            .bind(format!("测试社区{c}"))
            .execute(&mut *tx)
            .await
            .unwrap();
        }
        codes
    };
    let h = HashAlg::Sha256.hasher();
    // Per log: its frontier, last hash and size.
    let mut state: Vec<(Frontier, jianfu_domain::seal::Digest, i64)> = codes
        .iter()
        .map(|c| (Frontier::default(), genesis(h, c), 0))
        .collect();
    let mut written = 0i64;
    while written < n {
        let mut entries = vec![];
        let mut personal = vec![];
        let mut nodes = vec![];
        for _ in 0..100.min(n - written) {
            written += 1;
            let k = (written as usize) % codes.len();
            let log = codes[k].as_str();
            let (frontier, prev, size) = &mut state[k];
            *size += 1;
            let seq = *size;
            let p = Personal {
                salt: format!("{written:032x}"),
                applicant: "王某某".into(),
                contact: format!("138{written:08}"),
            };
            let e = SealEntry {
                seq,
                id: format!("0193b1c2-0000-7000-8000-{written:012x}"),
                used_at: 1_795_000_000_000 + written * 1000,
                community_code: log.into(),
                kind: "certificate".into(),
                subject: format!("certificate:ZM{log}-2026-{seq:06}"),
                content: "居住证明（办理居住证用）".into(),
                copies: 1,
                approver: "shuji".into(),
                handler: "shegong".into(),
                ..Default::default()
            }
            .seal(h, &p, prev);
            *prev = parse_hex(&e.entry_hash).unwrap();
            for node in frontier.append(h, parse_hex(&e.leaf_hash).unwrap()) {
                nodes.push((log, node.node.key(), to_hex(&node.hash)));
            }
            personal.push((log, seq, e.used_at, p));
            entries.push((log, e));
        }
        let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "INSERT INTO seal_entries (log, seq, id, used_at, community_code, kind, subject, \
             content, copies, approver, handler, personal_digest, hash_alg, leaf_hash, prev_hash, \
             entry_hash) ",
        );
        q.push_values(&entries, |mut b, (log, e)| {
            b.push_bind(*log)
                .push_bind(e.seq)
                .push_bind(&e.id)
                .push_bind(e.used_at)
                .push_bind(&e.community_code)
                .push_bind(&e.kind)
                .push_bind(&e.subject)
                .push_bind(&e.content)
                .push_bind(e.copies)
                .push_bind(&e.approver)
                .push_bind(&e.handler)
                .push_bind(&e.personal_digest)
                .push_bind(&e.hash_alg)
                .push_bind(&e.leaf_hash)
                .push_bind(&e.prev_hash)
                .push_bind(&e.entry_hash);
        });
        q.build().execute(&mut *tx).await.unwrap();
        let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "INSERT INTO seal_personal (log, seq, salt, applicant, contact, used_at) ",
        );
        q.push_values(&personal, |mut b, (log, seq, used_at, p)| {
            b.push_bind(*log)
                .push_bind(*seq)
                .push_bind(&p.salt)
                .push_bind(&p.applicant)
                .push_bind(&p.contact)
                .push_bind(*used_at);
        });
        q.build().execute(&mut *tx).await.unwrap();
        if !nodes.is_empty() {
            let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
                "INSERT INTO seal_nodes (log, node, hash) ",
            );
            q.push_values(&nodes, |mut b, (log, k, hash)| {
                b.push_bind(*log).push_bind(*k).push_bind(hash);
            });
            q.build().execute(&mut *tx).await.unwrap();
        }
    }
    for (log, (frontier, prev, size)) in codes.iter().zip(&state) {
        sqlx::query(
            "INSERT INTO seal_head (log, size, hash, hash_alg, frontier) \
             VALUES ($1, $2, $3, 'sha256', $4)",
        )
        .bind(log)
        .bind(*size)
        .bind(to_hex(prev))
        .bind(frontier.encode())
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    eprintln!(
        "wrote {n} seal entries in {} logs to {path} in {:.1?}",
        codes.len(),
        started.elapsed()
    );
}

/// Not a check: appends through the store the way issuance does (one audited transaction per
/// entry) and prints the rate. `cargo test --release -p jianfu --test it -- --ignored
/// seal_append_rate --nocapture`
#[tokio::test]
#[ignore]
async fn seal_append_rate() {
    let db = helpers::sqlite_db();
    let (app, _keys) = seal_app(&db, "sha256").await;
    let draft = jianfu_store::SealDraft {
        community_code: COMMUNITY.into(),
        kind: "certificate".into(),
        subject: "certificate:ZM110115001901-2026-000001".into(),
        content: "居住证明（办理居住证用）".into(),
        copies: 1,
        approver: "shuji".into(),
        handler: "shegong".into(),
        applicant: "王某某".into(),
        contact: "13800001111".into(),
        used_at: 1_795_000_000_000,
    };
    let n = 2000;
    let started = std::time::Instant::now();
    for _ in 0..n {
        let a = app.audit(
            &director(),
            &RequestMeta::console(),
            "seal.use",
            "seal:bench",
        );
        app.store
            .append_seal_entry(&draft, HashAlg::Sha256, a)
            .await
            .unwrap();
    }
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "{n} audited seal appends in {secs:.2} s: {:.0}/s",
        n as f64 / secs
    );
    assert_eq!(app.verify_seal_logs(None).await.unwrap().problems, vec![]);
}

/// Uses of the seal at once: each community's log numbers its own from 1, and two uses in one
/// community queue on its head row, from the log's very first entry (when there is no head row
/// yet to lock).
#[tokio::test]
async fn concurrent_first_appends_each_get_their_own_number() {
    for db in helpers::backends().await {
        let l = db.label;
        let (app, _keys) = seal_app(&db, "sha256").await;
        let mut appends = tokio::task::JoinSet::new();
        for (i, community) in [
            "110115001901",
            "110115001902",
            "110115002901",
            "110115001901",
        ]
        .into_iter()
        .enumerate()
        {
            let store = app.store.clone();
            let draft = jianfu_store::SealDraft {
                community_code: community.into(),
                kind: "document".into(),
                subject: format!("document:{i}"),
                content: "社区工作文书".into(),
                copies: 1,
                approver: "shuji".into(),
                handler: "shegong".into(),
                applicant: "王某某".into(),
                contact: "13800001111".into(),
                used_at: 1_795_000_000_000 + i as i64,
            };
            let mut a = app.audit(&director(), &RequestMeta::console(), "seal.use", "seal:x");
            // Each on its own audit chain, so that nothing but the seal log's head orders the two
            // appends to one community's log, even its first.
            a.chain = format!("seal-race-{i}");
            appends.spawn(async move { store.append_seal_entry(&draft, HashAlg::Sha256, a).await });
        }
        let mut seqs = Vec::new();
        while let Some(r) = appends.join_next().await {
            let a = r.unwrap().unwrap_or_else(|e| panic!("{l}: {e}"));
            seqs.push((a.log, a.seq));
        }
        seqs.sort();
        let want: Vec<(String, i64)> = [
            ("110115001901", 1),
            ("110115001901", 2),
            ("110115001902", 1),
            ("110115002901", 1),
        ]
        .iter()
        .map(|(c, s)| (c.to_string(), *s))
        .collect();
        assert_eq!(seqs, want, "{l}");
        let report = app.verify_seal_logs(None).await.unwrap();
        assert_eq!(report.problems, vec![], "{l}");
        assert_eq!((report.logs, report.entries), (3, 4), "{l}");
    }
}
