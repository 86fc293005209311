//! The catalog as an Excel workbook (.xlsx), the form in which districts keep their lists.
//!
//! Layout (export writes it, import reads exactly it back):
//! - sheet 「说明」: two columns, label and value — 版本编号, 标题, 发布文件, 生效日期, 失效日期, 说明,
//!   and one row per legal anchor (法律锚点：assist, 法律锚点：funding);
//! - sheet 「事项」: one row per item under the header 编码, 类别 (kind code, e.g. `duty`), 名称,
//!   法律依据 (`law_key:条款; law_key:条款`), 来源文件 (`标题|发文机关|文号` separated by `; `, a
//!   fourth `|网址` part when the source has one), 责任部门, 须配经费 (是/否), 甄别词 (、-separated),
//!   仅限责任主体 (是/否), 备注;
//! - sheet 「法律」: 代号, 名称, 版本, 施行日期, 失效日期, 层级 (法律、行政法规、地方性法规、规章、
//!   规范性文件、其他, or the code `law`…; optional column, blank = not stated);
//! - sheet 「证明事项」 (optional; needed when there are certificate items): one row per item of kind
//!   `certificate` or `certificate_negative`, keyed by 编码 — 内容及用途, 开具单位, 也可出具单位,
//!   要求开具单位 (`名称|词、词; 名称|词`), 办理条件, 须本社区户籍 (是/否), 材料
//!   (`代号|名称|必交; 代号|名称|选交`), 办理时限（工作日）, 证明式样, 例外于, 例外用途 (、-separated),
//!   子项 (、-separated), 应由谁出具, 办理途径, 别称 (、-separated), 别称来源 (the last two
//!   optional columns, so workbooks written before them still import).
//!
//! A file that cannot be read gets a Chinese message naming the sheet, row and column.

use super::ServiceError;
use calamine::{Data, Range, Reader, Xlsx};
use jianfu_domain::gate::catalog::{
    CertificateSpec, Law, LawLevel, LegalBasis, Material, NegativeCertificateSpec, RequestingUnit,
    SourceDoc, VersionInfo,
};
use jianfu_domain::gate::{Catalog, CatalogItem, ItemKind};
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};
use std::collections::{HashMap, HashSet};
use std::io::Cursor;

/// Largest workbook accepted for import.
pub const MAX_XLSX_BYTES: usize = 5 * 1024 * 1024;

pub const SHEET_INFO: &str = "说明";
pub const SHEET_ITEMS: &str = "事项";
pub const SHEET_LAWS: &str = "法律";

const INFO_LABELS: [&str; 6] = [
    "版本编号",
    "标题",
    "发布文件",
    "生效日期",
    "失效日期",
    "说明",
];
/// 「说明」 rows `法律锚点：assist` and `法律锚点：funding` carry the catalog's legal anchors, written
/// like the 法律依据 column (`法律代号:条款; 法律代号:条款`).
const ANCHOR_LABEL: &str = "法律锚点：";
const ITEM_HEADERS: [&str; 10] = [
    "编码",
    "类别",
    "名称",
    "法律依据",
    "来源文件",
    "责任部门",
    "须配经费",
    "甄别词",
    "仅限责任主体",
    "备注",
];
const LAW_HEADERS: [&str; 5] = ["代号", "名称", "版本", "施行日期", "失效日期"];
/// Optional column of 「法律」 after the five above.
const LAW_LEVEL: &str = "层级";
/// Optional columns of 「证明事项」 after the fifteen of [`CERT_HEADERS`].
const CERT_ALIASES: &str = "别称";
const CERT_ALIASES_SOURCE: &str = "别称来源";
pub const SHEET_CERTIFICATES: &str = "证明事项";
const CERT_HEADERS: [&str; 15] = [
    "编码",
    "内容及用途",
    "开具单位",
    "也可出具单位",
    "要求开具单位",
    "办理条件",
    "须本社区户籍",
    "材料",
    "办理时限（工作日）",
    "证明式样",
    "例外于",
    "例外用途",
    "子项",
    "应由谁出具",
    "办理途径",
];

fn rejected(code: &'static str, message: String) -> ServiceError {
    ServiceError::Rejected { code, message }
}

// ------------------------------------------------------------------------------------------------
// Export

/// Writes a catalog version as an .xlsx workbook.
pub fn export_xlsx(c: &Catalog) -> Result<Vec<u8>, ServiceError> {
    write_sheets(&catalog_sheets(c))
        .map_err(|e| ServiceError::Internal(format!("xlsx export: {e}")))
}

fn yes_no(b: bool) -> &'static str {
    if b { "是" } else { "否" }
}

/// 法律依据 as written in the sheet: `law_key:条款; law_key:条款`.
pub fn format_legal_basis(bases: &[LegalBasis]) -> String {
    bases
        .iter()
        .map(|b| format!("{}:{}", b.law, b.article))
        .collect::<Vec<_>>()
        .join("; ")
}

/// 来源文件 as written in the sheet: `标题|发文机关|文号[|网址]; …`.
pub fn format_sources(sources: &[SourceDoc]) -> String {
    sources
        .iter()
        .map(|s| {
            let mut t = format!("{}|{}|{}", s.title, s.issuer, s.number);
            if !s.url.is_empty() {
                t.push('|');
                t.push_str(&s.url);
            }
            t
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// 要求开具单位 as written in the sheet: `名称|词、词; 名称`.
pub fn format_requesting_units(units: &[RequestingUnit]) -> String {
    units
        .iter()
        .map(|u| {
            if u.terms.is_empty() {
                u.name.clone()
            } else {
                format!("{}|{}", u.name, u.terms.join("、"))
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// 材料 as written in the sheet: `代号|名称|必交; 代号|名称|选交`.
pub fn format_materials(materials: &[Material]) -> String {
    materials
        .iter()
        .map(|m| {
            format!(
                "{}|{}|{}",
                m.key,
                m.name,
                if m.required { "必交" } else { "选交" }
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// One worksheet to write: its name, column widths and rows of text. With `header`, the first row
/// is bold and frozen.
pub struct SheetData {
    pub name: String,
    pub widths: Vec<f64>,
    pub header: bool,
    pub rows: Vec<Vec<String>>,
}

/// Writes worksheets of plain text cells. Export uses it; so can anyone who needs a workbook in
/// another shape (e.g. tests of the import's error messages).
pub fn write_sheets(sheets: &[SheetData]) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let wrap = Format::new().set_text_wrap();
    let bold = Format::new().set_bold().set_text_wrap();
    for sheet in sheets {
        let ws: &mut Worksheet = wb.add_worksheet();
        ws.set_name(sheet.name.as_str())?;
        for (col, w) in sheet.widths.iter().enumerate() {
            ws.set_column_width(col as u16, *w)?;
        }
        for (r, row) in sheet.rows.iter().enumerate() {
            for (col, text) in row.iter().enumerate() {
                let fmt = if sheet.header && r == 0 { &bold } else { &wrap };
                ws.write_string_with_format(r as u32, col as u16, text.as_str(), fmt)?;
            }
        }
        if sheet.header {
            ws.set_freeze_panes(1, 0)?;
        }
    }
    wb.save_to_buffer()
}

fn strings<const N: usize>(a: [&str; N]) -> Vec<String> {
    a.iter().map(|s| s.to_string()).collect()
}

/// The three sheets of a catalog, as [`export_xlsx`] writes them.
pub fn catalog_sheets(c: &Catalog) -> Vec<SheetData> {
    let v = &c.version;
    let values = [
        &v.id,
        &v.title,
        &v.document,
        &v.effective_from,
        &v.effective_to,
        &v.notice,
    ];
    let mut info_rows: Vec<Vec<String>> = INFO_LABELS
        .iter()
        .zip(values)
        .map(|(l, v)| vec![l.to_string(), v.clone()])
        .collect();
    // The regime's legal anchors (cited by the gate next to the policy), one row per role.
    info_rows.extend(
        c.anchors
            .iter()
            .map(|(role, bases)| vec![format!("{ANCHOR_LABEL}{role}"), format_legal_basis(bases)]),
    );
    let info = SheetData {
        name: SHEET_INFO.into(),
        widths: vec![16.0, 90.0],
        header: false,
        rows: info_rows,
    };
    let mut item_rows = vec![strings(ITEM_HEADERS)];
    item_rows.extend(c.items.iter().map(|it| {
        vec![
            it.code.clone(),
            it.kind.as_str().to_string(),
            it.name.clone(),
            format_legal_basis(&it.legal_basis),
            format_sources(&it.sources),
            it.responsible_department.clone(),
            yes_no(it.funding_required).to_string(),
            it.terms.join("、"),
            yes_no(it.only_as_responsible).to_string(),
            it.notes.clone(),
        ]
    }));
    let items = SheetData {
        name: SHEET_ITEMS.into(),
        widths: vec![8.0, 16.0, 40.0, 40.0, 40.0, 14.0, 10.0, 30.0, 12.0, 40.0],
        header: true,
        rows: item_rows,
    };
    let mut law_rows = vec![strings(LAW_HEADERS)];
    law_rows[0].push(LAW_LEVEL.into());
    law_rows.extend(c.laws.iter().map(|l| {
        vec![
            l.key.clone(),
            l.name.clone(),
            l.version.clone(),
            l.effective_from.clone(),
            l.effective_to.clone(),
            l.level
                .map(|v| v.label_zh().to_string())
                .unwrap_or_default(),
        ]
    }));
    let laws = SheetData {
        name: SHEET_LAWS.into(),
        widths: vec![14.0, 44.0, 40.0, 12.0, 12.0, 12.0],
        header: true,
        rows: law_rows,
    };
    let mut sheets = vec![info, items, laws];
    let mut cert_rows = vec![strings(CERT_HEADERS)];
    cert_rows[0].extend([CERT_ALIASES.to_string(), CERT_ALIASES_SOURCE.to_string()]);
    cert_rows.extend(c.items.iter().filter_map(certificate_row));
    if cert_rows.len() > 1 {
        sheets.push(SheetData {
            name: SHEET_CERTIFICATES.into(),
            widths: vec![
                8.0, 36.0, 16.0, 20.0, 30.0, 36.0, 10.0, 36.0, 10.0, 50.0, 8.0, 10.0, 30.0, 30.0,
                50.0, 50.0, 30.0,
            ],
            header: true,
            rows: cert_rows,
        });
    }
    sheets
}

/// The 「证明事项」 row of an item, when it has certificate fields.
fn certificate_row(it: &CatalogItem) -> Option<Vec<String>> {
    if it.certificate.is_none() && it.certificate_negative.is_none() {
        return None;
    }
    let mut row = vec![String::new(); CERT_HEADERS.len() + 2];
    row[0] = it.code.clone();
    row[15] = it.aliases.join("、");
    row[16] = it.aliases_source.clone();
    if let Some(c) = &it.certificate {
        row[1] = c.content_and_purpose.clone();
        row[2] = c.issuing_level.clone();
        row[3] = c.also_issued_by.clone();
        row[4] = format_requesting_units(&c.requesting_units);
        row[5] = c.conditions.clone();
        row[6] = yes_no(c.requires_household).to_string();
        row[7] = format_materials(&c.materials);
        row[8] = c.time_limit_working_days.to_string();
        row[9] = c.template.clone();
        row[10] = c.exception_to.clone();
        row[11] = c.exception_purposes.join("、");
    }
    if let Some(n) = &it.certificate_negative {
        row[12] = n.sub_items.join("、");
        row[13] = n.issued_by_instead.clone();
        row[14] = n.resident_path.clone();
    }
    Some(row)
}

// ------------------------------------------------------------------------------------------------
// Import

/// Whether the bytes start like a ZIP archive (every .xlsx is one).
pub fn looks_like_xlsx(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

/// Spreadsheet column letters for a 0-based index: 0 → A, 26 → AA.
pub fn column_letters(mut col: u32) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// Where a bad cell is, for the message: 工作表“事项”第 5 行 B 列（类别）.
struct At<'a> {
    sheet: &'a str,
    row: u32,
    col: u32,
    header: &'a str,
}

impl At<'_> {
    fn err(&self, code: &'static str, what: impl std::fmt::Display) -> ServiceError {
        rejected(
            code,
            format!(
                "工作表“{}”第 {} 行 {} 列（{}）：{}",
                self.sheet,
                self.row + 1,
                column_letters(self.col),
                self.header,
                what
            ),
        )
    }
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

/// A row of text cells with its absolute 0-based row number.
type Row = (u32, Vec<String>);

/// A sheet's rows as text with their absolute 0-based row numbers; wholly empty rows skipped.
fn sheet_rows(range: &Range<Data>) -> Vec<Row> {
    let (row0, col0) = range.start().unwrap_or((0, 0));
    range
        .rows()
        .enumerate()
        .map(|(i, cells)| {
            // Pad on the left so that index = absolute column.
            let mut v = vec![String::new(); col0 as usize];
            v.extend(cells.iter().map(cell_text));
            (row0 + i as u32, v)
        })
        .filter(|(_, v)| v.iter().any(|c| !c.is_empty()))
        .collect()
}

/// Finds each expected header in the first row; returns their absolute column indices.
fn header_columns<'a>(
    sheet: &str,
    rows: &'a [Row],
    expected: &[&str],
) -> Result<(Vec<usize>, &'a [Row]), ServiceError> {
    let Some(((_, first), rest)) = rows.split_first() else {
        return Err(rejected(
            "xlsx_missing_column",
            format!(
                "工作表“{sheet}”是空的。第 1 行应为表头：{}",
                expected.join("、")
            ),
        ));
    };
    let mut cols = Vec::with_capacity(expected.len());
    for name in expected {
        match first.iter().position(|h| h == name) {
            Some(i) => cols.push(i),
            None => {
                return Err(rejected(
                    "xlsx_missing_column",
                    format!(
                        "工作表“{sheet}”缺少“{name}”列。第 1 行应为表头：{}",
                        expected.join("、")
                    ),
                ));
            }
        }
    }
    Ok((cols, rest))
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_lowercase().as_str() {
        "是" | "true" | "1" | "y" | "yes" | "√" => Some(true),
        "否" | "false" | "0" | "n" | "no" | "" => Some(false),
        _ => None,
    }
}

fn split_list(s: &str, seps: &[char]) -> Vec<String> {
    s.split(seps)
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

fn open(bytes: &[u8]) -> Result<Xlsx<Cursor<&[u8]>>, ServiceError> {
    if bytes.len() > MAX_XLSX_BYTES {
        return Err(rejected(
            "file_too_large",
            format!(
                "文件过大（{:.1} MB），清单文件不能超过 5 MB。",
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
    calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(|_| {
        rejected(
            "not_xlsx",
            "文件无法作为 Excel 工作簿（.xlsx）读取，可能已损坏。请在 Excel 或 WPS 中重新“另存为 .xlsx”后再上传。"
                .into(),
        )
    })
}

fn sheet(wb: &mut Xlsx<Cursor<&[u8]>>, name: &str) -> Result<Option<Range<Data>>, ServiceError> {
    if !wb.sheet_names().iter().any(|n| n == name) {
        return Ok(None);
    }
    wb.worksheet_range(name).map(Some).map_err(|_| {
        rejected(
            "not_xlsx",
            format!("工作表“{name}”无法读取，文件可能已损坏。"),
        )
    })
}

fn required_sheet(wb: &mut Xlsx<Cursor<&[u8]>>, name: &str) -> Result<Range<Data>, ServiceError> {
    sheet(wb, name)?.ok_or_else(|| {
        rejected(
            "xlsx_missing_sheet",
            format!(
                "文件中没有名为“{name}”的工作表。清单文件应包含“{SHEET_INFO}”“{SHEET_ITEMS}”“{SHEET_LAWS}”三个工作表，可先下载现行清单作为模板。"
            ),
        )
    })
}

/// Reads a workbook in the layout [`export_xlsx`] writes. Sheet 「说明」 is optional (the publish
/// form can supply the version's details); 「事项」 and 「法律」 are required.
pub fn import_xlsx(bytes: &[u8]) -> Result<Catalog, ServiceError> {
    let mut wb = open(bytes)?;
    let (version, anchor_rows) = match sheet(&mut wb, SHEET_INFO)? {
        Some(r) => read_info(&r),
        None => (
            VersionInfo {
                id: String::new(),
                title: String::new(),
                document: String::new(),
                effective_from: String::new(),
                effective_to: String::new(),
                notice: String::new(),
            },
            Vec::new(),
        ),
    };
    let laws = read_laws(&required_sheet(&mut wb, SHEET_LAWS)?)?;
    let mut items = read_items(&required_sheet(&mut wb, SHEET_ITEMS)?, &laws)?;
    if let Some(r) = sheet(&mut wb, SHEET_CERTIFICATES)? {
        read_certificates(&r, &mut items)?;
    }
    let mut anchors = std::collections::BTreeMap::new();
    for (role, text) in anchor_rows {
        let bases = parse_bases(&text).map_err(|problem| {
            rejected(
                "xlsx_bad_cell",
                format!("工作表“{SHEET_INFO}”中“{ANCHOR_LABEL}{role}”一行有误：{problem}"),
            )
        })?;
        if !bases.is_empty() {
            anchors.insert(role, bases);
        }
    }
    let c = Catalog {
        version,
        laws,
        anchors,
        items,
    };
    c.check()
        .map_err(|e| rejected("invalid_catalog", e.to_string()))?;
    Ok(c)
}

/// The version's details and the anchor rows (role, text) of sheet 「说明」.
fn read_info(r: &Range<Data>) -> (VersionInfo, Vec<(String, String)>) {
    let mut map: HashMap<String, String> = HashMap::new();
    let mut anchors = Vec::new();
    for (_, row) in sheet_rows(r) {
        let mut cells = row.into_iter().filter(|c| !c.is_empty());
        if let Some(label) = cells.next() {
            let value = cells.next().unwrap_or_default();
            match label.strip_prefix(ANCHOR_LABEL) {
                Some(role) => anchors.push((role.trim().to_string(), value)),
                None => {
                    map.insert(label, value);
                }
            }
        }
    }
    let mut get = |k: &str| map.remove(k).unwrap_or_default();
    let info = VersionInfo {
        id: get(INFO_LABELS[0]),
        title: get(INFO_LABELS[1]),
        document: get(INFO_LABELS[2]),
        effective_from: get(INFO_LABELS[3]),
        effective_to: get(INFO_LABELS[4]),
        notice: get(INFO_LABELS[5]),
    };
    (info, anchors)
}

/// `法律代号:条款; 法律代号:条款` → the bases (law keys are checked by the catalog check).
fn parse_bases(text: &str) -> Result<Vec<LegalBasis>, String> {
    split_list(text, &[';', '；'])
        .into_iter()
        .map(|part| match part.split_once([':', '：']) {
            Some((law, article)) if !law.trim().is_empty() && !article.trim().is_empty() => {
                Ok(LegalBasis {
                    law: law.trim().to_string(),
                    article: article.trim().to_string(),
                })
            }
            _ => Err(format!(
                "“{part}”应写成“法律代号:条款”，例如 jwh-2025:第六条"
            )),
        })
        .collect()
}

fn read_laws(r: &Range<Data>) -> Result<Vec<Law>, ServiceError> {
    let rows = sheet_rows(r);
    let (cols, rest) = header_columns(SHEET_LAWS, &rows, &LAW_HEADERS)?;
    let level_col = optional_column(&rows, LAW_LEVEL);
    let mut laws: Vec<Law> = Vec::new();
    for (row, cells) in rest {
        let get = |i: usize| cells.get(cols[i]).cloned().unwrap_or_default();
        let at = |i: usize| At {
            sheet: SHEET_LAWS,
            row: *row,
            col: cols[i] as u32,
            header: LAW_HEADERS[i],
        };
        let key = get(0);
        if key.is_empty() {
            return Err(at(0).err("xlsx_bad_cell", "代号不能为空"));
        }
        if laws.iter().any(|l| l.key == key) {
            return Err(at(0).err("xlsx_duplicate_law", format!("代号“{key}”重复")));
        }
        let name = get(1);
        if name.is_empty() {
            return Err(at(1).err("xlsx_bad_cell", "法律名称不能为空"));
        }
        for i in [3, 4] {
            let d = get(i);
            if !d.is_empty() && !jianfu_domain::gate::catalog::is_iso_date(&d) {
                return Err(at(i).err(
                    "xlsx_bad_cell",
                    format!("日期“{d}”有误，应写成 2026-01-01 这样的格式"),
                ));
            }
        }
        let level = match level_col {
            None => None,
            Some(col) => {
                let text = cells.get(col).cloned().unwrap_or_default();
                parse_level(&text).map_err(|()| {
                    At {
                        sheet: SHEET_LAWS,
                        row: *row,
                        col: col as u32,
                        header: LAW_LEVEL,
                    }
                    .err(
                        "xlsx_bad_cell",
                        format!(
                            "层级“{text}”有误，应为{}之一，或留空",
                            LawLevel::ALL
                                .iter()
                                .map(|l| format!("“{}”", l.label_zh()))
                                .collect::<Vec<_>>()
                                .join("")
                        ),
                    )
                })?
            }
        };
        laws.push(Law {
            key,
            name,
            version: get(2),
            effective_from: get(3),
            effective_to: get(4),
            level,
        });
    }
    Ok(laws)
}

fn read_items(r: &Range<Data>, laws: &[Law]) -> Result<Vec<CatalogItem>, ServiceError> {
    let rows = sheet_rows(r);
    let (cols, rest) = header_columns(SHEET_ITEMS, &rows, &ITEM_HEADERS)?;
    let mut items = Vec::new();
    let mut seen: HashMap<String, u32> = HashMap::new();
    let law_keys: HashSet<&str> = laws.iter().map(|l| l.key.as_str()).collect();
    for (row, cells) in rest {
        let get = |i: usize| cells.get(cols[i]).cloned().unwrap_or_default();
        let at = |i: usize| At {
            sheet: SHEET_ITEMS,
            row: *row,
            col: cols[i] as u32,
            header: ITEM_HEADERS[i],
        };

        let code = get(0);
        if code.is_empty() {
            return Err(at(0).err("xlsx_bad_cell", "编码不能为空"));
        }
        if let Some(first) = seen.get(&code) {
            return Err(at(0).err(
                "duplicate_code",
                format!("编码“{code}”与第 {} 行重复", first + 1),
            ));
        }
        seen.insert(code.clone(), *row);

        let kind_text = get(1);
        let kind = ItemKind::parse(&kind_text)
            .or_else(|| {
                ItemKind::ALL
                    .into_iter()
                    .find(|k| k.label_zh() == kind_text)
            })
            .ok_or_else(|| {
                let allowed = ItemKind::ALL
                    .iter()
                    .map(|k| format!("{}（{}）", k.as_str(), k.label_zh()))
                    .collect::<Vec<_>>()
                    .join("、");
                at(1).err(
                    "unknown_kind",
                    format!("未知的类别“{kind_text}”，应为以下之一：{allowed}"),
                )
            })?;

        let name = get(2);
        if name.is_empty() {
            return Err(at(2).err("xlsx_bad_cell", "名称不能为空"));
        }

        let mut legal_basis = Vec::new();
        for part in split_list(&get(3), &[';', '；']) {
            let Some((law, article)) = part.split_once([':', '：']) else {
                return Err(at(3).err(
                    "xlsx_bad_cell",
                    format!("“{part}”应写成“法律代号:条款”，例如 jwh-2025:第三条"),
                ));
            };
            let (law, article) = (law.trim(), article.trim());
            if !law_keys.contains(law) {
                return Err(at(3).err(
                    "unknown_law",
                    format!("法律代号“{law}”未在“{SHEET_LAWS}”工作表中登记"),
                ));
            }
            if article.is_empty() {
                return Err(at(3).err(
                    "xlsx_bad_cell",
                    format!("“{part}”缺少条款，例如 {law}:第三条"),
                ));
            }
            legal_basis.push(LegalBasis {
                law: law.to_string(),
                article: article.to_string(),
            });
        }

        let mut sources = Vec::new();
        for part in split_list(&get(4), &[';', '；']) {
            let mut p = part.split('|').map(|s| s.trim().to_string());
            let title = p.next().unwrap_or_default();
            if title.is_empty() {
                return Err(at(4).err(
                    "xlsx_bad_cell",
                    format!("“{part}”缺少文件标题，应写成“标题|发文机关|文号”"),
                ));
            }
            sources.push(SourceDoc {
                title,
                issuer: p.next().unwrap_or_default(),
                number: p.next().unwrap_or_default(),
                url: p.next().unwrap_or_default(),
            });
        }

        let bool_at = |i: usize| {
            let t = get(i);
            parse_bool(&t)
                .ok_or_else(|| at(i).err("xlsx_bad_cell", format!("应填“是”或“否”，而不是“{t}”")))
        };
        let funding_required = bool_at(6)?;
        let only_as_responsible = bool_at(8)?;
        let terms = split_list(&get(7), &['、', ',', '，']);
        if kind == ItemKind::Negative && terms.is_empty() {
            return Err(at(7).err(
                "xlsx_bad_cell",
                "取消和禁入事项必须填写甄别词（用于识别换了名目的同类任务），多个词用顿号“、”分隔",
            ));
        }

        items.push(CatalogItem {
            code,
            kind,
            name,
            legal_basis,
            sources,
            responsible_department: get(5),
            funding_required,
            terms,
            only_as_responsible,
            notes: get(9),
            aliases: vec![],
            aliases_source: String::new(),
            certificate: None,
            certificate_negative: None,
        });
    }
    if items.is_empty() {
        return Err(rejected(
            "empty_catalog",
            format!("工作表“{SHEET_ITEMS}”中没有任何事项。"),
        ));
    }
    Ok(items)
}

/// A law's level as written in 「法律」: its Chinese label or its code; blank = not stated.
fn parse_level(text: &str) -> Result<Option<LawLevel>, ()> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    LawLevel::ALL
        .into_iter()
        .find(|l| l.label_zh() == t || l.as_str() == t)
        .map(Some)
        .ok_or(())
}

/// The column of an optional header in the first row, if the sheet has it.
fn optional_column(rows: &[Row], name: &str) -> Option<usize> {
    rows.first()?.1.iter().position(|h| h == name)
}

/// Reads 「证明事项」 into the items it names.
fn read_certificates(r: &Range<Data>, items: &mut [CatalogItem]) -> Result<(), ServiceError> {
    let rows = sheet_rows(r);
    let (cols, rest) = header_columns(SHEET_CERTIFICATES, &rows, &CERT_HEADERS)?;
    let aliases_col = optional_column(&rows, CERT_ALIASES);
    let source_col = optional_column(&rows, CERT_ALIASES_SOURCE);
    let mut seen: HashMap<String, u32> = HashMap::new();
    for (row, cells) in rest {
        let get = |i: usize| cells.get(cols[i]).cloned().unwrap_or_default();
        let at = |i: usize| At {
            sheet: SHEET_CERTIFICATES,
            row: *row,
            col: cols[i] as u32,
            header: CERT_HEADERS[i],
        };
        let code = get(0);
        if let Some(first) = seen.insert(code.clone(), *row) {
            return Err(at(0).err(
                "duplicate_code",
                format!("编码“{code}”与第 {} 行重复", first + 1),
            ));
        }
        let Some(item) = items.iter_mut().find(|i| i.code == code) else {
            return Err(at(0).err(
                "xlsx_bad_cell",
                format!("编码“{code}”不在“{SHEET_ITEMS}”工作表中"),
            ));
        };
        let optional =
            |col: Option<usize>| col.and_then(|c| cells.get(c).cloned()).unwrap_or_default();
        item.aliases = split_list(&optional(aliases_col), &['、', '；', ';']);
        item.aliases_source = optional(source_col);
        if !item.aliases.is_empty()
            && item.aliases_source.is_empty()
            && let Some(col) = aliases_col
        {
            return Err(At {
                sheet: SHEET_CERTIFICATES,
                row: *row,
                col: col as u32,
                header: CERT_ALIASES,
            }
            .err(
                "xlsx_bad_cell",
                format!("写了别称，请在“{CERT_ALIASES_SOURCE}”列写明别称的来源（如 民发〔2020〕20号 附件子项、居民常见说法）"),
            ));
        }
        match item.kind {
            ItemKind::Certificate => {
                let mut requesting_units = Vec::new();
                for part in split_list(&get(4), &[';', '；']) {
                    let (name, terms) = part.split_once('|').unwrap_or((&part, ""));
                    if name.trim().is_empty() {
                        return Err(at(4).err(
                            "xlsx_bad_cell",
                            format!("“{part}”缺少单位名称，应写成“名称|甄别词、甄别词”"),
                        ));
                    }
                    requesting_units.push(RequestingUnit {
                        name: name.trim().to_string(),
                        terms: split_list(terms, &['、', ',', '，']),
                    });
                }
                let mut materials = Vec::new();
                for part in split_list(&get(7), &[';', '；']) {
                    let p: Vec<&str> = part.split('|').map(str::trim).collect();
                    let required = match p.get(2).copied() {
                        Some("必交") => Some(true),
                        Some("选交") => Some(false),
                        Some(other) => parse_bool(other),
                        None => None,
                    };
                    match (p.first(), p.get(1), required) {
                        (Some(key), Some(name), Some(required))
                            if !key.is_empty() && !name.is_empty() =>
                        {
                            materials.push(Material {
                                key: key.to_string(),
                                name: name.to_string(),
                                required,
                            })
                        }
                        _ => {
                            return Err(at(7).err(
                                "xlsx_bad_cell",
                                format!(
                                    "“{part}”应写成“代号|名称|必交”或“代号|名称|选交”，例如 id_card|居民身份证|必交"
                                ),
                            ));
                        }
                    }
                }
                let days_text = get(8);
                let time_limit_working_days = days_text.parse::<u32>().map_err(|_| {
                    at(8).err(
                        "xlsx_bad_cell",
                        format!("办理时限应填工作日天数，例如 5，而不是“{days_text}”"),
                    )
                })?;
                let household = get(6);
                let requires_household = parse_bool(&household).ok_or_else(|| {
                    at(6).err(
                        "xlsx_bad_cell",
                        format!("应填“是”或“否”，而不是“{household}”"),
                    )
                })?;
                item.certificate = Some(Box::new(CertificateSpec {
                    content_and_purpose: get(1),
                    issuing_level: get(2),
                    also_issued_by: get(3),
                    requesting_units,
                    conditions: get(5),
                    requires_household,
                    materials,
                    time_limit_working_days,
                    // Cells are trimmed; a template keeps its inner line breaks.
                    template: get(9),
                    exception_to: get(10),
                    exception_purposes: split_list(&get(11), &['、', ',', '，']),
                }));
            }
            ItemKind::CertificateNegative => {
                item.certificate_negative = Some(Box::new(NegativeCertificateSpec {
                    sub_items: split_list(&get(12), &['、', ',', '，']),
                    issued_by_instead: get(13),
                    resident_path: get(14),
                }));
            }
            other => {
                return Err(at(0).err(
                    "xlsx_bad_cell",
                    format!(
                        "事项“{code}”是{}，不是证明事项，不应出现在本工作表中",
                        other.label_zh()
                    ),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_count_like_a_spreadsheet() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(27), "AB");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
    }

    #[test]
    fn shipped_catalog_round_trips() {
        let c = Catalog::from_toml(super::super::catalog::SHIPPED_CATALOG).expect("shipped");
        let bytes = export_xlsx(&c).expect("export");
        assert!(looks_like_xlsx(&bytes));
        let again = import_xlsx(&bytes).expect("import");
        assert_eq!(again.laws, c.laws, "laws with their levels");
        assert_eq!(again.items, c.items, "items with their aliases");
        assert_eq!(again.version, c.version);
        assert!(!c.anchors.is_empty());
        assert_eq!(again.anchors, c.anchors, "legal anchors in 「说明」");
        assert_eq!(again, c);
    }

    #[test]
    fn garbage_is_refused_in_chinese() {
        let e = import_xlsx(b"hello, not a workbook").unwrap_err();
        assert_eq!(e.code(), "not_xlsx");
        let e = import_xlsx(b"PK\x03\x04broken zip").unwrap_err();
        assert_eq!(e.code(), "not_xlsx");
        assert!(e.message().contains("xlsx"));
    }
}
