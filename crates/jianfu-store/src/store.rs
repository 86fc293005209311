use crate::{
    ApiTokenRow, AuditCheckpointRow, AuditDraft, AuditQuery, AuditRecord, OrgRow, SessionRow,
    StoreError, UserRow,
};
use async_trait::async_trait;
use jianfu_domain::audit_chain::ChainHead;
use jianfu_domain::security_policy::{LockoutPolicy, LoginState};

pub type Result<T> = std::result::Result<T, StoreError>;

/// All of storage: one narrow trait per capability, composed. Every backend implements each part
/// (see `backend.rs` and the `*_store.rs` modules); `Arc<dyn Store>` reaches every method.
pub trait Store:
    CoreStore
    + crate::CatalogStore
    + crate::SealStore
    + crate::AssignmentStore
    + crate::ViolationStore
    + crate::InventoryStore
    + crate::EvaluationStore
    + crate::SurveyStore
    + crate::DeliberationTopicStore
    + crate::DeliberationStore
    + crate::DeliberationFollowUpStore
    + crate::VolunteerStore
    + crate::SharedDataStore
    + crate::ComprehensiveStore
    + crate::NoticeStore
    + crate::CertificateStore
    + crate::MandateStore
    + crate::CredentialStore
    + crate::ScaleStore
    + crate::AuditScan
{
}
impl<T> Store for T where
    T: CoreStore
        + crate::CatalogStore
        + crate::SealStore
        + crate::AssignmentStore
        + crate::ViolationStore
        + crate::InventoryStore
        + crate::EvaluationStore
        + crate::SurveyStore
        + crate::DeliberationTopicStore
        + crate::DeliberationStore
        + crate::DeliberationFollowUpStore
        + crate::VolunteerStore
        + crate::SharedDataStore
        + crate::ComprehensiveStore
        + crate::NoticeStore
        + crate::CertificateStore
        + crate::MandateStore
        + crate::CredentialStore
        + crate::ScaleStore
        + crate::AuditScan
{
}

/// Accounts, organisations, sessions, tokens and the audit trail. One method per use case.
/// Methods that change state take the audit draft that describes the change and commit both
/// together, or neither.
#[async_trait]
pub trait CoreStore: Send + Sync + 'static {
    fn backend(&self) -> &'static str;
    async fn migrate(&self) -> Result<()>;
    async fn ping(&self) -> Result<()>;

    // Organisations
    async fn list_orgs(&self) -> Result<Vec<OrgRow>>;
    async fn insert_orgs(&self, orgs: &[OrgRow], audit: AuditDraft) -> Result<()>;

    // Settings that belong to the database (e.g. whether demo data was loaded)
    async fn get_meta(&self, key: &str) -> Result<Option<String>>;
    async fn set_meta(&self, key: &str, value: &str, audit: AuditDraft) -> Result<()>;

    // Accounts
    async fn insert_user(&self, user: &UserRow, audit: AuditDraft) -> Result<()>;
    async fn user_by_username(&self, username: &str) -> Result<Option<UserRow>>;
    async fn user_by_id(&self, id: &str) -> Result<Option<UserRow>>;
    async fn list_users(&self) -> Result<Vec<UserRow>>;
    /// Disabling also ends the account's sessions and revokes nothing else.
    async fn set_user_disabled(&self, id: &str, disabled: bool, audit: AuditDraft) -> Result<()>;
    /// A new password ends every session of the account and clears any lock.
    async fn set_password(&self, id: &str, hash: &str, at: i64, audit: AuditDraft) -> Result<()>;
    /// Counts one more failed login and locks the account when the policy says so. The count is
    /// read and written inside the audited transaction, so parallel guesses cannot lose updates.
    async fn record_login_failure(
        &self,
        id: &str,
        policy: LockoutPolicy,
        now: i64,
        audit: AuditDraft,
    ) -> Result<LoginState>;
    /// Clears the failure count and any lock.
    async fn clear_login_failures(&self, id: &str, audit: AuditDraft) -> Result<()>;

    // Sessions (web cookies and API login tokens)
    async fn insert_session(&self, s: &SessionRow, audit: AuditDraft) -> Result<()>;
    async fn session(&self, token_hash: &str) -> Result<Option<SessionRow>>;
    /// Records activity; not audited, it changes no business state.
    async fn touch_session(&self, token_hash: &str, at: i64) -> Result<()>;
    async fn delete_session(&self, token_hash: &str, audit: AuditDraft) -> Result<()>;

    // Long-lived API tokens for department systems
    async fn insert_api_token(&self, t: &ApiTokenRow, audit: AuditDraft) -> Result<()>;
    async fn api_token_by_hash(&self, token_hash: &str) -> Result<Option<ApiTokenRow>>;
    async fn list_api_tokens(&self) -> Result<Vec<ApiTokenRow>>;
    async fn revoke_api_token(&self, id: &str, at: i64, audit: AuditDraft) -> Result<()>;

    // Audit trail
    /// For events that change nothing else, e.g. a refused login for an unknown name.
    async fn append_audit(&self, audit: AuditDraft) -> Result<()>;
    /// Records of `chain` after `after_seq`, in sequence order.
    async fn audit_after(
        &self,
        chain: &str,
        after_seq: i64,
        limit: i64,
    ) -> Result<Vec<AuditRecord>>;
    /// Up to `limit` records of each chain, all chains together, oldest first: by time, then by
    /// id (UUIDv7, increasing within a process: the order they were written in when the clock
    /// gives several the same millisecond). For tests and small trails.
    async fn audit_all(&self, limit: i64) -> Result<Vec<AuditRecord>> {
        let mut all = Vec::new();
        for chain in self.audit_log_chains().await? {
            all.extend(self.audit_after(&chain, 0, limit).await?);
        }
        all.sort_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
        Ok(all)
    }
    /// Every chain's head row, by chain.
    async fn audit_heads(&self) -> Result<Vec<ChainHead>>;
    /// Every chain that has records in the log, by chain (a skip scan: one index probe per chain).
    async fn audit_log_chains(&self) -> Result<Vec<String>>;
    /// The whole trail in brief: the number of records in all chains, and a digest of all heads
    /// (the genesis when there are none) that changes whenever any head does.
    async fn audit_head(&self) -> Result<(i64, String)> {
        let heads = self.audit_heads().await?;
        let (root, n) = jianfu_domain::audit_chain::heads_root(&heads);
        Ok(if n == 0 {
            (0, jianfu_domain::audit_chain::GENESIS.to_string())
        } else {
            (n, jianfu_domain::seal::hash::to_hex(&root))
        })
    }
    /// Records of every chain, ordered by time, chain and sequence number (newest first), filtered.
    async fn search_audit(&self, q: &AuditQuery) -> Result<Vec<AuditRecord>>;
    /// The most recent record of the whole trail (by time, chain and sequence number).
    async fn last_audit_record(&self) -> Result<Option<AuditRecord>> {
        Ok(self
            .search_audit(&AuditQuery {
                limit: 1,
                ..AuditQuery::default()
            })
            .await?
            .pop())
    }
    /// Appends a signed audit checkpoint (not itself audited: the checkpoint is the record).
    async fn insert_audit_checkpoint(&self, c: &AuditCheckpointRow) -> Result<()>;
    /// The latest stored audit checkpoint.
    async fn latest_audit_checkpoint(&self) -> Result<Option<AuditCheckpointRow>>;
    /// The append-only triggers (`guards`) that are missing.
    async fn missing_guards(&self) -> Result<Vec<&'static str>>;
    /// Recreates the missing triggers, audited; returns their names.
    async fn restore_guards(&self, audit: AuditDraft) -> Result<Vec<&'static str>>;

    // Portable export/import (see `portable`)
    /// Streams every row of `table` to `sink`, in the table's export order.
    async fn export_table(
        &self,
        table: &'static crate::portable::Table,
        sink: &mut (dyn FnMut(Vec<crate::portable::Cell>) -> Result<()> + Send),
    ) -> Result<()>;
    /// Loads exported rows into an empty database in one transaction, keeping IDs, sequence
    /// numbers and hashes.
    async fn import_tables(
        &self,
        tables: Vec<(&'static crate::portable::Table, crate::portable::Rows)>,
    ) -> Result<()>;
}
