//! Storage for work that bypassed the gate (违规下派): reports, their evidence files, supervisors'
//! decisions. A report and its evidence are inserted in one audited transaction.

use crate::AuditDraft;
use crate::store::Result;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct ViolationRow {
    pub community_code: String,
    pub id: String,
    pub department_code: String,
    pub title: String,
    pub description: String,
    pub channel: String,
    /// `YYYY-MM-DD`.
    pub received_on: String,
    /// Username of the reporter.
    pub reported_by: String,
    pub reported_at: i64,
    pub status: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub decision_comment: Option<String>,
    pub revoked: bool,
    pub department_response: Option<String>,
    pub department_responded_at: Option<i64>,
}

/// One evidence file with its content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct EvidenceRow {
    pub community_code: String,
    pub report_id: String,
    pub seq: i64,
    pub kind: String,
    pub size: i64,
    pub sha256: String,
    pub bytes: Vec<u8>,
}

/// An evidence file's description, without its content (for lists).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct EvidenceMeta {
    pub seq: i64,
    pub kind: String,
    pub size: i64,
    pub sha256: String,
}

/// Filters for listing reports. Empty fields do not filter; the service always sets the field
/// that scopes the reader (community or department).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ViolationFilter {
    pub community: Option<String>,
    pub department: Option<String>,
    /// States, order (reports have no deadline: `Deadline` reads as newest first) and page.
    pub list: crate::ListQuery,
}

/// Per department (or street): how many reports were confirmed against it, and how many wait.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct DepartmentCount {
    pub department_code: String,
    pub confirmed: i64,
    pub pending: i64,
    pub dismissed: i64,
}

/// The decision to record on a `reported` report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViolationDecision {
    pub status: String,
    pub revoked: bool,
    pub decided_by: String,
    pub decided_at: i64,
    pub comment: Option<String>,
}

#[async_trait]
pub trait ViolationStore: Send + Sync + 'static {
    /// Stores a report and all its evidence, with the audit record, in one transaction.
    /// Stores a report with its evidence and the notices it sends, in one transaction.
    async fn insert_violation(
        &self,
        report: &ViolationRow,
        evidence: &[EvidenceRow],
        told: &crate::Told,
        audit: AuditDraft,
    ) -> Result<()>;
    async fn violation(&self, community: &str, id: &str) -> Result<Option<ViolationRow>>;
    /// One page of reports with the filtered total.
    async fn list_violations(&self, filter: &ViolationFilter) -> Result<crate::Page<ViolationRow>>;
    async fn violation_evidence_list(
        &self,
        community: &str,
        report_id: &str,
    ) -> Result<Vec<EvidenceMeta>>;
    async fn violation_evidence(
        &self,
        community: &str,
        report_id: &str,
        seq: i64,
    ) -> Result<Option<EvidenceRow>>;
    /// Records a decision, only if the report is still `reported`. Returns false (and changes
    /// nothing, audits nothing) when it was decided meanwhile.
    async fn decide_violation(
        &self,
        community: &str,
        id: &str,
        decision: &ViolationDecision,
        audit: AuditDraft,
    ) -> Result<bool>;
    /// The department's written response to a report against it.
    async fn respond_violation(
        &self,
        community: &str,
        id: &str,
        response: &str,
        at: i64,
        audit: AuditDraft,
    ) -> Result<bool>;
    /// Counts per department (or street) that has any report against it.
    async fn violation_counts(&self) -> Result<Vec<DepartmentCount>>;
}

macro_rules! impl_violation_store {
    ($store:ident, $db:ty) => {
        mod violation_sql {
            use super::$store;
            use super::shared_sql::{Batch, begin_audited, commit_audited, write_audited};
            use $crate::retry::retrying;
            use $crate::store::Result;
            use $crate::{
                AuditDraft, DepartmentCount, EvidenceMeta, EvidenceRow,
                ViolationDecision, ViolationFilter, ViolationRow,
            };

            const COLUMNS: &str = "community_code, id, department_code, title, description, \
                channel, received_on, reported_by, reported_at, status, decided_by, decided_at, \
                decision_comment, revoked, department_response, department_responded_at";

            #[async_trait::async_trait]
            impl $crate::ViolationStore for $store {
                async fn insert_violation(
                    &self,
                    r: &ViolationRow,
                    evidence: &[EvidenceRow],
                    told: &$crate::Told,
                    audit: AuditDraft,
                ) -> Result<()> {
                    let audit = &audit;
                    retrying(move || async move {
                        let audit = audit.clone();
                        let mut batch = Batch::new("举报");
                        batch.insert(
                            &format!("INSERT INTO violation_reports ({COLUMNS}) "),
                            16,
                            [r],
                            |mut b, r| {
                                b.push_bind(&r.community_code)
                                    .push_bind(&r.id)
                                    .push_bind(&r.department_code)
                                    .push_bind(&r.title)
                                    .push_bind(&r.description)
                                    .push_bind(&r.channel)
                                    .push_bind(&r.received_on)
                                    .push_bind(&r.reported_by)
                                    .push_bind(r.reported_at)
                                    .push_bind(&r.status)
                                    .push_bind(&r.decided_by)
                                    .push_bind(r.decided_at)
                                    .push_bind(&r.decision_comment)
                                    .push_bind(r.revoked)
                                    .push_bind(&r.department_response)
                                    .push_bind(r.department_responded_at);
                            },
                        );
                        batch.insert(
                            "INSERT INTO violation_evidence (community_code, report_id, seq, kind, \
                             size, sha256, bytes) ",
                            7,
                            evidence,
                            |mut b, e| {
                                b.push_bind(&e.community_code)
                                    .push_bind(&e.report_id)
                                    .push_bind(e.seq)
                                    .push_bind(&e.kind)
                                    .push_bind(e.size)
                                    .push_bind(&e.sha256)
                                    .push_bind(&e.bytes);
                            },
                        );
                        super::notice_sql::add_rows(&mut batch, &told.notices);
                        write_audited(self.writer(), batch, told.with_change(audit)).await
                    })
                    .await
                }

                async fn violation(
                    &self,
                    community: &str,
                    id: &str,
                ) -> Result<Option<ViolationRow>> {
                    let sql = format!(
                        "SELECT {COLUMNS} FROM violation_reports \
                         WHERE community_code = $1 AND id = $2"
                    );
                    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                        .bind(community)
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await?)
                }

                async fn list_violations(
                    &self,
                    f: &ViolationFilter,
                ) -> Result<$crate::Page<ViolationRow>> {
                    use $crate::list_query::status_in;
                    // Unused filters compare a column with itself through `$n IS NULL OR …`,
                    // so one statement serves every combination.
                    let filter = format!(
                        "($1 IS NULL OR community_code = $1) \
                         AND ($2 IS NULL OR department_code = $2){}",
                        status_in("status", 3, f.list.statuses.len())
                    );
                    let next = 3 + f.list.statuses.len();
                    macro_rules! bind_filter {
                        ($q:expr) => {{
                            let mut q = $q.bind(&f.community).bind(&f.department);
                            for s in &f.list.statuses {
                                q = q.bind(s);
                            }
                            q
                        }};
                    }
                    let count_sql = format!("SELECT COUNT(*) FROM violation_reports WHERE {filter}");
                    let (total,): (i64,) =
                        bind_filter!(sqlx::query_as(sqlx::AssertSqlSafe(count_sql)))
                            .fetch_one(&self.pool)
                            .await?;
                    let limit = f.list.bound_limit();
                    if limit == 0 || total == 0 {
                        return Ok($crate::Page { rows: Vec::new(), total });
                    }
                    // One of two fixed orders, never text from the request.
                    let order = match f.list.sort {
                        $crate::ListSort::Oldest => "reported_at ASC, id ASC",
                        $crate::ListSort::Newest | $crate::ListSort::Deadline => {
                            "reported_at DESC, id DESC"
                        }
                    };
                    let sql = format!(
                        "SELECT {COLUMNS} FROM violation_reports WHERE {filter} \
                         ORDER BY {order} LIMIT ${next} OFFSET ${}",
                        next + 1
                    );
                    let rows = bind_filter!(sqlx::query_as(sqlx::AssertSqlSafe(sql)))
                        .bind(limit)
                        .bind(f.list.bound_offset())
                        .fetch_all(&self.pool)
                        .await?;
                    Ok($crate::Page { rows, total })
                }

                async fn violation_evidence_list(
                    &self,
                    community: &str,
                    report_id: &str,
                ) -> Result<Vec<EvidenceMeta>> {
                    Ok(sqlx::query_as(
                        "SELECT seq, kind, size, sha256 FROM violation_evidence \
                         WHERE community_code = $1 AND report_id = $2 ORDER BY seq",
                    )
                    .bind(community)
                    .bind(report_id)
                    .fetch_all(&self.pool)
                    .await?)
                }

                async fn violation_evidence(
                    &self,
                    community: &str,
                    report_id: &str,
                    seq: i64,
                ) -> Result<Option<EvidenceRow>> {
                    Ok(sqlx::query_as(
                        "SELECT community_code, report_id, seq, kind, size, sha256, bytes \
                         FROM violation_evidence \
                         WHERE community_code = $1 AND report_id = $2 AND seq = $3",
                    )
                    .bind(community)
                    .bind(report_id)
                    .bind(seq)
                    .fetch_optional(&self.pool)
                    .await?)
                }

                async fn decide_violation(
                    &self,
                    community: &str,
                    id: &str,
                    d: &ViolationDecision,
                    audit: AuditDraft,
                ) -> Result<bool> {
                    let audit = &audit;
                    retrying(move || async move {
                        let audit = audit.clone();
                        let mut tx = begin_audited(self.writer()).await?;
                        let done = sqlx::query(
                            "UPDATE violation_reports SET status = $1, revoked = $2, \
                             decided_by = $3, decided_at = $4, decision_comment = $5 \
                             WHERE community_code = $6 AND id = $7 AND status = 'reported'",
                        )
                        .bind(&d.status)
                        .bind(d.revoked)
                        .bind(&d.decided_by)
                        .bind(d.decided_at)
                        .bind(&d.comment)
                        .bind(community)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                        if done == 0 {
                            // Dropping the transaction rolls back the audit head's increment too.
                            tx.rollback().await?;
                            return Ok(false);
                        }
                        commit_audited(tx, audit).await?;
                        Ok(true)
                    })
                    .await
                }

                async fn respond_violation(
                    &self,
                    community: &str,
                    id: &str,
                    response: &str,
                    at: i64,
                    audit: AuditDraft,
                ) -> Result<bool> {
                    let audit = &audit;
                    retrying(move || async move {
                        let audit = audit.clone();
                        let mut tx = begin_audited(self.writer()).await?;
                        let done = sqlx::query(
                            "UPDATE violation_reports SET department_response = $1, \
                             department_responded_at = $2 WHERE community_code = $3 AND id = $4",
                        )
                        .bind(response)
                        .bind(at)
                        .bind(community)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                        if done == 0 {
                            tx.rollback().await?;
                            return Ok(false);
                        }
                        commit_audited(tx, audit).await?;
                        Ok(true)
                    })
                    .await
                }

                async fn violation_counts(&self) -> Result<Vec<DepartmentCount>> {
                    Ok(sqlx::query_as(
                        "SELECT department_code, \
                         SUM(CASE WHEN status = 'confirmed' THEN 1 ELSE 0 END) AS confirmed, \
                         SUM(CASE WHEN status = 'reported' THEN 1 ELSE 0 END) AS pending, \
                         SUM(CASE WHEN status = 'dismissed' THEN 1 ELSE 0 END) AS dismissed \
                         FROM violation_reports GROUP BY department_code \
                         ORDER BY confirmed DESC, pending DESC, department_code",
                    )
                    .fetch_all(&self.pool)
                    .await?)
                }
            }
        }
    };
}

pub(crate) use impl_violation_store;
