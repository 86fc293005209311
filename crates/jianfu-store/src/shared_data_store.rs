//! Storage for shared data, collected once (一表通): data elements proposed by departments, each
//! community's values per element and period with every entry and correction kept (the history
//! and the departments' change feed), aggregates over a community, street or district, the
//! reports departments define instead of pushed-down forms, and electronic ledger records.
//! Tables in migration 0023.

use crate::AuditDraft;
use crate::store::Result;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// A data element proposed by a department (the shipped ones live in a data file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct ElementRow {
    pub code: String,
    pub name: String,
    pub definition: String,
    pub unit: String,
    pub value_type: String,
    /// Decimal places of the stored integer.
    #[sqlx(try_from = "i64")]
    pub scale: i32,
    pub period_type: String,
    pub aggregation: String,
    pub min_value: Option<i64>,
    pub max_value: Option<i64>,
    /// The proposing department's org code.
    pub owner: String,
    pub legal_basis: String,
    /// JSON: the elements flagged as similar.
    pub similar_json: String,
    /// The access-gate case it was submitted as: (department, id).
    pub assignment_department: Option<String>,
    pub assignment_id: Option<String>,
    pub proposed_by: String,
    pub proposed_at: i64,
}

/// A proposed element with the state of its access-gate case (`None`: no case, or no such case).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct ProposedElement {
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub element: ElementRow,
    pub assignment_status: Option<String>,
}

/// A community's current value of an element for a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct ValueRow {
    pub community: String,
    pub element: String,
    pub period: String,
    /// Scaled integer.
    pub value: i64,
    /// 1 for the first entry, +1 per correction.
    #[sqlx(try_from = "i64")]
    pub revision: i32,
    pub entered_by: String,
    pub entered_at: i64,
}

/// One value to enter or correct.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValueWrite {
    pub element: String,
    pub period: String,
    pub value: i64,
    /// The revision being corrected; `None`: a first entry.
    pub expected_revision: Option<i32>,
    /// Why it is corrected ('' for a first entry).
    pub reason: String,
}

/// What [`SharedDataStore::enter_values`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum EnterOutcome {
    /// Every write was made, in one transaction with the audit record.
    Saved { written: usize },
    /// Nothing was written: these (element, period) moved on since they were read (entered by
    /// someone else meanwhile, or corrected past the expected revision).
    Stale(Vec<(String, String)>),
}

/// One entry or correction of a value, as kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct ChangeRow {
    /// UUIDv7.
    pub id: String,
    pub community: String,
    pub element: String,
    pub period: String,
    /// `None` for a first entry.
    pub old_value: Option<i64>,
    pub new_value: i64,
    /// The revision this change made.
    #[sqlx(try_from = "i64")]
    pub revision: i32,
    /// '' for a first entry.
    pub reason: String,
    /// form | import | api
    pub source: String,
    pub changed_by: String,
    pub changed_at: i64,
}

/// Whose values an aggregate adds up, and how they are grouped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AggregateScope {
    /// One community: one group, its code.
    Community(String),
    /// The communities of a street (`orgs.parent_code` = the street): one group per community.
    Street(String),
    /// The communities of a district's streets: one group per street.
    District(String),
}

/// Values of these elements for periods `first..=last` (compared as text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ElementWindow {
    pub elements: Vec<String>,
    pub first: String,
    pub last: String,
}

/// An aggregate: the union of the windows' values in the scope. An element in two windows
/// counts the values of either window once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AggregateQuery {
    pub scope: AggregateScope,
    pub windows: Vec<ElementWindow>,
}

/// One group's figures for one element.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AggregateRow {
    /// The community (community and street scopes) or the street (district scope).
    pub group_code: String,
    pub element: String,
    /// Communities with a value.
    pub communities: i64,
    /// Values (rows).
    pub values: i64,
    /// Sum over every value in the window.
    pub sum_all: i64,
    /// Sum over communities of each community's value for its latest period in the window.
    pub sum_latest: i64,
    pub last_entered_at: i64,
}

/// How many figures were entered for a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct EntryCount {
    pub period: String,
    /// Communities with at least one value.
    pub communities: i64,
    /// Values (rows).
    pub fields: i64,
}

/// A report a department defines over the shared elements.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct ReportDefinitionRow {
    pub code: String,
    pub department: String,
    pub title: String,
    /// The name of the pushed-down form this report replaces ('' if none).
    pub replaces: String,
    pub columns_json: String,
    pub created_by: String,
    pub created_at: i64,
    pub withdrawn_at: Option<i64>,
}

/// One electronic ledger record (电子台账).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct LedgerRecordRow {
    pub community: String,
    pub id: String,
    pub template: String,
    /// YYYY-MM-DD.
    pub day: String,
    pub fields_json: String,
    pub entered_by: String,
    pub entered_at: i64,
}

#[async_trait]
pub trait SharedDataStore: Send + Sync + 'static {
    /// `Conflict` if the code is taken.
    async fn propose_element(&self, row: &ElementRow, audit: AuditDraft) -> Result<()>;
    /// Every proposed element, newest first, with its case's state.
    async fn proposed_elements(&self) -> Result<Vec<ProposedElement>>;

    /// A community's current values for these periods, by element and period.
    async fn values_of(&self, community: &str, periods: &[String]) -> Result<Vec<ValueRow>>;
    /// Enters and corrects a community's values in one transaction with one audit record; a
    /// change row for each write. A first entry whose value exists already, or a correction of
    /// a revision that is not the current one, makes the whole call write nothing and answer
    /// `Stale` with every such (element, period). Writes that change nothing are the caller's
    /// to leave out; the same (element, period) twice is refused (`Conflict`).
    async fn enter_values(
        &self,
        community: &str,
        writes: &[ValueWrite],
        by: &str,
        source: &str,
        at: i64,
        audit: AuditDraft,
    ) -> Result<EnterOutcome>;
    /// One query, by group and element.
    async fn aggregate_values(&self, q: &AggregateQuery) -> Result<Vec<AggregateRow>>;
    /// Each community's figure of one element for one period, within the scope, by community.
    async fn element_values(
        &self,
        scope: &AggregateScope,
        element: &str,
        period: &str,
    ) -> Result<Vec<ValueRow>>;
    /// A value's entries and corrections, newest first.
    async fn value_history(
        &self,
        community: &str,
        element: &str,
        period: &str,
    ) -> Result<Vec<ChangeRow>>;
    /// The change feed: changes to `elements` after the cursor `after` (changed_at, id) and
    /// before `before_ms`, in (changed_at, id) order, at most `limit`.
    async fn value_changes_since(
        &self,
        after: Option<(i64, String)>,
        before_ms: i64,
        elements: &[String],
        limit: i64,
    ) -> Result<Vec<ChangeRow>>;
    /// Per period in `first_period..=last_period`: communities with a value and values.
    async fn entry_counts(&self, first_period: &str, last_period: &str) -> Result<Vec<EntryCount>>;

    /// `Conflict` if the code is taken.
    async fn define_report(&self, row: &ReportDefinitionRow, audit: AuditDraft) -> Result<()>;
    /// Every report definition, newest first.
    async fn report_definitions(&self) -> Result<Vec<ReportDefinitionRow>>;
    async fn report_definition(&self, code: &str) -> Result<Option<ReportDefinitionRow>>;
    /// False if there is no such report or it was withdrawn already.
    async fn withdraw_report(&self, code: &str, at: i64, audit: AuditDraft) -> Result<bool>;

    /// `Conflict` if the (community, id) is taken.
    async fn add_ledger_record(&self, row: &LedgerRecordRow, audit: AuditDraft) -> Result<()>;
    /// A community's records (of one template, or all), newest day first.
    async fn ledger_records(
        &self,
        community: &str,
        template: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> Result<crate::Page<LedgerRecordRow>>;
    /// Records per template with a day in `first_day..=last_day`, by template.
    async fn ledger_counts(&self, first_day: &str, last_day: &str) -> Result<Vec<(String, i64)>>;
}

/// Keys per read of current values in `enter_values` (two binds each at most).
pub(crate) const KEYS_PER_READ: usize = 5_000;

macro_rules! impl_shared_data_store {
    ($store:ident, $db:ty) => {
        mod shared_data_sql {
            use super::$store;
            use super::shared_sql::{
                Batch, begin_audited, commit_audited_batch, update_audited, write_audited,
            };
            use $crate::retry::retrying;
            use $crate::shared_data_store::KEYS_PER_READ;
            use $crate::store::Result;
            use $crate::{
                AggregateQuery, AggregateRow, AggregateScope, AuditDraft, ChangeRow, ElementRow,
                EnterOutcome, EntryCount, LedgerRecordRow, ProposedElement, ReportDefinitionRow,
                StoreError, ValueRow, ValueWrite,
            };
            use std::collections::{BTreeSet, HashMap, HashSet};

            const ELEMENT_COLUMNS: &str = "code, name, definition, unit, value_type, scale, \
                period_type, aggregation, min_value, max_value, owner, legal_basis, similar_json, \
                assignment_department, assignment_id, proposed_by, proposed_at";
            const VALUE_COLUMNS: &str =
                "community, element, period, value, revision, entered_by, entered_at";
            const CHANGE_COLUMNS: &str = "id, community, element, period, old_value, new_value, \
                revision, reason, source, changed_by, changed_at";
            const REPORT_COLUMNS: &str =
                "code, department, title, replaces, columns_json, created_by, created_at, withdrawn_at";
            const LEDGER_COLUMNS: &str =
                "community, id, template, day, fields_json, entered_by, entered_at";

            /// (element, period) → (value, revision), for the keys of `writes`.
            type Current = HashMap<(String, String), (i64, i64)>;

            /// The current values of `writes`' keys in `community`.
            async fn current_values(
                conn: &mut <$db as sqlx::Database>::Connection,
                community: &str,
                writes: &[&ValueWrite],
            ) -> Result<Current> {
                let mut out = Current::new();
                for chunk in writes.chunks(KEYS_PER_READ) {
                    let elements: BTreeSet<&str> = chunk.iter().map(|w| w.element.as_str()).collect();
                    let periods: BTreeSet<&str> = chunk.iter().map(|w| w.period.as_str()).collect();
                    let mut q = sqlx::QueryBuilder::<$db>::new(
                        "SELECT element, period, value, revision FROM data_values WHERE community = ",
                    );
                    q.push_bind(community).push(" AND element IN (");
                    let mut sep = q.separated(", ");
                    for e in elements {
                        sep.push_bind(e);
                    }
                    q.push(") AND period IN (");
                    let mut sep = q.separated(", ");
                    for p in periods {
                        sep.push_bind(p);
                    }
                    q.push(")");
                    let rows: Vec<(String, String, i64, i64)> =
                        q.build_query_as().fetch_all(&mut *conn).await?;
                    // The IN lists cross elements with periods: keep only the writes' keys.
                    let keys: HashSet<(&str, &str)> = chunk
                        .iter()
                        .map(|w| (w.element.as_str(), w.period.as_str()))
                        .collect();
                    for (e, p, v, r) in rows {
                        if keys.contains(&(e.as_str(), p.as_str())) {
                            out.insert((e, p), (v, r));
                        }
                    }
                }
                Ok(out)
            }

            fn key(w: &ValueWrite) -> (String, String) {
                (w.element.clone(), w.period.clone())
            }

            #[async_trait::async_trait]
            impl $crate::SharedDataStore for $store {
                async fn propose_element(&self, r: &ElementRow, audit: AuditDraft) -> Result<()> {
                    let audit = &audit;
                    retrying(move || async move {
                        let mut batch = Batch::new("数据元代码");
                        batch.insert(
                            &format!("INSERT INTO data_elements ({ELEMENT_COLUMNS}) "),
                            17,
                            [r],
                            |mut b, r| {
                                b.push_bind(&r.code)
                                    .push_bind(&r.name)
                                    .push_bind(&r.definition)
                                    .push_bind(&r.unit)
                                    .push_bind(&r.value_type)
                                    .push_bind(i64::from(r.scale))
                                    .push_bind(&r.period_type)
                                    .push_bind(&r.aggregation)
                                    .push_bind(r.min_value)
                                    .push_bind(r.max_value)
                                    .push_bind(&r.owner)
                                    .push_bind(&r.legal_basis)
                                    .push_bind(&r.similar_json)
                                    .push_bind(&r.assignment_department)
                                    .push_bind(&r.assignment_id)
                                    .push_bind(&r.proposed_by)
                                    .push_bind(r.proposed_at);
                            },
                        );
                        write_audited(self.writer(), batch, vec![audit.clone()]).await
                    })
                    .await
                }

                async fn proposed_elements(&self) -> Result<Vec<ProposedElement>> {
                    let cols: Vec<String> =
                        ELEMENT_COLUMNS.split(", ").map(|c| format!("e.{}", c.trim())).collect();
                    let sql = format!(
                        "SELECT {}, a.status AS assignment_status FROM data_elements e \
                         LEFT JOIN assignments a ON a.department_code = e.assignment_department \
                         AND a.id = e.assignment_id \
                         ORDER BY e.proposed_at DESC, e.code",
                        cols.join(", ")
                    );
                    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                        .fetch_all(&self.pool)
                        .await?)
                }

                async fn element_values(
                    &self,
                    scope: &AggregateScope,
                    element: &str,
                    period: &str,
                ) -> Result<Vec<ValueRow>> {
                    let columns = VALUE_COLUMNS
                        .split(", ")
                        .map(|c| format!("v.{c}"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    let (from, root) = match scope {
                        AggregateScope::Community(c) => ("data_values v WHERE v.community = $1", c),
                        AggregateScope::Street(s) => (
                            "orgs o JOIN data_values v ON v.community = o.code WHERE o.parent_code = $1",
                            s,
                        ),
                        AggregateScope::District(d) => (
                            "orgs s JOIN orgs o ON o.parent_code = s.code \
                             JOIN data_values v ON v.community = o.code WHERE s.parent_code = $1",
                            d,
                        ),
                    };
                    let sql = format!(
                        "SELECT {columns} FROM {from} AND v.element = $2 AND v.period = $3 \
                         ORDER BY v.community"
                    );
                    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                        .bind(root)
                        .bind(element)
                        .bind(period)
                        .fetch_all(&self.pool)
                        .await?)
                }

                async fn values_of(&self, community: &str, periods: &[String]) -> Result<Vec<ValueRow>> {
                    if periods.is_empty() {
                        return Ok(Vec::new());
                    }
                    let mut q = sqlx::QueryBuilder::<$db>::new(format!(
                        "SELECT {VALUE_COLUMNS} FROM data_values WHERE community = "
                    ));
                    q.push_bind(community).push(" AND period IN (");
                    let mut sep = q.separated(", ");
                    for p in periods {
                        sep.push_bind(p);
                    }
                    q.push(") ORDER BY element, period");
                    Ok(q.build_query_as().fetch_all(&self.pool).await?)
                }

                async fn enter_values(
                    &self,
                    community: &str,
                    writes: &[ValueWrite],
                    by: &str,
                    source: &str,
                    at: i64,
                    audit: AuditDraft,
                ) -> Result<EnterOutcome> {
                    let mut seen = HashSet::new();
                    for w in writes {
                        if !seen.insert((w.element.as_str(), w.period.as_str())) {
                            return Err(StoreError::Conflict(format!(
                                "数据 {} 期间 {} 在一次提交中出现两次",
                                w.element, w.period
                            )));
                        }
                    }
                    if writes.is_empty() {
                        return Ok(EnterOutcome::Saved { written: 0 });
                    }
                    let all: Vec<&ValueWrite> = writes.iter().collect();
                    let all = &all;
                    let audit = &audit;
                    retrying(move || async move {
                        let mut tx = begin_audited(self.writer()).await?;
                        // Read first: a stale write is answered before anything is written.
                        let current = current_values(&mut tx, community, all).await?;
                        let stale: Vec<(String, String)> = writes
                            .iter()
                            .filter(|w| {
                                let now = current.get(&key(w)).map(|c| c.1);
                                now != w.expected_revision.map(i64::from)
                            })
                            .map(key)
                            .collect();
                        if !stale.is_empty() {
                            tx.rollback().await?;
                            return Ok(EnterOutcome::Stale(stale));
                        }
                        // The guards (PostgreSQL: another writer may have committed since the
                        // read; the row lock makes this one wait for it and see its revision).
                        let mut stale = Vec::new();
                        for w in writes {
                            let Some(expected) = w.expected_revision else { continue };
                            let n = sqlx::query(
                                "UPDATE data_values SET value = $1, revision = revision + 1, \
                                 entered_by = $2, entered_at = $3 \
                                 WHERE community = $4 AND element = $5 AND period = $6 \
                                 AND revision = $7",
                            )
                            .bind(w.value)
                            .bind(by)
                            .bind(at)
                            .bind(community)
                            .bind(&w.element)
                            .bind(&w.period)
                            .bind(i64::from(expected))
                            .execute(&mut *tx)
                            .await?
                            .rows_affected();
                            if n == 0 {
                                stale.push(key(w));
                            }
                        }
                        if !stale.is_empty() {
                            tx.rollback().await?;
                            return Ok(EnterOutcome::Stale(stale));
                        }
                        let mut batch = Batch::new("一表通数据");
                        batch.insert(
                            &format!("INSERT INTO data_values ({VALUE_COLUMNS}) "),
                            7,
                            writes.iter().filter(|w| w.expected_revision.is_none()),
                            |mut b, w| {
                                b.push_bind(community)
                                    .push_bind(&w.element)
                                    .push_bind(&w.period)
                                    .push_bind(w.value)
                                    .push_bind(1_i64)
                                    .push_bind(by)
                                    .push_bind(at);
                            },
                        );
                        batch.insert(
                            &format!("INSERT INTO data_value_changes ({CHANGE_COLUMNS}) "),
                            11,
                            writes,
                            |mut b, w| {
                                let old = current.get(&key(w)).map(|c| c.0);
                                let revision = w.expected_revision.map_or(1, |r| i64::from(r) + 1);
                                b.push_bind(uuid::Uuid::now_v7().to_string())
                                    .push_bind(community)
                                    .push_bind(&w.element)
                                    .push_bind(&w.period)
                                    .push_bind(old)
                                    .push_bind(w.value)
                                    .push_bind(revision)
                                    .push_bind(&w.reason)
                                    .push_bind(source)
                                    .push_bind(by)
                                    .push_bind(at);
                            },
                        );
                        match commit_audited_batch(tx, batch, vec![audit.clone()]).await {
                            Ok(()) => Ok(EnterOutcome::Saved { written: writes.len() }),
                            // A first entry someone else made after the read (PostgreSQL): the
                            // transaction is gone; say which ones exist now.
                            Err(StoreError::Conflict(what)) => {
                                let firsts: Vec<&ValueWrite> = writes
                                    .iter()
                                    .filter(|w| w.expected_revision.is_none())
                                    .collect();
                                let mut conn = self.pool.acquire().await?;
                                let now = current_values(&mut conn, community, &firsts).await?;
                                let stale: Vec<(String, String)> = firsts
                                    .into_iter()
                                    .map(key)
                                    .filter(|k| now.contains_key(k))
                                    .collect();
                                if stale.is_empty() {
                                    Err(StoreError::Conflict(what))
                                } else {
                                    Ok(EnterOutcome::Stale(stale))
                                }
                            }
                            Err(e) => Err(e),
                        }
                    })
                    .await
                }

                async fn aggregate_values(&self, a: &AggregateQuery) -> Result<Vec<AggregateRow>> {
                    let windows: Vec<_> = a.windows.iter().filter(|w| !w.elements.is_empty()).collect();
                    if windows.is_empty() {
                        return Ok(Vec::new());
                    }
                    let group = match &a.scope {
                        AggregateScope::District(_) => "o.parent_code",
                        _ => "v.community",
                    };
                    // One period per element (a month's report of monthly elements, the usual
                    // case): the primary key gives each community at most one figure, so no
                    // numbering and no DISTINCT are needed.
                    let single = windows.iter().all(|w| w.first == w.last);
                    let mut q = sqlx::QueryBuilder::<$db>::new("");
                    if single {
                        q.push(format!(
                            "SELECT {group} AS group_code, v.element, COUNT(*), COUNT(*), \
                             CAST(SUM(v.value) AS BIGINT), CAST(SUM(v.value) AS BIGINT), \
                             MAX(v.entered_at)"
                        ));
                        push_scope(&mut q, &a.scope, &windows);
                        q.push(" GROUP BY group_code, v.element ORDER BY group_code, v.element");
                    } else {
                        // Each community's values in the windows, numbered from its latest
                        // period per element; then added up per group and element.
                        q.push(format!("WITH scoped AS (SELECT v.community, {group} AS group_code, "));
                        push_scoped_columns(&mut q);
                        push_scope(&mut q, &a.scope, &windows);
                        q.push(
                            ") SELECT group_code, element, COUNT(DISTINCT community), COUNT(*), \
                             CAST(SUM(value) AS BIGINT), \
                             CAST(SUM(CASE WHEN latest = 1 THEN value ELSE 0 END) AS BIGINT), \
                             MAX(entered_at) \
                             FROM scoped GROUP BY group_code, element ORDER BY group_code, element",
                        );
                    }
                    let rows: Vec<(String, String, i64, i64, i64, i64, i64)> =
                        q.build_query_as().fetch_all(&self.pool).await?;
                    Ok(rows
                        .into_iter()
                        .map(|(group_code, element, communities, values, sum_all, sum_latest, last_entered_at)| {
                            AggregateRow {
                                group_code,
                                element,
                                communities,
                                values,
                                sum_all,
                                sum_latest,
                                last_entered_at,
                            }
                        })
                        .collect())
                }

                async fn value_history(
                    &self,
                    community: &str,
                    element: &str,
                    period: &str,
                ) -> Result<Vec<ChangeRow>> {
                    let sql = format!(
                        "SELECT {CHANGE_COLUMNS} FROM data_value_changes \
                         WHERE community = $1 AND element = $2 AND period = $3 \
                         ORDER BY changed_at DESC, id DESC"
                    );
                    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                        .bind(community)
                        .bind(element)
                        .bind(period)
                        .fetch_all(&self.pool)
                        .await?)
                }

                async fn value_changes_since(
                    &self,
                    after: Option<(i64, String)>,
                    before_ms: i64,
                    elements: &[String],
                    limit: i64,
                ) -> Result<Vec<ChangeRow>> {
                    if elements.is_empty() || limit <= 0 {
                        return Ok(Vec::new());
                    }
                    let mut q = sqlx::QueryBuilder::<$db>::new(format!(
                        "SELECT {CHANGE_COLUMNS} FROM data_value_changes WHERE changed_at < "
                    ));
                    q.push_bind(before_ms);
                    if let Some((at, id)) = after {
                        // (changed_at, id) > (at, id), written so both backends range-scan the
                        // (changed_at, id) index from `at`.
                        q.push(" AND changed_at >= ")
                            .push_bind(at)
                            .push(" AND (changed_at > ")
                            .push_bind(at)
                            .push(" OR id > ")
                            .push_bind(id)
                            .push(")");
                    }
                    q.push(" AND element IN (");
                    let mut sep = q.separated(", ");
                    for e in elements {
                        sep.push_bind(e);
                    }
                    q.push(") ORDER BY changed_at, id LIMIT ").push_bind(limit);
                    Ok(q.build_query_as().fetch_all(&self.pool).await?)
                }

                async fn entry_counts(
                    &self,
                    first_period: &str,
                    last_period: &str,
                ) -> Result<Vec<EntryCount>> {
                    Ok(sqlx::query_as(
                        "SELECT period, COUNT(DISTINCT community) AS communities, COUNT(*) AS fields \
                         FROM data_values WHERE period >= $1 AND period <= $2 \
                         GROUP BY period ORDER BY period",
                    )
                    .bind(first_period)
                    .bind(last_period)
                    .fetch_all(&self.pool)
                    .await?)
                }

                async fn define_report(&self, r: &ReportDefinitionRow, audit: AuditDraft) -> Result<()> {
                    let audit = &audit;
                    retrying(move || async move {
                        let mut batch = Batch::new("报表代码");
                        batch.insert(
                            &format!("INSERT INTO report_definitions ({REPORT_COLUMNS}) "),
                            8,
                            [r],
                            |mut b, r| {
                                b.push_bind(&r.code)
                                    .push_bind(&r.department)
                                    .push_bind(&r.title)
                                    .push_bind(&r.replaces)
                                    .push_bind(&r.columns_json)
                                    .push_bind(&r.created_by)
                                    .push_bind(r.created_at)
                                    .push_bind(r.withdrawn_at);
                            },
                        );
                        write_audited(self.writer(), batch, vec![audit.clone()]).await
                    })
                    .await
                }

                async fn report_definitions(&self) -> Result<Vec<ReportDefinitionRow>> {
                    let sql = format!(
                        "SELECT {REPORT_COLUMNS} FROM report_definitions \
                         ORDER BY created_at DESC, code DESC"
                    );
                    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                        .fetch_all(&self.pool)
                        .await?)
                }

                async fn report_definition(&self, code: &str) -> Result<Option<ReportDefinitionRow>> {
                    let sql = format!("SELECT {REPORT_COLUMNS} FROM report_definitions WHERE code = $1");
                    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                        .bind(code)
                        .fetch_optional(&self.pool)
                        .await?)
                }

                async fn withdraw_report(&self, code: &str, at: i64, audit: AuditDraft) -> Result<bool> {
                    let audit = &audit;
                    retrying(move || async move {
                        let update = sqlx::query(
                            "UPDATE report_definitions SET withdrawn_at = $1 \
                             WHERE code = $2 AND withdrawn_at IS NULL",
                        )
                        .bind(at)
                        .bind(code);
                        update_audited(self.writer(), update, "报表", audit.clone()).await
                    })
                    .await
                }

                async fn add_ledger_record(&self, r: &LedgerRecordRow, audit: AuditDraft) -> Result<()> {
                    let audit = &audit;
                    retrying(move || async move {
                        let mut batch = Batch::new("台账记录");
                        batch.insert(
                            &format!("INSERT INTO ledger_records ({LEDGER_COLUMNS}) "),
                            7,
                            [r],
                            |mut b, r| {
                                b.push_bind(&r.community)
                                    .push_bind(&r.id)
                                    .push_bind(&r.template)
                                    .push_bind(&r.day)
                                    .push_bind(&r.fields_json)
                                    .push_bind(&r.entered_by)
                                    .push_bind(r.entered_at);
                            },
                        );
                        write_audited(self.writer(), batch, vec![audit.clone()]).await
                    })
                    .await
                }

                async fn ledger_records(
                    &self,
                    community: &str,
                    template: Option<&str>,
                    limit: i64,
                    offset: i64,
                ) -> Result<$crate::Page<LedgerRecordRow>> {
                    let filter = "community = $1 AND ($2 IS NULL OR template = $2)";
                    let count_sql = format!("SELECT COUNT(*) FROM ledger_records WHERE {filter}");
                    let (total,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(count_sql))
                        .bind(community)
                        .bind(template)
                        .fetch_one(&self.pool)
                        .await?;
                    let limit = limit.clamp(0, 2000);
                    if limit == 0 || total == 0 {
                        return Ok($crate::Page { rows: Vec::new(), total });
                    }
                    let sql = format!(
                        "SELECT {LEDGER_COLUMNS} FROM ledger_records WHERE {filter} \
                         ORDER BY day DESC, entered_at DESC, id DESC LIMIT $3 OFFSET $4"
                    );
                    let rows = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                        .bind(community)
                        .bind(template)
                        .bind(limit)
                        .bind(offset.max(0))
                        .fetch_all(&self.pool)
                        .await?;
                    Ok($crate::Page { rows, total })
                }

                async fn ledger_counts(&self, first_day: &str, last_day: &str) -> Result<Vec<(String, i64)>> {
                    Ok(sqlx::query_as(
                        "SELECT template, COUNT(*) FROM ledger_records \
                         WHERE day >= $1 AND day <= $2 GROUP BY template ORDER BY template",
                    )
                    .bind(first_day)
                    .bind(last_day)
                    .fetch_all(&self.pool)
                    .await?)
                }
            }

            /// ` FROM … WHERE …`: the values of the scope's communities in the windows.
            fn push_scope(
                q: &mut sqlx::QueryBuilder<$db>,
                scope: &AggregateScope,
                windows: &[&$crate::ElementWindow],
            ) {
                match scope {
                    AggregateScope::Community(c) => {
                        q.push(" FROM data_values v WHERE v.community = ").push_bind(c.clone());
                    }
                    AggregateScope::Street(s) => {
                        q.push(
                            " FROM orgs o JOIN data_values v ON v.community = o.code \
                             WHERE o.parent_code = ",
                        )
                        .push_bind(s.clone());
                    }
                    AggregateScope::District(d) => {
                        q.push(
                            " FROM orgs s JOIN orgs o ON o.parent_code = s.code \
                             JOIN data_values v ON v.community = o.code WHERE s.parent_code = ",
                        )
                        .push_bind(d.clone());
                    }
                }
                q.push(" AND (");
                for (i, w) in windows.iter().enumerate() {
                    if i > 0 {
                        q.push(" OR ");
                    }
                    q.push("(v.element IN (");
                    let mut sep = q.separated(", ");
                    for e in &w.elements {
                        sep.push_bind(e.clone());
                    }
                    q.push(") AND v.period >= ")
                        .push_bind(w.first.clone())
                        .push(" AND v.period <= ")
                        .push_bind(w.last.clone())
                        .push(")");
                }
                q.push(")");
            }

            /// The columns of `scoped` after its group: the value, and its rank among the
            /// community's periods of the element (1 = the latest).
            fn push_scoped_columns(q: &mut sqlx::QueryBuilder<$db>) {
                q.push(
                    "v.element, v.period, v.value, v.entered_at, \
                     ROW_NUMBER() OVER (PARTITION BY v.community, v.element ORDER BY v.period DESC) AS latest",
                );
            }
        }
    };
}

pub(crate) use impl_shared_data_store;

#[cfg(test)]
mod tests;
