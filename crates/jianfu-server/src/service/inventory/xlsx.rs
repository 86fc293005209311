//! The inventory as a workbook: export writes the entries a reader sees; import reads a
//! community's entries from an .xlsx workbook or a CSV file (UTF-8 or GBK, as Excel saves it on
//! Chinese Windows), through [`crate::service::spreadsheet`].
//!
//! Layout: one sheet 「负担台账」 with the header row 类型、名称、主管单位 (required) and any of
//! 法律依据、上级文件文号、发现日期、报表频次、字段数、打卡用途、排名依据、要求截图、一票否决、说明.
//! The columns export adds (社区、状态、清理日期、规则提示) and 序号、编号 are read past on import.
//! Merged data cells, merged header cells, title rows and full-width header names are read as
//! `spreadsheet` says; full-width digits (１２３) in 字段数 and dates read as digits.

use super::entries::{EntryInput, half_width, new_entry, parse_entry};
use super::{EntryView, own_community};
use crate::service::catalog_xlsx::{MAX_XLSX_BYTES, SheetData, write_sheets};
use crate::service::notices::Recipient;
use crate::service::spreadsheet::{TableSpec, read_table};
use crate::service::{Actor, App, RequestMeta, ServiceError};
use jianfu_domain::permission::Permission;
use jianfu_store::{InventoryRow, InventoryStepRow};
use sha2::Digest;
use std::collections::{BTreeSet, HashMap};

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

fn truthy(s: &str) -> bool {
    matches!(
        half_width(s).to_lowercase().as_str(),
        "是" | "有" | "√" | "✓" | "y" | "yes" | "1" | "true"
    )
}

/// How import reads the sheet: [`COLUMNS`], the first [`REQUIRED`] of them required; the
/// columns export adds and [`IGNORED`] read past.
fn read_past() -> Vec<&'static str> {
    EXPORT_ONLY.iter().chain(&IGNORED).copied().collect()
}

/// Reads a workbook or CSV file into typed entries with their row numbers (1-based, as a
/// spreadsheet shows them). Nothing is checked against the rules here; [`App::import_inventory`]
/// checks each row as a typed entry.
pub fn read_rows(bytes: &[u8]) -> Result<Vec<(u32, EntryInput)>, ServiceError> {
    let ignored = read_past();
    let spec = TableSpec {
        sheet: SHEET,
        what: "负担台账",
        required: &COLUMNS[..REQUIRED],
        columns: &COLUMNS,
        ignored: &ignored,
        max_rows: MAX_ROWS,
        max_bytes: MAX_XLSX_BYTES,
    };
    let table = read_table(bytes, &spec)?;
    let cols = &table.columns;
    Ok(table
        .rows
        .iter()
        .map(|(row, cells)| {
            let get = |name: &str| cols.get(cells, name);
            (
                *row,
                EntryInput {
                    kind: get("类型"),
                    title: get("名称"),
                    owner: get("主管单位"),
                    law_basis: get("法律依据"),
                    mandate_document: half_width(&get("上级文件文号")),
                    found_on: get("发现日期"),
                    frequency: get("报表频次"),
                    field_count: get("字段数"),
                    check_in: get("打卡用途"),
                    ranking: get("排名依据"),
                    screenshots: truthy(&get("要求截图")),
                    one_vote_veto: truthy(&get("一票否决")),
                    note: get("说明"),
                },
            )
        })
        .collect())
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
    fn rows_read_into_entries_by_column_name() {
        let text = "序号,类型,名称,主管单位,字段数,上级文件文号,要求截图,一票否决,社区,状态\n\
                    1,挂牌,社区警务工作站,区公安分局,１２,京政办发〔２０１５〕１号,是,,丁香,已登记\n\
                    \n\
                    2,报表,月报,某某局,,,,√,,\n";
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        for bytes in [gbk.into_owned(), csv(text)] {
            let rows = read_rows(&bytes).unwrap();
            assert_eq!(rows.iter().map(|(r, _)| *r).collect::<Vec<_>>(), [2, 4]);
            let e = &rows[0].1;
            assert_eq!(
                (e.kind.as_str(), e.title.as_str(), e.owner.as_str()),
                ("挂牌", "社区警务工作站", "区公安分局")
            );
            assert_eq!(e.field_count, "１２", "parse_entry reads it half-width");
            assert_eq!(e.mandate_document, "京政办发〔2015〕1号");
            assert!(e.screenshots && !e.one_vote_veto);
            assert!(!rows[1].1.screenshots && rows[1].1.one_vote_veto);
        }
    }

    #[test]
    fn wrong_columns_are_named() {
        let e = read_rows(&csv("类型,名字,主管单位\n挂牌,a,b\n")).unwrap_err();
        assert_eq!(e.code(), "xlsx_unknown_column");
        assert!(e.message().contains("名字"), "{}", e.message());
        assert!(e.message().contains("不是负担台账的列"), "{}", e.message());
        let e = read_rows(&csv("类型,名称\n挂牌,a\n")).unwrap_err();
        assert_eq!(e.code(), "xlsx_missing_column");
        assert!(e.message().contains("主管单位"));
        assert!(
            e.message().contains(&format!(
                "表头须有：类型、名称、主管单位；可选：{}",
                COLUMNS[REQUIRED..].join("、")
            )),
            "{}",
            e.message()
        );
        let e = read_rows(&csv("类型,名称,主管单位,名称\n")).unwrap_err();
        assert_eq!(e.code(), "xlsx_duplicate_column");
        assert_eq!(read_rows(b"").unwrap_err().code(), "xlsx_missing_column");
        assert_eq!(
            read_rows(b"\xD0\xCF\x11\xE0rest").unwrap_err().code(),
            "not_xlsx"
        );
        let e = read_rows(&vec![b'a'; MAX_XLSX_BYTES + 1]).unwrap_err();
        assert_eq!(e.code(), "file_too_large");
        assert!(
            e.message().contains("负担台账不能超过 5 MB"),
            "{}",
            e.message()
        );
    }

    #[test]
    fn a_workbook_reads_its_sheet_and_merged_owners() {
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
        wb.add_worksheet().write_string(0, 0, "别的").unwrap();
        let bytes = wb.save_to_buffer().unwrap();
        let rows = read_rows(&bytes).unwrap();
        assert_eq!(
            rows.iter()
                .map(|(_, e)| e.owner.as_str())
                .collect::<Vec<_>>(),
            ["区民政局", "区民政局"]
        );

        let mut wb = Workbook::new();
        wb.add_worksheet().write_string(0, 0, "类型").unwrap();
        wb.add_worksheet().write_string(0, 0, "类型").unwrap();
        let e = read_rows(&wb.save_to_buffer().unwrap()).unwrap_err();
        assert_eq!(e.code(), "xlsx_missing_sheet");
        assert!(
            e.message()
                .contains("没有名为“负担台账”的工作表。可先在负担台账页“下载 Excel”"),
            "{}",
            e.message()
        );
    }
}
