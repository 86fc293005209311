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
                    // Each community's values in the windows, numbered from its latest period per
                    // element; then added up per group and element.
                    let mut q = sqlx::QueryBuilder::<$db>::new(
                        "WITH scoped AS (SELECT v.community, ",
                    );
                    match &a.scope {
                        AggregateScope::Community(c) => {
                            q.push("v.community AS group_code, ");
                            push_scoped_columns(&mut q);
                            q.push(" FROM data_values v WHERE v.community = ").push_bind(c.clone());
                        }
                        AggregateScope::Street(s) => {
                            q.push("v.community AS group_code, ");
                            push_scoped_columns(&mut q);
                            q.push(
                                " FROM orgs o JOIN data_values v ON v.community = o.code \
                                 WHERE o.parent_code = ",
                            )
                            .push_bind(s.clone());
                        }
                        AggregateScope::District(d) => {
                            q.push("o.parent_code AS group_code, ");
                            push_scoped_columns(&mut q);
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
                    q.push(
                        ")) SELECT group_code, element, COUNT(DISTINCT community), COUNT(*), \
                         CAST(SUM(value) AS BIGINT), \
                         CAST(SUM(CASE WHEN latest = 1 THEN value ELSE 0 END) AS BIGINT), \
                         MAX(entered_at) \
                         FROM scoped GROUP BY group_code, element ORDER BY group_code, element",
                    );
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
mod tests {
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
}
