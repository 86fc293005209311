//! Rows as the rest of jianfu sees them. Each derives `FromRow` for both backends and
//! `Serialize`/`Deserialize` for the portable export.

use jianfu_domain::{Org, OrgCode, OrgKind, Role};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct OrgRow {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub parent_code: Option<String>,
    pub created_at: i64,
}

impl OrgRow {
    /// Converts to the domain type; rows that fail to parse (only possible if the database was
    /// edited by hand) are skipped by callers rather than crashing a request.
    pub fn to_org(&self) -> Option<Org> {
        Some(Org {
            code: OrgCode::parse(&self.code).ok()?,
            name: self.name.clone(),
            kind: OrgKind::parse(&self.kind)?,
            parent: match &self.parent_code {
                Some(p) => Some(OrgCode::parse(p).ok()?),
                None => None,
            },
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct UserRow {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub org_code: String,
    /// Comma-separated role codes, e.g. `community_worker,community_director`.
    pub roles: String,
    pub password_hash: String,
    pub disabled: bool,
    pub failed_logins: i64,
    pub locked_until: Option<i64>,
    pub created_at: i64,
    pub password_changed_at: i64,
}

impl UserRow {
    pub fn role_list(&self) -> Vec<Role> {
        self.roles.split(',').filter_map(Role::parse).collect()
    }
    pub fn join_roles(roles: &[Role]) -> String {
        roles
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct SessionRow {
    pub token_hash: String,
    pub user_id: String,
    /// `web` (cookie) or `api` (bearer token from /api/v1/auth/login).
    pub kind: String,
    pub csrf_token: String,
    pub created_at: i64,
    pub last_seen_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct ApiTokenRow {
    pub id: String,
    pub token_hash: String,
    pub name: String,
    pub user_id: String,
    pub created_by: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct MetaRow {
    pub key: String,
    pub value: String,
}

/// What a state change says about itself; the store adds sequence number and hashes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditDraft {
    /// The chain it goes to: the acting organisation's code, `public` or `system` (see
    /// `App::audit` and docs/storage.md).
    pub chain: String,
    pub id: String,
    pub at: i64,
    pub actor: Option<String>,
    pub actor_role: Option<String>,
    pub action: String,
    pub object: String,
    pub result: String,
    pub client_addr: Option<String>,
    pub request_id: Option<String>,
    pub detail: String,
}

/// Filters for the audit admin's search page. Empty fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub object: Option<String>,
    pub from: Option<i64>,
    pub to: Option<i64>,
    /// Only this chain (an organisation's code, `public`, `system`).
    pub chain: Option<String>,
    /// Only records before this one in the page order `(at, chain, seq)`, newest first (for
    /// paging backwards).
    pub before: Option<(i64, String, i64)>,
    pub limit: i64,
}

/// A signed audit checkpoint as stored (`audit_checkpoints`); `heads` is the JSON list of
/// `ChainHead`s the root is built from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct AuditCheckpointRow {
    pub signed_at: i64,
    pub size: i64,
    pub root: String,
    pub hash_alg: String,
    pub key_id: String,
    pub signature: String,
    pub heads: String,
}
