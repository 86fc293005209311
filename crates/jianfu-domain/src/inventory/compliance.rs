//! The rules that flag an inventory entry. Each names its clause and says what to do. An entry
//! with no findings may be kept; a flagged one is to be removed, converted, or given its basis.
//!
//! The clauses are the gate's (`gate::rules::clause`, `gate::digital::basis`): the inventory
//! judges what is already in a community by the same text that stops new burdens.

use super::entry::EntryFacts;
use crate::gate::digital::basis as digital;
use crate::gate::mandate::{MandateLookup, MandateRegister};
use crate::gate::request::{BurdenKind, CheckInPurpose, RankingMeasure};
use crate::gate::rules::{DOC, clause};
use serde::Serialize;

/// One rule an entry breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable code, e.g. `fourth_sign`.
    pub rule: &'static str,
    /// Document and clause.
    pub citation: String,
    /// What is wrong, in Chinese.
    pub message: String,
    /// What to do about it.
    pub todo: String,
}

fn policy(clause: &str) -> String {
    format!("{DOC} {clause}")
}

fn national(doc: &str, article: &str) -> String {
    format!("{doc} {article}")
}

/// The three organisation signs that stay outside the office (三(二)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum StandardSign {
    /// 社区党组织
    Party,
    /// 社区居民委员会
    Committee,
    /// 社区服务站
    ServiceStation,
}

/// Words that make a sign some other body's, even when it also names one of the three
/// (社区卫生服务站, 社区党建指导站, 居委会调解室).
const OTHER_BODY: [&str; 16] = [
    "卫生",
    "警务",
    "调解",
    "工作站",
    "指导站",
    "中心",
    "之家",
    "驿站",
    "协会",
    "办公室",
    "基地",
    "示范",
    "文明",
    "先进",
    "星级",
    "达标",
];

/// Which of the three standard signs this is, by its name; `None` for any other sign.
pub fn standard_sign(title: &str) -> Option<StandardSign> {
    let t: String = title.chars().filter(|c| !c.is_whitespace()).collect();
    if OTHER_BODY.iter().any(|w| t.contains(w)) {
        return None;
    }
    let party = ["党委", "党总支", "党支部", "党组织"]
        .iter()
        .any(|w| t.contains(w))
        || (t.starts_with("中共") && t.ends_with("委员会"));
    if party {
        Some(StandardSign::Party)
    } else if t.ends_with("居民委员会") || t.ends_with("居委会") {
        Some(StandardSign::Committee)
    } else if t.ends_with("社区服务站") {
        Some(StandardSign::ServiceStation)
    } else {
        None
    }
}

/// What an entry rests on.
enum Basis<'a> {
    Law,
    Mandate,
    /// A 文号 not in the register (or not in force).
    NotRegistered(&'a str),
    /// A registered document that does not require this kind of burden.
    DoesNotCover(String),
    None,
}

fn basis<'a>(
    e: &'a EntryFacts,
    kind: BurdenKind,
    law_counts: bool,
    m: &MandateRegister,
) -> Basis<'a> {
    if law_counts && e.has_law_basis() {
        return Basis::Law;
    }
    match e.mandate() {
        None => Basis::None,
        Some(number) => match m.lookup(number, kind) {
            MandateLookup::Covers(_) => Basis::Mandate,
            MandateLookup::DoesNotCover(d) => Basis::DoesNotCover(d.cite()),
            MandateLookup::NotRegistered => Basis::NotRegistered(number),
        },
    }
}

/// Why a claimed document did not count, to add to a message ("" when none was named).
fn basis_note(b: &Basis) -> String {
    match b {
        Basis::NotRegistered(n) => format!("所引文件“{n}”不在区级上级文件登记中。"),
        Basis::DoesNotCover(d) => format!("所引文件{d}已登记，但没有要求社区承担这一项。"),
        _ => String::new(),
    }
}

fn has(b: &Basis) -> bool {
    matches!(b, Basis::Law | Basis::Mandate)
}

/// All the rules an entry breaks, in a stable order. `mandates` is the register in force today.
pub fn findings(e: &EntryFacts, mandates: &MandateRegister) -> Vec<Finding> {
    let mut out = Vec::new();
    let title = e.title.trim();
    // The kind's name without its explanation in brackets: 政务App, not 政务App（安装、注册…）.
    let label = e.kind.label_zh().split('（').next().unwrap_or_default();
    let mut flag = |rule, citation, message: String, todo: &str| {
        out.push(Finding {
            rule,
            citation,
            message,
            todo: todo.to_string(),
        })
    };
    if e.details.one_vote_veto {
        flag(
            "no_one_vote_veto",
            policy(clause::VETO),
            format!("“{title}”设有“一票否决”：对社区的一票否决事项一律取消。"),
            "取消一票否决，由主管部门书面告知社区",
        );
    }
    match e.kind {
        BurdenKind::Sign => {
            if standard_sign(title).is_none() {
                flag(
                    "fourth_sign",
                    policy(clause::SIGN),
                    format!(
                        "“{title}”不是社区党组织、社区居民委员会、社区服务站三块牌子之一，应予摘除。"
                    ),
                    "摘除此牌，拍下摘除后的照片作为证据，登记为“已取消”",
                );
            }
        }
        BurdenKind::Evaluation => flag(
            "department_evaluation",
            policy(clause::EVALUATION_OWN),
            format!(
                "“{title}”是部门单独组织的社区层面考核评比：各部门不再单独组织，有上级文件也不例外。"
            ),
            "停止该考核评比，社区工作由区社会办统一综合考评",
        ),
        BurdenKind::Creation => {
            let b = basis(e, BurdenKind::Creation, false, mandates);
            if !has(&b) {
                flag(
                    "creation_without_mandate",
                    policy(clause::EVALUATION),
                    format!(
                        "“{title}”没有中央或市委市政府明确要求开展的依据，应予取消。{}",
                        basis_note(&b)
                    ),
                    "取消该达标、评比或创建活动；确有上级要求的，由主管部门提交文件原文报区社会办登记",
                );
            }
        }
        BurdenKind::Ledger => {
            let b = basis(e, BurdenKind::Ledger, true, mandates);
            if !has(&b) {
                flag(
                    "ledger_without_basis",
                    policy(clause::LEDGER),
                    format!(
                        "部门业务台账“{title}”没有法律法规规章或已登记的中央、市级文件依据。{}",
                        basis_note(&b)
                    ),
                    "停用该台账；确需保留记录的，转为平台电子台账",
                );
            }
        }
        BurdenKind::Ranking | BurdenKind::CheckIn | BurdenKind::CompulsoryUpload => {}
        kind => {
            let b = basis(e, kind, true, mandates);
            if !has(&b) {
                let (citation, todo) = no_basis_clause(kind);
                flag(
                    "no_basis",
                    citation,
                    format!(
                        "{label}“{title}”没有法律法规规章或已登记的中央、市级文件依据。{}",
                        basis_note(&b)
                    ),
                    todo,
                );
            }
        }
    }
    if let Some(measure) = e.ranking() {
        if measure == RankingMeasure::Other {
            flag(
                "department_evaluation",
                policy(clause::EVALUATION_OWN),
                format!("“{title}”对社区排名通报，就是部门单独组织的考核评比。"),
                "取消排名通报",
            );
        } else {
            flag(
                "usage_ranking",
                national(digital::RULES_2024, digital::RANKING),
                format!(
                    "“{title}”按{}排名：这类数字不能作为评价社区工作的依据。",
                    measure.label_zh()
                ),
                "取消排名通报，不再以此评价社区",
            );
        }
    }
    match e.check_in() {
        Some(CheckInPurpose::Other) => flag(
            "no_check_ins",
            national(digital::RULES_2024, digital::CHECK_IN),
            format!("“{title}”要求打卡签到：除安保、应急外，不得要求社区工作人员打卡。"),
            "取消打卡要求",
        ),
        Some(purpose) => {
            let b = basis(e, BurdenKind::CheckIn, true, mandates);
            if !has(&b) {
                flag(
                    "check_in_without_basis",
                    national(digital::RULES_2024, digital::CHECK_IN),
                    format!(
                        "“{title}”说是{}打卡，但没有写明依据。{}",
                        purpose.label_zh(),
                        basis_note(&b)
                    ),
                    "由主管部门写明要求打卡的法规或已登记文件；没有的取消打卡",
                );
            }
        }
        None => {}
    }
    if e.demands_screenshots() {
        let article = if e.kind == BurdenKind::WorkGroup {
            digital::WORK_GROUP
        } else {
            digital::UPLOAD
        };
        flag(
            "no_screenshots",
            national(digital::RULES_2024, article),
            format!("“{title}”要求截图、拍照或上传定位留痕。"),
            "取消截图留痕要求，以工作实效为准",
        );
    }
    out
}

/// The clause and the advice for an entry of `kind` that has no basis.
fn no_basis_clause(kind: BurdenKind) -> (String, &'static str) {
    match kind {
        BurdenKind::Institution | BurdenKind::Premises | BurdenKind::Staff => (
            policy(clause::INSTITUTION),
            "撤销该机构、场所或专职人员要求；确有依据的由主管部门补充",
        ),
        BurdenKind::Secondment => (
            policy(clause::SECONDMENT),
            "结束借调，人员回到社区；确有依据的由主管部门补充",
        ),
        BurdenKind::ResponsibilityLetter => {
            (policy(clause::LETTER), "解除责任书；协助工作的责任在部门")
        }
        BurdenKind::Report | BurdenKind::DataCollection => (
            policy(clause::REPORT),
            "停报该表，由主管部门从平台共享数据取数；确需保留的转为平台电子台账",
        ),
        BurdenKind::GovApp => (
            national(digital::APPS_2026, digital::APP_APPROVAL),
            "不再要求社区使用或推广该 App；确有依据的由主管部门补充",
        ),
        BurdenKind::WorkGroup => (
            national(digital::RULES_2024, digital::WORK_GROUP),
            "退出或解散该工作群，改用已有渠道",
        ),
        _ => (
            policy(clause::NOT_TRANSFERRED),
            "请主管部门补充依据；没有依据的予以清理",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gate::mandate::{MandateDoc, MandateLevel};
    use crate::inventory::entry::Details;

    fn entry(kind: BurdenKind, title: &str) -> EntryFacts {
        EntryFacts {
            kind,
            title: title.into(),
            owner: "110115100".into(),
            law_basis: String::new(),
            mandate_document: None,
            details: Details::default(),
        }
    }

    fn rules(e: &EntryFacts) -> Vec<&'static str> {
        findings(e, &register())
            .into_iter()
            .map(|f| f.rule)
            .collect()
    }

    fn register() -> MandateRegister {
        MandateRegister::new(vec![MandateDoc {
            number: "京政办发〔2020〕1号".into(),
            issuer: "北京市人民政府办公厅".into(),
            title: "关于社区安全生产台账的通知".into(),
            issued_on: "2020-01-01".into(),
            level: MandateLevel::Municipal,
            requires: vec![BurdenKind::Ledger],
            valid_from: "2020-01-01".into(),
            valid_to: String::new(),
            summary: String::new(),
        }])
    }

    #[test]
    fn only_three_signs_stay_outside_the_office() {
        for ok in [
            "中共清源社区委员会",
            "清源社区党支部",
            "清源社区居民委员会",
            "清源社区居委会",
            "清源社区服务站",
        ] {
            assert!(standard_sign(ok).is_some(), "{ok}");
            assert!(rules(&entry(BurdenKind::Sign, ok)).is_empty(), "{ok}");
        }
        for fourth in [
            "清源社区卫生服务站",
            "社区党建指导站",
            "社区警务工作站",
            "清源社区人民调解委员会调解室",
            "文明社区",
            "社区老年协会",
            "妇女之家",
        ] {
            assert_eq!(standard_sign(fourth), None, "{fourth}");
            assert_eq!(
                rules(&entry(BurdenKind::Sign, fourth)),
                ["fourth_sign"],
                "{fourth}"
            );
        }
    }

    #[test]
    fn a_department_ledger_needs_a_law_or_a_registered_mandate_that_covers_it() {
        let mut e = entry(BurdenKind::Ledger, "安全生产检查台账");
        assert_eq!(rules(&e), ["ledger_without_basis"]);
        e.mandate_document = Some("京政办发〔2020〕1号".into());
        assert!(rules(&e).is_empty());
        e.mandate_document = Some("某政发〔2019〕9号".into());
        let f = &findings(&e, &register())[0];
        assert_eq!(f.rule, "ledger_without_basis");
        assert!(
            f.message.contains("不在区级上级文件登记中"),
            "{}",
            f.message
        );
        e.mandate_document = None;
        e.law_basis = "《中华人民共和国安全生产法》第八十条".into();
        assert!(rules(&e).is_empty());
    }

    #[test]
    fn a_registered_document_counts_only_for_what_it_requires() {
        let mut e = entry(BurdenKind::Institution, "禁毒工作站");
        e.mandate_document = Some("京政办发〔2020〕1号".into());
        let f = &findings(&e, &register())[0];
        assert_eq!(f.rule, "no_basis");
        assert!(f.message.contains("没有要求社区承担"), "{}", f.message);
    }

    #[test]
    fn anything_without_a_basis_is_flagged_with_what_to_do() {
        for kind in [
            BurdenKind::Institution,
            BurdenKind::Premises,
            BurdenKind::Staff,
            BurdenKind::Secondment,
            BurdenKind::ResponsibilityLetter,
            BurdenKind::Report,
            BurdenKind::DataCollection,
            BurdenKind::GovApp,
            BurdenKind::WorkGroup,
        ] {
            let f = findings(&entry(kind, "某项"), &register());
            assert_eq!(f.len(), 1, "{kind:?}");
            assert_eq!(f[0].rule, "no_basis");
            assert!(!f[0].todo.is_empty() && f[0].citation.contains('《'));
            let mut with_law = entry(kind, "某项");
            with_law.law_basis = "《某条例》第十条".into();
            assert!(rules(&with_law).is_empty(), "{kind:?}");
        }
    }

    #[test]
    fn a_department_evaluation_and_a_creation_without_mandate_go() {
        let mut e = entry(BurdenKind::Evaluation, "平安社区考评");
        e.law_basis = "某法".into();
        assert_eq!(rules(&e), ["department_evaluation"]);
        let mut c = entry(BurdenKind::Creation, "绿色社区创建");
        c.law_basis = "某法".into(); // law does not open 三(三)'s exception
        assert_eq!(rules(&c), ["creation_without_mandate"]);
    }

    #[test]
    fn check_ins_only_for_security_or_emergencies_with_a_basis() {
        let e = entry(BurdenKind::CheckIn, "每日定位打卡");
        assert_eq!(rules(&e), ["no_check_ins"]);
        let mut g = entry(BurdenKind::WorkGroup, "网格工作群");
        g.law_basis = "《某条例》".into();
        g.details.check_in = Some(CheckInPurpose::Other);
        assert_eq!(rules(&g), ["no_check_ins"]);
        let mut s = entry(BurdenKind::CheckIn, "防汛值守签到");
        s.details.check_in = Some(CheckInPurpose::Emergency);
        assert_eq!(rules(&s), ["check_in_without_basis"]);
        s.law_basis = "《北京市防汛条例》".into();
        assert!(rules(&s).is_empty());
    }

    #[test]
    fn rankings_by_likes_points_or_time_online_and_screenshots_are_flagged() {
        for m in [
            RankingMeasure::Likes,
            RankingMeasure::Points,
            RankingMeasure::OnlineTime,
        ] {
            let mut app = entry(BurdenKind::GovApp, "某某通");
            app.law_basis = "《某办法》".into();
            app.details.ranking = Some(m);
            assert_eq!(rules(&app), ["usage_ranking"], "{m:?}");
        }
        assert_eq!(
            rules(&entry(BurdenKind::Ranking, "月度排名")),
            ["department_evaluation"]
        );
        let mut g = entry(BurdenKind::WorkGroup, "工作群");
        g.mandate_document = Some("京政办发〔2020〕1号".into());
        g.details.screenshots = true;
        let f = findings(&g, &register());
        assert_eq!(
            f.iter().map(|f| f.rule).collect::<Vec<_>>(),
            ["no_basis", "no_screenshots"]
        );
        assert!(f[1].citation.contains("截图"));
        assert_eq!(
            rules(&entry(BurdenKind::CompulsoryUpload, "入户拍照")),
            ["no_screenshots"]
        );
    }

    #[test]
    fn a_one_vote_veto_is_flagged_on_any_entry() {
        let mut e = entry(BurdenKind::Sign, "清源社区居民委员会");
        e.details.one_vote_veto = true;
        assert_eq!(rules(&e), ["no_one_vote_veto"]);
    }
}
