//! A refusal can be reworked (issue 10 §2): 提交 on a request the check refuses asks first, a
//! refused or withdrawn request is copied into a new one with everything filled in, and the
//! messages name fields in Chinese, not by their API names.

use crate::helpers::{TestServer, backends, hidden_field};
use reqwest::Client;

const MZJ: &str = "110115-MZJ";
const C901: &str = "110115001901";

/// The request form as a department fills it; with a ledger the gate refuses it (三(二)).
fn form(csrf: &str, action: &str, with_ledger: bool) -> Vec<(&'static str, String)> {
    let mut f = vec![
        ("csrf", csrf.to_string()),
        ("action", action.to_string()),
        ("item_code", "A12".to_string()),
        ("title", "协助做好社会救助对象入户核查".to_string()),
        ("legal_basis", "《社会救助暂行办法》第十一条".to_string()),
        ("community_role", "assist".to_string()),
        ("community", C901.to_string()),
        ("period_from", "2026-12-01".to_string()),
        ("period_to", "2026-12-31".to_string()),
        ("amount_yuan", "1200".to_string()),
        ("channel", "区财政专项".to_string()),
        ("authority", "入户核查、宣传告知".to_string()),
    ];
    if with_ledger {
        f.extend([
            ("burden_kind", "ledger".to_string()),
            ("burden_title", "救助对象台账".to_string()),
            ("burden_mandate_document", String::new()),
            ("burden_veto", "no".to_string()),
        ]);
    }
    f
}

async fn text(c: &Client, url: String) -> (u16, String) {
    let r = c.get(url).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test]
async fn a_refused_request_asks_before_it_is_kept_and_is_copied_filled_in() {
    for db in backends().await {
        let s = TestServer::start(db).await;
        let label = s.db.label;
        let mz = s.web_login("minzheng").await;
        let (_, page) = text(&mz, s.url("/assignments/new")).await;
        let csrf = hidden_field(&page, "csrf").unwrap();
        assert!(
            page.contains("id=\"verdict-inline\""),
            "{label}: verdict beside 提交"
        );

        // 提交 while the check refuses: a question, the verdict and everything typed; nothing kept.
        let r = mz
            .post(s.url("/assignments/new"))
            .form(&form(&csrf, "submit", true))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{label}");
        let html = r.text().await.unwrap();
        assert!(html.contains("检查结论是不予准入"), "{label}: {html}");
        assert!(html.contains("value=\"submit_anyway\""), "{label}");
        assert!(
            html.contains("value=\"救助对象台账\""),
            "{label}: typed text kept"
        );
        assert!(
            s.audit_records("assignment.submit").await.is_empty(),
            "{label}"
        );

        // 仍然提交: kept as refused.
        let r = mz
            .post(s.url("/assignments/new"))
            .form(&form(&csrf, "submit_anyway", true))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{label}");
        let case = r.headers()["location"]
            .to_str()
            .unwrap()
            .split('?')
            .next()
            .unwrap()
            .to_string();
        assert!(case.starts_with(&format!("/assignments/{MZJ}/")), "{case}");
        let (_, page) = text(&mz, s.url(&case)).await;
        assert!(page.contains("不予准入"), "{label}");
        let copy = format!("{case}/copy");
        assert!(
            page.contains(&format!("href=\"{copy}\"")),
            "{label}: copy offered"
        );

        // The copy: every field filled in, the check run on it, the original named.
        let (status, page) = text(&mz, s.url(&copy)).await;
        assert_eq!(status, 200, "{label}: {page}");
        assert!(page.contains("已复制"), "{label}");
        assert!(page.contains(&format!("href=\"{case}\"")), "{label}");
        for typed in [
            "value=\"协助做好社会救助对象入户核查\"",
            "value=\"救助对象台账\"",
            "value=\"1200.00\"",
            "value=\"区财政专项\"",
            "value=\"2026-12-01\"",
            "入户核查、宣传告知</textarea>",
            "《社会救助暂行办法》第十一条</textarea>",
            "<option value=\"A12\" selected>",
            "<option value=\"ledger\" selected>",
        ] {
            assert!(page.contains(typed), "{label}: {typed} in the copy");
        }
        assert!(
            page.contains(&format!("value=\"{C901}\" checked")),
            "{label}: target community ticked"
        );
        assert!(
            page.contains("检查结论：<span class=\"status off\">不予准入"),
            "{label}"
        );

        // Corrected (no ledger) and submitted: a new case, in force; the refused one unchanged.
        let r = mz
            .post(s.url("/assignments/new"))
            .form(&form(&csrf, "submit", false))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{label}");
        let new_case = r.headers()["location"].to_str().unwrap().to_string();
        assert!(!new_case.starts_with(&case), "{label}: a new case");
        let (_, page) = text(&mz, s.url(&new_case)).await;
        assert!(page.contains("已准入"), "{label}");
        let (_, page) = text(&mz, s.url(&case)).await;
        assert!(page.contains("不予准入"), "{label}");
        assert_eq!(s.audit_records("assignment.submit").await.len(), 2);

        // Only the department copies its own, and only a refused or withdrawn one.
        let (status, _) = text(
            &mz,
            s.url(&format!("{new_case}/copy").replace("?submitted=1", "")),
        )
        .await;
        assert_eq!(status, 422, "{label}: work in force is not copied");
        let sp = s.web_login("shenpi").await;
        let (status, _) = text(&sp, s.url(&copy)).await;
        assert_eq!(status, 403, "{label}: the approver submits nothing");
        let sg = s.web_login("shegong").await;
        let (status, _) = text(&sg, s.url(&copy)).await;
        assert!(matches!(status, 403 | 404), "{label}: {status}");
    }
}

#[tokio::test]
async fn every_problem_is_shown_at_once_beside_its_field_in_chinese() {
    let s = TestServer::sqlite().await;
    let mz = s.web_login("minzheng").await;
    let (_, page) = text(&mz, s.url("/assignments/new")).await;
    let csrf = hidden_field(&page, "csrf").unwrap();
    let mut f = form(&csrf, "check", true);
    f.retain(|(k, _)| !matches!(*k, "title" | "community"));
    for (k, v) in f.iter_mut() {
        match *k {
            "amount_yuan" => *v = "一千".into(),
            "period_to" => *v = "2026-11-01".into(),
            _ => {}
        }
    }
    // The requirement in the form's third row (two blank rows before it).
    let blank = [
        ("burden_kind", String::new()),
        ("burden_title", String::new()),
        ("burden_mandate_document", String::new()),
        ("burden_veto", "no".to_string()),
    ];
    let at = f.iter().position(|(k, _)| *k == "burden_kind").unwrap();
    for (i, row) in [blank.clone(), blank].into_iter().enumerate() {
        for (j, pair) in row.into_iter().enumerate() {
            f.insert(at + i * 4 + j, pair);
        }
    }
    for (k, v) in f.iter_mut().rev() {
        if *k == "burden_kind" {
            *v = "no_such_kind".into();
            break;
        }
    }
    let r = mz
        .post(s.url("/assignments/new"))
        .form(&f)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("有 5 处需要修改"), "{html}");
    for (field, says) in [
        ("title", "请填写工作事项名称"),
        ("communities", "请至少选择一个社区"),
        ("period_to", "早于开始日期"),
        ("amount_yuan", "经费金额“一千”无效"),
        ("bk3", "附带要求"),
    ] {
        assert!(
            html.contains(&format!("href=\"#{field}\"")),
            "{field} in the summary"
        );
        let at = html
            .find(&format!("id=\"{field}-error\""))
            .unwrap_or_else(|| panic!("{field}: no message beside it"));
        assert!(html[at..].contains(says), "{field}: {says}");
        assert!(
            html.contains(&format!("aria-describedby=\"{field}-error")),
            "{field} described by its message"
        );
    }
    assert_eq!(html.matches("aria-invalid=\"true\"").count(), 5);
    assert_eq!(html.matches(" autofocus").count(), 1);
    assert!(
        html.contains(
            "value=\"\" aria-invalid=\"true\" aria-describedby=\"title-error title-help\" autofocus"
        ),
        "the focus on the first problem"
    );
    assert!(html.contains("value=\"一千\""), "what was typed is kept");
    assert!(
        !html.contains("（title）") && !html.contains("communities:"),
        "no API names"
    );
}
