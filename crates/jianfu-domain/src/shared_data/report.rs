//! A department's report as a query over shared elements (DESIGN: "Reports as queries over
//! shared elements"): columns pick an element and a function — sum, count, average, latest,
//! ratio — and the report is computed when read, for any community, street or the district, so
//! it is always current and stamped with the time of the newest figure in it. The aggregation
//! itself is one SQL query (store); this module says what each cell is.

use super::element::{Aggregation, DataElement, ElementRegistry};
use super::value::format_value;
use crate::gate::rules::{cite, clause};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// 三(二) 精简和压缩各类报表; 三(六) 数据资源共享.
pub fn citation() -> String {
    cite(clause::REPORT)
}

pub const MAX_COLUMNS: usize = 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Func {
    /// Added up over communities (a flow also over time; a stock at its latest period).
    Sum,
    /// How many communities have a figure.
    Count,
    /// Per community: the sum divided by the communities with a figure.
    Average,
    /// Each community's latest figure in the period, added up (even for a flow).
    Latest,
    /// One element's sum over another's, as a percentage.
    Ratio,
}

impl Func {
    pub const ALL: [Func; 5] = [
        Func::Sum,
        Func::Count,
        Func::Average,
        Func::Latest,
        Func::Ratio,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Func::Sum => "sum",
            Func::Count => "count",
            Func::Average => "average",
            Func::Latest => "latest",
            Func::Ratio => "ratio",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            Func::Sum => "合计",
            Func::Count => "填报社区数",
            Func::Average => "平均每社区",
            Func::Latest => "最近一期",
            Func::Ratio => "比率（%）",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    pub label: String,
    pub func: Func,
    pub element: String,
    /// For [`Func::Ratio`]: the element divided by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub denominator: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    #[error("报表至少要有一列。")]
    NoColumns,
    #[error("报表最多 {MAX_COLUMNS} 列，现有 {0} 列：请分成几张表。")]
    TooManyColumns(usize),
    #[error("第 {0} 列没有列名。")]
    NoLabel(usize),
    #[error("列名“{0}”重复。")]
    DuplicateLabel(String),
    #[error(
        "第 {column} 列用的数据元“{element}”还没有人采集。新增采集字段属于新增负担，须先在“数据元”页申请新增、经区级审批准入后才能用于报表。"
    )]
    UnknownElement { column: usize, element: String },
    #[error("第 {0} 列是比率，须选分母数据元。")]
    NoDenominator(usize),
    #[error("第 {0} 列的分母与分子统计期不同，不能相除。")]
    DenominatorPeriod(usize),
}

impl ReportError {
    /// The same error with column `n` (1-based position among the columns checked) named by
    /// `numbers[n - 1]` instead: the number the form showed, when blank lines were left out.
    pub fn renumbered(self, numbers: &[usize]) -> Self {
        let at = |n: usize| numbers.get(n.wrapping_sub(1)).copied().unwrap_or(n);
        match self {
            ReportError::NoLabel(n) => ReportError::NoLabel(at(n)),
            ReportError::UnknownElement { column, element } => ReportError::UnknownElement {
                column: at(column),
                element,
            },
            ReportError::NoDenominator(n) => ReportError::NoDenominator(at(n)),
            ReportError::DenominatorPeriod(n) => ReportError::DenominatorPeriod(at(n)),
            other => other,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ReportError::NoColumns => "report_no_columns",
            ReportError::TooManyColumns(_) => "report_too_many_columns",
            ReportError::NoLabel(_) => "report_column_label",
            ReportError::DuplicateLabel(_) => "report_duplicate_label",
            ReportError::UnknownElement { .. } => "unknown_element",
            ReportError::NoDenominator(_) => "report_no_denominator",
            ReportError::DenominatorPeriod(_) => "report_denominator_period",
        }
    }
}

/// Every element a column names exists in the register in force (so the report asks
/// communities for nothing new), labels are there and unique, ratios have a denominator of the
/// same period type. Columns are numbered from 1 in messages, as the form shows them.
pub fn check_columns(columns: &[Column], registry: &ElementRegistry) -> Result<(), ReportError> {
    if columns.is_empty() {
        return Err(ReportError::NoColumns);
    }
    if columns.len() > MAX_COLUMNS {
        return Err(ReportError::TooManyColumns(columns.len()));
    }
    let mut labels = BTreeSet::new();
    for (i, c) in columns.iter().enumerate() {
        let n = i + 1;
        if c.label.trim().is_empty() {
            return Err(ReportError::NoLabel(n));
        }
        if !labels.insert(c.label.trim()) {
            return Err(ReportError::DuplicateLabel(c.label.trim().to_string()));
        }
        let Some(e) = registry.get(&c.element) else {
            return Err(ReportError::UnknownElement {
                column: n,
                element: c.element.clone(),
            });
        };
        if c.func == Func::Ratio {
            let Some(d) = c.denominator.as_deref().filter(|d| !d.is_empty()) else {
                return Err(ReportError::NoDenominator(n));
            };
            let Some(de) = registry.get(d) else {
                return Err(ReportError::UnknownElement {
                    column: n,
                    element: d.to_string(),
                });
            };
            if de.period != e.period {
                return Err(ReportError::DenominatorPeriod(n));
            }
        }
    }
    Ok(())
}

/// The elements a report reads, each once.
pub fn elements_of(columns: &[Column]) -> BTreeSet<String> {
    columns
        .iter()
        .flat_map(|c| std::iter::once(c.element.clone()).chain(c.denominator.clone()))
        .collect()
}

/// What the store's one aggregate query gives for one element in one row of the report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Figures {
    /// Communities with at least one figure in the period.
    pub communities: i64,
    /// Every figure in the period, added up.
    pub sum_all: i64,
    /// Each community's latest figure in the period, added up.
    pub sum_latest: i64,
    pub last_entered_at: i64,
}

impl std::ops::Add for Figures {
    type Output = Figures;
    fn add(self, o: Figures) -> Figures {
        Figures {
            communities: self.communities + o.communities,
            sum_all: self.sum_all + o.sum_all,
            sum_latest: self.sum_latest + o.sum_latest,
            last_entered_at: self.last_entered_at.max(o.last_entered_at),
        }
    }
}

impl Figures {
    /// Over time: a flow adds its periods, a stock is read at its latest.
    fn over_time(&self, e: &DataElement) -> i64 {
        match e.aggregation {
            Aggregation::Flow => self.sum_all,
            Aggregation::Stock => self.sum_latest,
        }
    }
}

/// One cell: the text shown and the number written to a workbook (`None` when nobody has
/// entered the figure yet, shown as “—”).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cell {
    pub text: String,
    pub number: Option<f64>,
}

impl Cell {
    fn empty() -> Self {
        Cell {
            text: "—".into(),
            number: None,
        }
    }
    fn scaled(v: i64, scale: u32) -> Self {
        Cell {
            text: format_value(v, scale),
            number: Some(v as f64 / 10f64.powi(scale as i32)),
        }
    }
}

/// The cell of one column, from the figures of its element(s) in one row.
pub fn cell(
    c: &Column,
    registry: &ElementRegistry,
    figures: impl Fn(&str) -> Option<Figures>,
) -> Cell {
    let Some(e) = registry.get(&c.element) else {
        return Cell::empty();
    };
    let Some(f) = figures(&e.code).filter(|f| f.communities > 0) else {
        return if c.func == Func::Count {
            Cell::scaled(0, 0)
        } else {
            Cell::empty()
        };
    };
    match c.func {
        Func::Sum => Cell::scaled(f.over_time(e), e.scale),
        Func::Latest => Cell::scaled(f.sum_latest, e.scale),
        Func::Count => Cell::scaled(f.communities, 0),
        Func::Average => {
            // One more decimal place than the element.
            let q = div_round(f.over_time(e) as i128 * 10, f.communities as i128);
            Cell::scaled(q as i64, e.scale + 1)
        }
        Func::Ratio => {
            let Some(de) = c.denominator.as_deref().and_then(|d| registry.get(d)) else {
                return Cell::empty();
            };
            let Some(df) = figures(&de.code).filter(|f| f.communities > 0) else {
                return Cell::empty();
            };
            let (n, d) = (f.over_time(e) as i128, df.over_time(de) as i128);
            // Scales may differ: bring both to the same before dividing.
            let n = n * 10i128.pow(de.scale);
            let d = d * 10i128.pow(e.scale);
            if d == 0 {
                return Cell::empty();
            }
            // Percent with one decimal: n/d × 1000 tenths of a percent.
            Cell::scaled(div_round(n * 1000, d) as i64, 1)
        }
    }
}

/// n / d rounded half away from zero, whatever the signs (d ≠ 0).
fn div_round(n: i128, d: i128) -> i128 {
    let (q, r) = (n / d, n % d);
    if 2 * r.abs() >= d.abs() {
        q + if (n < 0) == (d < 0) { 1 } else { -1 }
    } else {
        q
    }
}

/// How many cells a department receives from one generated report.
pub fn cells_served(columns: usize, rows: usize) -> usize {
    columns * rows
}

/// Cells departments receive per field communities enter (一表通's measure of reuse); `None`
/// before anything is entered.
pub fn reuse_ratio(cells_served: i64, fields_entered: i64) -> Option<f64> {
    (fields_entered > 0).then(|| cells_served as f64 / fields_entered as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shared_data::element::SHIPPED_ELEMENTS_TOML;

    fn r() -> ElementRegistry {
        ElementRegistry::from_toml(SHIPPED_ELEMENTS_TOML).unwrap()
    }
    fn col(label: &str, func: Func, e: &str, d: Option<&str>) -> Column {
        Column {
            label: label.into(),
            func,
            element: e.into(),
            denominator: d.map(str::to_string),
        }
    }

    #[test]
    fn a_report_may_only_read_elements_someone_collects() {
        let reg = r();
        let ok = [
            col("常住人口", Func::Sum, "SD001", None),
            col("老龄化率", Func::Ratio, "SD004", Some("SD001")),
        ];
        assert!(check_columns(&ok, &reg).is_ok());
        let unknown = [col("充电桩", Func::Sum, "XX999", None)];
        let e = check_columns(&unknown, &reg).unwrap_err();
        assert_eq!(e.code(), "unknown_element");
        assert!(e.to_string().contains("审批"));
        assert_eq!(
            check_columns(&[], &reg).unwrap_err().code(),
            "report_no_columns"
        );
        let no_den = [col("比率", Func::Ratio, "SD004", None)];
        let e = check_columns(&no_den, &reg).unwrap_err();
        assert_eq!(e.code(), "report_no_denominator");
        // The form had two blank lines above it: the message names the line the user sees.
        assert_eq!(e.renumbered(&[3]), ReportError::NoDenominator(3));
        let mixed = [col("比率", Func::Ratio, "SD012", Some("SD001"))];
        assert_eq!(
            check_columns(&mixed, &reg).unwrap_err().code(),
            "report_denominator_period"
        );
        let dup = [
            col("a", Func::Sum, "SD001", None),
            col("a", Func::Count, "SD002", None),
        ];
        assert_eq!(
            check_columns(&dup, &reg).unwrap_err().code(),
            "report_duplicate_label"
        );
    }

    #[test]
    fn cells_follow_the_function_and_the_elements_nature() {
        let reg = r();
        let f = |code: &str| match code {
            // Population, a stock: latest per community.
            "SD001" => Some(Figures {
                communities: 3,
                sum_all: 9000,
                sum_latest: 3100,
                last_entered_at: 1,
            }),
            "SD004" => Some(Figures {
                communities: 3,
                sum_all: 2400,
                sum_latest: 800,
                last_entered_at: 2,
            }),
            // Mediations, a flow: every month adds.
            "SD011" => Some(Figures {
                communities: 2,
                sum_all: 15,
                sum_latest: 4,
                last_entered_at: 3,
            }),
            _ => None,
        };
        let c = |func, e, d| cell(&col("x", func, e, d), &reg, f);
        assert_eq!(c(Func::Sum, "SD001", None).text, "3100");
        assert_eq!(c(Func::Sum, "SD011", None).text, "15");
        assert_eq!(c(Func::Latest, "SD011", None).text, "4");
        assert_eq!(c(Func::Count, "SD011", None).text, "2");
        assert_eq!(c(Func::Average, "SD011", None).text, "7.5");
        assert_eq!(c(Func::Average, "SD001", None).text, "1033.3");
        assert_eq!(c(Func::Ratio, "SD004", Some("SD001")).text, "25.8");
        assert_eq!(c(Func::Ratio, "SD004", Some("SD001")).number, Some(25.8));
        // Nobody entered it yet: a dash, not a zero — except the count, which is zero.
        assert_eq!(c(Func::Sum, "SD009", None).text, "—");
        assert_eq!(c(Func::Count, "SD009", None).text, "0");
        assert_eq!(c(Func::Ratio, "SD009", Some("SD001")).text, "—");
    }

    #[test]
    fn rounding_is_half_away_from_zero_for_either_sign() {
        assert_eq!(div_round(15, 2), 8);
        assert_eq!(div_round(-15, 2), -8);
        assert_eq!(div_round(-3, 2), -2);
        assert_eq!(div_round(14, 10), 1);
        assert_eq!(div_round(-14, 10), -1);
        assert_eq!(div_round(7, -2), -4);
        assert_eq!(div_round(-1000, 4), -250);
    }

    #[test]
    fn totals_add_figures_not_cells() {
        let a = Figures {
            communities: 1,
            sum_all: 10,
            sum_latest: 10,
            last_entered_at: 5,
        };
        let b = Figures {
            communities: 3,
            sum_all: 50,
            sum_latest: 30,
            last_entered_at: 9,
        };
        let t = a + b;
        assert_eq!(
            (t.communities, t.sum_all, t.sum_latest, t.last_entered_at),
            (4, 60, 40, 9)
        );
        assert_eq!(reuse_ratio(300, 100), Some(3.0));
        assert_eq!(reuse_ratio(5, 0), None);
        assert_eq!(cells_served(4, 10), 40);
    }
}
