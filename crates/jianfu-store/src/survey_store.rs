//! Storage for resident satisfaction surveys: questionnaire versions, printed code batches, the
//! spent-code set and the answers as counts and free text. Spending a code and counting its
//! answer are one transaction; nothing stored pairs the two (see migration 0021).

use crate::AuditDraft;
use crate::store::Result;
use async_trait::async_trait;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SurveyRow {
    pub id: String,
    pub series: String,
    pub version: i64,
    pub owner_code: String,
    pub title: String,
    /// JSON of `jianfu_domain::survey::Questionnaire`.
    pub questionnaire: String,
    pub opens_on: Option<String>,
    pub closes_on: Option<String>,
    pub created_by: String,
    pub created_at: i64,
    pub published_at: Option<i64>,
    pub revision: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CodeBatchRow {
    pub community_code: String,
    pub survey_id: String,
    pub batch: i64,
    pub codes: i64,
    pub printed_by: String,
    pub printed_by_org: String,
    pub printed_on: String,
    pub voided_on: Option<String>,
    /// Codes of the batch already used (counted, not stored per code).
    pub spent: i64,
}

/// One response to count.
#[derive(Debug, Clone, PartialEq)]
pub struct SurveySubmission {
    pub survey_id: String,
    pub community_code: String,
    pub digest: String,
    pub nonce_digest: String,
    /// (question, value) counters to add one to.
    pub counters: Vec<(u32, i64)>,
    pub score_tenths: Option<i64>,
    /// (random id, question, text)
    pub texts: Vec<(String, u32, String)>,
    /// Beijing day.
    pub answered_on: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubmitOutcome {
    Counted,
    /// The same form came again (same code, same nonce): counted once already.
    AlreadyCounted,
    /// No such code for this community and survey.
    Unknown,
    Voided,
    /// Used by another submission.
    Spent,
}

/// A community's counts: (community, question, value, count) and (community, tenths, count).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SurveyCounts {
    pub tallies: Vec<(String, i64, i64, i64)>,
    pub scores: Vec<(String, i64, i64)>,
    /// (community, codes handed out and not voided)
    pub issued: Vec<(String, i64)>,
}

#[async_trait]
pub trait SurveyStore: Send + Sync + 'static {
    async fn insert_survey(&self, row: &SurveyRow, audit: AuditDraft) -> Result<()>;
    async fn survey(&self, id: &str) -> Result<Option<SurveyRow>>;
    /// Every version, newest first.
    async fn surveys(&self) -> Result<Vec<SurveyRow>>;
    /// Replaces a draft's title and questions if it is still a draft at `revision`; false if
    /// it moved on (another edit, or published).
    async fn update_draft(
        &self,
        id: &str,
        revision: i64,
        title: &str,
        questionnaire: &str,
        audit: AuditDraft,
    ) -> Result<bool>;
    /// Publishes a draft at `revision` with its dates; false if it moved on.
    async fn publish_survey(
        &self,
        id: &str,
        revision: i64,
        opens_on: &str,
        closes_on: &str,
        at: i64,
        audit: AuditDraft,
    ) -> Result<bool>;
    /// Records a printed batch of code digests; returns its number (1, 2, … per community).
    async fn add_code_batch(
        &self,
        batch: &CodeBatchRow,
        digests: &[String],
        audit: AuditDraft,
    ) -> Result<i64>;
    /// Voids the unused codes of a batch (slips lost or not handed out); false if already voided
    /// or no such batch.
    async fn void_code_batch(
        &self,
        community: &str,
        survey_id: &str,
        batch: i64,
        on: &str,
        audit: AuditDraft,
    ) -> Result<bool>;
    async fn code_batches(&self, survey_id: &str, community: &str) -> Result<Vec<CodeBatchRow>>;
    async fn submit_survey(&self, s: &SurveySubmission, audit: AuditDraft)
    -> Result<SubmitOutcome>;
    /// Counts of one community, or of all when `community` is None.
    async fn survey_counts(&self, survey_id: &str, community: Option<&str>)
    -> Result<SurveyCounts>;
    /// Free text: (community, question, body), by community.
    async fn survey_texts(
        &self,
        survey_id: &str,
        community: Option<&str>,
    ) -> Result<Vec<(String, i64, String)>>;
}

macro_rules! impl_survey_store {
    ($store:ident, $db:ty) => {
        mod survey_sql {
            use super::$store;
            use super::shared_sql::{Batch, begin_audited, commit_audited_batch, write_audited};
            use $crate::retry::retrying;
            use $crate::store::Result;
            use $crate::{
                AuditDraft, CodeBatchRow, SubmitOutcome, SurveyCounts, SurveyRow,
                SurveySubmission,
            };

            const COLUMNS: &str = "id, series, version, owner_code, title, questionnaire, \
                opens_on, closes_on, created_by, created_at, published_at, revision";

            #[async_trait::async_trait]
            impl $crate::SurveyStore for $store {
                async fn insert_survey(&self, r: &SurveyRow, audit: AuditDraft) -> Result<()> {
                    let audit = &audit;
                    retrying(move || async move {
                        let mut batch = Batch::new("问卷");
                        batch.insert(&format!("INSERT INTO surveys ({COLUMNS}) "), 12, [r], |mut b, r| {
                            b.push_bind(&r.id)
                                .push_bind(&r.series)
                                .push_bind(r.version)
                                .push_bind(&r.owner_code)
                                .push_bind(&r.title)
                                .push_bind(&r.questionnaire)
                                .push_bind(&r.opens_on)
                                .push_bind(&r.closes_on)
                                .push_bind(&r.created_by)
                                .push_bind(r.created_at)
                                .push_bind(r.published_at)
                                .push_bind(r.revision);
                        });
                        write_audited(self.writer(), batch, vec![audit.clone()]).await
                    })
                    .await
                }

                async fn survey(&self, id: &str) -> Result<Option<SurveyRow>> {
                    let sql = format!("SELECT {COLUMNS} FROM surveys WHERE id = $1");
                    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await?)
                }

                async fn surveys(&self) -> Result<Vec<SurveyRow>> {
                    let sql = format!(
                        "SELECT {COLUMNS} FROM surveys ORDER BY created_at DESC, id DESC LIMIT 500"
                    );
                    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                        .fetch_all(&self.pool)
                        .await?)
                }

                async fn update_draft(
                    &self,
                    id: &str,
                    revision: i64,
                    title: &str,
                    questionnaire: &str,
                    audit: AuditDraft,
                ) -> Result<bool> {
                    let audit = &audit;
                    retrying(move || async move {
                        let mut tx = begin_audited(self.writer()).await?;
                        let n = sqlx::query(
                            "UPDATE surveys SET title = $1, questionnaire = $2, revision = revision + 1 \
                             WHERE id = $3 AND revision = $4 AND published_at IS NULL",
                        )
                        .bind(title)
                        .bind(questionnaire)
                        .bind(id)
                        .bind(revision)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                        if n == 0 {
                            return Ok(false);
                        }
                        commit_audited_batch(tx, Batch::new("问卷"), vec![audit.clone()]).await?;
                        Ok(true)
                    })
                    .await
                }

                async fn publish_survey(
                    &self,
                    id: &str,
                    revision: i64,
                    opens_on: &str,
                    closes_on: &str,
                    at: i64,
                    audit: AuditDraft,
                ) -> Result<bool> {
                    let audit = &audit;
                    retrying(move || async move {
                        let mut tx = begin_audited(self.writer()).await?;
                        let n = sqlx::query(
                            "UPDATE surveys SET opens_on = $1, closes_on = $2, published_at = $3, \
                             revision = revision + 1 \
                             WHERE id = $4 AND revision = $5 AND published_at IS NULL",
                        )
                        .bind(opens_on)
                        .bind(closes_on)
                        .bind(at)
                        .bind(id)
                        .bind(revision)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                        if n == 0 {
                            return Ok(false);
                        }
                        commit_audited_batch(tx, Batch::new("问卷"), vec![audit.clone()]).await?;
                        Ok(true)
                    })
                    .await
                }

                async fn add_code_batch(
                    &self,
                    b: &CodeBatchRow,
                    digests: &[String],
                    audit: AuditDraft,
                ) -> Result<i64> {
                    let audit = &audit;
                    retrying(move || async move {
                        let mut tx = begin_audited(self.writer()).await?;
                        let (last,): (Option<i64>,) = sqlx::query_as(
                            "SELECT MAX(batch) FROM survey_code_batches \
                             WHERE community_code = $1 AND survey_id = $2",
                        )
                        .bind(&b.community_code)
                        .bind(&b.survey_id)
                        .fetch_one(&mut *tx)
                        .await?;
                        let number = last.unwrap_or(0) + 1;
                        let mut batch = Batch::new("入户码");
                        batch.insert(
                            "INSERT INTO survey_code_batches (community_code, survey_id, batch, codes, \
                             printed_by, printed_by_org, printed_on, voided_on) ",
                            8,
                            [b],
                            |mut q, b| {
                                q.push_bind(&b.community_code)
                                    .push_bind(&b.survey_id)
                                    .push_bind(number)
                                    .push_bind(digests.len() as i64)
                                    .push_bind(&b.printed_by)
                                    .push_bind(&b.printed_by_org)
                                    .push_bind(&b.printed_on)
                                    .push_bind(None::<String>);
                            },
                        );
                        batch.insert(
                            "INSERT INTO survey_codes (community_code, survey_id, digest, batch, \
                             spent, spent_nonce, voided) ",
                            7,
                            digests,
                            |mut q, d| {
                                q.push_bind(&b.community_code)
                                    .push_bind(&b.survey_id)
                                    .push_bind(d)
                                    .push_bind(number)
                                    .push_bind(false)
                                    .push_bind(None::<String>)
                                    .push_bind(false);
                            },
                        );
                        commit_audited_batch(tx, batch, vec![audit.clone()]).await?;
                        Ok(number)
                    })
                    .await
                }

                async fn void_code_batch(
                    &self,
                    community: &str,
                    survey_id: &str,
                    number: i64,
                    on: &str,
                    audit: AuditDraft,
                ) -> Result<bool> {
                    let audit = &audit;
                    retrying(move || async move {
                        let mut tx = begin_audited(self.writer()).await?;
                        let n = sqlx::query(
                            "UPDATE survey_code_batches SET voided_on = $1 WHERE community_code = $2 \
                             AND survey_id = $3 AND batch = $4 AND voided_on IS NULL",
                        )
                        .bind(on)
                        .bind(community)
                        .bind(survey_id)
                        .bind(number)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                        if n == 0 {
                            return Ok(false);
                        }
                        let mut batch = Batch::new("入户码");
                        batch
                            .write(3)
                            .push("UPDATE survey_codes SET voided = TRUE WHERE community_code = ")
                            .push_bind(community)
                            .push(" AND survey_id = ")
                            .push_bind(survey_id)
                            .push(" AND batch = ")
                            .push_bind(number)
                            .push(" AND NOT spent");
                        commit_audited_batch(tx, batch, vec![audit.clone()]).await?;
                        Ok(true)
                    })
                    .await
                }

                async fn code_batches(
                    &self,
                    survey_id: &str,
                    community: &str,
                ) -> Result<Vec<CodeBatchRow>> {
                    Ok(sqlx::query_as(
                        "SELECT b.community_code, b.survey_id, b.batch, b.codes, b.printed_by, \
                         b.printed_by_org, b.printed_on, b.voided_on, \
                         (SELECT COUNT(*) FROM survey_codes c WHERE c.community_code = b.community_code \
                          AND c.survey_id = b.survey_id AND c.batch = b.batch AND c.spent) AS spent \
                         FROM survey_code_batches b WHERE b.community_code = $1 AND b.survey_id = $2 \
                         ORDER BY b.batch",
                    )
                    .bind(community)
                    .bind(survey_id)
                    .fetch_all(&self.pool)
                    .await?)
                }

                async fn submit_survey(
                    &self,
                    s: &SurveySubmission,
                    audit: AuditDraft,
                ) -> Result<SubmitOutcome> {
                    let audit = &audit;
                    retrying(move || async move {
                        let mut tx = begin_audited(self.writer()).await?;
                        // The guard: only an unspent code flips; a second sender of the same code
                        // (PostgreSQL: waiting on the row) finds nothing to flip.
                        let n = sqlx::query(
                            "UPDATE survey_codes SET spent = TRUE, spent_nonce = $1 \
                             WHERE community_code = $2 AND survey_id = $3 AND digest = $4 \
                             AND NOT spent AND NOT voided",
                        )
                        .bind(&s.nonce_digest)
                        .bind(&s.community_code)
                        .bind(&s.survey_id)
                        .bind(&s.digest)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                        if n == 0 {
                            let row: Option<(bool, bool, Option<String>)> = sqlx::query_as(
                                "SELECT spent, voided, spent_nonce FROM survey_codes \
                                 WHERE community_code = $1 AND survey_id = $2 AND digest = $3",
                            )
                            .bind(&s.community_code)
                            .bind(&s.survey_id)
                            .bind(&s.digest)
                            .fetch_optional(&mut *tx)
                            .await?;
                            return Ok(match row {
                                None => SubmitOutcome::Unknown,
                                Some((true, _, nonce)) if nonce.as_deref() == Some(&s.nonce_digest) => {
                                    SubmitOutcome::AlreadyCounted
                                }
                                Some((true, _, _)) => SubmitOutcome::Spent,
                                Some((false, _, _)) => SubmitOutcome::Voided,
                            });
                        }
                        let mut batch = Batch::new("答卷");
                        let q = batch.write(s.counters.len() * 4);
                        q.push("INSERT INTO survey_tallies (community_code, survey_id, question, value, count) ");
                        q.push_values(&s.counters, |mut q, (question, value)| {
                            q.push_bind(&s.community_code)
                                .push_bind(&s.survey_id)
                                .push_bind(i64::from(*question))
                                .push_bind(*value)
                                .push_unseparated(", 1");
                        });
                        q.push(
                            " ON CONFLICT (community_code, survey_id, question, value) \
                             DO UPDATE SET count = survey_tallies.count + 1",
                        );
                        if let Some(t) = s.score_tenths {
                            batch
                                .write(3)
                                .push(
                                    "INSERT INTO survey_scores (community_code, survey_id, score_tenths, count) \
                                     VALUES (",
                                )
                                .push_bind(&s.community_code)
                                .push(", ")
                                .push_bind(&s.survey_id)
                                .push(", ")
                                .push_bind(t)
                                .push(
                                    ", 1) ON CONFLICT (community_code, survey_id, score_tenths) \
                                     DO UPDATE SET count = survey_scores.count + 1",
                                );
                        }
                        batch.insert(
                            "INSERT INTO survey_texts (community_code, survey_id, id, question, body, answered_on) ",
                            6,
                            &s.texts,
                            |mut q, (id, question, body)| {
                                q.push_bind(&s.community_code)
                                    .push_bind(&s.survey_id)
                                    .push_bind(id)
                                    .push_bind(i64::from(*question))
                                    .push_bind(body)
                                    .push_bind(&s.answered_on);
                            },
                        );
                        commit_audited_batch(tx, batch, vec![audit.clone()]).await?;
                        Ok(SubmitOutcome::Counted)
                    })
                    .await
                }

                async fn survey_counts(
                    &self,
                    survey_id: &str,
                    community: Option<&str>,
                ) -> Result<SurveyCounts> {
                    let tallies = sqlx::query_as(
                        "SELECT community_code, question, value, count FROM survey_tallies \
                         WHERE survey_id = $1 AND ($2 IS NULL OR community_code = $2)",
                    )
                    .bind(survey_id)
                    .bind(community)
                    .fetch_all(&self.pool)
                    .await?;
                    let scores = sqlx::query_as(
                        "SELECT community_code, score_tenths, count FROM survey_scores \
                         WHERE survey_id = $1 AND ($2 IS NULL OR community_code = $2)",
                    )
                    .bind(survey_id)
                    .bind(community)
                    .fetch_all(&self.pool)
                    .await?;
                    let issued = sqlx::query_as(
                        "SELECT community_code, COUNT(*) FROM survey_codes \
                         WHERE survey_id = $1 AND ($2 IS NULL OR community_code = $2) AND NOT voided \
                         GROUP BY community_code",
                    )
                    .bind(survey_id)
                    .bind(community)
                    .fetch_all(&self.pool)
                    .await?;
                    Ok(SurveyCounts {
                        tallies,
                        scores,
                        issued,
                    })
                }

                async fn survey_texts(
                    &self,
                    survey_id: &str,
                    community: Option<&str>,
                ) -> Result<Vec<(String, i64, String)>> {
                    Ok(sqlx::query_as(
                        "SELECT community_code, question, body FROM survey_texts \
                         WHERE survey_id = $1 AND ($2 IS NULL OR community_code = $2) \
                         ORDER BY community_code, question, id",
                    )
                    .bind(survey_id)
                    .bind(community)
                    .fetch_all(&self.pool)
                    .await?)
                }
            }
        }
    };
}

pub(crate) use impl_survey_store;
