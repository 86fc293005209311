//! Department reports over shared elements: a definition is columns (element × function); the
//! report is computed when read — for the district (a row per street), a street (a row per
//! community) or one community — with one aggregate query, and stamped with the time of the
//! newest figure it holds. A definition may only use elements in force, so defining one asks
//! communities for nothing new (三(二) 精简和压缩各类报表, 三(六) 数据资源共享).

use crate::service::{Actor, App, RequestMeta, ServiceError, text_field};
use jianfu_domain::permission::Permission;
use jianfu_domain::shared_data::report::{
    Cell, Column, Figures, Func, ReportError, cell, check_columns, elements_of,
};
use jianfu_domain::shared_data::{ElementRegistry, PeriodType};
use jianfu_domain::{OrgCode, OrgKind};
use jianfu_store::{AggregateQuery, AggregateScope, ElementWindow, ReportDefinitionRow};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ColumnInput {
    #[serde(default)]
    pub label: String,
    /// `sum` 合计、`count` 填报社区数、`average` 平均每社区、`latest` 最近一期、`ratio` 比率（%）。
    #[serde(default)]
    pub func: String,
    /// 数据元代码。
    #[serde(default)]
    pub element: String,
    /// 比率的分母数据元代码。
    #[serde(default)]
    pub denominator: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportInput {
    #[serde(default)]
    pub title: String,
    /// 这张报表替代的、原来要社区填的表（可空）：计入“替代下派报表数”。
    #[serde(default)]
    pub replaces: String,
    #[serde(default)]
    pub columns: Vec<ColumnInput>,
}

/// A definition as the list and the API show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReportView {
    pub code: String,
    pub department: String,
    pub department_name: String,
    pub title: String,
    pub replaces: String,
    pub columns: Vec<ColumnView>,
    /// 最粗的统计期类型：报表默认按它出数。
    pub period_type: String,
    pub created_at: String,
    pub withdrawn: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ColumnView {
    pub label: String,
    pub func: String,
    pub func_label: String,
    pub element: String,
    pub element_name: String,
    pub unit: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub denominator: Option<String>,
}

/// A generated report.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReportTable {
    pub report: ReportView,
    /// 机构代码及名称（区、街道或社区）。
    pub org: String,
    pub org_name: String,
    /// 每行是什么：`street` 街道、`community` 社区。
    pub row_kind: String,
    pub period: String,
    pub period_label: String,
    pub rows: Vec<TableRow>,
    pub total: TableRow,
    /// 表中最新一个数的填报时间（北京时间）；没有数时为空。报表在读取时计算，始终是当前数据。
    pub as_of: Option<String>,
    /// 本表提供的单元格数：列数 × 所含社区数（与减负成效的算法相同）。
    pub cells: usize,
    /// 已停用的数据元（准入事项撤销或到期）及说明。
    pub retired: Vec<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TableRow {
    pub code: String,
    pub name: String,
    /// 有数的社区 / 应有的社区。
    pub reporting: i64,
    pub expected: i64,
    #[schema(value_type = Vec<Object>)]
    pub cells: Vec<Cell>,
}

fn report_error(e: ReportError) -> ServiceError {
    ServiceError::rejected(e.code(), e.to_string())
}

pub(crate) fn columns_of(r: &ReportDefinitionRow) -> Vec<Column> {
    serde_json::from_str(&r.columns_json).unwrap_or_default()
}

/// The coarsest period type among a report's elements: the finest period it can be read for.
pub(crate) fn period_type_of(columns: &[Column], reg: &ElementRegistry) -> PeriodType {
    elements_of(columns)
        .iter()
        .filter_map(|c| reg.get(c))
        .map(|e| e.period)
        .max()
        .unwrap_or(PeriodType::Monthly)
}

fn view_of(
    r: &ReportDefinitionRow,
    reg: &ElementRegistry,
    tree: &jianfu_domain::org::OrgTree,
) -> ReportView {
    let columns = columns_of(r);
    ReportView {
        code: r.code.clone(),
        department: r.department.clone(),
        department_name: tree.name_or_code(&r.department),
        title: r.title.clone(),
        replaces: r.replaces.clone(),
        period_type: period_type_of(&columns, reg).as_str().into(),
        columns: columns
            .iter()
            .map(|c| {
                let e = reg.get(&c.element);
                ColumnView {
                    label: c.label.clone(),
                    func: c.func.as_str().into(),
                    func_label: c.func.label_zh().into(),
                    element: c.element.clone(),
                    element_name: e.map_or(c.element.clone(), |e| e.name.clone()),
                    unit: match c.func {
                        Func::Ratio => "%".into(),
                        Func::Count => "个社区".into(),
                        _ => e.map_or(String::new(), |e| e.unit.clone()),
                    },
                    denominator: c.denominator.clone(),
                }
            })
            .collect(),
        created_at: jianfu_domain::clock::format_beijing(r.created_at),
        withdrawn: r.withdrawn_at.is_some(),
    }
}

impl App {
    /// A department (or street) defines a report over elements in force.
    pub async fn define_report(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        input: &ReportInput,
    ) -> Result<ReportView, ServiceError> {
        actor.require(Permission::DefineReports)?;
        let department = actor.org.clone().ok_or(ServiceError::Forbidden)?;
        let title = text_field::line(&input.title, 100, "报表名称")?;
        if title.is_empty() {
            return Err(ServiceError::rejected(
                "report_title_required",
                "请填写报表名称。".into(),
            ));
        }
        let replaces = text_field::line(&input.replaces, 100, "替代的报表")?;
        let reg = self.shared_elements().await?;
        let mut columns = Vec::new();
        // The number each column had on the form, blank lines included.
        let mut numbers = Vec::new();
        for (i, c) in input.columns.iter().enumerate() {
            let n = i + 1;
            if c.element.trim().is_empty() && c.label.trim().is_empty() {
                continue; // an empty line of the form
            }
            let func = Func::parse(&c.func).ok_or_else(|| {
                ServiceError::rejected(
                    "invalid_func",
                    format!("第 {n} 列的汇总方式只能是 sum、count、average、latest、ratio。"),
                )
            })?;
            let element = reg
                .find(&c.element)
                .map_or(c.element.trim().to_string(), |e| e.code.clone());
            let denominator = c
                .denominator
                .as_deref()
                .map(str::trim)
                .filter(|d| !d.is_empty() && func == Func::Ratio)
                .map(|d| reg.find(d).map_or(d.to_string(), |e| e.code.clone()));
            let label = text_field::line(&c.label, 40, &format!("第 {n} 列的列名"))?;
            numbers.push(n);
            columns.push(Column {
                label: if label.is_empty() {
                    reg.get(&element).map_or(String::new(), |e| e.name.clone())
                } else {
                    label
                },
                func,
                element,
                denominator,
            });
        }
        check_columns(&columns, &reg).map_err(|e| report_error(e.renumbered(&numbers)))?;
        let code = format!("R{}", crate::service::short_id()?);
        let row = ReportDefinitionRow {
            code: code.clone(),
            department: department.to_string(),
            title,
            replaces,
            columns_json: serde_json::to_string(&columns).unwrap_or_else(|_| "[]".into()),
            created_by: actor.username.clone().unwrap_or_default(),
            created_at: self.now_ms(),
            withdrawn_at: None,
        };
        let mut audit = self.audit(
            actor,
            meta,
            "shared_data.define_report",
            format!("report:{code}"),
        );
        audit.detail = serde_json::json!({
            "rule": "served_from_shared_data",
            "citation": jianfu_domain::shared_data::report::citation(),
            "elements": elements_of(&columns),
        })
        .to_string();
        self.store.define_report(&row, audit).await?;
        let tree = self.org_tree().await?;
        Ok(view_of(&row, &reg, &tree))
    }

    /// Withdraws one's own report (it stops counting as served).
    pub async fn withdraw_report(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        code: &str,
    ) -> Result<(), ServiceError> {
        actor.require(Permission::DefineReports)?;
        let r = self.report_row(code).await?;
        if actor.org.as_ref().map(|o| o.as_str()) != Some(r.department.as_str()) {
            return Err(ServiceError::Forbidden);
        }
        let audit = self.audit(
            actor,
            meta,
            "shared_data.withdraw_report",
            format!("report:{}", r.code),
        );
        if !self
            .store
            .withdraw_report(&r.code, self.now_ms(), audit)
            .await?
        {
            return Err(ServiceError::Conflict("这张报表已经停用。".into()));
        }
        Ok(())
    }

    async fn report_row(&self, code: &str) -> Result<ReportDefinitionRow, ServiceError> {
        self.store
            .report_definition(code.trim())
            .await?
            .ok_or_else(|| ServiceError::NotFound("没有这张报表".into()))
    }

    /// Every report definition (any staff member with shared-data access), newest first.
    pub async fn report_views(&self, actor: &Actor) -> Result<Vec<ReportView>, ServiceError> {
        actor.require(Permission::ViewSharedData)?;
        let reg = self.shared_elements().await?;
        let tree = self.org_tree().await?;
        Ok(self
            .store
            .report_definitions()
            .await?
            .iter()
            .map(|r| view_of(r, &reg, &tree))
            .collect())
    }

    /// Generates a report for `org` (default: the reader's widest) and `period` (default: the
    /// last period of the report's type that has ended).
    pub async fn generate_report(
        &self,
        actor: &Actor,
        code: &str,
        org: Option<&str>,
        period: Option<&str>,
    ) -> Result<ReportTable, ServiceError> {
        actor.require(Permission::ViewSharedData)?;
        let row = self.report_row(code).await?;
        let reg = self.shared_elements().await?;
        let columns = columns_of(&row);
        let kind = period_type_of(&columns, &reg);
        // By default the last period that has ended: a month's report is read once the month
        // is over and its figures are in.
        let period = match period.map(str::trim).filter(|p| !p.is_empty()) {
            Some(_) => super::entry::period_or_current(self, period, kind)?,
            None => super::entry::period_or_current(self, None, kind)?.previous(),
        };
        let (org, scope, tree) = self.data_org(actor, org).await?;
        // One window per period type: keys of different types never mix.
        let mut windows: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
        for code in elements_of(&columns) {
            let Some(e) = reg.get(&code) else { continue };
            let w = period
                .window_for(&e.name, e.period)
                .map_err(|err| ServiceError::rejected(err.code(), err.to_string()))?;
            windows.entry(w).or_default().push(code);
        }
        let q = AggregateQuery {
            scope: scope.clone(),
            windows: windows
                .into_iter()
                .map(|((first, last), elements)| ElementWindow {
                    elements,
                    first,
                    last,
                })
                .collect(),
        };
        let agg = self.store.aggregate_values(&q).await?;
        let mut by_group: HashMap<String, HashMap<String, Figures>> = HashMap::new();
        for a in agg {
            by_group.entry(a.group_code).or_default().insert(
                a.element,
                Figures {
                    communities: a.communities,
                    sum_all: a.sum_all,
                    sum_latest: a.sum_latest,
                    last_entered_at: a.last_entered_at,
                },
            );
        }
        // Communities per street, in one pass over the tree (a district of 600,000 communities has
        // hundreds of streets: a pass per street would be hundreds of millions of steps).
        let mut per_street: HashMap<&str, i64> = HashMap::new();
        for o in tree.all().iter().filter(|o| o.kind == OrgKind::Community) {
            if let Some(p) = &o.parent {
                *per_street.entry(p.as_str()).or_default() += 1;
            }
        }
        let communities_under = |code: &OrgCode| -> i64 {
            match tree.get(code).map(|o| o.kind) {
                Some(OrgKind::Community) => 1,
                Some(OrgKind::Street | OrgKind::Town) => {
                    per_street.get(code.as_str()).copied().unwrap_or(0)
                }
                // The district: every community under one of its streets.
                _ => tree
                    .children(code)
                    .map(|s| per_street.get(s.code.as_str()).copied().unwrap_or(0))
                    .sum(),
            }
        };
        let (row_orgs, row_kind): (Vec<_>, &str) = match scope {
            AggregateScope::District(_) => (
                tree.children(&org.code)
                    .filter(|o| matches!(o.kind, OrgKind::Street | OrgKind::Town))
                    .cloned()
                    .collect(),
                "street",
            ),
            AggregateScope::Street(_) => (
                tree.children(&org.code)
                    .filter(|o| o.kind == OrgKind::Community)
                    .cloned()
                    .collect(),
                "community",
            ),
            AggregateScope::Community(_) => (vec![org.clone()], "community"),
        };
        let empty = HashMap::new();
        let mut totals: HashMap<String, Figures> = HashMap::new();
        let mut newest = 0i64;
        let rows: Vec<TableRow> = row_orgs
            .iter()
            .map(|o| {
                let figs = by_group.get(o.code.as_str()).unwrap_or(&empty);
                for (k, f) in figs {
                    let t = totals.entry(k.clone()).or_default();
                    *t = *t + *f;
                    newest = newest.max(f.last_entered_at);
                }
                TableRow {
                    code: o.code.to_string(),
                    name: o.name.clone(),
                    reporting: figs.values().map(|f| f.communities).max().unwrap_or(0),
                    expected: if o.kind == OrgKind::Community {
                        1
                    } else {
                        communities_under(&o.code)
                    },
                    cells: columns
                        .iter()
                        .map(|c| cell(c, &reg, |e| figs.get(e).copied()))
                        .collect(),
                }
            })
            .collect();
        let total = TableRow {
            code: org.code.to_string(),
            name: "合计".into(),
            reporting: totals.values().map(|f| f.communities).max().unwrap_or(0),
            expected: if org.kind == OrgKind::Community {
                1
            } else {
                communities_under(&org.code)
            },
            cells: columns
                .iter()
                .map(|c| cell(c, &reg, |e| totals.get(e).copied()))
                .collect(),
        };
        // As the burden figures count them: one cell per column per community covered.
        let cells = jianfu_domain::shared_data::report::cells_served(
            columns.len(),
            total.expected.max(0) as usize,
        );
        // Columns whose element is no longer in force (its case revoked or expired): said, not
        // left as dashes nobody can explain.
        let retired: Vec<String> = elements_of(&columns)
            .into_iter()
            .filter(|e| reg.get(e).is_none())
            .map(|e| format!("数据元“{e}”已停用（其准入事项已撤销或到期），相关列不再有数。"))
            .collect();
        Ok(ReportTable {
            report: view_of(&row, &reg, &tree),
            org: org.code.to_string(),
            org_name: org.name.clone(),
            row_kind: row_kind.into(),
            period: period.key(),
            period_label: period.label_zh(),
            rows,
            total,
            as_of: (newest > 0).then(|| jianfu_domain::clock::format_beijing(newest)),
            cells,
            retired,
        })
    }
}

/// The report as a workbook: figures as numbers, the "as of" line above the header.
pub fn report_xlsx(t: &ReportTable) -> Result<Vec<u8>, ServiceError> {
    use rust_xlsxwriter::{Format, Workbook};
    let fail = |e: rust_xlsxwriter::XlsxError| ServiceError::Internal(format!("xlsx: {e}"));
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold().set_text_wrap();
    let ws = wb.add_worksheet();
    ws.set_name("报表").map_err(fail)?;
    ws.write_string_with_format(0, 0, &t.report.title, &bold)
        .map_err(fail)?;
    let stamp = format!(
        "{}　{}　数据截至 {}（读取时生成）",
        t.org_name,
        t.period_label,
        t.as_of.clone().unwrap_or_else(|| "尚无数据".into())
    );
    ws.write_string(1, 0, &stamp).map_err(fail)?;
    let mut head = vec!["代码".to_string(), "名称".into(), "已填/应填社区".into()];
    head.extend(
        t.report
            .columns
            .iter()
            .map(|c| format!("{}（{}）", c.label, c.unit)),
    );
    for (i, h) in head.iter().enumerate() {
        ws.write_string_with_format(3, i as u16, h, &bold)
            .map_err(fail)?;
    }
    ws.set_column_width(1, 16).map_err(fail)?;
    for (r, row) in t.rows.iter().chain(std::iter::once(&t.total)).enumerate() {
        let y = 4 + r as u32;
        ws.write_string(y, 0, &row.code).map_err(fail)?;
        ws.write_string(y, 1, &row.name).map_err(fail)?;
        ws.write_string(y, 2, format!("{}/{}", row.reporting, row.expected))
            .map_err(fail)?;
        for (c, cell) in row.cells.iter().enumerate() {
            let x = 3 + c as u16;
            match cell.number {
                Some(n) => ws.write_number(y, x, n).map_err(fail)?,
                None => ws.write_string(y, x, &cell.text).map_err(fail)?,
            };
        }
    }
    wb.save_to_buffer().map_err(fail)
}
