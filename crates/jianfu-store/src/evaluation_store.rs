//! Storage for the evaluation registry (考核评比登记): one row per registered activity with the
//! judgement made at registration.

use crate::AuditDraft;
use crate::store::Result;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct EvaluationRow {
    pub organiser_code: String,
    pub id: String,
    pub title: String,
    pub kind: String,
    pub mandate_document: Option<String>,
    pub criteria: String,
    pub one_vote_veto: bool,
    pub admitted_work: Option<String>,
    pub outcome: String,
    /// JSON of `jianfu_domain::evaluation::Judgement`.
    pub judgement: String,
    pub registered_by: String,
    pub registered_at: i64,
}

/// Which activities: outcomes (the list's "statuses"), an organiser, a page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EvaluationFilter {
    pub organiser: Option<String>,
    pub list: crate::ListQuery,
}

#[async_trait]
pub trait EvaluationStore: Send + Sync + 'static {
    async fn insert_evaluation(&self, row: &EvaluationRow, audit: AuditDraft) -> Result<()>;
    async fn evaluation(&self, organiser: &str, id: &str) -> Result<Option<EvaluationRow>>;
    async fn list_evaluations(&self, f: &EvaluationFilter) -> Result<crate::Page<EvaluationRow>>;
    /// The state of the organiser's case with this access number, if it has one.
    async fn access_number_status(
        &self,
        department: &str,
        access_number: &str,
    ) -> Result<Option<String>>;
}

macro_rules! impl_evaluation_store {
    ($store:ident, $db:ty) => {
        mod evaluation_sql {
            use super::$store;
            use super::shared_sql::{Batch, write_audited};
            use $crate::retry::retrying;
            use $crate::store::Result;
            use $crate::{AuditDraft, EvaluationFilter, EvaluationRow};

            const COLUMNS: &str = "organiser_code, id, title, kind, mandate_document, criteria, \
                one_vote_veto, admitted_work, outcome, judgement, registered_by, registered_at";

            #[async_trait::async_trait]
            impl $crate::EvaluationStore for $store {
                async fn insert_evaluation(&self, r: &EvaluationRow, audit: AuditDraft) -> Result<()> {
                    let audit = &audit;
                    retrying(move || async move {
                        let mut batch = Batch::new("考核评比登记");
                        batch.insert(
                            &format!("INSERT INTO evaluations ({COLUMNS}) "),
                            12,
                            [r],
                            |mut b, r| {
                                b.push_bind(&r.organiser_code)
                                    .push_bind(&r.id)
                                    .push_bind(&r.title)
                                    .push_bind(&r.kind)
                                    .push_bind(&r.mandate_document)
                                    .push_bind(&r.criteria)
                                    .push_bind(r.one_vote_veto)
                                    .push_bind(&r.admitted_work)
                                    .push_bind(&r.outcome)
                                    .push_bind(&r.judgement)
                                    .push_bind(&r.registered_by)
                                    .push_bind(r.registered_at);
                            },
                        );
                        write_audited(self.writer(), batch, vec![audit.clone()]).await
                    })
                    .await
                }

                async fn evaluation(&self, organiser: &str, id: &str) -> Result<Option<EvaluationRow>> {
                    let sql = format!(
                        "SELECT {COLUMNS} FROM evaluations WHERE organiser_code = $1 AND id = $2"
                    );
                    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                        .bind(organiser)
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await?)
                }

                async fn list_evaluations(
                    &self,
                    f: &EvaluationFilter,
                ) -> Result<$crate::Page<EvaluationRow>> {
                    use $crate::list_query::status_in;
                    let filter = format!(
                        "($1 IS NULL OR organiser_code = $1){}",
                        status_in("outcome", 2, f.list.statuses.len())
                    );
                    let next = 2 + f.list.statuses.len();
                    macro_rules! bind_filter {
                        ($q:expr) => {{
                            let mut q = $q.bind(&f.organiser);
                            for s in &f.list.statuses {
                                q = q.bind(s);
                            }
                            q
                        }};
                    }
                    let count_sql = format!("SELECT COUNT(*) FROM evaluations WHERE {filter}");
                    let (total,): (i64,) = bind_filter!(sqlx::query_as(sqlx::AssertSqlSafe(count_sql)))
                        .fetch_one(&self.pool)
                        .await?;
                    let limit = f.list.bound_limit();
                    if limit == 0 || total == 0 {
                        return Ok($crate::Page { rows: Vec::new(), total });
                    }
                    let order = match f.list.sort {
                        $crate::ListSort::Oldest => "registered_at ASC, id ASC",
                        $crate::ListSort::Newest | $crate::ListSort::Deadline => "registered_at DESC, id DESC",
                    };
                    let sql = format!(
                        "SELECT {COLUMNS} FROM evaluations WHERE {filter} ORDER BY {order} \
                         LIMIT ${next} OFFSET ${}",
                        next + 1
                    );
                    let rows = bind_filter!(sqlx::query_as(sqlx::AssertSqlSafe(sql)))
                        .bind(limit)
                        .bind(f.list.bound_offset())
                        .fetch_all(&self.pool)
                        .await?;
                    Ok($crate::Page { rows, total })
                }

                async fn access_number_status(
                    &self,
                    department: &str,
                    access_number: &str,
                ) -> Result<Option<String>> {
                    let row: Option<(String,)> = sqlx::query_as(
                        "SELECT status FROM assignments WHERE department_code = $1 AND access_number = $2",
                    )
                    .bind(department)
                    .bind(access_number)
                    .fetch_optional(&self.pool)
                    .await?;
                    Ok(row.map(|r| r.0))
                }
            }
        }
    };
}

pub(crate) use impl_evaluation_store;
