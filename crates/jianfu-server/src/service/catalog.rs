//! The work and certificate lists (清单). PLACEHOLDER implementation: serves the shipped demo
//! catalog from memory. The catalog capability replaces the internals (versions in the
//! database, publishing new versions) while keeping these signatures.

use super::{App, ServiceError};
use jianfu_domain::gate::Catalog;
use std::sync::{Arc, OnceLock};

/// The catalog shipped with jianfu (data/catalog), used until a district publishes its own.
pub const SHIPPED_CATALOG: &str = include_str!("../../../../data/catalog/daxing-demo-2026.1.toml");

fn shipped() -> Result<Arc<Catalog>, ServiceError> {
    static CAT: OnceLock<Result<Arc<Catalog>, String>> = OnceLock::new();
    CAT.get_or_init(|| {
        Catalog::from_toml(SHIPPED_CATALOG)
            .map(Arc::new)
            .map_err(|e| e.to_string())
    })
    .clone()
    .map_err(ServiceError::Internal)
}

impl App {
    /// The catalog version in force now.
    pub async fn current_catalog(&self) -> Result<Arc<Catalog>, ServiceError> {
        shipped()
    }

    /// A catalog version by id, for explaining an old decision against the lists of its time.
    pub async fn catalog_version(&self, id: &str) -> Result<Option<Arc<Catalog>>, ServiceError> {
        let c = shipped()?;
        Ok((c.version.id == id).then_some(c))
    }
}
