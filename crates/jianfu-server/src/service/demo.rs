//! The demo district: Daxing's real streets and towns (data/demo/district.toml, with sources),
//! invented communities, the district departments, and one account per role. Loaded once.

use super::accounts::NewAccount;
use super::{Actor, App, RequestMeta, ServiceError};
use jianfu_domain::{OrgCode, OrgKind};
use jianfu_store::OrgRow;
use serde::Deserialize;

const DISTRICT_TOML: &str = include_str!("../../../../data/demo/district.toml");
const LOADED_KEY: &str = "demo_loaded";

/// Every demo account has this password. It satisfies the password policy and is printed at first
/// start and listed in README.md.
pub const DEMO_PASSWORD: &str = "Jianfu@2026";

/// (username, display name, role, org code)
pub const DEMO_ACCOUNTS: &[(&str, &str, &str, &str)] = &[
    ("jumin", "王居民（演示）", "resident", "110115001901"),
    (
        "shegong",
        "李社工（演示）",
        "community_worker",
        "110115001901",
    ),
    (
        "shuji",
        "张书记（演示）",
        "community_director",
        "110115001901",
    ),
    (
        "shegong2",
        "赵社工（演示）",
        "community_worker",
        "110115001902",
    ),
    ("jiedao", "刘干部（演示）", "street_officer", "110115001"),
    (
        "minzheng",
        "陈经办（演示）",
        "department_clerk",
        "110115-MZJ",
    ),
    (
        "shenpi",
        "孙审批（演示）",
        "district_approver",
        "110115-SHB",
    ),
    ("ducha", "周督查（演示）", "supervisor", "110115"),
    ("sysadmin", "系统管理员（演示）", "system_admin", "110115"),
    ("secadmin", "安全管理员（演示）", "security_admin", "110115"),
    ("auditadmin", "审计管理员（演示）", "audit_admin", "110115"),
];

#[derive(Deserialize)]
struct DistrictFile {
    district: Named,
    divisions: Vec<Division>,
    departments: Vec<Named>,
}
#[derive(Deserialize)]
struct Named {
    code: String,
    name: String,
}
#[derive(Deserialize)]
struct Division {
    code: String,
    name: String,
    kind: String,
    communities: Vec<Named>,
}

/// The demo organisations, parents first.
pub fn demo_orgs(now: i64) -> Result<Vec<OrgRow>, ServiceError> {
    let f: DistrictFile = toml::from_str(DISTRICT_TOML)
        .map_err(|e| ServiceError::Internal(format!("data/demo/district.toml: {e}")))?;
    let row = |code: &str, name: &str, kind: OrgKind, parent: Option<&str>| {
        let code = OrgCode::parse(code).map_err(|e| ServiceError::Internal(e.to_string()))?;
        Ok::<_, ServiceError>(OrgRow {
            code: code.to_string(),
            name: name.to_string(),
            kind: kind.as_str().into(),
            parent_code: parent.map(str::to_string),
            created_at: now,
        })
    };
    let mut out = vec![row(
        &f.district.code,
        &f.district.name,
        OrgKind::District,
        None,
    )?];
    for d in &f.departments {
        out.push(row(
            &d.code,
            &d.name,
            OrgKind::Department,
            Some(&f.district.code),
        )?);
    }
    for div in &f.divisions {
        let kind = OrgKind::parse(&div.kind)
            .filter(|k| matches!(k, OrgKind::Street | OrgKind::Town))
            .ok_or_else(|| ServiceError::Internal(format!("{}: kind {}", div.code, div.kind)))?;
        out.push(row(&div.code, &div.name, kind, Some(&f.district.code))?);
    }
    for div in &f.divisions {
        for c in &div.communities {
            out.push(row(&c.code, &c.name, OrgKind::Community, Some(&div.code))?);
        }
    }
    Ok(out)
}

impl App {
    /// Loads the demo district unless it was loaded before. Returns whether it loaded now.
    pub async fn load_demo(&self, meta: &RequestMeta) -> Result<bool, ServiceError> {
        self.ensure_catalog(meta).await?;
        self.ensure_demo_mandates(meta).await?;
        if self.store.get_meta(LOADED_KEY).await?.is_some() {
            return Ok(false);
        }
        let console = Actor::console();
        let orgs = demo_orgs(self.now_ms())?;
        let mut a = self.audit(&console, meta, "org.import", "orgs:demo");
        a.detail = serde_json::json!({"count": orgs.len(), "source": "data/demo/district.toml"})
            .to_string();
        self.store.insert_orgs(&orgs, a).await?;
        self.orgs.invalidate();
        for (username, name, role, org) in DEMO_ACCOUNTS {
            let new = NewAccount {
                username: username.to_string(),
                display_name: name.to_string(),
                password: DEMO_PASSWORD.to_string(),
                roles: vec![role.to_string()],
                org: org.to_string(),
            };
            // The demo password is published as the demo people's own, so it is not one-time.
            self.create_account_owned(&console, meta, &new).await?;
        }
        // The demo administrators log in with a second factor too, from published secrets.
        self.enrol_demo_second_factors(meta).await?;
        let a = self.audit(&console, meta, "demo.load", "meta:demo_loaded");
        self.store.set_meta(LOADED_KEY, "1", a).await?;
        Ok(true)
    }

    pub async fn is_demo(&self) -> bool {
        use std::sync::atomic::Ordering;
        if self.demo_seen.load(Ordering::Relaxed) {
            return true;
        }
        let loaded = matches!(self.store.get_meta(LOADED_KEY).await, Ok(Some(_)));
        if loaded {
            self.demo_seen.store(true, Ordering::Relaxed);
        }
        loaded
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_district_is_daxing_with_its_streets_and_towns() {
        let orgs = demo_orgs(0).unwrap();
        let names: Vec<&str> = orgs.iter().map(|o| o.name.as_str()).collect();
        for n in [
            "兴丰街道",
            "博兴街道",
            "黄村镇",
            "长子营镇",
            "区民政局",
            "区城管执法局",
        ] {
            assert!(names.contains(&n), "{n}");
        }
        assert_eq!(orgs.iter().filter(|o| o.kind == "street").count(), 8);
        assert_eq!(orgs.iter().filter(|o| o.kind == "town").count(), 14);
        for (_, _, _, org) in DEMO_ACCOUNTS {
            assert!(orgs.iter().any(|o| &o.code == org), "{org}");
        }
    }
}
