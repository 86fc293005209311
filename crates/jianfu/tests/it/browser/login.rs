//! Logging in through the Chinese login page, the live gate decision, and certificate
//! verification on a phone — with axe-core after each interaction.

use super::{Driver, PHONE, browser_available};
use crate::helpers::{DEMO_PASSWORD, TestServer};

#[tokio::test(flavor = "multi_thread")]
async fn browser_login_in_headless_chromium() {
    if !browser_available() {
        return;
    }
    let server = TestServer::sqlite().await;
    // Declared first, dropped last: the session is deleted before chromedriver is killed.
    let driver = Driver::start().await;
    let b = driver.new_session().await;

    b.goto(&server.url("/login")).await;
    assert!(
        b.title().await.contains("登录"),
        "title: {}",
        b.title().await
    );
    assert_eq!(
        b.script("return document.documentElement.lang").await,
        "zh-CN"
    );

    // Wrong password: a Chinese error, and the username is still there.
    b.type_into("#username", "shegong").await;
    b.type_into("#password", "Wrong@Pass1").await;
    b.click("form[action='/login'] button[type=submit]").await;
    let src = b.wait_for_text("用户名或密码不正确").await;
    assert!(src.contains("id=\"login-error\""));
    assert!(b.current_url().await.ends_with("/login"));
    assert_eq!(b.value_of("#username").await, "shegong");
    assert_eq!(b.value_of("#password").await, "", "password is not kept");
    b.look("login-error").await;

    // The right password lands on the community worker's home page.
    b.type_into("#password", DEMO_PASSWORD).await;
    b.click("form[action='/login'] button[type=submit]").await;
    let src = b.wait_for_text("社区工作者工作台").await;
    assert!(src.contains("丁香雅苑社区"));
    assert!(src.contains("退出登录"));
    let url = b.current_url().await;
    assert_eq!(url, server.url("/"), "redirected home");
    assert!(b.title().await.starts_with("首页"));
    assert_eq!(
        b.script("return document.documentElement.lang").await,
        "zh-CN"
    );
    // The session cookie is HttpOnly: scripts cannot read it.
    let js_cookies = b.script("return document.cookie").await;
    assert!(
        !js_cookies
            .as_str()
            .unwrap_or_default()
            .contains("jf_session"),
        "{js_cookies}"
    );
    // The stylesheet loaded under the strict content security policy.
    let styled = b
        .script("return getComputedStyle(document.querySelector('.skip-link')).position")
        .await;
    assert_ne!(styled, "static", "app.css applied");
    b.look("home-shegong").await;

    // A department clerk sees the gate's decision while filling in the request (htmx, served
    // by jianfu under the same strict CSP): a mislabelled title is caught without submitting.
    b.click("form[action='/logout'] button").await;
    b.wait_for_text("id=\"username\"").await;
    b.type_into("#username", "minzheng").await;
    b.type_into("#password", DEMO_PASSWORD).await;
    b.click("form[action='/login'] button[type=submit]").await;
    b.wait_for_text("部门经办人工作台").await;
    b.goto(&server.url("/assignments/new")).await;
    b.type_into("#title", "协助开展招商引资").await;
    b.click("input[name=all_communities]").await;
    b.script(
        "document.getElementById('period_from').value='2026-12-01';\
         const to=document.getElementById('period_to'); to.value='2026-12-31';\
         to.dispatchEvent(new Event('change',{bubbles:true})); return true",
    )
    .await;
    let live = b.wait_for_text("文本甄别").await;
    assert!(live.contains("不予准入"), "live decision shown");
    assert!(
        !b.current_url().await.contains("/assignments/110115-MZJ/"),
        "nothing was submitted"
    );
    b.axe("the request form with a live refusal").await;

    // Anyone holding a certificate checks it on a phone, without logging in: typed in lower
    // case without the hyphen, as people do.
    let demo = server
        .app
        .load_demo_certificates(&jianfu_server::service::RequestMeta::console())
        .await
        .unwrap();
    b.click("form[action='/logout'] button").await;
    b.wait_for_text("id=\"username\"").await;
    b.set_viewport(PHONE).await;
    b.goto(&server.url("/verify")).await;
    b.type_into("#number", &demo.number).await;
    b.type_into("#code", &demo.code.to_lowercase().replace('-', ""))
        .await;
    b.click("form[action='/verify'] button[type=submit]").await;
    let src = b.wait_for_text("证明真实有效").await;
    assert!(src.contains("王*民"), "masked holder");
    assert!(
        !src.contains("11010519491231002X"),
        "no ID number on the page"
    );
    assert!(src.contains("已纳入区级签名检查点"), "seal-log proof shown");
    let fits = b
        .script("const m=document.querySelector('main'); return m.scrollWidth <= document.documentElement.clientWidth")
        .await;
    assert_eq!(fits, true, "the result fits a 390 px phone screen");
    b.look("verify-ok").await;

    b.delete().await;
    drop(driver);
}
