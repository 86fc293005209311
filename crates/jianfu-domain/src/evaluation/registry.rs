//! The evaluation registry (考核评比登记). 三(三): "各部门要全面梳理面向社区的各类达标、检查评比
//! 和示范创建活动项目，除中央和市委市政府明确要求开展外，其他一律取消。各部门不再单独组织社区层面
//! 的考核评比活动。……取消对社区的‘一票否决’事项。" The register decides at registration; the
//! outcome and its reasons are stored and published as they were decided.

use crate::gate::mandate::{MandateLookup, MandateRegister};
use crate::gate::request::BurdenKind;
use crate::gate::rules::{cite, clause};
use crate::text::{InputText, TextError};
use serde::{Deserialize, Serialize};

/// 中央办公厅、国务院办公厅《评比达标表彰活动管理办法(试行)》, which 三(三) applies.
pub const MEASURES_2010: &str =
    "《评比达标表彰活动管理办法(试行)》（中共中央办公厅、国务院办公厅，中办发〔2010〕33号）";

/// What kind of activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    /// 达标：meeting a standard (e.g. 标准化社区).
    Standard,
    /// 检查评比：inspections with grades or ranks.
    Inspection,
    /// 示范创建：model-community creation (e.g. 绿色社区、文明社区).
    Demonstration,
    /// 部门考核：a department's (or street's) own assessment of communities' work.
    DepartmentAssessment,
}

impl ActivityKind {
    pub const ALL: [ActivityKind; 4] = [
        ActivityKind::Standard,
        ActivityKind::Inspection,
        ActivityKind::Demonstration,
        ActivityKind::DepartmentAssessment,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            ActivityKind::Standard => "standard",
            ActivityKind::Inspection => "inspection",
            ActivityKind::Demonstration => "demonstration",
            ActivityKind::DepartmentAssessment => "department_assessment",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s || k.label_zh() == s)
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            ActivityKind::Standard => "达标",
            ActivityKind::Inspection => "检查评比",
            ActivityKind::Demonstration => "示范创建",
            ActivityKind::DepartmentAssessment => "部门考核",
        }
    }
}

/// What the register decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// 保留：a registered central or municipal document requires it.
    Kept,
    /// 取消：no such document.
    Cancelled,
    /// 不予登记：a department's own community-level evaluation.
    Refused,
    /// 纳入综合考评：it evaluates work the gate admitted; the district's comprehensive
    /// evaluation takes it over.
    FoldedIn,
}

impl Outcome {
    pub const ALL: [Outcome; 4] = [
        Outcome::Kept,
        Outcome::Cancelled,
        Outcome::Refused,
        Outcome::FoldedIn,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Kept => "kept",
            Outcome::Cancelled => "cancelled",
            Outcome::Refused => "refused",
            Outcome::FoldedIn => "folded_in",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == s.trim())
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            Outcome::Kept => "保留",
            Outcome::Cancelled => "取消",
            Outcome::Refused => "不予登记",
            Outcome::FoldedIn => "纳入综合考评",
        }
    }
}

/// An activity as registered, checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrationFacts {
    pub title: String,
    pub kind: ActivityKind,
    /// Org code of the organiser (a department or street; the district for the comprehensive
    /// evaluation's own parts).
    pub organiser: String,
    /// The organiser is the district's 区社会办, which runs the comprehensive evaluation.
    pub organiser_runs_comprehensive: bool,
    /// 文号 of the document that requires it, looked up in the mandate register.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mandate_document: Option<String>,
    /// What communities are judged by.
    pub criteria: String,
    pub one_vote_veto: bool,
    /// Access number of admitted work it evaluates, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admitted_work: Option<String>,
}

/// One reason of a judgement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JudgementReason {
    pub rule: String,
    pub citation: String,
    pub message: String,
}

/// The outcome with every reason, and whether 一票否决 was struck out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Judgement {
    pub outcome: Outcome,
    pub reasons: Vec<JudgementReason>,
    /// It came with a 一票否决, which is removed whatever the outcome.
    pub veto_removed: bool,
}

/// The clause that sets up the district's comprehensive evaluation.
const COMPREHENSIVE: &str = "三(三) 区社会办负责建立健全以街道自荐申报为主要形式，以社区居民满意度为主要标准的社区工作综合考评机制，将社区各项工作任务纳入和谐社区建设工作范畴";

fn reason(rule: &str, citation: String, message: String) -> JudgementReason {
    JudgementReason {
        rule: rule.into(),
        citation,
        message,
    }
}

/// Judges an activity against the register in force. Order: a department's own assessment is
/// refused (no document saves it); an evaluation of admitted work is folded in; otherwise it is
/// kept only with a registered central or municipal document requiring such activities
/// (`BurdenKind::Creation` in the mandate register). A 一票否决 is struck out in every case.
pub fn judge(f: &RegistrationFacts, mandates: &MandateRegister) -> Judgement {
    let title = f.title.trim();
    let mut reasons = Vec::new();
    let outcome = if f.kind == ActivityKind::DepartmentAssessment && f.organiser_runs_comprehensive
    {
        // The one assessment the policy itself sets up: its mandate is 三(三).
        reasons.push(reason(
            "comprehensive_evaluation",
            cite(COMPREHENSIVE),
            format!("“{title}”是区社会办组织的社区工作综合考评，由本意见三(三)设立，予以保留；以街道自荐申报为主要形式，以居民满意度为主要标准。"),
        ));
        Outcome::Kept
    } else if f.kind == ActivityKind::DepartmentAssessment {
        reasons.push(reason(
            "no_department_evaluations",
            cite(clause::EVALUATION_OWN),
            format!("“{title}”是部门（或街道）单独组织的社区层面考核：各部门不再单独组织，有上级文件也不例外；社区工作由区社会办统一综合考评。"),
        ));
        Outcome::Refused
    } else if let Some(n) = f
        .admitted_work
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        reasons.push(reason(
            "folded_into_comprehensive",
            cite(COMPREHENSIVE),
            format!("“{title}”评价的是经准入的工作（准入编号 {n}）：不单独评比，纳入区社会办的社区工作综合考评。"),
        ));
        Outcome::FoldedIn
    } else {
        let number = f
            .mandate_document
            .as_deref()
            .map(str::trim)
            .filter(|m| !m.is_empty());
        match number.map(|n| (n, mandates.lookup(n, BurdenKind::Creation))) {
            Some((_, MandateLookup::Covers(doc))) => {
                reasons.push(reason(
                    "mandated",
                    format!(
                        "{}；{MEASURES_2010}；{}",
                        cite(clause::EVALUATION),
                        doc.cite()
                    ),
                    format!(
                        "“{title}”有{}文件{}的明确要求，予以保留。",
                        doc.level.label_zh(),
                        doc.cite()
                    ),
                ));
                Outcome::Kept
            }
            Some((_, MandateLookup::DoesNotCover(doc))) => {
                reasons.push(reason(
                    "mandate_does_not_cover",
                    format!("{}；{MEASURES_2010}", cite(clause::EVALUATION)),
                    format!("所引文件{}已登记，但没有要求开展面向社区的达标、评比或创建活动：“{title}”取消。", doc.cite()),
                ));
                Outcome::Cancelled
            }
            Some((n, MandateLookup::NotRegistered)) => {
                reasons.push(reason(
                    "mandate_not_registered",
                    format!("{}；{MEASURES_2010}", cite(clause::EVALUATION)),
                    format!("所引文件“{n}”不在区级上级文件登记中：“{title}”按没有上级要求取消；文件确有要求的，由区级审批人登记后重新登记本活动。"),
                ));
                Outcome::Cancelled
            }
            None => {
                reasons.push(reason(
                    "no_mandate",
                    format!("{}；{MEASURES_2010}", cite(clause::EVALUATION)),
                    format!("“{title}”没有中央或市委市政府明确要求开展的文件：一律取消。"),
                ));
                Outcome::Cancelled
            }
        }
    };
    if f.one_vote_veto {
        reasons.push(reason(
            "no_one_vote_veto",
            cite(clause::VETO),
            format!(
                "“{title}”设有“一票否决”：对社区的一票否决一律取消{}。",
                if outcome == Outcome::Kept {
                    "，活动保留但不得一票否决"
                } else {
                    ""
                }
            ),
        ));
    }
    Judgement {
        outcome,
        reasons,
        veto_removed: f.one_vote_veto,
    }
}

pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_CRITERIA_CHARS: usize = 5000;

/// Trims and checks typed text; returns the facts ready to judge.
pub fn check_text(
    mut f: RegistrationFacts,
) -> Result<RegistrationFacts, (&'static str, TextError)> {
    f.title = InputText::line(&f.title, MAX_TITLE_CHARS)
        .map_err(|e| ("名称", e))?
        .as_str()
        .to_string();
    f.criteria = InputText::paragraph(&f.criteria, MAX_CRITERIA_CHARS)
        .map_err(|e| ("评比标准", e))?
        .as_str()
        .to_string();
    f.mandate_document = match f.mandate_document.as_deref() {
        Some(m) => Some(
            InputText::line(m, 100)
                .map_err(|e| ("上级文件文号", e))?
                .as_str()
                .to_string(),
        )
        .filter(|m| !m.is_empty()),
        None => None,
    };
    f.admitted_work = match f.admitted_work.as_deref() {
        Some(m) => Some(
            InputText::line(m, 40)
                .map_err(|e| ("准入编号", e))?
                .as_str()
                .to_string(),
        )
        .filter(|m| !m.is_empty()),
        None => None,
    };
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gate::mandate::{MandateDoc, MandateLevel};

    fn register() -> MandateRegister {
        let doc = |number: &str, requires: Vec<BurdenKind>| MandateDoc {
            number: number.into(),
            issuer: "中共中央办公厅、国务院办公厅".into(),
            title: "某文件".into(),
            issued_on: "2020-01-01".into(),
            level: MandateLevel::Central,
            requires,
            valid_from: "2020-01-01".into(),
            valid_to: String::new(),
            summary: String::new(),
        };
        MandateRegister::new(vec![
            doc("中办发〔2020〕1号", vec![BurdenKind::Creation]),
            doc("中办发〔2020〕2号", vec![BurdenKind::Ledger]),
        ])
    }

    fn facts(kind: ActivityKind) -> RegistrationFacts {
        RegistrationFacts {
            title: "绿色社区创建".into(),
            kind,
            organiser: "110115-CGZF".into(),
            organiser_runs_comprehensive: false,
            mandate_document: None,
            criteria: "垃圾分类达标率".into(),
            one_vote_veto: false,
            admitted_work: None,
        }
    }

    fn outcome(f: &RegistrationFacts) -> Outcome {
        judge(f, &register()).outcome
    }

    #[test]
    fn without_a_registered_central_or_municipal_document_it_is_cancelled() {
        let mut f = facts(ActivityKind::Demonstration);
        assert_eq!(outcome(&f), Outcome::Cancelled);
        f.mandate_document = Some("京某发〔2019〕3号".into());
        let j = judge(&f, &register());
        assert_eq!(
            (j.outcome, j.reasons[0].rule.as_str()),
            (Outcome::Cancelled, "mandate_not_registered")
        );
        f.mandate_document = Some("中办发〔2020〕2号".into());
        assert_eq!(
            judge(&f, &register()).reasons[0].rule,
            "mandate_does_not_cover"
        );
        f.mandate_document = Some("中办发〔2020〕1号".into());
        let j = judge(&f, &register());
        assert_eq!(j.outcome, Outcome::Kept);
        assert!(j.reasons[0].citation.contains("中办发〔2010〕33号"));
    }

    #[test]
    fn a_departments_own_assessment_is_refused_even_with_a_document() {
        let mut f = facts(ActivityKind::DepartmentAssessment);
        f.mandate_document = Some("中办发〔2020〕1号".into());
        let j = judge(&f, &register());
        assert_eq!(j.outcome, Outcome::Refused);
        assert!(j.reasons[0].citation.contains("各部门不再单独组织"));
        // The district's comprehensive evaluation is the one assessment that stays: 三(三) sets
        // it up.
        f.organiser_runs_comprehensive = true;
        f.mandate_document = None;
        let j = judge(&f, &register());
        assert_eq!(
            (j.outcome, j.reasons[0].rule.as_str()),
            (Outcome::Kept, "comprehensive_evaluation")
        );
    }

    #[test]
    fn one_vote_veto_is_struck_out_whatever_the_outcome() {
        let mut f = facts(ActivityKind::Standard);
        f.mandate_document = Some("中办发〔2020〕1号".into());
        f.one_vote_veto = true;
        let j = judge(&f, &register());
        assert_eq!(j.outcome, Outcome::Kept);
        assert!(j.veto_removed);
        assert_eq!(j.reasons.last().unwrap().rule, "no_one_vote_veto");
        f.mandate_document = None;
        let j = judge(&f, &register());
        assert_eq!((j.outcome, j.veto_removed), (Outcome::Cancelled, true));
    }

    #[test]
    fn an_evaluation_of_admitted_work_is_folded_into_the_comprehensive_evaluation() {
        let mut f = facts(ActivityKind::Inspection);
        f.admitted_work = Some("ZR2026-00001".into());
        let j = judge(&f, &register());
        assert_eq!(j.outcome, Outcome::FoldedIn);
        assert!(j.reasons[0].message.contains("ZR2026-00001"));
    }

    #[test]
    fn kinds_read_by_code_or_name() {
        for k in ActivityKind::ALL {
            assert_eq!(ActivityKind::parse(k.as_str()), Some(k));
            assert_eq!(ActivityKind::parse(k.label_zh()), Some(k));
        }
        assert_eq!(ActivityKind::parse("表彰"), None);
    }
}
