//! One seal log per community: two communities never wait on the same row, every log is verified
//! and a tampered one is named, a checkpoint's list of heads is checked against its signature,
//! proofs climb two levels, and a district log written before logs per community (by the old
//! schema, then migrated) still verifies and proves its entries.

use crate::exec;
use crate::helpers::{self, TestDb};
use crate::seal_log::{
    COMMUNITY, Raw, assert_found, checkpoint, copy_of, raw, record_in, rewrite_log, seal_app,
    verify_cli,
};
use jianfu_domain::seal::checkpoint::{self as cp, CheckpointLog, Ed25519Verifier};
use jianfu_domain::seal::hash::{ZERO, parse_hex, to_hex};
use jianfu_domain::seal::heads::head_leaf;
use jianfu_domain::seal::merkle::{self, Frontier};
use jianfu_domain::seal::{HashAlg, Personal, SealEntry};
use jianfu_server::service::RequestMeta;
use jianfu_server::service::seal::ProofState;
use jianfu_store::{DatabaseUrl, SealDraft};
use std::time::Duration;

/// The second community of the demo street, with its worker.
const OTHER: &str = "110115001902";

/// Five uses of the seal in `COMMUNITY`, three in `OTHER`, then a checkpoint.
async fn two_logs(db: &TestDb) -> (jianfu_server::App, helpers::TempDir) {
    let (app, keys) = seal_app(db, "sha256").await;
    for i in 1..=5 {
        assert_eq!(record_in(&app, COMMUNITY, "shegong", i).await, i);
    }
    for i in 1..=3 {
        assert_eq!(record_in(&app, OTHER, "shegong2", 10 + i).await, i);
    }
    checkpoint(&app).await;
    (app, keys)
}

fn draft(community: &str, i: i64) -> SealDraft {
    SealDraft {
        community_code: community.into(),
        kind: "document".into(),
        subject: format!("document:{i}"),
        content: "社区工作文书".into(),
        copies: 1,
        approver: "shuji".into(),
        handler: "shegong".into(),
        applicant: "王某某".into(),
        contact: "13800001111".into(),
        used_at: 1_795_000_000_000 + i,
    }
}

/// The row every certificate issued in the district used to lock is gone: while one community's
/// log head is held (as by an issue in progress), another community appends at once, and the
/// same community waits until the holder commits.
#[tokio::test]
async fn two_communities_using_their_seals_at_once_never_touch_the_same_row() {
    let Some(db) = helpers::pg_db().await else {
        return;
    };
    let (app, _keys) = seal_app(&db, "sha256").await;
    record_in(&app, COMMUNITY, "shegong", 1).await;
    record_in(&app, OTHER, "shegong2", 2).await;
    let mut holder = match raw(&db).await {
        Raw::Pg(c) => c,
        Raw::Sqlite(_) => unreachable!(),
    };
    sqlx::query("BEGIN").execute(&mut holder).await.unwrap();
    sqlx::query("SELECT size FROM seal_head WHERE log = $1 FOR UPDATE")
        .bind(COMMUNITY)
        .execute(&mut holder)
        .await
        .unwrap();
    let append = |community: &'static str, i: i64| {
        let store = app.store.clone();
        let mut a = app.audit(
            &crate::seal_log::director_of(community),
            &RequestMeta::console(),
            "seal.use",
            "seal:test",
        );
        a.chain = community.into();
        tokio::spawn(async move {
            store
                .append_seal_entry(&draft(community, i), HashAlg::Sha256, a)
                .await
        })
    };
    let other = append(OTHER, 3);
    let done = tokio::time::timeout(Duration::from_secs(2), other)
        .await
        .expect("another community's append does not wait")
        .unwrap()
        .unwrap();
    assert_eq!((done.log.as_str(), done.seq), (OTHER, 2));
    let mut same = append(COMMUNITY, 4);
    assert!(
        tokio::time::timeout(Duration::from_millis(300), &mut same)
            .await
            .is_err(),
        "the same community queues on its head"
    );
    sqlx::query("COMMIT").execute(&mut holder).await.unwrap();
    let done = tokio::time::timeout(Duration::from_secs(5), same)
        .await
        .expect("it goes on once the head is free")
        .unwrap()
        .unwrap();
    assert_eq!((done.log.as_str(), done.seq), (COMMUNITY, 2));
    let report = app.verify_seal_logs(None).await.unwrap();
    assert_eq!(report.problems, vec![]);
    assert_eq!((report.logs, report.entries), (2, 4));
}

/// Asserts that the server's minute task, run now (`jianfu seal checkpoint`), refuses to sign over
/// the tampered logs, naming `log`: the next checkpoint must not vouch for a rewrite.
async fn assert_not_signed(db: &TestDb, keys: &helpers::TempDir, log: &str) {
    let dir = keys.0.display().to_string();
    let r = crate::cli::jianfu(
        &[
            "seal",
            "checkpoint",
            "--database-url",
            db.raw_url.as_str(),
            "--data-dir",
            dir.as_str(),
        ],
        &[],
    )
    .await;
    assert_eq!(r.code, Some(2), "{}: refused: {r:?}", db.label);
    assert!(
        r.stderr.contains("不签署用印检查点") && r.stderr.contains(log),
        "{}: {r:?}",
        db.label
    );
}

#[tokio::test]
async fn a_tampered_community_log_is_named_and_the_others_stay_intact() {
    for db in helpers::backends().await {
        let l = db.label;
        let (app, keys) = two_logs(&db).await;
        let r = verify_cli(&db, &keys, &[]).await;
        assert!(r.ok(), "{l}: {r:?}");
        assert!(r.stdout.contains("2 本登记簿共 8 条记录"), "{l}: {r:?}");
        let mut export = Vec::new();
        jianfu_store::portable::export(app.store.as_ref(), &mut export)
            .await
            .unwrap();
        let published = keys.0.join("published.json");
        let p = app.published_seal_checkpoint().await.unwrap().unwrap();
        std::fs::write(&published, serde_json::to_string(&p).unwrap()).unwrap();
        let published = published.display().to_string();

        // Rewritten: COMMUNITY's log recomputed; the checkpoint's head for it no longer holds.
        let (copy, store) = copy_of(&db, &export).await;
        let mut conn = raw(&copy).await;
        conn.unguard().await;
        rewrite_log(&mut conn, store.as_ref(), COMMUNITY, 5).await;
        let rewritten = "第 1 至 5 条之间的记录被改写";
        assert_found(&copy, &keys, &[], rewritten, "log_rewritten").await;
        assert_not_signed(&copy, &keys, COMMUNITY).await;
        assert_found(&copy, &keys, &[], rewritten, "log_rewritten").await;
        let r = verify_cli(&copy, &keys, &[]).await;
        assert!(r.stdout.contains("用印登记簿 110115001901（"), "{l}: {r:?}");
        assert!(
            !r.stdout.contains(OTHER),
            "{l}: the other log is intact: {r:?}"
        );
        // Without the stored checkpoints only the one kept outside can tell.
        exec!(conn, "DELETE FROM seal_checkpoints").unwrap();
        assert!(verify_cli(&copy, &keys, &[]).await.ok(), "{l}");
        assert_found(
            &copy,
            &keys,
            &["--checkpoint", published.as_str()],
            "外部保存的签名检查点不符",
            "log_rewritten",
        )
        .await;

        // Truncated: the last two entries cut off and the head rewritten to match.
        let (copy, store) = copy_of(&db, &export).await;
        let mut conn = raw(&copy).await;
        conn.unguard().await;
        rewrite_log(&mut conn, store.as_ref(), OTHER, 1).await;
        let named = "用印登记簿 110115001902（";
        assert_found(&copy, &keys, &[], named, "log_truncated").await;
        assert_not_signed(&copy, &keys, OTHER).await;

        // Dropped: OTHER's whole log, head and all.
        let (copy, _) = copy_of(&db, &export).await;
        let mut conn = raw(&copy).await;
        conn.unguard().await;
        for t in ["seal_nodes", "seal_personal", "seal_entries", "seal_head"] {
            let sql = format!("DELETE FROM {t} WHERE log = $1");
            exec!(conn, sqlx::AssertSqlSafe(sql), OTHER.to_string()).unwrap();
        }
        assert_found(&copy, &keys, &[], "整本登记簿被删除", "log_dropped").await;
        assert_found(&copy, &keys, &[], named, "log_dropped").await;
        assert_not_signed(&copy, &keys, OTHER).await;
        // Growing again does not make up for it: OTHER is still missing from the new heads.
        let copy_app = {
            let store = jianfu_store::open(&copy.url).await.unwrap();
            let config = jianfu_server::Config {
                data_dir: keys.0.clone(),
                ..jianfu_server::Config::default()
            };
            jianfu_server::App::new(store, helpers::test_clock(), config)
        };
        for i in 6..=9 {
            record_in(&copy_app, COMMUNITY, "shegong", i).await;
        }
        assert_not_signed(&copy, &keys, OTHER).await;
        assert_found(&copy, &keys, &[], "整本登记簿被删除", "log_dropped").await;

        // The checkpoint's list of heads altered (the signature covers only the root).
        let (copy, store) = copy_of(&db, &export).await;
        let latest = store.latest_seal_checkpoint().await.unwrap().unwrap();
        let mut heads = latest.heads.clone().unwrap();
        heads[0].size -= 1;
        let mut conn = raw(&copy).await;
        conn.unguard().await;
        exec!(
            conn,
            "UPDATE seal_checkpoints SET heads = $1",
            serde_json::to_string(&heads).unwrap()
        )
        .unwrap();
        assert_found(
            &copy,
            &keys,
            &[],
            "链头清单被改动",
            "checkpoint_heads_altered",
        )
        .await;
    }
}

#[tokio::test]
async fn each_proof_climbs_its_own_log_then_the_heads() {
    for db in helpers::backends().await {
        let l = db.label;
        let (app, _keys) = two_logs(&db).await;
        let key = app.seal_public_key().unwrap();
        let verifier = Ed25519Verifier::from_hex(&key.public_key).unwrap();
        let a = app
            .seal_inclusion_proof(COMMUNITY, 4)
            .await
            .unwrap()
            .unwrap();
        let b = app.seal_inclusion_proof(OTHER, 2).await.unwrap().unwrap();
        for p in [&a, &b] {
            assert_eq!(p.state, ProofState::Covered, "{l}");
            assert!(p.verified, "{l}: {}", p.message);
            assert!(p.message.contains("2 本登记簿共 8 条记录"), "{}", p.message);
        }
        let c = a.checkpoint.clone().unwrap();
        assert_eq!((c.log, c.size), (CheckpointLog::SealLogs, 8));
        assert_eq!(cp::check(&verifier, &c), Ok(()));
        let h = c.hash_alg.hasher();
        let hexes = |v: &[String]| -> Vec<_> { v.iter().map(|x| parse_hex(x).unwrap()).collect() };
        let root = parse_hex(&c.root).unwrap();
        let climbs = |p: &jianfu_server::service::seal::InclusionProofView,
                      head: &jianfu_domain::seal::LogHead| {
            let inner = merkle::verify_inclusion(
                h,
                &parse_hex(&p.leaf_hash).unwrap(),
                p.leaf_index as u64,
                head.size as u64,
                &hexes(&p.path),
                &parse_hex(&head.root).unwrap(),
            );
            let outer = merkle::verify_inclusion(
                h,
                &head_leaf(h, head),
                p.head_index.unwrap() as u64,
                p.head_count.unwrap() as u64,
                &hexes(&p.head_path),
                &root,
            );
            inner && outer
        };
        let (ha, hb) = (a.head.clone().unwrap(), b.head.clone().unwrap());
        assert_eq!(
            (ha.log.as_str(), ha.size, hb.log.as_str(), hb.size),
            (COMMUNITY, 5, OTHER, 3)
        );
        assert!(climbs(&a, &ha) && climbs(&b, &hb), "{l}");
        // An entry of one community does not pass for the other's: not with the other's head.
        assert!(!climbs(&b, &ha), "{l}");
        let b_as_a = jianfu_server::service::seal::InclusionProofView {
            head_index: a.head_index,
            head_path: a.head_path.clone(),
            ..b.clone()
        };
        assert!(!climbs(&b_as_a, &hb), "{l}");
        // The server recomputes the entry it proves: one changed behind its back is not verified.
        let mut conn = raw(&db).await;
        conn.unguard().await;
        exec!(
            conn,
            "UPDATE seal_entries SET content = '改过的' WHERE log = $1 AND seq = 2",
            OTHER.to_string()
        )
        .unwrap();
        let p = app.seal_inclusion_proof(OTHER, 2).await.unwrap().unwrap();
        assert!(!p.verified, "{l}: {}", p.message);
    }
}

/// Applies the migrations up to 0017 (the old schema: one district log) with sqlx's own migrator,
/// so that opening the store afterwards applies the rest exactly as on an upgraded server.
async fn old_schema(db: &TestDb) {
    let backend = match &db.url {
        DatabaseUrl::Sqlite { .. } => "sqlite",
        DatabaseUrl::Postgres { .. } => "postgres",
    };
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../jianfu-store/migrations")
        .join(backend);
    let mut m = sqlx::migrate::Migrator::new(dir).await.unwrap();
    // The migrator's list is public for `migrate!` (semver-exempt): a test-only use.
    m.migrations = m
        .migrations
        .iter()
        .filter(|x| x.version <= 17)
        .cloned()
        .collect::<Vec<_>>()
        .into();
    match &db.url {
        DatabaseUrl::Sqlite { path } => {
            let opts = sqlx::sqlite::SqliteConnectOptions::new()
                .filename(path)
                .create_if_missing(true)
                .foreign_keys(true);
            let pool = sqlx::SqlitePool::connect_with(opts).await.unwrap();
            m.run(&pool).await.unwrap();
            pool.close().await;
        }
        DatabaseUrl::Postgres { url } => {
            let pool = sqlx::PgPool::connect(url).await.unwrap();
            m.run(&pool).await.unwrap();
            pool.close().await;
        }
    }
}

#[tokio::test]
async fn the_district_log_from_before_logs_per_community_still_verifies_and_proves() {
    if helpers::partitioned() {
        // That mode hands out schemas already migrated and partitioned: no old schema to upgrade.
        eprintln!("SKIP the upgrade from the old seal log: JIANFU_TEST_PG_PARTITIONED is set");
        return;
    }
    for db in helpers::backends().await {
        let l = db.label;
        old_schema(&db).await;
        // The old district log, written as the old code did: entries of two communities in one
        // chain from zero, its nodes and head under the key `seal`.
        let mut conn = raw(&db).await;
        exec!(
            conn,
            "INSERT INTO orgs (code, name, kind, parent_code, created_at) VALUES \
             ('110115', '大兴区', 'district', NULL, 0), \
             ('110115001', '清源街道', 'street', '110115', 0), \
             ('110115001901', '枣园社区', 'community', '110115001', 0), \
             ('110115001902', '兴政社区', 'community', '110115001', 0)"
        )
        .unwrap_or_else(|e| panic!("{l}: orgs: {e}"));
        let h = HashAlg::Sha256.hasher();
        let (mut frontier, mut prev) = (Frontier::default(), ZERO);
        for seq in 1..=6i64 {
            let community = if seq % 2 == 0 { OTHER } else { COMMUNITY };
            let p = Personal {
                salt: format!("{seq:032x}"),
                applicant: format!("居民{seq}"),
                contact: format!("1380000{seq:04}"),
            };
            let e = SealEntry {
                seq,
                id: format!("legacy-{seq}"),
                used_at: 1_795_000_000_000 + seq,
                community_code: community.into(),
                kind: "document".into(),
                content: format!("旧登记簿第 {seq} 条"),
                copies: 1,
                approver: "shuji".into(),
                handler: "shegong".into(),
                ..Default::default()
            }
            .seal(h, &p, &prev);
            prev = parse_hex(&e.entry_hash).unwrap();
            for n in frontier.append(h, parse_hex(&e.leaf_hash).unwrap()) {
                exec!(
                    conn,
                    "INSERT INTO seal_nodes (node, hash) VALUES ($1, $2)",
                    n.node.key(),
                    to_hex(&n.hash)
                )
                .unwrap();
            }
            exec!(
                conn,
                "INSERT INTO seal_entries (seq, id, used_at, community_code, kind, subject, \
                 content, copies, approver, handler, personal_digest, hash_alg, leaf_hash, \
                 prev_hash, entry_hash) VALUES ($1, $2, $3, $4, $5, '', $6, 1, 'shuji', \
                 'shegong', $7, 'sha256', $8, $9, $10)",
                seq,
                e.id.clone(),
                e.used_at,
                community.to_string(),
                e.kind.clone(),
                e.content.clone(),
                e.personal_digest.clone(),
                e.leaf_hash.clone(),
                e.prev_hash.clone(),
                e.entry_hash.clone()
            )
            .unwrap();
            exec!(
                conn,
                "INSERT INTO seal_personal (seq, salt, applicant, contact) VALUES ($1, $2, $3, $4)",
                seq,
                p.salt.clone(),
                p.applicant.clone(),
                p.contact.clone()
            )
            .unwrap();
        }
        exec!(
            conn,
            "INSERT INTO seal_head (log, size, hash, hash_alg, frontier) \
             VALUES ('seal', 6, $1, 'sha256', $2)",
            to_hex(&prev),
            frontier.encode()
        )
        .unwrap();
        drop(conn);
        // Upgrade: opening the store applies 0018 (the district was there before: no demo to
        // load, two workers to handle seal uses). The old checkpoint is signed with the district's
        // key over the old log alone, and one copy is kept outside.
        let keys = helpers::temp_dir();
        let store = jianfu_store::open(&db.url).await.expect("migrates");
        let config = jianfu_server::Config {
            data_dir: keys.0.clone(),
            ..jianfu_server::Config::default()
        };
        let app = jianfu_server::App::new(store, helpers::test_clock(), config);
        for (user, org) in [("shegong", COMMUNITY), ("shegong2", OTHER)] {
            let new = jianfu_server::service::accounts::NewAccount {
                username: user.into(),
                display_name: format!("{user}（测试）"),
                password: "Jianfu@2026".into(),
                roles: vec!["community_worker".into()],
                org: org.into(),
            };
            app.create_account_owned(
                &jianfu_server::service::Actor::console(),
                &RequestMeta::console(),
                &new,
            )
            .await
            .unwrap();
        }
        let signer = app.seal_signer().unwrap();
        let old = cp::sign(signer.as_ref(), 6, &frontier.root(h), HashAlg::Sha256, 1);
        let mut conn = raw(&db).await;
        exec!(
            conn,
            "INSERT INTO seal_checkpoints (size, signed_at, root, hash_alg, key_id, signature) \
             VALUES (6, 1, $1, 'sha256', $2, $3)",
            old.root.clone(),
            old.key_id.clone(),
            old.signature.clone()
        )
        .unwrap();
        let published = keys.0.join("old-checkpoint.json");
        let k = app.seal_public_key().unwrap();
        let file = serde_json::json!({
            "format": "jianfu-seal-checkpoint",
            "checkpoint": old,
            "public_key": k.public_key,
            "fingerprint": k.fingerprint,
        });
        std::fs::write(&published, file.to_string()).unwrap();
        let published = published.display().to_string();
        let r = verify_cli(&db, &keys, &["--checkpoint", published.as_str()]).await;
        assert!(
            r.ok() && r.stdout.contains("1 本登记簿共 6 条记录"),
            "{l}: {r:?}"
        );

        // New uses go to each community's own log; the old one is frozen.
        assert_eq!(record_in(&app, COMMUNITY, "shegong", 7).await, 1);
        assert_eq!(record_in(&app, OTHER, "shegong2", 8).await, 1);
        checkpoint(&app).await;
        let r = verify_cli(&db, &keys, &["--checkpoint", published.as_str()]).await;
        assert!(r.ok(), "{l}: {r:?}");
        assert!(r.stdout.contains("3 本登记簿共 8 条记录"), "{l}: {r:?}");
        assert!(r.stdout.contains("已核验 3 个签名检查点"), "{l}: {r:?}");
        // An old entry's proof climbs the old log to its head, then the heads.
        let p = app.seal_inclusion_proof("seal", 3).await.unwrap().unwrap();
        assert!(p.verified && p.head_count == Some(3), "{l}: {}", p.message);
        // Both community pages show their entries of the old log beside the new ones.
        let page = app
            .seal_log(&crate::seal_log::director_of(OTHER), None)
            .await
            .unwrap();
        let logs: Vec<(&str, i64)> = page
            .entries
            .iter()
            .map(|e| (e.log.as_str(), e.seq))
            .collect();
        assert_eq!(
            logs,
            [(OTHER, 1), ("seal", 6), ("seal", 4), ("seal", 2)],
            "{l}"
        );

        // Tampering with the old log is named as the old district log.
        let mut conn = raw(&db).await;
        conn.unguard().await;
        exec!(
            conn,
            "UPDATE seal_entries SET copies = 9 WHERE log = 'seal' AND seq = 3"
        )
        .unwrap();
        assert_found(
            &db,
            &keys,
            &[],
            "区用印登记簿（分社区前）：第 3 条",
            "entry_modified",
        )
        .await;
    }
}
