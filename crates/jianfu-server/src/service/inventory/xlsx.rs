//! The inventory as a workbook: export writes the entries a reader sees; import reads a
//! community's entries from an .xlsx workbook or a CSV file (UTF-8 or GBK, as Excel saves it on
//! Chinese Windows).
//!
//! Layout: one sheet 「负担台账」 with the header row 类型、名称、主管单位 (required) and any of
//! 法律依据、上级文件文号、发现日期、报表频次、字段数、打卡用途、排名依据、要求截图、一票否决、说明.
//! The columns export adds (社区、状态、清理日期、规则提示) are read past on import. Merged cells
//! in the data mean "the same value in every cell"; a merged header cell is refused, since it
//! hides which column is which. Full-width digits (１２３) read as digits.

use super::entries::{EntryInput, half_width, new_entry, parse_entry};
use super::{EntryView, own_community};
use crate::service::catalog_xlsx::{
    MAX_XLSX_BYTES, SheetData, column_letters, looks_like_xlsx, write_sheets,
};
use crate::service::notices::Recipient;
use crate::service::{Actor, App, RequestMeta, ServiceError};
use calamine::{Data, Reader, Xlsx};
use jianfu_domain::permission::Permission;
use jianfu_store::{InventoryRow, InventoryStepRow};
use sha2::Digest;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Cursor;

pub const SHEET: &str = "负担台账";
/// More rows than this is not one community's inventory.
pub const MAX_ROWS: usize = 20_000;

/// The columns import reads, in export order; the first three are required.
pub const COLUMNS: [&str; 13] = [
    "类型",
    "名称",
    "主管单位",
    "法律依据",
    "上级文件文号",
    "发现日期",
    "报表频次",
    "字段数",
    "打卡用途",
    "排名依据",
    "要求截图",
    "一票否决",
    "说明",
];
const REQUIRED: usize = 3;
/// Columns export adds that import reads past.
const EXPORT_ONLY: [&str; 4] = ["社区", "状态", "清理日期", "规则提示"];
/// Columns people add that say nothing about the entry.
const IGNORED: [&str; 2] = ["序号", "编号"];

fn rejected(code: &'static str, message: String) -> ServiceError {
    ServiceError::Rejected { code, message }
}

fn yes_no(b: bool) -> String {
    if b { "是".into() } else { String::new() }
}

/// The entries as the sheet export writes.
pub fn inventory_sheet(entries: &[EntryView]) -> SheetData {
    let mut header: Vec<String> = COLUMNS.iter().map(|s| s.to_string()).collect();
    header.extend(EXPORT_ONLY.iter().map(|s| s.to_string()));
    let mut rows = vec![header];
    for e in entries {
        let d = &e.details;
        rows.push(vec![
            e.kind_label.to_string(),
            e.title.clone(),
            e.owner_name.clone(),
            e.law_basis.clone(),
            e.mandate_document.clone().unwrap_or_default(),
            e.found_on.clone(),
            d.frequency
                .map(|f| f.label_zh().to_string())
                .unwrap_or_default(),
            d.field_count.map(|n| n.to_string()).unwrap_or_default(),
            d.check_in
                .map(|p| p.label_zh().to_string())
                .unwrap_or_default(),
            d.ranking
                .map(|m| m.label_zh().to_string())
                .unwrap_or_default(),
            yes_no(d.screenshots),
            yes_no(d.one_vote_veto),
            String::new(),
            e.community_name.clone(),
            e.status_label.to_string(),
            e.cleared_on.clone().unwrap_or_default(),
            e.findings
                .iter()
                .map(|f| format!("{}：{}", f.message, f.todo))
                .collect::<Vec<_>>()
                .join("\n"),
        ]);
    }
    SheetData {
        name: SHEET.into(),
        widths: vec![
            16.0, 30.0, 20.0, 30.0, 20.0, 12.0, 10.0, 8.0, 10.0, 12.0, 8.0, 8.0, 30.0, 16.0, 12.0,
            12.0, 50.0,
        ],
        header: true,
        rows,
    }
}

pub fn export_xlsx(entries: &[EntryView]) -> Result<Vec<u8>, ServiceError> {
    write_sheets(&[inventory_sheet(entries)])
        .map_err(|e| ServiceError::Internal(format!("xlsx export: {e}")))
}

/// A cell as text: whole numbers without ".0", dates as YYYY-MM-DD.
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

/// Columns read: an inventory has 17; anything further right is not read (and cannot be a
/// column the import knows).
const MAX_COLS: u32 = 64;
/// Unpacked size of all the parts of a workbook: a 20,000-row inventory is a few MB.
const MAX_UNPACKED: u64 = 100 * 1024 * 1024;

/// Refuses a workbook whose parts say they unpack to more than [`MAX_UNPACKED`] (a zip bomb),
/// before anything is unpacked.
fn check_unpacked_size(bytes: &[u8]) -> Result<(), ServiceError> {
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return Ok(()); // calamine says what is wrong with it
    };
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        total = total.saturating_add(zip.by_index_raw(i).map(|f| f.size()).unwrap_or(0));
        if total > MAX_UNPACKED {
            return Err(rejected(
                "file_too_large",
                "工作簿解压后过大，不像是负担台账。请检查文件，或另存为 .xlsx 后再上传。".into(),
            ));
        }
    }
    Ok(())
}

/// The rows of a sheet, as text, 0-based row numbers kept; merged data cells filled with their
/// first cell's value. Read cell by cell: a sheet that claims a million rows or columns costs
/// nothing until its cells are there, and reading stops past [`MAX_ROWS`].
fn xlsx_rows(bytes: &[u8]) -> Result<Vec<(u32, Vec<String>)>, ServiceError> {
    check_unpacked_size(bytes)?;
    let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(|_| {
        rejected(
            "not_xlsx",
            "文件无法作为 Excel 工作簿（.xlsx）读取，可能已损坏。请在 Excel 或 WPS 中重新“另存为 .xlsx”后再上传。".into(),
        )
    })?;
    let names = wb.sheet_names();
    let sheet = if names.iter().any(|n| n == SHEET) {
        SHEET.to_string()
    } else if names.len() == 1 {
        names[0].clone()
    } else {
        return Err(rejected(
            "xlsx_missing_sheet",
            format!(
                "文件中没有名为“{SHEET}”的工作表。可先在负担台账页“下载 Excel”，在其基础上填写。"
            ),
        ));
    };
    let unreadable = || {
        rejected(
            "not_xlsx",
            format!("工作表“{sheet}”无法读取，文件可能已损坏。"),
        )
    };
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
            if r as usize > MAX_ROWS + 1000 || rows.len() > MAX_ROWS + 100 {
                return Err(rejected(
                    "too_many_rows",
                    format!("一次最多导入 {MAX_ROWS} 行，请分成几个文件。"),
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
    let header_row = header_index(rows.iter().map(|(r, v)| (*r, v.as_slice())));
    for m in &merged {
        let (r0, c0) = m.start;
        let (r1, c1) = (m.end.0, m.end.1.min(MAX_COLS - 1));
        if header_row.is_some_and(|h| (r0..=r1).contains(&h)) {
            return Err(rejected(
                "xlsx_merged_header",
                format!(
                    "工作表“{sheet}”的表头 {}{}:{}{} 是合并单元格，看不出每列是什么。请取消合并，每列一个表头：{}",
                    column_letters(c0),
                    r0 + 1,
                    column_letters(m.end.1),
                    m.end.0 + 1,
                    COLUMNS.join("、")
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
fn header_index<'a>(rows: impl Iterator<Item = (u32, &'a [String])>) -> Option<u32> {
    let mut rows = rows.peekable();
    let first = rows.peek().map(|(r, _)| *r);
    rows.find(|(_, v)| {
        COLUMNS[..REQUIRED]
            .iter()
            .all(|c| v.iter().any(|h| half_width(h) == *c))
    })
    .map(|(r, _)| r)
    .or(first)
}

/// The rows of a CSV file in UTF-8 (with or without BOM) or GBK.
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

fn truthy(s: &str) -> bool {
    matches!(
        half_width(s).to_lowercase().as_str(),
        "是" | "有" | "√" | "✓" | "y" | "yes" | "1" | "true"
    )
}

/// Reads a workbook or CSV file into typed entries with their row numbers (1-based, as a
/// spreadsheet shows them). Nothing is checked against the rules here; [`App::import_inventory`]
/// checks each row as a typed entry.
pub fn read_rows(bytes: &[u8]) -> Result<Vec<(u32, EntryInput)>, ServiceError> {
    if bytes.len() > MAX_XLSX_BYTES {
        return Err(rejected(
            "file_too_large",
            format!(
                "文件过大（{:.1} MB），负担台账不能超过 5 MB。",
                bytes.len() as f64 / 1024.0 / 1024.0
            ),
        ));
    }
    let (rows, where_) = if looks_like_xlsx(bytes) {
        (xlsx_rows(bytes)?, format!("工作表“{SHEET}”"))
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
    let header_at = header_index(rows.iter().map(|(r, v)| (*r, v.as_slice())));
    let mut rows = rows.into_iter().skip_while(|(r, _)| Some(*r) != header_at);
    let Some((_, header)) = rows.next() else {
        return Err(rejected(
            "xlsx_missing_column",
            format!("{where_}是空的。第 1 行应为表头：{}", COLUMNS.join("、")),
        ));
    };
    let header: Vec<String> = header.iter().map(|h| half_width(h)).collect();
    let mut cols: [Option<usize>; COLUMNS.len()] = [None; COLUMNS.len()];
    for (i, h) in header.iter().enumerate() {
        if h.is_empty() || EXPORT_ONLY.contains(&h.as_str()) || IGNORED.contains(&h.as_str()) {
            continue;
        }
        match COLUMNS.iter().position(|c| c == h) {
            Some(k) if cols[k].is_none() => cols[k] = Some(i),
            Some(_) => {
                return Err(rejected(
                    "xlsx_duplicate_column",
                    format!("{where_}有两列都叫“{h}”，请删去一列。"),
                ));
            }
            None => {
                return Err(rejected(
                    "xlsx_unknown_column",
                    format!(
                        "{where_}第 {} 列的表头“{h}”不是负担台账的列，为免漏读请改为以下之一或删去该列：{}",
                        column_letters(i as u32),
                        COLUMNS.join("、")
                    ),
                ));
            }
        }
    }
    if let Some(k) = (0..REQUIRED).find(|k| cols[*k].is_none()) {
        return Err(rejected(
            "xlsx_missing_column",
            format!(
                "{where_}缺少“{}”列。表头须有：{}；可选：{}",
                COLUMNS[k],
                COLUMNS[..REQUIRED].join("、"),
                COLUMNS[REQUIRED..].join("、")
            ),
        ));
    }
    let mut out = Vec::new();
    for (row, cells) in rows {
        if out.len() >= MAX_ROWS {
            return Err(rejected(
                "too_many_rows",
                format!("一次最多导入 {MAX_ROWS} 行，请分成几个文件。"),
            ));
        }
        let get = |k: usize| {
            cols[k]
                .and_then(|i| cells.get(i))
                .cloned()
                .unwrap_or_default()
        };
        out.push((
            row + 1,
            EntryInput {
                kind: get(0),
                title: get(1),
                owner: get(2),
                law_basis: get(3),
                mandate_document: half_width(&get(4)),
                found_on: get(5),
                frequency: get(6),
                field_count: get(7),
                check_in: get(8),
                ranking: get(9),
                screenshots: truthy(&get(10)),
                one_vote_veto: truthy(&get(11)),
                note: get(12),
            },
        ));
    }
    Ok(out)
}

/// The column a field's error belongs to, for the message.
fn column_of(code: &str) -> &'static str {
    match code {
        "unknown_burden_kind" => "类型",
        "unknown_owner" => "主管单位",
        "invalid_date" | "date_in_future" => "发现日期",
        "invalid_field_count" => "字段数",
        "title_missing" => "名称",
        _ => "",
    }
}

impl App {
    /// (kind, title, owner) of every entry the community still carries.
    async fn carried_keys(
        &self,
        community: &str,
    ) -> Result<Vec<(String, String, String)>, ServiceError> {
        let mut out = Vec::new();
        let mut offset = 0;
        loop {
            let filter = jianfu_store::InventoryFilter {
                communities: Some(vec![community.to_string()]),
                list: jianfu_store::ListQuery {
                    statuses: jianfu_domain::inventory::Status::ALL
                        .iter()
                        .filter(|s| s.is_carried())
                        .map(|s| s.as_str().to_string())
                        .collect(),
                    limit: 2000,
                    offset,
                    ..Default::default()
                },
                ..Default::default()
            };
            let page = self.store.list_inventory(&filter).await?;
            let n = page.rows.len() as i64;
            out.extend(
                page.rows
                    .into_iter()
                    .map(|r| (r.kind, r.title, r.owner_code)),
            );
            offset += n;
            if n == 0 || offset >= page.total {
                return Ok(out);
            }
        }
    }

    /// Imports a community's entries from a workbook: every row is checked as if typed; the first
    /// bad row is named (sheet row and column) and nothing is written. Returns how many.
    pub async fn import_inventory(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        bytes: &[u8],
    ) -> Result<usize, ServiceError> {
        actor.require(Permission::RecordInventory)?;
        let tree = self.org_tree().await?;
        let community = own_community(actor, &tree)?;
        let typed = read_rows(bytes)?;
        if typed.is_empty() {
            return Err(rejected(
                "xlsx_no_rows",
                "表中只有表头，没有要导入的条目。".into(),
            ));
        }
        let today = self.today();
        let now = self.now_ms();
        let mut entries: Vec<InventoryRow> = Vec::with_capacity(typed.len());
        let mut steps: Vec<InventoryStepRow> = Vec::with_capacity(typed.len());
        let mut owners = BTreeSet::new();
        // The same thing twice (the same file imported again, or a row repeated) would count
        // as two burdens: refused, naming the row.
        let mut seen: HashMap<(String, String, String), Option<u32>> = self
            .carried_keys(community.as_str())
            .await?
            .into_iter()
            .map(|k| (k, None))
            .collect();
        for (row, input) in &typed {
            let at_row = |e: ServiceError| match e {
                ServiceError::Rejected { code, message } => {
                    let col = column_of(code);
                    ServiceError::Rejected {
                        code,
                        message: if col.is_empty() {
                            format!("第 {row} 行：{message}")
                        } else {
                            format!("第 {row} 行“{col}”：{message}")
                        },
                    }
                }
                other => other,
            };
            let (facts, found_on) = parse_entry(input, &community, &tree, today).map_err(at_row)?;
            let note =
                crate::service::text_field::paragraph(&input.note, 2000, "说明").map_err(at_row)?;
            let key = (
                facts.kind.as_str().to_string(),
                facts.title.clone(),
                facts.owner.clone(),
            );
            if let Some(first) = seen.get(&key) {
                return Err(rejected(
                    "duplicate_entry",
                    match first {
                        Some(r) => {
                            format!("第 {row} 行与第 {r} 行重复（类型、名称、主管单位都相同）。")
                        }
                        None => format!(
                            "第 {row} 行“{}”已在本社区的负担台账中（同一文件导入两次？）。",
                            facts.title
                        ),
                    },
                ));
            }
            seen.insert(key, Some(*row));
            owners.insert(facts.owner.clone());
            let (r, s) = new_entry(community.as_str(), &facts, found_on, note, actor, now);
            entries.push(r);
            steps.push(s);
        }
        let mut a = self.audit(
            actor,
            meta,
            "inventory.import",
            format!("inventory:{community}"),
        );
        a.detail = serde_json::json!({
            "entries": entries.len(),
            "sha256": hex::encode(sha2::Sha256::digest(bytes)),
        })
        .to_string();
        let to: Vec<Recipient> = owners.into_iter().map(Recipient::organisation).collect();
        let told = self.told(
            actor,
            meta,
            &to,
            "inventory_recorded",
            "社区负担台账：批量登记",
            &format!(
                "{}从表格导入了负担台账，其中有贵单位放到社区的条目。请在负担台账中查看，有依据的请答复。",
                tree.name_or_code(community.as_str())
            ),
            "/inventory",
        );
        self.store
            .insert_inventory(&entries, &steps, &told, a)
            .await?;
        Ok(entries.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(text: &str) -> Vec<u8> {
        text.as_bytes().to_vec()
    }

    #[test]
    fn a_gbk_csv_reads_like_utf8() {
        let text = "类型,名称,主管单位,字段数\n挂牌,社区警务工作站,区公安分局,１２\n";
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        for bytes in [
            gbk.into_owned(),
            csv(text),
            [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
        ] {
            let rows = read_rows(&bytes).unwrap();
            assert_eq!(rows.len(), 1);
            assert_eq!(rows[0].0, 2);
            assert_eq!(rows[0].1.title, "社区警务工作站");
            assert_eq!(rows[0].1.field_count, "１２");
            assert_eq!(half_width(&rows[0].1.field_count), "12");
        }
    }

    #[test]
    fn row_numbers_count_blank_lines_as_a_spreadsheet_shows_them() {
        let rows = read_rows(&csv(
            "类型,名称,主管单位\n挂牌,a,区公安分局\n\n挂牌,b,某某局\n",
        ))
        .unwrap();
        assert_eq!(rows.iter().map(|(r, _)| *r).collect::<Vec<_>>(), [2, 4]);
    }

    #[test]
    fn wrong_columns_are_named() {
        let e = read_rows(&csv("类型,名字,主管单位\n挂牌,a,b\n")).unwrap_err();
        assert_eq!(e.code(), "xlsx_unknown_column");
        assert!(e.message().contains("名字"), "{}", e.message());
        let e = read_rows(&csv("类型,名称\n挂牌,a\n")).unwrap_err();
        assert_eq!(e.code(), "xlsx_missing_column");
        assert!(e.message().contains("主管单位"));
        let e = read_rows(&csv("类型,名称,主管单位,名称\n")).unwrap_err();
        assert_eq!(e.code(), "xlsx_duplicate_column");
        assert_eq!(read_rows(b"").unwrap_err().code(), "xlsx_missing_column");
        assert_eq!(
            read_rows(b"\xD0\xCF\x11\xE0rest").unwrap_err().code(),
            "not_xlsx"
        );
    }

    #[test]
    fn merged_header_cells_are_refused_and_merged_data_cells_fill_down() {
        use rust_xlsxwriter::{Format, Workbook};
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        ws.set_name(SHEET).unwrap();
        ws.write_string(0, 0, "类型").unwrap();
        ws.write_string(0, 1, "名称").unwrap();
        ws.write_string(0, 2, "主管单位").unwrap();
        ws.merge_range(1, 2, 2, 2, "区民政局", &Format::new())
            .unwrap();
        for r in 1..=2 {
            ws.write_string(r, 0, "业务台账").unwrap();
            ws.write_string(r, 1, format!("台账{r}")).unwrap();
        }
        let bytes = wb.save_to_buffer().unwrap();
        let rows = read_rows(&bytes).unwrap();
        assert_eq!(
            rows.iter()
                .map(|(_, e)| e.owner.as_str())
                .collect::<Vec<_>>(),
            ["区民政局", "区民政局"]
        );

        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        ws.merge_range(0, 0, 0, 1, "类型名称", &Format::new())
            .unwrap();
        ws.write_string(0, 2, "主管单位").unwrap();
        let e = read_rows(&wb.save_to_buffer().unwrap()).unwrap_err();
        assert_eq!(e.code(), "xlsx_merged_header");
        assert!(e.message().contains("A1:B1"), "{}", e.message());
    }
}
