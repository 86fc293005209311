//! The mandate register (上级文件登记): a burden that claims a higher-level mandate names a
//! document the district has registered, instead of declaring "central" on its own word.
//!
//! 三(二): "除法律、法规、规章明确规定及中央、市委市政府明确要求外" and 三(三): "除中央和市委市政府
//! 明确要求开展外" make the exception depend on a document of the centre or the municipality. The
//! district approver keeps the register; the gate only looks documents up in it.

use super::request::BurdenKind;
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

/// A 文号 in one canonical spelling, so 中办发[2010]33号, 中办发（2010）33号 and
/// "中办发 〔2010〕 33 号" are the same document: whitespace removed, full-width digits made
/// ASCII, every year bracket written 〔〕.
pub fn normalise_number(number: &str) -> String {
    number
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '[' | '［' | '(' | '（' | '【' | '〔' => '〔',
            ']' | '］' | ')' | '）' | '】' | '〕' => '〕',
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            c => c,
        })
        .collect()
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
        let n = normalise_number(number);
        if n.is_empty() {
            return None;
        }
        self.docs.iter().find(|d| normalise_number(&d.number) == n)
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
