//! Storage for the assignment capability: cases (准入事项) with their target communities and
//! events, the access-number counter and the funding ledger (费随事转). Implemented for both
//! backends by the macro below from portable SQL; every change is written in the same
//! transaction as its audit record.
//!
//! Two invariants are enforced here as well as in the service, so no caller can skip them:
//! a case only moves from the state it was read in (compare-and-set on `status`), and work that
//! requires funding is put in force only when every target community has a funding row.

use crate::AuditDraft;
use crate::list_query::{ListQuery, Page};
use crate::store::Result;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// Rows per multi-row INSERT: 500 rows of up to 14 columns (audit records) are 7,000 parameters,
/// well under SQLite's 32,766 and PostgreSQL's 65,535.
pub(crate) const ROWS_PER_INSERT: usize = 500;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct AssignmentRow {
    pub department_code: String,
    pub id: String,
    pub title: String,
    pub item_code: Option<String>,
    pub community_role: String,
    pub status: String,
    /// The gate's outcome at submission: admitted / needs_approval / refused.
    pub outcome: String,
    pub catalog_version: String,
    /// The parsed request (`jianfu_domain::gate::GateRequest`) as JSON.
    pub request_json: String,
    /// The gate's decision at submission as JSON.
    pub decision_json: String,
    /// The department addressed every community in its reach ("all").
    pub all_communities: bool,
    /// Funding must reach every target community before the work is put in force.
    pub requires_funding: bool,
    pub period_from: String,
    pub period_to: String,
    pub access_number: Option<String>,
    pub valid_from: Option<String>,
    pub valid_to: Option<String>,
    /// Approval deadline (epoch ms) for pending cases.
    pub deadline_at: Option<i64>,
    pub escalated_at: Option<i64>,
    /// Street pre-review: `agree` or `disagree`.
    pub review_outcome: Option<String>,
    pub review_comment: Option<String>,
    pub submitted_by: String,
    pub submitted_at: i64,
    pub updated_at: i64,
    /// Approved with the offer to add it to the next catalog draft (三(一) 清单管理).
    pub list_candidate: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct AssignmentTarget {
    pub community_code: String,
    pub assignment_id: String,
    /// The street or town the community belongs to (for the street's scope).
    pub street_code: String,
}

/// A case in a list, with how many communities it names (counted for the whole page in one
/// grouped query).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssignmentListed {
    pub case: AssignmentRow,
    pub targets: i64,
}

/// One step in a case's history: who, when, what, with what comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct AssignmentEvent {
    pub assignment_id: String,
    pub id: String,
    pub at: i64,
    pub actor: String,
    pub actor_name: String,
    pub actor_org: Option<String>,
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub comment: String,
}

/// One row of the funding ledger: what one community receives for one case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct FundingRow {
    pub community_code: String,
    pub assignment_id: String,
    pub department_code: String,
    pub amount_fen: i64,
    pub channel: String,
    pub period_from: String,
    pub period_to: String,
    pub created_at: i64,
}

/// A funding row with the case it belongs to, for the ledger page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct FundingLine {
    pub community_code: String,
    pub assignment_id: String,
    pub department_code: String,
    pub amount_fen: i64,
    pub channel: String,
    pub period_from: String,
    pub period_to: String,
    pub title: String,
    pub status: String,
    pub access_number: Option<String>,
}

/// Putting work in force: the access number's year, the validity, and the funding rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Admission {
    pub year: i32,
    pub valid_from: String,
    pub valid_to: String,
    pub funding: Vec<FundingRow>,
}

/// A state change of a case, applied only if the case is still in `from_status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseChange {
    /// The case's distribution column: with the id it names one row on one shard.
    pub department_code: String,
    pub id: String,
    pub from_status: String,
    pub to_status: String,
    pub at: i64,
    /// Street pre-review (outcome, comment).
    pub review: Option<(String, String)>,
    pub admission: Option<Admission>,
    /// Set the case's `list_candidate` mark (on approval).
    pub list_candidate: Option<bool>,
}

/// What a case write did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseWrite {
    Done {
        access_number: Option<String>,
    },
    /// The case was not in the expected state (or does not exist); nothing was written.
    WrongState {
        current: Option<String>,
    },
    /// Work that requires funding lacks it for these communities; nothing was written.
    FundingMissing {
        communities: Vec<String>,
    },
}

/// Which cases (or funding rows) a reader may see; decided by the service from the actor's scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssignmentScope {
    All,
    /// Cases submitted by this department (or street, when it submits).
    Department(String),
    /// Cases submitted by this street or addressed to communities under it.
    Street(String),
    /// Work in force addressed to this community.
    CommunityInForce(String),
}

#[async_trait]
pub trait AssignmentStore: Send + Sync + 'static {
    /// Stores a new case with its targets and events; when `admission` is given the case is put
    /// in force in the same transaction (access number, validity, funding rows).
    async fn insert_assignment(
        &self,
        a: &AssignmentRow,
        targets: &[AssignmentTarget],
        events: &[AssignmentEvent],
        admission: Option<&Admission>,
        told: &crate::Told,
        audit: AuditDraft,
    ) -> Result<CaseWrite>;
    /// Moves a case from `change.from_status` to `change.to_status`, recording the event.
    async fn change_assignment(
        &self,
        change: &CaseChange,
        event: &AssignmentEvent,
        audit: AuditDraft,
    ) -> Result<CaseWrite>;
    /// Marks a pending case as escalated; `false` if it was already escalated or is no longer
    /// pending.
    async fn mark_escalated(
        &self,
        department: &str,
        id: &str,
        at: i64,
        event: &AssignmentEvent,
        audit: AuditDraft,
    ) -> Result<bool>;
    /// One case by its full key `(department_code, id)`: on a distributed engine this asks the
    /// one shard holding the department.
    async fn assignment(&self, department: &str, id: &str) -> Result<Option<AssignmentRow>>;
    /// The department of a case known only by its id (index `assignments_by_id`). On a
    /// distributed engine this asks every shard; it exists only to answer links stored before
    /// case addresses carried the department (old notices), never for the ordinary path.
    async fn assignment_department(&self, id: &str) -> Result<Option<String>>;
    async fn assignment_targets(&self, id: &str) -> Result<Vec<AssignmentTarget>>;
    async fn assignment_events(&self, id: &str) -> Result<Vec<AssignmentEvent>>;
    async fn assignment_funding(&self, id: &str) -> Result<Vec<FundingRow>>;
    /// One page of the cases in scope with the filtered total. `query.overdue`: only cases
    /// whose approval deadline (epoch ms) is before it; `Deadline` sorts by approval deadline.
    async fn list_assignments(
        &self,
        scope: &AssignmentScope,
        query: &ListQuery<i64>,
    ) -> Result<Page<AssignmentListed>>;
    /// Pending cases whose deadline has passed and that were not escalated yet.
    async fn overdue_assignments(&self, now: i64) -> Result<Vec<AssignmentRow>>;
    /// Work in force whose validity ended before `today` (YYYY-MM-DD).
    async fn lapsed_assignments(&self, today: &str) -> Result<Vec<AssignmentRow>>;
    /// Approved off-list work marked for the next catalog draft, oldest first.
    async fn catalog_candidates(&self) -> Result<Vec<AssignmentRow>>;
    /// Funding rows of work in force (or expired), in scope.
    async fn funding_lines(&self, scope: &AssignmentScope) -> Result<Vec<FundingLine>>;
}

macro_rules! impl_assignment_store {
    ($store:ident, $db:ty) => {
        mod assignment_sql {
            use super::$store;
            use super::shared_sql::{Batch, begin_audited, commit_audited, commit_audited_batch, write_audited};
            use $crate::retry::retrying;
            use $crate::assignment_store::{
                Admission, AssignmentEvent, AssignmentListed, AssignmentRow, AssignmentScope,
                AssignmentTarget, CaseChange, CaseWrite, FundingLine, FundingRow,
            };
            use $crate::list_query::{ListQuery, ListSort, Page, marks, status_in};
            use $crate::store::Result;
            use $crate::{AuditDraft, StoreError};
            use jianfu_domain::assignment::{AccessNumber, unfunded_communities};
            use sqlx::Transaction;

            const COLUMNS: &str = "department_code, id, title, item_code, community_role, status, \
                outcome, catalog_version, request_json, decision_json, all_communities, \
                requires_funding, period_from, period_to, access_number, valid_from, valid_to, \
                deadline_at, escalated_at, review_outcome, review_comment, submitted_by, \
                submitted_at, updated_at, list_candidate";

            fn a_columns() -> String {
                COLUMNS
                    .split(", ")
                    .map(|c| format!("a.{}", c.trim()))
                    .collect::<Vec<_>>()
                    .join(", ")
            }

            /// A case's events, written with the other writes of the batch.
            fn add_events(batch: &mut Batch, events: &[AssignmentEvent]) {
                batch.insert(
                    "INSERT INTO assignment_events (assignment_id, id, at, actor, actor_name, \
                     actor_org, action, from_status, to_status, comment) ",
                    10,
                    events,
                    |mut b, e| {
                        b.push_bind(&e.assignment_id)
                            .push_bind(&e.id)
                            .push_bind(e.at)
                            .push_bind(&e.actor)
                            .push_bind(&e.actor_name)
                            .push_bind(&e.actor_org)
                            .push_bind(&e.action)
                            .push_bind(&e.from_status)
                            .push_bind(&e.to_status)
                            .push_bind(&e.comment);
                    },
                );
            }

            /// Takes the next access number of `year`. A new case takes it in a statement of its
            /// own before its transaction (`insert_assignment`; inside it on SQLite, whose writes
            /// are serial anyway): the counter row is then locked for that statement only, so
            /// submissions of different departments never wait on each other's transactions. Numbers need not be gapless (a case whose transaction
            /// then fails leaves one unused); they stay unique.
            async fn take_access_number<'e>(
                executor: impl sqlx::Executor<'e, Database = $db>,
                year: i32,
            ) -> Result<String> {
                let (seq,): (i64,) = sqlx::query_as(
                    "INSERT INTO access_number_counters (year, last_seq) VALUES ($1, 1) \
                     ON CONFLICT (year) DO UPDATE SET last_seq = access_number_counters.last_seq + 1 \
                     RETURNING last_seq",
                )
                .bind(year as i64)
                .fetch_one(executor)
                .await?;
                Ok(u32::try_from(seq)
                    .ok()
                    .and_then(|s| AccessNumber::new(year, s))
                    .ok_or_else(|| StoreError::Conflict(format!("准入编号（{year}年）")))?
                    .to_string())
            }

            /// The funding rows of a case, written with the other writes of the batch.
            fn add_funding(
                batch: &mut Batch,
                id: &str,
                funding: &[$crate::assignment_store::FundingRow],
            ) {
                batch.insert(
                    "INSERT INTO funding_ledger (community_code, assignment_id, department_code, \
                     amount_fen, channel, period_from, period_to, created_at) ",
                    8,
                    funding,
                    |mut b, f| {
                        b.push_bind(&f.community_code)
                            .push_bind(id)
                            .push_bind(&f.department_code)
                            .push_bind(f.amount_fen)
                            .push_bind(&f.channel)
                            .push_bind(&f.period_from)
                            .push_bind(&f.period_to)
                            .push_bind(f.created_at);
                    },
                );
            }

            /// Admits a stored case (an approval: people's pace, so its number is taken inside the
            /// transaction and a refused approval leaves no gap): its funding rows, the funding
            /// check over everything the ledger holds for it, then the access number and validity.
            /// `Err(list)`: communities without funding (caller rolls back).
            async fn admit(
                tx: &mut Transaction<'static, $db>,
                department: &str,
                id: &str,
                adm: &Admission,
            ) -> Result<std::result::Result<String, Vec<String>>> {
                let mut batch = Batch::new("经费台账记录");
                add_funding(&mut batch, id, &adm.funding);
                batch.run(tx).await?;
                // The funding check reads the case, its targets and their funding in one query.
                let rows: Vec<(bool, String, Option<i64>)> = sqlx::query_as(
                    "SELECT a.requires_funding, t.community_code, f.amount_fen \
                     FROM assignments a \
                     JOIN assignment_targets t ON t.assignment_id = a.id \
                     LEFT JOIN funding_ledger f \
                       ON f.assignment_id = a.id AND f.community_code = t.community_code \
                     WHERE a.department_code = $1 AND a.id = $2",
                )
                .bind(department)
                .bind(id)
                .fetch_all(&mut **tx)
                .await?;
                let requires = rows.first().is_some_and(|r| r.0);
                let targets: Vec<String> = rows.iter().map(|r| r.1.clone()).collect();
                let funded: Vec<(String, i64)> = rows
                    .iter()
                    .filter_map(|r| r.2.map(|amount| (r.1.clone(), amount)))
                    .collect();
                let missing = unfunded_communities(requires, &targets, &funded);
                if targets.is_empty() || !missing.is_empty() {
                    return Ok(Err(missing.into_iter().map(str::to_string).collect()));
                }
                let number = take_access_number(&mut **tx, adm.year).await?;
                sqlx::query(
                    "UPDATE assignments SET access_number = $1, valid_from = $2, valid_to = $3 \
                     WHERE department_code = $4 AND id = $5",
                )
                .bind(&number)
                .bind(&adm.valid_from)
                .bind(&adm.valid_to)
                .bind(department)
                .bind(id)
                .execute(&mut **tx)
                .await
                .map_err(|e| StoreError::from_write(e, "准入编号"))?;
                Ok(Ok(number))
            }

            fn scope_clause(scope: &AssignmentScope) -> (&'static str, Option<String>) {
                match scope {
                    AssignmentScope::All => ("1 = 1", None),
                    AssignmentScope::Department(d) => ("a.department_code = $1", Some(d.clone())),
                    AssignmentScope::Street(s) => (
                        "(a.department_code = $1 OR EXISTS (SELECT 1 FROM assignment_targets t \
                         WHERE t.assignment_id = a.id AND t.street_code = $1))",
                        Some(s.clone()),
                    ),
                    AssignmentScope::CommunityInForce(c) => (
                        "a.status IN ('admitted', 'approved') AND EXISTS (SELECT 1 FROM \
                         assignment_targets t WHERE t.assignment_id = a.id AND t.community_code = $1)",
                        Some(c.clone()),
                    ),
                }
            }

            #[async_trait::async_trait]
            impl $crate::AssignmentStore for $store {
                async fn insert_assignment(
                    &self,
                    a: &AssignmentRow,
                    targets: &[AssignmentTarget],
                    events: &[AssignmentEvent],
                    admission: Option<&Admission>,
                    told: &$crate::Told,
                    audit: AuditDraft,
                ) -> Result<CaseWrite> {
                    let admission = &admission;
                    let audit = &audit;
                    retrying(move || async move {
                        // A new case is admitted in the statement that stores it: the funding it
                        // brings is all the ledger can hold for it, so the check needs no query.
                        let mut row = a.clone();
                        if let Some(adm) = admission {
                            let codes: Vec<String> =
                                targets.iter().map(|t| t.community_code.clone()).collect();
                            let funded: Vec<(String, i64)> = adm
                                .funding
                                .iter()
                                .map(|f| (f.community_code.clone(), f.amount_fen))
                                .collect();
                            let missing = unfunded_communities(a.requires_funding, &codes, &funded);
                            if codes.is_empty() || !missing.is_empty() {
                                let communities = missing.into_iter().map(str::to_string).collect();
                                return Ok(CaseWrite::FundingMissing { communities });
                            }
                            row.valid_from = Some(adm.valid_from.clone());
                            row.valid_to = Some(adm.valid_to.clone());
                        }
                        let one_writer = <$db as $crate::audit_write::Dialect>::ONE_WRITER;
                        if let (Some(adm), false) = (admission, one_writer) {
                            row.access_number =
                                Some(take_access_number(self.writer(), adm.year).await?);
                        }
                        let audit = audit.clone();
                        // SQLite has one writer anyway: the number is taken in the transaction
                        // (a statement of its own would only cost one more commit).
                        // PostgreSQL writes the case without a transaction (`write_audited`).
                        let tx = if one_writer {
                            let mut tx = begin_audited(self.writer()).await?;
                            if let Some(adm) = admission {
                                row.access_number =
                                    Some(take_access_number(&mut *tx, adm.year).await?);
                            }
                            Some(tx)
                        } else {
                            None
                        };
                        let a = &row;
                        let mut batch = Batch::new(format!("准入事项 {}", a.id));
                        batch.insert(
                            &format!("INSERT INTO assignments ({COLUMNS}) "),
                            25,
                            [a],
                            |mut b, a| {
                                b.push_bind(&a.department_code)
                                    .push_bind(&a.id)
                                    .push_bind(&a.title)
                                    .push_bind(&a.item_code)
                                    .push_bind(&a.community_role)
                                    .push_bind(&a.status)
                                    .push_bind(&a.outcome)
                                    .push_bind(&a.catalog_version)
                                    .push_bind(&a.request_json)
                                    .push_bind(&a.decision_json)
                                    .push_bind(a.all_communities)
                                    .push_bind(a.requires_funding)
                                    .push_bind(&a.period_from)
                                    .push_bind(&a.period_to)
                                    .push_bind(&a.access_number)
                                    .push_bind(&a.valid_from)
                                    .push_bind(&a.valid_to)
                                    .push_bind(a.deadline_at)
                                    .push_bind(a.escalated_at)
                                    .push_bind(&a.review_outcome)
                                    .push_bind(&a.review_comment)
                                    .push_bind(&a.submitted_by)
                                    .push_bind(a.submitted_at)
                                    .push_bind(a.updated_at)
                                    .push_bind(a.list_candidate);
                            },
                        );
                        batch.insert(
                            "INSERT INTO assignment_targets (community_code, assignment_id, \
                             street_code) ",
                            3,
                            targets,
                            |mut b, t| {
                                b.push_bind(&t.community_code)
                                    .push_bind(&a.id)
                                    .push_bind(&t.street_code);
                            },
                        );
                        add_events(&mut batch, events);
                        if let Some(adm) = admission {
                            add_funding(&mut batch, &a.id, &adm.funding);
                        }
                        super::notice_sql::add_rows(&mut batch, &told.notices);
                        let drafts = told.with_change(audit);
                        match tx {
                            Some(tx) => commit_audited_batch(tx, batch, drafts).await?,
                            None => write_audited(self.writer(), batch, drafts).await?,
                        }
                        Ok(CaseWrite::Done {
                            access_number: a.access_number.clone(),
                        })
                    })
                    .await
                }

                async fn change_assignment(
                    &self,
                    c: &CaseChange,
                    event: &AssignmentEvent,
                    audit: AuditDraft,
                ) -> Result<CaseWrite> {
                    let audit = &audit;
                    retrying(move || async move {
                        let audit = audit.clone();
                        let mut tx = begin_audited(self.writer()).await?;
                        let (review_outcome, review_comment) = match &c.review {
                            Some((o, m)) => (Some(o.clone()), Some(m.clone())),
                            None => (None, None),
                        };
                        let done = sqlx::query(
                            "UPDATE assignments SET status = $1, updated_at = $2, \
                             review_outcome = COALESCE($3, review_outcome), \
                             review_comment = COALESCE($4, review_comment), \
                             list_candidate = COALESCE($7, list_candidate) \
                             WHERE department_code = $8 AND id = $5 AND status = $6",
                        )
                        .bind(&c.to_status)
                        .bind(c.at)
                        .bind(review_outcome)
                        .bind(review_comment)
                        .bind(&c.id)
                        .bind(&c.from_status)
                        .bind(c.list_candidate)
                        .bind(&c.department_code)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                        if done == 0 {
                            let current: Option<(String,)> = sqlx::query_as(
                                "SELECT status FROM assignments \
                                 WHERE department_code = $1 AND id = $2",
                            )
                            .bind(&c.department_code)
                            .bind(&c.id)
                            .fetch_optional(&mut *tx)
                            .await?;
                            tx.rollback().await?;
                            return Ok(CaseWrite::WrongState {
                                current: current.map(|(s,)| s),
                            });
                        }
                        let mut batch = Batch::new("办理过程");
                        add_events(&mut batch, std::slice::from_ref(event));
                        batch.run(&mut tx).await?;
                        let mut number = None;
                        if let Some(adm) = &c.admission {
                            match admit(&mut tx, &c.department_code, &c.id, adm).await? {
                                Ok(n) => number = Some(n),
                                Err(communities) => {
                                    tx.rollback().await?;
                                    return Ok(CaseWrite::FundingMissing { communities });
                                }
                            }
                        }
                        commit_audited(tx, audit).await?;
                        Ok(CaseWrite::Done {
                            access_number: number,
                        })
                    })
                    .await
                }

                async fn mark_escalated(
                    &self,
                    department: &str,
                    id: &str,
                    at: i64,
                    event: &AssignmentEvent,
                    audit: AuditDraft,
                ) -> Result<bool> {
                    let audit = &audit;
                    retrying(move || async move {
                        let audit = audit.clone();
                        let mut tx = begin_audited(self.writer()).await?;
                        let done = sqlx::query(
                            "UPDATE assignments SET escalated_at = $1 \
                             WHERE department_code = $2 AND id = $3 \
                             AND status = 'pending_approval' AND escalated_at IS NULL",
                        )
                        .bind(at)
                        .bind(department)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                        if done == 0 {
                            tx.rollback().await?;
                            return Ok(false);
                        }
                        let mut batch = Batch::new("办理过程");
                        add_events(&mut batch, std::slice::from_ref(event));
                        batch.run(&mut tx).await?;
                        commit_audited(tx, audit).await?;
                        Ok(true)
                    })
                    .await
                }

                async fn assignment(
                    &self,
                    department: &str,
                    id: &str,
                ) -> Result<Option<AssignmentRow>> {
                    let sql = format!(
                        "SELECT {COLUMNS} FROM assignments WHERE department_code = $1 AND id = $2"
                    );
                    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                        .bind(department)
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await?)
                }

                async fn assignment_department(&self, id: &str) -> Result<Option<String>> {
                    let row: Option<(String,)> =
                        sqlx::query_as("SELECT department_code FROM assignments WHERE id = $1")
                            .bind(id)
                            .fetch_optional(&self.pool)
                            .await?;
                    Ok(row.map(|(d,)| d))
                }

                async fn assignment_targets(&self, id: &str) -> Result<Vec<AssignmentTarget>> {
                    Ok(sqlx::query_as(
                        "SELECT community_code, assignment_id, street_code FROM assignment_targets \
                         WHERE assignment_id = $1 ORDER BY community_code",
                    )
                    .bind(id)
                    .fetch_all(&self.pool)
                    .await?)
                }

                async fn assignment_events(&self, id: &str) -> Result<Vec<AssignmentEvent>> {
                    Ok(sqlx::query_as(
                        "SELECT assignment_id, id, at, actor, actor_name, actor_org, action, \
                         from_status, to_status, comment FROM assignment_events \
                         WHERE assignment_id = $1 ORDER BY at, id",
                    )
                    .bind(id)
                    .fetch_all(&self.pool)
                    .await?)
                }

                async fn assignment_funding(&self, id: &str) -> Result<Vec<FundingRow>> {
                    Ok(sqlx::query_as(
                        "SELECT community_code, assignment_id, department_code, amount_fen, \
                         channel, period_from, period_to, created_at FROM funding_ledger \
                         WHERE assignment_id = $1 ORDER BY community_code",
                    )
                    .bind(id)
                    .fetch_all(&self.pool)
                    .await?)
                }

                async fn list_assignments(
                    &self,
                    scope: &AssignmentScope,
                    query: &ListQuery<i64>,
                ) -> Result<Page<AssignmentListed>> {
                    let (clause, param) = scope_clause(scope);
                    let mut next = if param.is_some() { 2 } else { 1 };
                    let statuses = status_in("a.status", next, query.statuses.len());
                    next += query.statuses.len();
                    let overdue = if query.overdue.is_some() {
                        next += 1;
                        format!(" AND a.deadline_at IS NOT NULL AND a.deadline_at < ${}", next - 1)
                    } else {
                        String::new()
                    };
                    let filter = format!("{clause}{statuses}{overdue}");
                    // One statement per bind list: the scope, the statuses, the deadline cut.
                    macro_rules! bind_filter {
                        ($q:expr) => {{
                            let mut q = $q;
                            if let Some(p) = &param {
                                q = q.bind(p.clone());
                            }
                            for s in &query.statuses {
                                q = q.bind(s.clone());
                            }
                            if let Some(cut) = query.overdue {
                                q = q.bind(cut);
                            }
                            q
                        }};
                    }
                    let count_sql = format!("SELECT COUNT(*) FROM assignments a WHERE {filter}");
                    let (total,): (i64,) =
                        bind_filter!(sqlx::query_as(sqlx::AssertSqlSafe(count_sql)))
                            .fetch_one(&self.pool)
                            .await?;
                    let limit = query.bound_limit();
                    if limit == 0 || total == 0 {
                        return Ok(Page { rows: Vec::new(), total });
                    }
                    // The order is one of three fixed strings, never text from the request.
                    let order = match query.sort {
                        ListSort::Newest => "a.submitted_at DESC, a.id DESC",
                        ListSort::Oldest => "a.submitted_at ASC, a.id ASC",
                        ListSort::Deadline => {
                            "(a.deadline_at IS NULL), a.deadline_at ASC, a.submitted_at DESC, \
                             a.id DESC"
                        }
                    };
                    let sql = format!(
                        "SELECT {} FROM assignments a WHERE {filter} ORDER BY {order} \
                         LIMIT ${next} OFFSET ${}",
                        a_columns(),
                        next + 1
                    );
                    let rows: Vec<AssignmentRow> =
                        bind_filter!(sqlx::query_as(sqlx::AssertSqlSafe(sql)))
                            .bind(limit)
                            .bind(query.bound_offset())
                            .fetch_all(&self.pool)
                            .await?;
                    // The page's target counts in one grouped query (not one query per case).
                    let ids: Vec<&String> = rows.iter().map(|r| &r.id).collect();
                    let mut counts = std::collections::HashMap::new();
                    if !ids.is_empty() {
                        let sql = format!(
                            "SELECT assignment_id, COUNT(*) FROM assignment_targets \
                             WHERE assignment_id IN ({}) GROUP BY assignment_id",
                            marks(1, ids.len())
                        );
                        let mut q = sqlx::query_as::<_, (String, i64)>(sqlx::AssertSqlSafe(sql));
                        for id in &ids {
                            q = q.bind((*id).clone());
                        }
                        counts.extend(q.fetch_all(&self.pool).await?);
                    }
                    Ok(Page {
                        rows: rows
                            .into_iter()
                            .map(|case| AssignmentListed {
                                targets: counts.get(&case.id).copied().unwrap_or(0),
                                case,
                            })
                            .collect(),
                        total,
                    })
                }

                async fn overdue_assignments(&self, now: i64) -> Result<Vec<AssignmentRow>> {
                    let sql = format!(
                        "SELECT {COLUMNS} FROM assignments WHERE status = 'pending_approval' \
                         AND deadline_at IS NOT NULL AND deadline_at <= $1 AND escalated_at IS NULL \
                         ORDER BY deadline_at LIMIT 500"
                    );
                    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                        .bind(now)
                        .fetch_all(&self.pool)
                        .await?)
                }

                async fn lapsed_assignments(&self, today: &str) -> Result<Vec<AssignmentRow>> {
                    // ISO dates compare correctly as text on both backends.
                    let sql = format!(
                        "SELECT {COLUMNS} FROM assignments \
                         WHERE status IN ('admitted', 'approved') \
                         AND valid_to IS NOT NULL AND valid_to < $1 ORDER BY valid_to LIMIT 500"
                    );
                    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                        .bind(today)
                        .fetch_all(&self.pool)
                        .await?)
                }

                async fn catalog_candidates(&self) -> Result<Vec<AssignmentRow>> {
                    let sql = format!(
                        "SELECT {COLUMNS} FROM assignments WHERE list_candidate = TRUE \
                         ORDER BY updated_at, id LIMIT 1000"
                    );
                    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                        .fetch_all(&self.pool)
                        .await?)
                }

                async fn funding_lines(&self, scope: &AssignmentScope) -> Result<Vec<FundingLine>> {
                    let clause = match scope {
                        AssignmentScope::All => "1 = 1",
                        AssignmentScope::Department(_) => "f.department_code = $1",
                        AssignmentScope::Street(_) => {
                            "EXISTS (SELECT 1 FROM assignment_targets t WHERE \
                             t.assignment_id = f.assignment_id AND t.community_code = \
                             f.community_code AND t.street_code = $1)"
                        }
                        AssignmentScope::CommunityInForce(_) => "f.community_code = $1",
                    };
                    let sql = format!(
                        "SELECT f.community_code, f.assignment_id, f.department_code, f.amount_fen, \
                         f.channel, f.period_from, f.period_to, a.title, a.status, a.access_number \
                         FROM funding_ledger f JOIN assignments a ON a.id = f.assignment_id \
                         WHERE a.status IN ('admitted', 'approved', 'expired') AND {clause} \
                         ORDER BY f.period_from DESC, f.community_code, f.assignment_id LIMIT 5000"
                    );
                    let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
                    match scope {
                        AssignmentScope::All => {}
                        AssignmentScope::Department(p)
                        | AssignmentScope::Street(p)
                        | AssignmentScope::CommunityInForce(p) => q = q.bind(p.clone()),
                    }
                    Ok(q.fetch_all(&self.pool).await?)
                }
            }
        }
    };
}

pub(crate) use impl_assignment_store;
