//! Moving a whole database between backends (see jianfu_store::portable for the format).

use super::{Actor, App, RequestMeta, ServiceError};
use std::io::{BufRead, Write};

impl App {
    /// Writes the database to `out`; returns the number of lines written.
    pub async fn export(&self, out: &mut (dyn Write + Send)) -> Result<u64, ServiceError> {
        Ok(jianfu_store::portable::export(self.store.as_ref(), out).await?)
    }

    /// Loads an export into this (empty) database and records the import in the audit trail,
    /// after the imported records, so the chain continues unbroken.
    pub async fn import(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        input: &mut dyn BufRead,
    ) -> Result<u64, ServiceError> {
        if !actor.is_console() {
            return Err(ServiceError::Forbidden);
        }
        let n = jianfu_store::portable::import(self.store.as_ref(), input).await?;
        self.orgs.invalidate();
        let mut a = self.audit(actor, meta, "data.import", "database");
        a.detail = serde_json::json!({ "rows": n }).to_string();
        self.store.append_audit(a).await?;
        Ok(n)
    }
}
