//! The gate reads the policy's own words (issue 8) and the words people use (issue 15), end to
//! end on SQLite and PostgreSQL: off-list work goes to approval without a legal basis, a cited
//! duty becomes a list update candidate that the approver can put in the next catalog draft, a
//! mandate counts only as a registered document, digital burdens are judged, and a stored case
//! keeps the decision it was given.

use crate::helpers::api_get as get;
use crate::helpers::api_post as post;
use crate::helpers::{TestServer, backends, expect_code, json_ok};
use jianfu_server::service::catalog_xlsx;
use serde_json::{Value, json};

/// 区民政局, the department of the cases submitted here; a case's address carries it.
const MZJ: &str = "110115-MZJ";
const C901: &str = "110115001901";

fn off_list(title: &str) -> Value {
    json!({
        "department": "110115-MZJ",
        "item_code": null,
        "title": title,
        "legal_basis": [],
        "community_role": "assist",
        "communities": [C901],
        "period": {"from": "2026-12-01", "to": "2026-12-31"},
        "funding": {"amount_yuan": 500, "channel": "区民政专项"},
        "burdens": [],
        "authority": "入户告知、登记"
    })
}

fn rules(decision: &Value) -> Vec<String> {
    decision["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["rule"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn off_list_work_without_a_law_goes_to_approval_and_a_cited_duty_reaches_the_next_draft() {
    for db in backends().await {
        let s = TestServer::start(db).await;
        let mz = s.api_token("minzheng").await;
        let sp = s.api_token("shenpi").await;

        // No law names it: district approval, not refusal.
        let d = json_ok(
            post(
                &s,
                &mz,
                "/api/v1/gate/evaluate",
                &off_list("协助开展宠物登记摸底"),
            )
            .await,
            200,
        )
        .await;
        assert_eq!(d["outcome"], "needs_approval", "{d}");
        assert!(!rules(&d).contains(&"approval_needs_legal_basis".to_string()));

        // Claiming a named duty without a citation is bad input.
        let mut claim = off_list("协助开展宠物登记摸底");
        claim["basis_names_community"] = json!(true);
        expect_code(
            post(&s, &mz, "/api/v1/gate/evaluate", &claim).await,
            422,
            "candidate_needs_citation",
        )
        .await;

        // With a citation it is a candidate; the approver may put it in the next draft.
        claim["legal_basis"] = json!(["《中华人民共和国民法典》第三十一条"]);
        let case = json_ok(post(&s, &mz, "/api/v1/assignments", &claim).await, 201).await;
        let id = case["id"].as_str().unwrap().to_string();
        let plain = json_ok(
            post(
                &s,
                &mz,
                "/api/v1/assignments",
                &off_list("协助开展冬季走访"),
            )
            .await,
            201,
        )
        .await;
        let plain_id = plain["id"].as_str().unwrap().to_string();

        // Only a candidate can be added.
        expect_code(
            post(
                &s,
                &sp,
                &format!("/api/v1/assignments/{MZJ}/{plain_id}/approve"),
                &json!({"comment": "", "add_to_next_catalog": true}),
            )
            .await,
            422,
            "not_a_list_candidate",
        )
        .await;
        let approved = json_ok(
            post(
                &s,
                &sp,
                &format!("/api/v1/assignments/{MZJ}/{id}/approve"),
                &json!({"comment": "已核实条款", "add_to_next_catalog": true}),
            )
            .await,
            200,
        )
        .await;
        assert_eq!(approved["status"], "approved");
        // Guidance that no longer applies disappears: the approved case's page says nothing of
        // "需要修改：报区级审批", to the department or anyone else (issue 10 §3).
        for who in ["minzheng", "shenpi"] {
            let page = s
                .web_login(who)
                .await
                .get(s.url(&format!("/assignments/{MZJ}/{id}")))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            assert!(page.contains("已批准准入"), "{who}: {page}");
            assert!(!page.contains("需要修改"), "{who}: {page}");
        }
        assert_eq!(approved["list_candidate"], true);
        assert_eq!(approved["list_update_candidate"], true);

        // The approver sees it; a department clerk may not.
        let list = json_ok(get(&s, &sp, "/api/v1/catalog/candidates").await, 200).await;
        let list = list.as_array().unwrap();
        assert_eq!(list.len(), 1, "{list:?}");
        assert_eq!(list[0]["assignment_id"], id.as_str());
        expect_code(
            get(&s, &mz, "/api/v1/catalog/candidates").await,
            403,
            "forbidden",
        )
        .await;

        // The draft of the next version holds it and imports as a valid catalog.
        let web = s.web_login("shenpi").await;
        let page = web
            .get(s.url("/catalog/candidates"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("协助开展宠物登记摸底"), "{page}");
        assert!(
            page.contains(&format!("href=\"/assignments/{MZJ}/{id}\"")),
            "the candidate links to its case by department and id: {page}"
        );
        let xlsx = web
            .get(s.url("/catalog/candidates/draft.xlsx"))
            .send()
            .await
            .unwrap();
        assert_eq!(xlsx.status(), 200);
        let draft = catalog_xlsx::import_xlsx(&xlsx.bytes().await.unwrap()).unwrap();
        let x = draft.item("X01").expect("candidate in the draft");
        assert_eq!(x.name, "协助开展宠物登记摸底");
        assert_eq!(x.legal_basis[0].article, "第三十一条");

        // Audit says the approval put it on the list.
        let recs = s
            .app
            .store
            .search_audit(&jianfu_store::AuditQuery {
                object: Some(format!("assignment:{id}")),
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        let approve = recs
            .iter()
            .find(|r| r.action == "assignment.approve")
            .unwrap();
        assert!(
            approve.detail.contains("\"list_candidate\":true"),
            "{}",
            approve.detail
        );
    }
}

#[tokio::test]
async fn a_mandate_counts_only_as_a_registered_document() {
    for db in backends().await {
        let s = TestServer::start(db).await;
        let mz = s.api_token("minzheng").await;
        let sp = s.api_token("shenpi").await;
        let mut req = off_list("协助开展文明社区创建");
        req["item_code"] = json!("A14");
        req["burdens"] = json!([{"kind": "creation", "title": "示范社区创建", "mandate_document": "京办发[2026]99号"}]);
        // Named but not registered: the approver checks it.
        let d = json_ok(post(&s, &mz, "/api/v1/gate/evaluate", &req).await, 200).await;
        assert_eq!(d["outcome"], "needs_approval", "{d}");
        assert!(rules(&d).contains(&"mandate_not_registered".to_string()));

        // Registered (in another bracket spelling) and covering creation activities: admitted.
        let reg = post(
            &s,
            &sp,
            "/api/v1/mandates",
            &json!({
                "number": "京办发〔2026〕99号",
                "issuer": "中共北京市委办公厅",
                "title": "测试用示范创建文件",
                "issued_on": "2026-01-05",
                "level": "municipal",
                "requires": ["creation"],
                "valid_from": "2026-01-05",
                "valid_to": "",
                "summary": "测试"
            }),
        )
        .await;
        assert!(reg.status().is_success(), "{}", reg.text().await.unwrap());
        let d = json_ok(post(&s, &mz, "/api/v1/gate/evaluate", &req).await, 200).await;
        assert_eq!(d["outcome"], "admitted", "{d}");
        assert!(rules(&d).contains(&"creation_mandated".to_string()));
        let cite = d["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["rule"] == "creation_mandated")
            .unwrap()["citation"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(cite.contains("京办发〔2026〕99号"), "{cite}");

        // A department's own evaluation stays refused even with that document.
        req["burdens"] = json!([{"kind": "evaluation", "title": "年度考核", "mandate_document": "京办发〔2026〕99号"}]);
        let d = json_ok(post(&s, &mz, "/api/v1/gate/evaluate", &req).await, 200).await;
        assert_eq!(d["outcome"], "refused");
        assert!(rules(&d).contains(&"no_department_evaluations".to_string()));
    }
}

#[tokio::test]
async fn digital_burdens_and_the_role_are_read_and_old_cases_keep_their_decision() {
    let s = TestServer::sqlite().await;
    let mz = s.api_token("minzheng").await;
    let jd = s.api_token("jiedao").await;
    let eval = |body: Value| {
        let s = &s;
        let mz = mz.clone();
        async move { json_ok(post(s, &mz, "/api/v1/gate/evaluate", &body).await, 200).await }
    };
    // A ranking by online time is refused; a check-in for security needs a document.
    let mut req = off_list("协助做好社区安全巡查");
    req["burdens"] = json!([
        {"kind": "ranking", "title": "在线时长排名", "measure": "online_time"},
        {"kind": "check_in", "title": "巡查打卡", "purpose": "security"}
    ]);
    let d = eval(req).await;
    assert_eq!(d["outcome"], "refused");
    assert!(rules(&d).contains(&"no_usage_rankings".to_string()));
    assert!(rules(&d).contains(&"check_in_needs_basis".to_string()));
    // Described but not declared: asked to declare.
    let d = eval(off_list("入户走访须拍照留痕上传")).await;
    assert!(
        rules(&d).contains(&"undeclared_digital_burden".to_string()),
        "{d}"
    );
    // A street may not push its own app to communities.
    let mut street = off_list("推广街道政务App");
    street["department"] = json!("110115001");
    street["burdens"] = json!([{"kind": "gov_app", "title": "街道App注册"}]);
    let d = json_ok(post(&s, &jd, "/api/v1/gate/evaluate", &street).await, 200).await;
    assert!(
        rules(&d).contains(&"no_app_below_county".to_string()),
        "{d}"
    );
    // An unknown kind lists the ones that exist, in Chinese.
    let mut bad = off_list("x");
    bad["burdens"] = json!([{"kind": "wechat_group", "title": "x"}]);
    let msg = expect_code(
        post(&s, &mz, "/api/v1/gate/evaluate", &bad).await,
        422,
        "invalid_burden_kind",
    )
    .await;
    assert!(msg.contains("work_group（工作群）"), "{msg}");
    // Publicity is not 招商引资; assisting 城管 is not enforcement.
    let d = eval(off_list("宣传优化营商环境政策")).await;
    assert_eq!(d["outcome"], "needs_approval", "{d}");
    let d = eval(off_list("协助城管部门宣传门前三包")).await;
    assert_eq!(d["outcome"], "needs_approval", "{d}");

    // A stored case explains itself with the decision it was given, not today's rules.
    let case = json_ok(
        post(
            &s,
            &mz,
            "/api/v1/assignments",
            &off_list("协助开展冬季走访"),
        )
        .await,
        201,
    )
    .await;
    let id = case["id"].as_str().unwrap();
    let row = s.app.store.assignment(MZJ, id).await.unwrap().unwrap();
    let mut stored: Value = serde_json::from_str(&row.decision_json).unwrap();
    stored["reasons"][0]["message"] = json!("当时的理由");
    sqlx_update_decision(&s, id, &stored.to_string()).await;
    let ex = json_ok(
        get(&s, &mz, &format!("/api/v1/assignments/{MZJ}/{id}/explain")).await,
        200,
    )
    .await;
    assert_eq!(ex["reasons"][0]["message"], "当时的理由");
}

/// Rewrites a stored decision, as if it had been made under older rules.
async fn sqlx_update_decision(s: &TestServer, id: &str, json: &str) {
    let pool = sqlx::SqlitePool::connect(&s.db.raw_url).await.unwrap();
    sqlx::query("UPDATE assignments SET decision_json = $1 WHERE id = $2")
        .bind(json)
        .bind(id)
        .execute(&pool)
        .await
        .unwrap();
}
