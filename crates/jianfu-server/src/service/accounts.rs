//! Account lifecycle: create, disable, re-enable, reset password, lift a lock.

use super::{Actor, App, RequestMeta, ServiceError, password};
use jianfu_domain::permission::{Permission, grantable_through_web};
use jianfu_domain::separation_of_duties::check_account_roles;
use jianfu_domain::{OrgCode, Role, Username};
use jianfu_store::UserRow;

/// What the person creating an account typed. Kept as text so a refused form can be shown again
/// exactly as typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct NewAccount {
    pub username: String,
    pub display_name: String,
    pub password: String,
    pub roles: Vec<String>,
    pub org: String,
}

/// An account as shown in lists: no password hash.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AccountView {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub org_code: String,
    pub org_name: String,
    pub roles: Vec<Role>,
    pub disabled: bool,
    pub locked: bool,
}

impl App {
    pub async fn create_account(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        new: &NewAccount,
    ) -> Result<String, ServiceError> {
        actor.require(Permission::ManageUsers)?;
        let username =
            Username::parse(&new.username).map_err(|e| ServiceError::Invalid(e.to_string()))?;
        let mut roles = Vec::new();
        for r in &new.roles {
            let role =
                Role::parse(r).ok_or_else(|| ServiceError::Invalid(format!("未知角色“{r}”")))?;
            if !roles.contains(&role) {
                roles.push(role);
            }
        }
        let org_code =
            OrgCode::parse(&new.org).map_err(|e| ServiceError::Invalid(e.to_string()))?;
        let tree = self.org_tree().await?;
        let org = tree
            .get(&org_code)
            .ok_or_else(|| ServiceError::Invalid(format!("机构代码“{org_code}”不存在")))?;
        check_account_roles(&roles, org.kind).map_err(|p| ServiceError::Invalid(p.message_zh()))?;
        if !actor.is_console() && !roles.iter().all(|r| grantable_through_web(*r)) {
            return Err(ServiceError::Invalid(
                "三权分立：管理员角色只能在服务器控制台用 jianfu user create 授予".into(),
            ));
        }
        self.config
            .password_policy()
            .check(username.as_str(), &new.password)
            .map_err(|ps| {
                ServiceError::Invalid(
                    ps.iter()
                        .map(|p| p.message_zh())
                        .collect::<Vec<_>>()
                        .join("；"),
                )
            })?;
        let display_name = match new.display_name.trim() {
            "" => username.to_string(),
            n => n.chars().take(40).collect(),
        };
        let now = self.now_ms();
        let hash = password::hash(&new.password).await?;
        let row = UserRow {
            id: uuid::Uuid::now_v7().to_string(),
            username: username.to_string(),
            display_name,
            org_code: org_code.to_string(),
            roles: UserRow::join_roles(&roles),
            password_hash: hash,
            disabled: false,
            failed_logins: 0,
            locked_until: None,
            created_at: now,
            password_changed_at: now,
        };
        let mut a = self.audit(actor, meta, "user.create", format!("user:{}", row.id));
        a.detail =
            serde_json::json!({"username": row.username, "roles": row.roles, "org": row.org_code})
                .to_string();
        self.store.insert_user(&row, a).await.map_err(|e| match e {
            jianfu_store::StoreError::Conflict(_) => {
                ServiceError::Conflict(format!("用户名“{}”已被使用", row.username))
            }
            other => other.into(),
        })?;
        Ok(row.id)
    }

    /// Finds an account by id or username, within what the actor may see.
    pub async fn find_account(&self, actor: &Actor, key: &str) -> Result<UserRow, ServiceError> {
        let by_id = self.store.user_by_id(key).await?;
        let user = match by_id {
            Some(u) => Some(u),
            None => match Username::parse(key) {
                Ok(name) => self.store.user_by_username(name.as_str()).await?,
                Err(_) => None,
            },
        };
        let user = user.ok_or_else(|| ServiceError::NotFound(format!("用户“{key}”")))?;
        let tree = self.org_tree().await?;
        let visible = OrgCode::parse(&user.org_code)
            .map(|c| actor.scope().can_read_records_of(&c, &tree))
            .unwrap_or(false);
        if visible {
            Ok(user)
        } else {
            Err(ServiceError::NotFound(format!("用户“{key}”")))
        }
    }

    pub async fn set_account_disabled(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        key: &str,
        disabled: bool,
    ) -> Result<(), ServiceError> {
        actor.require(Permission::ManageUsers)?;
        let user = self.find_account(actor, key).await?;
        if actor.user_id.as_deref() == Some(user.id.as_str()) && disabled {
            return Err(ServiceError::Invalid("不能停用自己的账号".into()));
        }
        let action = if disabled {
            "user.disable"
        } else {
            "user.enable"
        };
        let a = self.audit(actor, meta, action, format!("user:{}", user.id));
        self.store.set_user_disabled(&user.id, disabled, a).await?;
        self.sessions.forget_all();
        Ok(())
    }

    pub async fn reset_password(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        key: &str,
        password: &str,
    ) -> Result<(), ServiceError> {
        actor.require(Permission::ManageCredentials)?;
        let user = self.find_account(actor, key).await?;
        self.config
            .password_policy()
            .check(&user.username, password)
            .map_err(|ps| {
                ServiceError::Invalid(
                    ps.iter()
                        .map(|p| p.message_zh())
                        .collect::<Vec<_>>()
                        .join("；"),
                )
            })?;
        let hash = password::hash(password).await?;
        let a = self.audit(
            actor,
            meta,
            "user.reset_password",
            format!("user:{}", user.id),
        );
        self.store
            .set_password(&user.id, &hash, self.now_ms(), a)
            .await?;
        self.sessions.forget_all();
        Ok(())
    }

    pub async fn unlock_account(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        key: &str,
    ) -> Result<(), ServiceError> {
        actor.require(Permission::ManageCredentials)?;
        let user = self.find_account(actor, key).await?;
        let a = self.audit(actor, meta, "user.unlock", format!("user:{}", user.id));
        self.store.clear_login_failures(&user.id, a).await?;
        Ok(())
    }

    pub async fn list_accounts(&self, actor: &Actor) -> Result<Vec<AccountView>, ServiceError> {
        actor.require(Permission::ViewUsers)?;
        let tree = self.org_tree().await?;
        let scope = actor.scope();
        let now = self.now_ms();
        Ok(self
            .store
            .list_users()
            .await?
            .into_iter()
            .filter_map(|u| {
                let code = OrgCode::parse(&u.org_code).ok()?;
                if !scope.can_read_records_of(&code, &tree) {
                    return None;
                }
                Some(AccountView {
                    org_name: tree.get(&code).map(|o| o.name.clone()).unwrap_or_default(),
                    roles: u.role_list(),
                    locked: u.locked_until.is_some_and(|t| t > now),
                    id: u.id,
                    username: u.username,
                    display_name: u.display_name,
                    org_code: u.org_code,
                    disabled: u.disabled,
                })
            })
            .collect())
    }
}
