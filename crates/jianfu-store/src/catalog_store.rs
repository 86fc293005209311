//! Storage for the catalog capability: its own trait, implemented for both backends by the macro
//! below from portable SQL (see backend.rs for the audited-transaction helpers
//! `super::shared_sql::{begin_audited, commit_audited}`).

use async_trait::async_trait;

#[async_trait]
pub trait CatalogStore: Send + Sync + 'static {}

macro_rules! impl_catalog_store {
    ($store:ident, $db:ty) => {
        mod catalog_sql {
            use super::$store;

            #[async_trait::async_trait]
            impl $crate::CatalogStore for $store {}
        }
    };
}

pub(crate) use impl_catalog_store;
