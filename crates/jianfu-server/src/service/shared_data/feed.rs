//! Data sharing for department systems (三(六) 数据资源共享): the figures a department may read,
//! and a feed of entries and corrections since a cursor, so a department's system stays in step
//! without asking for everything again. A department reads the elements it owns and those its
//! own reports use; the district and supervisors read all.

use crate::service::{Actor, App, ServiceError};
use jianfu_domain::permission::Permission;
use jianfu_domain::scope::Scope;
use jianfu_domain::shared_data::ElementRegistry;
use jianfu_domain::shared_data::report::elements_of;
use jianfu_store::ChangeRow;
use serde::Serialize;
use std::collections::BTreeSet;

/// Entries younger than this are not served yet: the margin for clocks of several servers on one
/// PostgreSQL database (within one server, [`InFlight`] holds the feed back exactly).
const SETTLE_MS: i64 = 2_000;

/// The stamps (`changed_at`) of entries this server is writing now. A stamp is taken before the
/// transaction, which may wait for the write lock or be retried; until it commits, the feed
/// serves nothing at or after the oldest stamp still in flight, so a cursor never passes a row
/// that is yet to appear.
#[derive(Default)]
pub struct InFlight(std::sync::Mutex<std::collections::BTreeMap<i64, u32>>);

/// Removes its stamp when the write is over, committed or not.
pub struct InFlightGuard<'a> {
    set: &'a InFlight,
    at: i64,
}

impl InFlight {
    pub fn enter(&self, at: i64) -> InFlightGuard<'_> {
        let mut m = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *m.entry(at).or_insert(0) += 1;
        InFlightGuard { set: self, at }
    }
    fn oldest(&self) -> Option<i64> {
        let m = self.0.lock().unwrap_or_else(|e| e.into_inner());
        m.keys().next().copied()
    }
}

impl Drop for InFlightGuard<'_> {
    fn drop(&mut self) {
        let mut m = self.set.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = m.get_mut(&self.at) {
            *n -= 1;
            if *n == 0 {
                m.remove(&self.at);
            }
        }
    }
}
pub const MAX_FEED: i64 = 1_000;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ChangeOut {
    pub community: String,
    pub element: String,
    pub period: String,
    /// 按数据元的小数位显示的数。
    pub value: String,
    /// 更正前的数；首次填报为空。
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_value: Option<String>,
    pub revision: i32,
    pub reason: String,
    /// `form` 页面、`import` 表格导入、`api`。
    pub source: String,
    pub changed_at: String,
    /// 以此为 `after` 取下一批。
    pub cursor: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ChangeFeed {
    pub changes: Vec<ChangeOut>,
    /// 下一次请求带上的游标；没有新变化时与请求的相同。
    pub next: String,
}

/// One change as the feed and the history show it: figures in the element's own decimals.
pub fn change_out(r: &ChangeRow, reg: &ElementRegistry) -> ChangeOut {
    let show = |v: i64| reg.get(&r.element).map_or(v.to_string(), |e| e.show(v));
    ChangeOut {
        community: r.community.clone(),
        element: r.element.clone(),
        period: r.period.clone(),
        value: show(r.new_value),
        old_value: r.old_value.map(show),
        revision: r.revision,
        reason: r.reason.clone(),
        source: r.source.clone(),
        changed_at: jianfu_domain::clock::format_beijing(r.changed_at),
        cursor: format!("{}_{}", r.changed_at, r.id),
    }
}

impl App {
    /// Changes stamped before this are all committed (or never will be).
    fn feed_horizon(&self) -> i64 {
        let settled = self.now_ms() - SETTLE_MS;
        self.data_writes
            .oldest()
            .map_or(settled, |o| o.min(settled))
    }
    /// Elements the actor's organisation may pull: all for the district and supervisors; for a
    /// department, its own elements and those its reports use.
    pub(crate) async fn pullable_elements(
        &self,
        actor: &Actor,
    ) -> Result<BTreeSet<String>, ServiceError> {
        actor.require(Permission::ViewSharedData)?;
        let reg = self.shared_elements().await?;
        match actor.scope() {
            Scope::District => Ok(reg.elements.iter().map(|e| e.code.clone()).collect()),
            Scope::Department(dept) => {
                let mut out: BTreeSet<String> = reg
                    .elements
                    .iter()
                    .filter(|e| e.owner == dept.as_str())
                    .map(|e| e.code.clone())
                    .collect();
                for r in self.store.report_definitions().await? {
                    if r.department == dept.as_str() && r.withdrawn_at.is_none() {
                        out.extend(elements_of(&super::reports::columns_of(&r)));
                    }
                }
                Ok(out)
            }
            // Streets and communities read reports; the district-wide feed is not theirs.
            _ => Err(ServiceError::Forbidden),
        }
    }

    /// Entries and corrections after `after` (a cursor from an earlier answer; none: from the
    /// beginning), oldest first.
    pub async fn shared_data_changes(
        &self,
        actor: &Actor,
        after: Option<&str>,
        limit: Option<i64>,
    ) -> Result<ChangeFeed, ServiceError> {
        let elements: Vec<String> = self.pullable_elements(actor).await?.into_iter().collect();
        let bad = || ServiceError::Rejected {
            code: "invalid_cursor",
            message: "游标看不懂：请用上一次返回的 next 原样带回，或不带从头取。".into(),
        };
        let cursor = match after.map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(c) => {
                let (ms, id) = c.split_once('_').ok_or_else(bad)?;
                let ms: i64 = ms.parse().map_err(|_| bad())?;
                if id.is_empty() || id.len() > 64 {
                    return Err(bad());
                }
                Some((ms, id.to_string()))
            }
        };
        let limit = limit.unwrap_or(200).clamp(1, MAX_FEED);
        let reg = self.shared_elements().await?;
        let rows = self
            .store
            .value_changes_since(cursor.clone(), self.feed_horizon(), &elements, limit)
            .await?;
        let changes: Vec<ChangeOut> = rows.iter().map(|r| change_out(r, &reg)).collect();
        let next = changes
            .last()
            .map(|c| c.cursor.clone())
            .or_else(|| cursor.map(|(ms, id)| format!("{ms}_{id}")))
            .unwrap_or_default();
        Ok(ChangeFeed { changes, next })
    }
}

/// One element's figures for one period, community by community (三(六) 数据共享).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ElementValues {
    pub element: String,
    pub name: String,
    pub unit: String,
    pub period: String,
    /// 区、街道或社区代码。
    pub org: String,
    pub values: Vec<CommunityValue>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CommunityValue {
    pub community: String,
    pub community_name: String,
    pub value: String,
    pub revision: i32,
    pub entered_at: String,
}

impl App {
    /// Each community's figure of `element` for `period` within `org` (default: the reader's
    /// widest). A department reads the elements it may pull, like the change feed.
    pub async fn element_values(
        &self,
        actor: &Actor,
        element: &str,
        period: &str,
        org: Option<&str>,
    ) -> Result<ElementValues, ServiceError> {
        actor.require(Permission::ViewSharedData)?;
        let reg = self.shared_elements().await?;
        let e = reg
            .find(element)
            .ok_or_else(|| ServiceError::Rejected {
                code: "unknown_element",
                message: format!(
                    "没有“{}”这个在用的共享数据元。",
                    element.chars().take(40).collect::<String>()
                ),
            })?
            .clone();
        if matches!(actor.scope(), Scope::Department(_))
            && !self.pullable_elements(actor).await?.contains(&e.code)
        {
            return Err(ServiceError::Forbidden);
        }
        let period = jianfu_domain::shared_data::Period::parse(period)?;
        if period.kind != e.period {
            return Err(ServiceError::Rejected {
                code: "wrong_period_type",
                message: format!(
                    "“{}”{}填报，请按{}写统计期。",
                    e.name,
                    e.period.label_zh(),
                    e.period.label_zh()
                ),
            });
        }
        let (org, scope, tree) = self.data_org(actor, org).await?;
        let rows = self
            .store
            .element_values(&scope, &e.code, &period.key())
            .await?;
        Ok(ElementValues {
            element: e.code.clone(),
            name: e.name.clone(),
            unit: e.unit.clone(),
            period: period.key(),
            org: org.code.to_string(),
            values: rows
                .iter()
                .map(|r| CommunityValue {
                    community_name: tree.name_or_code(&r.community),
                    community: r.community.clone(),
                    value: e.show(r.value),
                    revision: r.revision,
                    entered_at: jianfu_domain::clock::format_beijing(r.entered_at),
                })
                .collect(),
        })
    }
}
