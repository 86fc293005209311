//! In-app notices (站内通知): a department told of a report against it, supervisors told of a
//! missed approval deadline. A notice is addressed to an organisation, optionally only to the
//! holders of one role there.

use crate::AuditDraft;
use crate::store::Result;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct NoticeRow {
    pub org_code: String,
    pub id: String,
    /// Only holders of this role in the organisation see it; `None`: everyone there.
    pub role: Option<String>,
    pub kind: String,
    pub title: String,
    pub body: String,
    /// A local path to the thing the notice is about.
    pub link: String,
    pub created_at: i64,
    pub read_at: Option<i64>,
}

#[async_trait]
pub trait NoticeStore: Send + Sync + 'static {
    async fn insert_notice(&self, n: &NoticeRow, audit: AuditDraft) -> Result<()>;
    /// Notices for an organisation, newest first; role-addressed ones only for those roles.
    async fn notices_for(
        &self,
        org_code: &str,
        roles: &[String],
        limit: i64,
    ) -> Result<Vec<NoticeRow>>;
    async fn mark_notice_read(&self, org_code: &str, id: &str, at: i64) -> Result<()>;
}

macro_rules! impl_notice_store {
    ($store:ident, $db:ty) => {
        mod notice_sql {
            use super::$store;
            use super::shared_sql::{begin_audited, commit_audited};
            use $crate::retry::retrying;
            use $crate::store::Result;
            use $crate::{AuditDraft, NoticeRow};

            #[async_trait::async_trait]
            impl $crate::NoticeStore for $store {
                async fn insert_notice(&self, n: &NoticeRow, audit: AuditDraft) -> Result<()> {
                    let audit = &audit;
                    retrying(move || async move {
                        let audit = audit.clone();
                        let (mut tx, seq, prev) = begin_audited(self.writer(), &audit.chain).await?;
                        sqlx::query(
                            "INSERT INTO notices (org_code, id, role, kind, title, body, link, \
                             created_at, read_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                        )
                        .bind(&n.org_code)
                        .bind(&n.id)
                        .bind(&n.role)
                        .bind(&n.kind)
                        .bind(&n.title)
                        .bind(&n.body)
                        .bind(&n.link)
                        .bind(n.created_at)
                        .bind(n.read_at)
                        .execute(&mut *tx)
                        .await?;
                        commit_audited(tx, seq, prev, audit).await
                    })
                    .await
                }

                async fn notices_for(
                    &self,
                    org_code: &str,
                    roles: &[String],
                    limit: i64,
                ) -> Result<Vec<NoticeRow>> {
                    let rows: Vec<NoticeRow> = sqlx::query_as(
                        "SELECT org_code, id, role, kind, title, body, link, created_at, read_at \
                         FROM notices WHERE org_code = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
                    )
                    .bind(org_code)
                    .bind(limit.clamp(1, 500))
                    .fetch_all(&self.pool)
                    .await?;
                    Ok(rows
                        .into_iter()
                        .filter(|n| n.role.as_ref().is_none_or(|r| roles.contains(r)))
                        .collect())
                }

                async fn mark_notice_read(&self, org_code: &str, id: &str, at: i64) -> Result<()> {
                    sqlx::query(
                        "UPDATE notices SET read_at = $1 WHERE org_code = $2 AND id = $3 \
                         AND read_at IS NULL",
                    )
                    .bind(at)
                    .bind(org_code)
                    .bind(id)
                    .execute(self.writer())
                    .await?;
                    Ok(())
                }
            }
        }
    };
}

pub(crate) use impl_notice_store;
