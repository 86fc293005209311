//! What one inventory entry says, and the checks on what a person typed.

use crate::gate::request::{BurdenKind, CheckInPurpose, RankingMeasure};
use crate::text::{InputText, TextError};
use serde::{Deserialize, Serialize};

pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_BASIS_CHARS: usize = 500;
pub const MAX_NOTE_CHARS: usize = 2000;
/// A report form with more fields than this is a typing error, not a form.
pub const MAX_FIELD_COUNT: u32 = 10_000;

/// How often a report form is due (报表频次).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportFrequency {
    Daily,
    Weekly,
    Monthly,
    Quarterly,
    Yearly,
    Irregular,
}

impl ReportFrequency {
    pub const ALL: [ReportFrequency; 6] = [
        ReportFrequency::Daily,
        ReportFrequency::Weekly,
        ReportFrequency::Monthly,
        ReportFrequency::Quarterly,
        ReportFrequency::Yearly,
        ReportFrequency::Irregular,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            ReportFrequency::Daily => "daily",
            ReportFrequency::Weekly => "weekly",
            ReportFrequency::Monthly => "monthly",
            ReportFrequency::Quarterly => "quarterly",
            ReportFrequency::Yearly => "yearly",
            ReportFrequency::Irregular => "irregular",
        }
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            ReportFrequency::Daily => "每日",
            ReportFrequency::Weekly => "每周",
            ReportFrequency::Monthly => "每月",
            ReportFrequency::Quarterly => "每季度",
            ReportFrequency::Yearly => "每年",
            ReportFrequency::Irregular => "不定期",
        }
    }
    /// By code or Chinese name (日报、月报 are read too, as people write them in workbooks).
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::ALL.into_iter().find(|f| {
            f.as_str() == s
                || f.label_zh() == s
                || f.label_zh().trim_start_matches('每').trim_end_matches('度')
                    == s.trim_end_matches('报')
        })
    }
}

/// The details that matter to the rules for some kinds. A government app or work group carries
/// the check-ins, rankings and screenshots it demands here.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Details {
    /// Report forms and data collection: how often.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frequency: Option<ReportFrequency>,
    /// Report forms and data collection: how many fields to fill.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_count: Option<u32>,
    /// A check-in it demands, and why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_in: Option<CheckInPurpose>,
    /// A ranking it makes, and by what.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ranking: Option<RankingMeasure>,
    /// It demands screenshots, photos or location traces as proof of work.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub screenshots: bool,
    /// It carries a 一票否决.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub one_vote_veto: bool,
}

/// One entry as recorded: the rules judge only this.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryFacts {
    pub kind: BurdenKind,
    pub title: String,
    /// Org code of the department or street that placed it.
    pub owner: String,
    /// The law, regulation or rule and its article (法律法规规章明确规定), in words; empty if none.
    #[serde(default)]
    pub law_basis: String,
    /// 文号 of a central or municipal document, looked up in the mandate register.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mandate_document: Option<String>,
    #[serde(default)]
    pub details: Details,
}

impl EntryFacts {
    /// The kinds a check-in demand is recorded for: the check-in itself, and apps and groups
    /// that demand one.
    pub fn check_in(&self) -> Option<CheckInPurpose> {
        match self.kind {
            BurdenKind::CheckIn => Some(self.details.check_in.unwrap_or(CheckInPurpose::Other)),
            _ => self.details.check_in,
        }
    }
    pub fn ranking(&self) -> Option<RankingMeasure> {
        match self.kind {
            BurdenKind::Ranking => Some(self.details.ranking.unwrap_or(RankingMeasure::Other)),
            _ => self.details.ranking,
        }
    }
    pub fn demands_screenshots(&self) -> bool {
        self.kind == BurdenKind::CompulsoryUpload || self.details.screenshots
    }
    pub fn has_law_basis(&self) -> bool {
        !self.law_basis.trim().is_empty()
    }
    pub fn mandate(&self) -> Option<&str> {
        self.mandate_document
            .as_deref()
            .map(str::trim)
            .filter(|m| !m.is_empty())
    }
}

/// What is wrong with what was typed; `code()` is the stable API code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InventoryError {
    #[error("{message}")]
    Text { code: &'static str, message: String },
    #[error("请填写名称（如“XX 工作站”“XX 台账”）。")]
    TitleMissing,
    #[error("报表字段数应为 1 到 {MAX_FIELD_COUNT} 之间的整数，现为 {0}。")]
    FieldCount(u32),
    #[error("日期“{0}”无法识别，请写成 2026-03-01 的形式。")]
    BadDate(String),
    #[error("日期 {0} 在今天之后。")]
    FutureDate(String),
    #[error(
        "日期 {date} 早于该条目此前记录的日期 {found_on}（发现或上一次取消、重新登记的日期）。"
    )]
    BeforeFound { date: String, found_on: String },
    #[error("该条目现为“{from}”，不能{action}。")]
    WrongState {
        from: &'static str,
        action: &'static str,
    },
    #[error("确认取消须附上证据（取消后的现场照片或撤销文件，JPEG、PNG 或 PDF）。")]
    EvidenceMissing,
    #[error("只有业务台账、报表和信息采集可以转为平台电子台账。")]
    NotConvertible,
    #[error("不能保留：{0}")]
    KeepNotAllowed(String),
    #[error("请写明理由。")]
    NoteMissing,
}

impl InventoryError {
    pub fn code(&self) -> &'static str {
        match self {
            InventoryError::Text { code, .. } => code,
            InventoryError::TitleMissing => "title_missing",
            InventoryError::FieldCount(_) => "invalid_field_count",
            InventoryError::BadDate(_) => "invalid_date",
            InventoryError::FutureDate(_) => "date_in_future",
            InventoryError::BeforeFound { .. } => "date_before_found",
            InventoryError::WrongState { .. } => "wrong_state",
            InventoryError::EvidenceMissing => "evidence_missing",
            InventoryError::NotConvertible => "not_convertible",
            InventoryError::KeepNotAllowed(_) => "keep_not_allowed",
            InventoryError::NoteMissing => "note_missing",
        }
    }
}

pub fn text_error(field: &str, e: TextError) -> InventoryError {
    InventoryError::Text {
        code: e.code(),
        message: e.message(field),
    }
}

/// Checks and normalises what was typed: trimmed text within its length, a field count that
/// makes sense. The owner is checked against the org tree by the caller.
pub fn check_facts(mut f: EntryFacts) -> Result<EntryFacts, InventoryError> {
    let text = |field: &'static str, raw: &str, max: usize| {
        InputText::line(raw, max)
            .map(|t| t.as_str().to_string())
            .map_err(|e| text_error(field, e))
    };
    f.title = text("名称", &f.title, MAX_TITLE_CHARS)?;
    if f.title.is_empty() {
        return Err(InventoryError::TitleMissing);
    }
    f.law_basis = text("法律依据", &f.law_basis, MAX_BASIS_CHARS)?;
    f.mandate_document = match f.mandate_document.as_deref() {
        Some(m) => Some(text("上级文件文号", m, 100)?).filter(|m| !m.is_empty()),
        None => None,
    };
    if let Some(n) = f.details.field_count
        && (n == 0 || n > MAX_FIELD_COUNT)
    {
        return Err(InventoryError::FieldCount(n));
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(title: &str) -> EntryFacts {
        EntryFacts {
            kind: BurdenKind::Ledger,
            title: title.into(),
            owner: "110115100".into(),
            law_basis: String::new(),
            mandate_document: Some("  ".into()),
            details: Details::default(),
        }
    }

    #[test]
    fn typed_text_is_trimmed_and_an_empty_document_number_is_none() {
        let f = check_facts(facts("  安全生产台账 ")).unwrap();
        assert_eq!(f.title, "安全生产台账");
        assert_eq!(f.mandate_document, None);
    }

    #[test]
    fn a_missing_title_and_a_silly_field_count_are_refused_with_codes() {
        assert_eq!(check_facts(facts(" ")).unwrap_err().code(), "title_missing");
        let mut f = facts("月报");
        f.details.field_count = Some(0);
        assert_eq!(
            check_facts(f.clone()).unwrap_err().code(),
            "invalid_field_count"
        );
        f.details.field_count = Some(MAX_FIELD_COUNT + 1);
        assert_eq!(check_facts(f).unwrap_err().code(), "invalid_field_count");
        assert_eq!(
            check_facts(facts("台账\n第二行")).unwrap_err().code(),
            "line_break_not_allowed"
        );
    }

    #[test]
    fn frequencies_read_as_people_write_them() {
        assert_eq!(
            ReportFrequency::parse("月报"),
            Some(ReportFrequency::Monthly)
        );
        assert_eq!(
            ReportFrequency::parse("每季度"),
            Some(ReportFrequency::Quarterly)
        );
        assert_eq!(
            ReportFrequency::parse("季报"),
            Some(ReportFrequency::Quarterly)
        );
        assert_eq!(
            ReportFrequency::parse("weekly"),
            Some(ReportFrequency::Weekly)
        );
        assert_eq!(
            ReportFrequency::parse("不定期"),
            Some(ReportFrequency::Irregular)
        );
        assert_eq!(ReportFrequency::parse("半月"), None);
    }

    #[test]
    fn the_check_in_and_ranking_kinds_carry_their_demand_even_unstated() {
        let mut f = facts("考勤打卡");
        f.kind = BurdenKind::CheckIn;
        assert_eq!(f.check_in(), Some(CheckInPurpose::Other));
        f.kind = BurdenKind::Ranking;
        assert_eq!(f.ranking(), Some(RankingMeasure::Other));
        f.kind = BurdenKind::WorkGroup;
        assert_eq!(f.check_in(), None);
        assert!(!f.demands_screenshots());
        f.details.screenshots = true;
        assert!(f.demands_screenshots());
    }
}
