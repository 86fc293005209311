//! The lists that grow (准入事项, 违规下派, 证明申请, 通知), on SQLite and (when reachable) PostgreSQL:
//! a status filter returns only that status, pages split the list with the right totals and links
//! that keep the filter and the order, the orders hold, a community still sees only its own, bad
//! query values fall back (pages) or get their stable code (API), and every home tile that links
//! to a filtered list shows exactly that list's total, for each demo role with tiles.

use crate::helpers::api_get as get;
use crate::helpers::api_post as post;
use crate::helpers::{TestServer, backends, expect_code, json_ok};
use serde_json::{Value, json};
use time::Duration;

const C901: &str = "110115001901";
const C902: &str = "110115001902";
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0";
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n";

fn b64(data: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// Off-list work for two communities: waits for district approval.
fn pending(title: &str) -> Value {
    json!({
        "department": "110115-MZJ",
        "item_code": null,
        "title": title,
        "legal_basis": ["《社会救助暂行办法》第十一条"],
        "community_role": "assist",
        "communities": [C901, C902],
        "period": {"from": "2027-03-01", "to": "2027-05-31"},
        "funding": {"amount_yuan": "800.50", "channel": "区民政专项"},
        "burdens": [],
        "authority": "入户走访、登记需求"
    })
}

/// Listed assist work with funding for one community: admitted at once.
fn admitted(title: &str) -> Value {
    json!({
        "department": "110115-MZJ",
        "item_code": "A12",
        "title": title,
        "legal_basis": ["《社会救助暂行办法》第十一条"],
        "community_role": "assist",
        "communities": [C901],
        "period": {"from": "2027-03-01", "to": "2027-03-31"},
        "funding": {"amount_yuan": 1200, "channel": "区财政专项"},
        "burdens": [],
        "authority": "入户核查、组织动员、宣传告知"
    })
}

fn report(title: &str) -> Value {
    json!({
        "department": "110115-MZJ",
        "title": title,
        "description": "要求社区三天内上报辖区商户经营情况",
        "channel": "wechat",
        "received_on": "2026-11-27",
        "evidence": [{"content_base64": b64(PNG)}],
    })
}

fn application() -> Value {
    json!({
        "item_code": "C05",
        "applicant_name": "王小明",
        "id_number": "11010519491231002X",
        "phone": "13800138000",
        "household_community": C901,
        "reason": "父亲去世，继承其名下房产",
        "purpose": "到公证处办理继承公证",
        "asking_unit": "北京市大兴区公证处",
        "asking_article": "《中华人民共和国公证法》第十一条",
        "pledge": true,
        "materials": [
            {"material": "id_card", "content_base64": b64(PNG)},
            {"material": "hukou", "content_base64": b64(PDF)},
            {"material": "evidence", "content_base64": b64(PNG)},
        ],
    })
}

/// Titles of the two cases whose approval deadline has passed by the end of [`seed`].
const LATE: [&str; 2] = ["走访慰问 早01", "走访慰问 早02"];

/// The district after [`seed`]: 民政局 has 23 cases waiting for approval (2 of them past their
/// deadline), 3 in force for 110115001901; 110115001901 reported 3 cases of work against 民政局
/// (1 confirmed), 110115001902 reported 2; the resident applied for 3 certificates, all past
/// their due day.
pub(crate) async fn seed(s: &TestServer) {
    let mz = s.api_token("minzheng").await;
    for t in LATE {
        json_ok(post(s, &mz, "/api/v1/assignments", &pending(t)).await, 201).await;
        s.clock.advance(Duration::minutes(1));
    }
    let jumin = s.api_token("jumin").await;
    for _ in 0..3 {
        json_ok(
            post(
                s,
                &jumin,
                "/api/v1/certificates/applications",
                &application(),
            )
            .await,
            201,
        )
        .await;
        s.clock.advance(Duration::minutes(1));
    }
    // Forty days later the first two cases and the applications are past their deadlines.
    s.clock.advance(Duration::days(40));
    let mz = s.api_token("minzheng").await;
    for i in 1..=21 {
        let t = format!("走访慰问 晚{i:02}");
        json_ok(post(s, &mz, "/api/v1/assignments", &pending(&t)).await, 201).await;
        s.clock.advance(Duration::minutes(1));
    }
    for i in 1..=3 {
        let t = format!("入户核查 {i:02}");
        let r = json_ok(
            post(s, &mz, "/api/v1/assignments", &admitted(&t)).await,
            201,
        )
        .await;
        assert_eq!(r["status"], "admitted", "{r}");
        s.clock.advance(Duration::minutes(1));
    }
    let shegong = s.api_token("shegong").await;
    let shegong2 = s.api_token("shegong2").await;
    let mut first = None;
    for (token, title) in [
        (&shegong, "上报商户 01"),
        (&shegong, "上报商户 02"),
        (&shegong, "上报商户 03"),
        (&shegong2, "上报商户 04"),
        (&shegong2, "上报商户 05"),
    ] {
        let r = json_ok(
            post(s, token, "/api/v1/violations", &report(title)).await,
            201,
        )
        .await;
        first.get_or_insert(format!(
            "/api/v1/violations/{}/{}",
            r["community"].as_str().unwrap(),
            r["id"].as_str().unwrap()
        ));
        s.clock.advance(Duration::minutes(1));
    }
    let ducha = s.api_token("ducha").await;
    let confirm = format!("{}/confirm", first.unwrap());
    json_ok(
        post(s, &ducha, &confirm, &json!({"comment": "经核实属实"})).await,
        200,
    )
    .await;
}

async fn page(c: &reqwest::Client, s: &TestServer, path: &str) -> String {
    let r = c.get(s.url(path)).send().await.unwrap();
    assert_eq!(r.status(), 200, "{path}");
    // Links as a browser reads them (the template escapes `&`).
    r.text()
        .await
        .unwrap()
        .replace("&#38;", "&")
        .replace("&amp;", "&")
}

/// "共 N 条" of the list's summary line.
fn total(html: &str) -> i64 {
    let at = html.find("class=\"list-summary\"").expect("list summary");
    let rest = &html[at..];
    let from = rest.find("共 ").unwrap() + "共 ".len();
    let to = from + rest[from..].find(" 条").unwrap();
    rest[from..to].parse().unwrap()
}

fn rows(html: &str, label: &str) -> usize {
    html.matches(&format!("data-label=\"{label}\"")).count()
}

/// Titles in the order the table shows them (the cell's link text).
fn titles(html: &str, label: &str) -> Vec<String> {
    html.split(&format!("data-label=\"{label}\""))
        .skip(1)
        .map(|cell| {
            let from = cell.find("\">").unwrap() + 2;
            let to = from + cell[from..].find('<').unwrap();
            cell[from..to].to_string()
        })
        .collect()
}

async fn api_list(s: &TestServer, token: &str, path: &str) -> (i64, Vec<Value>) {
    let r = get(s, token, path).await;
    assert_eq!(r.status(), 200, "{path}");
    let total = r.headers()["x-total-count"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    (total, r.json::<Vec<Value>>().await.unwrap())
}

#[tokio::test]
async fn assignment_list_filters_sorts_pages_and_keeps_scope() {
    for db in backends().await {
        let s = TestServer::start(db).await;
        seed(&s).await;
        let mz = s.web_login("minzheng").await;

        // The filter: only that status, with the right total.
        let p = page(&mz, &s, "/assignments").await;
        assert_eq!(total(&p), 26);
        let p = page(&mz, &s, "/assignments?status=in_force").await;
        assert_eq!((total(&p), rows(&p, "工作事项")), (3, 3));
        assert!(
            titles(&p, "工作事项")
                .iter()
                .all(|t| t.starts_with("入户核查"))
        );
        assert!(p.contains("<option value=\"in_force\" selected>"), "{p}");
        let p = page(&mz, &s, "/assignments?status=overdue").await;
        let mut late = titles(&p, "工作事项");
        late.sort();
        assert_eq!(late, LATE);

        // Pages: 23 waiting cases are 20 + 3, the links keep the filter and the order.
        let p = page(&mz, &s, "/assignments?status=pending_approval&sort=oldest").await;
        assert_eq!((total(&p), rows(&p, "工作事项")), (23, 20));
        assert!(p.contains("第 1 页，共 23 条"), "{p}");
        assert!(
            p.contains(
                "href=\"/assignments?status=pending_approval&sort=oldest&page=2\" rel=\"next\""
            ),
            "{p}"
        );
        assert!(!p.contains("rel=\"prev\""));
        let first_page = titles(&p, "工作事项");
        assert_eq!(&first_page[..2], LATE, "oldest first");
        let p = page(
            &mz,
            &s,
            "/assignments?status=pending_approval&sort=oldest&page=2",
        )
        .await;
        assert_eq!(rows(&p, "工作事项"), 3);
        assert!(p.contains("第 2 页，共 23 条"));
        assert!(
            p.contains("href=\"/assignments?status=pending_approval&sort=oldest\" rel=\"prev\""),
            "{p}"
        );
        assert!(!p.contains("rel=\"next\""));
        let second_page = titles(&p, "工作事项");
        assert!(second_page.iter().all(|t| !first_page.contains(t)));
        assert_eq!(second_page.last().unwrap(), "走访慰问 晚21");
        // Newest first is the default; the nearest deadline first puts the late ones on top.
        let p = page(&mz, &s, "/assignments?status=pending_approval").await;
        assert_eq!(titles(&p, "工作事项")[0], "走访慰问 晚21");
        let p = page(
            &mz,
            &s,
            "/assignments?status=pending_approval&sort=deadline",
        )
        .await;
        let top = titles(&p, "工作事项");
        assert!(
            LATE.contains(&top[0].as_str()) && LATE.contains(&top[1].as_str()),
            "{top:?}"
        );

        // Bad values fall back to the defaults and say so; nothing breaks.
        for bad in [
            "/assignments?status=bogus",
            "/assignments?page=abc",
            "/assignments?page=0",
            "/assignments?sort=title%3B%20DROP%20TABLE%20assignments",
            "/assignments?page=-3&status=all",
        ] {
            let p = page(&mz, &s, bad).await;
            assert_eq!(total(&p), 26, "{bad}");
            assert!(p.contains("无法识别，已按默认条件显示"), "{bad}");
        }
        // A page past the end shows the last one; an empty filter says so with a way out.
        let p = page(&mz, &s, "/assignments?status=pending_approval&page=99").await;
        assert!(p.contains("第 2 页，共 23 条"));
        let p = page(&mz, &s, "/assignments?status=refused").await;
        assert!(
            p.contains("没有符合条件的事项") && p.contains("清除筛选"),
            "{p}"
        );

        // Scope is not widened: a community sees only work in force for itself, and cannot ask
        // for other states.
        let sg = s.web_login("shegong").await;
        let p = page(&sg, &s, "/assignments").await;
        assert_eq!((total(&p), rows(&p, "工作事项")), (3, 3));
        let p = page(&sg, &s, "/assignments?status=pending_approval").await;
        assert_eq!(total(&p), 3);
        assert!(p.contains("无法识别"));
        let sg2 = s.web_login("shegong2").await;
        let p = page(&sg2, &s, "/assignments").await;
        assert_eq!(total(&p), 0);
        assert!(p.contains("目前没有交给本社区的准入事项"));

        // The API: the same filters, pages in headers, a bare array as before.
        let token = s.api_token("minzheng").await;
        let (n, all) = api_list(&s, &token, "/api/v1/assignments").await;
        assert_eq!((n, all.len()), (26, 26));
        let (n, items) = api_list(
            &s,
            &token,
            "/api/v1/assignments?status=pending_approval&sort=oldest&per_page=10&page=3",
        )
        .await;
        assert_eq!((n, items.len()), (23, 3));
        assert!(items.iter().all(|c| c["status"] == "pending_approval"));
        let (n, items) = api_list(&s, &token, "/api/v1/assignments?status=overdue").await;
        assert_eq!((n, items.len()), (2, 2));
        let (_, items) = api_list(&s, &token, "/api/v1/assignments?page=5&per_page=10").await;
        assert!(
            items.is_empty(),
            "past the end the API answers an empty page"
        );
        for (q, status, code) in [
            ("status=pending_district", 422, "invalid_status"),
            ("sort=title", 422, "invalid_sort"),
            ("page=0", 422, "invalid_page"),
            ("per_page=501", 422, "invalid_page"),
            ("page=abc", 400, "invalid_query"),
        ] {
            let path = format!("/api/v1/assignments?{q}");
            expect_code(get(&s, &token, &path).await, status, code).await;
        }
        let community = s.api_token("shegong").await;
        expect_code(
            get(
                &s,
                &community,
                "/api/v1/assignments?status=pending_approval",
            )
            .await,
            422,
            "invalid_status",
        )
        .await;
        let (n, _) = api_list(&s, &community, "/api/v1/assignments").await;
        assert_eq!(n, 3);
    }
}

#[tokio::test]
async fn violation_and_certificate_lists_filter_page_and_keep_scope() {
    for db in backends().await {
        let s = TestServer::start(db).await;
        seed(&s).await;

        // Reports: a community sees its own, filtered.
        let sg = s.web_login("shegong").await;
        let p = page(&sg, &s, "/violations").await;
        assert_eq!((total(&p), rows(&p, "工作名称")), (3, 3));
        let p = page(&sg, &s, "/violations?status=reported").await;
        assert_eq!(titles(&p, "工作名称"), ["上报商户 03", "上报商户 02"]);
        let p = page(&sg, &s, "/violations?status=reported&sort=oldest").await;
        assert_eq!(titles(&p, "工作名称"), ["上报商户 02", "上报商户 03"]);
        let p = page(&sg, &s, "/violations?status=dismissed").await;
        assert!(p.contains("没有符合条件的举报") && p.contains("清除筛选"));
        let sg2 = s.web_login("shegong2").await;
        let p = page(&sg2, &s, "/violations").await;
        assert_eq!(titles(&p, "工作名称"), ["上报商户 05", "上报商户 04"]);
        let p = page(&sg2, &s, "/violations?status=nope&page=x").await;
        assert_eq!(total(&p), 2);
        assert!(p.contains("无法识别"));
        // The supervisor sees everything; the department filter is kept in the links.
        let du = s.web_login("ducha").await;
        let p = page(&du, &s, "/violations?status=reported&department=110115-MZJ").await;
        assert_eq!(total(&p), 4);
        let token = s.api_token("ducha").await;
        let (n, items) = api_list(&s, &token, "/api/v1/violations?per_page=2&page=3").await;
        assert_eq!((n, items.len()), (5, 1));
        assert_eq!(items[0]["title"], "上报商户 01");
        let (n, items) = api_list(
            &s,
            &token,
            "/api/v1/violations?status=confirmed&sort=oldest",
        )
        .await;
        assert_eq!((n, items[0]["title"].as_str()), (1, Some("上报商户 01")));
        expect_code(
            get(&s, &token, "/api/v1/violations?sort=deadline").await,
            422,
            "invalid_sort",
        )
        .await;
        let (n, _) = api_list(&s, &s.api_token("minzheng").await, "/api/v1/violations").await;
        assert_eq!(n, 5, "the department reads the reports against it");

        // Certificate applications: the worker's queue and the resident's own list.
        let p = page(&sg, &s, "/certificates?status=submitted").await;
        assert_eq!((total(&p), rows(&p, "证明")), (3, 3));
        let p = page(&sg, &s, "/certificates?status=overdue&sort=deadline").await;
        assert_eq!(total(&p), 3);
        assert!(p.contains("3 件申请已超过办结期限"));
        let p = page(&sg, &s, "/certificates?status=issued").await;
        assert!(p.contains("没有符合条件的申请"));
        let p = page(&sg2, &s, "/certificates").await;
        assert_eq!(total(&p), 0, "another community's queue is empty");
        let jm = s.web_login("jumin").await;
        let p = page(&jm, &s, "/certificates?status=open").await;
        assert_eq!(
            (total(&p), p.matches("class=\"cert-list-link\"").count()),
            (3, 3)
        );
        let token = s.api_token("jumin").await;
        let (n, items) = api_list(
            &s,
            &token,
            "/api/v1/certificates/applications?status=open&per_page=2&page=2",
        )
        .await;
        assert_eq!((n, items.len()), (3, 1));
        expect_code(
            get(&s, &token, "/api/v1/certificates/applications?status=lost").await,
            422,
            "invalid_status",
        )
        .await;
    }
}

/// Every home tile that links to a filtered list, as (link, figure).
fn tiles(home: &str) -> Vec<(String, i64)> {
    home.split("<li class=\"stat\">")
        .skip(1)
        .filter_map(|tile| {
            let from = tile.find("<a href=\"")? + "<a href=\"".len();
            let href = &tile[from..from + tile[from..].find('"')?];
            if !href.contains("?status=") {
                return None;
            }
            let v = tile.find("stat-value")?;
            let from = v + tile[v..].find('>')? + 1;
            let to = from + tile[from..].find('<')?;
            Some((href.to_string(), tile[from..to].trim().parse().ok()?))
        })
        .collect()
}

#[tokio::test]
async fn home_tiles_equal_the_filtered_lists_they_link_to() {
    for db in backends().await {
        let s = TestServer::start(db).await;
        seed(&s).await;
        // (user, tiles that must link to a filtered list, the sum of their figures)
        for (user, at_least, sum) in [
            // 已准入 3, 待审批 23, 未予准入 0, 经核实的违规下派 1
            ("minzheng", 4, 27),
            // 待审批 23, 已超过审批期限 2, 已准入 3
            ("shenpi", 3, 28),
            // 本社区准入事项 3, 举报待核实 2, 已撤销 1, 待核实 3, 待审批用印 0, 待出具 0, 已超期 3
            ("shegong", 7, 12),
            // 办理中 3, 已出具 0
            ("jumin", 2, 3),
            ("ducha", 4, 4 + 1 + 2 + 3),
            ("jiedao", 2, 23 + 3),
        ] {
            let c = s.web_login(user).await;
            let home = page(&c, &s, "/").await;
            let found = tiles(&home);
            assert!(found.len() >= at_least, "{user}: {found:?}");
            for (href, figure) in &found {
                let list = page(&c, &s, href).await;
                assert_eq!(total(&list), *figure, "{user}: {href}");
                assert!(!list.contains("无法识别"), "{user}: {href}");
            }
            // The work figures (未读通知 is checked against its list above, like every tile).
            assert_eq!(
                found
                    .iter()
                    .filter(|t| !t.0.starts_with("/notices"))
                    .map(|t| t.1)
                    .sum::<i64>(),
                sum,
                "{user}: {found:?}"
            );
        }
    }
}

/// 通知 is a list like the others (issue 10 §3): 未读/已读, newest or oldest first, 20 a page, with
/// the unread total beside 通知 in the navigation; marking one read comes back to the page it was
/// on, never to another site.
#[tokio::test]
async fn notice_list_filters_pages_and_the_navigation_counts_unread() {
    for db in backends().await {
        let s = TestServer::start(db).await;
        let label = s.db.label;
        seed(&s).await;
        let sp = s.api_token("shenpi").await;
        // Each of the 23 cases waiting for approval told the approver; he has read nothing.
        let (all, _) = api_list(&s, &sp, "/api/v1/notices?per_page=1").await;
        let (unread, first) = api_list(&s, &sp, "/api/v1/notices?status=unread&per_page=20").await;
        assert!(unread >= 23, "{label}: {unread}");
        assert_eq!(unread, all, "{label}");
        assert_eq!(first.len(), 20, "{label}");
        let (_, second) =
            api_list(&s, &sp, "/api/v1/notices?status=unread&per_page=20&page=2").await;
        assert_eq!(second.len() as i64, unread - 20, "{label}");
        assert!(
            first.iter().chain(&second).all(|n| n["read"] == false),
            "{label}"
        );
        let (_, newest) = api_list(&s, &sp, "/api/v1/notices?per_page=1").await;
        let (_, oldest) = api_list(&s, &sp, "/api/v1/notices?sort=oldest&per_page=1").await;
        assert!(
            oldest[0]["created_at"].as_i64() < newest[0]["created_at"].as_i64(),
            "{label}"
        );
        expect_code(
            get(&s, &sp, "/api/v1/notices?status=handled").await,
            422,
            "invalid_status",
        )
        .await;

        // The page: the same total, a pager that keeps the filter, the figure in the navigation.
        let c = s.web_login("shenpi").await;
        let list = page(&c, &s, "/notices?status=unread").await;
        assert_eq!(total(&list), unread, "{label}");
        assert!(
            list.contains("href=\"/notices?status=unread&page=2\""),
            "{label}: next page keeps the filter"
        );
        assert!(
            list.contains(&format!("class=\"nav-badge\">{unread}<")),
            "{label}: the navigation counts unread notices"
        );
        // Marked read on page 2: back on page 2, one fewer unread, and it is among the read.
        let here = "/notices?status=unread&page=2";
        let p2 = page(&c, &s, here).await;
        let csrf = crate::helpers::hidden_field(&p2, "csrf").unwrap();
        let id = second[0]["id"].as_str().unwrap();
        assert!(
            p2.contains(id),
            "{label}: page 2 shows what the API's page 2 does"
        );
        let r = c
            .post(s.url(&format!("/notices/{id}/read")))
            .form(&[("csrf", csrf.as_str()), ("back", here)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{label}");
        assert_eq!(r.headers()["location"], here, "{label}");
        let (now_unread, _) = api_list(&s, &sp, "/api/v1/notices?status=unread").await;
        assert_eq!(now_unread, unread - 1, "{label}");
        let (read, read_list) = api_list(&s, &sp, "/api/v1/notices?status=read").await;
        assert_eq!(
            (read, read_list[0]["id"].as_str()),
            (1, Some(id)),
            "{label}"
        );
        let home = page(&c, &s, "/").await;
        assert!(
            home.contains(&format!("class=\"nav-badge\">{now_unread}<")),
            "{label}"
        );
        // 全部标为已读 sent with another site as where to go back: the list itself.
        let r = c
            .post(s.url("/notices/read-all"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("back", "https://example.org/notices"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()["location"], "/notices", "{label}");
        let home = page(&c, &s, "/").await;
        assert!(
            !home.contains("nav-badge"),
            "{label}: nothing unread, no figure"
        );
    }
}
