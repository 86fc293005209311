//! Tampering with the audit trail in the real database, as someone with file or superuser access
//! could, and finding it: a record changed, removed, inserted, reordered or cut off the end. The
//! tampering goes through a separate raw connection, around jianfu entirely.

use crate::cli::jianfu;
use crate::helpers::{self, TestDb};
use jianfu_domain::audit_chain::{AuditRecord, BreakKind, ChainBreak, TrailProblem};
use jianfu_server::App;
use jianfu_server::service::audit::verify_chain;
use jianfu_server::service::auth::SessionKind;
use jianfu_server::service::{Actor, RequestMeta};
use jianfu_store::{DatabaseUrl, Store};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{Connection, PgConnection};

/// A connection straight to the database file or server, bypassing jianfu.
enum Raw {
    Sqlite(SqliteConnection),
    Pg(PgConnection),
}

/// Runs one statement with binds on whichever backend `$raw` is; yields rows affected.
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

async fn raw(db: &TestDb) -> Raw {
    match &db.url {
        DatabaseUrl::Sqlite { path } => Raw::Sqlite(
            SqliteConnection::connect_with(&SqliteConnectOptions::new().filename(path))
                .await
                .expect("raw SQLite connection"),
        ),
        DatabaseUrl::Postgres { url } => {
            // The URL carries `options=-c search_path=<the test's schema>`; make sure it took.
            let mut c = PgConnection::connect(url)
                .await
                .expect("raw PostgreSQL connection");
            let schema: String = sqlx::query_scalar("SELECT current_schema()")
                .fetch_one(&mut c)
                .await
                .unwrap();
            assert!(
                schema.starts_with("jf_test_"),
                "raw connection uses the test schema: {schema}"
            );
            Raw::Pg(c)
        }
    }
}

impl Raw {
    /// What an attacker does first: remove the append-only guards.
    async fn drop_triggers(&mut self) {
        let statements: [&'static str; 2] = match self {
            Raw::Sqlite(_) => [
                "DROP TRIGGER audit_log_no_update",
                "DROP TRIGGER audit_log_no_delete",
            ],
            Raw::Pg(_) => [
                "DROP TRIGGER audit_log_no_update ON audit_log",
                "DROP TRIGGER audit_log_no_truncate ON audit_log",
            ],
        };
        for s in statements {
            exec!(*self, s).unwrap_or_else(|e| panic!("{s}: {e}"));
        }
    }

    async fn insert(&mut self, r: &AuditRecord) {
        let n = exec!(
            *self,
            "INSERT INTO audit_log (chain, seq, id, at, actor, actor_role, action, object, result, \
             client_addr, request_id, detail, prev_hash, hash) \
             VALUES ($14, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            r.seq,
            r.id.clone(),
            r.at,
            r.actor.clone(),
            r.actor_role.clone(),
            r.action.clone(),
            r.object.clone(),
            r.result.clone(),
            r.client_addr.clone(),
            r.request_id.clone(),
            r.detail.clone(),
            r.prev_hash.clone(),
            r.hash.clone(),
            r.chain.clone(),
        )
        .expect("insert forged record");
        assert_eq!(n, 1);
    }

    /// Replaces everything but the sequence number of record `seq` with `r`'s content.
    async fn overwrite(&mut self, seq: i64, r: &AuditRecord) {
        let n = exec!(
            *self,
            "UPDATE audit_log SET id = $1, at = $2, actor = $3, actor_role = $4, action = $5, \
             object = $6, result = $7, client_addr = $8, request_id = $9, detail = $10, \
             prev_hash = $11, hash = $12 WHERE chain = $14 AND seq = $13",
            r.id.clone(),
            r.at,
            r.actor.clone(),
            r.actor_role.clone(),
            r.action.clone(),
            r.object.clone(),
            r.result.clone(),
            r.client_addr.clone(),
            r.request_id.clone(),
            r.detail.clone(),
            r.prev_hash.clone(),
            r.hash.clone(),
            seq,
            r.chain.clone(),
        )
        .expect("overwrite record");
        assert_eq!(n, 1);
    }
}

/// The chain the tests tamper with: the longest (the district's, written by the console).
async fn chain_of(store: &dyn Store) -> (String, i64) {
    let h = store
        .audit_heads()
        .await
        .unwrap()
        .into_iter()
        .max_by_key(|h| h.seq)
        .expect("a chain");
    (h.chain, h.seq)
}

/// The whole trail's verification; a break must be in the tampered chain, and the only problem.
async fn verify(store: &dyn Store) -> Result<u64, ChainBreak> {
    match verify_chain(store).await.expect("verification runs") {
        Ok(n) => Ok(n),
        Err(mut problems) => {
            let (chain, _) = chain_of(store).await;
            assert_eq!(problems.len(), 1, "one chain broken: {problems:?}");
            match problems.remove(0) {
                TrailProblem::Chain { chain: c, brk } => {
                    assert_eq!(c, chain, "the tampered chain is named");
                    Err(brk)
                }
                other => panic!("unexpected problem {other:?}"),
            }
        }
    }
}

async fn record(store: &dyn Store, seq: i64) -> AuditRecord {
    let (chain, _) = chain_of(store).await;
    let mut page = store.audit_after(&chain, seq - 1, 1).await.unwrap();
    assert_eq!(
        page.first().map(|r| r.seq),
        Some(seq),
        "record {seq} exists"
    );
    page.remove(0)
}

/// A real trail: the demo district, logins that succeed and fail, an account disabled.
async fn real_trail(db: &TestDb) -> (App, i64) {
    let (app, _clock) = helpers::app(db, true).await;
    let meta = RequestMeta {
        client_addr: Some("198.51.100.4".into()),
        request_id: None,
    };
    app.login("shegong", helpers::DEMO_PASSWORD, SessionKind::Web, &meta)
        .await
        .map_err(|e| e.to_string())
        .expect("login");
    assert!(
        app.login("jumin", "Wrong#Pass1", SessionKind::Web, &meta)
            .await
            .is_err()
    );
    assert!(
        app.login("nobody", "Wrong#Pass1", SessionKind::Api, &meta)
            .await
            .is_err()
    );
    app.set_account_disabled(&Actor::console(), &RequestMeta::console(), "shegong2", true)
        .await
        .expect("disable");
    let n = app.store.audit_head().await.unwrap().0;
    // The demo (accounts, mandates, catalog seed: a number that grows with the demo), then 3
    // logins and 1 disable.
    assert!(n >= 17 + 4, "the demo and four more records: {n}");
    assert_eq!(
        verify(app.store.as_ref()).await,
        Ok(n as u64),
        "{}: intact trail",
        db.label
    );
    (app, n)
}

/// A fresh database of the same backend holding a copy of `export` (the real trail).
async fn copy_of(like: &TestDb, export: &[u8]) -> (TestDb, std::sync::Arc<dyn Store>) {
    let db = match like.label {
        "sqlite" => helpers::sqlite_db(),
        _ => helpers::pg_db()
            .await
            .expect("PostgreSQL was reachable a moment ago"),
    };
    let store = jianfu_store::open(&db.url).await.unwrap();
    jianfu_store::portable::import(store.as_ref(), &mut &export[..])
        .await
        .expect("copy imports");
    (db, store)
}

#[tokio::test]
async fn every_kind_of_tampering_is_found() {
    for db in helpers::backends().await {
        let l = db.label;
        let (app, total) = real_trail(&db).await;
        let mut export = Vec::new();
        jianfu_store::portable::export(app.store.as_ref(), &mut export)
            .await
            .unwrap();

        // Modified: one field of record 3 changed in the original database.
        let (c, n) = chain_of(app.store.as_ref()).await;
        let mut conn = raw(&db).await;
        conn.drop_triggers().await;
        let n_changed = exec!(
            conn,
            "UPDATE audit_log SET object = 'user:someone-else' WHERE chain = $1 AND seq = 3",
            c.clone()
        )
        .unwrap();
        assert_eq!(n_changed, 1, "{l}: the tampering took");
        assert_eq!(
            verify(app.store.as_ref()).await,
            Err(ChainBreak {
                seq: 3,
                kind: BreakKind::Modified
            }),
            "{l}: modified"
        );

        // Removed: record 3 deleted; record 4 no longer follows record 2.
        let (copy, store) = copy_of(&db, &export).await;
        assert_eq!(
            verify(store.as_ref()).await,
            Ok(total as u64),
            "{l}: the copy is intact"
        );
        let mut conn = raw(&copy).await;
        conn.drop_triggers().await;
        assert_eq!(
            exec!(
                conn,
                "DELETE FROM audit_log WHERE chain = $1 AND seq = 3",
                c.clone()
            )
            .unwrap(),
            1
        );
        assert_eq!(
            verify(store.as_ref()).await,
            Err(ChainBreak {
                seq: 4,
                kind: BreakKind::NotLinked
            }),
            "{l}: removed"
        );

        // Inserted: a forged record at position 3 with a hash of its own that is right for its
        // content and links to record 2. Later records move up one place. The forgery itself is
        // indistinguishable from a real record; the break shows at the next one, the original
        // record 3, whose hash covers the sequence number it was written with.
        let (copy, store) = copy_of(&db, &export).await;
        let mut conn = raw(&copy).await;
        conn.drop_triggers().await;
        let second = record(store.as_ref(), 2).await;
        let original_third = record(store.as_ref(), 3).await;
        for seq in (3..=n).rev() {
            let moved = exec!(
                conn,
                "UPDATE audit_log SET seq = seq + 1 WHERE chain = $2 AND seq = $1",
                seq,
                c.clone()
            )
            .unwrap();
            assert_eq!(moved, 1);
        }
        let forged = AuditRecord {
            seq: 3,
            id: "forged-0000".into(),
            actor: Some("sysadmin".into()),
            action: "user.enable".into(),
            object: "user:forged".into(),
            ..original_third.clone()
        }
        .seal(&second.hash);
        assert_eq!(
            forged.hash,
            forged.expected_hash(),
            "the forgery is self-consistent"
        );
        conn.insert(&forged).await;
        assert_eq!(
            record(store.as_ref(), 4).await.id,
            original_third.id,
            "{l}: shifted"
        );
        assert_eq!(
            verify(store.as_ref()).await,
            Err(ChainBreak {
                seq: 4,
                kind: BreakKind::Modified
            }),
            "{l}: inserted at 3"
        );

        // Reordered: records 3 and 4 swap places (their contents trade sequence numbers).
        let (copy, store) = copy_of(&db, &export).await;
        let mut conn = raw(&copy).await;
        conn.drop_triggers().await;
        let third = record(store.as_ref(), 3).await;
        let fourth = record(store.as_ref(), 4).await;
        // `id` is unique: park record 3's id first.
        exec!(
            conn,
            "UPDATE audit_log SET id = 'parked' WHERE chain = $1 AND seq = 3",
            c.clone()
        )
        .unwrap();
        conn.overwrite(4, &third).await;
        conn.overwrite(3, &fourth).await;
        assert_eq!(
            record(store.as_ref(), 3).await.id,
            fourth.id,
            "{l}: swapped"
        );
        let b = verify(store.as_ref()).await.unwrap_err();
        assert_eq!(b.seq, 3, "{l}: reordered: {b:?}");

        // Truncated: the last two records cut off; the head still says n.
        let (copy, store) = copy_of(&db, &export).await;
        let mut conn = raw(&copy).await;
        conn.drop_triggers().await;
        let cut = exec!(
            conn,
            "DELETE FROM audit_log WHERE chain = $2 AND seq > $1",
            n - 2,
            c.clone()
        )
        .unwrap();
        assert_eq!(cut, 2);
        let b = verify(store.as_ref()).await.unwrap_err();
        assert_eq!(
            b,
            ChainBreak {
                seq: n - 2,
                kind: BreakKind::Truncated { head_seq: n }
            },
            "{l}"
        );
        assert!(b.to_string().contains("末尾记录被截去"), "{l}: {b}");

        // Below the first: a sealed record numbered 0, linked to the genesis. Verification reads
        // from the lowest sequence number, so it is not left out.
        let (copy, store) = copy_of(&db, &export).await;
        let mut conn = raw(&copy).await;
        conn.drop_triggers().await;
        let first = record(store.as_ref(), 1).await;
        let forged = AuditRecord {
            seq: 0,
            id: "forged-zero".into(),
            ..first.clone()
        }
        .seal(&first.prev_hash);
        conn.insert(&forged).await;
        assert_eq!(
            verify(store.as_ref()).await,
            Err(ChainBreak {
                seq: 0,
                kind: BreakKind::SequenceGap { expected: 1 }
            }),
            "{l}: below the first"
        );
    }
}

#[tokio::test]
async fn the_triggers_keep_the_trail_append_only() {
    for db in helpers::backends().await {
        let l = db.label;
        let (app, _clock) = helpers::app(&db, false).await;
        for i in 1..=3 {
            let a = app.audit(
                &Actor::console(),
                &RequestMeta::console(),
                "test.event",
                format!("event:{i}"),
            );
            app.store.append_audit(a).await.unwrap();
        }
        let mut conn = raw(&db).await;
        let update = exec!(
            conn,
            "UPDATE audit_log SET object = 'changed' WHERE seq = 2"
        );
        let e = update.expect_err("UPDATE must fail").to_string();
        assert!(e.contains("append-only"), "{l}: {e}");
        let delete = exec!(conn, "DELETE FROM audit_log WHERE seq = 3");
        let e = delete.expect_err("DELETE must fail").to_string();
        assert!(e.contains("append-only"), "{l}: {e}");
        if matches!(conn, Raw::Pg(_)) {
            let e = exec!(conn, "TRUNCATE audit_log")
                .expect_err("TRUNCATE must fail")
                .to_string();
            assert!(e.contains("append-only"), "{l}: {e}");
        }
        assert_eq!(
            record(app.store.as_ref(), 2).await.object,
            "event:2",
            "{l}: unchanged"
        );
        assert_eq!(verify(app.store.as_ref()).await, Ok(3), "{l}: still intact");
        // Appending still works.
        let a = app.audit(
            &Actor::console(),
            &RequestMeta::console(),
            "test.event",
            "event:4",
        );
        app.store.append_audit(a).await.unwrap();
        assert_eq!(verify(app.store.as_ref()).await, Ok(4), "{l}");
    }
}

#[tokio::test]
async fn the_binary_names_the_first_bad_record() {
    let db = helpers::sqlite_db();
    let (app, n) = real_trail(&db).await;
    let verify_cmd = ["audit", "verify", "--database-url", db.raw_url.as_str()];

    let r = jianfu(&verify_cmd, &[]).await;
    assert!(r.ok(), "intact trail: {r:?}");
    assert!(r.stdout.contains(&format!("、{n} 条记录")), "{r:?}");

    let before = app
        .store
        .audit_all(10_000)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.action == "auth.login" && r.result == "failure" && r.actor.is_some())
        .expect("the failed login of a known account");
    let mut conn = raw(&db).await;
    conn.drop_triggers().await;
    // Hide the failed login.
    exec!(
        conn,
        "UPDATE audit_log SET result = 'success' WHERE chain = $1 AND seq = $2",
        before.chain.clone(),
        before.seq
    )
    .unwrap();
    let r = jianfu(&verify_cmd, &[]).await;
    assert_eq!(r.code, Some(1), "tampered trail: {r:?}");
    assert!(r.stdout.contains("审计日志校验失败"), "{r:?}");
    assert!(
        r.stdout.contains(&format!("审计链 {}", before.chain)),
        "names the chain: {r:?}"
    );
    assert!(
        r.stdout.contains(&format!("第 {} 条", before.seq)),
        "names the record: {r:?}"
    );
    assert!(r.stdout.contains("记录被修改"), "{r:?}");
    // The dropped triggers are named too.
    assert!(r.stdout.contains("audit_log_no_update"), "{r:?}");
}

/// A fresh database of the same backend as `like`.
async fn fresh_like(like: &TestDb) -> TestDb {
    match like.label {
        "sqlite" => helpers::sqlite_db(),
        _ => helpers::pg_db()
            .await
            .expect("PostgreSQL was reachable a moment ago"),
    }
}

impl Raw {
    /// The attacker also removes the stored audit checkpoints.
    async fn delete_checkpoints(&mut self) {
        let drops: [&'static str; 2] = match self {
            Raw::Sqlite(_) => [
                "DROP TRIGGER audit_checkpoints_no_delete",
                "DROP TRIGGER audit_checkpoints_no_update",
            ],
            Raw::Pg(_) => [
                "DROP TRIGGER audit_checkpoints_no_update ON audit_checkpoints",
                "DROP TRIGGER audit_checkpoints_no_truncate ON audit_checkpoints",
            ],
        };
        for s in drops {
            exec!(*self, s).unwrap_or_else(|e| panic!("{s}: {e}"));
        }
        exec!(*self, "DELETE FROM audit_checkpoints").unwrap();
    }
}

/// The trail has a signed checkpoint; the attacker then rewrites the database (dropping the
/// triggers and the stored checkpoints). Returns the app, the checkpoint kept outside, and the
/// tampered chain with its length.
async fn checkpointed_trail(
    like: &TestDb,
) -> (
    TestDb,
    App,
    jianfu_server::service::audit::PublishedAuditCheckpoint,
    String,
    i64,
) {
    let db = fresh_like(like).await;
    let (app, _) = real_trail(&db).await;
    let c = app
        .make_audit_checkpoint(&Actor::console(), false)
        .await
        .unwrap()
        .expect("a checkpoint over a trail with records");
    assert!(
        app.make_audit_checkpoint(&Actor::console(), false)
            .await
            .unwrap()
            .is_none(),
        "no new checkpoint while no head changed"
    );
    let p = app.published_audit_checkpoint().await.unwrap().unwrap();
    assert_eq!(p.checkpoint, c);
    assert!(p.heads.len() >= 3, "several chains: {:?}", p.heads);
    // What `export-checkpoint` writes, read back as `verify --checkpoint` does.
    let p =
        jianfu_server::service::audit::parse_published_audit(&serde_json::to_string(&p).unwrap())
            .unwrap();
    let (chain, n) = chain_of(app.store.as_ref()).await;
    let report = app
        .verify_audit_with(&Actor::console(), Some(&p), None)
        .await
        .unwrap();
    assert_eq!(report.problems, vec![], "{}: intact", db.label);
    assert_eq!(report.checkpoints_used.len(), 2, "stored and outside");
    let mut conn = raw(&db).await;
    conn.drop_triggers().await;
    conn.delete_checkpoints().await;
    (db, app, p, chain, n)
}

/// A consistent rewrite of `chain` as someone with the database would do it: record 3 changed,
/// every later hash and the head recomputed (the triggers must be dropped first).
async fn rewrite_from_record_3(conn: &mut Raw, store: &dyn Store, chain: &str) {
    let records = store.audit_after(chain, 0, 100_000).await.unwrap();
    let mut prev = records[1].hash.clone();
    for r in &records[2..] {
        let mut r = r.clone();
        if r.seq == 3 {
            r.object = "user:someone-else".into();
        }
        let r = r.seal(&prev);
        prev = r.hash.clone();
        conn.overwrite(r.seq, &r).await;
    }
    exec!(
        *conn,
        "UPDATE audit_head SET hash = $1 WHERE chain = $2",
        prev,
        chain.to_string()
    )
    .unwrap();
}

/// Chain problems only (the dropped triggers are reported too, and checked elsewhere).
fn chain_problems(r: &jianfu_server::service::audit::TrailReport) -> Vec<TrailProblem> {
    r.problems
        .iter()
        .filter(|p| !matches!(p, TrailProblem::TriggerMissing { .. }))
        .cloned()
        .collect()
}

#[tokio::test]
async fn an_outside_checkpoint_finds_the_three_rewrites_the_chains_alone_cannot() {
    for like in helpers::backends().await {
        let l = like.label;
        let console = Actor::console();

        // 1. A full consistent rewrite: record 3 changed, every later hash and the head
        //    recomputed.
        let (db, app, p, chain, n) = checkpointed_trail(&like).await;
        let mut conn = raw(&db).await;
        rewrite_from_record_3(&mut conn, app.store.as_ref(), &chain).await;
        let alone = app.verify_audit_with(&console, None, None).await.unwrap();
        assert_eq!(
            chain_problems(&alone),
            vec![],
            "{l}: the rewrite is consistent"
        );
        assert_eq!(
            verify(app.store.as_ref()).await,
            Ok(alone.records),
            "{l}: the chains alone verify"
        );
        let with = app
            .verify_audit_with(&console, Some(&p), None)
            .await
            .unwrap();
        assert_eq!(
            chain_problems(&with),
            vec![TrailProblem::Rewritten {
                chain: chain.clone(),
                seq: n
            }],
            "{l}: rewrite"
        );
        assert!(with.problems[0].to_string().contains(&chain), "{l}");

        // 2. A truncation with the head rewritten to the new last record.
        let (db, app, p, chain, n) = checkpointed_trail(&like).await;
        let mut conn = raw(&db).await;
        let keep = app
            .store
            .audit_after(&chain, n - 3, 1)
            .await
            .unwrap()
            .remove(0);
        exec!(
            conn,
            "DELETE FROM audit_log WHERE chain = $1 AND seq > $2",
            chain.clone(),
            n - 2
        )
        .unwrap();
        exec!(
            conn,
            "UPDATE audit_head SET seq = $1, hash = $2 WHERE chain = $3",
            n - 2,
            keep.hash.clone(),
            chain.clone()
        )
        .unwrap();
        let alone = app.verify_audit_with(&console, None, None).await.unwrap();
        assert_eq!(chain_problems(&alone), vec![], "{l}: the cut is consistent");
        let with = app
            .verify_audit_with(&console, Some(&p), None)
            .await
            .unwrap();
        assert_eq!(
            chain_problems(&with),
            vec![TrailProblem::Truncated {
                chain: chain.clone(),
                last: n - 2,
                checkpoint_seq: n
            }],
            "{l}: truncation"
        );

        // 3. The whole log deleted and the head reset to the state of a new installation.
        let (db, app, p, _, _) = checkpointed_trail(&like).await;
        let mut conn = raw(&db).await;
        exec!(conn, "DELETE FROM audit_log").unwrap();
        exec!(conn, "DELETE FROM audit_head").unwrap();
        exec!(
            conn,
            "INSERT INTO audit_head (chain, seq, hash) VALUES ('audit', 0, $1)",
            jianfu_domain::audit_chain::GENESIS
        )
        .unwrap();
        let alone = app.verify_audit_with(&console, None, None).await.unwrap();
        assert_eq!(
            chain_problems(&alone),
            vec![],
            "{l}: an empty trail verifies"
        );
        assert_eq!(alone.records, 0);
        let with = app
            .verify_audit_with(&console, Some(&p), None)
            .await
            .unwrap();
        let dropped: Vec<String> = chain_problems(&with)
            .into_iter()
            .map(|p| match p {
                TrailProblem::Dropped { chain, .. } => chain,
                other => panic!("{l}: {other:?}"),
            })
            .collect();
        let signed: Vec<String> = p.heads.iter().map(|h| h.chain.clone()).collect();
        assert_eq!(dropped, signed, "{l}: every chain is named as dropped");

        // A checkpoint whose list of heads was edited, or signed by another key, is refused.
        let mut edited = p.clone();
        edited.heads[0].seq += 1;
        let r = app
            .verify_audit_with(&console, Some(&edited), None)
            .await
            .unwrap();
        assert!(
            r.problems.contains(&TrailProblem::CheckpointHeadsAltered),
            "{l}: {:?}",
            r.problems
        );
        let other = jianfu_domain::seal::checkpoint::Ed25519Signer::from_seed(&[9; 32]).verifier();
        let r = app
            .verify_audit_with(&console, Some(&p), Some(&other))
            .await
            .unwrap();
        assert!(
            r.problems
                .iter()
                .any(|p| matches!(p, TrailProblem::BadCheckpointSignature { .. })),
            "{l}: {:?}",
            r.problems
        );
    }
}

/// The next minute's checkpoint must not vouch for a chain rewritten behind the system's back:
/// the signer refuses heads that do not extend the latest checkpoint's, so the stored checkpoint
/// keeps telling (without one kept outside).
#[tokio::test]
async fn the_minute_checkpoint_is_not_signed_over_a_rewritten_chain() {
    for like in helpers::backends().await {
        let l = like.label;
        let console = Actor::console();
        let db = fresh_like(&like).await;
        let (app, _) = real_trail(&db).await;
        app.make_audit_checkpoint(&console, false)
            .await
            .unwrap()
            .expect("a checkpoint");
        let (chain, n) = chain_of(app.store.as_ref()).await;
        // Growing is fine.
        app.store
            .append_audit(app.audit(&console, &RequestMeta::console(), "test.grow", "x"))
            .await
            .unwrap();
        app.make_audit_checkpoint(&console, false)
            .await
            .unwrap()
            .expect("signed over a grown trail");
        let (chain2, n2) = chain_of(app.store.as_ref()).await;
        assert_eq!((chain2.as_str(), n2), (chain.as_str(), n + 1), "{l}");
        // A consistent rewrite of record 3 onwards, head included.
        let mut conn = raw(&db).await;
        conn.drop_triggers().await;
        rewrite_from_record_3(&mut conn, app.store.as_ref(), &chain).await;
        let e = app
            .make_audit_checkpoint(&console, false)
            .await
            .expect_err("not signed over the rewrite")
            .to_string();
        assert!(
            e.contains("不签署审计检查点") && e.contains(&chain),
            "{l}: {e}"
        );
        let r = app.verify_audit_with(&console, None, None).await.unwrap();
        assert_eq!(
            chain_problems(&r),
            vec![TrailProblem::Rewritten {
                chain: chain.clone(),
                seq: n + 1
            }],
            "{l}: the stored checkpoint still tells"
        );
        // Cut short, head and all: refused too.
        exec!(
            conn,
            "DELETE FROM audit_log WHERE chain = $1 AND seq > $2",
            chain.clone(),
            n - 1
        )
        .unwrap();
        exec!(
            conn,
            "UPDATE audit_head SET seq = $1 WHERE chain = $2",
            n - 1,
            chain.clone()
        )
        .unwrap();
        let e = app
            .make_audit_checkpoint(&console, false)
            .await
            .expect_err("not signed over a cut")
            .to_string();
        assert!(e.contains(&chain), "{l}: {e}");
    }
}

#[tokio::test]
async fn missing_triggers_are_named_and_restored() {
    for db in helpers::backends().await {
        let l = db.label;
        let (app, _clock) = helpers::app(&db, true).await;
        assert_eq!(
            app.store.missing_guards().await.unwrap(),
            Vec::<&str>::new()
        );
        let mut conn = raw(&db).await;
        conn.drop_triggers().await;
        let drops: &[&'static str] = match conn {
            Raw::Sqlite(_) => &["DROP TRIGGER seal_entries_no_delete"],
            Raw::Pg(_) => &[
                "DROP TRIGGER seal_personal_no_truncate ON seal_personal",
                "DROP FUNCTION seal_append_only() CASCADE",
                // Switched off rather than dropped: as missing as a dropped one.
                "ALTER TABLE seal_personal DISABLE TRIGGER seal_personal_no_update",
            ],
        };
        for s in drops {
            exec!(conn, *s).unwrap_or_else(|e| panic!("{s}: {e}"));
        }
        let missing = app.store.missing_guards().await.unwrap();
        assert!(missing.contains(&"audit_log_no_update"), "{l}: {missing:?}");
        if matches!(conn, Raw::Pg(_)) {
            assert!(
                missing.contains(&"seal_personal_no_update"),
                "{l}: a disabled trigger counts as missing: {missing:?}"
            );
        }
        let r = app.verify_audit(&Actor::console()).await.unwrap();
        assert!(
            r.problems
                .iter()
                .any(|p| p.to_string().contains("audit_log_no_update")),
            "{l}: verify names the missing trigger: {:?}",
            r.problems
        );
        let restored = app
            .restore_append_only_guards(&RequestMeta::console())
            .await
            .unwrap();
        assert_eq!(restored, missing, "{l}");
        assert_eq!(
            app.store.missing_guards().await.unwrap(),
            Vec::<&str>::new(),
            "{l}"
        );
        let r = app.verify_audit(&Actor::console()).await.unwrap();
        assert_eq!(r.problems, vec![], "{l}: intact again");
        let e = exec!(conn, "UPDATE audit_log SET object = 'x'")
            .expect_err("guarded again")
            .to_string();
        assert!(e.contains("append-only"), "{l}: {e}");
        if matches!(conn, Raw::Pg(_)) {
            for t in ["audit_checkpoints", "seal_entries", "seal_personal"] {
                let e = match &mut conn {
                    Raw::Pg(c) => {
                        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("TRUNCATE {t} CASCADE")))
                            .execute(&mut *c)
                            .await
                            .expect_err("TRUNCATE refused")
                            .to_string()
                    }
                    Raw::Sqlite(_) => unreachable!(),
                };
                assert!(
                    e.contains("append-only") || e.contains("never changed"),
                    "{l} {t}: {e}"
                );
            }
        }
        let restore = app
            .store
            .audit_all(100_000)
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.action == "system.restore_triggers")
            .count();
        assert_eq!(restore, 1, "{l}: the restoration is audited");
    }
}

/// A page read as one value (`AuditScan::audit_page`, what verification reads) holds exactly what
/// the rows hold: NULL apart from an empty string, quotes, backslashes, control characters,
/// non-ASCII text and extreme integers. Pages are ranges of sequence numbers that say where the
/// chain goes on.
#[tokio::test]
async fn an_audit_page_is_exactly_the_rows() {
    for db in helpers::backends().await {
        let l = db.label;
        let store = jianfu_store::open(&db.url).await.unwrap();
        let chain = "110115999001";
        let details = [
            "{}",
            "",
            r#"{"q":"a\"b\\c"}"#,
            "行一\n行二\t\u{1}\u{7f}",
            "😀 \u{2028} \\u0000 null",
        ];
        let ats = [i64::MIN + 1, -1, 0, i64::MAX, 1_796_000_000_000];
        let mut prev = jianfu_domain::audit_chain::genesis(chain);
        let mut written = Vec::new();
        for (i, detail) in details.iter().enumerate() {
            let seq = i as i64 + 1;
            let r = AuditRecord {
                chain: chain.into(),
                seq,
                id: format!("id-{seq}"),
                at: ats[i],
                actor: (i % 2 == 0).then(|| "sg110115999001".to_string()),
                actor_role: (i != 1).then(String::new),
                action: "test.event".into(),
                object: format!("o:{seq}"),
                result: "success".into(),
                client_addr: (i % 3 == 0).then(String::new),
                request_id: (i == 4).then(|| "r\"1".into()),
                detail: detail.to_string(),
                prev_hash: String::new(),
                hash: String::new(),
            }
            .seal(&prev);
            prev.clone_from(&r.hash);
            written.push(r);
        }
        store.append_sealed_audit(&written).await.expect("append");
        let page = |after: i64, upto: i64| {
            let store = store.clone();
            async move {
                let p = store.audit_page(chain, after, upto).await.unwrap();
                let mut out = Vec::new();
                p.for_each(|r| {
                    out.push(r.to_record(chain));
                    true
                })
                .unwrap();
                assert_eq!(p.len(), out.len() as i64);
                (out, p.next_seq())
            }
        };
        assert_eq!(
            page(i64::MIN, 100).await,
            (written.clone(), None),
            "{l}: all"
        );
        assert_eq!(
            store.audit_after(chain, 0, 100).await.unwrap(),
            written,
            "{l}: the rows"
        );
        assert_eq!(page(2, 3).await, (written[1..3].to_vec(), Some(4)), "{l}");
        assert_eq!(page(-9, 0).await, (vec![], Some(1)), "{l}: before");
        assert_eq!(page(6, i64::MAX).await, (vec![], None), "{l}: after");
        assert_eq!(page(10, 11).await, (vec![], None), "{l}: past the end");
        let n = store.audit_head().await.unwrap().0;
        assert_eq!(verify(store.as_ref()).await, Ok(n as u64), "{l}: verifies");
    }
}

/// Not a check: fills an SQLite file with a large audit trail straight through SQL (records,
/// hashes and heads computed with jianfu's own code), in many chains, for measuring `jianfu audit
/// verify` on a real database (docs/storage.md). Skipped unless `JIANFU_AUDIT_GEN_DB` names the
/// file: `JIANFU_AUDIT_GEN_DB=/tmp/big/jianfu.db JIANFU_AUDIT_GEN_N=1000000
/// JIANFU_AUDIT_GEN_CHAINS=1000 cargo test --release -p jianfu --test it -- --ignored
/// generate_a_large_audit_trail`
#[tokio::test]
#[ignore]
async fn generate_a_large_audit_trail() {
    let Ok(path) = std::env::var("JIANFU_AUDIT_GEN_DB") else {
        eprintln!("set JIANFU_AUDIT_GEN_DB to the SQLite file to fill");
        return;
    };
    let var = |k: &str, d: i64| {
        std::env::var(k)
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(d)
    };
    let n = var("JIANFU_AUDIT_GEN_N", 1_000_000);
    let chains = var("JIANFU_AUDIT_GEN_CHAINS", 1_000).max(1);
    let url = DatabaseUrl::parse(&format!("sqlite:{path}")).unwrap();
    let store = jianfu_store::open(&url).await.unwrap();
    assert_eq!(store.audit_head().await.unwrap().0, 0, "an empty trail");
    drop(store);
    let started = std::time::Instant::now();
    let mut conn = SqliteConnection::connect_with(
        &SqliteConnectOptions::new()
            .filename(&path)
            .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal),
    )
    .await
    .unwrap();
    let mut tx = conn.begin().await.unwrap();
    // Chain by chain: n / chains records each (the first chains take the remainder).
    for c in 0..chains {
        let chain = format!("110115{:06}", 900_000 + c);
        let len = n / chains + i64::from(c < n % chains);
        let mut prev = jianfu_domain::audit_chain::genesis(&chain);
        let mut seq = 0;
        while seq < len {
            let mut page = Vec::with_capacity(500);
            for _ in 0..500.min(len - seq) {
                seq += 1;
                let r = AuditRecord {
                    chain: chain.clone(),
                    seq,
                    id: format!("0193b1c2-{c:04x}-7000-8000-{seq:012x}"),
                    at: 1_795_000_000_000 + seq * 1000 + c,
                    actor: Some("shegong".into()),
                    actor_role: Some("community_worker".into()),
                    action: "certificate.apply".into(),
                    object: format!("certificate_application:{seq}"),
                    result: "success".into(),
                    client_addr: Some("10.0.0.1".into()),
                    request_id: Some(format!("req-{seq}")),
                    detail: "{}".into(),
                    prev_hash: String::new(),
                    hash: String::new(),
                }
                .seal(&prev);
                prev.clone_from(&r.hash);
                page.push(r);
            }
            let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
                "INSERT INTO audit_log (chain, seq, id, at, actor, actor_role, action, object, \
                 result, client_addr, request_id, detail, prev_hash, hash) ",
            );
            q.push_values(&page, |mut b, r| {
                b.push_bind(&r.chain)
                    .push_bind(r.seq)
                    .push_bind(&r.id)
                    .push_bind(r.at)
                    .push_bind(&r.actor)
                    .push_bind(&r.actor_role)
                    .push_bind(&r.action)
                    .push_bind(&r.object)
                    .push_bind(&r.result)
                    .push_bind(&r.client_addr)
                    .push_bind(&r.request_id)
                    .push_bind(&r.detail)
                    .push_bind(&r.prev_hash)
                    .push_bind(&r.hash);
            });
            q.build().execute(&mut *tx).await.unwrap();
        }
        sqlx::query("INSERT INTO audit_head (chain, seq, hash) VALUES ($1, $2, $3)")
            .bind(&chain)
            .bind(len)
            .bind(&prev)
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    eprintln!(
        "wrote {n} audit records in {chains} chains to {path} in {:.1?}",
        started.elapsed()
    );
}

/// Issue 9 §2: audit checkpoints are published. `GET /api/v1/audit/checkpoint` (no login) gives
/// the latest one as the same document `jianfu audit export-checkpoint` writes, so a copy saved
/// from the API is what `jianfu audit verify --checkpoint` reads.
#[tokio::test]
async fn the_latest_audit_checkpoint_is_published_for_keeping_outside() {
    let s = helpers::TestServer::sqlite().await;
    let get = || async {
        reqwest::get(s.url("/api/v1/audit/checkpoint"))
            .await
            .unwrap()
    };
    let r = get().await;
    assert_eq!(r.status(), 404, "no checkpoint signed yet");
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["code"], "not_found");

    let c = s
        .app
        .make_audit_checkpoint(&Actor::console(), true)
        .await
        .unwrap()
        .unwrap();
    let r = get().await;
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    let published = jianfu_server::service::audit::parse_published_audit(&text).unwrap();
    assert_eq!(published.checkpoint, c, "the signed checkpoint, unchanged");
    let stored = s.app.published_audit_checkpoint().await.unwrap().unwrap();
    assert_eq!(published.heads, stored.heads);
    assert_eq!(published.public_key, stored.public_key);
    // Saved from the API, it checks the trail as an exported file does.
    let report = s
        .app
        .verify_audit_with(&Actor::console(), Some(&published), None)
        .await
        .unwrap();
    assert_eq!(report.problems, vec![]);
    assert!(report.signatures_checked);
}
