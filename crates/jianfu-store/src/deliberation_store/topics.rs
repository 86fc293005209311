//! Topics and their supports: `DeliberationTopicStore` and its implementation macro. A topic
//! moves to an agenda inside `DeliberationStore::insert_meeting` (`meetings.rs`).

use super::TopicRow;
use crate::AuditDraft;
use crate::store::Result;
use async_trait::async_trait;

#[allow(clippy::too_many_arguments)]
#[async_trait]
pub trait DeliberationTopicStore: Send + Sync + 'static {
    async fn insert_topic(&self, row: &TopicRow, audit: AuditDraft) -> Result<()>;
    async fn delib_topic(&self, community: &str, id: &str) -> Result<Option<TopicRow>>;
    /// One page of a community's topics, newest first (of `state` when given), and the total.
    async fn delib_topics(
        &self,
        community: &str,
        state: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<TopicRow>, i64)>;
    /// (state, count) of a community's topics.
    async fn delib_topic_counts(&self, community: &str) -> Result<Vec<(String, i64)>>;
    /// Adds one support; false if this person supported it already.
    async fn support_topic(
        &self,
        community: &str,
        topic_id: &str,
        user_id: &str,
        at: i64,
        audit: AuditDraft,
    ) -> Result<bool>;
    /// Which of `topic_ids` the person supported.
    async fn supported(&self, community: &str, user_id: &str) -> Result<Vec<String>>;
    /// Moves a topic from `from` to `to` (compare-and-set); false if it moved on.
    async fn set_topic_state(
        &self,
        community: &str,
        id: &str,
        from: &str,
        to: &str,
        decline_reason: Option<&str>,
        at: i64,
        audit: AuditDraft,
    ) -> Result<bool>;
}

macro_rules! impl_deliberation_topic_store {
    ($store:ident, $db:ty) => {
        mod deliberation_topic_sql {
            use super::$store;
            use super::shared_sql::{Batch, begin_audited, commit_audited_batch, update_audited, write_audited};
            use $crate::retry::retrying;
            use $crate::store::Result;
            use $crate::{AuditDraft, TopicRow};

            const TOPIC: &str = "community, id, title, body, matter, proposer_id, proposer_name, \
                by_committee, state, decline_reason, meeting_id, supports, created_at, updated_at";

            #[allow(clippy::too_many_arguments)]
            #[async_trait::async_trait]
            impl $crate::DeliberationTopicStore for $store {
                async fn insert_topic(&self, r: &TopicRow, audit: AuditDraft) -> Result<()> {
                    let audit = &audit;
                    retrying(move || async move {
                        let mut batch = Batch::new("议题");
                        batch.insert(&format!("INSERT INTO delib_topics ({TOPIC}) "), 14, [r], |mut b, r| {
                            b.push_bind(&r.community)
                                .push_bind(&r.id)
                                .push_bind(&r.title)
                                .push_bind(&r.body)
                                .push_bind(&r.matter)
                                .push_bind(&r.proposer_id)
                                .push_bind(&r.proposer_name)
                                .push_bind(r.by_committee)
                                .push_bind(&r.state)
                                .push_bind(&r.decline_reason)
                                .push_bind(&r.meeting_id)
                                .push_bind(r.supports)
                                .push_bind(r.created_at)
                                .push_bind(r.updated_at);
                        });
                        write_audited(self.writer(), batch, vec![audit.clone()]).await
                    })
                    .await
                }

                async fn delib_topic(&self, community: &str, id: &str) -> Result<Option<TopicRow>> {
                    let sql = format!("SELECT {TOPIC} FROM delib_topics WHERE community = $1 AND id = $2");
                    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                        .bind(community)
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await?)
                }

                async fn delib_topics(
                    &self,
                    community: &str,
                    state: Option<&str>,
                    limit: i64,
                    offset: i64,
                ) -> Result<(Vec<TopicRow>, i64)> {
                    let filter = if state.is_some() { " AND state = $2" } else { "" };
                    let (lim, off) = if state.is_some() { ("$3", "$4") } else { ("$2", "$3") };
                    let sql = format!(
                        "SELECT {TOPIC} FROM delib_topics WHERE community = $1{filter} \
                         ORDER BY created_at DESC, id DESC LIMIT {lim} OFFSET {off}"
                    );
                    let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(community);
                    if let Some(s) = state {
                        q = q.bind(s);
                    }
                    let rows: Vec<TopicRow> = q.bind(limit).bind(offset).fetch_all(&self.pool).await?;
                    let count_sql = format!("SELECT COUNT(*) FROM delib_topics WHERE community = $1{filter}");
                    let mut c = sqlx::query_as(sqlx::AssertSqlSafe(count_sql)).bind(community);
                    if let Some(s) = state {
                        c = c.bind(s);
                    }
                    let (total,): (i64,) = c.fetch_one(&self.pool).await?;
                    Ok((rows, total))
                }

                async fn delib_topic_counts(&self, community: &str) -> Result<Vec<(String, i64)>> {
                    Ok(sqlx::query_as(
                        "SELECT state, COUNT(*) FROM delib_topics WHERE community = $1 GROUP BY state",
                    )
                    .bind(community)
                    .fetch_all(&self.pool)
                    .await?)
                }

                async fn support_topic(
                    &self,
                    community: &str,
                    topic_id: &str,
                    user_id: &str,
                    at: i64,
                    audit: AuditDraft,
                ) -> Result<bool> {
                    let audit = &audit;
                    retrying(move || async move {
                        let mut tx = begin_audited(self.writer()).await?;
                        let n = sqlx::query(
                            "INSERT INTO delib_supports (community, topic_id, user_id, at) VALUES ($1, $2, $3, $4) \
                             ON CONFLICT (community, topic_id, user_id) DO NOTHING",
                        )
                        .bind(community)
                        .bind(topic_id)
                        .bind(user_id)
                        .bind(at)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                        if n == 0 {
                            tx.rollback().await?;
                            return Ok(false);
                        }
                        let mut batch = Batch::new("附议");
                        batch
                            .write(2)
                            .push("UPDATE delib_topics SET supports = supports + 1 WHERE community = ")
                            .push_bind(community)
                            .push(" AND id = ")
                            .push_bind(topic_id);
                        commit_audited_batch(tx, batch, vec![audit.clone()]).await?;
                        Ok(true)
                    })
                    .await
                }

                async fn supported(&self, community: &str, user_id: &str) -> Result<Vec<String>> {
                    let rows: Vec<(String,)> = sqlx::query_as(
                        "SELECT topic_id FROM delib_supports WHERE community = $1 AND user_id = $2",
                    )
                    .bind(community)
                    .bind(user_id)
                    .fetch_all(&self.pool)
                    .await?;
                    Ok(rows.into_iter().map(|r| r.0).collect())
                }

                async fn set_topic_state(
                    &self,
                    community: &str,
                    id: &str,
                    from: &str,
                    to: &str,
                    decline_reason: Option<&str>,
                    at: i64,
                    audit: AuditDraft,
                ) -> Result<bool> {
                    let audit = &audit;
                    retrying(move || async move {
                        let update = sqlx::query(
                            "UPDATE delib_topics SET state = $1, decline_reason = COALESCE($2, decline_reason), \
                             updated_at = $3 WHERE community = $4 AND id = $5 AND state = $6",
                        )
                        .bind(to)
                        .bind(decline_reason)
                        .bind(at)
                        .bind(community)
                        .bind(id)
                        .bind(from);
                        update_audited(self.writer(), update, "议题", audit.clone()).await
                    })
                    .await
                }
            }
        }
    };
}

pub(crate) use impl_deliberation_topic_store;
