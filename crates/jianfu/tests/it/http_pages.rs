//! The Chinese web pages over real HTTP: login with its double-submit CSRF cookie, refused forms
//! that keep what was typed, each role's home page with real counts, permission and scope checks,
//! account management split between the system and security administrators, session expiry,
//! logout, error pages, assets and the API documentation page.

use crate::helpers::{DEMO_PASSWORD, TestServer, hidden_field};
use reqwest::{Client, Response};

fn location(r: &Response) -> String {
    r.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

fn set_cookies(r: &Response) -> Vec<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(str::to_string)
        .collect()
}

fn cookie<'a>(all: &'a [String], name: &str) -> Option<&'a str> {
    all.iter()
        .map(String::as_str)
        .find(|c| c.starts_with(&format!("{name}=")))
}

async fn get(c: &Client, server: &TestServer, path: &str) -> (u16, String) {
    let r = c.get(server.url(path)).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.text().await.unwrap())
}

/// The (value, label) pairs of the statistic cards on a home page.
fn stats(html: &str) -> Vec<(String, String)> {
    // The text inside the element whose class list starts with `class`, after `from`.
    fn text_after<'a>(rest: &'a str, class: &str) -> Option<(&'a str, String)> {
        let i = rest.find(&format!("class=\"{class}"))?;
        let rest = &rest[i..];
        let rest = &rest[rest.find('>')? + 1..];
        let end = rest.find('<')?;
        Some((&rest[end..], rest[..end].trim().to_string()))
    }
    let mut out = Vec::new();
    let mut rest = html;
    while let Some((after_value, value)) = text_after(rest, "stat-value") {
        let (after_label, label) = text_after(after_value, "stat-label").expect("label");
        out.push((value, label));
        rest = after_label;
    }
    out
}

fn stat(html: &str, label: &str) -> String {
    stats(html)
        .into_iter()
        .find(|(_, l)| l == label)
        .map(|(v, _)| v)
        .unwrap_or_else(|| panic!("no card {label:?} in {:?}", stats(html)))
}

#[tokio::test(flavor = "multi_thread")]
async fn http_pages_login_page_is_chinese_and_sets_csrf_cookie() {
    let server = TestServer::sqlite().await;
    let c = server.browser();

    let r = c.get(server.url("/")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/login");

    let r = c.get(server.url("/login")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let cookies = set_cookies(&r);
    let csrf_cookie = cookie(&cookies, "jf_login_csrf").expect("jf_login_csrf cookie");
    assert!(csrf_cookie.contains("HttpOnly"), "{csrf_cookie}");
    assert!(csrf_cookie.contains("SameSite=Strict"), "{csrf_cookie}");
    let html = r.text().await.unwrap();
    assert!(html.contains("<html lang=\"zh-CN\""), "lang attribute");
    assert!(html.contains("登录"));
    assert!(html.contains("用户名") && html.contains("密码"));
    // The public pages are one click away before logging in (issue 10 §3), and on every page.
    for href in ["/verify", "/catalog", "/public/revocations"] {
        assert!(
            html.matches(&format!("href=\"{href}\"")).count() >= 2,
            "login intro and footer link {href}"
        );
    }
    let field = hidden_field(&html, "csrf").expect("csrf field");
    let cookie_value = csrf_cookie
        .trim_start_matches("jf_login_csrf=")
        .split(';')
        .next()
        .unwrap();
    assert_eq!(field, cookie_value, "double-submit: field equals cookie");
    assert!(field.len() >= 40);
}

#[tokio::test(flavor = "multi_thread")]
async fn http_pages_refused_logins_keep_the_username_and_say_why() {
    let server = TestServer::sqlite().await;
    let c = server.browser();
    let page = c.get(server.url("/login")).send().await.unwrap();
    let csrf = hidden_field(&page.text().await.unwrap(), "csrf").unwrap();

    // No CSRF field: refused, but the username is kept.
    let r = c
        .post(server.url("/login"))
        .form(&[("username", "shegong"), ("password", "Typed#Secret1")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let html = r.text().await.unwrap();
    assert!(html.contains("value=\"shegong\""), "username kept");
    assert!(html.contains("页面已过期"), "says why");
    assert!(!html.contains("Typed#Secret1"), "password never echoed");

    // A CSRF field but no cookie (a cross-site form): refused too.
    let r = Client::new()
        .post(server.url("/login"))
        .form(&[
            ("username", "shegong"),
            ("password", DEMO_PASSWORD),
            ("csrf", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);

    // Each page view issues a fresh token; use the latest.
    let page = c.get(server.url("/login")).send().await.unwrap();
    let csrf = hidden_field(&page.text().await.unwrap(), "csrf").unwrap();
    let r = c
        .post(server.url("/login"))
        .form(&[
            ("username", "shegong"),
            ("password", "Wrong@Pass1"),
            ("csrf", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let html = r.text().await.unwrap();
    assert!(html.contains("用户名或密码不正确"), "Chinese reason");
    assert!(html.contains("value=\"shegong\""), "username kept");
    assert!(!html.contains("Wrong@Pass1"), "password never echoed");
    assert!(html.contains("aria-describedby=\"login-error\""));

    // Empty fields.
    let csrf = hidden_field(&html, "csrf").unwrap();
    let r = c
        .post(server.url("/login"))
        .form(&[("username", "shegong"), ("password", ""), ("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("请输入用户名和密码"));
}

#[tokio::test(flavor = "multi_thread")]
async fn http_pages_successful_login_sets_a_strict_httponly_session() {
    let server = TestServer::sqlite().await;
    let c = server.browser();
    let html = c
        .get(server.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = hidden_field(&html, "csrf").unwrap();
    let r = c
        .post(server.url("/login"))
        .form(&[
            ("username", "shegong"),
            ("password", DEMO_PASSWORD),
            ("csrf", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/");
    let cookies = set_cookies(&r);
    let session = cookie(&cookies, "jf_session").expect("session cookie");
    assert!(session.contains("HttpOnly"), "{session}");
    assert!(session.contains("SameSite=Strict"), "{session}");
    assert!(session.contains("Path=/"), "{session}");
    assert!(
        !session.contains("Max-Age"),
        "a browser-session cookie: {session}"
    );
    let cleared = cookie(&cookies, "jf_login_csrf").expect("login csrf cleared");
    assert!(cleared.contains("Max-Age=0"), "{cleared}");

    let (status, home) = get(&c, &server, "/").await;
    assert_eq!(status, 200);
    assert!(home.contains("社区工作者工作台"));
    assert!(home.contains("李社工（演示）"));
    // Logged in, the login page sends you home.
    let r = c.get(server.url("/login")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/");
}

#[tokio::test(flavor = "multi_thread")]
async fn http_pages_home_shows_each_roles_workbench_with_real_counts() {
    let server = TestServer::sqlite().await;
    let demo = jianfu_server::service::demo::demo_orgs(0).unwrap();
    let count = |kind: &str| demo.iter().filter(|o| o.kind == kind).count().to_string();
    let accounts = jianfu_server::service::demo::DEMO_ACCOUNTS
        .len()
        .to_string();

    let home = |user: &'static str| {
        let server = &server;
        async move {
            let c = server.web_login(user).await;
            let (status, html) = get(&c, server, "/").await;
            assert_eq!(status, 200, "{user}");
            assert!(html.contains("lang=\"zh-CN\""));
            html
        }
    };

    let h = home("ducha").await;
    assert!(h.contains("督查人员工作台"));
    assert_eq!(stat(&h, "街道"), "8");
    assert_eq!(stat(&h, "镇"), "14");
    assert_eq!(stat(&h, "社区"), count("community"));
    assert_eq!(stat(&h, "区级部门"), count("department"));
    assert_eq!(stat(&h, "违规下派举报·待核实"), "0");
    assert_eq!(stat(&h, "审批超期事项"), "0");
    assert!(
        h.contains("href=\"/orgs\""),
        "organisations in the navigation"
    );
    assert!(
        !h.contains("href=\"/users\""),
        "no account management for ducha"
    );

    let h = home("sysadmin").await;
    assert!(h.contains("系统管理员工作台"));
    assert_eq!(stat(&h, "账号总数"), accounts);
    assert_eq!(stat(&h, "已停用账号"), "0");
    assert_eq!(stat(&h, "有效 API 令牌"), "0");
    assert_eq!(stat(&h, "组织机构"), demo.len().to_string());
    assert!(h.contains("href=\"/users\"") && h.contains("href=\"/tokens\""));
    assert!(
        !h.contains("href=\"/audit\""),
        "sysadmin does not read the audit"
    );

    let h = home("shegong").await;
    assert!(h.contains("社区工作者工作台"));
    assert_eq!(stat(&h, "本社区"), "丁香雅苑社区");
    assert_eq!(stat(&h, "本社区居民账号"), "1", "jumin");
    assert_eq!(stat(&h, "本社区账号总数"), "3", "jumin, shegong, shuji");
    assert_eq!(stat(&h, "本社区准入事项"), "0");
    assert_eq!(stat(&h, "随事下达经费（元）"), "0.00");
    assert!(!h.contains("兴政东苑社区"));

    let h = home("shuji").await;
    assert!(h.contains("社区书记/主任工作台"));
    assert_eq!(stat(&h, "本社区账号总数"), "3");

    let h = home("jiedao").await;
    assert!(h.contains("街道(镇)干部工作台"));
    assert_eq!(stat(&h, "本街道(镇)"), "兴丰街道");
    assert_eq!(stat(&h, "辖区社区"), "3");
    assert_eq!(
        stat(&h, "辖区账号"),
        "5",
        "jiedao, jumin, shegong, shuji, shegong2"
    );

    let h = home("minzheng").await;
    assert!(h.contains("部门经办人工作台"));
    assert_eq!(stat(&h, "本部门"), "区民政局");
    assert_eq!(stat(&h, "可申请下派的社区"), count("community"));

    let h = home("shenpi").await;
    assert!(h.contains("区级审批人工作台"));
    assert_eq!(stat(&h, "待审批"), "0");
    assert_eq!(stat(&h, "社区"), count("community"));

    let h = home("jumin").await;
    assert!(h.contains("居民工作台"));
    assert_eq!(stat(&h, "我所在的社区"), "丁香雅苑社区");
    // A resident sees what they may use: no organisation tree, no API documentation.
    assert!(!h.contains("href=\"/orgs\"") && !h.contains("href=\"/api/v1/docs\""));
    assert!(h.contains("href=\"/certificates\""));

    let h = home("secadmin").await;
    assert!(h.contains("安全管理员工作台"));
    assert_eq!(stat(&h, "当前锁定的账号"), "0");
    assert_eq!(stat(&h, "连续失败锁定次数"), "5");
    assert_eq!(stat(&h, "会话空闲超时"), "30 分钟");

    let h = home("auditadmin").await;
    assert!(h.contains("审计管理员工作台"));
    let (head, _) = server.app.store.audit_head().await.unwrap();
    assert_eq!(stat(&h, "审计记录总数"), head.to_string());
    assert!(head > 20, "demo load and logins are audited: {head}");
    assert!(h.contains("href=\"/audit\""));
}

#[tokio::test(flavor = "multi_thread")]
async fn http_pages_permissions_are_enforced_with_chinese_403s() {
    let server = TestServer::sqlite().await;
    let shegong = server.web_login("shegong").await;
    for path in ["/users", "/tokens", "/audit"] {
        let (status, html) = get(&shegong, &server, path).await;
        assert_eq!(status, 403, "shegong {path}");
        assert!(html.contains("无权访问"), "{path}");
        assert!(html.contains("您没有权限进行此操作"), "{path}");
        assert!(html.contains("lang=\"zh-CN\""));
    }

    let audit = server.web_login("auditadmin").await;
    let (status, html) = get(&audit, &server, "/audit").await;
    assert_eq!(status, 200);
    assert!(html.contains("审计日志"));
    for action in ["demo.load", "user.create", "auth.login", "org.import"] {
        assert!(
            html.contains(&format!(">{action}</code>")),
            "{action} listed"
        );
    }
    assert!(html.contains("127.0.0.1"), "client address shown");
    let (_, filtered) = get(&audit, &server, "/audit?action=auth.login&actor=shegong").await;
    assert!(filtered.contains(">auth.login</code>"));
    assert!(!filtered.contains(">demo.load</code>"));
    let (_, verified) = get(&audit, &server, "/audit?verify=1").await;
    assert!(verified.contains("审计日志完整"), "chain verifies");
    let (status, bad_date) = get(&audit, &server, "/audit?from=31-01-2026").await;
    assert_eq!(status, 200);
    assert!(bad_date.contains("格式不正确"));

    let sysadmin = server.web_login("sysadmin").await;
    let (status, html) = get(&sysadmin, &server, "/audit").await;
    assert_eq!(
        status, 403,
        "the system administrator may not read the audit"
    );
    assert!(html.contains("无权访问"));
}

#[tokio::test(flavor = "multi_thread")]
async fn http_pages_account_management_keeps_typed_input_and_splits_duties() {
    let server = TestServer::sqlite().await;
    let admin = server.web_login("sysadmin").await;
    let (status, html) = get(&admin, &server, "/users").await;
    assert_eq!(status, 200);
    let accounts = jianfu_server::service::demo::DEMO_ACCOUNTS.len();
    assert!(html.contains(&format!("账号列表（{accounts}）")));
    let csrf = hidden_field(&html, "csrf").unwrap();

    let fields = |csrf: Option<&str>, password: &'static str| {
        let mut v = vec![
            ("username", "xiaowang".to_string()),
            ("display_name", "王小二（测试）".to_string()),
            ("org", "110115001901".to_string()),
            ("password", password.to_string()),
        ];
        if let Some(c) = csrf {
            v.push(("csrf", c.to_string()));
        }
        v
    };

    // Without the CSRF token: the csrf_failed page.
    let r = admin
        .post(server.url("/users"))
        .form(&fields(None, "Good#Pass2026"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let html = r.text().await.unwrap();
    assert!(html.contains("页面安全校验未通过"), "csrf_failed message");
    assert!(
        server
            .app
            .store
            .user_by_username("xiaowang")
            .await
            .unwrap()
            .is_none()
    );

    // A weak password: shown again with everything typed except the password.
    let r = admin
        .post(server.url("/users"))
        .form(&fields(Some(&csrf), "weakpw7"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("value=\"xiaowang\""), "username kept");
    assert!(
        html.contains("value=\"王小二（测试）\""),
        "display name kept"
    );
    assert!(html.contains("value=\"110115001901\" selected"), "org kept");
    assert!(!html.contains("weakpw7"), "password never echoed");
    assert!(html.contains("密码至少需要 8 个字符"), "{html}");
    assert!(html.contains("role=\"alert\""));
    assert!(
        server
            .app
            .store
            .user_by_username("xiaowang")
            .await
            .unwrap()
            .is_none()
    );

    // A common password is refused with its own message.
    let r = admin
        .post(server.url("/users"))
        .form(&fields(Some(&csrf), "Password1!"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("常见的弱密码"));

    // The system administrator creates accounts without roles (三员分立): a role on the create
    // form is refused, and the form no longer offers roles.
    let r = admin
        .post(server.url("/users"))
        .form(&[
            ("username", "withrole"),
            ("org", "110115001901"),
            ("role", "community_worker"),
            ("password", "Good#Pass2026"),
            ("csrf", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("角色由安全管理员另行授予"), "{html}");
    assert!(!html.contains("name=\"role\" value=\"community_worker\""));

    // Three administrator roles on one account are refused (三权分立).
    let r = admin
        .post(server.url("/users"))
        .form(&[
            ("username", "allpower"),
            ("display_name", "全能"),
            ("org", "110115"),
            ("role", "system_admin"),
            ("role", "audit_admin"),
            ("password", "Good#Pass2026"),
            ("csrf", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(
        server
            .app
            .store
            .user_by_username("allpower")
            .await
            .unwrap()
            .is_none()
    );

    // Valid: redirect, then listed.
    let r = admin
        .post(server.url("/users"))
        .form(&fields(Some(&csrf), "Good#Pass2026"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/users?created=xiaowang");
    let (_, html) = get(&admin, &server, "/users").await;
    assert!(html.contains(">xiaowang</code>"));
    assert!(html.contains("王小二（测试）"));
    assert!(html.contains(&format!("账号列表（{}）", accounts + 1)));
    // The same name twice is a conflict, shown on the form.
    let r = admin
        .post(server.url("/users"))
        .form(&fields(Some(&csrf), "Good#Pass2026"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("已被使用"));

    let user = server
        .app
        .store
        .user_by_username("xiaowang")
        .await
        .unwrap()
        .expect("created");
    assert_eq!(user.org_code, "110115001901");
    let created = server.app.store.audit_all(10_000).await.unwrap();
    let rec = created
        .iter()
        .find(|r| r.action == "user.create" && r.object == format!("user:{}", user.id))
        .expect("user.create audited");
    assert_eq!(rec.actor.as_deref(), Some("sysadmin"));
    assert_eq!(rec.client_addr.as_deref(), Some("127.0.0.1"));

    // The new account has no role, and its password is one-time: logging in asks for a new one.
    assert_eq!(user.roles, "");
    let r = Client::new()
        .post(server.url("/api/v1/auth/login"))
        .json(&serde_json::json!({"username": "xiaowang", "password": "Good#Pass2026"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("password_change_required"));

    // The system administrator cannot reset passwords; the security administrator can, and
    // cannot create accounts.
    let r = admin
        .post(server.url(&format!("/users/{}/password", user.id)))
        .form(&[("password", "Other#Pass2027"), ("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);

    let sec = server.web_login("secadmin").await;
    let (status, html) = get(&sec, &server, "/users").await;
    assert_eq!(status, 200);
    assert!(!html.contains("新建账号"), "no create form for secadmin");
    assert!(html.contains("重置密码"));
    assert!(
        html.contains("授予角色…"),
        "the security admin grants roles"
    );
    let sec_csrf = hidden_field(&html, "csrf").unwrap();
    let r = sec
        .post(server.url("/users"))
        .form(&fields(Some(&sec_csrf), "Good#Pass2026"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);

    let r = sec
        .post(server.url(&format!("/users/{}/password", user.id)))
        .form(&[("password", "short"), ("csrf", sec_csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("密码至少需要"));
    assert!(!html.contains("value=\"short\""));

    let r = sec
        .post(server.url(&format!("/users/{}/password", user.id)))
        .form(&[("password", "New#Pass2027"), ("csrf", sec_csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("密码已重置"));
    let login = |pw: &'static str| {
        let url = server.url("/api/v1/auth/login");
        async move {
            Client::new()
                .post(url)
                .json(&serde_json::json!({"username": "xiaowang", "password": pw}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(login("Good#Pass2026").await, 401, "old password dead");
    assert_eq!(
        login("New#Pass2027").await,
        422,
        "the new password works once, to set the owner's own"
    );
    let audit = server.app.store.audit_all(10_000).await.unwrap();
    let rec = audit
        .iter()
        .find(|r| r.action == "user.reset_password")
        .expect("reset audited");
    assert_eq!(rec.actor.as_deref(), Some("secadmin"));
    assert_eq!(rec.object, format!("user:{}", user.id));
    assert!(!rec.detail.contains("New#Pass2027"));
}

#[tokio::test(flavor = "multi_thread")]
async fn http_pages_orgs_page_is_scoped() {
    let server = TestServer::sqlite().await;
    // 110115001902's name, from data/demo/district.toml.
    let other = jianfu_server::service::demo::demo_orgs(0)
        .unwrap()
        .into_iter()
        .find(|o| o.code == "110115001902")
        .unwrap()
        .name;
    assert_eq!(other, "兴政东苑社区");

    let shegong = server.web_login("shegong").await;
    let (status, html) = get(&shegong, &server, "/orgs").await;
    assert_eq!(status, 200);
    assert!(html.contains("丁香雅苑社区"));
    assert!(!html.contains(&other), "another community leaked");
    assert!(
        !html.contains("兴丰街道"),
        "the street is not shown to a community"
    );
    assert!(html.contains("您可查看的机构共 1 个"));

    let jiedao = server.web_login("jiedao").await;
    let (_, html) = get(&jiedao, &server, "/orgs").await;
    for name in ["兴丰街道", "丁香雅苑社区", "兴政东苑社区", "枣林南里社区"] {
        assert!(html.contains(name), "{name}");
    }
    assert!(!html.contains("林校路街道"));
    assert!(!html.contains("区民政局"));

    let minzheng = server.web_login("minzheng").await;
    let (_, html) = get(&minzheng, &server, "/orgs").await;
    assert!(html.contains("区民政局"));
    assert!(html.contains("丁香雅苑社区"));
    for dept in ["区卫健委", "区公安分局", "区教委"] {
        assert!(!html.contains(dept), "{dept} leaked to minzheng");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn http_pages_expired_session_goes_back_to_login() {
    let server = TestServer::sqlite().await;
    let c = server.web_login("shegong").await;
    assert_eq!(get(&c, &server, "/orgs").await.0, 200);
    server.clock.advance(time::Duration::minutes(31));
    let r = c.get(server.url("/orgs")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/login?expired=1");

    let r = c.get(server.url("/login?expired=1")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let cookies = set_cookies(&r);
    let cleared = cookie(&cookies, "jf_session").expect("session cookie cleared");
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    let html = r.text().await.unwrap();
    assert!(html.contains("登录已过期"));
    // The dead cookie is gone: plain redirect to the login page now.
    let r = c.get(server.url("/")).send().await.unwrap();
    assert_eq!(location(&r), "/login");
}

#[tokio::test(flavor = "multi_thread")]
async fn http_pages_logout_requires_csrf() {
    let server = TestServer::sqlite().await;
    let c = server.web_login("shegong").await;
    let (_, home) = get(&c, &server, "/").await;
    let csrf = hidden_field(&home, "csrf").expect("logout form has csrf");

    // A bodyless POST is refused before anything happens.
    let r = c.post(server.url("/logout")).send().await.unwrap();
    assert!(r.status().is_client_error(), "{}", r.status());
    // A form without the token, or with a forged one: the Chinese 403 page.
    let r = c
        .post(server.url("/logout"))
        .form(&[("x", "y")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("页面安全校验未通过"));
    let r = c
        .post(server.url("/logout"))
        .form(&[("csrf", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(get(&c, &server, "/").await.0, 200, "still logged in");

    let r = c
        .post(server.url("/logout"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/login");
    let r = c.get(server.url("/")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/login");
    let audit = server.app.store.audit_all(10_000).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|r| r.action == "auth.logout" && r.actor.as_deref() == Some("shegong"))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn http_pages_errors_assets_and_api_docs() {
    let server = TestServer::sqlite().await;
    let c = server.browser();

    let r = c.get(server.url("/nope")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.headers().get("x-frame-options").unwrap(), "DENY");
    let html = r.text().await.unwrap();
    assert!(html.contains("页面不存在"));
    assert!(html.contains("lang=\"zh-CN\""));

    let r = c.post(server.url("/orgs")).send().await.unwrap();
    assert_eq!(r.status(), 405);
    assert!(r.text().await.unwrap().contains("不支持的操作"));

    let r = c.get(server.url("/assets/app.css")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let ct = r.headers().get("content-type").unwrap().to_str().unwrap();
    assert!(ct.starts_with("text/css"), "{ct}");
    assert!(
        r.headers()
            .get("cache-control")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("max-age")
    );
    assert!(!r.text().await.unwrap().is_empty());
    let r = c.get(server.url("/assets/nope.css")).send().await.unwrap();
    assert_eq!(r.status(), 404);

    let (status, docs) = get(&c, &server, "/api/v1/docs").await;
    assert_eq!(status, 200);
    assert!(docs.contains("接口文档"));
    for p in [
        "/api/v1/auth/login",
        "/api/v1/orgs",
        "/api/v1/tokens",
        "/api/v1/me",
        "/healthz",
    ] {
        assert!(docs.contains(&format!(">{p}</code>")), "docs list {p}");
    }
    assert!(docs.contains("Authorization: Bearer"));

    // Large-text mode (适老化) via a cookie; the way back is local only.
    let r = c
        .get(server.url("/prefs/text?size=large&back=/login"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/login");
    let (_, html) = get(&c, &server, "/login").await;
    assert!(html.contains("class=\"large-text\""));
    let r = c
        .get(server.url("/prefs/text?size=normal&back=//evil.example/"))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), "/", "no open redirect");
}

#[tokio::test(flavor = "multi_thread")]
async fn http_pages_security_admin_lifts_a_lock_and_system_admin_disables() {
    let server = TestServer::sqlite().await;
    let api_login = |pw: &'static str| {
        let url = server.url("/api/v1/auth/login");
        async move {
            Client::new()
                .post(url)
                .json(&serde_json::json!({"username": "shegong2", "password": pw}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    for _ in 0..5 {
        api_login("Wrong@Pass1").await;
    }
    // Five wrong passwords make this client wait (HTTP 429), without locking the account for
    // anyone else.
    assert_eq!(api_login(DEMO_PASSWORD).await, 429, "delayed");
    let id = server
        .app
        .store
        .user_by_username("shegong2")
        .await
        .unwrap()
        .unwrap()
        .id;

    let sec = server.web_login("secadmin").await;
    let (_, home) = get(&sec, &server, "/").await;
    assert_eq!(stat(&home, "当前锁定的账号"), "1");
    let (_, users) = get(&sec, &server, "/users").await;
    assert!(users.contains("登录受限"), "delay shown");
    assert!(users.contains(&format!("action=\"/users/{id}/unlock\"")));
    let csrf = hidden_field(&users, "csrf").unwrap();
    // The system administrator may not lift locks (三权分立).
    let admin = server.web_login("sysadmin").await;
    let (_, admin_users) = get(&admin, &server, "/users").await;
    assert!(
        !admin_users.contains("/unlock\""),
        "no unlock button for sysadmin"
    );
    let admin_csrf = hidden_field(&admin_users, "csrf").unwrap();
    let r = admin
        .post(server.url(&format!("/users/{id}/unlock")))
        .form(&[("csrf", admin_csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(api_login(DEMO_PASSWORD).await, 429, "still delayed");

    let r = sec
        .post(server.url(&format!("/users/{id}/unlock")))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("已解除该账号的登录限制"));
    assert_eq!(api_login(DEMO_PASSWORD).await, 200, "delay lifted");

    // Disabling ends the account's web session at once.
    let victim = server.web_login("shegong2").await;
    assert_eq!(get(&victim, &server, "/").await.0, 200);
    let r = sec
        .post(server.url(&format!("/users/{id}/disable")))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        403,
        "the security administrator does not disable"
    );
    let r = admin
        .post(server.url(&format!("/users/{id}/disable")))
        .form(&[("csrf", admin_csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("账号已停用"));
    let r = victim.get(server.url("/")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert!(location(&r).starts_with("/login"), "{}", location(&r));

    // A disabled account's login is refused with the reason.
    let page = victim.get(server.url("/login")).send().await.unwrap();
    let login_csrf = hidden_field(&page.text().await.unwrap(), "csrf").unwrap();
    let r = victim
        .post(server.url("/login"))
        .form(&[
            ("username", "shegong2"),
            ("password", DEMO_PASSWORD),
            ("csrf", login_csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("账号已停用"));
    // Nobody can disable themselves.
    let self_id = server
        .app
        .store
        .user_by_username("sysadmin")
        .await
        .unwrap()
        .unwrap()
        .id;
    let r = admin
        .post(server.url(&format!("/users/{self_id}/disable")))
        .form(&[("csrf", admin_csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("不能停用自己的账号"));

    let r = admin
        .post(server.url(&format!("/users/{id}/enable")))
        .form(&[("csrf", admin_csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(api_login(DEMO_PASSWORD).await, 200, "enabled again");
    let actions: Vec<String> = server
        .app
        .store
        .audit_all(10_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.object == format!("user:{id}"))
        .map(|r| r.action)
        .collect();
    for a in ["user.unlock", "user.disable", "user.enable"] {
        assert!(actions.iter().any(|x| x == a), "{a} audited: {actions:?}");
    }
}
