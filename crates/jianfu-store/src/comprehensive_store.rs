//! Storage for the comprehensive evaluation (综合考评): the yearly cycles with their scheme, the
//! streets' nominations and the district's scores.

use crate::AuditDraft;
use crate::store::Result;
use async_trait::async_trait;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CycleRow {
    pub year: i64,
    /// JSON of `jianfu_domain::evaluation::comprehensive::Scheme`.
    pub scheme: String,
    pub survey_id: Option<String>,
    pub nominations_close: String,
    pub scoring_close: String,
    pub published_at: Option<i64>,
    pub created_by: String,
    pub created_at: i64,
    pub revision: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct NominationRow {
    pub community_code: String,
    pub year: i64,
    pub street_code: String,
    pub self_report: String,
    pub nominated_by: String,
    pub nominated_at: i64,
    pub criterion_scores: Option<String>,
    pub scorecard: Option<String>,
    pub total_tenths: Option<i64>,
    pub scored_by: Option<String>,
    pub scored_at: Option<i64>,
}

/// A score to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScoreWrite {
    pub community_code: String,
    pub year: i64,
    pub criterion_scores: String,
    pub scorecard: String,
    pub total_tenths: i64,
    pub scored_by: String,
    pub scored_at: i64,
}

#[async_trait]
pub trait ComprehensiveStore: Send + Sync + 'static {
    async fn insert_cycle(&self, row: &CycleRow, audit: AuditDraft) -> Result<()>;
    async fn cycle(&self, year: i64) -> Result<Option<CycleRow>>;
    /// Every cycle, newest year first.
    async fn cycles(&self) -> Result<Vec<CycleRow>>;
    /// Replaces the scheme, survey and dates if the cycle is at `revision` and unpublished.
    async fn update_cycle(&self, row: &CycleRow, audit: AuditDraft) -> Result<bool>;
    /// Marks the cycle published if it is at `revision`.
    async fn publish_cycle(
        &self,
        year: i64,
        revision: i64,
        at: i64,
        audit: AuditDraft,
    ) -> Result<bool>;
    /// A duplicate (the community already nominated this year) is `StoreError::Conflict`.
    async fn insert_nomination(&self, row: &NominationRow, audit: AuditDraft) -> Result<()>;
    async fn nomination(&self, year: i64, community: &str) -> Result<Option<NominationRow>>;
    /// The year's nominations, best total first (unscored last), then by community.
    async fn nominations(&self, year: i64) -> Result<Vec<NominationRow>>;
    /// Records (or replaces) a score while the cycle is unpublished; false if it is published.
    async fn record_score(&self, s: &ScoreWrite, audit: AuditDraft) -> Result<bool>;
}

macro_rules! impl_comprehensive_store {
    ($store:ident, $db:ty) => {
        mod comprehensive_sql {
            use super::$store;
            use super::shared_sql::{Batch, update_audited, write_audited};
            use $crate::retry::retrying;
            use $crate::store::Result;
            use $crate::{AuditDraft, CycleRow, NominationRow, ScoreWrite};

            const CYCLE: &str = "year, scheme, survey_id, nominations_close, scoring_close, \
                published_at, created_by, created_at, revision";
            const NOMINATION: &str = "community_code, year, street_code, self_report, nominated_by, \
                nominated_at, criterion_scores, scorecard, total_tenths, scored_by, scored_at";

            #[async_trait::async_trait]
            impl $crate::ComprehensiveStore for $store {
                async fn insert_cycle(&self, r: &CycleRow, audit: AuditDraft) -> Result<()> {
                    let audit = &audit;
                    retrying(move || async move {
                        let mut batch = Batch::new("综合考评");
                        batch.insert(&format!("INSERT INTO comprehensive_cycles ({CYCLE}) "), 9, [r], |mut b, r| {
                            b.push_bind(r.year)
                                .push_bind(&r.scheme)
                                .push_bind(&r.survey_id)
                                .push_bind(&r.nominations_close)
                                .push_bind(&r.scoring_close)
                                .push_bind(r.published_at)
                                .push_bind(&r.created_by)
                                .push_bind(r.created_at)
                                .push_bind(r.revision);
                        });
                        write_audited(self.writer(), batch, vec![audit.clone()]).await
                    })
                    .await
                }

                async fn cycle(&self, year: i64) -> Result<Option<CycleRow>> {
                    let sql = format!("SELECT {CYCLE} FROM comprehensive_cycles WHERE year = $1");
                    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                        .bind(year)
                        .fetch_optional(&self.pool)
                        .await?)
                }

                async fn cycles(&self) -> Result<Vec<CycleRow>> {
                    let sql = format!("SELECT {CYCLE} FROM comprehensive_cycles ORDER BY year DESC");
                    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                        .fetch_all(&self.pool)
                        .await?)
                }

                async fn update_cycle(&self, r: &CycleRow, audit: AuditDraft) -> Result<bool> {
                    let audit = &audit;
                    retrying(move || async move {
                        let update = sqlx::query(
                            "UPDATE comprehensive_cycles SET scheme = $1, survey_id = $2, \
                             nominations_close = $3, scoring_close = $4, revision = revision + 1 \
                             WHERE year = $5 AND revision = $6 AND published_at IS NULL",
                        )
                        .bind(&r.scheme)
                        .bind(&r.survey_id)
                        .bind(&r.nominations_close)
                        .bind(&r.scoring_close)
                        .bind(r.year)
                        .bind(r.revision);
                        update_audited(self.writer(), update, "综合考评", audit.clone()).await
                    })
                    .await
                }

                async fn publish_cycle(
                    &self,
                    year: i64,
                    revision: i64,
                    at: i64,
                    audit: AuditDraft,
                ) -> Result<bool> {
                    let audit = &audit;
                    retrying(move || async move {
                        let update = sqlx::query(
                            "UPDATE comprehensive_cycles SET published_at = $1, revision = revision + 1 \
                             WHERE year = $2 AND revision = $3 AND published_at IS NULL",
                        )
                        .bind(at)
                        .bind(year)
                        .bind(revision);
                        update_audited(self.writer(), update, "综合考评", audit.clone()).await
                    })
                    .await
                }

                async fn insert_nomination(&self, r: &NominationRow, audit: AuditDraft) -> Result<()> {
                    let audit = &audit;
                    retrying(move || async move {
                        let mut batch = Batch::new("街道自荐申报");
                        batch.insert(
                            &format!("INSERT INTO comprehensive_nominations ({NOMINATION}) "),
                            11,
                            [r],
                            |mut b, r| {
                                b.push_bind(&r.community_code)
                                    .push_bind(r.year)
                                    .push_bind(&r.street_code)
                                    .push_bind(&r.self_report)
                                    .push_bind(&r.nominated_by)
                                    .push_bind(r.nominated_at)
                                    .push_bind(&r.criterion_scores)
                                    .push_bind(&r.scorecard)
                                    .push_bind(r.total_tenths)
                                    .push_bind(&r.scored_by)
                                    .push_bind(r.scored_at);
                            },
                        );
                        write_audited(self.writer(), batch, vec![audit.clone()]).await
                    })
                    .await
                }

                async fn nomination(&self, year: i64, community: &str) -> Result<Option<NominationRow>> {
                    let sql = format!(
                        "SELECT {NOMINATION} FROM comprehensive_nominations \
                         WHERE community_code = $1 AND year = $2"
                    );
                    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                        .bind(community)
                        .bind(year)
                        .fetch_optional(&self.pool)
                        .await?)
                }

                async fn nominations(&self, year: i64) -> Result<Vec<NominationRow>> {
                    let sql = format!(
                        "SELECT {NOMINATION} FROM comprehensive_nominations WHERE year = $1 \
                         ORDER BY total_tenths IS NULL, total_tenths DESC, community_code"
                    );
                    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                        .bind(year)
                        .fetch_all(&self.pool)
                        .await?)
                }

                async fn record_score(&self, s: &ScoreWrite, audit: AuditDraft) -> Result<bool> {
                    let audit = &audit;
                    retrying(move || async move {
                        let update = sqlx::query(
                            "UPDATE comprehensive_nominations SET criterion_scores = $1, scorecard = $2, \
                             total_tenths = $3, scored_by = $4, scored_at = $5 \
                             WHERE community_code = $6 AND year = $7 AND EXISTS (SELECT 1 FROM \
                             comprehensive_cycles c WHERE c.year = $7 AND c.published_at IS NULL)",
                        )
                        .bind(&s.criterion_scores)
                        .bind(&s.scorecard)
                        .bind(s.total_tenths)
                        .bind(&s.scored_by)
                        .bind(s.scored_at)
                        .bind(&s.community_code)
                        .bind(s.year);
                        update_audited(self.writer(), update, "综合考评", audit.clone()).await
                    })
                    .await
                }
            }
        }
    };
}

pub(crate) use impl_comprehensive_store;
