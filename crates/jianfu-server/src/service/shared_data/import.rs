//! A community's figures from a workbook (.xlsx, or CSV in UTF-8 or GBK): one community and one
//! period per file, one row per element. The template to fill is the same sheet exported with
//! last period's figures. Every problem names its row; nothing is written unless every row is
//! right, and what was typed in the file stays in the file.

use super::entry::{EntryResult, EntrySheet, ValueInput};
use crate::service::catalog_xlsx::{SheetData, write_sheets};
use crate::service::spreadsheet::{TableSpec, read_table};
use crate::service::{Actor, App, RequestMeta, ServiceError};
use std::collections::HashMap;

pub const SHEET: &str = "共享数据";
const COLUMNS: [&str; 7] = [
    "代码",
    "数据元",
    "单位",
    "上期",
    "数值",
    "更正原因",
    "统计期",
];
/// 200 elements and some.
const MAX_ROWS: usize = 1_000;
const MAX_BYTES: usize = 2 * 1024 * 1024;

fn spec() -> TableSpec<'static> {
    TableSpec {
        sheet: SHEET,
        what: "共享数据填报表",
        required: &["数值"],
        columns: &COLUMNS,
        ignored: &["序号", "定义", "本期已填"],
        max_rows: MAX_ROWS,
        max_bytes: MAX_BYTES,
    }
}

/// The sheet to fill: the period's elements with last period's figures and this period's so far.
pub fn entry_workbook(sheet: &EntrySheet) -> Result<Vec<u8>, ServiceError> {
    let mut rows = vec![vec![
        "代码".to_string(),
        "数据元".into(),
        "单位".into(),
        "上期".into(),
        "数值".into(),
        "更正原因".into(),
        "统计期".into(),
    ]];
    for r in &sheet.rows {
        rows.push(vec![
            r.code.clone(),
            r.name.clone(),
            r.unit.clone(),
            r.previous.clone().unwrap_or_default(),
            r.current.clone().unwrap_or_default(),
            String::new(),
            sheet.period.clone(),
        ]);
    }
    write_sheets(&[SheetData {
        name: SHEET.into(),
        widths: vec![10.0, 24.0, 8.0, 12.0, 12.0, 24.0, 10.0],
        header: true,
        rows,
    }])
    .map_err(|e| ServiceError::Internal(format!("xlsx: {e}")))
}

impl App {
    /// Reads a filled sheet and enters it as [`App::enter_values`] does (`source` = import).
    pub async fn import_values(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        period: &str,
        bytes: &[u8],
    ) -> Result<EntryResult, ServiceError> {
        self.own_data_community(actor).await?;
        let period_key = jianfu_domain::shared_data::Period::parse(period)?.key();
        let table = read_table(bytes, &spec())?;
        let reg = self.shared_elements().await?;
        let c = &table.columns;
        if c.index("代码").is_none() && c.index("数据元").is_none() {
            return Err(ServiceError::Rejected {
                code: "xlsx_missing_column",
                message: format!("{}须有“代码”或“数据元”列，说明每行是哪一项。", table.source),
            });
        }
        let mut inputs = Vec::new();
        let mut row_of: HashMap<String, u32> = HashMap::new();
        let mut problems = Vec::new();
        for (n, cells) in &table.rows {
            let code = c.get(cells, "代码");
            let name = c.get(cells, "数据元");
            let key = if code.is_empty() {
                name.clone()
            } else {
                code.clone()
            };
            let Some(e) = reg.find(&key).or_else(|| reg.find(&name)) else {
                problems.push(jianfu_domain::shared_data::element::ValueProblem {
                    element: key.clone(),
                    other: None,
                    code: "unknown_element",
                    message: format!(
                        "第 {n} 行：没有“{}”这个共享数据元，请用导出的表填写。",
                        key.chars().take(40).collect::<String>()
                    ),
                });
                continue;
            };
            let p = c.get(cells, "统计期");
            if !p.is_empty()
                && jianfu_domain::shared_data::Period::parse(&p)
                    .map(|p| p.key())
                    .ok()
                    != Some(period_key.clone())
            {
                problems.push(jianfu_domain::shared_data::element::ValueProblem {
                    element: e.code.clone(),
                    other: None,
                    code: "wrong_period",
                    message: format!(
                        "第 {n} 行“{}”的统计期是“{p}”，与所选的 {period_key} 不同：一个文件只填一期。",
                        e.name
                    ),
                });
                continue;
            }
            row_of.insert(e.code.clone(), *n);
            inputs.push(ValueInput {
                element: e.code.clone(),
                value: c.get(cells, "数值"),
                reason: c.get(cells, "更正原因"),
                revision: None,
            });
        }
        if !problems.is_empty() {
            return Ok(EntryResult::Problems(problems));
        }
        Ok(
            match self
                .enter_values(actor, meta, &period_key, &inputs, "import")
                .await?
            {
                EntryResult::Problems(ps) => EntryResult::Problems(
                    ps.into_iter()
                        .map(|mut p| {
                            if let Some(n) = row_of.get(&p.element) {
                                p.message = format!("第 {n} 行：{}", p.message);
                            }
                            p
                        })
                        .collect(),
                ),
                saved => saved,
            },
        )
    }
}
