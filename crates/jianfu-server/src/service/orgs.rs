//! The organisation tree, and which organisations hold a role: read often and changed rarely,
//! so both are cached for a short while (`TTL_MS` bounds how stale another server's copy gets).

use super::{Actor, App, ServiceError};
use jianfu_domain::org::OrgTree;
use jianfu_domain::scope::Scope;
use jianfu_domain::{Org, Role};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

const TTL_MS: i64 = 30_000;

/// The tree, and per scope the list of organisations visible in it (computed on first use).
#[derive(Default)]
pub struct OrgCache {
    tree: RwLock<Option<(Arc<OrgTree>, i64)>>,
    visible: Mutex<HashMap<Scope, Arc<[Org]>>>,
    /// The district's code, kept across invalidations (it does not change once set up).
    district: RwLock<Option<String>>,
    /// Per role, the organisations where an enabled account holds it, and when that was read.
    holders: Mutex<HashMap<Role, Holders>>,
}

/// Organisation codes, and when they were read (ms).
type Holders = (Arc<[String]>, i64);

impl OrgCache {
    /// The district's code (the root organisation of kind district), once the tree has been read.
    pub fn district_code(&self) -> Option<String> {
        self.district
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn invalidate(&self) {
        *self.tree.write().unwrap_or_else(|e| e.into_inner()) = None;
        self.visible
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        self.accounts_changed();
    }

    /// An account was created, disabled or enabled: who holds which role is read again.
    pub fn accounts_changed(&self) {
        self.holders
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

impl App {
    pub async fn org_tree(&self) -> Result<Arc<OrgTree>, ServiceError> {
        let now = self.now_ms();
        if let Some((tree, at)) = &*self.orgs.tree.read().unwrap_or_else(|e| e.into_inner())
            && now - at < TTL_MS
        {
            return Ok(tree.clone());
        }
        let rows = self.store.list_orgs().await?;
        let tree = Arc::new(OrgTree::new(
            rows.iter().filter_map(|r| r.to_org()).collect(),
        ));
        if let Some(d) = tree
            .all()
            .iter()
            .find(|o| o.parent.is_none() && o.kind == jianfu_domain::OrgKind::District)
        {
            *self
                .orgs
                .district
                .write()
                .unwrap_or_else(|e| e.into_inner()) = Some(d.code.to_string());
        }
        *self.orgs.tree.write().unwrap_or_else(|e| e.into_inner()) = Some((tree.clone(), now));
        self.orgs
            .visible
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        Ok(tree)
    }

    /// The organisations where an enabled account holds `role`, in code order. Every violation
    /// report asks this (to tell the supervisors); a district of thousands of communities has
    /// thousands of accounts, so the answer is kept like the tree (issue 14 §2).
    pub(crate) async fn orgs_holding(&self, role: Role) -> Result<Arc<[String]>, ServiceError> {
        let now = self.now_ms();
        if let Some((orgs, at)) = self
            .orgs
            .holders
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&role)
            && now - at < TTL_MS
        {
            return Ok(orgs.clone());
        }
        let orgs: Arc<[String]> = self.store.orgs_with_role(role.as_str()).await?.into();
        self.orgs
            .holders
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(role, (orgs.clone(), now));
        Ok(orgs)
    }

    /// The organisations the actor may see, in code order. Shared: the list is computed once per
    /// scope while the tree stays cached.
    pub async fn visible_orgs(&self, actor: &Actor) -> Result<Arc<[Org]>, ServiceError> {
        let tree = self.org_tree().await?;
        let scope = actor.scope();
        let mut cache = self.orgs.visible.lock().unwrap_or_else(|e| e.into_inner());
        let list = cache
            .entry(scope)
            .or_insert_with_key(|scope| scope.visible_orgs(&tree).into_iter().cloned().collect());
        Ok(list.clone())
    }
}
