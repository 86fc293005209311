//! Issue 9 §1: administrators log in with a second factor (TOTP, RFC 6238; recovery codes;
//! console reset). No session without the code on the web or the API; a code is accepted once
//! and only near its time; recovery codes work once; enrolment needs a code from the new secret;
//! the console's reset forces enrolment again; other accounts are unaffected; wrong codes are
//! throttled like wrong passwords. Every test runs on SQLite and, when reachable, PostgreSQL.

use crate::cli::jianfu;
use crate::helpers::{self, DEMO_PASSWORD, TestServer, expect_code, hidden_field, json_ok};
use jianfu_domain::second_factor::TotpSecret;
use jianfu_server::service::{Actor, RequestMeta};
use reqwest::{Client, Response};
use serde_json::json;

async fn api_login(s: &TestServer, username: &str, code: Option<&str>) -> Response {
    let mut body = json!({"username": username, "password": DEMO_PASSWORD});
    if let Some(c) = code {
        body["code"] = c.into();
    }
    Client::new()
        .post(s.url("/api/v1/auth/login"))
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// POST /login with the demo password; returns the client and the answer.
async fn password_step(s: &TestServer, username: &str) -> (Client, u16, String) {
    let c = s.browser();
    let page = c
        .get(s.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = hidden_field(&page, "csrf").unwrap();
    let r = c
        .post(s.url("/login"))
        .form(&[
            ("username", username),
            ("password", DEMO_PASSWORD),
            ("csrf", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (c, status, r.text().await.unwrap())
}

/// Posts `code` to the code (or enrolment) form of `page`.
async fn post_code(
    s: &TestServer,
    c: &Client,
    page: &str,
    action: &str,
    username: &str,
    code: &str,
) -> (u16, String) {
    let ticket = hidden_field(page, "ticket").expect("ticket");
    let csrf = hidden_field(page, "csrf").expect("csrf");
    let r = c
        .post(s.url(action))
        .form(&[
            ("username", username),
            ("ticket", ticket.as_str()),
            ("code", code),
            ("csrf", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.text().await.unwrap())
}

async fn home_status(s: &TestServer, c: &Client) -> u16 {
    c.get(s.url("/")).send().await.unwrap().status().as_u16()
}

/// A code of the demo secret `steps` time steps from now.
fn code_at(s: &TestServer, username: &str, steps: i64) -> String {
    helpers::demo_secret(username)
        .unwrap()
        .code_at_ms(s.app.now_ms() + steps * 30_000)
}

/// The digit string differing from `code` (a wrong code that is surely not in the window).
fn wrong(s: &TestServer, username: &str) -> String {
    let window: Vec<String> = (-1..=1).map(|k| code_at(s, username, k)).collect();
    (0..1_000_000)
        .map(|n| format!("{n:06}"))
        .find(|c| !window.contains(c))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_administrator_gets_no_session_without_the_code_and_each_code_counts_once() {
    for db in helpers::backends().await {
        let l = db.label;
        let s = TestServer::start(db).await;

        // API: the password alone is not enough.
        let msg = expect_code(
            api_login(&s, "secadmin", None).await,
            401,
            "second_factor_required",
        )
        .await;
        assert!(msg.contains("验证码"), "{l}: {msg}");
        let bad = wrong(&s, "secadmin");
        expect_code(
            api_login(&s, "secadmin", Some(&bad)).await,
            401,
            "wrong_second_factor",
        )
        .await;
        expect_code(
            api_login(&s, "secadmin", Some("12ab")).await,
            401,
            "wrong_second_factor",
        )
        .await;
        // The code of now works, once.
        let now = code_at(&s, "secadmin", 0);
        let v = json_ok(api_login(&s, "secadmin", Some(&now)).await, 200).await;
        let me = helpers::api_get(&s, v["token"].as_str().unwrap(), "/api/v1/me").await;
        assert_eq!(json_ok(me, 200).await["username"], "secadmin", "{l}");
        let msg = expect_code(
            api_login(&s, "secadmin", Some(&now)).await,
            401,
            "second_factor_reused",
        )
        .await;
        assert!(msg.contains("已经用过"), "{l}: {msg}");
        // One step of skew either way; a code from further away is refused.
        s.next_totp_step();
        let prev = code_at(&s, "secadmin", -1);
        let far_past = code_at(&s, "secadmin", -3);
        let far_future = code_at(&s, "secadmin", 4);
        let next = code_at(&s, "secadmin", 1);
        for far in [&far_past, &far_future] {
            if ![&prev, &next, &code_at(&s, "secadmin", 0)].contains(&far) {
                expect_code(
                    api_login(&s, "secadmin", Some(far)).await,
                    401,
                    "wrong_second_factor",
                )
                .await;
            }
        }
        // prev is the step accepted above: reused; next (a fast phone) is fine.
        if prev == now {
            expect_code(
                api_login(&s, "secadmin", Some(&prev)).await,
                401,
                "second_factor_reused",
            )
            .await;
        }
        json_ok(api_login(&s, "secadmin", Some(&next)).await, 200).await;
        // After the later step, the current one (earlier) is refused too: a step counts once and
        // codes only move forward.
        let cur = code_at(&s, "secadmin", 0);
        if cur != next {
            expect_code(
                api_login(&s, "secadmin", Some(&cur)).await,
                401,
                "second_factor_reused",
            )
            .await;
        }

        // Web: the password leads to the code page, no session.
        s.next_totp_step();
        s.next_totp_step();
        let (c, status, page) = password_step(&s, "auditadmin").await;
        assert_eq!(status, 200, "{l}");
        assert!(
            page.contains("输入验证码") && page.contains("action=\"/login/code\""),
            "{l}"
        );
        assert!(page.contains("恢复码"), "{l}: the recovery code entry");
        assert!(!page.contains(DEMO_PASSWORD), "{l}");
        assert_eq!(home_status(&s, &c).await, 303, "{l}: no session yet");
        let bad = wrong(&s, "auditadmin");
        let (status, page) = post_code(&s, &c, &page, "/login/code", "auditadmin", &bad).await;
        assert_eq!(status, 401, "{l}");
        assert!(page.contains("验证码不正确"), "{l}");
        assert!(!page.contains(&bad), "{l}: the wrong code is not echoed");
        assert_eq!(home_status(&s, &c).await, 303, "{l}: still no session");
        let code = code_at(&s, "auditadmin", 0);
        let (status, _) = post_code(&s, &c, &page, "/login/code", "auditadmin", &code).await;
        assert_eq!(status, 303, "{l}");
        assert_eq!(home_status(&s, &c).await, 200, "{l}");
        // The same code in another browser, same step: refused.
        let (c2, _, page) = password_step(&s, "auditadmin").await;
        let (status, page) = post_code(&s, &c2, &page, "/login/code", "auditadmin", &code).await;
        assert_eq!(status, 401, "{l}");
        assert!(page.contains("已经用过"), "{l}");
        assert_eq!(home_status(&s, &c2).await, 303, "{l}");

        // Other accounts are unaffected: no code asked, none needed.
        let (c, status, _) = password_step(&s, "shegong").await;
        assert_eq!(status, 303, "{l}");
        assert_eq!(home_status(&s, &c).await, 200, "{l}");
        json_ok(api_login(&s, "shenpi", None).await, 200).await;

        // Audit: successes and (collapsed) failures are recorded; secrets and codes are not.
        assert!(
            s.audit_records("auth.second_factor.ok").await.len() >= 3,
            "{l}"
        );
        let failures = s.audit_records("auth.second_factor.failure").await;
        assert!(!failures.is_empty(), "{l}");
        for r in &failures {
            assert!(!r.detail.contains(&bad), "{l}: {}", r.detail);
        }
        // The demo helpers still log administrators in (web and API).
        assert_eq!(
            home_status(&s, &s.web_login("sysadmin").await).await,
            200,
            "{l}"
        );
        s.api_token("sysadmin").await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn enrolment_needs_a_valid_code_recovery_codes_work_once_and_the_console_resets() {
    for db in helpers::backends().await {
        let l = db.label;
        let s = TestServer::start(db).await;
        let m = RequestMeta::console();

        // The secret is stored encrypted with the data key.
        let user = s
            .app
            .store
            .user_by_username("secadmin")
            .await
            .unwrap()
            .unwrap();
        let row = s
            .app
            .store
            .second_factor(&user.id)
            .await
            .unwrap()
            .expect("demo enrolled");
        assert!(row.secret_enc.starts_with("v1:"), "{l}");
        assert!(!row.secret_enc.contains("JIANFU2DEMO"), "{l}");

        // Only the console resets; an administrator cannot reset another's.
        let sec = jianfu_server::service::auth::actor_of(&user);
        let e = s
            .app
            .reset_second_factor(&sec, &m, "auditadmin")
            .await
            .unwrap_err();
        assert_eq!(e.code(), "second_factor_console_only", "{l}");

        // The console: `jianfu user reset-totp secadmin` ends the sessions and forgets the secret.
        let token = s.api_token("secadmin").await;
        let data_dir = s.db.data_dir();
        let r = jianfu(
            &[
                "user",
                "reset-totp",
                "secadmin",
                "--database-url",
                &s.db.raw_url,
                "--data-dir",
                data_dir.to_str().unwrap(),
            ],
            &[],
        )
        .await;
        assert!(r.ok(), "{l}: {r:?}");
        assert!(r.stdout.contains("重新绑定"), "{l}: {r:?}");
        s.clock.advance(time::Duration::seconds(6)); // past the caller cache
        let me = helpers::api_get(&s, &token, "/api/v1/me").await;
        assert_eq!(me.status(), 401, "{l}: the session ended");
        assert!(
            s.app.store.second_factor(&user.id).await.unwrap().is_none(),
            "{l}"
        );
        assert_eq!(
            s.audit_records("auth.second_factor.reset").await.len(),
            1,
            "{l}"
        );

        // The API cannot enrol; the old demo code no longer works.
        let old = code_at(&s, "secadmin", 0);
        expect_code(
            api_login(&s, "secadmin", Some(&old)).await,
            403,
            "second_factor_not_enrolled",
        )
        .await;

        // Web: the password leads to enrolment with a new secret.
        let (c, status, page) = password_step(&s, "secadmin").await;
        assert_eq!(status, 200, "{l}");
        assert!(
            page.contains("绑定验证器") && page.contains("action=\"/login/enrol\""),
            "{l}"
        );
        assert!(
            page.contains("<svg") && page.contains("otpauth://totp/jianfu:secadmin?"),
            "{l}"
        );
        let secret_text = page
            .split("id=\"totp-secret\">")
            .nth(1)
            .and_then(|t| t.split('<').next())
            .unwrap()
            .to_string();
        let secret = TotpSecret::from_base32(&secret_text).expect("the page shows the secret");
        assert_ne!(
            Some(&secret),
            helpers::demo_secret("secadmin").as_ref(),
            "{l}"
        );
        assert_eq!(
            home_status(&s, &c).await,
            303,
            "{l}: no session while enrolling"
        );
        // A wrong code does not enrol; the same secret is shown again.
        let now = s.app.now_ms();
        let bad = (0..1_000_000)
            .map(|n| format!("{n:06}"))
            .find(|x| (-1..=1).all(|k| secret.code_at_ms(now + k * 30_000) != *x))
            .unwrap();
        let (status, page) = post_code(&s, &c, &page, "/login/enrol", "secadmin", &bad).await;
        assert_eq!(status, 401, "{l}");
        assert!(page.contains(&secret_text), "{l}: same secret");
        assert!(
            s.app.store.second_factor(&user.id).await.unwrap().is_none(),
            "{l}"
        );
        assert_eq!(home_status(&s, &c).await, 303, "{l}");
        // The right code enrols and shows ten recovery codes once, with the session open.
        let (status, page) = post_code(
            &s,
            &c,
            &page,
            "/login/enrol",
            "secadmin",
            &secret.code_at_ms(now),
        )
        .await;
        assert_eq!(status, 200, "{l}");
        assert!(page.contains("只显示这一次"), "{l}");
        let codes: Vec<String> = page
            .split("<li>")
            .skip(1)
            .filter_map(|p| p.split("</li>").next())
            .filter(|p| p.len() == 14 && p.matches('-').count() == 2)
            .map(str::to_string)
            .collect();
        assert_eq!(codes.len(), 10, "{l}: {codes:?}");
        assert_eq!(home_status(&s, &c).await, 200, "{l}: logged in");
        assert_eq!(
            s.audit_records("auth.second_factor.enrol").await.len(),
            4,
            "{l}: 3 demo + 1"
        );
        let stored = s.app.store.second_factor(&user.id).await.unwrap().unwrap();
        assert!(
            !stored.secret_enc.contains(&secret.to_base32()),
            "{l}: encrypted"
        );
        // The confirming code was used.
        expect_code(
            api_login(&s, "secadmin", Some(&secret.code_at_ms(now))).await,
            401,
            "second_factor_reused",
        )
        .await;

        // A recovery code works once (API), in any case and spacing; then never again (web).
        let upper = codes[0].to_uppercase().replace('-', " ");
        json_ok(api_login(&s, "secadmin", Some(&upper)).await, 200).await;
        expect_code(
            api_login(&s, "secadmin", Some(&codes[0])).await,
            401,
            "wrong_second_factor",
        )
        .await;
        let (c, _, page) = password_step(&s, "secadmin").await;
        let (status, _) = post_code(&s, &c, &page, "/login/code", "secadmin", &codes[1]).await;
        assert_eq!(status, 303, "{l}: another recovery code on the web");
        assert_eq!(
            s.audit_records("auth.second_factor.recovery_code")
                .await
                .len(),
            2,
            "{l}"
        );
        assert_eq!(
            s.app.store.recovery_codes_left(&user.id).await.unwrap(),
            8,
            "{l}"
        );
        // Hashes only in the database.
        let (c2, _, page) = password_step(&s, "secadmin").await;
        let (status, _) = post_code(&s, &c2, &page, "/login/code", "secadmin", &codes[1]).await;
        assert_eq!(status, 401, "{l}: used recovery code");

        // The console reset by the service also works and forces enrolment again.
        assert!(
            s.app
                .reset_second_factor(&Actor::console(), &m, "secadmin")
                .await
                .unwrap(),
            "{l}"
        );
        assert_eq!(
            s.app.store.recovery_codes_left(&user.id).await.unwrap(),
            0,
            "{l}"
        );
        let (_, status, page) = password_step(&s, "secadmin").await;
        assert_eq!(status, 200, "{l}");
        assert!(page.contains("action=\"/login/enrol\""), "{l}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_codes_are_throttled_and_a_right_password_does_not_reset_the_count() {
    for db in helpers::backends().await {
        let l = db.label;
        let s = TestServer::start(db).await;
        let bad = wrong(&s, "sysadmin");
        let mut statuses = std::collections::BTreeMap::new();
        for _ in 0..12 {
            let r = api_login(&s, "sysadmin", Some(&bad)).await;
            *statuses.entry(r.status().as_u16()).or_insert(0) += 1;
        }
        assert_eq!(statuses.get(&401), Some(&5), "{l}: {statuses:?}");
        assert_eq!(statuses.get(&429), Some(&7), "{l}: {statuses:?}");
        // Even the right code waits now: no unbounded guessing by entering the password again.
        let r = api_login(&s, "sysadmin", Some(&code_at(&s, "sysadmin", 0))).await;
        expect_code(r, 429, "too_many_attempts").await;
        // The web ticket, too: the code page refuses after the throttle.
        let (c, status, page) = password_step(&s, "sysadmin").await;
        assert_eq!(status, 429, "{l}: {page}");
        assert_eq!(home_status(&s, &c).await, 303, "{l}");
        // The delay passes; the right code works and the count is forgotten.
        s.clock.advance(time::Duration::minutes(2));
        json_ok(
            api_login(&s, "sysadmin", Some(&code_at(&s, "sysadmin", 0))).await,
            200,
        )
        .await;

        // A web ticket takes at most five wrong codes; then the password again.
        s.next_totp_step();
        let (c, status, mut page) = password_step(&s, "auditadmin").await;
        assert_eq!(status, 200, "{l}");
        let bad = wrong(&s, "auditadmin");
        let ticket = hidden_field(&page, "ticket").unwrap();
        let mut back_to_password = None;
        for i in 0..5 {
            let (st, p) = post_code(&s, &c, &page, "/login/code", "auditadmin", &bad).await;
            assert_eq!(st, 401, "{l}: wrong code {i}");
            if p.contains("action=\"/login/code\"") {
                page = p;
            } else {
                back_to_password = Some(p);
            }
        }
        // The fifth wrong code ends the ticket: the login form is shown again.
        let login_page = back_to_password.expect("back to the password after five wrong codes");
        assert!(login_page.contains("action=\"/login\""), "{l}");
        // The old ticket is dead, even with the right code (and the current CSRF token).
        let csrf = hidden_field(&login_page, "csrf").unwrap();
        let code = code_at(&s, "auditadmin", 0);
        let r = c
            .post(s.url("/login/code"))
            .form(&[
                ("username", "auditadmin"),
                ("ticket", ticket.as_str()),
                ("code", code.as_str()),
                ("csrf", csrf.as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "{l}");
        assert!(
            r.text().await.unwrap().contains("重新输入用户名和密码"),
            "{l}"
        );
        assert_eq!(home_status(&s, &c).await, 303, "{l}");
    }
}
