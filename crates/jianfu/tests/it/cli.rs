//! The real `jianfu` binary, as an operator uses it at the console: migrations, account
//! management, refusal messages in Chinese, and no password leaking into error output.

use crate::helpers::{self, TestDb};
use jianfu_server::service::audit::verify_chain;
use jianfu_server::service::auth::SessionKind;
use jianfu_server::service::{RequestMeta, ServiceError};
use jianfu_store::AuditQuery;
use std::process::Command;

/// What one run of the binary did.
#[derive(Debug)]
pub(crate) struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn ok(&self) -> bool {
        self.code == Some(0)
    }
}

/// Runs `jianfu ARGS` in an empty working directory (no stray `jianfu.toml`) with no `JIANFU_*`
/// variables from the outside world, plus `env`.
pub(crate) async fn jianfu(args: &[&str], env: &[(&str, &str)]) -> Run {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    tokio::task::spawn_blocking(move || {
        let cwd = helpers::temp_dir();
        let mut c = Command::new(helpers::jianfu_bin());
        c.args(&args).current_dir(&cwd.0).env("RUST_LOG", "warn");
        for (k, _) in std::env::vars() {
            if k.starts_with("JIANFU_") {
                c.env_remove(k);
            }
        }
        c.envs(env);
        let out = c.output().expect("the jianfu binary runs");
        Run {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    })
    .await
    .expect("spawn_blocking")
}

/// `--database-url URL` followed by `rest`.
fn with_db<'a>(url: &'a str, cmd: &[&'a str], rest: &[&'a str]) -> Vec<&'a str> {
    let mut v = cmd.to_vec();
    v.extend(["--database-url", url]);
    v.extend(rest);
    v
}

#[tokio::test]
async fn migrate_is_idempotent_and_reports_the_database() {
    let db = helpers::sqlite_db();
    for _ in 0..2 {
        let r = jianfu(&with_db(&db.raw_url, &["migrate"], &[]), &[]).await;
        assert!(r.ok(), "{r:?}");
        assert!(r.stdout.contains("数据库已是最新结构"), "{r:?}");
        assert!(r.stdout.contains("jianfu.db"), "names the database: {r:?}");
    }
    let store = jianfu_store::open(&db.url)
        .await
        .expect("the migrated file opens");
    assert_eq!(
        store.audit_head().await.unwrap().0,
        0,
        "migrating writes no business record"
    );
    assert!(store.list_orgs().await.unwrap().is_empty());
}

#[tokio::test]
async fn migrate_with_data_dir_creates_the_sqlite_file_there() {
    let dir = helpers::temp_dir();
    let data = dir.0.join("nested").join("data");
    let r = jianfu(&["migrate", "--data-dir", data.to_str().unwrap()], &[]).await;
    assert!(r.ok(), "{r:?}");
    assert!(
        data.join("jianfu.db").exists(),
        "SQLite file in the data dir: {r:?}"
    );
}

async fn create_user1(db: &TestDb, extra: &[&str]) -> Run {
    let mut rest = vec!["--username", "user1", "--password", "Good#Pass1"];
    rest.extend(extra);
    jianfu(&with_db(&db.raw_url, &["user", "create"], &rest), &[]).await
}

#[tokio::test]
async fn user_management_from_the_console() {
    let db = helpers::sqlite_db();
    let worker = ["--role", "community_worker", "--org", "110115001901"];

    // A mistyped database path is an error, not a new empty database.
    let r = create_user1(&db, &worker).await;
    assert!(!r.ok(), "{r:?}");
    assert!(
        r.stderr.contains("不存在") && r.stderr.contains("jianfu.db"),
        "{r:?}"
    );
    let migrated = jianfu(&with_db(&db.raw_url, &["migrate"], &[]), &[]).await;
    assert!(migrated.ok(), "{migrated:?}");

    // Before the demo district exists the organisation is unknown.
    let r = create_user1(&db, &worker).await;
    assert!(!r.ok(), "{r:?}");
    assert!(
        r.stderr.contains("机构代码") && r.stderr.contains("不存在"),
        "{r:?}"
    );
    assert!(r.stderr.contains("110115001901"), "names the code: {r:?}");
    // Without --org and without a district there is nowhere to put the account.
    let r = jianfu(
        &with_db(
            &db.raw_url,
            &["user", "create"],
            &[
                "--username",
                "user0",
                "--password",
                "Good#Pass1",
                "--role",
                "supervisor",
            ],
        ),
        &[],
    )
    .await;
    assert!(!r.ok() && r.stderr.contains("区级机构"), "{r:?}");

    let (app, _clock) = helpers::app(&db, true).await;
    let r = create_user1(&db, &worker).await;
    assert!(r.ok(), "{r:?}");
    assert!(r.stdout.contains("已创建账号 user1"), "{r:?}");
    let user1 = app
        .store
        .user_by_username("user1")
        .await
        .unwrap()
        .expect("user1 stored");
    assert_eq!(
        (user1.org_code.as_str(), user1.roles.as_str()),
        ("110115001901", "community_worker")
    );
    let created = app
        .store
        .search_audit(&AuditQuery {
            action: Some("user.create".into()),
            object: Some(user1.id.clone()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(created.len(), 1, "account creation from the CLI is audited");
    assert_eq!(created[0].actor.as_deref(), Some("console"));
    assert_eq!(created[0].client_addr.as_deref(), Some("console"));

    // Without --org the account belongs to the district.
    let r = jianfu(
        &with_db(
            &db.raw_url,
            &["user", "create"],
            &[
                "--username",
                "user4",
                "--password",
                "Good#Pass1",
                "--role",
                "supervisor",
            ],
        ),
        &[],
    )
    .await;
    assert!(r.ok(), "{r:?}");
    let user4 = app
        .store
        .user_by_username("user4")
        .await
        .unwrap()
        .expect("user4");
    assert_eq!(user4.org_code, "110115");

    // The same name again.
    let r = create_user1(&db, &worker).await;
    assert!(!r.ok() && r.stderr.contains("已被使用"), "{r:?}");

    // Weak password.
    let head = app.store.audit_head().await.unwrap().0;
    let r = jianfu(
        &with_db(
            &db.raw_url,
            &["user", "create"],
            &[
                "--username",
                "user2",
                "--password",
                "abc",
                "--role",
                "resident",
                "--org",
                "110115001901",
            ],
        ),
        &[],
    )
    .await;
    assert!(!r.ok(), "{r:?}");
    assert!(r.stderr.contains("密码至少需要 8 个字符"), "{r:?}");

    // Separation of duties.
    let r = jianfu(
        &with_db(
            &db.raw_url,
            &["user", "create"],
            &[
                "--username",
                "user3",
                "--password",
                "Good#Pass1",
                "--role",
                "system_admin",
                "--role",
                "audit_admin",
            ],
        ),
        &[],
    )
    .await;
    assert!(!r.ok(), "{r:?}");
    assert!(r.stderr.contains("三权分立"), "{r:?}");
    assert!(app.store.user_by_username("user2").await.unwrap().is_none());
    assert!(app.store.user_by_username("user3").await.unwrap().is_none());
    assert_eq!(
        app.store.audit_head().await.unwrap().0,
        head,
        "refusals change nothing"
    );

    // Disable, then reset the password.
    let r = jianfu(
        &with_db(&db.raw_url, &["user", "disable"], &["--username", "user1"]),
        &[],
    )
    .await;
    assert!(r.ok(), "{r:?}");
    assert!(r.stdout.contains("已停用账号 user1"), "{r:?}");
    let u1_now = app.store.user_by_id(&user1.id).await.unwrap().unwrap();
    assert!(u1_now.disabled);
    // A console-made password is one-time: the owner sets their own at the first login.
    let info = app.store.credential_info(&user1.id).await.unwrap();
    assert!(info.one_time_set_at.is_some(), "one-time from creation");

    let r = jianfu(
        &with_db(
            &db.raw_url,
            &["user", "reset-password"],
            &["--username", "user1", "--password", "Other#Pass2"],
        ),
        &[],
    )
    .await;
    assert!(r.ok(), "{r:?}");
    let u1_after = app.store.user_by_id(&user1.id).await.unwrap().unwrap();
    assert_ne!(
        u1_after.password_hash, user1.password_hash,
        "the hash changed"
    );
    assert_eq!(
        app.store
            .credential_info(&user1.id)
            .await
            .unwrap()
            .one_time_set_at,
        Some(u1_after.password_changed_at),
        "a reset password is one-time"
    );

    // Roles are granted and withdrawn at the console too (administrator roles only there).
    for (cmd, done) in [("grant", "已授予"), ("withdraw", "已撤销")] {
        let r = jianfu(
            &with_db(
                &db.raw_url,
                &["user", cmd],
                &["--username", "user1", "--role", "community_director"],
            ),
            &[],
        )
        .await;
        assert!(r.ok() && r.stdout.contains(done), "{r:?}");
    }

    let weak_reset = jianfu(
        &with_db(
            &db.raw_url,
            &["user", "reset-password"],
            &["--username", "user1", "--password", "short"],
        ),
        &[],
    )
    .await;
    assert!(
        !weak_reset.ok() && weak_reset.stderr.contains("密码"),
        "{weak_reset:?}"
    );
    let unknown = jianfu(
        &with_db(&db.raw_url, &["user", "disable"], &["--username", "nobody"]),
        &[],
    )
    .await;
    assert!(
        !unknown.ok() && unknown.stderr.contains("nobody"),
        "{unknown:?}"
    );

    let trail = app
        .store
        .search_audit(&AuditQuery {
            object: Some(user1.id.clone()),
            action: Some("user.".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    let actions: Vec<&str> = trail.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "user.withdraw_role",
            "user.grant_role",
            "user.reset_password",
            "user.disable",
            "user.create"
        ],
        "newest first"
    );
    assert!(
        trail
            .iter()
            .all(|r| r.actor.as_deref() == Some("console") && r.result == "success")
    );

    // The new password works; the account is still disabled, so login is refused as such.
    let login = app
        .login(
            "user1",
            "Other#Pass2",
            SessionKind::Web,
            &RequestMeta::console(),
        )
        .await
        .map(|_| ());
    assert!(matches!(login, Err(ServiceError::Disabled)), "{login:?}");
    let r = jianfu(
        &with_db(&db.raw_url, &["user", "enable"], &["--username", "user1"]),
        &[],
    )
    .await;
    assert!(r.ok(), "{r:?}");
    let login = app
        .login(
            "user1",
            "Other#Pass2",
            SessionKind::Web,
            &RequestMeta::console(),
        )
        .await
        .map(|_| ());
    // The console set it, so it serves once: to set the owner's own.
    assert!(
        matches!(&login, Err(e) if e.code() == "password_change_required"),
        "re-enabled with the new password: {login:?}"
    );

    let n = app.store.audit_head().await.unwrap().0;
    assert_eq!(
        verify_chain(app.store.as_ref()).await.unwrap(),
        Ok(n as u64),
        "the server and the CLI extend one chain"
    );
}

#[tokio::test]
async fn unreachable_postgres_never_shows_the_password() {
    let url = "postgres://jianfu:Secret123@127.0.0.1:1/jianfu";
    // Each run waits out the pool's connect timeout, so they run side by side.
    let runs = [
        (with_db(url, &["migrate"], &[]), None),
        (
            with_db(url, &["user", "disable"], &["--username", "user1"]),
            None,
        ),
        (vec!["audit", "verify"], Some(("JIANFU_DATABASE_URL", url))),
    ]
    .map(|(args, env)| {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        tokio::spawn(async move {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let env: Vec<(&str, &str)> = env.into_iter().collect();
            jianfu(&args, &env).await
        })
    });
    for run in runs {
        let r = run.await.unwrap();
        assert!(!r.ok(), "{r:?}");
        assert!(r.stderr.contains("无法连接数据库"), "{r:?}");
        assert!(
            r.stderr.contains("jianfu:***@127.0.0.1:1"),
            "the URL is shown masked: {r:?}"
        );
        assert!(
            !r.stderr.contains("Secret123") && !r.stdout.contains("Secret123"),
            "{r:?}"
        );
    }
    // A malformed URL with a password is masked too.
    let r = jianfu(
        &["migrate", "--database-url", "mysql://root:Secret123@h/db"],
        &[],
    )
    .await;
    assert!(
        !r.ok() && r.stderr.contains("***") && !r.stderr.contains("Secret123"),
        "{r:?}"
    );
}

#[tokio::test]
async fn the_database_url_environment_variable_is_honoured() {
    let db = helpers::sqlite_db();
    let r = jianfu(&["migrate"], &[("JIANFU_DATABASE_URL", &db.raw_url)]).await;
    assert!(r.ok(), "{r:?}");
    assert!(
        r.stdout.contains(&db.raw_url),
        "reports the database from the env: {r:?}"
    );
    let (app, _clock) = helpers::app(&db, true).await;
    let r = jianfu(
        &["user", "disable", "--username", "jumin"],
        &[("JIANFU_DATABASE_URL", &db.raw_url)],
    )
    .await;
    assert!(r.ok(), "{r:?}");
    let jumin = app.store.user_by_username("jumin").await.unwrap().unwrap();
    assert!(jumin.disabled, "the env database was changed");

    // The flag wins over the environment.
    let other = helpers::sqlite_db();
    let r = jianfu(
        &with_db(&other.raw_url, &["migrate"], &[]),
        &[("JIANFU_DATABASE_URL", &db.raw_url)],
    )
    .await;
    assert!(r.ok() && r.stdout.contains(&other.raw_url), "{r:?}");
}

/// Operators paste passwords as they are; one holding `/` or `?` (which a URL wants
/// percent-encoded) is still a password and must not reach the terminal or the logs.
#[tokio::test]
async fn a_password_with_url_special_characters_is_masked_too() {
    for url in [
        "postgres://jianfu:Sec/ret123@127.0.0.1:1/jianfu",
        "postgres://jianfu:Sec?ret123@127.0.0.1:1/jianfu",
        "postgres://jianfu:Sec#ret123@127.0.0.1:1/jianfu",
    ] {
        let shown = jianfu_store::DatabaseUrl::parse(url).unwrap().to_string();
        let r = jianfu(&["migrate", "--database-url", url], &[]).await;
        assert!(!r.ok(), "{r:?}");
        assert!(r.stderr.contains("***"), "{url}: {r:?}");
        assert!(
            !r.stderr.contains("ret123") && !r.stdout.contains("ret123"),
            "{url}: the password leaks: {r:?}"
        );
        assert!(
            !shown.contains("ret123"),
            "DatabaseUrl shows the password: {shown}"
        );
    }
}

#[tokio::test]
async fn generate_fills_an_empty_database_with_a_city_that_verifies() {
    let db = helpers::sqlite_db();
    let data = db.data_dir();
    let accounts = data.parent().unwrap().join("accounts.csv");
    let args = |extra: &[&'static str]| {
        let mut v: Vec<String> = [
            "generate",
            "--database-url",
            &db.raw_url,
            "--data-dir",
            data.to_str().unwrap(),
            "--streets",
            "2",
            "--communities",
            "10",
            "--password",
            "Synth@City2026x",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };
    let a = args(&["--audit-records", "1000", "--accounts-file"]);
    let mut a: Vec<&str> = a.iter().map(String::as_str).collect();
    a.push(accounts.to_str().unwrap());
    let r = jianfu(&a, &[]).await;
    assert!(r.ok(), "{r:?}");
    assert!(r.stdout.contains("10 个社区"), "{r:?}");
    assert!(r.stderr.contains("1000/1000"), "progress on stderr: {r:?}");

    let store = jianfu_store::open(&db.url).await.unwrap();
    let orgs = store.list_orgs().await.unwrap();
    let count = |k: &str| orgs.iter().filter(|o| o.kind == k).count();
    assert_eq!(count("district"), 1);
    assert_eq!(count("street"), 2);
    assert_eq!(count("community"), 10);
    assert_eq!(count("department"), 14, "the demo's departments");
    assert!(orgs.iter().any(|o| o.code == "110115002005"));
    let users = store.list_users().await.unwrap();
    assert_eq!(users.len(), 10 * 2 + 2 + 14);
    let worker = store
        .user_by_username("sg110115001001")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (worker.org_code.as_str(), worker.roles.as_str()),
        ("110115001001", "community_worker")
    );
    let director = store
        .user_by_username("sj110115002005")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(director.roles, "community_director");
    assert!(
        jianfu_server::service::password::verify("Synth@City2026x", &director.password_hash).await
    );
    let clerk = store
        .user_by_username("bm110115-mzj")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(clerk.roles, "department_clerk");
    let csv = std::fs::read_to_string(&accounts).unwrap();
    assert_eq!(csv.lines().count(), 1 + users.len(), "{csv}");

    // 1,000 synthetic records over 24 organisation chains, plus the generation's own record.
    let heads = store.audit_heads().await.unwrap();
    assert_eq!(heads.iter().map(|h| h.seq).sum::<i64>(), 1001);
    assert_eq!(
        heads
            .iter()
            .filter(|h| h.chain.starts_with("110115"))
            .count(),
        24
    );
    let generated = store
        .search_audit(&AuditQuery {
            action: Some("org.import".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(generated.len(), 1, "one record for the generation");
    assert!(generated[0].detail.contains("jianfu generate"));
    drop(store);

    let r = jianfu(
        &with_db(
            &db.raw_url,
            &["audit", "verify"],
            &["--data-dir", data.to_str().unwrap()],
        ),
        &[],
    )
    .await;
    assert!(r.ok(), "{r:?}");
    assert!(r.stdout.contains("1001 条记录"), "{r:?}");

    // Only into an empty database.
    let again = args(&[]);
    let again: Vec<&str> = again.iter().map(String::as_str).collect();
    let r = jianfu(&again, &[]).await;
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(r.stderr.contains("不是空库"), "{r:?}");
}
