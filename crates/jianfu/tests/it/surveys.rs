//! 居民满意度调查 end to end (issue 11 §4), on SQLite and (when reachable) PostgreSQL: the district
//! builds and publishes a questionnaire; the street (never the community) prints household codes
//! as a PDF; residents answer with no account — a code works once, a resent form is not counted
//! twice, forged, spent and voided codes are refused with their own messages, a bad answer keeps
//! the code; results open only after closing, small groups show nothing, free text in full only
//! to the community; and the database itself holds nothing that links an answer to a code, an
//! IP or a time finer than the day.

use crate::helpers::{
    TestDb, TestServer, api_get, api_post, backends, expect_code, hidden_field, json_ok,
};
use jianfu_domain::survey::household_code::format_household_code;
use jianfu_store::DatabaseUrl;
use serde_json::{Value, json};
use sqlx::Connection;

const SANHE: &str = "110115001901";

/// The codes printed on a slips PDF, read back from its text.
pub(crate) fn codes_in(pdf: &[u8]) -> Vec<String> {
    let doc = lopdf::Document::load_mem(pdf).expect("a PDF");
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    let text: String = doc
        .extract_text(&pages)
        .unwrap()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    // Codes are the only `XXXX-XXXX` runs of Crockford base32 on a slip.
    let chars: Vec<char> = text.chars().collect();
    let base32 = |c: &char| c.is_ascii_digit() || c.is_ascii_uppercase();
    chars
        .windows(9)
        .filter(|w| w[4] == '-' && w[..4].iter().all(base32) && w[5..].iter().all(base32))
        .map(|w| w.iter().collect())
        .collect()
}

async fn answer(
    s: &TestServer,
    id: &str,
    code: &str,
    nonce: &str,
    answers: Value,
) -> reqwest::Response {
    reqwest::Client::new()
        .post(s.url(&format!("/api/v1/public/surveys/{id}/{SANHE}")))
        .json(&json!({"code": code, "nonce": nonce, "answers": answers}))
        .send()
        .await
        .unwrap()
}

fn full(rating: &str, comment: &str) -> Value {
    json!({"q1": ["1"], "q3": [rating], "q4": ["4"], "q5": ["3"], "q6": ["0", "2"], "q7": [comment], "q8": ["5"]})
}

async fn run_flow(db: TestDb) {
    let label = db.label;
    let s = TestServer::start(db).await;
    let shenpi = s.api_token("shenpi").await;
    let jiedao = s.api_token("jiedao").await;
    let shegong = s.api_token("shegong").await;
    let minzheng = s.api_token("minzheng").await;

    // Only the district builds questionnaires.
    expect_code(
        api_post(&s, &minzheng, "/api/v1/surveys", &json!({})).await,
        403,
        "forbidden",
    )
    .await;
    let draft = json_ok(
        api_post(&s, &shenpi, "/api/v1/surveys", &json!({})).await,
        201,
    )
    .await;
    let id = draft["id"].as_str().unwrap().to_string();
    assert_eq!(draft["phase"], "draft");
    assert_eq!(
        draft["questions"][1]["show_if"], "1-1",
        "the template asks q2 only after q1 = 1"
    );
    let edits = format!("/api/v1/surveys/{id}/edits");
    let rev = draft["revision"].as_i64().unwrap();
    expect_code(
        api_post(&s, &shenpi, &edits, &json!({"revision": rev, "action": "add", "text": "是否住在本小区", "kind": "single", "options": ["是"]})).await,
        422,
        "too_few_options",
    )
    .await;
    let added = json_ok(
        api_post(&s, &shenpi, &edits, &json!({"revision": rev, "action": "add", "text": "您对停车管理是否满意？", "kind": "rating", "required": true})).await,
        200,
    )
    .await;
    assert_eq!(added["questions"].as_array().unwrap().len(), 8);
    expect_code(
        api_post(
            &s,
            &shenpi,
            &edits,
            &json!({"revision": rev, "action": "remove", "number": 3}),
        )
        .await,
        422,
        "survey_changed",
    )
    .await;
    let rev = added["revision"].as_i64().unwrap();
    let publish = format!("/api/v1/surveys/{id}/publish");
    expect_code(
        api_post(
            &s,
            &shenpi,
            &publish,
            &json!({"revision": rev, "opens_on": "2026-12-05", "closes_on": "2026-11-30"}),
        )
        .await,
        422,
        "closes_before_opening",
    )
    .await;
    let published = json_ok(
        api_post(
            &s,
            &shenpi,
            &publish,
            &json!({"revision": rev, "opens_on": "2026-11-28", "closes_on": "2026-12-05"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(published["phase"], "open", "{label}");
    expect_code(
        api_post(
            &s,
            &shenpi,
            &edits,
            &json!({"revision": published["revision"], "action": "remove", "number": 1}),
        )
        .await,
        422,
        "survey_published",
    )
    .await;

    // The community being evaluated never prints its own codes; its street does.
    let codes_path = format!("/api/v1/surveys/{id}/codes");
    expect_code(
        api_post(
            &s,
            &shegong,
            &codes_path,
            &json!({"community": SANHE, "count": 5}),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    expect_code(
        api_post(
            &s,
            &jiedao,
            &codes_path,
            &json!({"community": SANHE, "count": 3}),
        )
        .await,
        422,
        "bad_code_count",
    )
    .await;
    let pdf = api_post(
        &s,
        &jiedao,
        &codes_path,
        &json!({"community": SANHE, "count": 9}),
    )
    .await;
    if pdf.status() != 200 {
        panic!("{label}: {}", pdf.text().await.unwrap());
    }
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let codes = codes_in(&pdf.bytes().await.unwrap());
    // A second community with too few answers to be shown: two of five.
    let few = api_post(
        &s,
        &jiedao,
        &codes_path,
        &json!({"community": "110115001902", "count": 5}),
    )
    .await;
    let few = codes_in(&few.bytes().await.unwrap());
    for (i, code) in few.iter().take(2).enumerate() {
        let r = reqwest::Client::new()
            .post(s.url(&format!("/api/v1/public/surveys/{id}/110115001902")))
            .json(&json!({"code": code, "nonce": format!("few{i}"), "answers": full("1", "")}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
    }
    // Per-batch use is not shown while the survey is open (it would tell who just answered).
    let street_page = s.web_login("jiedao").await;
    let link = street_page
        .get(s.url(&format!("/surveys/{id}/link/{SANHE}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(link.contains("调查结束后显示"), "{link}");
    // A draft is the district's: others do not see it.
    let draft2 = json_ok(
        api_post(&s, &shenpi, "/api/v1/surveys", &json!({})).await,
        201,
    )
    .await;
    expect_code(
        api_get(
            &s,
            &shegong,
            &format!("/api/v1/surveys/{}", draft2["id"].as_str().unwrap()),
        )
        .await,
        404,
        "not_found",
    )
    .await;
    assert_eq!(codes.len(), 9, "{codes:?}");

    // Results are closed while the survey is open: turnout only.
    let before = json_ok(
        api_get(&s, &shenpi, &format!("/api/v1/surveys/{id}/results")).await,
        200,
    )
    .await;
    assert_eq!(before["open"], false);
    assert_eq!(before["issued"], 14);
    assert!(before["questions"].as_array().unwrap().is_empty());

    // A bad answer is refused and the code stays unspent.
    expect_code(
        answer(&s, &id, &codes[0], "n0", full("9", "")).await,
        422,
        "answer_out_of_range",
    )
    .await;
    let mut missing = full("5", "");
    missing.as_object_mut().unwrap().remove("q3");
    expect_code(
        answer(&s, &id, &codes[0], "n0", missing).await,
        422,
        "answer_required",
    )
    .await;
    let comments = [
        "停车太难了",
        "晚上停车难，希望多划车位",
        "",
        "老人活动少",
        "活动室开放时间太短",
    ];
    for (i, code) in codes.iter().take(5).enumerate() {
        let r = answer(
            &s,
            &id,
            code,
            &format!("n{i}"),
            full(&(5 - i % 3).to_string(), comments[i]),
        )
        .await;
        assert_eq!(json_ok(r, 201).await["again"], false, "{label}");
    }
    // A resent form (same code, same nonce) is answered but not counted again.
    assert_eq!(
        json_ok(answer(&s, &id, &codes[0], "n0", full("1", "")).await, 200).await["again"],
        true
    );
    expect_code(
        answer(&s, &id, &codes[0], "another", full("1", "")).await,
        422,
        "code_spent",
    )
    .await;
    let mut forged: Vec<char> = codes[5].chars().collect();
    forged[2] = if forged[2] == 'A' { 'B' } else { 'A' };
    let forged: String = forged.into_iter().collect();
    expect_code(
        answer(&s, &id, &forged, "f", full("5", "")).await,
        422,
        "code_invalid",
    )
    .await;
    expect_code(
        answer(&s, &id, "12345", "f", full("5", "")).await,
        422,
        "code_malformed",
    )
    .await;
    let stranger = format_household_code([9, 9, 9, 9, 9]);
    expect_code(
        answer(&s, &id, &stranger, "f", full("5", "")).await,
        422,
        "code_unknown",
    )
    .await;

    // The web form: a refusal keeps what was typed; a good answer thanks the resident.
    let web = reqwest::Client::new();
    let page = web
        .get(s.url(&format!("/s/{id}/{SANHE}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let nonce = hidden_field(&page, "nonce").expect("the form carries a nonce");
    let mut form = vec![
        ("code", codes[5].clone()),
        ("nonce", nonce.clone()),
        ("q1", "1".into()),
        ("q3", "4".into()),
        ("q4", "4".into()),
        ("q5", "4".into()),
        ("q7", "路灯坏了".into()),
    ];
    let refused = web
        .post(s.url(&format!("/s/{id}/{SANHE}")))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 422);
    let html = refused.text().await.unwrap();
    assert!(html.contains("第 8 题还没有回答"), "{html}");
    assert!(
        html.contains("路灯坏了") && html.contains(&codes[5]),
        "what was typed is kept"
    );
    form.push(("q8", "2".into()));
    let thanks = web
        .post(s.url(&format!("/s/{id}/{SANHE}")))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(thanks.status(), 200);
    assert!(thanks.text().await.unwrap().contains("感谢您的参与"));
    let again = web
        .post(s.url(&format!("/s/{id}/{SANHE}")))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert!(again.text().await.unwrap().contains("没有重复计入"));

    // A lost batch is voided: its unused codes stop working, answers stay.
    json_ok(
        api_get(&s, &jiedao, &format!("/api/v1/surveys/{id}")).await,
        200,
    )
    .await;
    let void = api_post(
        &s,
        &jiedao,
        &format!("/api/v1/surveys/{id}/codes/void"),
        &json!({"community": SANHE, "batch": 1}),
    )
    .await;
    assert_eq!(void.status(), 204);
    // A community that does not exist: the survey in the path is there, so not 404.
    expect_code(
        api_post(
            &s,
            &jiedao,
            &format!("/api/v1/surveys/{id}/codes/void"),
            &json!({"community": "不是社区", "batch": 1}),
        )
        .await,
        422,
        "unknown_community",
    )
    .await;
    expect_code(
        answer(&s, &id, &codes[6], "v", full("5", "")).await,
        422,
        "code_voided",
    )
    .await;

    // No audit record per answer (it would carry the exact time); printing and voiding are.
    assert!(s.audit_records("survey.answer").await.is_empty(), "{label}");
    assert_eq!(s.audit_records("survey.codes_void").await.len(), 1);
    assert_eq!(s.audit_records("survey.codes").await.len(), 2);
    assert_eq!(s.audit_records("survey.publish").await.len(), 1);

    anonymity_holds(&s.db, &codes, &id).await;

    // Guessing codes is slowed down per client (in memory; nothing is stored about it).
    let survey_id = id.clone();
    let mut last = 0;
    for i in 0..40u8 {
        let guess = format_household_code([i, 7, 7, 7, 7]);
        let r = reqwest::Client::new()
            .post(s.url(&format!("/api/v1/public/surveys/{survey_id}/{SANHE}")))
            .json(&json!({"code": guess, "nonce": "g", "answers": {}}))
            .send()
            .await
            .unwrap();
        last = r.status().as_u16();
        if last == 429 {
            break;
        }
    }
    assert_eq!(last, 429, "{label}: 30 wrong codes, then wait");

    // After closing: distributions, the score with its interval, text by who asks.
    s.clock.advance(time::Duration::days(8));
    // Sessions end with the week; log in again.
    let (shegong, jiedao, shegong2) = (
        s.api_token("shegong").await,
        s.api_token("jiedao").await,
        s.api_token("shegong2").await,
    );
    expect_code(
        answer(&s, &id, &codes[7], "late", full("5", "")).await,
        422,
        "survey_not_open",
    )
    .await;
    let own = json_ok(
        api_get(&s, &shegong, &format!("/api/v1/surveys/{id}/results")).await,
        200,
    )
    .await;
    assert_eq!(own["open"], true);
    assert_eq!(own["responses"], 6);
    assert_eq!(
        own["issued"], 6,
        "voided codes no longer count as handed out"
    );
    assert_eq!(own["response_rate"], 100.0);
    let sat = &own["satisfaction"];
    assert_eq!(sat["n"], 6);
    assert_eq!(sat["enough"], false, "six answers are too few to judge");
    assert!(sat["low"].as_f64().unwrap() < sat["mean"].as_f64().unwrap());
    let text = own["texts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["number"] == 7)
        .unwrap();
    assert_eq!(
        text["answers"].as_array().unwrap().len(),
        5,
        "the community reads its own in full"
    );
    let street = json_ok(
        api_get(
            &s,
            &jiedao,
            &format!("/api/v1/surveys/{id}/results?community={SANHE}"),
        )
        .await,
        200,
    )
    .await;
    let text = street["texts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["number"] == 7)
        .unwrap();
    assert!(text["answers"].is_null(), "the street sees no text in full");
    assert_eq!(text["terms"]["停车"], 2);
    let q3 = own["questions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["number"] == 3)
        .unwrap();
    assert_eq!(q3["answered"], 6);
    // Another community's worker cannot look; a refused community in the query is a refused
    // input (422), not a missing survey (404), and reads the same as one that does not exist.
    let refused = expect_code(
        api_get(
            &s,
            &shegong2,
            &format!("/api/v1/surveys/{id}/results?community={SANHE}"),
        )
        .await,
        422,
        "unknown_community",
    )
    .await;
    let missing = expect_code(
        api_get(
            &s,
            &shegong2,
            &format!("/api/v1/surveys/{id}/results?community=110115009999"),
        )
        .await,
        422,
        "unknown_community",
    )
    .await;
    assert_eq!(
        refused.replace(SANHE, "X"),
        missing.replace("110115009999", "X")
    );
    // The street's overall figures leave out the community too small to show, and say so:
    // otherwise its two answers could be had by subtracting SANHE's.
    let overall = json_ok(
        api_get(&s, &jiedao, &format!("/api/v1/surveys/{id}/results")).await,
        200,
    )
    .await;
    assert_eq!(overall["responses"], 8, "turnout counts everyone");
    assert_eq!(overall["left_out"], 2);
    let q3 = overall["questions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["number"] == 3)
        .unwrap();
    assert_eq!(
        q3["answered"], 6,
        "only the shown community's answers: {overall}"
    );
    expect_code(
        api_post(
            &s,
            &jiedao,
            &format!("/api/v1/surveys/{id}/codes/void"),
            &json!({"community": SANHE, "batch": 2}),
        )
        .await,
        422,
        "survey_closed",
    )
    .await;
    let other = json_ok(
        api_get(&s, &shegong2, &format!("/api/v1/surveys/{id}/results")).await,
        200,
    )
    .await;
    assert_eq!(other["responses"], 2);
    assert_eq!(other["suppressed"], true);
}

/// Reads the database itself: the answer tables hold only counts, text and the day; nothing in
/// them or in the spent-code set pairs an answer with a code, an IP or a time.
async fn anonymity_holds(db: &TestDb, codes: &[String], id: &str) {
    let tables = [
        (
            "survey_codes",
            vec![
                "community_code",
                "survey_id",
                "digest",
                "batch",
                "spent",
                "spent_nonce",
                "voided",
            ],
        ),
        (
            "survey_tallies",
            vec!["community_code", "survey_id", "question", "value", "count"],
        ),
        (
            "survey_scores",
            vec!["community_code", "survey_id", "score_tenths", "count"],
        ),
        (
            "survey_terms",
            vec!["community_code", "survey_id", "question", "term", "count"],
        ),
        (
            "survey_texts",
            vec![
                "community_code",
                "survey_id",
                "id",
                "question",
                "body",
                "answered_on",
            ],
        ),
    ];
    let mut dump = String::new();
    for (table, expected) in &tables {
        let (columns, rows) = read_table(db, table).await;
        let mut expected: Vec<String> = expected.iter().map(|c| c.to_string()).collect();
        let mut got = columns.clone();
        expected.sort();
        got.sort();
        assert_eq!(
            got, expected,
            "{table}: no column may hold a time, an IP or a link"
        );
        for row in rows {
            dump.push_str(&row.join("|"));
            dump.push('\n');
        }
    }
    for code in codes {
        assert!(
            !dump.contains(code.as_str()),
            "a plain code is stored: {code}"
        );
        assert!(!dump.contains(&code.replace('-', "")));
    }
    assert!(!dump.contains("127.0.0.1"));
    let (_, texts) = read_table(db, "survey_texts").await;
    assert!(!texts.is_empty());
    for t in texts {
        assert_eq!(t[5].len(), 10, "answered_on is a day, nothing finer: {t:?}");
        assert!(!t[2].contains(id), "a text's id says nothing");
    }
}

/// Every column as text, straight from the database.
async fn read_table(db: &TestDb, table: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let sql = format!("SELECT * FROM {table}");
    match &db.url {
        DatabaseUrl::Sqlite { path } => {
            use sqlx::{Row, ValueRef};
            let mut c = sqlx::SqliteConnection::connect_with(
                &sqlx::sqlite::SqliteConnectOptions::new().filename(path),
            )
            .await
            .unwrap();
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .fetch_all(&mut c)
                .await
                .unwrap();
            let (cols, _) = pragma_columns(&mut c, table).await;
            let out = rows
                .iter()
                .map(|r| {
                    (0..r.columns().len())
                        .map(|i| {
                            let raw = r.try_get_raw(i).unwrap();
                            if raw.is_null() {
                                String::new()
                            } else {
                                r.try_get::<String, _>(i)
                                    .or_else(|_| r.try_get::<i64, _>(i).map(|v| v.to_string()))
                                    .unwrap_or_default()
                            }
                        })
                        .collect()
                })
                .collect();
            (cols, out)
        }
        DatabaseUrl::Postgres { url } => {
            use sqlx::Row;
            let mut c = sqlx::PgConnection::connect(url).await.unwrap();
            let cols: Vec<String> = sqlx::query_scalar(
                "SELECT column_name::text FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
            )
            .bind(table)
            .fetch_all(&mut c)
            .await
            .unwrap();
            let select = cols
                .iter()
                .map(|c| format!("COALESCE({c}::text, '')"))
                .collect::<Vec<_>>()
                .join(", ");
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {select} FROM {table}")))
                .fetch_all(&mut c)
                .await
                .unwrap();
            let out = rows
                .iter()
                .map(|r| (0..cols.len()).map(|i| r.get::<String, _>(i)).collect())
                .collect();
            (cols, out)
        }
    }
}

async fn pragma_columns(c: &mut sqlx::SqliteConnection, table: &str) -> (Vec<String>, ()) {
    let cols: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT name FROM pragma_table_info('{table}') ORDER BY cid"
    )))
    .fetch_all(&mut *c)
    .await
    .unwrap();
    (cols, ())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn surveys_end_to_end() {
    for db in backends().await {
        run_flow(db).await;
    }
}

/// The builder's pages: a refusal keeps the question as typed; publishing freezes it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_builder_keeps_what_was_typed() {
    let s = TestServer::sqlite().await;
    let c = s.web_login("shenpi").await;
    let list = c
        .get(s.url("/surveys"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = hidden_field(&list, "csrf").unwrap();
    let created = c
        .post(s.url("/surveys"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 303);
    let path = created.headers()["location"].to_str().unwrap().to_string();
    let page = c
        .get(s.url(&path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let revision = hidden_field(&page, "revision").unwrap();
    let refused = c
        .post(s.url(&format!("{path}/edit")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("revision", revision.as_str()),
            ("action", "add"),
            ("text", "您家有几口人？"),
            ("kind", "single"),
            ("options", "一口"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 422);
    let html = refused.text().await.unwrap();
    assert!(
        html.contains("至少要有 2 个选项")
            && html.contains("您家有几口人？")
            && html.contains("一口"),
        "{html}"
    );
    // Publishing cannot be undone: the first post asks.
    let ask = c
        .post(s.url(&format!("{path}/publish")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("revision", revision.as_str()),
            ("opens_on", "2026-11-28"),
            ("closes_on", "2026-12-20"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(ask.status(), 200);
    let ask = ask.text().await.unwrap();
    assert!(
        ask.contains("确认发布问卷") && ask.contains("题目从此冻结"),
        "{ask}"
    );
    assert!(
        s.audit_records("survey.publish").await.is_empty(),
        "nothing published yet"
    );
    let published = c
        .post(s.url(&format!("{path}/publish")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("revision", revision.as_str()),
            ("opens_on", "2026-11-28"),
            ("closes_on", "2026-12-20"),
            ("confirmed", "yes"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(published.status(), 303);
    let page = c
        .get(s.url(&path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("填写中") && page.contains("另起新版本"));
    assert!(
        !page.contains("添加一道题"),
        "a published questionnaire has no builder"
    );
}
