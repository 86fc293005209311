//! The jobs `serve` runs: encrypting materials stored before encryption (at start-up) and
//! deleting personal data past its retention period (every minute).

use crate::service::{Actor, App, RequestMeta, ServiceError};
use jianfu_store::PurgeCounts;

impl App {
    /// Materials stored in plaintext (before they were encrypted) are encrypted under the data
    /// key, in batches, each batch with an audit record `certificate.materials_encrypted`.
    /// Run by `serve` at start-up; returns how many were encrypted. Nothing to do: no key needed.
    pub async fn encrypt_plaintext_materials(
        &self,
        meta: &RequestMeta,
    ) -> Result<usize, ServiceError> {
        let magic = crate::service::pii::MATERIAL_MAGIC;
        let mut done = 0;
        loop {
            let rows = self.store.materials_not_starting_with(magic, 50).await?;
            if rows.is_empty() {
                return Ok(done);
            }
            let key = self.data_key().await?;
            let rows = rows
                .into_iter()
                .map(|mut m| {
                    m.bytes = key.encrypt_bytes(&m.bytes)?;
                    Ok(m)
                })
                .collect::<Result<Vec<_>, ServiceError>>()?;
            let mut audit = self.audit(
                &Actor::console(),
                meta,
                "certificate.materials_encrypted",
                "certificate_materials".to_string(),
            );
            audit.detail = serde_json::json!({ "materials": rows.len() }).to_string();
            self.store.replace_material_bytes(&rows, audit).await?;
            done += rows.len();
        }
    }

    /// Deletes personal data of applications finished longer ago than the retention period.
    pub async fn purge_expired_personal_data(
        &self,
        meta: &RequestMeta,
    ) -> Result<PurgeCounts, ServiceError> {
        let days = self.config.personal_data_retention_days;
        let now = self.now_ms();
        let Some(before) = jianfu_domain::retention::delete_finished_before(now, days) else {
            return Ok(PurgeCounts::default());
        };
        let mut audit = self.audit(
            &Actor::console(),
            meta,
            "certificate.retention_purge",
            "certificates",
        );
        audit.detail = serde_json::json!({"retention_days": days}).to_string();
        let counts = self
            .store
            .purge_certificate_personal_data(before, now, audit)
            .await?;
        // The seal log keeps its entries (they are chained); only their personal rows go.
        let mut audit = self.audit(&Actor::console(), meta, "seal.retention_purge", "seal_log");
        audit.detail = serde_json::json!({"retention_days": days}).to_string();
        self.store.purge_seal_personal(before, audit).await?;
        Ok(counts)
    }
}
