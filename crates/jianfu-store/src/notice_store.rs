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

/// Notices that go out with a change, written in the change's own transaction, each with its
/// audit record (one transaction fewer per notice, and no change without its notices).
#[derive(Debug, Clone, Default)]
pub struct Told {
    pub notices: Vec<NoticeRow>,
    pub audits: Vec<AuditDraft>,
}

impl Told {
    /// The change's own audit record first, then the notices'.
    pub fn with_change(&self, change: AuditDraft) -> Vec<AuditDraft> {
        std::iter::once(change)
            .chain(self.audits.iter().cloned())
            .collect()
    }
}

#[async_trait]
pub trait NoticeStore: Send + Sync + 'static {
    /// Sends notices (one event told to several organisations), each with its audit record, in
    /// one transaction.
    async fn insert_notices(&self, told: &Told) -> Result<()>;
    /// Notices addressed to an organisation (to it as a whole or to a role there), newest first.
    /// Who of its accounts reads which is the domain's rule (`notice::reads_notice`).
    async fn notices_for(&self, org_code: &str, limit: i64) -> Result<Vec<NoticeRow>>;
    async fn notice(&self, org_code: &str, id: &str) -> Result<Option<NoticeRow>>;
    async fn mark_notice_read(&self, org_code: &str, id: &str, at: i64) -> Result<()>;
}

macro_rules! impl_notice_store {
    ($store:ident, $db:ty) => {
        mod notice_sql {
            use super::$store;
            use super::shared_sql::{Batch, begin_audited, commit_audited_batch};
            use $crate::retry::retrying;
            use $crate::store::Result;
            use $crate::NoticeRow;

            /// Notices written with the caller's other writes (see `Batch`).
            pub(crate) fn add_rows(batch: &mut Batch, notices: &[NoticeRow]) {
                batch.insert(
                    "INSERT INTO notices (org_code, id, role, kind, title, body, link, \
                     created_at, read_at) ",
                    9,
                    notices,
                    |mut b, n| {
                        b.push_bind(n.org_code.clone())
                            .push_bind(n.id.clone())
                            .push_bind(n.role.clone())
                            .push_bind(n.kind.clone())
                            .push_bind(n.title.clone())
                            .push_bind(n.body.clone())
                            .push_bind(n.link.clone())
                            .push_bind(n.created_at)
                            .push_bind(n.read_at);
                    },
                );
            }

            #[async_trait::async_trait]
            impl $crate::NoticeStore for $store {
                async fn insert_notices(&self, told: &$crate::Told) -> Result<()> {
                    if told.notices.is_empty() {
                        return Ok(());
                    }
                    retrying(move || async move {
                        let tx = begin_audited(self.writer()).await?;
                        let mut batch = Batch::new("通知");
                        add_rows(&mut batch, &told.notices);
                        commit_audited_batch(tx, batch, told.audits.clone()).await
                    })
                    .await
                }

                async fn notices_for(&self, org_code: &str, limit: i64) -> Result<Vec<NoticeRow>> {
                    Ok(sqlx::query_as(
                        "SELECT org_code, id, role, kind, title, body, link, created_at, read_at \
                         FROM notices WHERE org_code = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
                    )
                    .bind(org_code)
                    .bind(limit.clamp(1, 500))
                    .fetch_all(&self.pool)
                    .await?)
                }

                async fn notice(&self, org_code: &str, id: &str) -> Result<Option<NoticeRow>> {
                    Ok(sqlx::query_as(
                        "SELECT org_code, id, role, kind, title, body, link, created_at, read_at \
                         FROM notices WHERE org_code = $1 AND id = $2",
                    )
                    .bind(org_code)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?)
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
