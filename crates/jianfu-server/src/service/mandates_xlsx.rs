//! The mandate register as an Excel workbook (.xlsx).
//!
//! Layout (export writes it, import reads exactly it back): one sheet 「上级文件」, one row per
//! document under the header 文号、发文机关、标题、印发日期、层级（中央 / 市委市政府）、
//! 要求社区的事项（burden kinds by Chinese name or code, separated by 、）、生效日期、失效日期
//! （empty while in force）、要求内容. Dates are YYYY-MM-DD text or Excel dates.
//!
//! A file that cannot be read gets a Chinese message naming the sheet, row and column. Cells are
//! read with the same conventions as the catalog workbook (`catalog_xlsx`).

use super::ServiceError;
use super::catalog_xlsx::{
    MAX_XLSX_BYTES, SheetData, column_letters, looks_like_xlsx, write_sheets,
};
use super::mandates::{MandateEntry, MandateInput, parse_input, requires_label};
use calamine::{Data, Range, Reader, Xlsx};
use jianfu_domain::gate::mandate::{MandateField, normalise_number};
use jianfu_domain::gate::{BurdenKind, MandateDoc};
use std::collections::HashMap;
use std::io::Cursor;

pub const SHEET: &str = "上级文件";

/// The columns, in order, with the field each one fills.
pub const COLUMNS: [(&str, MandateField); 9] = [
    ("文号", MandateField::Number),
    ("发文机关", MandateField::Issuer),
    ("标题", MandateField::Title),
    ("印发日期", MandateField::IssuedOn),
    ("层级", MandateField::Level),
    ("要求社区的事项", MandateField::Requires),
    ("生效日期", MandateField::ValidFrom),
    ("失效日期", MandateField::ValidTo),
    ("要求内容", MandateField::Summary),
];

fn rejected(code: &'static str, message: String) -> ServiceError {
    ServiceError::Rejected { code, message }
}

/// The sheet as [`export_xlsx`] writes it (header first).
pub fn mandate_sheet(entries: &[MandateEntry]) -> SheetData {
    let mut rows = vec![COLUMNS.iter().map(|(h, _)| h.to_string()).collect()];
    rows.extend(entries.iter().map(|e| doc_row(&e.doc)));
    SheetData {
        name: SHEET.into(),
        widths: vec![20.0, 30.0, 44.0, 12.0, 12.0, 30.0, 12.0, 12.0, 50.0],
        header: true,
        rows,
    }
}

/// One document as a row of the sheet.
pub fn doc_row(d: &MandateDoc) -> Vec<String> {
    vec![
        d.number.clone(),
        d.issuer.clone(),
        d.title.clone(),
        d.issued_on.clone(),
        d.level.label_zh().to_string(),
        requires_label(&d.requires),
        d.valid_from.clone(),
        d.valid_to.clone(),
        d.summary.clone(),
    ]
}

/// Writes the register as an .xlsx workbook.
pub fn export_xlsx(entries: &[MandateEntry]) -> Result<Vec<u8>, ServiceError> {
    write_sheets(&[mandate_sheet(entries)])
        .map_err(|e| ServiceError::Internal(format!("xlsx export: {e}")))
}

/// A cell as text, trimmed: whole numbers without ".0", dates as YYYY-MM-DD.
fn cell_text(d: &Data) -> String {
    match d {
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::DateTime(dt) => {
            let (y, m, day, ..) = dt.to_ymd_hms_milli();
            format!("{y:04}-{m:02}-{day:02}")
        }
        Data::DateTimeIso(s) => s.get(..10).unwrap_or(s).to_string(),
        other => other.to_string().trim().to_string(),
    }
}

/// Rows as text with their absolute 0-based row numbers, padded so index = absolute column;
/// wholly empty rows skipped.
fn sheet_rows(range: &Range<Data>) -> Vec<(u32, Vec<String>)> {
    let (row0, col0) = range.start().unwrap_or((0, 0));
    range
        .rows()
        .enumerate()
        .map(|(i, cells)| {
            let mut v = vec![String::new(); col0 as usize];
            v.extend(cells.iter().map(cell_text));
            (row0 + i as u32, v)
        })
        .filter(|(_, v)| v.iter().any(|c| !c.is_empty()))
        .collect()
}

const SEPARATORS: &[char] = &['、', ',', '，', ';', '；', '/', '\n', ' ', '\u{3000}'];

/// Splits 要求社区的事项 into burden kind codes. Several Chinese names themselves contain 、
/// (e.g. 达标、检查评比、示范创建活动), so at each position the longest name or code that fits is
/// taken. Returns the first piece that is neither.
pub fn split_burden_kinds(cell: &str) -> Result<Vec<String>, String> {
    let mut names: Vec<(String, BurdenKind)> = BurdenKind::ALL
        .iter()
        .flat_map(|k| [(k.label_zh().to_string(), *k), (k.as_str().to_string(), *k)])
        .collect();
    names.sort_by_key(|(n, _)| std::cmp::Reverse(n.len()));
    let mut out = Vec::new();
    let mut rest = cell.trim_start_matches(SEPARATORS);
    while !rest.is_empty() {
        let found = names.iter().find(|(n, _)| {
            rest.starts_with(n.as_str())
                && rest[n.len()..]
                    .chars()
                    .next()
                    .is_none_or(|c| SEPARATORS.contains(&c))
        });
        match found {
            Some((n, k)) => {
                out.push(k.as_str().to_string());
                rest = &rest[n.len()..];
            }
            None => {
                let end = rest.find(SEPARATORS).unwrap_or(rest.len());
                return Err(rest[..end].to_string());
            }
        }
        rest = rest.trim_start_matches(SEPARATORS);
    }
    Ok(out)
}

/// Reads a workbook in the layout [`export_xlsx`] writes: the documents, checked one by one (as
/// registering checks them, with `today` for the issue date), and no 文号 twice.
pub fn import_xlsx(bytes: &[u8], today: &str) -> Result<Vec<MandateDoc>, ServiceError> {
    if bytes.len() > MAX_XLSX_BYTES {
        return Err(rejected(
            "file_too_large",
            format!(
                "文件过大（{:.1} MB），上级文件登记表不能超过 5 MB。",
                bytes.len() as f64 / 1024.0 / 1024.0
            ),
        ));
    }
    if !looks_like_xlsx(bytes) {
        return Err(rejected(
            "not_xlsx",
            "这不是 Excel 工作簿（.xlsx）文件。请在 Excel 或 WPS 中“另存为 .xlsx”后再上传。".into(),
        ));
    }
    let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(|_| {
        rejected(
            "not_xlsx",
            "文件无法作为 Excel 工作簿（.xlsx）读取，可能已损坏。请在 Excel 或 WPS 中重新“另存为 .xlsx”后再上传。"
                .into(),
        )
    })?;
    if !wb.sheet_names().iter().any(|n| n == SHEET) {
        return Err(rejected(
            "xlsx_missing_sheet",
            format!(
                "文件中没有名为“{SHEET}”的工作表。可先在上级文件登记页“下载 Excel”，在其基础上修改。"
            ),
        ));
    }
    let range = wb.worksheet_range(SHEET).map_err(|_| {
        rejected(
            "not_xlsx",
            format!("工作表“{SHEET}”无法读取，文件可能已损坏。"),
        )
    })?;
    let rows = sheet_rows(&range);
    let headers: Vec<&str> = COLUMNS.iter().map(|(h, _)| *h).collect();
    let Some(((_, first), rest)) = rows.split_first() else {
        return Err(rejected(
            "xlsx_missing_column",
            format!(
                "工作表“{SHEET}”是空的。第 1 行应为表头：{}",
                headers.join("、")
            ),
        ));
    };
    let mut cols = Vec::with_capacity(COLUMNS.len());
    for (name, _) in COLUMNS {
        match first.iter().position(|h| h == name) {
            Some(i) => cols.push(i),
            None => {
                return Err(rejected(
                    "xlsx_missing_column",
                    format!(
                        "工作表“{SHEET}”缺少“{name}”列。第 1 行应为表头：{}",
                        headers.join("、")
                    ),
                ));
            }
        }
    }
    let at = |row: u32, i: usize, code: &'static str, what: &str| {
        rejected(
            code,
            format!(
                "工作表“{SHEET}”第 {} 行 {} 列（{}）：{what}",
                row + 1,
                column_letters(cols[i] as u32),
                COLUMNS[i].0
            ),
        )
    };
    let mut docs = Vec::new();
    let mut seen: HashMap<String, u32> = HashMap::new();
    for (row, cells) in rest {
        let get = |i: usize| cells.get(cols[i]).cloned().unwrap_or_default();
        let requires = split_burden_kinds(&get(5)).map_err(|bad| {
            at(
                *row,
                5,
                "unknown_burden_kind",
                &format!(
                    "未知的事项“{bad}”，多项之间用“、”分开，可选：{}",
                    super::mandates::burden_kinds_allowed()
                ),
            )
        })?;
        let input = MandateInput {
            number: get(0),
            issuer: get(1),
            title: get(2),
            issued_on: get(3),
            level: get(4),
            requires,
            valid_from: get(6),
            valid_to: get(7),
            summary: get(8),
        };
        let doc = parse_input(&input, today).map_err(|problems| {
            let p = &problems[0];
            let i = COLUMNS.iter().position(|(_, f)| *f == p.field).unwrap_or(0);
            at(*row, i, p.code(), &p.message)
        })?;
        let key = normalise_number(&doc.number);
        if let Some(first) = seen.get(&key) {
            return Err(at(
                *row,
                0,
                "duplicate_mandate",
                &format!("文号“{}”与第 {} 行重复", doc.number, first + 1),
            ));
        }
        seen.insert(key, *row);
        docs.push(doc);
    }
    Ok(docs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burden_kinds_split_even_when_their_names_contain_the_separator() {
        assert_eq!(
            split_burden_kinds("达标、检查评比、示范创建活动、业务台账").unwrap(),
            ["creation", "ledger"]
        );
        assert_eq!(
            split_burden_kinds(" ledger，工作机构；部门考核评比、检查 ").unwrap(),
            ["ledger", "institution", "evaluation"]
        );
        assert_eq!(split_burden_kinds("").unwrap(), Vec::<String>::new());
        assert_eq!(
            split_burden_kinds("业务台账、招商引资").unwrap_err(),
            "招商引资"
        );
        assert_eq!(
            split_burden_kinds("部门考核评比").unwrap_err(),
            "部门考核评比"
        );
    }

    #[test]
    fn every_burden_kind_round_trips_through_its_label() {
        let all: Vec<BurdenKind> = BurdenKind::ALL.to_vec();
        let codes = split_burden_kinds(&requires_label(&all)).unwrap();
        let want: Vec<&str> = all.iter().map(|k| k.as_str()).collect();
        assert_eq!(codes, want);
    }
}
