//! Long-lived API tokens for department systems. A token belongs to a system account (a department
//! system, named as such, scoped to one organisation and to the roles granted to it), never to a
//! person (separation_of_duties::SYSTEM_ACCOUNT_CITATION); every call made with it is audited as
//! `system:<账号>/token:<令牌 id>`. The secret is shown once, at issue; only its hash is stored.

use super::{Actor, App, RequestMeta, ServiceError, random_token, token_hash};
use jianfu_domain::permission::Permission;
use jianfu_store::ApiTokenRow;

#[derive(Debug, Clone, serde::Serialize)]
pub struct TokenView {
    pub id: String,
    pub name: String,
    pub username: String,
    /// The system's name (the system account's display name).
    pub system_name: String,
    pub created_by: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

impl App {
    /// Issues a token for system account `for_user`. Returns (id, secret).
    pub async fn issue_api_token(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        name: &str,
        for_user: &str,
    ) -> Result<(String, String), ServiceError> {
        actor.require(Permission::ManageApiTokens)?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 60 {
            return Err(ServiceError::Invalid(
                "令牌名称须为 1–60 个字符，例如“民政局业务系统”".into(),
            ));
        }
        // The account is named in the body: one that does not exist (or is out of sight) is a
        // refused input, not a missing resource.
        let user = match self.find_account(actor, for_user).await {
            Err(ServiceError::NotFound(_)) => {
                return Err(ServiceError::rejected(
                    "unknown_user",
                    format!("没有用户名或编号为“{for_user}”的账号。"),
                ));
            }
            other => other?,
        };
        if user.disabled {
            return Err(ServiceError::Invalid("不能为已停用的账号签发令牌".into()));
        }
        if !self.store.credential_info(&user.id).await?.system {
            return Err(ServiceError::Rejected {
                code: "not_a_system_account",
                message: "长期 API 令牌只能签发给系统账号（部门业务系统），不能签发给个人账号；请先在“API 令牌”页创建系统账号".into(),
            });
        }
        let secret = format!("jf_{}", random_token());
        let row = ApiTokenRow {
            id: uuid::Uuid::now_v7().to_string(),
            token_hash: token_hash(&secret),
            name: name.to_string(),
            user_id: user.id.clone(),
            created_by: actor.username.clone().unwrap_or_default(),
            created_at: self.now_ms(),
            revoked_at: None,
        };
        let mut a = self.audit(
            actor,
            meta,
            "api_token.issue",
            format!("api_token:{}", row.id),
        );
        a.detail = serde_json::json!({"name": row.name, "user": user.username}).to_string();
        self.store.insert_api_token(&row, a).await?;
        Ok((row.id, secret))
    }

    pub async fn revoke_api_token(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        id: &str,
    ) -> Result<(), ServiceError> {
        actor.require(Permission::ManageApiTokens)?;
        let a = self.audit(actor, meta, "api_token.revoke", format!("api_token:{id}"));
        self.store.revoke_api_token(id, self.now_ms(), a).await?;
        self.sessions.forget_all();
        Ok(())
    }

    pub async fn list_api_tokens(&self, actor: &Actor) -> Result<Vec<TokenView>, ServiceError> {
        actor.require(Permission::ManageApiTokens)?;
        let users = self.store.list_users().await?;
        Ok(self
            .store
            .list_api_tokens()
            .await?
            .into_iter()
            .map(|t| TokenView {
                username: users
                    .iter()
                    .find(|u| u.id == t.user_id)
                    .map(|u| u.username.clone())
                    .unwrap_or_default(),
                system_name: users
                    .iter()
                    .find(|u| u.id == t.user_id)
                    .map(|u| u.display_name.clone())
                    .unwrap_or_default(),
                id: t.id,
                name: t.name,
                created_by: t.created_by,
                created_at: t.created_at,
                revoked_at: t.revoked_at,
            })
            .collect())
    }

    /// Revokes every live token that belongs to a person's account (issued before tokens belonged
    /// to system accounts), with one audit record listing them. Run at start-up; returns how many.
    pub async fn retire_person_tokens(&self, meta: &RequestMeta) -> Result<usize, ServiceError> {
        let a = self.audit(
            &Actor::console(),
            meta,
            "api_token.revoke_person_tokens",
            "api_tokens:person",
        );
        let ids = self.store.revoke_person_tokens(self.now_ms(), a).await?;
        if !ids.is_empty() {
            self.sessions.forget_all();
        }
        Ok(ids.len())
    }
}
