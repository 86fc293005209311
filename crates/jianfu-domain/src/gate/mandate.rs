//! The mandate register (上级文件登记): a burden that claims a higher-level mandate names a
//! document the district has registered, instead of declaring "central" on its own word.
//!
//! 三(二): "除法律、法规、规章明确规定及中央、市委市政府明确要求外" and 三(三): "除中央和市委市政府
//! 明确要求开展外" make the exception depend on a document of the centre or the municipality. The
//! district approver keeps the register; the gate only looks documents up in it.

use super::request::BurdenKind;
use crate::text::{InputText, TextError};
use serde::{Deserialize, Serialize};

/// Who issued a registered document. Only these two levels (and law, which a catalog cites)
/// open the exceptions of 三(二) and 三(三).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MandateLevel {
    /// 中央（含中共中央、国务院及其办公厅，中央和国家机关部门）
    Central,
    /// 市委市政府（含其办公厅）
    Municipal,
}

impl MandateLevel {
    pub const ALL: [MandateLevel; 2] = [MandateLevel::Central, MandateLevel::Municipal];
    pub fn as_str(self) -> &'static str {
        match self {
            MandateLevel::Central => "central",
            MandateLevel::Municipal => "municipal",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_str() == s.trim())
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            MandateLevel::Central => "中央",
            MandateLevel::Municipal => "市委市政府",
        }
    }
}

/// One registered higher-level document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MandateDoc {
    /// 文号 as written, e.g. 中办发〔2010〕33号. Looked up by [`normalise_number`].
    pub number: String,
    /// 发文机关, e.g. 中共中央办公厅、国务院办公厅.
    pub issuer: String,
    pub title: String,
    /// 成文或印发日期, YYYY-MM-DD.
    pub issued_on: String,
    pub level: MandateLevel,
    /// What it requires of communities: the burden kinds it covers.
    pub requires: Vec<BurdenKind>,
    /// Valid from/to (YYYY-MM-DD); `valid_to` empty while in force.
    pub valid_from: String,
    #[serde(default)]
    pub valid_to: String,
    /// What exactly it requires, in words (shown to the approver and on the public list).
    #[serde(default)]
    pub summary: String,
}

impl MandateDoc {
    pub fn in_force_on(&self, date: &str) -> bool {
        self.valid_from.as_str() <= date
            && (self.valid_to.trim().is_empty() || self.valid_to.as_str() >= date)
    }

    pub fn covers(&self, kind: BurdenKind) -> bool {
        self.requires.contains(&kind)
    }

    /// "《标题》（中办发〔2010〕33号）", for reasons and pages.
    pub fn cite(&self) -> String {
        format!("《{}》（{}）", self.title.trim(), self.number.trim())
    }
}

/// A field of a [`MandateDoc`], as named in forms and the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MandateField {
    Number,
    Issuer,
    Title,
    IssuedOn,
    Level,
    Requires,
    ValidFrom,
    ValidTo,
    Summary,
}

impl MandateField {
    pub const ALL: [MandateField; 9] = [
        MandateField::Number,
        MandateField::Issuer,
        MandateField::Title,
        MandateField::IssuedOn,
        MandateField::Level,
        MandateField::Requires,
        MandateField::ValidFrom,
        MandateField::ValidTo,
        MandateField::Summary,
    ];
    /// The form and JSON field name.
    pub fn as_str(self) -> &'static str {
        match self {
            MandateField::Number => "number",
            MandateField::Issuer => "issuer",
            MandateField::Title => "title",
            MandateField::IssuedOn => "issued_on",
            MandateField::Level => "level",
            MandateField::Requires => "requires",
            MandateField::ValidFrom => "valid_from",
            MandateField::ValidTo => "valid_to",
            MandateField::Summary => "summary",
        }
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            MandateField::Number => "文号",
            MandateField::Issuer => "发文机关",
            MandateField::Title => "标题",
            MandateField::IssuedOn => "印发日期",
            MandateField::Level => "层级",
            MandateField::Requires => "要求社区的事项",
            MandateField::ValidFrom => "生效日期",
            MandateField::ValidTo => "失效日期",
            MandateField::Summary => "要求内容",
        }
    }
}

/// Longest text accepted per field (characters): enough for any real 文号, issuer list or title.
pub const MAX_NUMBER_CHARS: usize = 64;
pub const MAX_ISSUER_CHARS: usize = 200;
pub const MAX_TITLE_CHARS: usize = 300;
pub const MAX_SUMMARY_CHARS: usize = 4000;

/// Why a document cannot be registered as written: which field, a stable code and a Chinese
/// message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct MandateProblem {
    pub field: MandateField,
    code: &'static str,
    pub message: String,
}

impl MandateProblem {
    pub fn new(field: MandateField, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            code,
            message: message.into(),
        }
    }
    /// `invalid_mandate_doc` (a required field empty or too long), `bad_date`, `period_reversed`
    /// (失效日期 before 生效日期), `no_burden_kinds`, and the input-text codes
    /// (`control_character`, `line_break_not_allowed`).
    pub fn code(&self) -> &'static str {
        self.code
    }
}

impl MandateDoc {
    /// Every problem with the document as written, in field order; empty when it can be
    /// registered. A register entry must say who issued what, when, and what it requires of
    /// communities: an entry that requires nothing could not open any exception.
    pub fn problems(&self) -> Vec<MandateProblem> {
        use MandateField as F;
        let mut out = Vec::new();
        // Every text field through InputText (no control characters; one line except the
        // summary); a register read from a workbook never passes the HTTP boundary's check.
        let text =
            |out: &mut Vec<MandateProblem>, field: F, value: &str, max: usize, hint: &str| {
                let checked = if field == F::Summary {
                    InputText::paragraph(value, max)
                } else {
                    InputText::line(value, max)
                };
                match checked {
                    Ok(v) if v.is_empty() && field != F::Summary => out.push(MandateProblem::new(
                        field,
                        "invalid_mandate_doc",
                        format!("请填写{}{hint}", field.label_zh()),
                    )),
                    Ok(_) => {}
                    Err(TextError::TooLong { .. }) => out.push(MandateProblem::new(
                        field,
                        "invalid_mandate_doc",
                        format!("{}过长（最多 {max} 个字）", field.label_zh()),
                    )),
                    Err(e) => out.push(MandateProblem::new(
                        field,
                        e.code(),
                        e.message(field.label_zh()),
                    )),
                }
            };
        text(
            &mut out,
            F::Number,
            &self.number,
            MAX_NUMBER_CHARS,
            "，例如 中办发〔2010〕33号",
        );
        text(
            &mut out,
            F::Issuer,
            &self.issuer,
            MAX_ISSUER_CHARS,
            "，例如 中共中央办公厅、国务院办公厅",
        );
        text(&mut out, F::Title, &self.title, MAX_TITLE_CHARS, "");
        let date = |out: &mut Vec<MandateProblem>, field: F, value: &str, optional: bool| {
            let v = value.trim();
            if v.is_empty() && optional {
                return;
            }
            if !super::catalog::is_iso_date(v) {
                out.push(MandateProblem::new(
                    field,
                    "bad_date",
                    if v.is_empty() {
                        format!("请填写{}，例如 2026-01-01", field.label_zh())
                    } else {
                        format!(
                            "{}“{v}”有误，应写成 2026-01-01 这样的格式",
                            field.label_zh()
                        )
                    },
                ));
            }
        };
        date(&mut out, F::IssuedOn, &self.issued_on, false);
        if self.requires.is_empty() {
            out.push(MandateProblem::new(
                F::Requires,
                "no_burden_kinds",
                "请至少选择一项文件要求社区承担的事项（如工作机构、业务台账、示范创建活动）",
            ));
        }
        date(&mut out, F::ValidFrom, &self.valid_from, false);
        date(&mut out, F::ValidTo, &self.valid_to, true);
        let (from, to) = (self.valid_from.trim(), self.valid_to.trim());
        if super::catalog::is_iso_date(from) && super::catalog::is_iso_date(to) && to < from {
            out.push(MandateProblem::new(
                F::ValidTo,
                "period_reversed",
                format!("失效日期 {to} 早于生效日期 {from}"),
            ));
        }
        text(&mut out, F::Summary, &self.summary, MAX_SUMMARY_CHARS, "");
        out
    }

    /// The first problem, if any (see [`MandateDoc::problems`]).
    pub fn check(&self) -> Result<(), MandateProblem> {
        match self.problems().into_iter().next() {
            Some(p) => Err(p),
            None => Ok(()),
        }
    }
}

/// A 文号 in one canonical spelling, so 中办发[2010]33号, 中办发（2010）33号 and
/// "中办发 〔2010〕 33 号" are the same document: whitespace removed, full-width digits made
/// ASCII, every year bracket written 〔〕.
pub fn normalise_number(number: &str) -> String {
    normalised_chars(number).collect()
}

/// The characters of [`normalise_number`], without allocating (the gate compares every claimed
/// 文号 with every registered one).
fn normalised_chars(number: &str) -> impl Iterator<Item = char> + '_ {
    number
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '[' | '［' | '(' | '（' | '【' | '〔' => '〔',
            ']' | '］' | ')' | '）' | '】' | '〕' => '〕',
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            c => c,
        })
}

/// What the register says about a named document for one burden.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MandateLookup<'a> {
    /// Registered, in force and covering this kind of burden: the exception applies.
    Covers(&'a MandateDoc),
    /// Registered and in force, but it does not require this kind of burden.
    DoesNotCover(&'a MandateDoc),
    /// Named but not in the register (or not in force): the approver checks it.
    NotRegistered,
}

/// The documents in force on the day of the decision. The service builds it from storage;
/// the gate receives it as data, like the catalog.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MandateRegister {
    pub docs: Vec<MandateDoc>,
}

impl MandateRegister {
    pub fn new(docs: Vec<MandateDoc>) -> Self {
        Self { docs }
    }

    /// Only the documents in force on `date` (YYYY-MM-DD).
    pub fn in_force_on(&self, date: &str) -> Self {
        Self {
            docs: self
                .docs
                .iter()
                .filter(|d| d.in_force_on(date))
                .cloned()
                .collect(),
        }
    }

    pub fn find(&self, number: &str) -> Option<&MandateDoc> {
        normalised_chars(number).next()?;
        self.docs
            .iter()
            .find(|d| normalised_chars(&d.number).eq(normalised_chars(number)))
    }

    pub fn lookup(&self, number: &str, kind: BurdenKind) -> MandateLookup<'_> {
        match self.find(number) {
            Some(d) if d.covers(kind) => MandateLookup::Covers(d),
            Some(d) => MandateLookup::DoesNotCover(d),
            None => MandateLookup::NotRegistered,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> MandateDoc {
        MandateDoc {
            number: "中办发〔2010〕33号".into(),
            issuer: "中共中央办公厅、国务院办公厅".into(),
            title: "关于开展创建示范活动的示例文件".into(),
            issued_on: "2010-06-01".into(),
            level: MandateLevel::Central,
            requires: vec![BurdenKind::Creation],
            valid_from: "2010-06-01".into(),
            valid_to: String::new(),
            summary: String::new(),
        }
    }

    #[test]
    fn a_well_formed_document_passes_the_check() {
        assert_eq!(doc().check(), Ok(()));
        let mut d = doc();
        d.valid_to = "2010-06-01".into();
        assert_eq!(d.check(), Ok(()), "a document may end on the day it starts");
    }

    /// Workbook rows never pass the HTTP boundary's text check (INPUT_TEXT_CITATION).
    #[test]
    fn control_characters_and_line_breaks_are_refused_in_every_text_field() {
        let mut d = doc();
        d.number = "中办发〔2010〕\u{0}33号".into();
        d.title = "示例\n文件".into();
        d.summary = "第一段\n第二段\u{1b}".into();
        let got: Vec<(MandateField, &str)> =
            d.problems().iter().map(|p| (p.field, p.code())).collect();
        assert_eq!(
            got,
            vec![
                (MandateField::Number, "control_character"),
                (MandateField::Title, "line_break_not_allowed"),
                (MandateField::Summary, "control_character"),
            ]
        );
        let mut d = doc();
        d.summary = "第一段\n第二段".into();
        assert_eq!(d.check(), Ok(()), "the summary may have several lines");
    }

    #[test]
    fn the_check_names_the_field_and_a_stable_code() {
        type Edit = fn(&mut MandateDoc);
        let cases: Vec<(Edit, MandateField, &str)> = vec![
            (
                |d| d.number = "  ".into(),
                MandateField::Number,
                "invalid_mandate_doc",
            ),
            (
                |d| d.issuer.clear(),
                MandateField::Issuer,
                "invalid_mandate_doc",
            ),
            (
                |d| d.title.clear(),
                MandateField::Title,
                "invalid_mandate_doc",
            ),
            (
                |d| d.title = "题".repeat(MAX_TITLE_CHARS + 1),
                MandateField::Title,
                "invalid_mandate_doc",
            ),
            (
                |d| d.issued_on = "2010-6-1".into(),
                MandateField::IssuedOn,
                "bad_date",
            ),
            (
                |d| d.requires.clear(),
                MandateField::Requires,
                "no_burden_kinds",
            ),
            (
                |d| d.valid_from = "2010-02-30".into(),
                MandateField::ValidFrom,
                "bad_date",
            ),
            (
                |d| d.valid_to = "明年".into(),
                MandateField::ValidTo,
                "bad_date",
            ),
            (
                |d| d.valid_to = "2009-12-31".into(),
                MandateField::ValidTo,
                "period_reversed",
            ),
        ];
        for (edit, field, code) in cases {
            let mut d = doc();
            edit(&mut d);
            let e = d.check().unwrap_err();
            assert_eq!((e.field, e.code()), (field, code), "{e}");
            assert!(
                e.message
                    .chars()
                    .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
            );
        }
    }

    #[test]
    fn every_problem_is_reported_not_only_the_first() {
        let mut d = doc();
        d.number.clear();
        d.title.clear();
        d.requires.clear();
        let fields: Vec<MandateField> = d.problems().into_iter().map(|p| p.field).collect();
        assert_eq!(
            fields,
            [
                MandateField::Number,
                MandateField::Title,
                MandateField::Requires
            ]
        );
    }

    #[test]
    fn numbers_match_whatever_the_brackets_and_spacing() {
        let r = MandateRegister::new(vec![doc()]);
        for typed in [
            "中办发〔2010〕33号",
            "中办发[2010]33号",
            "中办发（2010）33号",
            " 中办发 〔２０１０〕 33 号 ",
            "中办发【2010】33号",
        ] {
            assert!(r.find(typed).is_some(), "{typed}");
        }
        assert!(r.find("中办发〔2010〕34号").is_none());
        assert!(r.find("  ").is_none());
    }

    #[test]
    fn a_document_covers_only_what_it_requires_and_only_while_in_force() {
        let r = MandateRegister::new(vec![doc()]);
        assert!(matches!(
            r.lookup("中办发〔2010〕33号", BurdenKind::Creation),
            MandateLookup::Covers(_)
        ));
        assert!(matches!(
            r.lookup("中办发〔2010〕33号", BurdenKind::Ledger),
            MandateLookup::DoesNotCover(_)
        ));
        assert_eq!(
            r.lookup("京政办发〔2099〕1号", BurdenKind::Creation),
            MandateLookup::NotRegistered
        );
        let mut ended = doc();
        ended.valid_to = "2020-12-31".into();
        let r = MandateRegister::new(vec![ended]).in_force_on("2026-12-03");
        assert_eq!(
            r.lookup("中办发〔2010〕33号", BurdenKind::Creation),
            MandateLookup::NotRegistered
        );
    }
}
