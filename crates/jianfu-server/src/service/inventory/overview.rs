//! Counts before and after the clean-up, per community, street and department, and the months
//! over which they changed: the supervisor's page and the API.

use super::Readers;
use crate::service::{Actor, App, ServiceError};
use jianfu_domain::inventory::Status;
use jianfu_domain::inventory::series::{MonthPoint, last_months, monthly};
use jianfu_domain::org::OrgTree;
use jianfu_domain::permission::Permission;
use jianfu_domain::{OrgCode, OrgKind};
use jianfu_store::{InventoryCount, InventoryFilter, InventoryGroup};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// The counts of one community, street, department or the whole scope.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CountRow {
    pub code: String,
    pub name: String,
    /// For a community: its street.
    pub parent_name: String,
    /// Everything ever recorded ("before").
    pub before: i64,
    /// Still carried ("after"): found, kept or to remove.
    pub after: i64,
    pub found: i64,
    pub kept: i64,
    pub to_remove: i64,
    pub removed: i64,
    pub converted: i64,
}

impl CountRow {
    fn add(&mut self, status: &str, n: i64) {
        self.before += n;
        match Status::parse(status) {
            Some(Status::Found) => self.found += n,
            Some(Status::Kept) => self.kept += n,
            Some(Status::ToRemove) => self.to_remove += n,
            Some(Status::Removed) => self.removed += n,
            Some(Status::Converted) => self.converted += n,
            None => {}
        }
        if Status::parse(status).is_some_and(|s| s.is_carried()) {
            self.after += n;
        }
    }
    fn merge(&mut self, o: &CountRow) {
        self.before += o.before;
        self.after += o.after;
        self.found += o.found;
        self.kept += o.kept;
        self.to_remove += o.to_remove;
        self.removed += o.removed;
        self.converted += o.converted;
    }
    /// Share cleared, in whole percent (0 when nothing was recorded).
    pub fn cleared_percent(&self) -> i64 {
        if self.before == 0 {
            0
        } else {
            (self.removed + self.converted) * 100 / self.before
        }
    }
}

/// What a reader sees of the clean-up.
#[derive(Debug, Clone, Serialize)]
pub struct Overview {
    pub total: CountRow,
    pub streets: Vec<CountRow>,
    pub communities: Vec<CountRow>,
    pub departments: Vec<CountRow>,
    /// The last twelve months, ending this month.
    pub series: Vec<MonthPoint>,
}

fn rows(
    counts: &[InventoryCount],
    tree: &OrgTree,
    keep: impl Fn(&str) -> bool,
) -> BTreeMap<String, CountRow> {
    let mut out: BTreeMap<String, CountRow> = BTreeMap::new();
    for c in counts.iter().filter(|c| keep(&c.code)) {
        out.entry(c.code.clone())
            .or_insert_with(|| CountRow {
                code: c.code.clone(),
                name: tree.name_or_code(&c.code),
                ..CountRow::default()
            })
            .add(&c.status, c.n);
    }
    out
}

impl App {
    pub async fn inventory_overview(&self, actor: &Actor) -> Result<Overview, ServiceError> {
        actor.require(Permission::ViewInventory)?;
        let tree = self.org_tree().await?;
        let readers = Readers::of(actor, &tree)?;
        let (by_community, by_owner) = tokio::try_join!(
            self.store.inventory_counts(InventoryGroup::Community),
            self.store.inventory_counts(InventoryGroup::Owner),
        )?;
        let (filter, communities, owners) = match &readers {
            Readers::All => (
                InventoryFilter::default(),
                rows(&by_community, &tree, |_| true),
                rows(&by_owner, &tree, |_| true),
            ),
            Readers::Communities(c) => (
                InventoryFilter {
                    communities: Some(c.clone()),
                    ..InventoryFilter::default()
                },
                rows(&by_community, &tree, |code| c.iter().any(|x| x == code)),
                // Per owner, only within the reader's communities: not known from the district
                // counts, so left out (the community rows say it).
                BTreeMap::new(),
            ),
            Readers::Owner(o) => (
                InventoryFilter {
                    owner: Some(o.clone()),
                    ..InventoryFilter::default()
                },
                BTreeMap::new(),
                rows(&by_owner, &tree, |code| code == o),
            ),
        };
        let mut total = CountRow {
            name: "合计".into(),
            ..CountRow::default()
        };
        let mut streets: HashMap<String, CountRow> = HashMap::new();
        let mut community_rows = Vec::with_capacity(communities.len());
        for (code, mut row) in communities {
            total.merge(&row);
            let parent = OrgCode::parse(&code)
                .ok()
                .and_then(|c| tree.get(&c))
                .and_then(|o| o.parent.clone())
                .filter(|p| {
                    tree.get(p)
                        .is_some_and(|s| matches!(s.kind, OrgKind::Street | OrgKind::Town))
                });
            if let Some(p) = parent {
                row.parent_name = tree.name_or_code(p.as_str());
                streets
                    .entry(p.to_string())
                    .or_insert_with(|| CountRow {
                        code: p.to_string(),
                        name: tree.name_or_code(p.as_str()),
                        ..CountRow::default()
                    })
                    .merge(&row);
            }
            community_rows.push(row);
        }
        let mut departments: Vec<CountRow> = owners.into_values().collect();
        if matches!(readers, Readers::Owner(_)) {
            for d in &departments {
                total.merge(d);
            }
        }
        let mut streets: Vec<CountRow> = streets.into_values().collect();
        // The heaviest burden first: what a supervisor looks for.
        streets.sort_by(|a, b| b.after.cmp(&a.after).then(a.code.cmp(&b.code)));
        community_rows.sort_by(|a, b| b.after.cmp(&a.after).then(a.code.cmp(&b.code)));
        departments.sort_by(|a, b| b.after.cmp(&a.after).then(a.code.cmp(&b.code)));
        let per = self.store.inventory_months(&filter).await?;
        // A month can come twice (recorded and reopened): summed.
        let sum = |rows: Vec<(String, i64)>| {
            rows.into_iter()
                .fold(BTreeMap::new(), |mut m: BTreeMap<String, i64>, (k, n)| {
                    *m.entry(k).or_default() += n;
                    m
                })
        };
        let (found, cleared) = (sum(per.found), sum(per.cleared));
        let series = monthly(&found, &cleared, &last_months(self.today(), 12));
        Ok(Overview {
            total,
            streets,
            communities: community_rows,
            departments,
            series,
        })
    }
}
