//! The numbers of the residents' meeting, the representatives' meeting and the deliberation
//! meeting, read from the versioned data file `data/self_governance/meeting_rules.toml`: quorum and
//! majority as fractions, the notice period per kind, the matters only the residents decide and
//! their Party review first. Each number
//! carries its citation in the file; nothing here hard-codes them.

use super::MeetingKind;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

pub const SHIPPED_RULES_TOML: &str =
    include_str!("../../../../data/self_governance/meeting_rules.toml");

/// A citation read from the data file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cited {
    pub document: String,
    pub clause: String,
}

/// "More than" (`strict`, 过半数) or "at least" (以上) `numerator/denominator` of a whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Share {
    pub numerator: u64,
    pub denominator: u64,
    pub strict: bool,
    #[serde(flatten)]
    pub basis: Cited,
}

impl Share {
    /// Whether `part` of `whole` meets the share. A zero share with `strict = false` always holds.
    pub fn met(&self, part: u64, whole: u64) -> bool {
        let l = u128::from(part) * u128::from(self.denominator);
        let r = u128::from(self.numerator) * u128::from(whole);
        if self.strict { l > r } else { l >= r }
    }
    /// The smallest part that meets the share.
    pub fn smallest(&self, whole: u64) -> u64 {
        (0..=whole)
            .find(|p| self.met(*p, whole))
            .unwrap_or(whole + 1)
    }
    pub fn describe(&self) -> String {
        if self.numerator == 0 {
            return "不设比例".into();
        }
        let frac = if self.numerator * 2 == self.denominator {
            "半数".to_string()
        } else {
            format!(
                "{}分之{}",
                chinese_number(self.denominator),
                chinese_number(self.numerator)
            )
        };
        if self.strict {
            format!("过{frac}")
        } else {
            format!("{frac}以上")
        }
    }
}

/// 2 → 二, as the law writes its fractions (三分之二); beyond ten, digits.
fn chinese_number(n: u64) -> String {
    const DIGITS: [&str; 11] = [
        "零", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十",
    ];
    match DIGITS.get(n as usize) {
        Some(d) => (*d).to_string(),
        None => n.to_string(),
    }
}

/// The fewest present for a meeting to decide anything, whatever its quorum share says (a
/// deliberation meeting has no legal quorum, but nobody present decides nothing).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MinPresent {
    pub count: u64,
    #[serde(flatten)]
    pub basis: Cited,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindRule {
    pub kind: String,
    pub name: String,
    /// How many days ahead the notice goes out, and whether the law lets a special circumstance
    /// shorten it (居民会议: 组织法第二十六条).
    pub notice: KindNotice,
    pub quorum: Share,
    pub majority: Share,
    pub min_present: MinPresent,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindNotice {
    pub days: i64,
    /// A shorter notice is allowed when a special circumstance is stated (临时通知).
    pub special_circumstances: bool,
    #[serde(flatten)]
    pub basis: Cited,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReservedMatter {
    pub key: String,
    pub name: String,
    pub decided_by: Vec<String>,
    #[serde(flatten)]
    pub basis: Cited,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingRules {
    pub version: String,
    /// Reserved matters are discussed by the community Party organisation first.
    pub party_review: Cited,
    pub kinds: Vec<KindRule>,
    #[serde(default)]
    pub reserved: Vec<ReservedMatter>,
    pub publicity: Cited,
}

impl MeetingRules {
    pub fn from_toml(text: &str) -> Result<Self, String> {
        let r: MeetingRules = toml::from_str(text).map_err(|e| e.to_string())?;
        for k in MeetingKind::ALL {
            if !r.kinds.iter().any(|x| x.kind == k.as_str()) {
                return Err(format!("缺少会议类型 {} 的规则", k.as_str()));
            }
        }
        for x in &r.kinds {
            for s in [&x.quorum, &x.majority] {
                if s.denominator == 0 || s.numerator > s.denominator {
                    return Err(format!("{} 的比例不对", x.kind));
                }
                if s.basis.document.trim().is_empty() || s.basis.clause.trim().is_empty() {
                    return Err(format!("{} 的比例没有写依据", x.kind));
                }
            }
            let b = &x.min_present.basis;
            if b.document.trim().is_empty() || b.clause.trim().is_empty() {
                return Err(format!("{} 的最少出席人数没有写依据", x.kind));
            }
            let n = &x.notice;
            if n.days < 0 {
                return Err(format!("{} 的通知天数不能为负", x.kind));
            }
            if n.basis.document.trim().is_empty() || n.basis.clause.trim().is_empty() {
                return Err(format!("{} 的通知期限没有写依据", x.kind));
            }
        }
        for m in &r.reserved {
            if m.decided_by.iter().any(|k| MeetingKind::parse(k).is_none()) {
                return Err(format!("事项 {} 的会议类型不对", m.key));
            }
        }
        if r.party_review.document.trim().is_empty() || r.party_review.clause.trim().is_empty() {
            return Err("党组织研究讨论的规则没有写依据".into());
        }
        Ok(r)
    }

    pub fn kind(&self, k: MeetingKind) -> &KindRule {
        // from_toml checked every kind is present.
        self.kinds
            .iter()
            .find(|x| x.kind == k.as_str())
            .unwrap_or(&self.kinds[0])
    }

    pub fn reserved(&self, key: &str) -> Option<&ReservedMatter> {
        self.reserved.iter().find(|m| m.key == key)
    }
}

/// The shipped rules, parsed once (checked by the test below; the file is compiled in).
pub fn rules() -> &'static MeetingRules {
    static RULES: OnceLock<MeetingRules> = OnceLock::new();
    RULES.get_or_init(|| {
        MeetingRules::from_toml(SHIPPED_RULES_TOML).expect("meeting_rules.toml is checked by tests")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_rules_parse_and_cite_every_number() {
        let r = MeetingRules::from_toml(SHIPPED_RULES_TOML).unwrap();
        for k in MeetingKind::ALL {
            let x = r.kind(k);
            assert!(x.notice.days >= 1);
            assert!(!x.notice.basis.clause.is_empty());
            assert!(!x.majority.basis.clause.is_empty());
            assert!(!x.min_present.basis.clause.is_empty());
        }
        // 2025 组织法 (in force 2026-01-01): the residents' meeting.
        let res = r.kind(MeetingKind::ResidentsMeeting);
        assert!(res.quorum.basis.document.contains("2025"));
        assert!(res.quorum.basis.clause.starts_with("第二十七条"));
        assert!(res.majority.basis.clause.contains("到会人员的过半数通过"));
        assert_eq!(res.notice.days, 10);
        assert!(res.notice.special_circumstances);
        assert!(res.notice.basis.clause.starts_with("第二十六条"));
        // The representatives' meeting: two thirds of its members, "以上" counts the number itself.
        let reps = r.kind(MeetingKind::RepresentativesMeeting);
        assert_eq!((reps.quorum.numerator, reps.quorum.denominator), (2, 3));
        assert!(!reps.quorum.strict);
        assert!(reps.quorum.basis.clause.starts_with("第二十九条"));
        assert!(reps.majority.strict);
        // A district setting says it is one.
        assert!(reps.notice.basis.document.contains("本区"));
        assert!(!reps.notice.special_circumstances);
        // Quotations of clauses not yet checked against the official text say so.
        let k = MeetingKind::Deliberation;
        assert!(r.kind(k).notice.basis.clause.contains("待核对原文"));
        assert!(r.kind(k).majority.basis.clause.contains("待核对原文"));
        assert!(r.publicity.clause.contains("第三十四条"));
        assert!(r.publicity.clause.contains("十五日"));
        assert!(r.party_review.clause.starts_with("第三十条第四款"));
        assert!(r.reserved("common_interest").is_some());
        assert!(r.reserved("annual_report").is_some());
        // 2025 第四十二条: raising money from residents no longer needs the residents' meeting.
        assert!(r.reserved("public_welfare_funding").is_none());
    }

    #[test]
    fn more_than_half_is_strict() {
        let half = rules().kind(MeetingKind::ResidentsMeeting).quorum.clone();
        assert!(!half.met(50, 100));
        assert!(half.met(51, 100));
        assert_eq!(half.smallest(100), 51);
        assert_eq!(half.smallest(7), 4);
        assert_eq!(half.describe(), "过半数");
    }

    #[test]
    fn two_thirds_or_more_counts_the_number_itself() {
        let q = rules()
            .kind(MeetingKind::RepresentativesMeeting)
            .quorum
            .clone();
        assert!(q.met(20, 30));
        assert!(!q.met(19, 30));
        assert_eq!(q.smallest(30), 20);
        assert_eq!(q.smallest(31), 21);
        assert_eq!(q.describe(), "三分之二以上");
    }

    #[test]
    fn a_notice_period_without_its_citation_is_refused() {
        let bad = SHIPPED_RULES_TOML.replacen(
            "clause = \"第二十六条第二款",
            "clause = \"\"\nignored = \"",
            1,
        );
        assert_ne!(bad, SHIPPED_RULES_TOML);
        assert!(MeetingRules::from_toml(&bad).is_err());
    }

    #[test]
    fn a_minimum_attendance_without_its_citation_is_refused() {
        let bad =
            SHIPPED_RULES_TOML.replacen("clause = \"无人出席", "clause = \"\"\nignored = \"", 1);
        assert_ne!(bad, SHIPPED_RULES_TOML);
        assert!(MeetingRules::from_toml(&bad).is_err());
        let missing = SHIPPED_RULES_TOML.replacen("[kinds.min_present]", "[kinds.unused]", 1);
        assert!(MeetingRules::from_toml(&missing).is_err());
    }

    #[test]
    fn a_rule_without_its_citation_is_refused() {
        let bad = SHIPPED_RULES_TOML.replacen(
            "clause = \"第二十七条：居民会议应当有",
            "clause = \"\"\nignored = \"",
            1,
        );
        assert!(MeetingRules::from_toml(&bad).is_err());
    }
}
