//! Storage for one-time passwords (set by someone other than the owner), role grants, system accounts (the only owners of API tokens)
//! and the retirement of tokens that belonged to people (issue 9 §1), and administrators' second
//! factor (TOTP secret, last accepted time step, recovery-code hashes). Every write is audited in the
//! same transaction.

use crate::store::Result;
use crate::{AuditDraft, UserRow};
use async_trait::async_trait;

/// What the credential tables say about one account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CredentialInfo {
    /// When someone other than the owner set the current password (it is then good for one
    /// login); `None` when the owner set it.
    pub one_time_set_at: Option<i64>,
    /// The account is a system account (a department system that holds API tokens, never logs in).
    pub system: bool,
}

/// An account's confirmed authenticator (TOTP) secret.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SecondFactorRow {
    pub user_id: String,
    /// The base32 secret encrypted with the data key.
    pub secret_enc: String,
    pub confirmed_at: i64,
    /// RFC 6238 time step of the last accepted code; codes of this step or earlier are refused.
    pub last_step: Option<i64>,
}

#[async_trait]
pub trait CredentialStore: Send + Sync + 'static {
    async fn credential_info(&self, user_id: &str) -> Result<CredentialInfo>;
    /// Ids of every system account.
    async fn system_account_ids(&self) -> Result<Vec<String>>;
    /// The owner sets their own password: a new hash, and it is no longer one-time. Ends the
    /// account's sessions.
    async fn set_own_password(
        &self,
        user_id: &str,
        hash: &str,
        at: i64,
        audit: AuditDraft,
    ) -> Result<()>;
    /// Creates an account whose password someone else chose: it is one-time.
    async fn insert_user_one_time(&self, user: &UserRow, audit: AuditDraft) -> Result<()>;
    /// Someone other than the owner sets the password: one-time. Ends the account's sessions and
    /// clears the old failure count.
    async fn set_password_one_time(
        &self,
        user_id: &str,
        hash: &str,
        at: i64,
        audit: AuditDraft,
    ) -> Result<()>;
    /// Replaces the account's roles (comma-separated codes). Ends its sessions so the change holds
    /// at once.
    async fn set_user_roles(&self, user_id: &str, roles: &str, audit: AuditDraft) -> Result<()>;
    /// Creates a system account: a `users` row that can never log in, marked as a system.
    async fn insert_system_account(&self, user: &UserRow, audit: AuditDraft) -> Result<()>;
    /// Revokes every live API token whose account is not a system account. Returns their ids;
    /// writes nothing (and audits nothing) when there are none.
    async fn revoke_person_tokens(&self, at: i64, audit: AuditDraft) -> Result<Vec<String>>;
    /// The account's confirmed second factor, if it has one.
    async fn second_factor(&self, user_id: &str) -> Result<Option<SecondFactorRow>>;
    /// Stores a confirmed second factor and the hashes of its recovery codes (replacing any
    /// recovery codes left from before). `Conflict` when the account already has one.
    async fn enrol_second_factor(
        &self,
        row: &SecondFactorRow,
        recovery_hashes: &[String],
        audit: AuditDraft,
    ) -> Result<()>;
    /// Accepts a code of time step `step`: stores it as the last step only if it is later than the
    /// stored one. `false` (nothing written, nothing audited) when it is not — the code was used.
    async fn accept_second_factor_step(
        &self,
        user_id: &str,
        step: i64,
        audit: AuditDraft,
    ) -> Result<bool>;
    /// Marks an unused recovery code used. `false` (nothing written, nothing audited) when the
    /// account has no such unused code.
    async fn use_recovery_code(
        &self,
        user_id: &str,
        code_hash: &str,
        at: i64,
        audit: AuditDraft,
    ) -> Result<bool>;
    /// How many of the account's recovery codes are still unused.
    async fn recovery_codes_left(&self, user_id: &str) -> Result<i64>;
    /// Deletes the account's second factor and recovery codes and ends its sessions (the console's
    /// reset: the administrator enrols again at the next login). Returns whether it had one.
    async fn reset_second_factor(&self, user_id: &str, audit: AuditDraft) -> Result<bool>;
}

macro_rules! impl_credential_store {
    ($store:ident, $db:ty) => {
        mod credential_sql {
            use super::$store;
            use super::shared_sql::{begin_audited, commit_audited};
            use $crate::retry::retrying;
            use $crate::store::Result;
            use $crate::{AuditDraft, CredentialInfo, SecondFactorRow, StoreError, UserRow};

            async fn insert_user(
                tx: &mut sqlx::Transaction<'static, $db>,
                u: &UserRow,
            ) -> Result<()> {
                sqlx::query(
                    "INSERT INTO users (id, username, display_name, org_code, roles, \
                     password_hash, disabled, failed_logins, locked_until, created_at, \
                     password_changed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                )
                .bind(&u.id)
                .bind(&u.username)
                .bind(&u.display_name)
                .bind(&u.org_code)
                .bind(&u.roles)
                .bind(&u.password_hash)
                .bind(u.disabled)
                .bind(u.failed_logins)
                .bind(u.locked_until)
                .bind(u.created_at)
                .bind(u.password_changed_at)
                .execute(&mut **tx)
                .await
                .map_err(|e| StoreError::from_write(e, &format!("用户名 {}", u.username)))?;
                Ok(())
            }

            #[async_trait::async_trait]
            impl $crate::CredentialStore for $store {
                async fn credential_info(&self, user_id: &str) -> Result<CredentialInfo> {
                    let owner: Option<(i64,)> = sqlx::query_as(
                        "SELECT set_at FROM one_time_passwords WHERE user_id = $1",
                    )
                    .bind(user_id)
                    .fetch_optional(&self.pool)
                    .await?;
                    let system: Option<(String,)> =
                        sqlx::query_as("SELECT user_id FROM system_accounts WHERE user_id = $1")
                            .bind(user_id)
                            .fetch_optional(&self.pool)
                            .await?;
                    Ok(CredentialInfo {
                        one_time_set_at: owner.map(|o| o.0),
                        system: system.is_some(),
                    })
                }

                async fn system_account_ids(&self) -> Result<Vec<String>> {
                    let rows: Vec<(String,)> =
                        sqlx::query_as("SELECT user_id FROM system_accounts ORDER BY user_id")
                            .fetch_all(&self.pool)
                            .await?;
                    Ok(rows.into_iter().map(|r| r.0).collect())
                }

                async fn set_own_password(
                    &self,
                    user_id: &str,
                    hash: &str,
                    at: i64,
                    audit: AuditDraft,
                ) -> Result<()> {
                    let audit = &audit;
                    retrying(move || async move {
                        let audit = audit.clone();
                        let mut tx = begin_audited(self.writer()).await?;
                        let n = sqlx::query(
                            "UPDATE users SET password_hash = $1, password_changed_at = $2, \
                             failed_logins = 0, locked_until = NULL WHERE id = $3",
                        )
                        .bind(hash)
                        .bind(at)
                        .bind(user_id)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                        if n != 1 {
                            return Err(StoreError::NotFound("用户".into()));
                        }
                        sqlx::query("DELETE FROM one_time_passwords WHERE user_id = $1")
                            .bind(user_id)
                            .execute(&mut *tx)
                            .await?;
                        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                            .bind(user_id)
                            .execute(&mut *tx)
                            .await?;
                        commit_audited(tx, audit).await
                    })
                    .await
                }

                async fn insert_user_one_time(
                    &self,
                    u: &UserRow,
                    audit: AuditDraft,
                ) -> Result<()> {
                    let audit = &audit;
                    retrying(move || async move {
                        let audit = audit.clone();
                        let mut tx = begin_audited(self.writer()).await?;
                        insert_user(&mut tx, u).await?;
                        sqlx::query(
                            "INSERT INTO one_time_passwords (user_id, set_at) VALUES ($1, $2)",
                        )
                        .bind(&u.id)
                        .bind(u.password_changed_at)
                        .execute(&mut *tx)
                        .await?;
                        commit_audited(tx, audit).await
                    })
                    .await
                }

                async fn set_password_one_time(
                    &self,
                    user_id: &str,
                    hash: &str,
                    at: i64,
                    audit: AuditDraft,
                ) -> Result<()> {
                    let audit = &audit;
                    retrying(move || async move {
                        let audit = audit.clone();
                        let mut tx = begin_audited(self.writer()).await?;
                        let n = sqlx::query(
                            "UPDATE users SET password_hash = $1, password_changed_at = $2, \
                             failed_logins = 0, locked_until = NULL WHERE id = $3",
                        )
                        .bind(hash)
                        .bind(at)
                        .bind(user_id)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                        if n != 1 {
                            return Err(StoreError::NotFound("用户".into()));
                        }
                        sqlx::query(
                            "INSERT INTO one_time_passwords (user_id, set_at) VALUES ($1, $2) \
                             ON CONFLICT (user_id) DO UPDATE SET set_at = excluded.set_at",
                        )
                        .bind(user_id)
                        .bind(at)
                        .execute(&mut *tx)
                        .await?;
                        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                            .bind(user_id)
                            .execute(&mut *tx)
                            .await?;
                        commit_audited(tx, audit).await
                    })
                    .await
                }

                async fn set_user_roles(
                    &self,
                    user_id: &str,
                    roles: &str,
                    audit: AuditDraft,
                ) -> Result<()> {
                    let audit = &audit;
                    retrying(move || async move {
                        let audit = audit.clone();
                        let mut tx = begin_audited(self.writer()).await?;
                        let n = sqlx::query("UPDATE users SET roles = $1 WHERE id = $2")
                            .bind(roles)
                            .bind(user_id)
                            .execute(&mut *tx)
                            .await?
                            .rows_affected();
                        if n != 1 {
                            return Err(StoreError::NotFound("用户".into()));
                        }
                        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                            .bind(user_id)
                            .execute(&mut *tx)
                            .await?;
                        commit_audited(tx, audit).await
                    })
                    .await
                }

                async fn insert_system_account(
                    &self,
                    u: &UserRow,
                    audit: AuditDraft,
                ) -> Result<()> {
                    let audit = &audit;
                    retrying(move || async move {
                        let audit = audit.clone();
                        let mut tx = begin_audited(self.writer()).await?;
                        insert_user(&mut tx, u).await?;
                        sqlx::query("INSERT INTO system_accounts (user_id, created_at) VALUES ($1, $2)")
                            .bind(&u.id)
                            .bind(u.created_at)
                            .execute(&mut *tx)
                            .await?;
                        commit_audited(tx, audit).await
                    })
                    .await
                }

                async fn revoke_person_tokens(
                    &self,
                    at: i64,
                    audit: AuditDraft,
                ) -> Result<Vec<String>> {
                    let audit = &audit;
                    retrying(move || async move {
                        let mut audit = audit.clone();
                        let mut tx = begin_audited(self.writer()).await?;
                        let ids: Vec<(String,)> = sqlx::query_as(
                            "SELECT id FROM api_tokens WHERE revoked_at IS NULL AND user_id NOT IN \
                             (SELECT user_id FROM system_accounts) ORDER BY id",
                        )
                        .fetch_all(&mut *tx)
                        .await?;
                        if ids.is_empty() {
                            tx.rollback().await?;
                            return Ok(Vec::new());
                        }
                        sqlx::query(
                            "UPDATE api_tokens SET revoked_at = $1 WHERE revoked_at IS NULL AND \
                             user_id NOT IN (SELECT user_id FROM system_accounts)",
                        )
                        .bind(at)
                        .execute(&mut *tx)
                        .await?;
                        let ids: Vec<String> = ids.into_iter().map(|r| r.0).collect();
                        audit.detail = serde_json::json!({
                            "reason": "person_token",
                            "tokens": ids,
                        })
                        .to_string();
                        commit_audited(tx, audit).await?;
                        Ok(ids)
                    })
                    .await
                }

                async fn second_factor(&self, user_id: &str) -> Result<Option<SecondFactorRow>> {
                    Ok(sqlx::query_as(
                        "SELECT user_id, secret_enc, confirmed_at, last_step FROM second_factors \
                         WHERE user_id = $1",
                    )
                    .bind(user_id)
                    .fetch_optional(&self.pool)
                    .await?)
                }

                async fn enrol_second_factor(
                    &self,
                    row: &SecondFactorRow,
                    recovery_hashes: &[String],
                    audit: AuditDraft,
                ) -> Result<()> {
                    let audit = &audit;
                    retrying(move || async move {
                        let audit = audit.clone();
                        let mut tx = begin_audited(self.writer()).await?;
                        sqlx::query(
                            "INSERT INTO second_factors (user_id, secret_enc, confirmed_at, last_step) \
                             VALUES ($1, $2, $3, $4)",
                        )
                        .bind(&row.user_id)
                        .bind(&row.secret_enc)
                        .bind(row.confirmed_at)
                        .bind(row.last_step)
                        .execute(&mut *tx)
                        .await
                        .map_err(|e| StoreError::from_write(e, "该账号的验证器"))?;
                        sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
                            .bind(&row.user_id)
                            .execute(&mut *tx)
                            .await?;
                        for h in recovery_hashes {
                            sqlx::query(
                                "INSERT INTO recovery_codes (user_id, code_hash, created_at, used_at) \
                                 VALUES ($1, $2, $3, NULL)",
                            )
                            .bind(&row.user_id)
                            .bind(h)
                            .bind(row.confirmed_at)
                            .execute(&mut *tx)
                            .await
                            .map_err(|e| StoreError::from_write(e, "恢复码"))?;
                        }
                        commit_audited(tx, audit).await
                    })
                    .await
                }

                async fn accept_second_factor_step(
                    &self,
                    user_id: &str,
                    step: i64,
                    audit: AuditDraft,
                ) -> Result<bool> {
                    let audit = &audit;
                    retrying(move || async move {
                        let audit = audit.clone();
                        let mut tx = begin_audited(self.writer()).await?;
                        let n = sqlx::query(
                            "UPDATE second_factors SET last_step = $1 WHERE user_id = $2 \
                             AND (last_step IS NULL OR last_step < $1)",
                        )
                        .bind(step)
                        .bind(user_id)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                        if n != 1 {
                            tx.rollback().await?;
                            return Ok(false);
                        }
                        commit_audited(tx, audit).await?;
                        Ok(true)
                    })
                    .await
                }

                async fn use_recovery_code(
                    &self,
                    user_id: &str,
                    code_hash: &str,
                    at: i64,
                    audit: AuditDraft,
                ) -> Result<bool> {
                    let audit = &audit;
                    retrying(move || async move {
                        let audit = audit.clone();
                        let mut tx = begin_audited(self.writer()).await?;
                        let n = sqlx::query(
                            "UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 \
                             AND code_hash = $3 AND used_at IS NULL",
                        )
                        .bind(at)
                        .bind(user_id)
                        .bind(code_hash)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                        if n != 1 {
                            tx.rollback().await?;
                            return Ok(false);
                        }
                        commit_audited(tx, audit).await?;
                        Ok(true)
                    })
                    .await
                }

                async fn recovery_codes_left(&self, user_id: &str) -> Result<i64> {
                    let (n,): (i64,) = sqlx::query_as(
                        "SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL",
                    )
                    .bind(user_id)
                    .fetch_one(&self.pool)
                    .await?;
                    Ok(n)
                }

                async fn reset_second_factor(
                    &self,
                    user_id: &str,
                    audit: AuditDraft,
                ) -> Result<bool> {
                    let audit = &audit;
                    retrying(move || async move {
                        let audit = audit.clone();
                        let mut tx = begin_audited(self.writer()).await?;
                        let had = sqlx::query("DELETE FROM second_factors WHERE user_id = $1")
                            .bind(user_id)
                            .execute(&mut *tx)
                            .await?
                            .rows_affected()
                            > 0;
                        sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
                            .bind(user_id)
                            .execute(&mut *tx)
                            .await?;
                        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                            .bind(user_id)
                            .execute(&mut *tx)
                            .await?;
                        commit_audited(tx, audit).await?;
                        Ok(had)
                    })
                    .await
                }
            }
        }
    };
}
pub(crate) use impl_credential_store;
