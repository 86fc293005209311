//! The notices page (issue 10 §1) in a real browser: a resident's own notices about his
//! applications (received, verified, issued with where to fetch it, refused with the reason),
//! marked read all at once; the director's call to act, now saying it is handled.

use super::{Driver, axe_available, browser_available};
use crate::certificates::{application, approved_application, post_keyed};
use crate::helpers::{TestServer, api_post, json_ok, temp_dir};
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn notices_in_headless_chromium_for_a_resident_and_a_director() {
    if !browser_available() || !axe_available() {
        return;
    }
    let server = TestServer::sqlite().await;
    let s = &server;
    let shegong = s.api_token("shegong").await;
    let jumin = s.api_token("jumin").await;
    let issued = approved_application(s).await;
    json_ok(
        post_keyed(s, &shegong, &format!("{issued}/issue"), "b-1").await,
        201,
    )
    .await;
    let refused = json_ok(
        api_post(
            s,
            &jumin,
            "/api/v1/certificates/applications",
            &application(),
        )
        .await,
        201,
    )
    .await;
    json_ok(
        api_post(
            s,
            &shegong,
            &format!(
                "/api/v1/certificates/applications/{}/{}/refuse",
                refused["community"].as_str().unwrap(),
                refused["id"].as_str().unwrap()
            ),
            &json!({"reason": "被继承人户籍不在本社区，请到其户籍所在社区申请"}),
        )
        .await,
        200,
    )
    .await;

    // Declared first, dropped last: the session is deleted before chromedriver is killed.
    let driver = Driver::start().await;
    let b = driver.new_session().await;

    b.login(&server.url(""), "jumin").await;
    b.goto(&server.url("/notices")).await;
    let src = b.wait_for_text("您的证明已出具").await;
    for text in [
        "已收到您的证明申请",
        "您的证明申请已核实",
        "您的证明申请不予出具",
        "请到其户籍所在社区申请",
        "全部标为已读",
    ] {
        assert!(src.contains(text), "{text}");
    }
    assert!(!src.contains("待审批用印"), "not the committee's notices");
    // Every notice here is his own: no tag saying so on each.
    assert!(!src.contains("只发给您"));
    b.look("notices-resident").await;
    b.click("form[action='/notices/read-all'] button").await;
    let src = b.wait_for_text("全部已读").await;
    assert!(!src.contains("标为已读</button>"), "nothing left to mark");
    b.look("notices-resident-read").await;

    // Issue 10 §2: an application form refused for a mistyped ID number keeps the photos he
    // picked; the form shows them by name and size, with a way to replace each.
    let item = crate::certificate_pages::household_item(s).await;
    let dir = temp_dir();
    b.goto(&server.url(&format!("/certificates/apply?item={}", item.code)))
        .await;
    b.wait_for_text("证明材料").await;
    for (i, m) in item
        .certificate
        .as_ref()
        .unwrap()
        .required_materials()
        .enumerate()
    {
        let path = dir.0.join(format!("{}-IMG_2026112{i}.png", m.name));
        let mut photo = crate::certificate_pages::PNG.to_vec();
        photo.extend(std::iter::repeat_n(7u8, 300 * 1024 + i * 40 * 1024));
        std::fs::write(&path, photo).unwrap();
        b.attach(&format!("#m_{}", m.key), &path).await;
    }
    b.type_into("#id_number", "110115198001010018").await;
    // Submitted as the phone would even with fields left empty: the server names each problem.
    b.script("document.getElementById('id_number').form.submit(); return true")
        .await;
    let src = b.wait_for_text("已上传：").await;
    assert!(
        src.contains("换一个文件") && src.contains("-IMG_20261120.png（"),
        "{src}"
    );
    assert!(src.contains("已上传的材料文件为您保留") && !src.contains("材料文件需要重新选择"));
    b.look("certificate-apply-kept-files").await;
    b.logout().await;

    b.login(&server.url(""), "shuji").await;
    b.goto(&server.url("/notices")).await;
    let src = b.wait_for_text("有证明申请待审批用印").await;
    assert!(src.contains("已办理（现为：已出具）"), "handled");
    assert!(!src.contains("您的证明"), "not the resident's notices");
    b.look("notices-director").await;
    b.delete().await;
    drop(driver);
}
