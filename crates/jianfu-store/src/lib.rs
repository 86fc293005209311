//! Storage for jianfu. One interface, [`Store`], with one method per use case; SQLite (the
//! embedded default) and PostgreSQL implement it from the same SQL, each with its own migrations.
//! Every state-changing method takes an [`AuditDraft`] and writes the audit record in the same
//! transaction as the change.

mod backend;
mod error;
mod model;
pub mod portable;
mod postgres;
mod sqlite;
mod store;
mod url;

pub use error::StoreError;
pub use jianfu_domain::audit_chain::AuditRecord;
pub use model::*;
pub use store::Store;
pub use url::DatabaseUrl;

use std::sync::Arc;

/// Opens the database named by `url` and applies its migrations.
pub async fn open(url: &DatabaseUrl) -> Result<Arc<dyn Store>, StoreError> {
    let store: Arc<dyn Store> = match url {
        DatabaseUrl::Sqlite { .. } => Arc::new(sqlite::SqliteStore::connect(url).await?),
        DatabaseUrl::Postgres { .. } => Arc::new(postgres::PgStore::connect(url).await?),
    };
    store.migrate().await?;
    Ok(store)
}
