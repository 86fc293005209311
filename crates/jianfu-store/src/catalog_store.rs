//! Storage for the catalog capability: versions of the work lists (清单), each kept whole as JSON
//! next to the columns used to pick the version in force. Versions are only ever added.

use crate::AuditDraft;
use crate::store::Result;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// One stored catalog version, without its body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct CatalogVersionRow {
    pub id: String,
    pub title: String,
    pub document: String,
    /// YYYY-MM-DD.
    pub effective_from: String,
    /// YYYY-MM-DD, or empty while open-ended.
    pub effective_to: String,
    pub notice: String,
    pub created_at: i64,
    /// Username of the publisher (`console` for the shipped catalog).
    pub created_by: String,
}

#[async_trait]
pub trait CatalogStore: Send + Sync + 'static {
    /// Adds a version with its body (the catalog as JSON). A duplicate id is a `Conflict`.
    async fn insert_catalog_version(
        &self,
        row: &CatalogVersionRow,
        body: &str,
        audit: AuditDraft,
    ) -> Result<()>;
    /// All versions in publication order (oldest first).
    async fn list_catalog_versions(&self) -> Result<Vec<CatalogVersionRow>>;
    /// The stored body (JSON) of a version.
    async fn catalog_version_body(&self, id: &str) -> Result<Option<String>>;
}

macro_rules! impl_catalog_store {
    ($store:ident, $db:ty) => {
        mod catalog_sql {
            use super::$store;
            use super::shared_sql::{begin_audited, commit_audited};
            use $crate::retry::retrying;
            use $crate::store::Result;
            use $crate::{AuditDraft, CatalogVersionRow, StoreError};

            #[async_trait::async_trait]
            impl $crate::CatalogStore for $store {
                async fn insert_catalog_version(
                    &self,
                    row: &CatalogVersionRow,
                    body: &str,
                    audit: AuditDraft,
                ) -> Result<()> {
                    let audit = &audit;
                    retrying(move || async move {
                        let audit = audit.clone();
                        let mut tx = begin_audited(self.writer()).await?;
                        sqlx::query(
                            "INSERT INTO catalog_versions (id, title, document, effective_from, \
                             effective_to, notice, body, created_at, created_by) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                        )
                        .bind(&row.id)
                        .bind(&row.title)
                        .bind(&row.document)
                        .bind(&row.effective_from)
                        .bind(&row.effective_to)
                        .bind(&row.notice)
                        .bind(body)
                        .bind(row.created_at)
                        .bind(&row.created_by)
                        .execute(&mut *tx)
                        .await
                        .map_err(|e| StoreError::from_write(e, &format!("清单版本 {}", row.id)))?;
                        commit_audited(tx, audit).await
                    })
                    .await
                }

                async fn list_catalog_versions(&self) -> Result<Vec<CatalogVersionRow>> {
                    Ok(sqlx::query_as(
                        "SELECT id, title, document, effective_from, effective_to, notice, \
                         created_at, created_by FROM catalog_versions ORDER BY created_at, id",
                    )
                    .fetch_all(&self.pool)
                    .await?)
                }

                async fn catalog_version_body(&self, id: &str) -> Result<Option<String>> {
                    let row: Option<(String,)> =
                        sqlx::query_as("SELECT body FROM catalog_versions WHERE id = $1")
                            .bind(id)
                            .fetch_optional(&self.pool)
                            .await?;
                    Ok(row.map(|r| r.0))
                }
            }
        }
    };
}

pub(crate) use impl_catalog_store;
