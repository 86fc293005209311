//! Account lifecycle: create, disable, re-enable (system administrator); grant and withdraw roles,
//! reset passwords, lift login delays (security administrator); system accounts for API tokens.
//! The rules of who may do what to whom are in `separation_of_duties.rs`.

use super::{Actor, App, RequestMeta, ServiceError, password};
use jianfu_domain::permission::Permission;
use jianfu_domain::separation_of_duties::{
    GrantProblem, Granter, check_account_roles, check_creation_roles, check_grant,
    check_password_reset,
};
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
    /// Some client is made to wait before trying this account again (growing login delays).
    pub locked: bool,
    /// A system account (holds API tokens, never logs in).
    pub system: bool,
}

fn granter(actor: &Actor) -> Granter<'_> {
    match actor.user_id.as_deref() {
        Some(id) if !actor.is_console() => Granter::Account(id),
        _ => Granter::Console,
    }
}

fn grant_refused(p: GrantProblem) -> ServiceError {
    ServiceError::Rejected {
        code: p.code(),
        message: p.message_zh().into(),
    }
}

/// The password policy, with the first problem's code (e.g. `common_password`) and every
/// problem's message.
pub(crate) fn check_password(app: &App, username: &str, pw: &str) -> Result<(), ServiceError> {
    app.config
        .password_policy()
        .check(username, pw)
        .map_err(|ps| ServiceError::Rejected {
            code: ps.first().map_or("invalid_input", |p| p.code()),
            message: ps
                .iter()
                .map(|p| p.message_zh())
                .collect::<Vec<_>>()
                .join("；"),
        })
}

/// Stored as the password hash of system accounts: not a hash, so no password ever matches.
const NO_PASSWORD: &str = "!system-account";

impl App {
    /// How someone who did something is shown on a page: their name and role, never a bare
    /// username (issue 10 §3). The console is named as such; a username no longer known is
    /// shown as it was recorded.
    pub async fn person_label(&self, username: &str) -> String {
        if username == "console" {
            return "系统控制台（命令行）".into();
        }
        match self.store.user_by_username(username).await {
            Ok(Some(u)) => {
                let a = super::auth::actor_of(&u);
                let roles: Vec<&str> = a.roles.iter().map(|r| r.label_zh()).collect();
                if roles.is_empty() {
                    a.display_name
                } else {
                    format!("{}（{}）", a.display_name, roles.join("、"))
                }
            }
            _ => username.to_string(),
        }
    }

    /// Creates an account. Its password was chosen by the creator, so it is one-time: the owner
    /// sets their own at the first login.
    pub async fn create_account(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        new: &NewAccount,
    ) -> Result<String, ServiceError> {
        self.create_account_inner(actor, meta, new, true).await
    }

    /// At the console only: creates an account whose password is already its owner's — demo
    /// accounts (whose password is published as theirs) and an operator creating their own.
    pub async fn create_account_owned(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        new: &NewAccount,
    ) -> Result<String, ServiceError> {
        if !actor.is_console() {
            return Err(ServiceError::Forbidden);
        }
        self.create_account_inner(actor, meta, new, false).await
    }

    async fn create_account_inner(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        new: &NewAccount,
        one_time: bool,
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
        check_creation_roles(granter(actor), &roles).map_err(grant_refused)?;
        check_password(self, username.as_str(), &new.password)?;
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
        let written = if one_time {
            self.store.insert_user_one_time(&row, a).await
        } else {
            self.store.insert_user(&row, a).await
        };
        written.map_err(|e| match e {
            jianfu_store::StoreError::Conflict(_) => {
                ServiceError::Conflict(format!("用户名“{}”已被使用", row.username))
            }
            other => other.into(),
        })?;
        self.orgs.accounts_changed();
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
        self.orgs.accounts_changed();
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
        check_password_reset(granter(actor), &user.role_list()).map_err(grant_refused)?;
        if self.store.credential_info(&user.id).await?.system {
            return Err(ServiceError::Invalid(
                "系统账号没有密码，只使用 API 令牌".into(),
            ));
        }
        check_password(self, &user.username, password)?;
        // Set by someone other than its owner: good for one login, then the owner sets their own.
        let hash = password::hash(password).await?;
        let a = self.audit(
            actor,
            meta,
            "user.reset_password",
            format!("user:{}", user.id),
        );
        self.store
            .set_password_one_time(&user.id, &hash, self.now_ms(), a)
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
        self.sessions.forget_login_failures(&user.username);
        Ok(())
    }

    /// Grants (`grant = true`) or withdraws one role of an account (security administrator; admin
    /// roles only at the console; never one's own).
    pub async fn set_account_role(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        key: &str,
        role: &str,
        grant: bool,
    ) -> Result<(), ServiceError> {
        actor.require(Permission::ManageRoles)?;
        let user = self.find_account(actor, key).await?;
        let role = Role::parse(role).ok_or_else(|| ServiceError::Rejected {
            code: "unknown_role",
            message: format!("未知角色“{role}”"),
        })?;
        check_grant(granter(actor), &user.id, role).map_err(grant_refused)?;
        let mut roles = user.role_list();
        let had = roles.contains(&role);
        match (grant, had) {
            (true, true) | (false, false) => return Ok(()),
            (true, false) => roles.push(role),
            (false, true) => roles.retain(|r| *r != role),
        }
        let tree = self.org_tree().await?;
        let kind = OrgCode::parse(&user.org_code)
            .ok()
            .and_then(|c| tree.get(&c).map(|o| o.kind))
            .ok_or_else(|| ServiceError::Invalid("账号所属机构不存在".into()))?;
        check_account_roles(&roles, kind).map_err(|p| ServiceError::Rejected {
            code: "role_not_allowed",
            message: p.message_zh(),
        })?;
        let action = if grant {
            "user.grant_role"
        } else {
            "user.withdraw_role"
        };
        let mut a = self.audit(actor, meta, action, format!("user:{}", user.id));
        a.detail =
            serde_json::json!({"role": role.as_str(), "username": user.username}).to_string();
        self.store
            .set_user_roles(&user.id, &UserRow::join_roles(&roles), a)
            .await?;
        self.sessions.forget_all();
        Ok(())
    }

    /// Creates a system account: a department system that holds API tokens, scoped to one
    /// organisation. It has no role (the security administrator grants what the system needs),
    /// no password, and never logs in. The console may give roles at once.
    pub async fn create_system_account(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        username: &str,
        system_name: &str,
        org: &str,
        roles: &[Role],
    ) -> Result<String, ServiceError> {
        actor.require(Permission::ManageApiTokens)?;
        let username =
            Username::parse(username).map_err(|e| ServiceError::Invalid(e.to_string()))?;
        let name = system_name.trim();
        if name.is_empty() || name.chars().count() > 40 {
            return Err(ServiceError::Rejected {
                code: "system_name_required",
                message: "请填写系统名称（1–40 个字符），例如“民政局业务系统”".into(),
            });
        }
        let org_code = OrgCode::parse(org).map_err(|e| ServiceError::Invalid(e.to_string()))?;
        let tree = self.org_tree().await?;
        let kind = tree
            .get(&org_code)
            .map(|o| o.kind)
            .ok_or_else(|| ServiceError::Invalid(format!("机构代码“{org_code}”不存在")))?;
        if roles.iter().any(|r| r.is_admin()) {
            return Err(grant_refused(GrantProblem::AdminRoleOutsideConsole));
        }
        check_account_roles(roles, kind).map_err(|p| ServiceError::Invalid(p.message_zh()))?;
        check_creation_roles(granter(actor), roles).map_err(grant_refused)?;
        let now = self.now_ms();
        let row = UserRow {
            id: uuid::Uuid::now_v7().to_string(),
            username: username.to_string(),
            display_name: name.to_string(),
            org_code: org_code.to_string(),
            roles: UserRow::join_roles(roles),
            password_hash: NO_PASSWORD.into(),
            disabled: false,
            failed_logins: 0,
            locked_until: None,
            created_at: now,
            password_changed_at: now,
        };
        let mut a = self.audit(
            actor,
            meta,
            "user.create_system",
            format!("user:{}", row.id),
        );
        a.detail = serde_json::json!({"username": row.username, "system": row.display_name,
            "roles": row.roles, "org": row.org_code})
        .to_string();
        self.store
            .insert_system_account(&row, a)
            .await
            .map_err(|e| match e {
                jianfu_store::StoreError::Conflict(_) => {
                    ServiceError::Conflict(format!("用户名“{}”已被使用", row.username))
                }
                other => other.into(),
            })?;
        Ok(row.id)
    }

    pub async fn list_accounts(&self, actor: &Actor) -> Result<Vec<AccountView>, ServiceError> {
        actor.require(Permission::ViewUsers)?;
        let tree = self.org_tree().await?;
        let scope = actor.scope();
        let now = self.now_ms();
        let throttle = self.login_throttle();
        let systems = self.store.system_account_ids().await?;
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
                    locked: self.sessions.login_delayed(&u.username, &throttle, now),
                    system: systems.contains(&u.id),
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
