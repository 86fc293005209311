//! Tampering with the audit trail in the real database, as someone with file or superuser access
//! could, and finding it: a record changed, removed, inserted, reordered or cut off the end. The
//! tampering goes through a separate raw connection, around jianfu entirely.

use crate::cli::jianfu;
use crate::helpers::{self, TestDb};
use jianfu_domain::audit_chain::{AuditRecord, BreakKind, ChainBreak};
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
             VALUES ('audit', $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
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
             prev_hash = $11, hash = $12 WHERE chain = 'audit' AND seq = $13",
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
        )
        .expect("overwrite record");
        assert_eq!(n, 1);
    }
}

async fn verify(store: &dyn Store) -> Result<u64, ChainBreak> {
    verify_chain(store).await.expect("verification runs")
}

async fn record(store: &dyn Store, seq: i64) -> AuditRecord {
    let mut page = store.audit_after(seq - 1, 1).await.unwrap();
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
    assert_eq!(
        n,
        17 + 4,
        "demo (13) + 3 registered mandates + catalog seed (1) + 3 logins + 1 disable"
    );
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
        let (app, n) = real_trail(&db).await;
        let mut export = Vec::new();
        jianfu_store::portable::export(app.store.as_ref(), &mut export)
            .await
            .unwrap();

        // Modified: one field of record 3 changed in the original database.
        let mut conn = raw(&db).await;
        conn.drop_triggers().await;
        let n_changed = exec!(
            conn,
            "UPDATE audit_log SET object = 'user:someone-else' WHERE chain = 'audit' AND seq = 3"
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
            Ok(n as u64),
            "{l}: the copy is intact"
        );
        let mut conn = raw(&copy).await;
        conn.drop_triggers().await;
        assert_eq!(
            exec!(
                conn,
                "DELETE FROM audit_log WHERE chain = 'audit' AND seq = 3"
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
                "UPDATE audit_log SET seq = seq + 1 WHERE chain = 'audit' AND seq = $1",
                seq
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
            "UPDATE audit_log SET id = 'parked' WHERE chain = 'audit' AND seq = 3"
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
            "DELETE FROM audit_log WHERE chain = 'audit' AND seq > $1",
            n - 2
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
    assert!(
        r.stdout.contains(&format!("审计日志完整：共 {n} 条记录")),
        "{r:?}"
    );

    let before = record(app.store.as_ref(), 19).await;
    assert_eq!(
        (before.action.as_str(), before.result.as_str()),
        ("auth.login", "failure")
    );
    let mut conn = raw(&db).await;
    conn.drop_triggers().await;
    // Hide the failed login.
    exec!(
        conn,
        "UPDATE audit_log SET result = 'success' WHERE seq = 19"
    )
    .unwrap();
    let r = jianfu(&verify_cmd, &[]).await;
    assert_eq!(r.code, Some(1), "tampered trail: {r:?}");
    assert!(r.stdout.contains("审计日志校验失败"), "{r:?}");
    assert!(r.stdout.contains("第 19 条"), "names the record: {r:?}");
    assert!(r.stdout.contains("记录被修改"), "{r:?}");
}
