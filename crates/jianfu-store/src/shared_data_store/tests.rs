//! The shared data store on a temporary SQLite file: entry and correction, races, aggregates at
//! the three scopes, the query plans, the change feed, proposals, reports, ledgers.
use super::*;
use crate::{DatabaseUrl, OrgRow, Store};
use std::sync::Arc;

/// A migrated SQLite database in a directory of its own, removed when dropped.
struct Db {
    store: Arc<dyn Store>,
    dir: std::path::PathBuf,
}

impl Drop for Db {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Db {
    fn path(&self) -> std::path::PathBuf {
        self.dir.join("jianfu.db")
    }

    async fn raw(&self) -> sqlx::SqliteConnection {
        use sqlx::Connection;
        sqlx::SqliteConnection::connect(&format!("sqlite:{}", self.path().display()))
            .await
            .unwrap()
    }

    /// Records on the `system` chain.
    async fn audited(&self) -> i64 {
        let heads = self.store.audit_heads().await.unwrap();
        heads
            .iter()
            .find(|h| h.chain == "system")
            .map_or(0, |h| h.seq)
    }
}

fn audit(action: &str) -> AuditDraft {
    AuditDraft {
        chain: "system".into(),
        id: uuid::Uuid::now_v7().to_string(),
        at: 1,
        action: action.into(),
        object: "test".into(),
        result: "ok".into(),
        detail: "{}".into(),
        ..Default::default()
    }
}

fn org(code: &str, kind: &str, parent: Option<&str>) -> OrgRow {
    OrgRow {
        code: code.into(),
        name: code.into(),
        kind: kind.into(),
        parent_code: parent.map(Into::into),
        created_at: 0,
    }
}

/// District D: streets S1 (communities C1, C2) and S2 (C3); department B.
async fn db() -> Db {
    let dir = std::env::temp_dir().join(format!("jianfu-shared-data-{}", uuid::Uuid::now_v7()));
    let url = DatabaseUrl::Sqlite {
        path: dir.join("jianfu.db"),
    };
    let store = crate::open(&url).await.unwrap();
    let orgs = [
        org("D", "district", None),
        org("B", "department", Some("D")),
        org("S1", "street", Some("D")),
        org("S2", "street", Some("D")),
        org("C1", "community", Some("S1")),
        org("C2", "community", Some("S1")),
        org("C3", "community", Some("S2")),
    ];
    store.insert_orgs(&orgs, audit("org.create")).await.unwrap();
    Db { store, dir }
}

fn first(element: &str, period: &str, value: i64) -> ValueWrite {
    ValueWrite {
        element: element.into(),
        period: period.into(),
        value,
        expected_revision: None,
        reason: String::new(),
    }
}

fn correct(element: &str, period: &str, value: i64, expected: i32) -> ValueWrite {
    ValueWrite {
        element: element.into(),
        period: period.into(),
        value,
        expected_revision: Some(expected),
        reason: "更正".into(),
    }
}

fn key(e: &str, p: &str) -> (String, String) {
    (e.into(), p.into())
}

async fn enter(db: &Db, community: &str, writes: &[ValueWrite], at: i64) -> EnterOutcome {
    db.store
        .enter_values(community, writes, "clerk", "form", at, audit("data.enter"))
        .await
        .unwrap()
}

fn periods(ps: &[&str]) -> Vec<String> {
    ps.iter().map(|p| p.to_string()).collect()
}

#[tokio::test]
async fn entries_and_corrections_are_compared_and_set_and_a_stale_one_writes_nothing() {
    let db = db().await;
    let s = &db.store;
    let writes = [
        first("households", "2026-11", 120),
        first("residents", "2026-11", 300),
        first("households", "2026-10", 118),
    ];
    assert_eq!(
        enter(&db, "C1", &writes, 10).await,
        EnterOutcome::Saved { written: 3 }
    );
    let values = s.values_of("C1", &periods(&["2026-11"])).await.unwrap();
    assert_eq!(values.len(), 2);
    assert_eq!(
        values[0],
        ValueRow {
            community: "C1".into(),
            element: "households".into(),
            period: "2026-11".into(),
            value: 120,
            revision: 1,
            entered_by: "clerk".into(),
            entered_at: 10,
        }
    );
    let audited = db.audited().await;

    // One stale correction (revision 2 does not exist yet) and one first entry of a value
    // that exists: nothing of the call is written, not even the good writes.
    let outcome = enter(
        &db,
        "C1",
        &[
            correct("households", "2026-11", 121, 1),
            correct("residents", "2026-11", 301, 2),
            first("households", "2026-10", 119),
            first("elderly", "2026-11", 40),
        ],
        20,
    )
    .await;
    assert_eq!(
        outcome,
        EnterOutcome::Stale(vec![
            key("residents", "2026-11"),
            key("households", "2026-10")
        ])
    );
    let after = s
        .values_of("C1", &periods(&["2026-10", "2026-11"]))
        .await
        .unwrap();
    assert_eq!(after.len(), 3, "no first entry of elderly: {after:?}");
    assert!(after.iter().all(|v| v.revision == 1 && v.entered_at == 10));
    assert_eq!(
        db.audited().await,
        audited,
        "no audit record for a stale call"
    );
    assert_eq!(
        s.value_history("C1", "households", "2026-11")
            .await
            .unwrap()
            .len(),
        1
    );

    // The right revisions: saved, revision 2, the old value kept in the history.
    let outcome = enter(
        &db,
        "C1",
        &[
            correct("households", "2026-11", 121, 1),
            first("elderly", "2026-11", 40),
        ],
        30,
    )
    .await;
    assert_eq!(outcome, EnterOutcome::Saved { written: 2 });
    assert_eq!(db.audited().await, audited + 1);
    let history = s
        .value_history("C1", "households", "2026-11")
        .await
        .unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(
        (
            history[0].old_value,
            history[0].new_value,
            history[0].revision,
            history[0].reason.as_str(),
            history[0].changed_at
        ),
        (Some(120), 121, 2, "更正", 30)
    );
    assert_eq!(
        (
            history[1].old_value,
            history[1].new_value,
            history[1].revision
        ),
        (None, 120, 1)
    );
    assert_eq!(history[1].source, "form");
    let now = s.values_of("C1", &periods(&["2026-11"])).await.unwrap();
    let households = now.iter().find(|v| v.element == "households").unwrap();
    assert_eq!(
        (households.value, households.revision, households.entered_at),
        (121, 2, 30)
    );

    // Correcting the old revision again is stale; the same key twice is refused.
    assert_eq!(
        enter(&db, "C1", &[correct("households", "2026-11", 122, 1)], 40).await,
        EnterOutcome::Stale(vec![key("households", "2026-11")])
    );
    let twice = s
        .enter_values(
            "C1",
            &[first("x", "2026-11", 1), first("x", "2026-11", 2)],
            "clerk",
            "form",
            50,
            audit("data.enter"),
        )
        .await;
    assert!(
        matches!(twice, Err(crate::StoreError::Conflict(_))),
        "{twice:?}"
    );
    // Another community's values are its own.
    assert_eq!(
        enter(&db, "C2", &[first("households", "2026-11", 80)], 60).await,
        EnterOutcome::Saved { written: 1 }
    );
}

#[tokio::test]
async fn two_hundred_values_are_entered_in_one_call() {
    let db = db().await;
    let writes: Vec<ValueWrite> = (0..200)
        .map(|i| first(&format!("e{i:03}"), "2026-11", i))
        .collect();
    let started = std::time::Instant::now();
    assert_eq!(
        enter(&db, "C1", &writes, 10).await,
        EnterOutcome::Saved { written: 200 }
    );
    let entered = started.elapsed();
    let corrections: Vec<ValueWrite> = (0..200)
        .map(|i| correct(&format!("e{i:03}"), "2026-11", i + 1, 1))
        .collect();
    let started = std::time::Instant::now();
    assert_eq!(
        enter(&db, "C1", &corrections, 20).await,
        EnterOutcome::Saved { written: 200 }
    );
    eprintln!(
        "200 first entries: {entered:?}; 200 corrections: {:?}",
        started.elapsed()
    );
    let values = db
        .store
        .values_of("C1", &periods(&["2026-11"]))
        .await
        .unwrap();
    assert_eq!(values.len(), 200);
    assert!(values.iter().all(|v| v.revision == 2));
}

#[tokio::test]
async fn aggregates_add_up_a_community_a_street_and_a_district() {
    let db = db().await;
    // C1: Oct 10, Nov 11, Dec 12 (outside the window); C2: Oct 20 only; C3: Oct 30, Nov 31.
    enter(
        &db,
        "C1",
        &[
            first("h", "2026-10", 10),
            first("h", "2026-11", 11),
            first("h", "2026-12", 12),
            first("r", "2026-11", 5),
        ],
        100,
    )
    .await;
    enter(&db, "C2", &[first("h", "2026-10", 20)], 200).await;
    enter(
        &db,
        "C3",
        &[first("h", "2026-10", 30), first("h", "2026-11", 31)],
        300,
    )
    .await;
    let window = |elements: &[&str]| ElementWindow {
        elements: elements.iter().map(|e| e.to_string()).collect(),
        first: "2026-10".into(),
        last: "2026-11".into(),
    };
    let agg = |scope: AggregateScope, elements: &[&str]| AggregateQuery {
        scope,
        windows: vec![window(elements)],
    };
    let row = |g: &str, e: &str, c: i64, v: i64, all: i64, latest: i64, at: i64| AggregateRow {
        group_code: g.into(),
        element: e.into(),
        communities: c,
        values: v,
        sum_all: all,
        sum_latest: latest,
        last_entered_at: at,
    };
    let s = &db.store;
    assert_eq!(
        s.aggregate_values(&agg(AggregateScope::Community("C1".into()), &["h", "r"]))
            .await
            .unwrap(),
        vec![
            row("C1", "h", 1, 2, 21, 11, 100),
            row("C1", "r", 1, 1, 5, 5, 100)
        ]
    );
    assert_eq!(
        s.aggregate_values(&agg(AggregateScope::Street("S1".into()), &["h"]))
            .await
            .unwrap(),
        vec![
            row("C1", "h", 1, 2, 21, 11, 100),
            row("C2", "h", 1, 1, 20, 20, 200)
        ]
    );
    // Per street: S1's latest is C1's November (11) plus C2's October (20).
    assert_eq!(
        s.aggregate_values(&agg(AggregateScope::District("D".into()), &["h"]))
            .await
            .unwrap(),
        vec![
            row("S1", "h", 2, 3, 41, 31, 200),
            row("S2", "h", 1, 2, 61, 31, 300)
        ]
    );
    // Two windows: r over November only, h over October only.
    let two = AggregateQuery {
        scope: AggregateScope::District("D".into()),
        windows: vec![
            ElementWindow {
                elements: vec!["h".into()],
                first: "2026-10".into(),
                last: "2026-10".into(),
            },
            ElementWindow {
                elements: vec!["r".into()],
                first: "2026-11".into(),
                last: "2026-11".into(),
            },
            ElementWindow {
                elements: vec![],
                first: "2026".into(),
                last: "2027".into(),
            },
        ],
    };
    assert_eq!(
        s.aggregate_values(&two).await.unwrap(),
        vec![
            row("S1", "h", 2, 2, 30, 30, 200),
            row("S1", "r", 1, 1, 5, 5, 100),
            row("S2", "h", 1, 1, 30, 30, 300),
        ]
    );
    assert!(
        s.aggregate_values(&agg(AggregateScope::District("S1".into()), &["h"]))
            .await
            .unwrap()
            .is_empty()
    );
    let counts = s.entry_counts("2026-10", "2026-11").await.unwrap();
    assert_eq!(
        counts,
        vec![
            EntryCount {
                period: "2026-10".into(),
                communities: 3,
                fields: 3
            },
            EntryCount {
                period: "2026-11".into(),
                communities: 2,
                fields: 3
            },
        ]
    );
}

async fn plan(c: &mut sqlx::SqliteConnection, sql: &str) -> String {
    let rows: Vec<(i64, i64, i64, String)> =
        sqlx::query_as(sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {sql}")))
            .fetch_all(c)
            .await
            .unwrap();
    rows.into_iter().map(|r| r.3).collect::<Vec<_>>().join("; ")
}

/// The statements `aggregate_values` (district scope) and `value_changes_since` build read
/// the indexes, not the whole values or changes table.
#[tokio::test]
async fn aggregates_and_the_feed_use_the_indexes() {
    let db = db().await;
    let mut c = db.raw().await;
    let district = plan(
        &mut c,
        "WITH scoped AS (SELECT v.community, o.parent_code AS group_code, v.element, \
         v.period, v.value, v.entered_at, ROW_NUMBER() OVER (PARTITION BY v.community, \
         v.element ORDER BY v.period DESC) AS latest FROM orgs s \
         JOIN orgs o ON o.parent_code = s.code JOIN data_values v ON v.community = o.code \
         WHERE s.parent_code = $1 AND ((v.element IN ($2, $3) AND v.period >= $4 \
         AND v.period <= $5) OR (v.element IN ($6) AND v.period >= $7 AND v.period <= $8))) \
         SELECT group_code, element, COUNT(DISTINCT community), COUNT(*) FROM scoped \
         GROUP BY group_code, element ORDER BY group_code, element",
    )
    .await;
    assert!(!district.contains("SCAN v"), "{district}");
    let community = plan(
        &mut c,
        "WITH scoped AS (SELECT v.community, v.community AS group_code, v.element, \
         v.period, v.value, v.entered_at, ROW_NUMBER() OVER (PARTITION BY v.community, \
         v.element ORDER BY v.period DESC) AS latest FROM data_values v \
         WHERE v.community = $1 AND ((v.element IN ($2, $3) AND v.period >= $4 \
         AND v.period <= $5))) SELECT group_code, element, COUNT(*) FROM scoped \
         GROUP BY group_code, element",
    )
    .await;
    assert!(!community.contains("SCAN v"), "{community}");
    let feed = plan(
        &mut c,
        "SELECT id FROM data_value_changes WHERE changed_at < $1 AND changed_at >= $2 \
         AND (changed_at > $3 OR id > $4) AND element IN ($5, $6) \
         ORDER BY changed_at, id LIMIT $7",
    )
    .await;
    assert!(
        feed.contains("data_value_changes_feed") && !feed.contains("TEMP B-TREE"),
        "{feed}"
    );
    let counts = plan(
        &mut c,
        "SELECT period, COUNT(DISTINCT community), COUNT(*) FROM data_values \
         WHERE period >= $1 AND period <= $2 GROUP BY period ORDER BY period",
    )
    .await;
    assert!(counts.contains("data_values_period"), "{counts}");
    eprintln!("{district}\n{community}\n{feed}\n{counts}");
}

#[tokio::test]
async fn the_change_feed_pages_by_its_cursor() {
    let db = db().await;
    enter(
        &db,
        "C1",
        &[first("h", "2026-11", 1), first("r", "2026-11", 2)],
        100,
    )
    .await;
    enter(&db, "C2", &[first("h", "2026-11", 3)], 100).await;
    enter(&db, "C3", &[first("h", "2026-11", 4)], 200).await;
    enter(&db, "C1", &[correct("h", "2026-11", 5, 1)], 300).await;
    enter(&db, "C2", &[correct("h", "2026-11", 6, 1)], 400).await;
    let s = &db.store;
    let h = vec!["h".to_string()];
    // Before 400: the four changes to h at 100, 100, 200, 300; two a page.
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = s
            .value_changes_since(after.clone(), 400, &h, 2)
            .await
            .unwrap();
        assert!(page.len() <= 2);
        let Some(last) = page.last() else { break };
        after = Some((last.changed_at, last.id.clone()));
        seen.extend(
            page.into_iter()
                .map(|c| (c.changed_at, c.community, c.new_value)),
        );
    }
    assert_eq!(seen.len(), 4, "{seen:?}");
    let times: Vec<i64> = seen.iter().map(|c| c.0).collect();
    assert_eq!(times, vec![100, 100, 200, 300]);
    let mut at_100: Vec<_> = seen[..2].iter().map(|c| c.1.as_str()).collect();
    at_100.sort();
    assert_eq!(at_100, vec!["C1", "C2"]);
    assert_eq!((seen[3].1.as_str(), seen[3].2), ("C1", 5));
    // The cursor moves on: nothing more before 400, the correction at 400 before 401.
    assert!(
        s.value_changes_since(after.clone(), 400, &h, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let next = s.value_changes_since(after, 401, &h, 10).await.unwrap();
    assert_eq!(next.len(), 1);
    assert_eq!(
        (next[0].old_value, next[0].new_value, next[0].revision),
        (Some(3), 6, 2)
    );
    // Only the elements asked for.
    let r = s
        .value_changes_since(None, i64::MAX, &["r".to_string()], 10)
        .await
        .unwrap();
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].element, "r");
    assert!(
        s.value_changes_since(None, i64::MAX, &[], 10)
            .await
            .unwrap()
            .is_empty()
    );
}

fn element(code: &str, at: i64, case: Option<&str>) -> ElementRow {
    ElementRow {
        code: code.into(),
        name: "户数".into(),
        definition: "本社区常住户数".into(),
        unit: "户".into(),
        value_type: "integer".into(),
        scale: 0,
        period_type: "month".into(),
        aggregation: "sum".into(),
        min_value: Some(0),
        max_value: None,
        owner: "B".into(),
        legal_basis: "《统计法》".into(),
        similar_json: "[]".into(),
        assignment_department: case.map(|_| "B".into()),
        assignment_id: case.map(Into::into),
        proposed_by: "b-clerk".into(),
        proposed_at: at,
    }
}

#[tokio::test]
async fn proposed_elements_carry_their_case_state() {
    let db = db().await;
    let s = &db.store;
    let mut c = db.raw().await;
    sqlx::query(
        "INSERT INTO assignments (department_code, id, title, community_role, status, \
         outcome, catalog_version, request_json, decision_json, all_communities, \
         requires_funding, period_from, period_to, submitted_by, submitted_at, updated_at) \
         VALUES ('B', 'case-1', 't', 'r', 'pending_review', 'o', 'v', '{}', '{}', FALSE, \
         FALSE, '2026-01-01', '2026-12-31', 'b', 0, 0)",
    )
    .execute(&mut c)
    .await
    .unwrap();
    s.propose_element(
        &element("B.households", 10, Some("case-1")),
        audit("data.propose"),
    )
    .await
    .unwrap();
    s.propose_element(&element("B.residents", 20, None), audit("data.propose"))
        .await
        .unwrap();
    s.propose_element(
        &element("B.elderly", 30, Some("no-such-case")),
        audit("data.propose"),
    )
    .await
    .unwrap();
    let dup = s
        .propose_element(&element("B.households", 40, None), audit("data.propose"))
        .await;
    assert!(
        matches!(dup, Err(crate::StoreError::Conflict(_))),
        "{dup:?}"
    );
    let proposed = s.proposed_elements().await.unwrap();
    let got: Vec<(&str, Option<&str>)> = proposed
        .iter()
        .map(|p| (p.element.code.as_str(), p.assignment_status.as_deref()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("B.elderly", None),
            ("B.residents", None),
            ("B.households", Some("pending_review")),
        ]
    );
    assert_eq!(
        proposed[2].element,
        element("B.households", 10, Some("case-1"))
    );
}

#[tokio::test]
async fn reports_are_defined_once_and_withdrawn_once() {
    let db = db().await;
    let s = &db.store;
    let report = |code: &str, at: i64| ReportDefinitionRow {
        code: code.into(),
        department: "B".into(),
        title: "月度人口".into(),
        replaces: "人口月报表".into(),
        columns_json: "[]".into(),
        created_by: "b-clerk".into(),
        created_at: at,
        withdrawn_at: None,
    };
    s.define_report(&report("R1", 10), audit("report.define"))
        .await
        .unwrap();
    s.define_report(&report("R2", 20), audit("report.define"))
        .await
        .unwrap();
    let dup = s
        .define_report(&report("R1", 30), audit("report.define"))
        .await;
    assert!(
        matches!(dup, Err(crate::StoreError::Conflict(_))),
        "{dup:?}"
    );
    let all = s.report_definitions().await.unwrap();
    assert_eq!(
        all.iter().map(|r| r.code.as_str()).collect::<Vec<_>>(),
        vec!["R2", "R1"]
    );
    let audited = db.audited().await;
    assert!(
        s.withdraw_report("R1", 50, audit("report.withdraw"))
            .await
            .unwrap()
    );
    assert!(
        !s.withdraw_report("R1", 60, audit("report.withdraw"))
            .await
            .unwrap()
    );
    assert!(
        !s.withdraw_report("R9", 60, audit("report.withdraw"))
            .await
            .unwrap()
    );
    assert_eq!(db.audited().await, audited + 1);
    let r1 = s.report_definition("R1").await.unwrap().unwrap();
    assert_eq!(r1.withdrawn_at, Some(50));
    assert_eq!(s.report_definition("R9").await.unwrap(), None);
}

#[tokio::test]
async fn ledger_records_page_newest_day_first_and_count_by_template() {
    let db = db().await;
    let s = &db.store;
    let record = |community: &str, id: &str, template: &str, day: &str| LedgerRecordRow {
        community: community.into(),
        id: id.into(),
        template: template.into(),
        day: day.into(),
        fields_json: "{}".into(),
        entered_by: "clerk".into(),
        entered_at: 1,
    };
    for r in [
        record("C1", "a", "visits", "2026-11-01"),
        record("C1", "b", "visits", "2026-11-03"),
        record("C1", "c", "meetings", "2026-11-02"),
        record("C2", "d", "visits", "2026-10-30"),
    ] {
        s.add_ledger_record(&r, audit("ledger.add")).await.unwrap();
    }
    let dup = s
        .add_ledger_record(
            &record("C1", "a", "visits", "2026-11-05"),
            audit("ledger.add"),
        )
        .await;
    assert!(
        matches!(dup, Err(crate::StoreError::Conflict(_))),
        "{dup:?}"
    );
    let page = s.ledger_records("C1", None, 2, 0).await.unwrap();
    assert_eq!(page.total, 3);
    assert_eq!(
        page.rows.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        vec!["b", "c"]
    );
    let page = s.ledger_records("C1", None, 2, 2).await.unwrap();
    assert_eq!(
        page.rows.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        vec!["a"]
    );
    let visits = s.ledger_records("C1", Some("visits"), 10, 0).await.unwrap();
    assert_eq!(visits.total, 2);
    assert_eq!(
        visits
            .rows
            .iter()
            .map(|r| r.id.as_str())
            .collect::<Vec<_>>(),
        vec!["b", "a"]
    );
    assert_eq!(
        s.ledger_records("C1", None, 0, 0).await.unwrap().rows,
        vec![]
    );
    assert_eq!(
        s.ledger_counts("2026-11-01", "2026-11-30").await.unwrap(),
        vec![("meetings".to_string(), 1), ("visits".to_string(), 2)]
    );
}

#[tokio::test]
async fn synthetic_values_are_inserted_in_bulk() {
    let db = db().await;
    let rows: Vec<ValueRow> = (0..2_500)
        .map(|i| ValueRow {
            community: ["C1", "C2", "C3"][i % 3].into(),
            element: format!("e{}", i / 3),
            period: "2026-11".into(),
            value: i as i64,
            revision: 1,
            entered_by: "generate".into(),
            entered_at: 7,
        })
        .collect();
    assert_eq!(
        db.store.insert_values_unaudited(&rows).await.unwrap(),
        2_500
    );
    let counts = db.store.entry_counts("2026-11", "2026-11").await.unwrap();
    assert_eq!((counts[0].communities, counts[0].fields), (3, 2_500));
    let again = db.store.insert_values_unaudited(&rows[..1]).await;
    assert!(
        matches!(again, Err(crate::StoreError::Conflict(_))),
        "{again:?}"
    );
}

/// Writers entering the same value at once: one is saved, the others are told it is stale
/// (on PostgreSQL the later ones find it only when inserting: the key is the guard).
#[tokio::test]
async fn of_simultaneous_first_entries_one_is_saved() {
    let db = db().await;
    let runs = (0..8).map(|i| {
        let store = db.store.clone();
        tokio::spawn(async move {
            store
                .enter_values(
                    "C1",
                    &[first("h", "2026-11", i)],
                    "clerk",
                    "api",
                    i,
                    audit("data.enter"),
                )
                .await
                .unwrap()
        })
    });
    let mut saved = 0;
    for run in runs.collect::<Vec<_>>() {
        match run.await.unwrap() {
            EnterOutcome::Saved { written: 1 } => saved += 1,
            EnterOutcome::Stale(keys) => assert_eq!(keys, vec![key("h", "2026-11")]),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(saved, 1);
    // Likewise corrections of the same revision.
    let runs = (0..8).map(|i| {
        let store = db.store.clone();
        tokio::spawn(async move {
            store
                .enter_values(
                    "C1",
                    &[correct("h", "2026-11", 100 + i, 1)],
                    "clerk",
                    "api",
                    100 + i,
                    audit("data.enter"),
                )
                .await
                .unwrap()
        })
    });
    let mut saved = 0;
    for run in runs.collect::<Vec<_>>() {
        match run.await.unwrap() {
            EnterOutcome::Saved { written: 1 } => saved += 1,
            EnterOutcome::Stale(keys) => assert_eq!(keys, vec![key("h", "2026-11")]),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(saved, 1);
    let history = db.store.value_history("C1", "h", "2026-11").await.unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].revision, 2);
}
