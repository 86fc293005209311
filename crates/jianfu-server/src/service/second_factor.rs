//! Administrators' second factor outside the login itself: the console's reset, and the demo
//! administrators' published authenticator secrets. The login steps (code, enrolment, recovery
//! codes) are in `auth.rs`; the rules (who needs it, TOTP parameters, recovery codes) in
//! `jianfu_domain::second_factor`.

use super::{Actor, App, RequestMeta, ServiceError};
use jianfu_domain::second_factor::TotpSecret;
use jianfu_store::SecondFactorRow;

/// The demo administrators' authenticator secrets (base32). Public like the demo password: printed
/// by `serve --demo` and listed in README.md, so any authenticator app shows the demo's codes.
pub const DEMO_TOTP_SECRETS: &[(&str, &str)] = &[
    ("sysadmin", "JIANFU2DEMO2SYSADMIN2TOTP2SECRET"),
    ("secadmin", "JIANFU2DEMO2SECADMIN2TOTP2SECRET"),
    ("auditadmin", "JIANFU2DEMO2AUDITADM2TOTP2SECRET"),
];

/// The published secret of a demo administrator.
pub fn demo_secret(username: &str) -> Option<TotpSecret> {
    DEMO_TOTP_SECRETS
        .iter()
        .find(|(u, _)| *u == username)
        .and_then(|(_, s)| TotpSecret::from_base32(s))
}

impl App {
    /// The console's reset (`jianfu user reset-totp`): deletes the administrator's authenticator
    /// secret and recovery codes and ends their sessions; they enrol again at the next login.
    /// Console only, like an administrator's password reset (no administrator can take over
    /// another's second factor). Returns whether the account had one.
    pub async fn reset_second_factor(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        key: &str,
    ) -> Result<bool, ServiceError> {
        if !actor.is_console() {
            return Err(ServiceError::Rejected {
                code: "second_factor_console_only",
                message: "管理员的验证器只能在服务器控制台重置（jianfu user reset-totp）".into(),
            });
        }
        let user = self.find_account(actor, key).await?;
        let a = self.audit(
            actor,
            meta,
            "auth.second_factor.reset",
            format!("user:{}", user.id),
        );
        let had = self.store.reset_second_factor(&user.id, a).await?;
        self.sessions.forget_all();
        Ok(had)
    }

    /// Enrols each demo administrator with the published secret (at demo creation).
    pub(super) async fn enrol_demo_second_factors(
        &self,
        meta: &RequestMeta,
    ) -> Result<(), ServiceError> {
        let console = Actor::console();
        for (username, _) in DEMO_TOTP_SECRETS {
            let (Some(user), Some(secret)) = (
                self.store.user_by_username(username).await?,
                demo_secret(username),
            ) else {
                continue;
            };
            if self.store.second_factor(&user.id).await?.is_some() {
                continue;
            }
            let row = SecondFactorRow {
                user_id: user.id.clone(),
                secret_enc: self.data_key().await?.encrypt(&secret.to_base32())?,
                confirmed_at: self.now_ms(),
                last_step: None,
            };
            let mut a = self.audit(
                &console,
                meta,
                "auth.second_factor.enrol",
                format!("user:{}", user.id),
            );
            a.detail = serde_json::json!({"demo": true, "recovery_codes": 0}).to_string();
            self.store.enrol_second_factor(&row, &[], a).await?;
        }
        Ok(())
    }

    /// On a demo site only: the current code of a demo administrator still enrolled with the
    /// published secret, shown on the code page so the demo stays clickable without an app.
    pub async fn demo_code_hint(&self, username: &str) -> Option<String> {
        if !self.is_demo().await {
            return None;
        }
        let secret = demo_secret(username.trim())?;
        let user = self.store.user_by_username(username.trim()).await.ok()??;
        let row = self.store.second_factor(&user.id).await.ok()??;
        let stored = self.data_key().await.ok()?.decrypt(&row.secret_enc).ok()?;
        (TotpSecret::from_base32(&stored)? == secret).then(|| secret.code_at_ms(self.now_ms()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_secrets_are_valid_base32_of_160_bits_one_per_demo_admin() {
        for (u, s) in DEMO_TOTP_SECRETS {
            let secret = demo_secret(u).unwrap_or_else(|| panic!("{u}: {s}"));
            assert_eq!(
                secret.as_bytes().len(),
                jianfu_domain::second_factor::SECRET_BYTES,
                "{u}"
            );
            assert!(
                super::super::demo::DEMO_ACCOUNTS
                    .iter()
                    .any(|(name, _, role, _)| name == u && role.ends_with("_admin")),
                "{u}"
            );
        }
    }
}
