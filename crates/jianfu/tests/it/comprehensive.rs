//! 社区工作综合考评 end to end (issue 11 §3), on SQLite and (when reachable) PostgreSQL: the
//! district sets up the year — resident satisfaction never under 50%, weights summing to 100, no
//! 一票否决 — streets nominate their own communities with a self-report, the district scores in
//! the scoring window with satisfaction taken from the closed survey (flagged where too few
//! answered), results are published only when everyone is scored and scoring has closed, then
//! public, exported and printed; every step audited.

use crate::helpers::{TestDb, TestServer, api_get, api_post, backends, expect_code, json_ok};
use crate::surveys::codes_in;
use serde_json::{Value, json};

const SANHE: &str = "110115001901";
const XINGZHENG: &str = "110115001902";
const OTHER_STREET: &str = "110115002901";

fn cycle(weight: u32, criteria: Value) -> Value {
    json!({"year": 2026, "nominations_close": "2026-12-01", "scoring_close": "2026-12-10",
           "satisfaction_weight": weight, "criteria": criteria})
}

/// A closed-by-December survey with `n` answers from SANHE and 5 from XINGZHENG.
async fn survey_with_answers(s: &TestServer, shenpi: &str, jiedao: &str, n: usize) -> String {
    let draft = json_ok(
        api_post(s, shenpi, "/api/v1/surveys", &json!({})).await,
        201,
    )
    .await;
    let id = draft["id"].as_str().unwrap().to_string();
    json_ok(
        api_post(s, shenpi, &format!("/api/v1/surveys/{id}/publish"),
            &json!({"revision": draft["revision"], "opens_on": "2026-11-28", "closes_on": "2026-11-30"})).await,
        200,
    )
    .await;
    for (community, count) in [(SANHE, n), (XINGZHENG, 5)] {
        let pdf = api_post(
            s,
            jiedao,
            &format!("/api/v1/surveys/{id}/codes"),
            &json!({"community": community, "count": count}),
        )
        .await;
        assert_eq!(pdf.status(), 200);
        for (i, code) in codes_in(&pdf.bytes().await.unwrap()).iter().enumerate() {
            let rating = ["5", "4", "4", "3"][i % 4];
            let r = reqwest::Client::new()
                .post(s.url(&format!("/api/v1/public/surveys/{id}/{community}")))
                .json(&json!({"code": code, "nonce": format!("{i}"), "answers": {"q1": ["1"], "q3": [rating], "q4": [rating], "q5": ["4"]}}))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 201);
        }
    }
    id
}

async fn run_flow(db: TestDb) {
    let label = db.label;
    let s = TestServer::start(db).await;
    let shenpi = s.api_token("shenpi").await;
    let jiedao = s.api_token("jiedao").await;
    let shegong = s.api_token("shegong").await;
    let survey = survey_with_answers(&s, &shenpi, &jiedao, 32).await;

    let two = json!([{"name": "和谐社区建设", "weight": 25}, {"name": "便民服务", "weight": 15}]);
    let m = expect_code(
        api_post(
            &s,
            &shenpi,
            "/api/v1/comprehensive",
            &cycle(49, json!([{"name": "和谐社区建设", "weight": 51}])),
        )
        .await,
        422,
        "satisfaction_weight_too_low",
    )
    .await;
    assert!(m.contains("50%"), "{m}");
    expect_code(
        api_post(
            &s,
            &shenpi,
            "/api/v1/comprehensive",
            &cycle(60, json!([{"name": "和谐社区建设", "weight": 30}])),
        )
        .await,
        422,
        "weights_do_not_sum_to_100",
    )
    .await;
    expect_code(
        api_post(
            &s,
            &shenpi,
            "/api/v1/comprehensive",
            &cycle(60, json!([{"name": "信访一票否决", "weight": 40}])),
        )
        .await,
        422,
        "one_vote_veto",
    )
    .await;
    expect_code(
        api_post(
            &s,
            &jiedao,
            "/api/v1/comprehensive",
            &cycle(60, two.clone()),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    let mut past = cycle(60, two.clone());
    past["nominations_close"] = json!("2026-11-27");
    expect_code(
        api_post(&s, &shenpi, "/api/v1/comprehensive", &past).await,
        422,
        "nominations_close_past",
    )
    .await;
    let mut body = cycle(60, two.clone());
    body["survey_id"] = json!(survey);
    let created = json_ok(
        api_post(&s, &shenpi, "/api/v1/comprehensive", &body).await,
        201,
    )
    .await;
    assert_eq!(created["phase"], "nominating", "{label}");
    assert_eq!(created["criteria"][0]["key"], "c1");
    expect_code(
        api_post(&s, &shenpi, "/api/v1/comprehensive", &body).await,
        422,
        "cycle_exists",
    )
    .await;

    // 街道自荐申报: its own communities, once each, with a real self-report.
    let noms = "/api/v1/comprehensive/2026/nominations";
    let report =
        "本年度居委会依法协助政府工作，清理台账 10 本，组织居民议事协商 6 次，办成实事 3 件。";
    expect_code(
        api_post(
            &s,
            &jiedao,
            noms,
            &json!({"community": SANHE, "self_report": "很好"}),
        )
        .await,
        422,
        "self_report_too_short",
    )
    .await;
    expect_code(
        api_post(
            &s,
            &jiedao,
            noms,
            &json!({"community": OTHER_STREET, "self_report": report}),
        )
        .await,
        422,
        "not_your_community",
    )
    .await;
    expect_code(
        api_post(
            &s,
            &shegong,
            noms,
            &json!({"community": SANHE, "self_report": report}),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    json_ok(
        api_post(
            &s,
            &jiedao,
            noms,
            &json!({"community": SANHE, "self_report": report}),
        )
        .await,
        201,
    )
    .await;
    json_ok(
        api_post(
            &s,
            &jiedao,
            noms,
            &json!({"community": XINGZHENG, "self_report": report}),
        )
        .await,
        201,
    )
    .await;
    expect_code(
        api_post(
            &s,
            &jiedao,
            noms,
            &json!({"community": SANHE, "self_report": report}),
        )
        .await,
        422,
        "already_nominated",
    )
    .await;
    // Before publication the list is not public.
    let anonymous = reqwest::Client::new()
        .get(s.url(noms))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 403);
    assert_eq!(
        json_ok(api_get(&s, &shenpi, noms).await, 200)
            .await
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let score_path = |c: &str| format!("/api/v1/comprehensive/2026/nominations/{c}/score");
    expect_code(
        api_post(
            &s,
            &shenpi,
            &score_path(SANHE),
            &json!({"scores": {"c1": 90, "c2": 80}}),
        )
        .await,
        422,
        "scoring_not_open",
    )
    .await;

    // Nominations close; the survey has closed too.
    s.clock.advance(time::Duration::days(4));
    let shenpi = s.api_token("shenpi").await;
    let jiedao = s.api_token("jiedao").await;
    let mut frozen = cycle(70, json!([{"name": "和谐社区建设", "weight": 30}]));
    frozen["revision"] = created["revision"].clone();
    expect_code(
        api_post(&s, &shenpi, "/api/v1/comprehensive/2026/scheme", &frozen).await,
        422,
        "scheme_frozen",
    )
    .await;
    expect_code(
        api_post(
            &s,
            &jiedao,
            noms,
            &json!({"community": "110115001903", "self_report": report}),
        )
        .await,
        422,
        "nominations_closed",
    )
    .await;
    expect_code(
        api_post(
            &s,
            &shenpi,
            &score_path(SANHE),
            &json!({"scores": {"c1": 90}}),
        )
        .await,
        422,
        "missing_score",
    )
    .await;
    expect_code(
        api_post(
            &s,
            &shenpi,
            &score_path(SANHE),
            &json!({"scores": {"c1": 120, "c2": 80}}),
        )
        .await,
        422,
        "score_out_of_range",
    )
    .await;
    let scored = json_ok(
        api_post(
            &s,
            &shenpi,
            &score_path(SANHE),
            &json!({"scores": {"c1": 90, "c2": 80}}),
        )
        .await,
        200,
    )
    .await;
    let sat = &scored["parts"][0];
    assert_eq!(sat["key"], "satisfaction");
    assert_eq!(sat["weight"], 60);
    // The survey's score for SANHE: answers rated 5,4,4,3 (q3, q4) and 4 (q5) in turn.
    let results = json_ok(
        api_get(
            &s,
            &shenpi,
            &format!("/api/v1/surveys/{survey}/results?community={SANHE}"),
        )
        .await,
        200,
    )
    .await;
    let mean = results["satisfaction"]["mean"].as_f64().unwrap();
    assert_eq!(sat["score"].as_f64().unwrap(), mean);
    let expected = ((mean * 0.6 + 22.5 + 12.0) * 10.0).round() / 10.0;
    assert_eq!(scored["total"].as_f64().unwrap(), expected, "{scored}");
    assert_eq!(scored["satisfaction_missing"], false);
    assert!(
        scored["drivers"][0]
            .as_str()
            .unwrap()
            .contains("居民满意度"),
        "satisfaction lost most: {scored}"
    );
    let thin = json_ok(
        api_post(
            &s,
            &shenpi,
            &score_path(XINGZHENG),
            &json!({"scores": {"c1": 95, "c2": 95}}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        thin["satisfaction_missing"], true,
        "five answers cannot judge a community"
    );
    assert!(
        thin["warnings"][0]
            .as_str()
            .unwrap()
            .contains("满意度答卷不足")
    );
    expect_code(
        api_post(
            &s,
            &shenpi,
            "/api/v1/comprehensive/2026/publish",
            &json!({"revision": created["revision"]}),
        )
        .await,
        422,
        "scoring_not_closed",
    )
    .await;

    // The deadline can move later while scoring (not earlier).
    let now = json_ok(
        api_get(&s, &shenpi, "/api/v1/comprehensive/2026").await,
        200,
    )
    .await;
    expect_code(
        api_post(
            &s,
            &shenpi,
            "/api/v1/comprehensive/2026/extend",
            &json!({"revision": now["revision"], "scoring_close": "2026-12-09"}),
        )
        .await,
        422,
        "scoring_close_not_later",
    )
    .await;
    let extended = json_ok(
        api_post(
            &s,
            &shenpi,
            "/api/v1/comprehensive/2026/extend",
            &json!({"revision": now["revision"], "scoring_close": "2026-12-12"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(extended["scoring_close"], "2026-12-12");

    // Scoring closes; the district publishes; the results are public.
    s.clock.advance(time::Duration::days(11));
    let shenpi = s.api_token("shenpi").await;
    let current = json_ok(
        api_get(&s, &shenpi, "/api/v1/comprehensive/2026").await,
        200,
    )
    .await;
    assert_eq!(current["phase"], "awaiting_publication");
    let published = json_ok(
        api_post(
            &s,
            &shenpi,
            "/api/v1/comprehensive/2026/publish",
            &json!({"revision": current["revision"]}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(published["phase"], "published", "{label}");
    let public = json_ok(
        reqwest::Client::new()
            .get(s.url(noms))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let list = public.as_array().unwrap();
    assert_eq!(list[0]["community"], SANHE, "best total first");
    assert_eq!(list[0]["rank"], 1);
    assert!(
        list[1]["rank"].is_null(),
        "a card whose satisfaction could not be judged is not ranked"
    );
    let xlsx = reqwest::Client::new()
        .get(s.url("/api/v1/comprehensive/2026/export.xlsx"))
        .send()
        .await
        .unwrap();
    assert_eq!(xlsx.status(), 200);
    assert!(
        xlsx.bytes().await.unwrap().starts_with(b"PK"),
        "an xlsx is a zip"
    );
    let print = reqwest::Client::new()
        .get(s.url("/comprehensive/2026/print"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        print.contains("2026 年度社区工作综合考评结果") && print.contains("不设一票否决"),
        "{print}"
    );
    for action in ["comprehensive.create", "comprehensive.publish"] {
        assert_eq!(s.audit_records(action).await.len(), 1, "{action}");
    }
    assert_eq!(s.audit_records("comprehensive.nominate").await.len(), 2);
    assert_eq!(s.audit_records("comprehensive.score").await.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn comprehensive_evaluation_end_to_end() {
    for db in backends().await {
        run_flow(db).await;
    }
}

/// The scheme form keeps what was typed when it is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_scheme_keeps_the_form() {
    let s = TestServer::sqlite().await;
    let c = s.web_login("shenpi").await;
    let page = c
        .get(s.url("/comprehensive"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = crate::helpers::hidden_field(&page, "csrf").unwrap();
    let r = c
        .post(s.url("/comprehensive"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("year", "2026"),
            ("nominations_close", "2026-12-01"),
            ("scoring_close", "2026-12-10"),
            ("satisfaction_weight", "40"),
            ("name_1", "和谐社区建设（自拟）"),
            ("weight_1", "60"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("不得低于 50%")
            && html.contains("和谐社区建设（自拟）")
            && html.contains("value=\"40\""),
        "{html}"
    );
}
