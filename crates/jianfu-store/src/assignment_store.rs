//! Storage for the assignment capability: its own trait, implemented for both backends by the macro
//! below from portable SQL (see backend.rs for the audited-transaction helpers
//! `super::shared_sql::{begin_audited, commit_audited}`).

use async_trait::async_trait;

#[async_trait]
pub trait AssignmentStore: Send + Sync + 'static {}

macro_rules! impl_assignment_store {
    ($store:ident, $db:ty) => {
        mod assignment_sql {
            use super::$store;

            #[async_trait::async_trait]
            impl $crate::AssignmentStore for $store {}
        }
    };
}

pub(crate) use impl_assignment_store;
