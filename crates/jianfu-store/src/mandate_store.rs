//! Storage for the mandate register (上级文件登记): one row per higher-level document, keyed by its
//! normalised 文号. Rows are added and corrected, never deleted: ending a document is an update
//! of `valid_to`. Every write is audited in the same transaction.

use crate::AuditDraft;
use crate::store::Result;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// One registered document as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct MandateRow {
    /// UUIDv7; stays when the 文号 itself is corrected.
    pub id: String,
    /// 文号 in its canonical spelling (unique).
    pub number_key: String,
    /// 文号 as written.
    pub number: String,
    pub issuer: String,
    pub title: String,
    /// YYYY-MM-DD.
    pub issued_on: String,
    /// `central` or `municipal`.
    pub level: String,
    /// JSON array of burden kind codes.
    pub requires: String,
    /// YYYY-MM-DD.
    pub valid_from: String,
    /// YYYY-MM-DD, or empty while in force without an end.
    pub valid_to: String,
    pub summary: String,
    /// Why the document was ended, when it was.
    pub end_note: String,
    pub created_at: i64,
    /// Username (`console` for the CLI and demo data).
    pub created_by: String,
    pub updated_at: i64,
    pub updated_by: String,
}

#[async_trait]
pub trait MandateStore: Send + Sync + 'static {
    /// Registers a document. A 文号 already registered (same `number_key`) is a `Conflict`.
    async fn insert_mandate(&self, row: &MandateRow, audit: AuditDraft) -> Result<()>;
    /// Replaces the document with `row.id` by `row` if it was last changed at
    /// `expected_updated_at`; returns `false` (writing nothing, auditing nothing) when the row is
    /// missing or was changed since. A new `number_key` that another row has is a `Conflict`.
    async fn update_mandate(
        &self,
        row: &MandateRow,
        expected_updated_at: i64,
        audit: AuditDraft,
    ) -> Result<bool>;
    /// Every registered document, ended ones included, oldest issue date first.
    async fn list_mandates(&self) -> Result<Vec<MandateRow>>;
    /// One document by its normalised 文号.
    async fn mandate_by_key(&self, number_key: &str) -> Result<Option<MandateRow>>;
}

macro_rules! impl_mandate_store {
    ($store:ident, $db:ty) => {
        mod mandate_sql {
            use super::$store;
            use super::shared_sql::{begin_audited, commit_audited};
            use $crate::retry::retrying;
            use $crate::store::Result;
            use $crate::{AuditDraft, MandateRow, StoreError};

            const COLUMNS: &str = "id, number_key, number, issuer, title, issued_on, level, \
                 requires, valid_from, valid_to, summary, end_note, created_at, created_by, \
                 updated_at, updated_by";

            #[async_trait::async_trait]
            impl $crate::MandateStore for $store {
                async fn insert_mandate(&self, row: &MandateRow, audit: AuditDraft) -> Result<()> {
                    let audit = &audit;
                    retrying(move || async move {
                        let audit = audit.clone();
                        let mut tx = begin_audited(self.writer()).await?;
                        sqlx::query(
                            "INSERT INTO mandates (id, number_key, number, issuer, title, issued_on, \
                             level, requires, valid_from, valid_to, summary, end_note, created_at, \
                             created_by, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6, $7, \
                             $8, $9, $10, $11, $12, $13, $14, $15, $16)",
                        )
                        .bind(&row.id)
                        .bind(&row.number_key)
                        .bind(&row.number)
                        .bind(&row.issuer)
                        .bind(&row.title)
                        .bind(&row.issued_on)
                        .bind(&row.level)
                        .bind(&row.requires)
                        .bind(&row.valid_from)
                        .bind(&row.valid_to)
                        .bind(&row.summary)
                        .bind(&row.end_note)
                        .bind(row.created_at)
                        .bind(&row.created_by)
                        .bind(row.updated_at)
                        .bind(&row.updated_by)
                        .execute(&mut *tx)
                        .await
                        .map_err(|e| StoreError::from_write(e, &format!("上级文件 {}", row.number)))?;
                        commit_audited(tx, audit).await
                    })
                    .await
                }

                async fn update_mandate(
                    &self,
                    row: &MandateRow,
                    expected_updated_at: i64,
                    audit: AuditDraft,
                ) -> Result<bool> {
                    let audit = &audit;
                    retrying(move || async move {
                        let audit = audit.clone();
                        let mut tx = begin_audited(self.writer()).await?;
                        let done = sqlx::query(
                            "UPDATE mandates SET number_key = $1, number = $2, issuer = $3, \
                             title = $4, issued_on = $5, level = $6, requires = $7, valid_from = $8, \
                             valid_to = $9, summary = $10, end_note = $11, updated_at = $12, \
                             updated_by = $13 WHERE id = $14 AND updated_at = $15",
                        )
                        .bind(&row.number_key)
                        .bind(&row.number)
                        .bind(&row.issuer)
                        .bind(&row.title)
                        .bind(&row.issued_on)
                        .bind(&row.level)
                        .bind(&row.requires)
                        .bind(&row.valid_from)
                        .bind(&row.valid_to)
                        .bind(&row.summary)
                        .bind(&row.end_note)
                        .bind(row.updated_at)
                        .bind(&row.updated_by)
                        .bind(&row.id)
                        .bind(expected_updated_at)
                        .execute(&mut *tx)
                        .await
                        .map_err(|e| StoreError::from_write(e, &format!("上级文件 {}", row.number)))?
                        .rows_affected();
                        if done != 1 {
                            tx.rollback().await?;
                            return Ok(false);
                        }
                        commit_audited(tx, audit).await?;
                        Ok(true)
                    })
                    .await
                }

                async fn list_mandates(&self) -> Result<Vec<MandateRow>> {
                    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
                        "SELECT {COLUMNS} FROM mandates ORDER BY issued_on, number_key"
                    )))
                    .fetch_all(&self.pool)
                    .await?)
                }

                async fn mandate_by_key(&self, number_key: &str) -> Result<Option<MandateRow>> {
                    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
                        "SELECT {COLUMNS} FROM mandates WHERE number_key = $1"
                    )))
                    .bind(number_key)
                    .fetch_optional(&self.pool)
                    .await?)
                }
            }
        }
    };
}

pub(crate) use impl_mandate_store;
