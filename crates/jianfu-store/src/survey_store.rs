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
    /// (question, term): the distinct terms of each text answer.
    pub terms: Vec<(u32, String)>,
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

/// One community's figures: responses, the moments of its response scores (tenths), codes
/// handed out and not voided.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommunityCounts {
    pub community: String,
    pub responses: i64,
    pub scored: i64,
    pub sum_tenths: i64,
    pub sum_sq_tenths: i64,
    pub issued: i64,
}

/// A spent code's state, read before anything is written.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CodeState {
    pub spent: bool,
    pub voided: bool,
    pub spent_nonce: Option<String>,
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
    /// A code's state, read without taking the write lock (`None`: no such code).
    async fn code_state(
        &self,
        survey_id: &str,
        community: &str,
        digest: &str,
    ) -> Result<Option<CodeState>>;
    /// Counts a group of answers in one transaction: each spends its code (only an unspent,
    /// unvoided one flips) and, if it did, adds to the counters. No audit record: an answer's
    /// record would carry its exact time (see docs/surveys.md).
    async fn submit_surveys(&self, group: &[SurveySubmission]) -> Result<Vec<SubmitOutcome>>;
    /// Each community's figures (of `communities`, or all when None).
    async fn survey_communities(
        &self,
        survey_id: &str,
        communities: Option<&[String]>,
    ) -> Result<Vec<CommunityCounts>>;
    /// The counters added up over `communities` (or all): (question, value, count).
    async fn survey_tallies(
        &self,
        survey_id: &str,
        communities: Option<&[String]>,
    ) -> Result<Vec<(i64, i64, i64)>>;
    /// The ten terms used by most text answers per question, at least two each, added up over
    /// `communities`: (question, term, answers using it).
    async fn survey_terms(
        &self,
        survey_id: &str,
        communities: Option<&[String]>,
    ) -> Result<Vec<(i64, String, i64)>>;
    /// Free text of one community: (question, body), by question.
    async fn survey_texts(&self, survey_id: &str, community: &str) -> Result<Vec<(i64, String)>>;
}

macro_rules! impl_survey_store {
    ($store:ident, $db:ty) => {
        mod survey_sql {
            use super::$store;
            use super::shared_sql::{Batch, begin_audited, commit_audited_batch, update_audited, write_audited};
            use $crate::retry::retrying;
            use $crate::store::Result;
            use $crate::{
                AuditDraft, CodeBatchRow, CodeState, CommunityCounts, SubmitOutcome, SurveyRow,
                SurveySubmission,
            };
            use std::collections::BTreeMap;

            /// `AND community_code IN (…)` when narrowed.
            fn narrowed(q: &mut sqlx::QueryBuilder<$db>, communities: Option<&[String]>) {
                if let Some(cs) = communities {
                    if cs.is_empty() {
                        q.push(" AND 1 = 0");
                        return;
                    }
                    q.push(" AND community_code IN (");
                    let mut sep = q.separated(", ");
                    for c in cs {
                        sep.push_bind(c.clone());
                    }
                    q.push(")");
                }
            }

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
                        let update = sqlx::query(
                            "UPDATE surveys SET title = $1, questionnaire = $2, revision = revision + 1 \
                             WHERE id = $3 AND revision = $4 AND published_at IS NULL",
                        )
                        .bind(title)
                        .bind(questionnaire)
                        .bind(id)
                        .bind(revision);
                        update_audited(self.writer(), update, "问卷", audit.clone()).await
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
                        let update = sqlx::query(
                            "UPDATE surveys SET opens_on = $1, closes_on = $2, published_at = $3, \
                             revision = revision + 1 \
                             WHERE id = $4 AND revision = $5 AND published_at IS NULL",
                        )
                        .bind(opens_on)
                        .bind(closes_on)
                        .bind(at)
                        .bind(id)
                        .bind(revision);
                        update_audited(self.writer(), update, "问卷", audit.clone()).await
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
                            "UPDATE survey_code_batches SET voided_on = $1, voided_codes = \
                             (SELECT COUNT(*) FROM survey_codes c WHERE c.community_code = $2 \
                              AND c.survey_id = $3 AND c.batch = $4 AND NOT c.spent) \
                             WHERE community_code = $2 \
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

                async fn code_state(
                    &self,
                    survey_id: &str,
                    community: &str,
                    digest: &str,
                ) -> Result<Option<CodeState>> {
                    Ok(sqlx::query_as(
                        "SELECT spent, voided, spent_nonce FROM survey_codes \
                         WHERE community_code = $1 AND survey_id = $2 AND digest = $3",
                    )
                    .bind(community)
                    .bind(survey_id)
                    .bind(digest)
                    .fetch_optional(&self.pool)
                    .await?)
                }

                async fn submit_surveys(&self, group: &[SurveySubmission]) -> Result<Vec<SubmitOutcome>> {
                    retrying(move || async move {
                        let mut tx = begin_audited(self.writer()).await?;
                        let mut outcomes = Vec::with_capacity(group.len());
                        // Counters of the answers counted, added up: one row written once per
                        // statement (PostgreSQL cannot update a row twice in one statement).
                        let mut tallies: BTreeMap<(&str, &str, i64, i64), i64> = BTreeMap::new();
                        let mut scores: BTreeMap<(&str, &str, i64), i64> = BTreeMap::new();
                        let mut terms: BTreeMap<(&str, &str, i64, &str), i64> = BTreeMap::new();
                        let mut texts = Vec::new();
                        for s in group {
                            // The guard: only an unspent code flips; a second sender of the same
                            // code (PostgreSQL: waiting on the row) finds nothing to flip.
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
                                let row: Option<(bool, Option<String>)> = sqlx::query_as(
                                    "SELECT spent, spent_nonce FROM survey_codes \
                                     WHERE community_code = $1 AND survey_id = $2 AND digest = $3",
                                )
                                .bind(&s.community_code)
                                .bind(&s.survey_id)
                                .bind(&s.digest)
                                .fetch_optional(&mut *tx)
                                .await?;
                                outcomes.push(match row {
                                    None => SubmitOutcome::Unknown,
                                    Some((true, nonce)) if nonce.as_deref() == Some(&s.nonce_digest) => {
                                        SubmitOutcome::AlreadyCounted
                                    }
                                    Some((true, _)) => SubmitOutcome::Spent,
                                    Some((false, _)) => SubmitOutcome::Voided,
                                });
                                continue;
                            }
                            outcomes.push(SubmitOutcome::Counted);
                            let (c, id) = (s.community_code.as_str(), s.survey_id.as_str());
                            for (q, v) in &s.counters {
                                *tallies.entry((c, id, i64::from(*q), *v)).or_default() += 1;
                            }
                            if let Some(t) = s.score_tenths {
                                *scores.entry((c, id, t)).or_default() += 1;
                            }
                            for (q, term) in &s.terms {
                                *terms.entry((c, id, i64::from(*q), term.as_str())).or_default() += 1;
                            }
                            texts.extend(s.texts.iter().map(|t| (c, id, t)));
                        }
                        let mut batch = Batch::new("答卷");
                        let tallies: Vec<_> = tallies.into_iter().collect();
                        for chunk in tallies.chunks(1_000) {
                            let q = batch.write(chunk.len() * 5);
                            q.push("INSERT INTO survey_tallies (community_code, survey_id, question, value, count) ");
                            q.push_values(chunk, |mut b, ((c, id, question, value), n)| {
                                b.push_bind(*c).push_bind(*id).push_bind(*question).push_bind(*value).push_bind(*n);
                            });
                            q.push(
                                " ON CONFLICT (community_code, survey_id, question, value) \
                                 DO UPDATE SET count = survey_tallies.count + excluded.count",
                            );
                        }
                        let scores: Vec<_> = scores.into_iter().collect();
                        for chunk in scores.chunks(1_000) {
                            let q = batch.write(chunk.len() * 4);
                            q.push("INSERT INTO survey_scores (community_code, survey_id, score_tenths, count) ");
                            q.push_values(chunk, |mut b, ((c, id, t), n)| {
                                b.push_bind(*c).push_bind(*id).push_bind(*t).push_bind(*n);
                            });
                            q.push(
                                " ON CONFLICT (community_code, survey_id, score_tenths) \
                                 DO UPDATE SET count = survey_scores.count + excluded.count",
                            );
                        }
                        let terms: Vec<_> = terms.into_iter().collect();
                        for chunk in terms.chunks(1_000) {
                            let q = batch.write(chunk.len() * 5);
                            q.push("INSERT INTO survey_terms (community_code, survey_id, question, term, count) ");
                            q.push_values(chunk, |mut b, ((c, id, question, term), n)| {
                                b.push_bind(*c).push_bind(*id).push_bind(*question).push_bind(*term).push_bind(*n);
                            });
                            q.push(
                                " ON CONFLICT (community_code, survey_id, question, term) \
                                 DO UPDATE SET count = survey_terms.count + excluded.count",
                            );
                        }
                        let day = group.first().map(|s| s.answered_on.as_str()).unwrap_or_default();
                        batch.insert(
                            "INSERT INTO survey_texts (community_code, survey_id, id, question, body, answered_on) ",
                            6,
                            texts,
                            |mut q, (c, id, (text_id, question, body))| {
                                q.push_bind(c)
                                    .push_bind(id)
                                    .push_bind(text_id)
                                    .push_bind(i64::from(*question))
                                    .push_bind(body)
                                    .push_bind(day);
                            },
                        );
                        commit_audited_batch(tx, batch, Vec::new()).await?;
                        Ok(outcomes)
                    })
                    .await
                }

                async fn survey_communities(
                    &self,
                    survey_id: &str,
                    communities: Option<&[String]>,
                ) -> Result<Vec<CommunityCounts>> {
                    let mut by: BTreeMap<String, CommunityCounts> = BTreeMap::new();
                    let mut q = sqlx::QueryBuilder::<$db>::new(
                        "SELECT community_code, count FROM survey_tallies WHERE question = 0 AND survey_id = ",
                    );
                    q.push_bind(survey_id);
                    narrowed(&mut q, communities);
                    let rows: Vec<(String, i64)> = q.build_query_as().fetch_all(&self.pool).await?;
                    for (c, n) in rows {
                        by.entry(c.clone()).or_insert_with(|| CommunityCounts { community: c, ..Default::default() }).responses = n;
                    }
                    let mut q = sqlx::QueryBuilder::<$db>::new(
                        "SELECT community_code, CAST(SUM(count) AS BIGINT), \
                         CAST(SUM(score_tenths * count) AS BIGINT), \
                         CAST(SUM(score_tenths * score_tenths * count) AS BIGINT) \
                         FROM survey_scores WHERE survey_id = ",
                    );
                    q.push_bind(survey_id);
                    narrowed(&mut q, communities);
                    q.push(" GROUP BY community_code");
                    let rows: Vec<(String, i64, i64, i64)> = q.build_query_as().fetch_all(&self.pool).await?;
                    for (c, n, sum, sq) in rows {
                        let e = by.entry(c.clone()).or_insert_with(|| CommunityCounts { community: c, ..Default::default() });
                        (e.scored, e.sum_tenths, e.sum_sq_tenths) = (n, sum, sq);
                    }
                    let mut q = sqlx::QueryBuilder::<$db>::new(
                        "SELECT community_code, CAST(SUM(codes - voided_codes) AS BIGINT) \
                         FROM survey_code_batches WHERE survey_id = ",
                    );
                    q.push_bind(survey_id);
                    narrowed(&mut q, communities);
                    q.push(" GROUP BY community_code");
                    let rows: Vec<(String, i64)> = q.build_query_as().fetch_all(&self.pool).await?;
                    for (c, n) in rows {
                        by.entry(c.clone()).or_insert_with(|| CommunityCounts { community: c, ..Default::default() }).issued = n;
                    }
                    Ok(by.into_values().collect())
                }

                async fn survey_tallies(
                    &self,
                    survey_id: &str,
                    communities: Option<&[String]>,
                ) -> Result<Vec<(i64, i64, i64)>> {
                    let mut q = sqlx::QueryBuilder::<$db>::new(
                        "SELECT question, value, CAST(SUM(count) AS BIGINT) FROM survey_tallies WHERE survey_id = ",
                    );
                    q.push_bind(survey_id);
                    narrowed(&mut q, communities);
                    q.push(" GROUP BY question, value");
                    Ok(q.build_query_as().fetch_all(&self.pool).await?)
                }

                async fn survey_terms(
                    &self,
                    survey_id: &str,
                    communities: Option<&[String]>,
                ) -> Result<Vec<(i64, String, i64)>> {
                    let mut q = sqlx::QueryBuilder::<$db>::new(
                        "SELECT question, term, n FROM (SELECT question, term, CAST(SUM(count) AS BIGINT) AS n, \
                         ROW_NUMBER() OVER (PARTITION BY question ORDER BY SUM(count) DESC, term) AS r \
                         FROM survey_terms WHERE survey_id = ",
                    );
                    q.push_bind(survey_id);
                    narrowed(&mut q, communities);
                    q.push(" GROUP BY question, term HAVING SUM(count) >= 2) ranked WHERE r <= 10 ORDER BY question, n DESC, term");
                    Ok(q.build_query_as().fetch_all(&self.pool).await?)
                }

                async fn survey_texts(&self, survey_id: &str, community: &str) -> Result<Vec<(i64, String)>> {
                    Ok(sqlx::query_as(
                        "SELECT question, body FROM survey_texts \
                         WHERE survey_id = $1 AND community_code = $2 ORDER BY question, id",
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
