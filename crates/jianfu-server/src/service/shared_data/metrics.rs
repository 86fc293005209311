//! The burden figures of collect-once (一表通): how many fields communities enter per period,
//! how many report cells departments receive from them, the reuse between the two, and how many
//! pushed-down forms the reports replaced. Computed when read, like the reports.

use crate::service::{Actor, App, ServiceError};
use jianfu_domain::OrgKind;
use jianfu_domain::permission::Permission;
use jianfu_domain::shared_data::report::reuse_ratio;
use jianfu_domain::shared_data::{Period, PeriodType};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BurdenMetrics {
    /// 统计的月份（默认上月）。
    pub period: String,
    pub period_label: String,
    /// 全区社区数。
    pub communities: i64,
    /// 当月填了数的社区数、填报的字段数（每个社区每个数据元一次）。
    pub communities_entering: i64,
    pub fields_entered: i64,
    /// 在用的报表数，及这些报表本期向部门提供的单元格数（列数 × 社区数）。
    pub reports_active: usize,
    pub cells_served: i64,
    /// 单元格数 ÷ 字段数：社区填一个数，部门拿到几个格子。
    pub reuse_ratio: Option<f64>,
    /// 注明替代了原下派报表的报表数。
    pub forms_replaced: usize,
    pub by_department: Vec<DepartmentMetric>,
    /// 最近 12 个月每月填报的字段数。
    pub months: Vec<MonthMetric>,
    /// 当月各类电子台账的记录数。
    pub ledger_records: Vec<LedgerMetric>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DepartmentMetric {
    pub department: String,
    pub name: String,
    pub reports: usize,
    pub cells: i64,
    pub replaced: usize,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MonthMetric {
    pub period: String,
    pub communities: i64,
    pub fields: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LedgerMetric {
    pub template: String,
    pub name: String,
    pub records: i64,
}

impl App {
    /// The figures for `month` (`YYYY-MM`; default: last month, the latest whose figures are in).
    pub async fn burden_metrics(
        &self,
        actor: &Actor,
        month: Option<&str>,
    ) -> Result<BurdenMetrics, ServiceError> {
        actor.require(Permission::ViewSharedData)?;
        let tree = self.org_tree().await?;
        let communities = tree.count(OrgKind::Community) as i64;
        let month = match month.map(str::trim).filter(|m| !m.is_empty()) {
            None => super::entry::period_or_current(self, None, PeriodType::Monthly)?.previous(),
            Some(m) => super::entry::period_or_current(self, Some(m), PeriodType::Monthly)?,
        };
        if month.kind != PeriodType::Monthly {
            return Err(ServiceError::Rejected {
                code: "invalid_period",
                message: "减负成效按月统计：请写 2026-11 这样的月份。".into(),
            });
        }
        let mut first = month;
        for _ in 0..11 {
            first = first.previous();
        }
        // A month's burden: the figures of every period that ends with it (the month; the
        // quarter in March, June, September, December; the year in December).
        let mut counts = self.store.entry_counts(&first.key(), &month.key()).await?;
        let mut p = first;
        for _ in 0..12 {
            for kind in [PeriodType::Quarterly, PeriodType::Yearly] {
                let q = Period::containing(kind, p.year, p.index + 1);
                if q.ends_in(p.year, p.index + 1) {
                    for mut c in self.store.entry_counts(&q.key(), &q.key()).await? {
                        c.period = p.key();
                        counts.push(c);
                    }
                }
            }
            p = p.next();
        }
        let in_month = |key: String| counts.iter().filter(move |c| c.period == key);
        let fields_entered: i64 = in_month(month.key()).map(|c| c.fields).sum();
        let communities_entering = in_month(month.key())
            .map(|c| c.communities)
            .max()
            .unwrap_or(0);
        let mut months = Vec::new();
        let mut p = first;
        for _ in 0..12 {
            months.push(MonthMetric {
                period: p.key(),
                communities: in_month(p.key()).map(|c| c.communities).max().unwrap_or(0),
                fields: in_month(p.key()).map(|c| c.fields).sum(),
            });
            p = p.next();
        }
        // The reports in use during the month whose period ends with it: each gives its
        // department one cell per column per community.
        let (month_start, month_end) = (month_start_ms(month), month_start_ms(month.next()));
        let reg = self.shared_elements().await?;
        let reports = self.store.report_definitions().await?;
        let active: Vec<_> = reports
            .iter()
            .filter(|r| r.created_at < month_end && r.withdrawn_at.is_none_or(|w| w >= month_start))
            .collect();
        let mut by: BTreeMap<String, DepartmentMetric> = BTreeMap::new();
        let mut cells_served = 0i64;
        let mut forms_replaced = 0;
        for r in &active {
            let columns = super::reports::columns_of(r);
            let kind = super::reports::period_type_of(&columns, &reg);
            let due = Period::containing(kind, month.year, month.index + 1)
                .ends_in(month.year, month.index + 1);
            let cells = if due {
                jianfu_domain::shared_data::report::cells_served(
                    columns.len(),
                    communities as usize,
                ) as i64
            } else {
                0
            };
            cells_served += cells;
            let replaced = usize::from(!r.replaces.trim().is_empty());
            forms_replaced += replaced;
            let m = by
                .entry(r.department.clone())
                .or_insert_with(|| DepartmentMetric {
                    department: r.department.clone(),
                    name: tree.name_or_code(&r.department),
                    reports: 0,
                    cells: 0,
                    replaced: 0,
                });
            m.reports += 1;
            m.cells += cells;
            m.replaced += replaced;
        }
        let mut by_department: Vec<_> = by.into_values().collect();
        by_department.sort_by(|a, b| b.cells.cmp(&a.cells).then(a.name.cmp(&b.name)));
        let templates = jianfu_domain::shared_data::ledger::Templates::shipped();
        let first_day = format!("{}-01", month.key());
        let last_day = format!("{}-31", month.key());
        let ledger_records = self
            .store
            .ledger_counts(&first_day, &last_day)
            .await?
            .into_iter()
            .map(|(t, n)| LedgerMetric {
                name: templates.get(&t).map_or(t.clone(), |x| x.name.clone()),
                template: t,
                records: n,
            })
            .collect();
        Ok(BurdenMetrics {
            period: month.key(),
            period_label: month.label_zh(),
            communities,
            communities_entering,
            fields_entered,
            reports_active: active.len(),
            cells_served,
            reuse_ratio: reuse_ratio(cells_served, fields_entered),
            forms_replaced,
            by_department,
            months,
            ledger_records,
        })
    }
}

/// Midnight in Beijing at the start of a month, in epoch milliseconds.
fn month_start_ms(month: Period) -> i64 {
    let m = time::Month::try_from((month.index + 1) as u8).unwrap_or(time::Month::January);
    let day = time::Date::from_calendar_date(month.year, m, 1).unwrap_or(time::Date::MIN);
    let t = day.midnight().assume_offset(time::macros::offset!(+8));
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}
