//! The rules that flag an inventory entry. Each names its clause and says what to do. An entry
//! with no findings may be kept; a flagged one is to be removed, converted, or given its basis.
//!
//! The clauses are the gate's (`gate::rules::clause`, `gate::digital::basis`): the inventory
//! judges what is already in a community by the same text that stops new burdens.

use super::entry::EntryFacts;
use crate::gate::digital::{self, basis as law};
use crate::gate::mandate::{MandateLookup, MandateRegister};
use crate::gate::request::{BurdenKind, CheckInPurpose, RankingMeasure};
use crate::gate::rules::{DOC, clause};
use crate::gate::screening::Screened;
use serde::Serialize;

/// What the rules know besides the entry.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    /// The register in force today.
    pub mandates: &'a MandateRegister,
    /// The community's own name: taken out of a sign's name before it is read, so a community
    /// called 文明里 or 中心街 keeps its three signs.
    pub community_name: &'a str,
    /// The owner is a street or town (below county level): it may not push its own app.
    pub owner_below_county: bool,
}

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

/// Which of the three standard signs this is, by its name (`community` is the community's own
/// name, taken out first); `None` for any other sign. A combined sign such as
/// “XX社区居民委员会（社区服务站）” is standard when each of its parts is.
pub fn standard_sign(title: &str, community: &str) -> Option<StandardSign> {
    let t: String = title.chars().filter(|c| !c.is_whitespace()).collect();
    let own = community.trim().trim_end_matches("社区");
    let t = if own.is_empty() {
        t
    } else {
        t.replace(own, "")
    };
    let parts: Vec<&str> = t
        .split(['（', '）', '(', ')', '、', '/'])
        .filter(|p| !p.is_empty())
        .collect();
    let mut first = None;
    for p in &parts {
        let kind = one_sign(p)?;
        first.get_or_insert(kind);
    }
    first
}

fn one_sign(t: &str) -> Option<StandardSign> {
    if OTHER_BODY.iter().any(|w| t.contains(w)) {
        return None;
    }
    // A party organisation of the community (社区党委、社区党支部、中共XX社区委员会), not a
    // town's or a company's.
    let party = ["社区党委", "社区党总支", "社区党支部", "社区党组织"]
        .iter()
        .any(|w| t.contains(w))
        || (t.starts_with("中共") && t.contains("社区") && t.ends_with("委员会"));
    if party {
        Some(StandardSign::Party)
    } else if t.ends_with("社区居民委员会") || t.ends_with("社区居委会") || t == "居民委员会"
    {
        Some(StandardSign::Committee)
    } else if t.ends_with("社区服务站") {
        Some(StandardSign::ServiceStation)
    } else {
        None
    }
}

/// 法律依据 as people fill it in a survey sheet when there is none: not a basis.
const PLACEHOLDERS: [&str; 12] = [
    "无",
    "暂无",
    "没有",
    "不详",
    "不清楚",
    "/",
    "-",
    "—",
    "——",
    "无依据",
    "n/a",
    "na",
];

/// A law basis counts when it names a law, regulation or rule in book-title marks (《…》);
/// "无", "/" and the like, or words without a title, do not. 三(二) opens its exceptions only to
/// "法律、法规、规章明确规定": a basis nobody can look up is not one (tested in
/// `placeholders_and_unnamed_laws_are_no_basis`).
pub fn names_a_law(law_basis: &str) -> bool {
    let t = law_basis.trim();
    if PLACEHOLDERS.iter().any(|p| t.eq_ignore_ascii_case(p)) {
        return false;
    }
    match (t.find('《'), t.find('》')) {
        (Some(a), Some(b)) => b > a + '《'.len_utf8(),
        _ => false,
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
    if law_counts && names_a_law(&e.law_basis) {
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
fn basis_note(e: &EntryFacts, b: &Basis) -> String {
    let law = if e.has_law_basis() && !names_a_law(&e.law_basis) {
        format!(
            "所填依据“{}”没有写明法律法规规章的名称（《…》）。",
            e.law_basis.trim()
        )
    } else {
        String::new()
    };
    law + &match b {
        Basis::NotRegistered(n) => format!("所引文件“{n}”不在区级上级文件登记中。"),
        Basis::DoesNotCover(d) => format!("所引文件{d}已登记，但没有要求社区承担这一项。"),
        _ => String::new(),
    }
}

fn has(b: &Basis) -> bool {
    matches!(b, Basis::Law | Basis::Mandate)
}

/// All the rules an entry breaks, in a stable order.
pub fn findings(e: &EntryFacts, ctx: &Context) -> Vec<Finding> {
    let mandates = ctx.mandates;
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
    let screened = Screened::new(title);
    if e.details.one_vote_veto || screened.veto_word().is_some() {
        flag(
            "no_one_vote_veto",
            policy(clause::VETO),
            format!("“{title}”设有“一票否决”：对社区的一票否决事项一律取消。"),
            "取消一票否决，由主管部门书面告知社区",
        );
    }
    match e.kind {
        BurdenKind::Sign => {
            if standard_sign(title, ctx.community_name).is_none() {
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
                        basis_note(e, &b)
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
                        basis_note(e, &b)
                    ),
                    "停用该台账；确需保留记录的，转为平台电子台账",
                );
            }
        }
        BurdenKind::ResponsibilityLetter => flag(
            "no_responsibility_letters",
            policy(clause::LETTER),
            format!("责任书“{title}”：协助工作的责任在部门，要社区签责任书超出了社区职能。"),
            "解除责任书；确属社区依法履行的职责，由主管部门报区级审批认定",
        ),
        BurdenKind::GovApp if ctx.owner_below_county => flag(
            "no_app_below_county",
            national(law::APPS_2026, law::APP_BELOW_COUNTY),
            format!(
                "政务App“{title}”由街道（乡镇）推给社区：县级以下单位不得自行向社区推行政务App。"
            ),
            "停止要求社区使用、推广；确需信息化支撑的，使用区级统一平台",
        ),
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
                        basis_note(e, &b)
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
                national(law::RULES_2024, law::RANKING),
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
            national(law::RULES_2024, law::CHECK_IN),
            format!("“{title}”要求打卡签到：除安保、应急外，不得要求社区工作人员打卡。"),
            "取消打卡要求",
        ),
        Some(purpose) => {
            let b = basis(e, BurdenKind::CheckIn, false, mandates);
            if !has(&b) {
                flag(
                    "check_in_without_basis",
                    national(law::RULES_2024, law::CHECK_IN),
                    format!(
                        "“{title}”说是{}打卡，但没有写明依据。{}",
                        purpose.label_zh(),
                        basis_note(e, &b)
                    ),
                    "由主管部门写明要求打卡的法规或已登记文件；没有的取消打卡",
                );
            }
        }
        None => {}
    }
    for (kind, declared) in [
        (BurdenKind::CheckIn, e.check_in().is_some()),
        (BurdenKind::Ranking, e.ranking().is_some()),
        (BurdenKind::CompulsoryUpload, e.demands_screenshots()),
    ] {
        let words = digital::WORDS
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, w)| *w)
            .unwrap_or(&[]);
        if !declared && let Some(w) = screened.any_of(words) {
            flag(
                "undeclared_digital_burden",
                national(law::RULES_2024, "整治“指尖上的形式主义”"),
                format!(
                    "名称里写有“{w}”，像是要求“{}”，但条目没有注明。",
                    kind.label_zh()
                ),
                "在条目中注明（打卡用途、排名依据或要求截图），由相应规则判断",
            );
        }
    }
    if e.demands_screenshots() {
        let article = if e.kind == BurdenKind::WorkGroup {
            law::WORK_GROUP
        } else {
            law::UPLOAD
        };
        flag(
            "no_screenshots",
            national(law::RULES_2024, article),
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
            national(law::APPS_2026, law::APP_APPROVAL),
            "不再要求社区使用或推广该 App；确有依据的由主管部门补充",
        ),
        BurdenKind::WorkGroup => (
            national(law::RULES_2024, law::WORK_GROUP),
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

    const COMMUNITY: &str = "清源社区";

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

    fn register() -> MandateRegister {
        let doc = |number: &str, requires: Vec<BurdenKind>| MandateDoc {
            number: number.into(),
            issuer: "北京市人民政府办公厅".into(),
            title: "某通知".into(),
            issued_on: "2020-01-01".into(),
            level: MandateLevel::Municipal,
            requires,
            valid_from: "2020-01-01".into(),
            valid_to: String::new(),
            summary: String::new(),
        };
        MandateRegister::new(vec![
            doc("京政办发〔2020〕1号", vec![BurdenKind::Ledger]),
            doc("京政办发〔2021〕2号", vec![BurdenKind::CheckIn]),
        ])
    }

    fn found(e: &EntryFacts, below_county: bool) -> Vec<Finding> {
        let reg = register();
        findings(
            e,
            &Context {
                mandates: &reg,
                community_name: COMMUNITY,
                owner_below_county: below_county,
            },
        )
    }

    fn rules(e: &EntryFacts) -> Vec<&'static str> {
        found(e, false).into_iter().map(|f| f.rule).collect()
    }

    #[test]
    fn only_three_signs_stay_outside_the_office() {
        for ok in [
            "中共清源社区委员会",
            "清源社区党支部",
            "清源社区居民委员会",
            "清源社区居委会",
            "清源社区服务站",
            "清源社区居民委员会（清源社区服务站）",
        ] {
            assert!(standard_sign(ok, COMMUNITY).is_some(), "{ok}");
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
            "黄村镇党委",
            "某公司党支部",
            "清源社区居民委员会（社区警务室）",
        ] {
            assert_eq!(standard_sign(fourth, COMMUNITY), None, "{fourth}");
            assert_eq!(
                rules(&entry(BurdenKind::Sign, fourth)),
                ["fourth_sign"],
                "{fourth}"
            );
        }
    }

    #[test]
    fn a_communitys_own_name_does_not_make_its_signs_look_like_someone_elses() {
        for (community, sign) in [
            ("文明里社区", "文明里社区居民委员会"),
            ("中心街社区", "中共中心街社区委员会"),
            ("中心街社区", "中心街社区服务站"),
        ] {
            assert!(standard_sign(sign, community).is_some(), "{sign}");
            assert_eq!(standard_sign("文明社区", community), None);
        }
    }

    #[test]
    fn a_department_ledger_needs_a_named_law_or_a_registered_mandate_that_covers_it() {
        let mut e = entry(BurdenKind::Ledger, "安全生产检查台账");
        assert_eq!(rules(&e), ["ledger_without_basis"]);
        e.mandate_document = Some("京政办发〔2020〕1号".into());
        assert!(rules(&e).is_empty());
        e.mandate_document = Some("某政发〔2019〕9号".into());
        let f = &found(&e, false)[0];
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
    fn placeholders_and_unnamed_laws_are_no_basis() {
        for placeholder in ["无", "暂无", "/", "—", "N/A", "上级要求", "《》"] {
            let mut e = entry(BurdenKind::Ledger, "走访台账");
            e.law_basis = placeholder.into();
            assert!(!names_a_law(placeholder), "{placeholder}");
            assert_eq!(rules(&e), ["ledger_without_basis"], "{placeholder}");
        }
        let mut e = entry(BurdenKind::Institution, "禁毒工作站");
        e.law_basis = "上级要求".into();
        assert!(
            found(&e, false)[0]
                .message
                .contains("没有写明法律法规规章的名称")
        );
    }

    #[test]
    fn a_registered_document_counts_only_for_what_it_requires() {
        let mut e = entry(BurdenKind::Institution, "禁毒工作站");
        e.mandate_document = Some("京政办发〔2020〕1号".into());
        let f = &found(&e, false)[0];
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
            BurdenKind::Report,
            BurdenKind::DataCollection,
            BurdenKind::GovApp,
            BurdenKind::WorkGroup,
        ] {
            let f = found(&entry(kind, "某项"), false);
            assert_eq!(f.len(), 1, "{kind:?}");
            assert_eq!(f[0].rule, "no_basis");
            assert!(!f[0].todo.is_empty() && f[0].citation.contains('《'));
            let mut with_law = entry(kind, "某项");
            with_law.law_basis = "《某条例》第十条".into();
            assert!(rules(&with_law).is_empty(), "{kind:?}");
        }
    }

    #[test]
    fn responsibility_letters_go_whatever_basis_is_written_as_at_the_gate() {
        let mut e = entry(BurdenKind::ResponsibilityLetter, "消防安全目标责任书");
        e.law_basis = "《消防法》第三十二条".into();
        assert_eq!(rules(&e), ["no_responsibility_letters"]);
        // 一票否决 written into the title counts like the box ticked.
        let v = entry(BurdenKind::ResponsibilityLetter, "安全生产一票否决责任书");
        assert_eq!(rules(&v), ["no_one_vote_veto", "no_responsibility_letters"]);
    }

    #[test]
    fn a_street_may_not_push_its_own_app() {
        let mut app = entry(BurdenKind::GovApp, "街道通");
        app.law_basis = "《某办法》".into();
        assert!(found(&app, false).is_empty());
        let f = found(&app, true);
        assert_eq!(f[0].rule, "no_app_below_county");
    }

    #[test]
    fn a_department_evaluation_and_a_creation_without_mandate_go() {
        let mut e = entry(BurdenKind::Evaluation, "平安社区考评");
        e.law_basis = "《某法》".into();
        assert_eq!(rules(&e), ["department_evaluation"]);
        let mut c = entry(BurdenKind::Creation, "绿色社区创建");
        c.law_basis = "《某法》".into(); // law does not open 三(三)'s exception
        assert_eq!(rules(&c), ["creation_without_mandate"]);
    }

    #[test]
    fn check_ins_only_for_security_or_emergencies_with_a_registered_document() {
        let e = entry(BurdenKind::CheckIn, "每日定位打卡");
        assert_eq!(rules(&e), ["no_check_ins"]);
        let mut g = entry(BurdenKind::WorkGroup, "网格工作群");
        g.law_basis = "《某条例》".into();
        g.details.check_in = Some(CheckInPurpose::Other);
        assert_eq!(rules(&g), ["no_check_ins"]);
        let mut s = entry(BurdenKind::CheckIn, "防汛值守签到");
        s.details.check_in = Some(CheckInPurpose::Emergency);
        assert_eq!(rules(&s), ["check_in_without_basis"]);
        s.law_basis = "《北京市防汛条例》".into(); // the gate wants a registered document too
        assert_eq!(rules(&s), ["check_in_without_basis"]);
        s.mandate_document = Some("京政办发〔2021〕2号".into());
        assert!(rules(&s).is_empty());
    }

    #[test]
    fn digital_burdens_named_in_the_title_must_be_declared() {
        let mut e = entry(BurdenKind::Ledger, "网格员每日打卡记录台账");
        e.law_basis = "《某条例》".into();
        assert_eq!(rules(&e), ["undeclared_digital_burden"]);
        e.details.check_in = Some(CheckInPurpose::Other);
        assert_eq!(rules(&e), ["no_check_ins"]);
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
        let f = found(&g, false);
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
