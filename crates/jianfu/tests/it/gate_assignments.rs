//! Requests through the gate end to end, on SQLite and (when reachable) PostgreSQL: the dry run's
//! stable shape (and that it stores nothing), every bad-input code, departments kept to their own
//! name and their own cases, access numbers, the approval deadline in working days, district
//! approval and refusal, escalation of missed deadlines (exactly once), the state machine, what a
//! community sees, the funding ledger and the impossibility of unfunded assist work, the pages,
//! and an audit record for every step.

use crate::helpers::api_get as get;
use crate::helpers::api_post as post;
use crate::helpers::{DEMO_PASSWORD, TestServer, backends, expect_code, hidden_field, json_ok};
use jianfu_server::service::accounts::NewAccount;
use jianfu_server::service::{Actor, RequestMeta};
use jianfu_store::{
    Admission, AssignmentEvent, AssignmentRow, AssignmentTarget, AuditQuery, CaseChange, CaseWrite,
};
use serde_json::{Value, json};

/// 区民政局: the department of every case these tests submit, and the first segment of its
/// address (`/api/v1/assignments/{department}/{id}`).
const MZJ: &str = "110115-MZJ";
const C901: &str = "110115001901";
const C902: &str = "110115001902";

/// Assist item A12 (社会救助, responsible department 民政局) with funding and authority: admitted.
fn assist_request() -> Value {
    json!({
        "department": "110115-MZJ",
        "item_code": "A12",
        "title": "协助做好社会救助对象入户核查",
        "legal_basis": ["《社会救助暂行办法》第十一条"],
        "community_role": "assist",
        "communities": [C901],
        "period": {"from": "2026-12-01", "to": "2026-12-31"},
        "funding": {"amount_yuan": 1200, "channel": "区财政专项"},
        "burdens": [],
        "authority": "入户核查、组织动员、宣传告知"
    })
}

/// Work on no list, with legal basis, funding and authority: needs district approval.
fn off_list_request() -> Value {
    json!({
        "department": "110115-MZJ",
        "item_code": null,
        "title": "协助开展困难群众冬季走访慰问",
        "legal_basis": ["《社会救助暂行办法》第十一条"],
        "community_role": "assist",
        "communities": [C901, C902],
        "period": {"from": "2026-12-01", "to": "2027-02-28"},
        "funding": {"amount_yuan": "800.50", "channel": "区民政专项"},
        "burdens": [],
        "authority": "入户走访、登记需求"
    })
}

fn duty_request() -> Value {
    json!({
        "department": "110115-MZJ",
        "item_code": "D07",
        "title": "调解邻里纠纷",
        "legal_basis": [],
        "community_role": "assist",
        "communities": [C901],
        "period": {"from": "2026-12-01", "to": "2026-12-31"},
        "funding": null,
        "burdens": []
    })
}

async fn submit(s: &TestServer, token: &str, body: &Value) -> Value {
    json_ok(post(s, token, "/api/v1/assignments", body).await, 201).await
}

async fn audit_count(s: &TestServer) -> i64 {
    s.app.store.audit_head().await.unwrap().0
}

async fn audit_actions(s: &TestServer, id: &str) -> Vec<String> {
    let recs = s
        .app
        .store
        .search_audit(&AuditQuery {
            object: Some(format!("assignment:{id}")),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    recs.into_iter().map(|r| r.action).collect()
}

async fn notices(s: &TestServer, token: &str) -> Vec<Value> {
    json_ok(get(s, token, "/api/v1/notices").await, 200)
        .await
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn dry_run_has_the_stable_shape_and_stores_nothing() {
    for db in backends().await {
        let s = TestServer::start(db).await;
        let mz = s.api_token("minzheng").await;
        let before = audit_count(&s).await;

        let v = json_ok(
            post(&s, &mz, "/api/v1/gate/evaluate", &assist_request()).await,
            200,
        )
        .await;
        let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(|k| k.as_str()).collect();
        keys.sort();
        assert_eq!(
            keys,
            ["catalog_version", "outcome", "reasons", "required_changes"]
        );
        assert_eq!(v["outcome"], "admitted");
        assert!(!v["catalog_version"].as_str().unwrap().is_empty());
        let r0 = &v["reasons"][0];
        for k in ["rule", "citation", "message", "part"] {
            assert!(r0.get(k).is_some(), "reason has {k}: {r0}");
        }
        assert!(r0["part"].is_null());
        assert!(v["required_changes"].as_array().unwrap().is_empty());

        // Without funding: refused, with the change to make and the clause it rests on.
        let mut unfunded = assist_request();
        unfunded["funding"] = Value::Null;
        unfunded["burdens"] = json!([{"kind": "ledger", "title": "救助台账", "mandate": null, "one_vote_veto": false}]);
        let v = json_ok(post(&s, &mz, "/api/v1/gate/evaluate", &unfunded).await, 200).await;
        assert_eq!(v["outcome"], "refused");
        let rules: Vec<&str> = v["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["rule"].as_str().unwrap())
            .collect();
        assert!(rules.contains(&"assist_needs_funding"), "{rules:?}");
        assert!(rules.contains(&"no_department_ledgers"), "{rules:?}");
        let ledger = v["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["rule"] == "no_department_ledgers")
            .unwrap();
        assert_eq!(ledger["part"], 0);
        assert!(ledger["citation"].as_str().unwrap().contains("三(二)"));
        assert!(
            v["required_changes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c.as_str().unwrap().contains("经费"))
        );
        // Missing "authority" counts as empty: assist work without it is refused.
        let mut no_authority = assist_request();
        no_authority.as_object_mut().unwrap().remove("authority");
        let v = json_ok(
            post(&s, &mz, "/api/v1/gate/evaluate", &no_authority).await,
            200,
        )
        .await;
        assert_eq!(v["outcome"], "refused");

        // Nothing stored: no case, no audit record.
        assert_eq!(audit_count(&s).await, before, "{}", s.db.label);
        let list = json_ok(get(&s, &mz, "/api/v1/assignments").await, 200).await;
        assert!(list.as_array().unwrap().is_empty());

        // Residents and community workers may not use the gate; no token, no answer.
        let jumin = s.api_token("jumin").await;
        expect_code(
            post(&s, &jumin, "/api/v1/gate/evaluate", &assist_request()).await,
            403,
            "forbidden",
        )
        .await;
        let r = reqwest::Client::new()
            .post(s.url("/api/v1/gate/evaluate"))
            .json(&assist_request())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
    }
}

#[tokio::test]
async fn every_bad_input_gets_its_stable_code() {
    for db in backends().await {
        let s = TestServer::start(db).await;
        let mz = s.api_token("minzheng").await;
        let jd = s.api_token("jiedao").await;
        let before = audit_count(&s).await;
        let cases: Vec<(&str, Value, &str)> = vec![
            ("item_code", json!("ZZ99"), "unknown_item"),
            ("communities", json!(["110115999999"]), "unknown_community"),
            ("communities", json!(["110115001"]), "unknown_community"),
            ("communities", json!("some"), "unknown_community"),
            ("communities", json!([]), "no_communities"),
            ("department", json!("110115-NOPE"), "unknown_department"),
            ("department", json!(C901), "unknown_department"),
            ("department", json!("110115-WJW"), "department_mismatch"),
            (
                "funding",
                json!({"amount_yuan": -5, "channel": "区财政"}),
                "negative_amount",
            ),
            (
                "funding",
                json!({"amount_yuan": "abc", "channel": "区财政"}),
                "invalid_amount",
            ),
            (
                "funding",
                json!({"amount_yuan": 1.234, "channel": "区财政"}),
                "invalid_amount",
            ),
            (
                "period",
                json!({"from": "2026-12-31", "to": "2026-12-01"}),
                "period_reversed",
            ),
            (
                "period",
                json!({"from": "2026-13-01", "to": "2026-12-01"}),
                "invalid_date",
            ),
            (
                "legal_basis",
                json!(["《社会救助暂行办法》"]),
                "citation_without_article",
            ),
            (
                "legal_basis",
                json!(["社会救助暂行办法第十一条"]),
                "citation_without_law",
            ),
            ("title", json!("   "), "empty_title"),
            ("community_role", json!("boss"), "invalid_role"),
            (
                "burdens",
                json!([{"kind": "party", "title": "x", "mandate": null, "one_vote_veto": false}]),
                "invalid_burden_kind",
            ),
            // A declared level without a document is no longer believed (issue 8).
            (
                "burdens",
                json!([{"kind": "creation", "title": "x", "mandate": "central", "one_vote_veto": false}]),
                "mandate_needs_document",
            ),
            (
                "burdens",
                json!([{"kind": "ranking", "title": "x", "measure": "speed"}]),
                "invalid_measure",
            ),
            (
                "burdens",
                json!([{"kind": "check_in", "title": "x", "purpose": "attendance"}]),
                "invalid_purpose",
            ),
            (
                "description",
                json!("说".repeat(2001)),
                "description_too_long",
            ),
            // Every free-text field has a limit and text is never cut short silently (issue 9 §4:
            // `authority` once took 20,000 characters).
            ("authority", json!("权".repeat(2001)), "text_too_long"),
            ("title", json!("入户\n调查"), "line_break_not_allowed"),
            (
                "funding",
                json!({"amount_yuan": 100, "channel": "财".repeat(201)}),
                "text_too_long",
            ),
            (
                "burdens",
                json!([{"kind": "ledger", "title": "台".repeat(201)}]),
                "text_too_long",
            ),
            (
                "burdens",
                json!([{"kind": "creation", "title": "x", "mandate_document": "文".repeat(61)}]),
                "text_too_long",
            ),
        ];
        for (field, value, code) in &cases {
            let mut body = assist_request();
            body[*field] = value.clone();
            for path in ["/api/v1/gate/evaluate", "/api/v1/assignments"] {
                let msg = expect_code(post(&s, &mz, path, &body).await, 422, code).await;
                assert!(!msg.is_empty(), "{field} {code}");
            }
        }
        // A street officer may only address communities of its own street, in its own name.
        let mut street = assist_request();
        street["department"] = json!("110115001");
        street["communities"] = json!(["110115005901"]);
        expect_code(
            post(&s, &jd, "/api/v1/gate/evaluate", &street).await,
            422,
            "unknown_community",
        )
        .await;
        street["communities"] = json!([C902]);
        let v = json_ok(post(&s, &jd, "/api/v1/gate/evaluate", &street).await, 200).await;
        assert!(v["outcome"].is_string());
        street["department"] = json!("110115-MZJ");
        expect_code(
            post(&s, &jd, "/api/v1/assignments", &street).await,
            422,
            "department_mismatch",
        )
        .await;
        // Malformed JSON gets the API's one error shape too.
        let r = reqwest::Client::new()
            .post(s.url("/api/v1/gate/evaluate"))
            .bearer_auth(&mz)
            .header("content-type", "application/json")
            .body("{\"department\": ")
            .send()
            .await
            .unwrap();
        expect_code(r, 400, "invalid_json").await;
        // Refused inputs stored nothing.
        assert_eq!(audit_count(&s).await, before);
    }
}

#[tokio::test]
async fn departments_act_and_read_only_in_their_own_name() {
    for db in backends().await {
        let s = TestServer::start(db).await;
        s.app
            .create_account_owned(
                &Actor::console(),
                &RequestMeta::console(),
                &NewAccount {
                    username: "weijian".into(),
                    display_name: "卫健委办事员".into(),
                    password: DEMO_PASSWORD.into(),
                    roles: vec!["department_clerk".into()],
                    org: "110115-WJW".into(),
                },
            )
            .await
            .unwrap();
        let mz = s.api_token("minzheng").await;
        let wj = s.api_token("weijian").await;
        // 卫健委 cannot submit in 民政局's name.
        expect_code(
            post(&s, &wj, "/api/v1/assignments", &assist_request()).await,
            422,
            "department_mismatch",
        )
        .await;
        let mine = submit(&s, &mz, &assist_request()).await;
        let id = mine["id"].as_str().unwrap();
        // …nor read 民政局's case: 404, not 403, and not in its list.
        expect_code(
            get(&s, &wj, &format!("/api/v1/assignments/{MZJ}/{id}")).await,
            404,
            "not_found",
        )
        .await;
        expect_code(
            get(&s, &wj, &format!("/api/v1/assignments/{MZJ}/{id}/explain")).await,
            404,
            "not_found",
        )
        .await;
        let list = json_ok(get(&s, &wj, "/api/v1/assignments").await, 200).await;
        assert!(list.as_array().unwrap().is_empty());
        let f = json_ok(get(&s, &wj, "/api/v1/funding").await, 200).await;
        assert_eq!(f["total_fen"], 0);
        // …nor withdraw it.
        expect_code(
            post(
                &s,
                &wj,
                &format!("/api/v1/assignments/{MZJ}/{id}/withdraw"),
                &json!({}),
            )
            .await,
            404,
            "not_found",
        )
        .await;
        // The owner reads it, the approver and the supervisor too.
        for who in [
            &mz,
            &s.api_token("shenpi").await,
            &s.api_token("ducha").await,
        ] {
            let v = json_ok(
                get(&s, who, &format!("/api/v1/assignments/{MZJ}/{id}")).await,
                200,
            )
            .await;
            assert_eq!(v["id"], id);
        }
        // The street sees cases addressed to its communities; another street does not exist here.
        let jd = s.api_token("jiedao").await;
        json_ok(
            get(&s, &jd, &format!("/api/v1/assignments/{MZJ}/{id}")).await,
            200,
        )
        .await;
    }
}

/// A case's address carries its department (the distribution column) and its id. Another
/// department in the address is the same 404 as a missing case, for everyone — also for the
/// district roles that may read every case. Notices link to the new address; the old page address
/// (`/assignments/{id}`, in notices stored before) redirects to it for those who may read the case.
#[tokio::test]
async fn case_addresses_carry_the_department() {
    for db in backends().await {
        let s = TestServer::start(db).await;
        let mz = s.api_token("minzheng").await;
        let sp = s.api_token("shenpi").await;
        let p = submit(&s, &mz, &off_list_request()).await;
        assert_eq!(p["department"], MZJ);
        let id = p["id"].as_str().unwrap().to_string();
        let wrong = "110115-WJW";

        // API: the right department answers, another one is 404 on every case path.
        json_ok(
            get(&s, &sp, &format!("/api/v1/assignments/{MZJ}/{id}")).await,
            200,
        )
        .await;
        for who in [&mz, &sp] {
            for path in [
                format!("/api/v1/assignments/{wrong}/{id}"),
                format!("/api/v1/assignments/{wrong}/{id}/explain"),
                format!("/api/v1/assignments/nonsense/{id}"),
            ] {
                expect_code(get(&s, who, &path).await, 404, "not_found").await;
            }
        }
        for (who, action, body) in [
            (&sp, "approve", json!({})),
            (&sp, "refuse", json!({"comment": "不需要"})),
            (&sp, "revoke", json!({"reason": "不需要"})),
            (&mz, "withdraw", json!({})),
            (
                &s.api_token("jiedao").await,
                "review",
                json!({"agree": true}),
            ),
        ] {
            expect_code(
                post(
                    &s,
                    who,
                    &format!("/api/v1/assignments/{wrong}/{id}/{action}"),
                    &body,
                )
                .await,
                404,
                "not_found",
            )
            .await;
        }
        // The old API address is gone.
        let r = get(&s, &sp, &format!("/api/v1/assignments/{id}")).await;
        assert_eq!(r.status(), 404);
        // Nothing above changed the case.
        let case = json_ok(
            get(&s, &mz, &format!("/api/v1/assignments/{MZJ}/{id}")).await,
            200,
        )
        .await;
        assert_eq!(case["status"], "pending_approval");
        assert_eq!(audit_actions(&s, &id).await, ["assignment.submit"]);

        // The notice of the approval links to the new address.
        json_ok(
            post(
                &s,
                &sp,
                &format!("/api/v1/assignments/{MZJ}/{id}/approve"),
                &json!({}),
            )
            .await,
            200,
        )
        .await;
        let told = notices(&s, &mz).await;
        let n = told
            .iter()
            .find(|n| n["title"] == "准入申请已批准")
            .expect("the department is told");
        assert_eq!(n["link"], format!("/assignments/{MZJ}/{id}"));

        // Pages: the new address, another department (404), the old address (redirect).
        let web = s.web_login("minzheng").await;
        let r = web
            .get(s.url(&format!("/assignments/{MZJ}/{id}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let r = web
            .get(s.url(&format!("/assignments/{wrong}/{id}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404);
        let r = web
            .get(s.url(&format!("/assignments/{id}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(
            r.headers()["location"].to_str().unwrap(),
            format!("/assignments/{MZJ}/{id}")
        );
        // The old address reveals nothing about a case the viewer may not read, nor a missing one.
        s.app
            .create_account_owned(
                &Actor::console(),
                &RequestMeta::console(),
                &NewAccount {
                    username: "weijian".into(),
                    display_name: "卫健委办事员".into(),
                    password: DEMO_PASSWORD.into(),
                    roles: vec!["department_clerk".into()],
                    org: wrong.into(),
                },
            )
            .await
            .unwrap();
        let wj = s.web_login("weijian").await;
        for path in [
            format!("/assignments/{id}"),
            format!("/assignments/{MZJ}/{id}"),
            format!("/assignments/{wrong}/{id}"),
            "/assignments/0190d3c2-0000-7000-8000-000000000000".to_string(),
        ] {
            let r = wj.get(s.url(&path)).send().await.unwrap();
            assert_eq!(r.status(), 404, "{path}");
        }
        // A page form posted with another department: 404, nothing written.
        let sp_web = s.web_login("shenpi").await;
        let html = sp_web
            .get(s.url(&format!("/assignments/{MZJ}/{id}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            html.contains(&format!("action=\"/assignments/{MZJ}/{id}/revoke\"")),
            "the revoke form posts to the new address"
        );
        // The lists and the ledger (work in force) link to the new address.
        for path in ["/assignments", "/funding"] {
            let html = sp_web
                .get(s.url(path))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            assert!(
                html.contains(&format!("href=\"/assignments/{MZJ}/{id}\"")),
                "{path}: {html}"
            );
        }
        let csrf = hidden_field(&html, "csrf").unwrap();
        let r = sp_web
            .post(s.url(&format!("/assignments/{wrong}/{id}/revoke")))
            .form(&[("csrf", csrf.as_str()), ("reason", "重复下派")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404);
        let r = sp_web
            .post(s.url(&format!("/assignments/{MZJ}/{id}/revoke")))
            .form(&[("csrf", csrf.as_str()), ("reason", "重复下派")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "a revocation asks first");
        let ask = r.text().await.unwrap();
        assert!(ask.contains("确认撤销准入？"), "{ask}");
        assert!(ask.contains(&format!("action=\"/assignments/{MZJ}/{id}/revoke\"")));
        let r = sp_web
            .post(s.url(&format!("/assignments/{MZJ}/{id}/revoke")))
            .form(&[
                ("csrf", csrf.as_str()),
                ("reason", "重复下派"),
                ("confirmed", "yes"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let back = r.headers()["location"].to_str().unwrap().to_string();
        assert_eq!(back, format!("/assignments/{MZJ}/{id}?done=revoke"));
        // The page says what happened and who was told, not just "已办理。" (issue 10 §3).
        let html = sp_web
            .get(s.url(&back))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            html.contains("准入已撤销，已通知区民政局和各目标社区"),
            "{html}"
        );
    }
}

#[tokio::test]
async fn admitted_work_gets_an_access_number_and_funding_rows() {
    for db in backends().await {
        let s = TestServer::start(db).await;
        let mz = s.api_token("minzheng").await;
        let duty = submit(&s, &mz, &duty_request()).await;
        assert_eq!(duty["status"], "admitted");
        assert_eq!(duty["outcome"], "admitted");
        assert_eq!(duty["access_number"], "ZR2026-00001");

        let mut two = assist_request();
        two["communities"] = json!([C901, C902]);
        two["funding"] = json!({"amount_yuan": "1200.50", "channel": "区财政专项"});
        let a = submit(&s, &mz, &two).await;
        assert_eq!(a["status"], "admitted");
        assert_eq!(a["access_number"], "ZR2026-00002");
        let id = a["id"].as_str().unwrap();

        let case = json_ok(
            get(&s, &mz, &format!("/api/v1/assignments/{MZJ}/{id}")).await,
            200,
        )
        .await;
        assert_eq!(case["valid_from"], "2026-12-01");
        assert_eq!(case["valid_to"], "2026-12-31");
        assert_eq!(case["catalog_version"], "daxing-demo-2026.2");
        let funding = case["funding"].as_array().unwrap();
        assert_eq!(funding.len(), 2);
        assert!(funding.iter().all(|f| f["amount_fen"] == 120_050));
        let events: Vec<&str> = case["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(events, ["submit", "gate"]);

        // The ledger: per community, per department, per year, with totals.
        let ledger = json_ok(
            get(&s, &s.api_token("shenpi").await, "/api/v1/funding").await,
            200,
        )
        .await;
        assert_eq!(ledger["total_fen"], 240_100);
        assert_eq!(ledger["total_yuan"], "2401.00");
        assert_eq!(ledger["by_community"].as_array().unwrap().len(), 2);
        assert_eq!(ledger["by_department"][0]["key"], "110115-MZJ");
        assert_eq!(ledger["by_year"][0]["label"], "2026年");
        // A community sees only its own row.
        let sg2 = json_ok(
            get(&s, &s.api_token("shegong2").await, "/api/v1/funding").await,
            200,
        )
        .await;
        assert_eq!(sg2["total_fen"], 120_050);
        assert_eq!(sg2["lines"][0]["community_code"], C902);

        // Explain re-runs the gate against the recorded version.
        let ex = json_ok(
            get(&s, &mz, &format!("/api/v1/assignments/{MZJ}/{id}/explain")).await,
            200,
        )
        .await;
        assert_eq!(ex["outcome"], "admitted");
        assert_eq!(ex["catalog_version"], "daxing-demo-2026.2");

        // "all": every community the department may address.
        let mut all = duty_request();
        all["communities"] = json!("all");
        let v = submit(&s, &mz, &all).await;
        let case = json_ok(
            get(
                &s,
                &mz,
                &format!("/api/v1/assignments/{MZJ}/{}", v["id"].as_str().unwrap()),
            )
            .await,
            200,
        )
        .await;
        assert_eq!(case["all_communities"], true);
        assert!(case["communities"].as_array().unwrap().len() > 10);
        assert_eq!(audit_actions(&s, id).await, ["assignment.submit"]);
    }
}

#[tokio::test]
async fn approval_with_deadline_review_approve_refuse_withdraw_revoke() {
    for db in backends().await {
        let s = TestServer::start(db).await;
        let mz = s.api_token("minzheng").await;
        let sp = s.api_token("shenpi").await;
        let jd = s.api_token("jiedao").await;
        let sg = s.api_token("shegong").await;

        // Submitted on Saturday 2026-11-28: 15 working days → Friday 2026-12-18, end of day.
        let p = submit(&s, &mz, &off_list_request()).await;
        assert_eq!(p["status"], "pending_approval");
        assert_eq!(p["outcome"], "needs_approval");
        assert!(p.get("access_number").is_none());
        let deadline = time::macros::datetime!(2026-12-19 00:00 +8);
        assert_eq!(
            p["deadline_at"].as_i64().unwrap(),
            jianfu_domain::clock::to_millis(deadline)
        );
        let id = p["id"].as_str().unwrap().to_string();
        let path = |a: &str| format!("/api/v1/assignments/{MZJ}/{id}/{a}");

        // Not in force yet: the community does not see it; nobody but the approver approves.
        expect_code(
            get(&s, &sg, &format!("/api/v1/assignments/{MZJ}/{id}")).await,
            404,
            "not_found",
        )
        .await;
        expect_code(
            post(&s, &mz, &path("approve"), &json!({})).await,
            403,
            "forbidden",
        )
        .await;
        expect_code(
            post(&s, &jd, &path("approve"), &json!({})).await,
            403,
            "forbidden",
        )
        .await;

        // Street pre-review: disagreement needs a comment; once only.
        expect_code(
            post(&s, &jd, &path("review"), &json!({"agree": false})).await,
            422,
            "comment_required",
        )
        .await;
        let v = json_ok(
            post(
                &s,
                &jd,
                &path("review"),
                &json!({"agree": true, "comment": "街道同意"}),
            )
            .await,
            200,
        )
        .await;
        assert_eq!(v["review_outcome"], "agree");
        assert_eq!(v["status"], "pending_approval");
        expect_code(
            post(&s, &jd, &path("review"), &json!({"agree": true})).await,
            422,
            "already_reviewed",
        )
        .await;

        // Approve: access number, validity, funding for both communities, the department told.
        let v = json_ok(
            post(
                &s,
                &sp,
                &path("approve"),
                &json!({"comment": "同意，按期落实经费"}),
            )
            .await,
            200,
        )
        .await;
        assert_eq!(v["status"], "approved");
        assert_eq!(v["access_number"], "ZR2026-00001");
        assert_eq!(v["valid_to"], "2027-02-28");
        assert_eq!(v["funding"].as_array().unwrap().len(), 2);
        assert!(
            v["funding"]
                .as_array()
                .unwrap()
                .iter()
                .all(|f| f["amount_fen"] == 80_050)
        );
        assert!(
            notices(&s, &mz)
                .await
                .iter()
                .any(|n| n["title"] == "准入申请已批准")
        );
        // Now the community sees it.
        json_ok(
            get(&s, &sg, &format!("/api/v1/assignments/{MZJ}/{id}")).await,
            200,
        )
        .await;
        // The state machine: approved work cannot be approved again or withdrawn.
        expect_code(
            post(&s, &sp, &path("approve"), &json!({})).await,
            422,
            "invalid_transition",
        )
        .await;
        expect_code(
            post(&s, &mz, &path("withdraw"), &json!({})).await,
            422,
            "invalid_transition",
        )
        .await;
        // Revoke needs a reason; then the community no longer sees the work.
        expect_code(
            post(&s, &sp, &path("revoke"), &json!({})).await,
            422,
            "reason_required",
        )
        .await;
        let v = json_ok(
            post(
                &s,
                &s.api_token("ducha").await,
                &path("revoke"),
                &json!({"reason": "经督查确认不再需要"}),
            )
            .await,
            200,
        )
        .await;
        assert_eq!(v["status"], "revoked");
        expect_code(
            get(&s, &sg, &format!("/api/v1/assignments/{MZJ}/{id}")).await,
            404,
            "not_found",
        )
        .await;
        let actions: Vec<String> = v["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(actions, ["submit", "gate", "review", "approve", "revoke"]);
        let mut audited = audit_actions(&s, &id).await;
        audited.sort();
        assert_eq!(
            audited,
            [
                "assignment.approve",
                "assignment.review",
                "assignment.revoke",
                "assignment.submit"
            ]
        );

        // Refuse: a comment is required; the department sees the reasons and is told.
        let r = submit(&s, &mz, &off_list_request()).await;
        let rid = r["id"].as_str().unwrap().to_string();
        expect_code(
            post(
                &s,
                &sp,
                &format!("/api/v1/assignments/{MZJ}/{rid}/refuse"),
                &json!({"comment": " "}),
            )
            .await,
            422,
            "comment_required",
        )
        .await;
        json_ok(
            post(
                &s,
                &sp,
                &format!("/api/v1/assignments/{MZJ}/{rid}/refuse"),
                &json!({"comment": "可通过政府购买服务解决"}),
            )
            .await,
            200,
        )
        .await;
        let seen = json_ok(
            get(&s, &mz, &format!("/api/v1/assignments/{MZJ}/{rid}")).await,
            200,
        )
        .await;
        assert_eq!(seen["status"], "refused");
        assert!(seen["access_number"].is_null());
        assert!(
            seen["events"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["comment"] == "可通过政府购买服务解决")
        );
        assert!(
            notices(&s, &mz)
                .await
                .iter()
                .any(|n| n["title"] == "准入申请未获批准"
                    && n["body"].as_str().unwrap().contains("政府购买服务"))
        );
        assert!(
            audit_actions(&s, &rid)
                .await
                .contains(&"assignment.refuse".to_string())
        );

        // Withdraw, then approving the withdrawn case is refused by the state machine.
        let w = submit(&s, &mz, &off_list_request()).await;
        let wid = w["id"].as_str().unwrap().to_string();
        let v = json_ok(
            post(
                &s,
                &mz,
                &format!("/api/v1/assignments/{MZJ}/{wid}/withdraw"),
                &json!({"comment": "重新研究"}),
            )
            .await,
            200,
        )
        .await;
        assert_eq!(v["status"], "withdrawn");
        expect_code(
            post(
                &s,
                &sp,
                &format!("/api/v1/assignments/{MZJ}/{wid}/approve"),
                &json!({}),
            )
            .await,
            422,
            "invalid_transition",
        )
        .await;
        assert!(
            audit_actions(&s, &wid)
                .await
                .contains(&"assignment.withdraw".to_string())
        );

        // A refused submission is kept, so the department sees why.
        let mut bad = assist_request();
        bad["title"] = json!("协助开展招商引资");
        let b = submit(&s, &mz, &bad).await;
        assert_eq!(b["status"], "refused");
        let seen = json_ok(
            get(
                &s,
                &mz,
                &format!("/api/v1/assignments/{MZJ}/{}", b["id"].as_str().unwrap()),
            )
            .await,
            200,
        )
        .await;
        assert!(
            seen["decision"]["reasons"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["rule"] == "negative_terms")
        );
    }
}

#[tokio::test]
async fn missed_deadlines_are_escalated_exactly_once() {
    for db in backends().await {
        let s = TestServer::start(db).await;
        let mz = s.api_token("minzheng").await;
        let p = submit(&s, &mz, &off_list_request()).await;
        let id = p["id"].as_str().unwrap().to_string();
        let meta = RequestMeta::console();
        // Issue 10 §1: the approvers hear of the case as soon as it waits for them (not the
        // supervisor, who is told only if the deadline is missed).
        let requested = |list: Vec<Value>| {
            list.into_iter()
                .filter(|n| n["kind"] == "assignment.approval_requested")
                .collect::<Vec<_>>()
        };
        let asked = requested(notices(&s, &s.api_token("shenpi").await).await);
        assert_eq!(asked.len(), 1, "{asked:?}");
        assert_eq!(asked[0]["link"], format!("/assignments/{MZJ}/{id}"));
        assert!(
            asked[0]["body"].as_str().unwrap().contains("2026-12-18"),
            "names the deadline: {}",
            asked[0]["body"]
        );
        assert!(requested(notices(&s, &s.api_token("ducha").await).await).is_empty());
        assert!(requested(notices(&s, &mz).await).is_empty());
        // Before the deadline: nothing.
        s.clock.advance(time::Duration::days(20));
        assert_eq!(s.app.escalate_overdue(&meta).await.unwrap(), 0);
        // After the end of 2026-12-18 (Beijing): once.
        s.clock.advance(time::Duration::days(2));
        assert_eq!(s.app.escalate_overdue(&meta).await.unwrap(), 1);
        assert_eq!(s.app.escalate_overdue(&meta).await.unwrap(), 0);
        // Sessions expired while the clock moved: log in again.
        let mz = s.api_token("minzheng").await;
        let overdue = |list: Vec<Value>| {
            list.into_iter()
                .filter(|n| n["kind"] == "assignment.overdue")
                .count()
        };
        assert_eq!(overdue(notices(&s, &s.api_token("ducha").await).await), 1);
        let ducha_told = notices(&s, &s.api_token("ducha").await).await;
        let n = ducha_told
            .iter()
            .find(|n| n["kind"] == "assignment.overdue")
            .unwrap();
        assert_eq!(n["link"], format!("/assignments/{MZJ}/{id}"));
        assert_eq!(overdue(notices(&s, &s.api_token("shenpi").await).await), 1);
        // Not the department, and not an unrelated role at the district.
        assert_eq!(overdue(notices(&s, &mz).await), 0);
        assert_eq!(
            overdue(notices(&s, &s.api_token("auditadmin").await).await),
            0
        );
        let v = json_ok(
            get(&s, &mz, &format!("/api/v1/assignments/{MZJ}/{id}")).await,
            200,
        )
        .await;
        assert!(v["escalated_at"].is_i64());
        assert!(
            audit_actions(&s, &id)
                .await
                .contains(&"assignment.escalate".to_string())
        );
        // Issue 10 §1: the notice asked for a decision; once approved it says it is handled,
        // for the supervisor and the approver alike.
        let overdue_notice = |list: Vec<Value>| {
            list.into_iter()
                .find(|n| n["kind"] == "assignment.overdue")
                .unwrap()
        };
        let sp = s.api_token("shenpi").await;
        let before = overdue_notice(notices(&s, &sp).await);
        assert_eq!(before["handled"], false, "{before}");
        assert!(before["handled_note"].is_null());
        json_ok(
            post(
                &s,
                &sp,
                &format!("/api/v1/assignments/{MZJ}/{id}/approve"),
                &json!({}),
            )
            .await,
            200,
        )
        .await;
        for who in ["ducha", "shenpi"] {
            let after = overdue_notice(notices(&s, &s.api_token(who).await).await);
            assert_eq!(after["handled"], true, "{who}: {after}");
            assert_eq!(after["handled_note"], "已办理（现为：已批准准入）", "{who}");
        }
        let asked = requested(notices(&s, &s.api_token("shenpi").await).await);
        assert_eq!(asked[0]["handled"], true, "{asked:?}");
        // Approved cases are never escalated.
        let q = submit(&s, &mz, &off_list_request()).await;
        let sp = s.api_token("shenpi").await;
        json_ok(
            post(
                &s,
                &sp,
                &format!(
                    "/api/v1/assignments/{MZJ}/{}/approve",
                    q["id"].as_str().unwrap()
                ),
                &json!({}),
            )
            .await,
            200,
        )
        .await;
        s.clock.advance(time::Duration::days(40));
        let _ = &mz;
        assert_eq!(s.app.escalate_overdue(&meta).await.unwrap(), 0);
    }
}

#[tokio::test]
async fn a_community_sees_exactly_the_work_admitted_for_it() {
    for db in backends().await {
        let s = TestServer::start(db).await;
        let mz = s.api_token("minzheng").await;
        let mine = submit(&s, &mz, &assist_request()).await;
        let mut other = assist_request();
        other["communities"] = json!([C902]);
        other["title"] = json!("协助做好低保家庭年度复核");
        let theirs = submit(&s, &mz, &other).await;
        let pending = submit(&s, &mz, &off_list_request()).await;
        let mut bad = assist_request();
        bad["funding"] = Value::Null;
        let refused = submit(&s, &mz, &bad).await;
        assert_eq!(refused["status"], "refused");

        let sg = s.api_token("shegong").await;
        let list = json_ok(get(&s, &sg, "/api/v1/assignments").await, 200).await;
        let ids: Vec<&str> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, [mine["id"].as_str().unwrap()]);
        assert_eq!(list[0]["access_number"], mine["access_number"]);
        assert_eq!(list[0]["authority"], "入户核查、组织动员、宣传告知");
        assert_eq!(list[0]["funding_fen"], 120_000);
        for hidden in [&theirs, &pending, &refused] {
            expect_code(
                get(
                    &s,
                    &sg,
                    &format!(
                        "/api/v1/assignments/{MZJ}/{}",
                        hidden["id"].as_str().unwrap()
                    ),
                )
                .await,
                404,
                "not_found",
            )
            .await;
        }
        let sg2 = s.api_token("shegong2").await;
        let list = json_ok(get(&s, &sg2, "/api/v1/assignments").await, 200).await;
        assert_eq!(list.as_array().unwrap().len(), 1);
        assert_eq!(list[0]["id"], theirs["id"]);
        // Residents do not read the work lists.
        expect_code(
            get(&s, &s.api_token("jumin").await, "/api/v1/assignments").await,
            403,
            "forbidden",
        )
        .await;
    }
}

fn bare_case(id: &str, status: &str) -> AssignmentRow {
    AssignmentRow {
        department_code: "110115-MZJ".into(),
        id: id.into(),
        title: "协助做好社会救助工作".into(),
        item_code: Some("A12".into()),
        community_role: "assist".into(),
        status: status.into(),
        outcome: "needs_approval".into(),
        catalog_version: "daxing-demo-2026.2".into(),
        request_json: serde_json::json!({
            "department": "110115-MZJ", "item_code": "A12", "title": "协助做好社会救助工作",
            "legal_basis": [], "community_role": "assist", "authority": "入户",
            "funding": null, "burdens": []
        })
        .to_string(),
        decision_json: serde_json::json!({
            "outcome": "needs_approval", "catalog_version": "daxing-demo-2026.2",
            "reasons": [], "required_changes": []
        })
        .to_string(),
        all_communities: false,
        requires_funding: true,
        period_from: "2026-12-01".into(),
        period_to: "2026-12-31".into(),
        access_number: None,
        valid_from: None,
        valid_to: None,
        deadline_at: None,
        escalated_at: None,
        review_outcome: None,
        review_comment: None,
        submitted_by: "minzheng".into(),
        submitted_at: 0,
        list_candidate: false,
        updated_at: 0,
    }
}

fn target(id: &str, c: &str) -> AssignmentTarget {
    AssignmentTarget {
        community_code: c.into(),
        assignment_id: id.into(),
        street_code: "110115001".into(),
    }
}

fn ev(id: &str, to: &str) -> AssignmentEvent {
    AssignmentEvent {
        assignment_id: id.into(),
        id: uuid::Uuid::now_v7().to_string(),
        at: 1,
        actor: "test".into(),
        actor_name: "测试".into(),
        actor_org: None,
        action: "test".into(),
        from_status: None,
        to_status: to.into(),
        comment: String::new(),
    }
}

#[tokio::test]
async fn assist_work_without_funding_can_never_be_in_force() {
    for db in backends().await {
        let s = TestServer::start(db).await;
        let mz = s.api_token("minzheng").await;
        let actor = Actor::console();
        let meta = RequestMeta::console();

        // 1. The gate: assist work without funding (or with a zero amount) is refused.
        for funding in [Value::Null, json!({"amount_yuan": 0, "channel": "区财政"})] {
            let mut body = assist_request();
            body["funding"] = funding;
            let v = submit(&s, &mz, &body).await;
            assert_eq!(v["status"], "refused");
            assert!(v.get("access_number").is_none());
        }

        // 2. Storage: a case that requires funding cannot be admitted without a row for every
        //    community — neither at insertion nor by a later change.
        let store = &s.app.store;
        let adm = |funding| Admission {
            year: 2026,
            valid_from: "2026-12-01".into(),
            valid_to: "2026-12-31".into(),
            funding,
        };
        let id1 = uuid::Uuid::now_v7().to_string();
        let w = store
            .insert_assignment(
                &bare_case(&id1, "admitted"),
                &[target(&id1, C901)],
                &[ev(&id1, "admitted")],
                Some(&adm(vec![])),
                &jianfu_store::Told::default(),
                s.app
                    .audit(&actor, &meta, "test.insert", format!("assignment:{id1}")),
            )
            .await
            .unwrap();
        assert_eq!(
            w,
            CaseWrite::FundingMissing {
                communities: vec![C901.into()]
            }
        );
        assert!(
            store.assignment(MZJ, &id1).await.unwrap().is_none(),
            "rolled back"
        );

        let id2 = uuid::Uuid::now_v7().to_string();
        let w = store
            .insert_assignment(
                &bare_case(&id2, "pending_approval"),
                &[target(&id2, C901), target(&id2, C902)],
                &[ev(&id2, "pending_approval")],
                None,
                &jianfu_store::Told::default(),
                s.app
                    .audit(&actor, &meta, "test.insert", format!("assignment:{id2}")),
            )
            .await
            .unwrap();
        assert_eq!(
            w,
            CaseWrite::Done {
                access_number: None
            }
        );
        let one_row = vec![jianfu_store::FundingRow {
            community_code: C901.into(),
            assignment_id: id2.clone(),
            department_code: "110115-MZJ".into(),
            amount_fen: 100,
            channel: "区财政".into(),
            period_from: "2026-12-01".into(),
            period_to: "2026-12-31".into(),
            created_at: 1,
        }];
        let w = store
            .change_assignment(
                &CaseChange {
                    department_code: MZJ.into(),
                    id: id2.clone(),
                    from_status: "pending_approval".into(),
                    to_status: "approved".into(),
                    at: 2,
                    review: None,
                    admission: Some(adm(one_row)),
                    list_candidate: None,
                },
                &ev(&id2, "approved"),
                s.app
                    .audit(&actor, &meta, "test.approve", format!("assignment:{id2}")),
            )
            .await
            .unwrap();
        assert_eq!(
            w,
            CaseWrite::FundingMissing {
                communities: vec![C902.into()]
            }
        );
        let row = store.assignment(MZJ, &id2).await.unwrap().unwrap();
        assert_eq!(row.status, "pending_approval");
        assert!(row.access_number.is_none());
        assert!(store.assignment_funding(&id2).await.unwrap().is_empty());

        // 3. The service: the approver cannot approve it either.
        let sp = s.api_token("shenpi").await;
        let msg = expect_code(
            post(
                &s,
                &sp,
                &format!("/api/v1/assignments/{MZJ}/{id2}/approve"),
                &json!({}),
            )
            .await,
            422,
            "funding_missing",
        )
        .await;
        assert!(msg.contains("费随事转"), "{msg}");
        let ledger = json_ok(get(&s, &sp, "/api/v1/funding").await, 200).await;
        assert_eq!(ledger["total_fen"], 0);
    }
}

#[tokio::test]
async fn pages_list_check_submit_and_act() {
    let s = TestServer::sqlite().await;
    let c = s.web_login("minzheng").await;
    let page = c
        .get(s.url("/assignments/new"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("检查是否可以准入"), "{page}");
    let csrf = hidden_field(&page, "csrf").unwrap();
    let form = |action: &str, amount: &str| {
        vec![
            ("csrf", csrf.clone()),
            ("action", action.to_string()),
            ("item_code", "A12".to_string()),
            ("title", "协助做好社会救助对象入户核查".to_string()),
            ("legal_basis", "《社会救助暂行办法》第十一条".to_string()),
            ("community_role", "assist".to_string()),
            ("community", C901.to_string()),
            ("period_from", "2026-12-01".to_string()),
            ("period_to", "2026-12-31".to_string()),
            ("amount_yuan", amount.to_string()),
            ("channel", "区财政专项".to_string()),
            ("authority", "入户核查、宣传告知".to_string()),
            ("burden_kind", "ledger".to_string()),
            ("burden_title", "救助对象台账".to_string()),
            ("burden_mandate", "".to_string()),
            ("burden_veto", "no".to_string()),
        ]
    };
    // Dry run: the decision is shown and everything typed is kept; nothing stored.
    let r = c
        .post(s.url("/assignments/new"))
        .form(&form("check", "1200"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("不予准入"), "{html}");
    assert!(html.contains("救助对象台账"));
    assert!(html.contains("入户核查、宣传告知"));
    assert!(html.contains("三(二)"));
    // A bad amount: 422, a Chinese message, and the typed text kept.
    let r = c
        .post(s.url("/assignments/new"))
        .form(&form("check", "-3"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("经费金额不能为负数"));
    assert!(html.contains("协助做好社会救助对象入户核查"));
    assert!(html.contains("value=\"-3\""));
    // Without the ledger: submit → redirected to the case page with its access number.
    let mut ok = form("submit", "1200");
    ok.retain(|(k, _)| !k.starts_with("burden_"));
    let r = c
        .post(s.url("/assignments/new"))
        .form(&ok)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    let html = c
        .get(s.url(&loc))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("ZR2026-00001"), "{html}");
    assert!(html.contains("已准入"));
    // The community worker's page: 本社区准入事项 with the report link.
    let w = s.web_login("shegong").await;
    let html = w
        .get(s.url("/assignments"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("本社区准入事项"));
    assert!(html.contains("ZR2026-00001"));
    assert!(html.contains("/violations/new"));
    let html = w
        .get(s.url("/funding"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("1200.00"), "{html}");
    // A POST without the CSRF token is refused. The case's address: department, then id.
    assert!(loc.starts_with(&format!("/assignments/{MZJ}/")), "{loc}");
    let case = loc
        .trim_start_matches("/assignments/")
        .split('?')
        .next()
        .unwrap();
    let sp = s.web_login("shenpi").await;
    let r = sp
        .post(s.url(&format!("/assignments/{case}/revoke")))
        .form(&[("reason", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // Revoke through the page with a missing reason: 422, Chinese, then with a reason.
    let page = sp
        .get(s.url(&loc))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf2 = hidden_field(&page, "csrf").unwrap();
    let r = sp
        .post(s.url(&format!("/assignments/{case}/revoke")))
        .form(&[("csrf", csrf2.as_str()), ("reason", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        422,
        "a missing reason is said before any confirmation"
    );
    assert!(r.text().await.unwrap().contains("撤销时请写明理由"));
    // 返回修改 from the confirmation: the case page with the reason still typed, nothing done.
    let r = sp
        .post(s.url(&format!("/assignments/{case}/revoke")))
        .form(&[
            ("csrf", csrf2.as_str()),
            ("reason", "重复下派"),
            ("confirmed", "no"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let back = r.text().await.unwrap();
    assert!(back.contains(">重复下派</textarea>"), "{back}");
    assert!(back.contains("已准入"), "nothing revoked yet");
    let r = sp
        .post(s.url(&format!("/assignments/{case}/revoke")))
        .form(&[
            ("csrf", csrf2.as_str()),
            ("reason", "重复下派"),
            ("confirmed", "yes"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let html = sp
        .get(s.url(&loc))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("已撤销") && html.contains("重复下派"));
}

/// Work in force leaves force the day after its period ends: admitted → expired, audited, once,
/// and the community no longer sees it.
#[tokio::test]
async fn work_expires_when_its_period_ends() {
    for db in backends().await {
        let s = TestServer::start(db).await;
        let mz = s.api_token("minzheng").await;
        let admitted = submit(&s, &mz, &assist_request()).await; // period ends 2026-12-31
        assert_eq!(admitted["status"], "admitted");
        let id = admitted["id"].as_str().unwrap().to_string();
        let meta = RequestMeta::console();
        // The clock starts on 2026-11-28 (Beijing): nothing has lapsed yet.
        assert_eq!(s.app.expire_lapsed(&meta).await.unwrap(), 0);
        // 2026-12-31 is still inside the period.
        s.clock.advance(time::Duration::days(33));
        assert_eq!(s.app.expire_lapsed(&meta).await.unwrap(), 0);
        // 2027-01-01: lapsed.
        s.clock.advance(time::Duration::days(1));
        assert_eq!(s.app.expire_lapsed(&meta).await.unwrap(), 1);
        assert_eq!(s.app.expire_lapsed(&meta).await.unwrap(), 0, "only once");
        // Tokens are re-checked against the clock: log in again after the jump.
        let mz = s.api_token("minzheng").await;
        let case = json_ok(
            get(&s, &mz, &format!("/api/v1/assignments/{MZJ}/{id}")).await,
            200,
        )
        .await;
        assert_eq!(case["status"], "expired", "{case}");
        assert!(
            audit_actions(&s, &id)
                .await
                .contains(&"assignment.expire".to_string())
        );
        let sg = s.api_token("shegong").await;
        let list = json_ok(get(&s, &sg, "/api/v1/assignments").await, 200).await;
        assert!(list.as_array().unwrap().is_empty(), "{list}");
    }
}
