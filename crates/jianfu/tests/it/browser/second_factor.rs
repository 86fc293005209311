//! An administrator's login pages in Chromium: the code page (with the demo's current code), the
//! enrolment page after a console reset (secret, QR code) and the recovery codes — looked at on a
//! desktop and a phone, with axe-core.

use super::{Driver, browser_available};
use crate::helpers::{DEMO_PASSWORD, TestServer};
use jianfu_domain::second_factor::TotpSecret;
use jianfu_server::service::{Actor, RequestMeta};

#[tokio::test(flavor = "multi_thread")]
async fn an_administrator_enters_a_code_enrols_and_sees_recovery_codes() {
    if !browser_available() {
        return;
    }
    let server = TestServer::sqlite().await;
    let driver = Driver::start().await;
    let b = driver.new_session().await;

    // The password leads to the code page; the demo shows the current code.
    b.goto(&server.url("/login")).await;
    b.type_into("#username", "secadmin").await;
    b.type_into("#password", DEMO_PASSWORD).await;
    b.click("form[action='/login'] button[type=submit]").await;
    b.wait_for_text("输入验证码").await;
    assert!(b.title().await.contains("输入验证码"));
    b.look("login-code").await;
    let shown = b
        .script("return document.querySelector('.demo-code strong').textContent")
        .await;
    let shown = shown.as_str().unwrap().to_string();
    assert_eq!(Some(shown.clone()), server.totp_code("secadmin"));
    // A wrong code first: a Chinese error, nothing typed is kept.
    b.type_into("#code", "000000").await;
    b.click("form[action='/login/code'] button[type=submit]")
        .await;
    b.wait_for_text("验证码不正确").await;
    assert_eq!(b.value_of("#code").await, "");
    b.look("login-code-error").await;
    b.type_into("#code", &shown).await;
    b.click("form[action='/login/code'] button[type=submit]")
        .await;
    b.wait_for_text("退出登录").await;
    b.logout().await;

    // After the console's reset: enrolment with a new secret and a QR code.
    server
        .app
        .reset_second_factor(&Actor::console(), &RequestMeta::console(), "secadmin")
        .await
        .unwrap();
    b.type_into("#username", "secadmin").await;
    b.type_into("#password", DEMO_PASSWORD).await;
    b.click("form[action='/login'] button[type=submit]").await;
    let src = b.wait_for_text("绑定验证器").await;
    assert!(src.contains("<svg"), "QR code");
    b.look("login-enrol").await;
    let secret = b
        .script("return document.getElementById('totp-secret').textContent")
        .await;
    let secret = TotpSecret::from_base32(secret.as_str().unwrap()).expect("secret shown");
    b.type_into("#code", &secret.code_at_ms(server.app.now_ms()))
        .await;
    b.click("form[action='/login/enrol'] button[type=submit]")
        .await;
    b.wait_for_text("只显示这一次").await;
    let n = b
        .script("return document.querySelectorAll('.recovery-codes li').length")
        .await;
    assert_eq!(n, 10);
    b.look("login-recovery-codes").await;
    b.click("a.button[href='/']").await;
    b.wait_for_text("退出登录").await;

    b.delete().await;
    drop(driver);
}
