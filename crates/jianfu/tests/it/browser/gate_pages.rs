//! The access gate's pages (issues 8 and 15) in a real browser, looked at on a desktop screen and
//! a phone and checked with axe-core in the states people see them in: a department clerk's
//! request refused live for an online-time ranking, the public mandate register, the approver's
//! register form with errors beside the fields, list update candidates, and approving an off-list
//! case into the next catalog draft; and the lists that grow (准入事项, 违规下派, 证明申请) with
//! their filter form and pages, and the home tiles that link to them.

use super::{Driver, axe_available, browser_available};
use crate::helpers::{TestServer, json_ok};
use serde_json::json;

const TITLE: &str = "协助开展独居老人防诈骗入户宣传";
const CANDIDATE: &str = "协助开展监护人确定情况摸底";

#[tokio::test(flavor = "multi_thread")]
async fn gate_pages_in_headless_chromium_at_desktop_and_phone_widths() {
    if !browser_available() || !axe_available() {
        return;
    }
    let server = TestServer::sqlite().await;

    // A pending off-list case whose cited article names the community's duty: a list update
    // candidate, created through the API as a department's system would.
    let token = server.api_token("minzheng").await;
    let case = json_ok(
        reqwest::Client::new()
            .post(server.url("/api/v1/assignments"))
            .bearer_auth(&token)
            .json(&json!({
                "department": "110115-MZJ",
                "item_code": null,
                "title": CANDIDATE,
                "legal_basis": ["《中华人民共和国民法典》第三十一条"],
                "basis_names_community": true,
                "community_role": "assist",
                "communities": ["110115001901"],
                "period": {"from": "2026-12-01", "to": "2026-12-31"},
                "funding": {"amount_yuan": 500, "channel": "区民政专项"},
                "burdens": [],
                "authority": "入户了解、登记监护人情况"
            }))
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    // The case's address: its department, then its id.
    let case_id = format!(
        "{}/{}",
        case["department"].as_str().unwrap(),
        case["id"].as_str().unwrap()
    );

    // Declared first, dropped last: the session is deleted before chromedriver is killed.
    let driver = Driver::start().await;
    let b = driver.new_session().await;

    // Anyone may read the mandate register without logging in.
    b.goto(&server.url("/mandates")).await;
    let src = b.wait_for_text("上级文件登记").await;
    assert!(src.contains("厅字〔2022〕28号"), "demo register listed");
    assert!(!src.contains("退出登录"), "not logged in");
    assert!(
        !src.contains("登记新文件"),
        "no register button for the public"
    );
    b.look("mandates-public").await;

    // A department clerk fills in a request with an online-time ranking attached: the live
    // verdict refuses it and says why, before anything is submitted.
    b.login(&server.base, "minzheng").await;
    b.goto(&server.url("/assignments/new")).await;
    b.look("assignment-new").await;
    // Checked with nothing filled in: every problem listed and beside its field, focus on the first.
    b.click("button[name=action][value=check]").await;
    b.wait_for_text("处需要修改").await;
    let focused = b.script("return document.activeElement.id").await;
    assert_eq!(focused, json!("title"), "the focus on the first problem");
    b.look("assignment-new-problems").await;
    b.type_into("#title", TITLE).await;
    b.type_into(
        "#description",
        "由社区网格员入户发放宣传材料，讲解常见诈骗手法，登记独居老人联系方式。",
    )
    .await;
    b.click("input[name=all_communities]").await;
    b.script(
        "document.getElementById('period_from').value='2026-12-01';\
         document.getElementById('period_to').value='2026-12-31'; return true",
    )
    .await;
    b.type_into("#amount_yuan", "800").await;
    b.type_into("#channel", "区民政专项").await;
    b.type_into("#authority", "入户宣传、登记联系方式").await;
    // A requirement's row shows only its type until one is chosen; 排名依据 only for a ranking.
    let shown = "return ['bt1', 'bs1', 'bp1', 'bv1'].map(id =>\
         getComputedStyle(document.getElementById(id).closest('.field')).display !== 'none')";
    assert_eq!(b.script(shown).await, json!([false, false, false, false]));
    b.click("#bk1 option[value='ranking']").await;
    assert_eq!(b.script(shown).await, json!([true, true, false, true]));
    b.type_into("#bt1", "反诈App在线时长排名").await;
    b.click("#bs1 option[value='online_time']").await;
    b.wait_until(
        "the live verdict refusing the online-time ranking",
        "const d = document.getElementById('decision-live');\
         const t = d ? d.innerText : '';\
         return t.includes('不予准入') && t.includes('在线时长') && t.includes('排名');",
    )
    .await;
    let verdict = b
        .script("return document.getElementById('decision-live').innerText")
        .await;
    let verdict = verdict.as_str().unwrap_or_default();
    assert!(verdict.contains("检查结论：不予准入"), "{verdict}");
    assert!(
        verdict.contains("取消排名通报"),
        "says what to change: {verdict}"
    );
    assert!(
        b.current_url().await.ends_with("/assignments/new"),
        "nothing was submitted"
    );
    // The same verdict beside 提交, updated by the same live check.
    let beside = b
        .script("return document.getElementById('verdict-inline').innerText")
        .await;
    assert!(
        beside.as_str().unwrap_or_default().contains("不予准入"),
        "{beside}"
    );
    b.look("assignment-new-ranking-refused").await;
    // 提交 anyway: asked first, with everything still typed.
    b.click("button[name=action][value=submit]").await;
    let src = b.wait_for_text("检查结论是不予准入").await;
    assert!(src.contains("反诈App在线时长排名"), "typed text kept");
    b.look("assignment-new-submit-refused").await;
    b.logout().await;

    // The district approver: the register with its management buttons.
    b.login(&server.base, "shenpi").await;
    b.goto(&server.url("/mandates")).await;
    b.wait_for_text("登记新文件").await;
    b.look("mandates").await;

    // A document's page.
    let href = b
        .script("return document.querySelector('table.data td a').getAttribute('href')")
        .await;
    b.goto(&server.url(href.as_str().expect("a document link")))
        .await;
    b.wait_for_text("要求社区的事项").await;
    b.look("mandate-detail").await;

    // Registering a document with nothing filled in: every problem beside its field, in Chinese,
    // and announced with the field.
    b.goto(&server.url("/mandates/new")).await;
    b.look("mandate-new").await;
    b.click("main form[method=post] button[type=submit]").await;
    b.wait_for_text("处需要修改").await;
    for field in [
        "number",
        "issuer",
        "title",
        "issued_on",
        "level",
        "valid_from",
    ] {
        let v = b
            .script(&format!(
                "const i = document.getElementById('{field}');\
                 const f = i.closest('.field');\
                 const e = f && f.querySelector('.field-error');\
                 const by = (i.getAttribute('aria-describedby') || '').split(' ');\
                 return [!!e && e.innerText.trim().length > 0,\
                         i.getAttribute('aria-invalid') === 'true',\
                         !!e && by.includes(e.id)];"
            ))
            .await;
        assert_eq!(
            v,
            json!([true, true, true]),
            "{field}: error shown beside it, marked invalid, described by the error"
        );
    }
    b.look("mandate-new-errors").await;

    b.goto(&server.url("/mandates/import")).await;
    b.wait_for_text("第一步：上传登记表").await;
    b.look("mandate-import").await;

    // No candidates yet.
    b.goto(&server.url("/catalog/candidates")).await;
    b.wait_for_text("目前没有清单更新候选").await;
    b.look("catalog-candidates-empty").await;

    // The pending off-list case offers the next-draft box; approve with it ticked.
    b.goto(&server.url(&format!("/assignments/{case_id}")))
        .await;
    b.wait_for_text(CANDIDATE).await;
    b.find("input[name=add_to_next_catalog]").await;
    b.look("assignment-candidate-pending").await;
    b.click("input[name=add_to_next_catalog]").await;
    b.type_into("#approve-comment", "已核实民法典第三十一条")
        .await;
    b.look("assignment-candidate-ticked").await;
    b.click("form[action$='/approve'] button").await;
    // Approval cannot be undone: a page says what will happen, with what was typed.
    let src = b.wait_for_text("确认批准准入？").await;
    assert!(src.contains("已核实民法典第三十一条"), "the comment shown");
    b.look("assignment-approve-confirm").await;
    b.click("button[name=confirmed][value=yes]").await;
    let src = b.wait_for_text("已列入下一版清单草稿").await;
    assert!(
        src.contains("class=\"access-number\""),
        "access number issued"
    );
    b.look("assignment-candidate-approved").await;

    b.goto(&server.url("/catalog/candidates")).await;
    let src = b.wait_for_text(CANDIDATE).await;
    assert!(src.contains("《中华人民共和国民法典》第三十一条"));
    b.look("catalog-candidates").await;

    b.delete().await;
    drop(driver);
}

#[tokio::test(flavor = "multi_thread")]
async fn lists_with_filters_and_pages_at_desktop_and_phone_widths() {
    if !browser_available() || !axe_available() {
        return;
    }
    let server = TestServer::sqlite().await;
    crate::lists::seed(&server).await;
    let driver = Driver::start().await;
    let b = driver.new_session().await;

    b.login(&server.base, "shenpi").await;
    b.goto(&server.url("/")).await;
    b.wait_for_text("待审批").await;
    b.look("home-approver-tiles").await;
    // The tile is a link to exactly the filtered list.
    b.click("a[href='/assignments?status=pending_approval']")
        .await;
    let src = b.wait_for_text("第 1 页，共 23 条").await;
    assert!(src.contains("rel=\"next\""));
    b.look("assignments-pending-page1").await;
    b.click("a[rel=next]").await;
    b.wait_for_text("第 2 页，共 23 条").await;
    b.look("assignments-pending-page2").await;
    b.goto(&server.url("/assignments?status=refused")).await;
    b.wait_for_text("没有符合条件的事项").await;
    b.look("assignments-empty-filter").await;
    b.goto(&server.url("/assignments?status=bogus&page=abc"))
        .await;
    b.wait_for_text("无法识别").await;
    b.look("assignments-bad-query").await;
    b.logout().await;

    b.login(&server.base, "ducha").await;
    b.goto(&server.url("/violations?status=reported&department=110115-MZJ"))
        .await;
    b.wait_for_text("共 4 条").await;
    b.look("violations-supervisor-filtered").await;
    b.logout().await;

    b.login(&server.base, "shegong").await;
    b.goto(&server.url("/assignments")).await;
    b.wait_for_text("本社区准入事项").await;
    b.look("assignments-community").await;
    b.goto(&server.url("/certificates?status=overdue&sort=deadline"))
        .await;
    b.wait_for_text("已超过办结期限").await;
    b.look("certificates-overdue").await;
    b.goto(&server.url("/violations")).await;
    b.wait_for_text("共 3 条").await;
    b.look("violations-community").await;
    b.logout().await;

    b.login(&server.base, "jumin").await;
    b.goto(&server.url("/certificates?status=open")).await;
    b.wait_for_text("共 3 条").await;
    b.look("certificates-resident").await;

    b.delete().await;
    drop(driver);
}
