//! 考核评比登记 end to end (issue 11 §2), on SQLite and (when reachable) PostgreSQL: a department
//! registers its activities and the register judges each at once — kept with a registered
//! central or municipal document, cancelled without, refused when it is the department's own
//! assessment, folded into the comprehensive evaluation when it judges admitted work; 一票否决
//! always struck out; the register is public; every registration audited.

use crate::helpers::{
    TestDb, TestServer, api_get, api_post, backends, expect_code, hidden_field, json_ok,
};
use serde_json::{Value, json};

fn body(title: &str, kind: &str, mandate: &str) -> Value {
    json!({"title": title, "kind": kind, "mandate_document": mandate, "criteria": "垃圾分类知晓率、参与率"})
}

async fn run_flow(db: TestDb) {
    let label = db.label;
    let s = TestServer::start(db).await;
    let minzheng = s.api_token("minzheng").await;
    let shegong = s.api_token("shegong").await;
    let shenpi = s.api_token("shenpi").await;

    // The demo register has a municipal document requiring creation activities.
    let mandates = json_ok(api_get(&s, &minzheng, "/api/v1/mandates").await, 200).await;
    let covering = mandates
        .as_array()
        .unwrap()
        .iter()
        .find(|m| {
            m["requires"]
                .as_array()
                .is_some_and(|r| r.iter().any(|k| k["kind"] == "creation"))
        })
        .map(|m| m["number"].as_str().unwrap().to_string())
        .expect("a registered document requiring creation activities");

    let cancelled = json_ok(
        api_post(
            &s,
            &minzheng,
            "/api/v1/evaluations",
            &body("星级和谐社区评比", "检查评比", ""),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(cancelled["outcome"], "cancelled", "{label}: {cancelled}");
    assert_eq!(cancelled["organiser"], "110115-MZJ");
    assert!(
        cancelled["reasons"][0]["citation"]
            .as_str()
            .unwrap()
            .contains("中办发〔2010〕33号")
    );

    let unregistered = json_ok(
        api_post(
            &s,
            &minzheng,
            "/api/v1/evaluations",
            &body("文明社区创建", "demonstration", "京民发〔2019〕7号"),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(unregistered["reasons"][0]["rule"], "mandate_not_registered");

    let mut own = body("社区民政工作年度考核", "department_assessment", "");
    own["one_vote_veto"] = json!(true);
    let refused = json_ok(
        api_post(&s, &minzheng, "/api/v1/evaluations", &own).await,
        201,
    )
    .await;
    assert_eq!(refused["outcome"], "refused", "{label}");
    assert_eq!(refused["veto_removed"], true);
    let rules: Vec<&str> = refused["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["no_department_evaluations", "no_one_vote_veto"]);

    {
        let number = covering;
        let kept = json_ok(
            api_post(
                &s,
                &minzheng,
                "/api/v1/evaluations",
                &body("全国示范社区创建", "示范创建", &number),
            )
            .await,
            201,
        )
        .await;
        assert_eq!(kept["outcome"], "kept", "{label}: {kept}");
    }

    // A made-up access number does not turn a cancellation into "folded in".
    let mut fake = body("救助核查工作检查", "inspection", "");
    fake["admitted_work"] = json!("ZR2026-99999");
    expect_code(
        api_post(&s, &minzheng, "/api/v1/evaluations", &fake).await,
        422,
        "unknown_access_number",
    )
    .await;

    // Communities are evaluated; they do not register evaluations.
    expect_code(
        api_post(
            &s,
            &shegong,
            "/api/v1/evaluations",
            &body("x", "standard", ""),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    for (b, code) in [
        (body("x", "表彰", ""), "unknown_activity_kind"),
        (body(" ", "standard", ""), "title_missing"),
        (
            json!({"title": "x", "kind": "standard", "criteria": " "}),
            "criteria_missing",
        ),
    ] {
        expect_code(
            api_post(&s, &minzheng, "/api/v1/evaluations", &b).await,
            422,
            code,
        )
        .await;
    }
    // The district's own assessment is the comprehensive evaluation: not refused.
    let district = json_ok(
        api_post(
            &s,
            &shenpi,
            "/api/v1/evaluations",
            &body("社区工作综合考评", "department_assessment", ""),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(district["outcome"], "kept", "{label}: {district}");

    // The register is public: no token.
    let public: Value = reqwest::get(s.url("/api/v1/evaluations?status=cancelled"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(public.as_array().unwrap().len() >= 2, "{label}: {public}");
    let one = reqwest::get(s.url(&format!(
        "/api/v1/evaluations/{}/{}",
        refused["organiser"].as_str().unwrap(),
        refused["id"].as_str().unwrap()
    )))
    .await
    .unwrap();
    assert_eq!(one.status(), 200);
    assert!(
        s.audit_records("evaluation.register").await.len() >= 4,
        "{label}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn activities_are_judged_at_registration_and_the_register_is_public() {
    for db in backends().await {
        run_flow(db).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_registration_form_keeps_what_was_typed_and_the_register_shows_why() {
    let s = TestServer::sqlite().await;
    let c = s.web_login("minzheng").await;
    let form = c
        .get(s.url("/evaluations/new"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = hidden_field(&form, "csrf").unwrap();
    let r = c
        .post(s.url("/evaluations/new"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("title", "平安社区创建"),
            ("kind", "demonstration"),
            ("criteria", "  "),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("平安社区创建") && html.contains("评比或考核的标准"),
        "{html}"
    );
    let r = c
        .post(s.url("/evaluations/new"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("title", "平安社区创建"),
            ("kind", "demonstration"),
            ("criteria", "发案率"),
            ("one_vote_veto", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let page = reqwest::get(s.url("/evaluations"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("平安社区创建") && page.contains("一票否决已取消") && page.contains("取消")
    );
}
