//! Every page every demo role can reach, in a real browser at desktop and phone width, checked
//! with axe-core (issue 10 §3: "axe-core in the browser test on every page state"). Each role
//! logs in, opens every item of its navigation and the first entry of each list there; public
//! pages are opened without logging in. A page that breaks one character per line at 390 px, hides
//! navigation or scrolls sideways fails `look`.

use super::{Driver, axe_available, browser_available};
use crate::helpers::{TestServer, json_ok};
use serde_json::json;

/// The roles that log in with a password only (the administrators' second factor has its own
/// walk in `second_factor`).
const ROLES: &[&str] = &[
    "jumin", "shegong", "shuji", "jiedao", "minzheng", "shenpi", "ducha",
];

/// A screenshot name from a path: `/assignments/x/y` → `assignments-x`.
fn name_of(role: &str, path: &str) -> String {
    let mut parts: Vec<&str> = path
        .split(['?', '#'])
        .next()
        .unwrap_or_default()
        .split('/')
        .filter(|p| !p.is_empty())
        .take(2)
        .collect();
    if parts.is_empty() {
        parts.push("home");
    }
    let base: String = parts
        .join("-")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(40)
        .collect();
    format!("all-{role}-{base}")
}

#[tokio::test(flavor = "multi_thread")]
async fn every_page_of_every_role_at_desktop_and_phone_widths() {
    if !browser_available() || !axe_available() {
        return;
    }
    let server = TestServer::sqlite().await;
    // Something in every list: issued certificates, a case in force, a report.
    server
        .app
        .load_demo_certificates(&jianfu_server::service::RequestMeta::console())
        .await
        .expect("demo certificates");
    server
        .app
        .load_demo_inventory(&jianfu_server::service::RequestMeta::console())
        .await
        .expect("demo inventory");
    server
        .app
        .load_demo_evaluations(&jianfu_server::service::RequestMeta::console())
        .await
        .expect("demo evaluations");
    let links = server
        .app
        .load_demo_surveys(&jianfu_server::service::RequestMeta::console())
        .await
        .expect("demo surveys");
    server
        .app
        .load_demo_comprehensive(&jianfu_server::service::RequestMeta::console())
        .await
        .expect("demo comprehensive evaluation");
    server
        .app
        .load_demo_shared_data(&jianfu_server::service::RequestMeta::console())
        .await
        .expect("demo shared data");
    server
        .app
        .load_demo_volunteers(&jianfu_server::service::RequestMeta::console())
        .await
        .expect("demo volunteers");
    server
        .app
        .load_demo_deliberation(&jianfu_server::service::RequestMeta::console())
        .await
        .expect("demo deliberation");
    let deliberation = json_ok(
        reqwest::Client::new()
            .get(server.url("/api/v1/public/deliberation/110115001901"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let delib_meeting_id = deliberation["meetings"][0]["id"]
        .as_str()
        .expect("a demo meeting")
        .to_string();
    let delib_public_meeting =
        format!("/public/deliberation/110115001901/meetings/{delib_meeting_id}");
    let delib_meeting = format!("/deliberation/meetings/{delib_meeting_id}");
    let volunteer_activities = json_ok(
        reqwest::Client::new()
            .get(server.url("/api/v1/volunteer-activities/110115001901"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let volunteer_activity = format!(
        "/volunteers/activities/110115001901/{}",
        volunteer_activities[0]["id"]
            .as_str()
            .expect("a demo activity")
    );
    // The link as printed: the page's path after the host.
    let answer_page = links[0]
        .split(' ')
        .next()
        .and_then(|u| u.find("/s/").map(|i| u[i..].to_string()))
        .expect("a survey link");
    let surveys = server.app.surveys().await.unwrap();
    let closed = surveys
        .iter()
        .find(|s| s.phase.results_open())
        .map(|s| s.id.clone())
        .expect("a closed demo survey");
    let open = surveys
        .iter()
        .find(|s| s.phase.accepts_answers())
        .map(|s| s.id.clone())
        .expect("an open demo survey");
    let draft = json_ok(
        reqwest::Client::new()
            .post(server.url("/api/v1/surveys"))
            .bearer_auth(server.api_token("shenpi").await)
            .json(&json!({}))
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    let draft = format!("/surveys/{}", draft["id"].as_str().unwrap());
    let token = server.api_token("minzheng").await;
    json_ok(
        reqwest::Client::new()
            .post(server.url("/api/v1/assignments"))
            .bearer_auth(&token)
            .json(&json!({
                "department": "110115-MZJ",
                "item_code": "A12",
                "title": "协助做好社会救助对象入户核查",
                "legal_basis": ["《社会救助暂行办法》第十一条"],
                "community_role": "assist",
                "communities": ["110115001901"],
                "period": {"from": "2026-12-01", "to": "2026-12-31"},
                "funding": {"amount_yuan": 1200, "channel": "区财政专项"},
                "burdens": [],
                "authority": "入户核查、宣传告知"
            }))
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;

    let driver = Driver::start().await;
    let b = driver.new_session().await;
    let mut seen = std::collections::BTreeSet::new();

    for path in [
        "/login",
        "/verify",
        "/catalog",
        "/public/revocations",
        "/mandates",
        "/evaluations",
        answer_page.as_str(),
        "/comprehensive",
        "/comprehensive/2025",
        "/comprehensive/2025/110115001901",
        "/comprehensive/2025/print",
        "/public/volunteers/110115001901",
        "/verify/volunteer",
        volunteer_activity.as_str(),
        "/public/deliberation/110115001901",
        delib_public_meeting.as_str(),
    ] {
        b.goto(&server.url(path)).await;
        b.look(&name_of("public", path)).await;
    }

    for role in ROLES {
        b.login(&server.base, role).await;
        let nav = b
            .script("return [...document.querySelectorAll('.main-nav a')].map(a => a.getAttribute('href'))")
            .await;
        let nav: Vec<String> = nav
            .as_array()
            .expect("navigation links")
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect();
        assert!(!nav.is_empty(), "{role}: a navigation");
        for path in &nav {
            b.goto(&server.url(path)).await;
            b.look(&name_of(role, path)).await;
            seen.insert(path.clone());
            // The first entry of a list on the page, one level down.
            let first = b
                .script(
                    "const a = [...document.querySelectorAll('main table a[href^=\"/\"], main .card-list a[href^=\"/\"]')]\
                       .find(a => !a.getAttribute('href').startsWith('/api/'));\
                     return a ? a.getAttribute('href') : null",
                )
                .await;
            if let Some(detail) = first.as_str() {
                b.goto(&server.url(detail)).await;
                b.look(&format!("{}-detail", name_of(role, path))).await;
                seen.insert(detail.to_string());
            }
        }
        b.logout().await;
    }
    // Pages reached from buttons rather than the navigation.
    let closed_results = format!("/surveys/{closed}/results");
    let sanhe_results = format!("{closed_results}?community=110115001901");
    let sanhe_link = format!("/surveys/{open}/link/110115001901");
    for (role, paths) in [
        (
            "shegong",
            &[
                "/inventory/new",
                "/inventory/import",
                &closed_results,
                "/shared-data/entry",
                "/shared-data/entry?period=2026",
                "/shared-data/import",
                "/shared-data/ledgers",
                "/shared-data/elements",
                "/shared-data/history?element=SD001&period=2026-10",
                "/volunteers/activities/new",
                volunteer_activity.as_str(),
                delib_meeting.as_str(),
            ][..],
        ),
        (
            "jumin",
            &[
                "/volunteers/register",
                volunteer_activity.as_str(),
                delib_public_meeting.as_str(),
            ][..],
        ),
        (
            "minzheng",
            &[
                "/evaluations/new",
                "/shared-data/reports/new",
                "/shared-data/elements/new",
                "/shared-data/burden",
            ][..],
        ),
        (
            "jiedao",
            &[
                "/inventory/overview",
                &sanhe_results,
                &sanhe_link,
                "/comprehensive/2026",
            ][..],
        ),
        (
            "ducha",
            &[
                "/inventory/overview",
                &closed_results,
                "/deliberation/departments",
            ][..],
        ),
        (
            "shenpi",
            &[
                draft.as_str(),
                closed_results.as_str(),
                "/comprehensive/2026",
            ][..],
        ),
    ] {
        b.login(&server.base, role).await;
        for path in paths {
            b.goto(&server.url(path)).await;
            b.look(&format!(
                "{}-{}",
                name_of(role, path),
                path.rsplit('/')
                    .next()
                    .unwrap_or("")
                    .replace(['?', '='], "-")
            ))
            .await;
            seen.insert(path.to_string());
        }
        b.logout().await;
    }
    eprintln!("every_page: {} distinct pages looked at", seen.len());
    b.delete().await;
    drop(driver);
}

/// Residents' and the public's pages of issue 11 in large-text mode (适老化): the survey form,
/// its thanks page, the comprehensive evaluation's results and a community's scorecard, the
/// evaluation register. `look` checks them at 390 px (nothing sideways, navigation in view) and
/// with axe-core.
#[tokio::test(flavor = "multi_thread")]
async fn public_pages_in_large_text_at_phone_width() {
    if !browser_available() || !axe_available() {
        return;
    }
    let server = TestServer::sqlite().await;
    let meta = jianfu_server::service::RequestMeta::console();
    server
        .app
        .load_demo_evaluations(&meta)
        .await
        .expect("demo evaluations");
    let links = server
        .app
        .load_demo_surveys(&meta)
        .await
        .expect("demo surveys");
    server
        .app
        .load_demo_comprehensive(&meta)
        .await
        .expect("demo comprehensive evaluation");
    server
        .app
        .load_demo_volunteers(&meta)
        .await
        .expect("demo volunteers");
    let (url, code) = links[0].split_once(' ').expect("link and code");
    let answer_page = &url[url.find("/s/").expect("a survey path")..];

    let driver = Driver::start().await;
    let b = driver.new_session().await;
    b.goto(&server.url("/prefs/text?size=large&back=/evaluations"))
        .await;
    let large = b
        .script("return document.documentElement.classList.contains('large-text')")
        .await;
    assert_eq!(
        large,
        serde_json::Value::Bool(true),
        "large-text mode is on"
    );
    for path in [
        answer_page,
        "/comprehensive/2025",
        "/comprehensive/2025/110115001901",
        "/evaluations",
        "/public/volunteers/110115001901",
        "/verify/volunteer",
    ] {
        b.goto(&server.url(path)).await;
        b.look(&format!("large-{}", name_of("public", path))).await;
    }
    // Answer as a resident would: the code, the required questions, send.
    b.goto(&server.url(answer_page)).await;
    let sent = b
        .script(&format!(
            "document.getElementById('code').value = '{code}';\
             document.querySelector('input[name=q1][value=\"1\"]').checked = true;\
             for (const n of ['q3', 'q4', 'q5']) {{\
               document.querySelector(`input[name=${{n}}]`).checked = true; }}\
             document.querySelector('form.survey-form').submit(); return true"
        ))
        .await;
    assert_eq!(sent, serde_json::Value::Bool(true));
    b.wait_for_text("感谢您的参与").await;
    b.look("large-public-survey-thanks").await;
    b.delete().await;
    drop(driver);
}
