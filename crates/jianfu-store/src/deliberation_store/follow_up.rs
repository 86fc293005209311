//! What follows a decision, and the household roster the ballots need:
//! `DeliberationFollowUpStore` (households, carrying out, progress, residents' feedback, requests
//! to departments and the departments' figures) and its implementation macro.

use super::{ActionRow, DelibRequestRow, HouseholdRow, ProgressRow, RequestTallyRow};
use crate::AuditDraft;
use crate::store::Result;
use async_trait::async_trait;

#[allow(clippy::too_many_arguments)]
#[async_trait]
pub trait DeliberationFollowUpStore: Send + Sync + 'static {
    async fn set_household(&self, row: &HouseholdRow, audit: AuditDraft) -> Result<()>;
    async fn household_of(&self, community: &str, user_id: &str) -> Result<Option<String>>;
    /// The roster as the committee reads it: (door number, resident "name（username）"), one
    /// query with the accounts (users is a reference table, so this join stays local).
    async fn households(&self, community: &str) -> Result<Vec<(String, String)>>;

    async fn insert_action(&self, row: &ActionRow, audit: AuditDraft) -> Result<()>;
    /// A community's actions (of one topic when given).
    async fn actions(&self, community: &str, topic_id: Option<&str>) -> Result<Vec<ActionRow>>;
    /// Adds a progress note to an open action; `done` closes it. False if it is done already.
    async fn add_progress(
        &self,
        community: &str,
        action_id: &str,
        note: &str,
        done: bool,
        by: &str,
        at: i64,
        audit: AuditDraft,
    ) -> Result<bool>;
    async fn progress_notes(&self, community: &str, topic_id: &str) -> Result<Vec<ProgressRow>>;
    /// One resident's say on a decision (replacing an earlier one).
    async fn give_feedback(
        &self,
        community: &str,
        topic_id: &str,
        user_id: &str,
        verdict: &str,
        at: i64,
        audit: AuditDraft,
    ) -> Result<()>;
    /// (topic, verdict, count) of a community.
    async fn feedback_counts(&self, community: &str) -> Result<Vec<(String, String, i64)>>;

    async fn insert_request(&self, row: &DelibRequestRow, audit: AuditDraft) -> Result<()>;
    async fn delib_request(&self, community: &str, id: &str) -> Result<Option<DelibRequestRow>>;
    /// Requests addressed to a department (newest first).
    async fn requests_to(&self, department: &str) -> Result<Vec<DelibRequestRow>>;
    /// A community's requests (newest first).
    async fn requests_of(&self, community: &str) -> Result<Vec<DelibRequestRow>>;
    /// Every department's requests in one grouped query (or one department's): answered ones
    /// together, pending ones by the day they were asked; ordered by department.
    async fn request_tallies(&self, department: Option<&str>) -> Result<Vec<RequestTallyRow>>;
    /// Answers a pending request; false if answered already.
    async fn answer_request(
        &self,
        community: &str,
        id: &str,
        answer: &str,
        answered_on: &str,
        days: i64,
        by: &str,
        at: i64,
        audit: AuditDraft,
    ) -> Result<bool>;
    // Reads by a list of topic ids (the public page's decisions, the requests' titles): one
    // query each, never one per topic.
    /// The actions of these topics of a community, oldest first.
    async fn actions_of_topics(
        &self,
        community: &str,
        topic_ids: &[String],
    ) -> Result<Vec<ActionRow>>;
    /// The progress notes of these topics' actions, oldest first.
    async fn progress_notes_of_topics(
        &self,
        community: &str,
        topic_ids: &[String],
    ) -> Result<Vec<ProgressRow>>;
    /// (topic, verdict, count) of these topics' feedback.
    async fn feedback_counts_of_topics(
        &self,
        community: &str,
        topic_ids: &[String],
    ) -> Result<Vec<(String, String, i64)>>;
    /// (community, topic id, title) of these (community, topic id) pairs; missing ones are absent.
    async fn topic_titles(
        &self,
        keys: &[(String, String)],
    ) -> Result<Vec<(String, String, String)>>;
}

macro_rules! impl_deliberation_follow_up_store {
    ($store:ident, $db:ty) => {
        mod deliberation_follow_up_sql {
            use super::$store;
            use super::shared_sql::{Batch, begin_audited, commit_audited_batch, update_audited, write_audited};
            use $crate::retry::retrying;
            use $crate::store::Result;
            use $crate::{ActionRow, AuditDraft, DelibRequestRow, HouseholdRow, ProgressRow, RequestTallyRow};

            const REQUEST: &str = "community, id, topic_id, department, asked, asked_on, asked_by, \
                asked_at, answer, answered_on, answered_by, answered_at, answer_days";
            const ACTION: &str = "community, id, topic_id, what, owner, due_on, state, notes, \
                created_by, created_at, done_at";

            #[allow(clippy::too_many_arguments)]
            #[async_trait::async_trait]
            impl $crate::DeliberationFollowUpStore for $store {
                async fn set_household(&self, r: &HouseholdRow, audit: AuditDraft) -> Result<()> {
                    let audit = &audit;
                    retrying(move || async move {
                        let mut batch = Batch::new("门牌");
                        batch
                            .write(5)
                            .push("INSERT INTO resident_households (community, user_id, household_key, set_by, set_at) VALUES (")
                            .push_bind(&r.community)
                            .push(", ")
                            .push_bind(&r.user_id)
                            .push(", ")
                            .push_bind(&r.household_key)
                            .push(", ")
                            .push_bind(&r.set_by)
                            .push(", ")
                            .push_bind(r.set_at)
                            .push(") ON CONFLICT (community, user_id) DO UPDATE SET household_key = excluded.household_key, \
                                   set_by = excluded.set_by, set_at = excluded.set_at");
                        write_audited(self.writer(), batch, vec![audit.clone()]).await
                    })
                    .await
                }

                async fn household_of(&self, community: &str, user_id: &str) -> Result<Option<String>> {
                    let r: Option<(String,)> = sqlx::query_as(
                        "SELECT household_key FROM resident_households WHERE community = $1 AND user_id = $2",
                    )
                    .bind(community)
                    .bind(user_id)
                    .fetch_optional(&self.pool)
                    .await?;
                    Ok(r.map(|x| x.0))
                }

                async fn households(&self, community: &str) -> Result<Vec<(String, String)>> {
                    Ok(sqlx::query_as(
                        "SELECT h.household_key, \
                                COALESCE(u.display_name || '（' || u.username || '）', h.user_id) \
                         FROM resident_households h LEFT JOIN users u ON u.id = h.user_id \
                         WHERE h.community = $1 ORDER BY h.household_key, h.user_id",
                    )
                    .bind(community)
                    .fetch_all(&self.pool)
                    .await?)
                }

                async fn insert_action(&self, a: &ActionRow, audit: AuditDraft) -> Result<()> {
                    let audit = &audit;
                    retrying(move || async move {
                        let mut batch = Batch::new("落实事项");
                        batch.insert(&format!("INSERT INTO delib_actions ({ACTION}) "), 11, [a], |mut b, a| {
                            b.push_bind(&a.community)
                                .push_bind(&a.id)
                                .push_bind(&a.topic_id)
                                .push_bind(&a.what)
                                .push_bind(&a.owner)
                                .push_bind(&a.due_on)
                                .push_bind(&a.state)
                                .push_bind(a.notes)
                                .push_bind(&a.created_by)
                                .push_bind(a.created_at)
                                .push_bind(a.done_at);
                        });
                        write_audited(self.writer(), batch, vec![audit.clone()]).await
                    })
                    .await
                }

                async fn actions(&self, community: &str, topic_id: Option<&str>) -> Result<Vec<ActionRow>> {
                    let filter = if topic_id.is_some() { " AND topic_id = $2" } else { "" };
                    let sql = format!(
                        "SELECT {ACTION} FROM delib_actions WHERE community = $1{filter} ORDER BY created_at, id"
                    );
                    let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(community);
                    if let Some(t) = topic_id {
                        q = q.bind(t);
                    }
                    Ok(q.fetch_all(&self.pool).await?)
                }

                async fn add_progress(
                    &self,
                    community: &str,
                    action_id: &str,
                    note: &str,
                    done: bool,
                    by: &str,
                    at: i64,
                    audit: AuditDraft,
                ) -> Result<bool> {
                    let audit = &audit;
                    retrying(move || async move {
                        let mut tx = begin_audited(self.writer()).await?;
                        let seq: Option<(i64,)> = sqlx::query_as(
                            "UPDATE delib_actions SET notes = notes + 1, \
                             state = CASE WHEN $1 THEN 'done' ELSE state END, \
                             done_at = CASE WHEN $1 THEN $2 ELSE done_at END \
                             WHERE community = $3 AND id = $4 AND state = 'open' RETURNING notes",
                        )
                        .bind(done)
                        .bind(at)
                        .bind(community)
                        .bind(action_id)
                        .fetch_optional(&mut *tx)
                        .await?;
                        let Some((seq,)) = seq else {
                            tx.rollback().await?;
                            return Ok(false);
                        };
                        let mut batch = Batch::new("落实进展");
                        batch.insert(
                            "INSERT INTO delib_progress (community, action_id, seq, note, done, noted_by, noted_at) ",
                            7,
                            [()],
                            |mut b, ()| {
                                b.push_bind(community)
                                    .push_bind(action_id)
                                    .push_bind(seq)
                                    .push_bind(note)
                                    .push_bind(done)
                                    .push_bind(by)
                                    .push_bind(at);
                            },
                        );
                        commit_audited_batch(tx, batch, vec![audit.clone()]).await?;
                        Ok(true)
                    })
                    .await
                }

                async fn progress_notes(&self, community: &str, topic_id: &str) -> Result<Vec<ProgressRow>> {
                    Ok(sqlx::query_as(
                        "SELECT p.community, p.action_id, p.seq, p.note, p.done, p.noted_by, p.noted_at \
                         FROM delib_progress p JOIN delib_actions a ON a.community = p.community AND a.id = p.action_id \
                         WHERE p.community = $1 AND a.topic_id = $2 ORDER BY p.noted_at, p.seq",
                    )
                    .bind(community)
                    .bind(topic_id)
                    .fetch_all(&self.pool)
                    .await?)
                }

                async fn give_feedback(
                    &self,
                    community: &str,
                    topic_id: &str,
                    user_id: &str,
                    verdict: &str,
                    at: i64,
                    audit: AuditDraft,
                ) -> Result<()> {
                    let audit = &audit;
                    retrying(move || async move {
                        let mut batch = Batch::new("反馈");
                        batch
                            .write(5)
                            .push("INSERT INTO delib_feedback (community, topic_id, user_id, verdict, at) VALUES (")
                            .push_bind(community)
                            .push(", ")
                            .push_bind(topic_id)
                            .push(", ")
                            .push_bind(user_id)
                            .push(", ")
                            .push_bind(verdict)
                            .push(", ")
                            .push_bind(at)
                            .push(") ON CONFLICT (community, topic_id, user_id) DO UPDATE SET verdict = excluded.verdict, at = excluded.at");
                        write_audited(self.writer(), batch, vec![audit.clone()]).await
                    })
                    .await
                }

                async fn feedback_counts(&self, community: &str) -> Result<Vec<(String, String, i64)>> {
                    Ok(sqlx::query_as(
                        "SELECT topic_id, verdict, COUNT(*) FROM delib_feedback WHERE community = $1 \
                         GROUP BY topic_id, verdict",
                    )
                    .bind(community)
                    .fetch_all(&self.pool)
                    .await?)
                }

                async fn insert_request(&self, r: &DelibRequestRow, audit: AuditDraft) -> Result<()> {
                    let audit = &audit;
                    retrying(move || async move {
                        let mut batch = Batch::new("部门请求");
                        batch.insert(&format!("INSERT INTO delib_requests ({REQUEST}) "), 13, [r], |mut b, r| {
                            b.push_bind(&r.community)
                                .push_bind(&r.id)
                                .push_bind(&r.topic_id)
                                .push_bind(&r.department)
                                .push_bind(&r.asked)
                                .push_bind(&r.asked_on)
                                .push_bind(&r.asked_by)
                                .push_bind(r.asked_at)
                                .push_bind(&r.answer)
                                .push_bind(&r.answered_on)
                                .push_bind(&r.answered_by)
                                .push_bind(r.answered_at)
                                .push_bind(r.answer_days);
                        });
                        write_audited(self.writer(), batch, vec![audit.clone()]).await
                    })
                    .await
                }

                async fn delib_request(&self, community: &str, id: &str) -> Result<Option<DelibRequestRow>> {
                    let sql = format!("SELECT {REQUEST} FROM delib_requests WHERE community = $1 AND id = $2");
                    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                        .bind(community)
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await?)
                }

                async fn requests_to(&self, department: &str) -> Result<Vec<DelibRequestRow>> {
                    let sql = format!(
                        "SELECT {REQUEST} FROM delib_requests WHERE department = $1 ORDER BY asked_at DESC LIMIT 500"
                    );
                    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                        .bind(department)
                        .fetch_all(&self.pool)
                        .await?)
                }

                async fn requests_of(&self, community: &str) -> Result<Vec<DelibRequestRow>> {
                    let sql = format!(
                        "SELECT {REQUEST} FROM delib_requests WHERE community = $1 ORDER BY asked_at DESC LIMIT 500"
                    );
                    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                        .bind(community)
                        .fetch_all(&self.pool)
                        .await?)
                }

                async fn request_tallies(&self, department: Option<&str>) -> Result<Vec<RequestTallyRow>> {
                    const PENDING_ON: &str = "CASE WHEN answered_at IS NULL THEN asked_on END";
                    let only = if department.is_some() { "WHERE department = $1 " } else { "" };
                    let sql = format!(
                        "SELECT department, {PENDING_ON} AS pending_on, CAST(COUNT(*) AS BIGINT) AS requests, \
                         CAST(COALESCE(SUM(answer_days), 0) AS BIGINT) AS answer_days \
                         FROM delib_requests {only}GROUP BY department, {PENDING_ON} ORDER BY department, 2"
                    );
                    let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
                    if let Some(d) = department {
                        q = q.bind(d);
                    }
                    Ok(q.fetch_all(&self.pool).await?)
                }

                async fn answer_request(
                    &self,
                    community: &str,
                    id: &str,
                    answer: &str,
                    answered_on: &str,
                    days: i64,
                    by: &str,
                    at: i64,
                    audit: AuditDraft,
                ) -> Result<bool> {
                    let audit = &audit;
                    retrying(move || async move {
                        let update = sqlx::query(
                            "UPDATE delib_requests SET answer = $1, answered_on = $2, answer_days = $3, \
                             answered_by = $4, answered_at = $5 WHERE community = $6 AND id = $7 AND answered_at IS NULL",
                        )
                        .bind(answer)
                        .bind(answered_on)
                        .bind(days)
                        .bind(by)
                        .bind(at)
                        .bind(community)
                        .bind(id);
                        update_audited(self.writer(), update, "部门请求", audit.clone()).await
                    })
                    .await
                }

                async fn actions_of_topics(&self, community: &str, topic_ids: &[String]) -> Result<Vec<ActionRow>> {
                    let mut out = Vec::new();
                    for chunk in topic_ids.chunks(IDS_PER_QUERY) {
                        let sql = format!(
                            "SELECT {ACTION} FROM delib_actions WHERE community = $1 AND topic_id IN ({}) \
                             ORDER BY created_at, id",
                            placeholders(2, chunk.len())
                        );
                        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(community);
                        for t in chunk {
                            q = q.bind(t);
                        }
                        out.extend(q.fetch_all(&self.pool).await?);
                    }
                    Ok(out)
                }

                async fn progress_notes_of_topics(
                    &self,
                    community: &str,
                    topic_ids: &[String],
                ) -> Result<Vec<ProgressRow>> {
                    let mut out: Vec<ProgressRow> = Vec::new();
                    for chunk in topic_ids.chunks(IDS_PER_QUERY) {
                        let sql = format!(
                            "SELECT p.community, p.action_id, p.seq, p.note, p.done, p.noted_by, p.noted_at \
                             FROM delib_progress p JOIN delib_actions a ON a.community = p.community AND a.id = p.action_id \
                             WHERE p.community = $1 AND a.topic_id IN ({}) ORDER BY p.noted_at, p.seq",
                            placeholders(2, chunk.len())
                        );
                        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(community);
                        for t in chunk {
                            q = q.bind(t);
                        }
                        out.extend(q.fetch_all(&self.pool).await?);
                    }
                    out.sort_by_key(|p| (p.noted_at, p.seq));
                    Ok(out)
                }

                async fn feedback_counts_of_topics(
                    &self,
                    community: &str,
                    topic_ids: &[String],
                ) -> Result<Vec<(String, String, i64)>> {
                    let mut out = Vec::new();
                    for chunk in topic_ids.chunks(IDS_PER_QUERY) {
                        let sql = format!(
                            "SELECT topic_id, verdict, COUNT(*) FROM delib_feedback WHERE community = $1 \
                             AND topic_id IN ({}) GROUP BY topic_id, verdict",
                            placeholders(2, chunk.len())
                        );
                        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(community);
                        for t in chunk {
                            q = q.bind(t);
                        }
                        out.extend(q.fetch_all(&self.pool).await?);
                    }
                    Ok(out)
                }

                async fn topic_titles(&self, keys: &[(String, String)]) -> Result<Vec<(String, String, String)>> {
                    let mut out = Vec::new();
                    for chunk in keys.chunks(IDS_PER_QUERY / 2) {
                        let pairs: Vec<String> = (0..chunk.len())
                            .map(|i| format!("(${}, ${})", 2 * i + 1, 2 * i + 2))
                            .collect();
                        let sql = format!(
                            "SELECT community, id, title FROM delib_topics WHERE (community, id) IN ({})",
                            pairs.join(", ")
                        );
                        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
                        for (c, t) in chunk {
                            q = q.bind(c).bind(t);
                        }
                        out.extend(q.fetch_all(&self.pool).await?);
                    }
                    Ok(out)
                }
            }

            /// Ids per `IN (…)` list: well under both backends' parameter limits.
            const IDS_PER_QUERY: usize = 500;

            /// `$first, $first+1, …` for `n` parameters.
            fn placeholders(first: usize, n: usize) -> String {
                (first..first + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
            }
        }
    };
}

pub(crate) use impl_deliberation_follow_up_store;
