//! The contract every storage backend keeps: one story, told against SQLite and (when reachable)
//! PostgreSQL, through the real `App` use cases. If the two backends drift apart in anything a
//! user or an auditor could notice, this story fails on one of them.

use crate::helpers::{self, TestDb};
use jianfu_domain::audit_chain::GENESIS;
use jianfu_domain::{OrgCode, OrgKind};
use jianfu_server::App;
use jianfu_server::service::accounts::NewAccount;
use jianfu_server::service::audit::verify_chain;
use jianfu_server::service::auth::SessionKind;
use jianfu_server::service::{Actor, RequestMeta, ServiceError, token_hash};
use jianfu_store::{AuditQuery, AuditRecord};
use std::collections::BTreeSet;
use time::Duration;

const NEW_PASSWORD: &str = "Good#Pass1";

/// Where the story's own requests come from, so the audit trail can be checked for it.
fn web_meta(request_id: &str) -> RequestMeta {
    RequestMeta {
        client_addr: Some("203.0.113.7".into()),
        request_id: Some(request_id.into()),
    }
}

fn new_account(username: &str, password: &str, roles: &[&str], org: &str) -> NewAccount {
    NewAccount {
        username: username.into(),
        display_name: String::new(),
        password: password.into(),
        roles: roles.iter().map(|r| r.to_string()).collect(),
        org: org.into(),
    }
}

async fn head(app: &App) -> i64 {
    app.store.audit_head().await.expect("audit head").0
}

/// The record written last, in any chain (UUIDv7 ids increase within the process; the test
/// clock gives many records the same time).
async fn last_record(app: &App) -> AuditRecord {
    app.store
        .audit_all(100_000)
        .await
        .expect("audit_all")
        .into_iter()
        .max_by(|a, b| a.id.cmp(&b.id))
        .expect("the trail has records")
}

async fn actor_of(app: &App, username: &str) -> Actor {
    let u = app
        .store
        .user_by_username(username)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("demo account {username} exists"));
    jianfu_server::service::auth::actor_of(&u)
}

async fn visible_codes(app: &App, username: &str) -> BTreeSet<String> {
    let actor = actor_of(app, username).await;
    app.visible_orgs(&actor)
        .await
        .unwrap()
        .iter()
        .map(|o| o.code.to_string())
        .collect()
}

#[tokio::test]
async fn every_backend_keeps_the_same_contract() {
    for db in helpers::backends().await {
        contract_story(&db).await;
    }
}

async fn contract_story(db: &TestDb) {
    let l = db.label;

    // --- Migrations: a fresh database opens, and opening it again changes nothing. ---
    let first = jianfu_store::open(&db.url)
        .await
        .expect("first open migrates");
    assert_eq!(first.backend(), l);
    assert_eq!(
        first.audit_head().await.unwrap(),
        (0, GENESIS.to_string()),
        "{l}: empty chain"
    );
    let again = jianfu_store::open(&db.url)
        .await
        .expect("second open is idempotent");
    again.migrate().await.expect("migrate a third time");
    assert!(
        again.list_orgs().await.unwrap().is_empty(),
        "{l}: no orgs before the demo"
    );
    assert!(
        again.list_users().await.unwrap().is_empty(),
        "{l}: no users before the demo"
    );
    drop((first, again));

    // --- Demo district: loads once. ---
    let (app, clock) = helpers::app(db, false).await;
    assert!(!app.is_demo().await);
    assert!(
        app.load_demo(&RequestMeta::console()).await.unwrap(),
        "{l}: demo loads"
    );
    let after_demo = head(&app).await;
    // catalog.seed + org.import + 11 accounts + 3 demo mandates + pii.key_check (the data key
    // encrypts the demo administrators' authenticator secrets) + 3 second-factor enrolments +
    // demo.load
    assert_eq!(after_demo, 21, "{l}: one audit record per demo change");
    assert!(
        !app.load_demo(&RequestMeta::console()).await.unwrap(),
        "{l}: second load refused"
    );
    assert_eq!(
        head(&app).await,
        after_demo,
        "{l}: a refused demo load writes nothing"
    );
    assert!(app.is_demo().await);

    // --- The organisation tree. ---
    let orgs = app.store.list_orgs().await.unwrap();
    let of_kind = |k: &str| orgs.iter().filter(|o| o.kind == k).collect::<Vec<_>>();
    let district = of_kind("district");
    assert_eq!(district.len(), 1, "{l}");
    assert_eq!(district[0].code, "110115");
    assert_eq!(district[0].name, "北京市大兴区");
    assert_eq!(district[0].parent_code, None);
    assert_eq!(of_kind("street").len(), 8, "{l}: Daxing has 8 streets");
    assert_eq!(of_kind("town").len(), 14, "{l}: Daxing has 14 towns");
    let divisions: BTreeSet<&str> = orgs
        .iter()
        .filter(|o| o.kind == "street" || o.kind == "town")
        .map(|o| o.code.as_str())
        .collect();
    let communities = of_kind("community");
    assert!(
        communities.len() >= 22,
        "{l}: communities under every division"
    );
    for c in &communities {
        let parent = c.parent_code.as_deref().unwrap_or_default();
        assert!(
            divisions.contains(parent),
            "{l}: {} hangs under a street or town",
            c.code
        );
    }
    let departments = of_kind("department");
    assert!(
        departments
            .iter()
            .any(|d| d.code == "110115-MZJ" && d.name == "区民政局")
    );
    assert!(departments.len() >= 2, "{l}");
    for d in &departments {
        assert_eq!(d.parent_code.as_deref(), Some("110115"), "{l}: {}", d.code);
    }
    let xingfeng = orgs
        .iter()
        .find(|o| o.code == "110115001")
        .expect("兴丰街道");
    assert_eq!(
        (xingfeng.name.as_str(), xingfeng.kind.as_str()),
        ("兴丰街道", "street")
    );
    let expected: BTreeSet<String> = jianfu_server::service::demo::demo_orgs(0)
        .unwrap()
        .into_iter()
        .map(|o| o.code)
        .collect();
    let stored: BTreeSet<String> = orgs.iter().map(|o| o.code.clone()).collect();
    assert_eq!(
        stored, expected,
        "{l}: every demo organisation is stored, nothing else"
    );
    assert_eq!(
        app.store.list_users().await.unwrap().len(),
        11,
        "{l}: one account per role"
    );

    // --- Creating accounts as the console operator. ---
    let console = Actor::console();
    let cmeta = RequestMeta::console();
    let before = head(&app).await;
    let id = app
        .create_account_owned(
            &console,
            &cmeta,
            &new_account(
                "wangwu",
                NEW_PASSWORD,
                &["community_worker"],
                "110115001901",
            ),
        )
        .await
        .expect("console creates an account");
    assert_eq!(
        head(&app).await,
        before + 1,
        "{l}: account creation is audited"
    );
    let row = app.store.user_by_id(&id).await.unwrap().expect("stored");
    assert_eq!(row.username, "wangwu");
    assert_eq!(row.org_code, "110115001901");
    assert_eq!(row.roles, "community_worker");
    assert!(!row.disabled);
    assert_ne!(
        row.password_hash, NEW_PASSWORD,
        "{l}: only a hash is stored"
    );
    assert!(
        row.password_hash.starts_with("$argon2"),
        "{l}: {}",
        row.password_hash
    );
    let rec = last_record(&app).await;
    assert_eq!(rec.action, "user.create");
    assert_eq!(rec.object, format!("user:{id}"));
    assert_eq!(rec.actor.as_deref(), Some("console"));
    assert_eq!(rec.actor_role.as_deref(), Some("console"));
    assert_eq!(rec.result, "success");
    assert_eq!(rec.client_addr.as_deref(), Some("console"));
    assert!(
        rec.detail.contains("wangwu"),
        "{l}: detail names the account: {}",
        rec.detail
    );

    let before = head(&app).await;
    let dup = app
        .create_account(
            &console,
            &cmeta,
            &new_account("WangWu", NEW_PASSWORD, &["resident"], "110115001902"),
        )
        .await;
    match &dup {
        Err(ServiceError::Conflict(m)) => assert!(m.contains("wangwu"), "{l}: {m}"),
        other => panic!("{l}: duplicate username must conflict, got {other:?}"),
    }

    let two_admins = app
        .create_account(
            &console,
            &cmeta,
            &new_account(
                "zhaoliu",
                NEW_PASSWORD,
                &["system_admin", "audit_admin"],
                "110115",
            ),
        )
        .await;
    match &two_admins {
        Err(ServiceError::Invalid(m)) => assert!(m.contains("三权分立"), "{l}: {m}"),
        other => panic!("{l}: system_admin+audit_admin must be refused, got {other:?}"),
    }

    let wrong_org = app
        .create_account(
            &console,
            &cmeta,
            &new_account("zhaoliu", NEW_PASSWORD, &["community_worker"], "110115-MZJ"),
        )
        .await;
    match &wrong_org {
        Err(ServiceError::Invalid(m)) => {
            assert_eq!(m, "“社区工作者”不能属于区级部门类机构", "{l}")
        }
        other => panic!("{l}: community_worker in a department must be refused, got {other:?}"),
    }

    let weak = app
        .create_account(
            &console,
            &cmeta,
            &new_account("zhaoliu", "abc", &["community_worker"], "110115001901"),
        )
        .await;
    match &weak {
        Err(ServiceError::Rejected { code, message }) => {
            assert_eq!(*code, "password_too_short", "{l}");
            assert!(message.contains("密码至少需要 8 个字符"), "{l}: {message}");
        }
        other => panic!("{l}: weak password must be refused, got {other:?}"),
    }
    assert_eq!(
        head(&app).await,
        before,
        "{l}: refused changes leave no audit record and no gap"
    );
    assert!(
        app.store
            .user_by_username("zhaoliu")
            .await
            .unwrap()
            .is_none(),
        "{l}"
    );
    assert_eq!(
        verify_chain(app.store.as_ref()).await.unwrap(),
        Ok(before as u64),
        "{l}"
    );

    // --- Logging in, failing, being locked out. ---
    let meta = web_meta("req-login-1");
    let before = head(&app).await;
    let ok = app
        .login("wangwu", NEW_PASSWORD, SessionKind::Web, &meta)
        .await;
    let ok = ok
        .map_err(|e| format!("{e:?}"))
        .expect("correct password logs in");
    assert_eq!(ok.actor.username.as_deref(), Some("wangwu"));
    assert_eq!(head(&app).await, before + 1, "{l}: a login is audited");
    let rec = last_record(&app).await;
    assert_eq!(
        (
            rec.action.as_str(),
            rec.result.as_str(),
            rec.actor.as_deref()
        ),
        ("auth.login", "success", Some("wangwu")),
        "{l}"
    );
    assert_eq!(rec.client_addr.as_deref(), Some("203.0.113.7"));
    assert_eq!(rec.request_id.as_deref(), Some("req-login-1"));
    assert!(
        app.store
            .session(&token_hash(&ok.token))
            .await
            .unwrap()
            .is_some(),
        "{l}"
    );

    let unknown = app
        .login("nobody", NEW_PASSWORD, SessionKind::Web, &meta)
        .await
        .map(|_| ());
    assert!(
        matches!(
            unknown,
            Err(ServiceError::WrongCredentials { remaining: None })
        ),
        "{l}: {unknown:?}"
    );
    let rec = last_record(&app).await;
    assert_eq!(
        (rec.action.as_str(), rec.result.as_str()),
        ("auth.login", "failure")
    );
    assert_eq!(
        (rec.actor.as_deref(), rec.object.as_str()),
        (None, "username:nobody")
    );

    // Wrong passwords slow this client down; they do not lock the account, and a run of them
    // leaves one audit record, not one per guess.
    let before = head(&app).await;
    for attempt in 1..=5u32 {
        let r = app
            .login("wangwu", "Wrong#Pass1", SessionKind::Web, &meta)
            .await
            .map(|_| ());
        assert!(
            matches!(r, Err(ServiceError::WrongCredentials { remaining: None })),
            "{l}: attempt {attempt}: {r:?}"
        );
    }
    assert_eq!(
        head(&app).await,
        before + 1,
        "{l}: five failures, one record"
    );
    let rec = last_record(&app).await;
    assert_eq!(
        (rec.action.as_str(), rec.result.as_str()),
        ("auth.login", "failure")
    );
    assert!(rec.detail.contains("wrong_password"), "{l}: {}", rec.detail);
    let delayed = app
        .login("wangwu", NEW_PASSWORD, SessionKind::Web, &meta)
        .await
        .map(|_| ());
    assert!(
        matches!(delayed, Err(ServiceError::RateLimited(_))),
        "{l}: this client waits, even with the right password: {delayed:?}"
    );
    // The owner on another client is not held up.
    let other = RequestMeta {
        client_addr: Some("198.51.100.20".into()),
        request_id: Some("req-login-2".into()),
    };
    let after_lock = app
        .login("wangwu", NEW_PASSWORD, SessionKind::Web, &other)
        .await
        .map_err(|e| format!("{e:?}"))
        .expect("another client logs in at once");
    let row = app.store.user_by_username("wangwu").await.unwrap().unwrap();
    assert_eq!(
        (row.failed_logins, row.locked_until),
        (0, None),
        "{l}: no lock is kept on the account"
    );

    // --- Sessions end after 30 idle minutes. ---
    let caller = app
        .authenticate(&after_lock.token)
        .await
        .expect("fresh session is live");
    assert_eq!(caller.actor.username.as_deref(), Some("wangwu"));
    assert!(
        caller.csrf.is_some(),
        "{l}: web sessions carry a CSRF token"
    );
    clock.advance(Duration::minutes(29));
    app.authenticate(&after_lock.token)
        .await
        .expect("29 idle minutes: still live");
    clock.advance(Duration::minutes(31));
    let expired = app.authenticate(&after_lock.token).await;
    assert!(
        matches!(expired, Err(ServiceError::SessionExpired)),
        "{l}: {expired:?}"
    );

    // --- Disabling an account ends its sessions. ---
    let s2 = app
        .login("shegong2", helpers::DEMO_PASSWORD, SessionKind::Api, &meta)
        .await
        .map_err(|e| format!("{e:?}"))
        .expect("demo account logs in");
    app.authenticate(&s2.token).await.expect("session works");
    let before = head(&app).await;
    app.set_account_disabled(&console, &cmeta, "shegong2", true)
        .await
        .expect("disable");
    assert_eq!(head(&app).await, before + 1, "{l}: disabling is audited");
    let rec = last_record(&app).await;
    assert_eq!(
        (rec.action.as_str(), rec.actor.as_deref()),
        ("user.disable", Some("console"))
    );
    assert!(
        app.store
            .session(&token_hash(&s2.token))
            .await
            .unwrap()
            .is_none(),
        "{l}: the session row is gone"
    );
    let gone = app.authenticate(&s2.token).await;
    assert!(
        matches!(
            gone,
            Err(ServiceError::Unauthenticated | ServiceError::Disabled)
        ),
        "{l}: a disabled account's session no longer works: {gone:?}"
    );
    let relog = app
        .login("shegong2", helpers::DEMO_PASSWORD, SessionKind::Web, &meta)
        .await
        .map(|_| ());
    assert!(
        matches!(relog, Err(ServiceError::Disabled)),
        "{l}: {relog:?}"
    );

    // --- A new password ends the account's sessions; unlocking and logging out are audited. ---
    let shuji = app
        .login("shuji", helpers::DEMO_PASSWORD, SessionKind::Web, &meta)
        .await
        .map_err(|e| format!("{e:?}"))
        .expect("shuji logs in");
    let before = head(&app).await;
    app.reset_password(&console, &cmeta, "shuji", "Zhang#New2026")
        .await
        .expect("console resets a password");
    assert_eq!(head(&app).await, before + 1, "{l}: a reset is audited");
    assert_eq!(last_record(&app).await.action, "user.reset_password");
    assert!(
        app.store
            .session(&token_hash(&shuji.token))
            .await
            .unwrap()
            .is_none(),
        "{l}: the old session is gone"
    );
    let old = app.authenticate(&shuji.token).await;
    assert!(
        matches!(old, Err(ServiceError::Unauthenticated)),
        "{l}: {old:?}"
    );
    let old_pw = app
        .login("shuji", helpers::DEMO_PASSWORD, SessionKind::Web, &meta)
        .await
        .map(|_| ());
    assert!(
        matches!(old_pw, Err(ServiceError::WrongCredentials { .. })),
        "{l}: {old_pw:?}"
    );
    let before = head(&app).await;
    app.unlock_account(&console, &cmeta, "shuji")
        .await
        .expect("unlock");
    assert_eq!(head(&app).await, before + 1, "{l}: unlocking is audited");
    assert_eq!(last_record(&app).await.action, "user.unlock");
    let row = app.store.user_by_username("shuji").await.unwrap().unwrap();
    assert_eq!((row.failed_logins, row.locked_until), (0, None), "{l}");
    // The reset password is one-time: it serves once, to set shuji's own.
    let one_time = app
        .login("shuji", "Zhang#New2026", SessionKind::Web, &meta)
        .await
        .map(|_| ());
    assert!(
        matches!(&one_time, Err(e) if e.code() == "password_change_required"),
        "{l}: {one_time:?}"
    );
    let shuji = app
        .change_password_and_login(
            "shuji",
            "Zhang#New2026",
            "Zhang#Own2026",
            None,
            SessionKind::Web,
            &meta,
        )
        .await
        .map_err(|e| format!("{e:?}"))
        .expect("the new password works");
    let caller = app.authenticate(&shuji.token).await.unwrap();
    let before = head(&app).await;
    app.logout(&caller, &meta).await.expect("logout");
    assert_eq!(head(&app).await, before + 1, "{l}: logout is audited");
    assert_eq!(last_record(&app).await.action, "auth.logout");
    let out = app.authenticate(&shuji.token).await;
    assert!(
        matches!(out, Err(ServiceError::Unauthenticated)),
        "{l}: {out:?}"
    );

    // --- Long-lived API tokens for department systems. ---
    let before = head(&app).await;
    app.create_system_account(
        &console,
        &cmeta,
        "minzheng-xitong",
        "民政局业务系统",
        "110115-MZJ",
        &[jianfu_domain::Role::DepartmentClerk],
    )
    .await
    .map(|_| ())
    .expect("system account");
    assert_eq!(
        head(&app).await,
        before + 1,
        "{l}: a system account is audited"
    );
    let before = head(&app).await;
    let (token_id, secret) = app
        .issue_api_token(&console, &cmeta, "民政局业务系统", "minzheng-xitong")
        .await
        .expect("token issued");
    assert_eq!(head(&app).await, before + 1, "{l}: issuing is audited");
    let system = app
        .authenticate(&secret)
        .await
        .expect("the token authenticates");
    assert_eq!(
        system.actor.username,
        Some(format!("system:minzheng-xitong/token:{token_id}")),
        "{l}: calls with the token are audited as the system account and the token"
    );
    assert!(system.csrf.is_none(), "{l}: tokens need no CSRF token");
    let tokens = app.store.list_api_tokens().await.unwrap();
    assert_eq!(tokens.len(), 1, "{l}");
    assert_eq!(
        (tokens[0].id.as_str(), tokens[0].revoked_at),
        (token_id.as_str(), None)
    );
    assert_ne!(tokens[0].token_hash, secret, "{l}: only the hash is stored");
    app.revoke_api_token(&console, &cmeta, &token_id)
        .await
        .expect("revoke");
    assert_eq!(head(&app).await, before + 2, "{l}: revoking is audited");
    let revoked = app.authenticate(&secret).await;
    assert!(
        matches!(revoked, Err(ServiceError::Unauthenticated)),
        "{l}: {revoked:?}"
    );
    let twice = app.revoke_api_token(&console, &cmeta, &token_id).await;
    assert!(
        matches!(twice, Err(ServiceError::NotFound(_))),
        "{l}: {twice:?}"
    );
    assert_eq!(
        head(&app).await,
        before + 2,
        "{l}: a refused revoke writes nothing"
    );
    assert!(
        app.store.list_api_tokens().await.unwrap()[0]
            .revoked_at
            .is_some(),
        "{l}"
    );
    assert_eq!(
        app.store.get_meta("demo_loaded").await.unwrap().as_deref(),
        Some("1"),
        "{l}"
    );
    app.store.ping().await.expect("ping");

    // --- Scope: who sees which organisations. ---
    let shegong = visible_codes(&app, "shegong").await;
    assert_eq!(shegong, BTreeSet::from(["110115001901".to_string()]), "{l}");
    assert!(
        !shegong.contains("110115001902"),
        "{l}: never the neighbouring community"
    );

    let jiedao = visible_codes(&app, "jiedao").await;
    let mut xingfeng: BTreeSet<String> = orgs
        .iter()
        .filter(|o| o.parent_code.as_deref() == Some("110115001"))
        .map(|o| o.code.clone())
        .collect();
    assert!(xingfeng.len() >= 3, "{l}: 兴丰街道 has communities");
    xingfeng.insert("110115001".into());
    assert_eq!(
        jiedao, xingfeng,
        "{l}: the street officer sees 兴丰街道 and its communities only"
    );
    assert!(
        !jiedao.contains("110115002") && !jiedao.contains("110115"),
        "{l}"
    );

    let minzheng = actor_of(&app, "minzheng").await;
    let seen = app.visible_orgs(&minzheng).await.unwrap();
    let seen_departments: Vec<String> = seen
        .iter()
        .filter(|o| o.kind == OrgKind::Department)
        .map(|o| o.code.to_string())
        .collect();
    assert_eq!(
        seen_departments,
        vec!["110115-MZJ".to_string()],
        "{l}: only its own department"
    );
    assert!(
        seen.iter()
            .any(|o| o.code == OrgCode::parse("110115001901").unwrap()),
        "{l}: a department clerk still sees the communities it serves"
    );

    // --- The audit trail: complete, attributed and intact. ---
    let n = head(&app).await;
    let all = app.store.audit_all(10_000).await.unwrap();
    assert_eq!(all.len() as i64, n, "{l}: one record per sequence number");
    let mut by_chain: std::collections::BTreeMap<&str, Vec<i64>> = Default::default();
    for r in &all {
        by_chain.entry(r.chain.as_str()).or_default().push(r.seq);
    }
    for (chain, mut seqs) in by_chain.clone() {
        seqs.sort();
        assert!(
            seqs.iter().enumerate().all(|(i, s)| *s == i as i64 + 1),
            "{l}: chain {chain} has no gaps"
        );
    }
    assert!(
        by_chain.len() >= 3,
        "{l}: the district, organisations and the public each have a chain: {:?}",
        by_chain.keys()
    );
    for r in &all {
        assert!(!r.action.is_empty() && !r.object.is_empty(), "{l}: {r:?}");
        assert!(r.result == "success" || r.result == "failure", "{l}: {r:?}");
        assert!(
            r.client_addr.as_deref().is_some_and(|a| !a.is_empty()),
            "{l}: {r:?}"
        );
        if r.actor.is_none() {
            assert_eq!(
                r.object, "username:nobody",
                "{l}: only the unknown name has no actor"
            );
            assert_eq!(
                r.chain, "public",
                "{l}: anonymous records go to the public chain"
            );
        }
    }
    let creates: Vec<_> = all.iter().filter(|r| r.action == "user.create").collect();
    assert_eq!(creates.len(), 12, "{l}: 11 demo accounts and wangwu");
    assert!(
        creates
            .iter()
            .all(|r| r.actor.as_deref() == Some("console"))
    );
    assert_eq!(
        verify_chain(app.store.as_ref()).await.unwrap(),
        Ok(n as u64),
        "{l}: intact"
    );

    // Search behaves the same on every backend.
    let wangwu_logins = app
        .store
        .search_audit(&AuditQuery {
            actor: Some("wangwu".into()),
            action: Some("auth.login".into()),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    // 1 success + 1 record for the run of 5 wrong passwords and the refused retry (collapsed)
    // + 1 success from another client
    assert_eq!(wangwu_logins.len(), 3, "{l}");
    assert!(
        wangwu_logins.windows(2).all(|w| w[0].seq > w[1].seq),
        "{l}: newest first"
    );
    assert_eq!(
        wangwu_logins
            .iter()
            .filter(|r| r.result == "failure")
            .count(),
        1,
        "{l}"
    );
    let by_object = app
        .store
        .search_audit(&AuditQuery {
            object: Some(id.clone()),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(by_object.iter().all(|r| r.object.contains(&id)), "{l}");
    assert!(by_object.iter().any(|r| r.action == "user.create"), "{l}");
}

/// The audit administrator's search finds the same records on every backend. Usernames are
/// lower-cased and organisation codes upper-cased on the way in (`Username::parse`,
/// `OrgCode::parse`), so identifiers are case-insensitive in jianfu; a search typed in another
/// case must find them, on SQLite and PostgreSQL alike.
#[tokio::test]
async fn audit_search_matches_the_same_records_on_every_backend() {
    let mut seen = Vec::new();
    for db in helpers::backends().await {
        let l = db.label;
        let (app, _clock) = helpers::app(&db, false).await;
        for object in ["username:nobody", "org:110115-MZJ", "user:0190abcd-ef01"] {
            let a = app.audit(
                &Actor::console(),
                &RequestMeta::console(),
                "auth.login",
                object,
            );
            app.store.append_audit(a).await.unwrap();
        }
        let a = app.audit(
            &Actor::console(),
            &RequestMeta::console(),
            "user.create",
            "user:x",
        );
        app.store.append_audit(a).await.unwrap();
        let count = |object: &str, action: &str| {
            let q = AuditQuery {
                object: Some(object.to_string()).filter(|s| !s.is_empty()),
                action: Some(action.to_string()).filter(|s| !s.is_empty()),
                limit: 100,
                ..Default::default()
            };
            let store = app.store.clone();
            async move { store.search_audit(&q).await.unwrap().len() }
        };
        // As stored: the same on every backend.
        assert_eq!(count("nobody", "").await, 1, "{l}");
        assert_eq!(count("", "auth.").await, 3, "{l}: action is a prefix");
        assert_eq!(count("", "").await, 4, "{l}: no filter, everything");
        // In another case.
        let other_case = [
            count("NoBody", "").await,
            count("110115-mzj", "").await,
            count("0190ABCD", "").await,
            count("", "AUTH.").await,
        ];
        seen.push((l, other_case));
        assert_eq!(other_case, [1, 1, 1, 3], "{l}: search ignores case");
    }
    assert!(
        seen.windows(2).all(|w| w[0].1 == w[1].1),
        "backends drift: {seen:?}"
    );
}

/// Wrong passwords sent side by side count as many failures as were sent: an attacker who fires
/// attempts in parallel must not get more than the policy's five guesses before the lock.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_wrong_passwords_slow_the_guesser_and_never_lock_the_owner_out() {
    for db in helpers::backends().await {
        let l = db.label;
        let (app, _clock) = helpers::app(&db, false).await;
        let orgs = jianfu_server::service::demo::demo_orgs(0).unwrap();
        let a = app.audit(
            &Actor::console(),
            &RequestMeta::console(),
            "org.import",
            "orgs:test",
        );
        app.store.insert_orgs(&orgs, a).await.unwrap();
        app.create_account_owned(
            &Actor::console(),
            &RequestMeta::console(),
            &new_account("target", NEW_PASSWORD, &["resident"], "110115001901"),
        )
        .await
        .unwrap();
        let attempts: Vec<_> = (0..8)
            .map(|i| {
                let app = app.clone();
                tokio::spawn(async move {
                    let meta = web_meta(&format!("guess-{i}"));
                    app.login("target", &format!("Guess#{i:04}"), SessionKind::Web, &meta)
                        .await
                        .map(|_| ())
                })
            })
            .collect();
        for a in attempts {
            assert!(
                a.await.unwrap().is_err(),
                "{l}: a wrong guess never logs in"
            );
        }
        let row = app.store.user_by_username("target").await.unwrap().unwrap();
        let failures = app
            .store
            .search_audit(&AuditQuery {
                action: Some("auth.login".into()),
                limit: 100,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.result == "failure")
            .count();
        assert!(
            failures <= 2,
            "{l}: parallel guesses are collapsed in the audit trail, got {failures} records"
        );
        assert_eq!(
            (row.failed_logins, row.locked_until),
            (0, None),
            "{l}: nothing locks the account"
        );
        let r = app
            .login("target", NEW_PASSWORD, SessionKind::Web, &web_meta("real"))
            .await;
        assert!(
            matches!(r.map(|_| ()), Err(ServiceError::RateLimited(_))),
            "{l}: the guessing client waits"
        );
        let elsewhere = RequestMeta {
            client_addr: Some("198.51.100.20".into()),
            request_id: None,
        };
        app.login("target", NEW_PASSWORD, SessionKind::Web, &elsewhere)
            .await
            .map_err(|e| format!("{e:?}"))
            .expect("the owner elsewhere logs in");
    }
}

/// Issue 14 §2: a transaction PostgreSQL aborts because another ran at the same time
/// (serialization failure 40001, deadlock 40P01) is run again from its first statement. Under
/// SERIALIZABLE, 12 concurrent writes to one audit chain collide on its head row; every one of
/// them must still succeed, once, with the chain whole.
#[tokio::test]
async fn conflicting_transactions_are_retried_on_postgres() {
    let Some(db) = helpers::pg_db().await else {
        return;
    };
    let url = jianfu_store::DatabaseUrl::parse(&format!(
        "{}%20-c%20default_transaction_isolation%3Dserializable",
        db.raw_url
    ))
    .unwrap();
    let store = jianfu_store::open(&url).await.unwrap();
    let isolation: String = {
        use sqlx::Connection;
        let jianfu_store::DatabaseUrl::Postgres { url: raw } = &url else {
            unreachable!()
        };
        let mut c = sqlx::PgConnection::connect(raw).await.unwrap();
        sqlx::query_scalar("SHOW transaction_isolation")
            .fetch_one(&mut c)
            .await
            .unwrap()
    };
    assert_eq!(
        isolation, "serializable",
        "the test runs where conflicts happen"
    );
    let (app, _clock) = helpers::app(&db, false).await;
    let mut writes = tokio::task::JoinSet::new();
    for i in 0..12 {
        let store = store.clone();
        let a = audit_on(&app, "110115001901", "test.concurrent", i);
        writes.spawn(async move { store.append_audit(a).await });
    }
    while let Some(r) = writes.join_next().await {
        r.unwrap()
            .expect("a conflicting write is retried, not lost");
    }
    let records = store.audit_after("110115001901", 0, 100).await.unwrap();
    assert_eq!(records.len(), 12, "each write exactly once");
    assert!(
        verify_chain(store.as_ref()).await.unwrap().is_ok(),
        "the chain is whole"
    );
}

/// Issue 14 §2: on PostgreSQL a write that reads nothing in its transaction is sealed onto the
/// chain head read without a lock and sent as one statement; the audit log's key catches a
/// writer that lost the race, which is run again on the new head. 24 writers on one chain at
/// once (READ COMMITTED, the default), some of them locking the head: every one succeeds
/// exactly once and the chain is whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_writers_on_one_chain_are_sealed_again_not_lost() {
    let Some(db) = helpers::pg_db().await else {
        return;
    };
    let (app, _clock) = helpers::app(&db, false).await;
    let write = |i: usize| audit_on(&app, "110115001902", "test.race", i);
    // The chain's head exists first, so the appends below take the path without a lock; every
    // third write locks the head instead (a setting changed), as a use case that reads in its
    // transaction does.
    app.store.append_audit(write(0)).await.unwrap();
    let mut writes = tokio::task::JoinSet::new();
    for i in 1..=24 {
        let store = app.store.clone();
        let a = write(i);
        if i % 3 == 0 {
            writes.spawn(async move { store.set_meta(&format!("race.{i}"), "1", a).await });
        } else {
            writes.spawn(async move { store.append_audit(a).await });
        }
    }
    while let Some(r) = writes.join_next().await {
        r.unwrap()
            .expect("a write that lost the race is sealed again");
    }
    let records = app.store.audit_after("110115001902", 0, 100).await.unwrap();
    let mut objects: Vec<&str> = records.iter().map(|r| r.object.as_str()).collect();
    objects.sort_unstable();
    objects.dedup();
    assert_eq!(
        (records.len(), objects.len()),
        (25, 25),
        "each write exactly once"
    );
    assert_eq!(
        records.iter().map(|r| r.seq).collect::<Vec<_>>(),
        (1..=25).collect::<Vec<i64>>(),
        "numbered without gaps"
    );
    assert!(
        verify_chain(app.store.as_ref()).await.unwrap().is_ok(),
        "the chain is whole"
    );
}

/// The console's audit draft `action` on `write:{i}`, written to `chain`.
fn audit_on(app: &App, chain: &str, action: &str, i: usize) -> jianfu_store::AuditDraft {
    let mut a = app.audit(
        &Actor::console(),
        &RequestMeta::console(),
        action,
        format!("write:{i}"),
    );
    a.chain = chain.into();
    a
}
