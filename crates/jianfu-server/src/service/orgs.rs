//! The organisation tree, read often and changed rarely, so it is cached for a short while.

use super::{Actor, App, ServiceError};
use jianfu_domain::Org;
use jianfu_domain::org::OrgTree;
use std::sync::{Arc, RwLock};

const TTL_MS: i64 = 30_000;

#[derive(Default)]
pub struct OrgCache(RwLock<Option<(Arc<OrgTree>, i64)>>);

impl OrgCache {
    pub fn invalidate(&self) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

impl App {
    pub async fn org_tree(&self) -> Result<Arc<OrgTree>, ServiceError> {
        let now = self.now_ms();
        if let Some((tree, at)) = &*self.orgs.0.read().unwrap_or_else(|e| e.into_inner())
            && now - at < TTL_MS
        {
            return Ok(tree.clone());
        }
        let rows = self.store.list_orgs().await?;
        let tree = Arc::new(OrgTree::new(
            rows.iter().filter_map(|r| r.to_org()).collect(),
        ));
        *self.orgs.0.write().unwrap_or_else(|e| e.into_inner()) = Some((tree.clone(), now));
        Ok(tree)
    }

    /// The organisations the actor may see, in code order.
    pub async fn visible_orgs(&self, actor: &Actor) -> Result<Vec<Org>, ServiceError> {
        let tree = self.org_tree().await?;
        Ok(actor
            .scope()
            .visible_orgs(&tree)
            .into_iter()
            .cloned()
            .collect())
    }
}
