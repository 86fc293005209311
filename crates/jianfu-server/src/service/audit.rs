//! Reading the audit trail: search (audit administrator only) and full verification.

use super::{Actor, App, ServiceError};
use jianfu_domain::audit_chain::{ChainBreak, ChainVerifier};
use jianfu_domain::permission::Permission;
use jianfu_store::{AuditQuery, AuditRecord, Store};

/// Checks the whole chain from the first record to the recorded head, page by page.
/// Returns the number of records checked, or the first break.
pub async fn verify_chain(store: &dyn Store) -> Result<Result<u64, ChainBreak>, ServiceError> {
    let mut v = ChainVerifier::default();
    let mut after = i64::MIN;
    // The head is read after the records; if the server appended meanwhile, read on and ask again.
    for _ in 0..5 {
        loop {
            let page = store.audit_after(after, 10_000).await?;
            let Some(last) = page.last() else { break };
            after = last.seq;
            for r in &page {
                if let Err(b) = v.push(r) {
                    return Ok(Err(b));
                }
            }
        }
        let (head_seq, head_hash) = store.audit_head().await?;
        if head_seq <= after.max(0) {
            return Ok(v.finish(Some((head_seq, &head_hash))));
        }
    }
    let (head_seq, head_hash) = store.audit_head().await?;
    Ok(v.finish(Some((head_seq, &head_hash))))
}

impl App {
    pub async fn search_audit(
        &self,
        actor: &Actor,
        q: &AuditQuery,
    ) -> Result<Vec<AuditRecord>, ServiceError> {
        actor.require(Permission::ReadAudit)?;
        Ok(self.store.search_audit(q).await?)
    }

    /// Account id → username, so the audit page can name the accounts records refer to.
    pub async fn audit_usernames(
        &self,
        actor: &Actor,
    ) -> Result<std::collections::HashMap<String, String>, ServiceError> {
        actor.require(Permission::ReadAudit)?;
        Ok(self
            .store
            .list_users()
            .await?
            .into_iter()
            .map(|u| (u.id, u.username))
            .collect())
    }

    pub async fn verify_audit(
        &self,
        actor: &Actor,
    ) -> Result<Result<u64, ChainBreak>, ServiceError> {
        actor.require(Permission::ReadAudit)?;
        verify_chain(self.store.as_ref()).await
    }
}
