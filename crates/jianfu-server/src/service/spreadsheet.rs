//! Reading a table that people keep in a spreadsheet: an .xlsx workbook or a CSV file (UTF-8
//! with or without BOM, or GBK, as Excel saves it on Chinese Windows), into a header and rows of
//! text with their row numbers as the spreadsheet shows them.
//!
//! What is particular to one import (the sheet's name, how messages call the file, its columns,
//! its limits) comes in a [`TableSpec`]; what a row means stays with the importer. The same
//! rules hold for every import:
//!
//! - the header is the first row naming every required column, so a title row above it (as
//!   people put one) is read past; header names are read with full-width characters made
//!   half-width (Ａ → A);
//! - every header cell must be one of the columns, or one the spec says to read past: an unknown
//!   column is refused rather than silently not read, and so is a column named twice;
//! - merged cells in the data mean "the same value in every cell"; a merged header cell is
//!   refused, since it hides which column is which;
//! - a workbook is read cell by cell, so a sheet claiming a million rows or columns costs nothing
//!   until its cells are there, and its parts' unpacked size is checked first (a zip bomb);
//! - an old .xls file is refused with a message saying how to save it as .xlsx.
//!
//! Every refusal is a [`ServiceError::Rejected`] with a stable code: `file_too_large`, `not_xlsx`,
//! `xlsx_missing_sheet`, `xlsx_merged_header`, `too_many_rows`, `unknown_encoding`,
//! `invalid_csv`, `xlsx_missing_column`, `xlsx_unknown_column`, `xlsx_duplicate_column`.

use crate::service::ServiceError;
use crate::service::catalog_xlsx::{column_letters, looks_like_xlsx};
use calamine::{Data, Reader, Xlsx};
use jianfu_domain::text::half_width_text;
use std::collections::BTreeMap;
use std::io::Cursor;

/// What one import reads: its sheet, its columns and its limits.
#[derive(Debug, Clone, Copy)]
pub struct TableSpec<'a> {
    /// The sheet read from a workbook, e.g. 「负担台账」; a workbook with only one sheet is read
    /// whatever that sheet is called.
    pub sheet: &'a str,
    /// How messages name the file, e.g. 「负担台账」 (…不能超过 5 MB, …不是负担台账的列).
    pub what: &'a str,
    /// The header names that identify the header row; each must be there.
    pub required: &'a [&'a str],
    /// Every column the import reads (the required ones among them), in the order messages list
    /// them.
    pub columns: &'a [&'a str],
    /// Header names read past without complaint (columns an export adds, 序号).
    pub ignored: &'a [&'a str],
    /// Most data rows in one file.
    pub max_rows: usize,
    /// Largest file, in bytes.
    pub max_bytes: usize,
}

/// A table as read: the header and the data rows below it, wholly empty rows left out.
#[derive(Debug, Clone)]
pub struct Table {
    /// Where the rows came from, for messages: 工作表“负担台账” or CSV 文件.
    pub source: String,
    /// The header's row number, 1-based as a spreadsheet shows it.
    pub header_row: u32,
    /// The header cells as they are in the file.
    pub header: Vec<String>,
    /// Where each of the spec's columns is.
    pub columns: Columns,
    /// The data rows: (row number, 1-based as a spreadsheet shows it; the cells as text, trimmed).
    pub rows: Vec<(u32, Vec<String>)>,
}

/// Where each of a spec's columns is in a row: found by [`map_columns`].
#[derive(Debug, Clone)]
pub struct Columns {
    names: Vec<String>,
    at: Vec<Option<usize>>,
}

impl Columns {
    /// The named column's 0-based index in a row, if the file has that column. `name` is one of
    /// the spec's columns.
    pub fn index(&self, name: &str) -> Option<usize> {
        let k = self.names.iter().position(|n| n == name);
        debug_assert!(k.is_some(), "“{name}” is not one of the spec's columns");
        k.and_then(|k| self.at[k])
    }

    /// The named column's cell in a row, as read; empty when the file has no such column or the
    /// row stops short of it.
    pub fn get(&self, cells: &[String], name: &str) -> String {
        self.index(name)
            .and_then(|i| cells.get(i))
            .cloned()
            .unwrap_or_default()
    }
}

fn rejected(code: &'static str, message: String) -> ServiceError {
    ServiceError::Rejected { code, message }
}

/// Columns read: anything further right is not read (and cannot be a column an import knows).
const MAX_COLS: u32 = 64;
/// Unpacked size of all the parts of a workbook: a 20,000-row table is a few MB.
const MAX_UNPACKED: u64 = 100 * 1024 * 1024;

/// Reads a workbook or CSV file as `spec` describes: sniffs which it is, checks its size, finds
/// the header, maps the columns ([`map_columns`]) and keeps the non-empty rows below the header.
pub fn read_table(bytes: &[u8], spec: &TableSpec) -> Result<Table, ServiceError> {
    if bytes.len() > spec.max_bytes {
        return Err(rejected(
            "file_too_large",
            format!(
                "文件过大（{:.1} MB），{}不能超过 {} MB。",
                bytes.len() as f64 / 1024.0 / 1024.0,
                spec.what,
                spec.max_bytes as f64 / 1024.0 / 1024.0
            ),
        ));
    }
    let (rows, source) = if looks_like_xlsx(bytes) {
        (xlsx_rows(bytes, spec)?, format!("工作表“{}”", spec.sheet))
    } else if bytes.starts_with(b"\xD0\xCF\x11\xE0") {
        return Err(rejected(
            "not_xlsx",
            "这是旧版 Excel（.xls）文件。请在 Excel 或 WPS 中“另存为 .xlsx”后再上传。".into(),
        ));
    } else {
        (csv_rows(bytes)?, "CSV 文件".to_string())
    };
    let rows: Vec<(u32, Vec<String>)> = rows
        .into_iter()
        .filter(|(_, v)| v.iter().any(|c| !c.is_empty()))
        .collect();
    let header_at = header_index(rows.iter().map(|(r, v)| (*r, v.as_slice())), spec);
    let mut rows = rows.into_iter().skip_while(|(r, _)| Some(*r) != header_at);
    let Some((header_at, header)) = rows.next() else {
        return Err(rejected(
            "xlsx_missing_column",
            format!(
                "{source}是空的。第 1 行应为表头：{}",
                spec.columns.join("、")
            ),
        ));
    };
    let columns = map_columns(&header, spec, &source)?;
    let rows: Vec<(u32, Vec<String>)> = rows.map(|(r, v)| (r + 1, v)).collect();
    if rows.len() > spec.max_rows {
        return Err(rejected(
            "too_many_rows",
            format!("一次最多导入 {} 行，请分成几个文件。", spec.max_rows),
        ));
    }
    Ok(Table {
        source,
        header_row: header_at + 1,
        header,
        columns,
        rows,
    })
}

/// Maps header names to the spec's columns, full-width characters read as half-width: an empty
/// or ignored header cell is read past; a name that is not a column (`xlsx_unknown_column`), a
/// column named twice (`xlsx_duplicate_column`) and a required column missing
/// (`xlsx_missing_column`) are refused, the message naming `source` (工作表“…”, CSV 文件).
pub fn map_columns(
    header: &[String],
    spec: &TableSpec,
    source: &str,
) -> Result<Columns, ServiceError> {
    let mut at: Vec<Option<usize>> = vec![None; spec.columns.len()];
    for (i, h) in header.iter().enumerate() {
        let h = half_width_text(h);
        if h.is_empty() || spec.ignored.contains(&h.as_str()) {
            continue;
        }
        match spec.columns.iter().position(|c| *c == h) {
            Some(k) if at[k].is_none() => at[k] = Some(i),
            Some(_) => {
                return Err(rejected(
                    "xlsx_duplicate_column",
                    format!("{source}有两列都叫“{h}”，请删去一列。"),
                ));
            }
            None => {
                return Err(rejected(
                    "xlsx_unknown_column",
                    format!(
                        "{source}第 {} 列的表头“{h}”不是{}的列，为免漏读请改为以下之一或删去该列：{}",
                        column_letters(i as u32),
                        spec.what,
                        spec.columns.join("、")
                    ),
                ));
            }
        }
    }
    let found = |name: &str| {
        spec.columns
            .iter()
            .position(|c| *c == name)
            .is_some_and(|k| at[k].is_some())
    };
    if let Some(missing) = spec.required.iter().find(|r| !found(r)) {
        let optional: Vec<&str> = spec
            .columns
            .iter()
            .filter(|c| !spec.required.contains(c))
            .copied()
            .collect();
        return Err(rejected(
            "xlsx_missing_column",
            format!(
                "{source}缺少“{missing}”列。表头须有：{}；可选：{}",
                spec.required.join("、"),
                optional.join("、")
            ),
        ));
    }
    Ok(Columns {
        names: spec.columns.iter().map(|c| c.to_string()).collect(),
        at,
    })
}

/// A merged range's first and last row and column. A file may give the corners in either order
/// ("A3:A2"); a range read backwards would panic a row-range lookup.
fn corners(start: (u32, u32), end: (u32, u32)) -> (u32, u32, u32, u32) {
    (
        start.0.min(end.0),
        start.0.max(end.0),
        start.1.min(end.1),
        start.1.max(end.1),
    )
}

/// A cell as text: whole numbers without ".0", dates as YYYY-MM-DD, other text trimmed.
pub fn cell_text(d: &Data) -> String {
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

/// Refuses a workbook whose parts say they unpack to more than 100 MB (a zip bomb), before
/// anything is unpacked; `what` names the file in the message. A file that is not a zip
/// archive passes: the workbook reader says what is wrong with it.
pub fn check_unpacked_size(bytes: &[u8], what: &str) -> Result<(), ServiceError> {
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return Ok(());
    };
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        total = total.saturating_add(zip.by_index_raw(i).map(|f| f.size()).unwrap_or(0));
        if total > MAX_UNPACKED {
            return Err(rejected(
                "file_too_large",
                format!("工作簿解压后过大，不像是{what}。请检查文件，或另存为 .xlsx 后再上传。"),
            ));
        }
    }
    Ok(())
}

/// The rows of the spec's sheet, as text, 0-based row numbers kept; merged data cells filled
/// with their first cell's value. Read cell by cell: a sheet that claims a million rows or
/// columns costs nothing until its cells are there, and reading stops past `spec.max_rows`.
fn xlsx_rows(bytes: &[u8], spec: &TableSpec) -> Result<Vec<(u32, Vec<String>)>, ServiceError> {
    check_unpacked_size(bytes, spec.what)?;
    let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(|_| {
        rejected(
            "not_xlsx",
            "文件无法作为 Excel 工作簿（.xlsx）读取，可能已损坏。请在 Excel 或 WPS 中重新“另存为 .xlsx”后再上传。".into(),
        )
    })?;
    let names = wb.sheet_names();
    let sheet = if names.iter().any(|n| n == spec.sheet) {
        spec.sheet.to_string()
    } else if names.len() == 1 {
        names[0].clone()
    } else {
        return Err(rejected(
            "xlsx_missing_sheet",
            format!(
                "文件中没有名为“{}”的工作表。可先在{}页“下载 Excel”，在其基础上填写。",
                spec.sheet, spec.what
            ),
        ));
    };
    let unreadable = || {
        rejected(
            "not_xlsx",
            format!("工作表“{sheet}”无法读取，文件可能已损坏。"),
        )
    };
    let max_rows = spec.max_rows;
    let mut rows: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    {
        let mut cells = wb
            .worksheet_cells_reader(&sheet)
            .map_err(|_| unreadable())?;
        while let Some(cell) = cells.next_cell().map_err(|_| unreadable())? {
            let (r, c) = cell.get_position();
            if c >= MAX_COLS {
                continue;
            }
            let text = cell_text(&Data::from(cell.get_value().clone()));
            if text.is_empty() {
                continue;
            }
            // Title rows above the header and blank rows are allowed for; not a million.
            if r as usize > max_rows + 1000 || rows.len() > max_rows + 100 {
                return Err(rejected(
                    "too_many_rows",
                    format!("一次最多导入 {max_rows} 行，请分成几个文件。"),
                ));
            }
            let row = rows.entry(r).or_default();
            if row.len() <= c as usize {
                row.resize(c as usize + 1, String::new());
            }
            row[c as usize] = text;
        }
    }
    let merged = wb.merge_cells_by_sheet_name(&sheet).unwrap_or_default();
    let header_row = header_index(rows.iter().map(|(r, v)| (*r, v.as_slice())), spec);
    for m in &merged {
        let (r0, r1, c0, c_last) = corners(m.start, m.end);
        let c1 = c_last.min(MAX_COLS - 1);
        if header_row.is_some_and(|h| (r0..=r1).contains(&h)) {
            return Err(rejected(
                "xlsx_merged_header",
                format!(
                    "工作表“{sheet}”的表头 {}{}:{}{} 是合并单元格，看不出每列是什么。请取消合并，每列一个表头：{}",
                    column_letters(c0),
                    r0 + 1,
                    column_letters(c_last),
                    r1 + 1,
                    spec.columns.join("、")
                ),
            ));
        }
        if c0 > c1 {
            continue;
        }
        let value = rows
            .get(&r0)
            .and_then(|v| v.get(c0 as usize).cloned())
            .unwrap_or_default();
        // Only rows that have cells: a merge over a million empty rows fills nothing.
        for (_, v) in rows.range_mut(r0..=r1) {
            if v.len() <= c1 as usize {
                v.resize(c1 as usize + 1, String::new());
            }
            for cell in &mut v[c0 as usize..=c1 as usize] {
                if cell.is_empty() {
                    cell.clone_from(&value);
                }
            }
        }
    }
    Ok(rows.into_iter().collect())
}

/// The header is the first row naming every required column (a title row above it, as
/// people put one, is skipped); else the first row, to say what is missing.
fn header_index<'a>(
    rows: impl Iterator<Item = (u32, &'a [String])>,
    spec: &TableSpec,
) -> Option<u32> {
    let mut rows = rows.peekable();
    let first = rows.peek().map(|(r, _)| *r);
    rows.find(|(_, v)| {
        spec.required
            .iter()
            .all(|c| v.iter().any(|h| half_width_text(h) == *c))
    })
    .map(|(r, _)| r)
    .or(first)
}

/// The rows of a CSV file in UTF-8 (with or without BOM) or GBK, 0-based row numbers counting
/// blank lines (so a row's number is the line a spreadsheet shows it on, less one).
fn csv_rows(bytes: &[u8]) -> Result<Vec<(u32, Vec<String>)>, ServiceError> {
    let text = match std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)) {
        Ok(t) => t.to_string(),
        Err(_) => {
            let (t, _, bad) = encoding_rs::GBK.decode(bytes);
            if bad {
                return Err(rejected(
                    "unknown_encoding",
                    "文件既不是 UTF-8 也不是 GBK 编码的文本，无法读取。请在 Excel 或 WPS 中另存为 .xlsx 后上传。".into(),
                ));
            }
            t.into_owned()
        }
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let rec = rec.map_err(|e| {
            rejected(
                "invalid_csv",
                format!(
                    "CSV 文件第 {} 行无法读取（{e}）。请检查引号是否成对。",
                    i + 1
                ),
            )
        })?;
        // csv skips blank lines, and its line count and a record's recorded start can stop
        // before them: the line is counted from where the record's text really begins.
        let line = rec.position().map_or(i as u64 + 1, |p| {
            let bytes = text.as_bytes();
            let mut at = (p.byte() as usize).min(bytes.len());
            while at < bytes.len() && matches!(bytes[at], b'\n' | b'\r') {
                at += 1;
            }
            bytes[..at].iter().filter(|b| **b == b'\n').count() as u64 + 1
        });
        rows.push((
            line.saturating_sub(1) as u32,
            rec.iter().map(|c| c.trim().to_string()).collect(),
        ));
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    #[test]
    fn merged_ranges_are_read_whichever_corner_comes_first() {
        assert_eq!(super::corners((2, 0), (1, 0)), (1, 2, 0, 0));
        assert_eq!(super::corners((1, 3), (4, 1)), (1, 4, 1, 3));
        assert_eq!(super::corners((0, 0), (0, 0)), (0, 0, 0, 0));
    }

    use super::*;

    const SPEC: TableSpec<'static> = TableSpec {
        sheet: "名单",
        what: "名单",
        required: &["姓名", "编号"],
        columns: &["姓名", "编号", "人数", "说明"],
        ignored: &["序号"],
        max_rows: 5,
        max_bytes: 1024 * 1024,
    };

    fn read(text: &str) -> Result<Table, ServiceError> {
        read_table(text.as_bytes(), &SPEC)
    }

    fn numbers(t: &Table) -> Vec<u32> {
        t.rows.iter().map(|(r, _)| *r).collect()
    }

    #[test]
    fn a_gbk_csv_reads_like_utf8() {
        let text = "姓名,编号,人数\n张三,Ａ１,１２\n";
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        for bytes in [
            gbk.into_owned(),
            text.as_bytes().to_vec(),
            [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
        ] {
            let t = read_table(&bytes, &SPEC).unwrap();
            assert_eq!(t.source, "CSV 文件");
            assert_eq!(t.header_row, 1);
            assert_eq!(t.header, ["姓名", "编号", "人数"]);
            assert_eq!(numbers(&t), [2]);
            let (_, cells) = &t.rows[0];
            assert_eq!(t.columns.get(cells, "姓名"), "张三");
            assert_eq!(
                t.columns.get(cells, "人数"),
                "１２",
                "cells keep what was typed"
            );
            assert_eq!(t.columns.get(cells, "说明"), "", "a column the file lacks");
        }
        let e = read_table(b"not,a\xff\xfe\xfd csv", &SPEC).unwrap_err();
        assert_eq!(e.code(), "unknown_encoding");
    }

    #[test]
    fn row_numbers_count_blank_lines_as_a_spreadsheet_shows_them() {
        let t = read("标题\n\n姓名,编号\n张三,1\n\n\r\n李四,2\n,\n王五,3\n").unwrap();
        assert_eq!(t.header_row, 3, "a title row above the header is read past");
        assert_eq!(
            numbers(&t),
            [4, 7, 9],
            "blank lines and empty rows counted, not kept"
        );
    }

    #[test]
    fn header_names_are_read_half_width_and_checked() {
        let spec = TableSpec {
            required: &["ID"],
            columns: &["ID", "名称"],
            ..SPEC
        };
        let t = read_table("序号,ＩＤ,,名称\n1,x,,y\n".as_bytes(), &spec).unwrap();
        assert_eq!(t.columns.index("ID"), Some(1));
        assert_eq!(t.columns.index("名称"), Some(3));

        let e = read("姓名,名字,编号\n").unwrap_err();
        assert_eq!(e.code(), "xlsx_unknown_column");
        assert!(
            e.message()
                .contains("CSV 文件第 B 列的表头“名字”不是名单的列"),
            "{}",
            e.message()
        );
        let e = read("姓名,编号,姓名\n").unwrap_err();
        assert_eq!(e.code(), "xlsx_duplicate_column");
        let e = read("姓名,人数\n").unwrap_err();
        assert_eq!(e.code(), "xlsx_missing_column");
        assert!(
            e.message()
                .contains("缺少“编号”列。表头须有：姓名、编号；可选：人数、说明"),
            "{}",
            e.message()
        );
        let e = read("").unwrap_err();
        assert_eq!(e.code(), "xlsx_missing_column");
        assert!(e.message().contains("CSV 文件是空的"), "{}", e.message());
    }

    #[test]
    fn limits_and_old_workbooks_are_refused() {
        let e = read("姓名,编号\na,1\nb,2\nc,3\nd,4\ne,5\nf,6\n").unwrap_err();
        assert_eq!(e.code(), "too_many_rows");
        assert!(e.message().contains("5 行"), "{}", e.message());
        assert_eq!(
            read("姓名,编号\na,1\nb,2\nc,3\nd,4\ne,5\n")
                .unwrap()
                .rows
                .len(),
            5
        );
        let e = read_table(&vec![b'a'; 1024 * 1024 + 1], &SPEC).unwrap_err();
        assert_eq!(e.code(), "file_too_large");
        assert!(e.message().contains("名单不能超过 1 MB"), "{}", e.message());
        let e = read_table(b"\xD0\xCF\x11\xE0rest", &SPEC).unwrap_err();
        assert_eq!(e.code(), "not_xlsx");
        let e = read_table(b"PK\x03\x04rest", &SPEC).unwrap_err();
        assert_eq!(e.code(), "not_xlsx");
    }

    #[test]
    fn a_workbook_without_the_sheet_is_refused() {
        use rust_xlsxwriter::Workbook;
        let mut wb = Workbook::new();
        wb.add_worksheet().write_string(0, 0, "姓名").unwrap();
        wb.add_worksheet().write_string(0, 0, "编号").unwrap();
        let e = read_table(&wb.save_to_buffer().unwrap(), &SPEC).unwrap_err();
        assert_eq!(e.code(), "xlsx_missing_sheet");
        assert!(e.message().contains("“名单”"), "{}", e.message());
    }

    #[test]
    fn merged_header_cells_are_refused_and_merged_data_cells_fill_down() {
        use rust_xlsxwriter::{Format, Workbook};
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        ws.set_name("名单").unwrap();
        ws.merge_range(0, 0, 0, 2, "某某名单", &Format::new())
            .unwrap();
        ws.write_string(1, 0, "姓名").unwrap();
        ws.write_string(1, 1, "编号").unwrap();
        ws.write_string(1, 2, "说明").unwrap();
        ws.merge_range(2, 2, 3, 2, "同上", &Format::new()).unwrap();
        for r in 2..=3 {
            ws.write_string(r, 0, format!("人{r}")).unwrap();
            ws.write_number(r, 1, r as f64).unwrap();
        }
        // Another sheet: the named one is read.
        wb.add_worksheet().write_string(0, 0, "别的").unwrap();
        let t = read_table(&wb.save_to_buffer().unwrap(), &SPEC).unwrap();
        assert_eq!(t.source, "工作表“名单”");
        assert_eq!(t.header_row, 2, "the merged title row above is read past");
        assert_eq!(numbers(&t), [3, 4]);
        let cells = |k: usize, name: &str| t.columns.get(&t.rows[k].1, name);
        assert_eq!([cells(0, "说明"), cells(1, "说明")], ["同上", "同上"]);
        assert_eq!([cells(0, "编号"), cells(1, "编号")], ["2", "3"]);

        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        ws.merge_range(0, 0, 0, 1, "姓名编号", &Format::new())
            .unwrap();
        ws.write_string(0, 2, "人数").unwrap();
        let e = read_table(&wb.save_to_buffer().unwrap(), &SPEC).unwrap_err();
        assert_eq!(e.code(), "xlsx_merged_header");
        assert!(e.message().contains("A1:B1"), "{}", e.message());
        assert!(
            e.message().contains("姓名、编号、人数、说明"),
            "{}",
            e.message()
        );
    }

    #[test]
    fn cells_read_as_a_spreadsheet_shows_them() {
        assert_eq!(cell_text(&Data::Float(12.0)), "12");
        assert_eq!(cell_text(&Data::Float(1.5)), "1.5");
        assert_eq!(cell_text(&Data::String(" a ".into())), "a");
        assert_eq!(
            cell_text(&Data::DateTimeIso("2026-03-01T00:00:00".into())),
            "2026-03-01"
        );
    }
}
