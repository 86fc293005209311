//! PostgreSQL, chosen by a `postgres://` URL. The schema keeps the distribution column in every
//! primary key of a large table so a sharded PostgreSQL (Citus) can take it later.

use crate::{DatabaseUrl, StoreError};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::str::FromStr;
use std::time::Duration;

pub struct PgStore {
    pool: sqlx::PgPool,
}

impl PgStore {
    const MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

    pub async fn connect(url: &DatabaseUrl) -> Result<Self, StoreError> {
        let DatabaseUrl::Postgres { url: raw } = url else {
            return Err(StoreError::BadUrl(url.to_string()));
        };
        let unavailable = |e: sqlx::Error| StoreError::Unavailable {
            url: url.to_string(),
            reason: scrub(&e, raw),
        };
        let options = PgConnectOptions::from_str(raw).map_err(unavailable)?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await
            .map_err(unavailable)?;
        Ok(Self { pool })
    }

    /// PostgreSQL handles concurrent writers itself: writes use the common pool.
    pub(crate) fn writer(&self) -> &sqlx::PgPool {
        &self.pool
    }
}

/// Driver messages can quote the URL; never let the password through.
fn scrub(e: &sqlx::Error, raw: &str) -> String {
    let msg = e.to_string();
    match raw
        .split_once("://")
        .and_then(|(_, rest)| rest.rsplit_once('@'))
    {
        Some((userinfo, _)) => match userinfo.split_once(':') {
            Some((_, pw)) if !pw.is_empty() => msg.replace(pw, "***"),
            _ => msg,
        },
        None => msg,
    }
}

crate::backend::impl_store!(PgStore, sqlx::Postgres, "postgres");
crate::catalog_store::impl_catalog_store!(PgStore, sqlx::Postgres);
crate::assignment_store::impl_assignment_store!(PgStore, sqlx::Postgres);
crate::violation_store::impl_violation_store!(PgStore, sqlx::Postgres);
crate::inventory_store::impl_inventory_store!(PgStore, sqlx::Postgres);
crate::evaluation_store::impl_evaluation_store!(PgStore, sqlx::Postgres);
crate::survey_store::impl_survey_store!(PgStore, sqlx::Postgres);
crate::deliberation_store::impl_deliberation_topic_store!(PgStore, sqlx::Postgres);
crate::deliberation_store::impl_deliberation_store!(PgStore, sqlx::Postgres);
crate::deliberation_store::impl_deliberation_follow_up_store!(PgStore, sqlx::Postgres);
crate::volunteer_store::impl_volunteer_store!(PgStore, sqlx::Postgres);
crate::shared_data_store::impl_shared_data_store!(PgStore, sqlx::Postgres);
crate::comprehensive_store::impl_comprehensive_store!(PgStore, sqlx::Postgres);
crate::notice_store::impl_notice_store!(PgStore, sqlx::Postgres);
crate::seal_store::impl_seal_store!(PgStore, sqlx::Postgres, rows);
crate::certificate_store::impl_certificate_store!(PgStore, sqlx::Postgres);
crate::mandate_store::impl_mandate_store!(PgStore, sqlx::Postgres);
crate::credential_store::impl_credential_store!(PgStore, sqlx::Postgres);
crate::scale_store::impl_scale_store!(PgStore, sqlx::Postgres);
crate::audit_scan::impl_audit_scan!(PgStore, rows);
