//! The rules for burdens attached to work (三(二), 三(三)): ledgers, signs, institutions, letters,
//! evaluations, creation activities, reports, secondments. Where the policy makes an exception for
//! "中央、市委市政府明确要求", the exception needs a document in the mandate register: registered
//! and covering the burden → admitted; named but not registered → district approval (the
//! approver checks and may register it); no document → the plain rule.

use super::catalog::ItemKind;
use super::decision::{Effect, Reason};
use super::mandate::{MandateLookup, MandateRegister};
use super::request::{Burden, BurdenKind};
use super::rules::{cite, clause, reason};
use crate::shared_data::ElementRegistry;

/// What a burden rule may know besides the burden: the kind of the chosen item (a letter within
/// the community's own duties is judged differently) and the register in force.
#[derive(Clone, Copy)]
pub struct BurdenContext<'a> {
    pub item_kind: Option<ItemKind>,
    pub mandates: &'a MandateRegister,
    /// The shared data elements in force: a report whose fields are all here asks communities
    /// for nothing new.
    pub shared: &'a ElementRegistry,
}

/// A report or data collection (三(二) 精简和压缩各类报表, 三(六) 数据资源共享): fields that are
/// all shared elements are served from shared data and admitted; a field nobody collects is a
/// new burden and needs district approval; a report that names no fields cannot be judged and
/// goes to approval as before.
fn shared_fields(i: usize, b: &Burden, ctx: BurdenContext) -> Reason {
    let part = Some(i);
    let title = b.title.trim();
    let label = b.kind.label_zh();
    let fields: Vec<&str> = b
        .fields
        .iter()
        .map(|f| f.trim())
        .filter(|f| !f.is_empty())
        .collect();
    if fields.is_empty() {
        return reason(
            "reports_from_shared_data",
            cite(clause::REPORT),
            format!(
                "附带的{label}“{title}”没有列出字段：须优先从平台共享数据生成；列出字段后，字段全部是共享数据元的直接从共享数据生成并予以准入，新增采集字段须经区级审批。"
            ),
            part,
            Effect::NeedsApproval,
            Some("列出报表的字段（共享数据元的代码或名称）；确需新增字段的报区级审批"),
        );
    }
    let (known, new): (Vec<&str>, Vec<&str>) =
        fields.iter().partition(|f| ctx.shared.find(f).is_some());
    let names: Vec<&str> = known
        .iter()
        .filter_map(|f| ctx.shared.find(f).map(|e| e.name.as_str()))
        .collect();
    if new.is_empty() {
        reason(
            "served_from_shared_data",
            cite(clause::REPORT),
            format!(
                "附带的{label}“{title}”的 {} 个字段都是平台共享数据元（{}）：从共享数据生成，社区不再另行填报，予以准入。",
                names.len(),
                names.join("、")
            ),
            part,
            Effect::Admit,
            None,
        )
    } else {
        let rest = if names.is_empty() {
            String::new()
        } else {
            format!(
                "其余 {} 个字段（{}）从共享数据生成。",
                names.len(),
                names.join("、")
            )
        };
        reason(
            "new_data_fields",
            cite(clause::REPORT),
            format!(
                "附带的{label}“{title}”中有 {} 个字段不是平台共享数据元（{}）：新增采集字段属于新增负担，须经区级审批。{rest}",
                new.len(),
                new.join("、")
            ),
            part,
            Effect::NeedsApproval,
            Some("新增字段报区级审批，或改用已有的共享数据元"),
        )
    }
}

/// How a burden that the policy allows "with a central or municipal mandate" fares.
fn with_mandate(
    i: usize,
    b: &Burden,
    ctx: BurdenContext,
    clause_text: &str,
    admitted_rule: &str,
    plain: impl FnOnce() -> Reason,
) -> Reason {
    let part = Some(i);
    let label = b.kind.label_zh();
    let title = b.title.trim();
    let Some(number) = b
        .mandate_document
        .as_deref()
        .filter(|n| !n.trim().is_empty())
    else {
        return plain();
    };
    match ctx.mandates.lookup(number, b.kind) {
        MandateLookup::Covers(doc) => reason(
            admitted_rule,
            format!("{}；{}", cite(clause_text), doc.cite()),
            format!(
                "附带的{label}“{title}”有{}文件{}的明确要求，予以准入。",
                doc.level.label_zh(),
                doc.cite()
            ),
            part,
            Effect::Admit,
            None,
        ),
        MandateLookup::DoesNotCover(doc) => {
            let mut r = plain();
            r.message = format!(
                "{}（所引文件{}已登记，但没有要求社区承担{label}。）",
                r.message,
                doc.cite()
            );
            r
        }
        MandateLookup::NotRegistered => reason(
            "mandate_not_registered",
            cite(clause_text),
            format!(
                "附带的{label}“{title}”引用的文件“{}”不在区级上级文件登记中：须经区级审批，由审批人核对原文（符合的可予登记）。",
                number.trim()
            ),
            part,
            Effect::NeedsApproval,
            Some("附上所引文件原文，报区级审批；或改引已登记的上级文件"),
        ),
    }
}

/// The rules for one attached burden (index `i`) of 三(二) and 三(三). Digital burdens are in
/// [`super::digital`].
pub fn burden_rules(i: usize, b: &Burden, ctx: BurdenContext) -> Vec<Reason> {
    let part = Some(i);
    let title = b.title.trim();
    let label = b.kind.label_zh();
    let refuse = |rule: &str, clause_text: &str, message: String, change: &str| {
        reason(
            rule,
            cite(clause_text),
            message,
            part,
            Effect::Refuse,
            Some(change),
        )
    };
    let mut out = Vec::new();
    // 一票否决: by flag or in words, on any burden.
    let veto_word = super::screening::Screened::new(title).veto_word();
    if b.one_vote_veto || veto_word.is_some() {
        let how = match veto_word {
            Some(w) if !b.one_vote_veto => format!("（文中写有“{w}”）"),
            _ => String::new(),
        };
        out.push(refuse(
            "no_one_vote_veto",
            clause::VETO,
            format!("附带的{label}“{title}”设有“一票否决”{how}，对社区的一票否决事项一律取消。"),
            "取消一票否决",
        ));
    }
    match b.kind {
        BurdenKind::Ledger => out.push(with_mandate(i, b, ctx, clause::LEDGER, "ledger_mandated", || {
            refuse(
                "no_department_ledgers",
                clause::LEDGER,
                format!("附带的{label}“{title}”不予准入：社区不建部门业务台账，确需记录的在平台电子台账中留存。"),
                "取消部门业务台账，改用平台电子台账；或引用已登记的中央、市级文件",
            )
        })),
        BurdenKind::Sign => out.push(refuse(
            "three_signs_only",
            clause::SIGN,
            format!("附带的挂牌“{title}”不予准入：社区办公场所外只悬挂社区党组织、社区居民委员会、社区服务站三块牌子。"),
            "取消挂牌要求",
        )),
        BurdenKind::Institution | BurdenKind::Premises | BurdenKind::Staff => {
            out.push(with_mandate(i, b, ctx, clause::INSTITUTION, "institution_mandated", || {
                refuse(
                    "no_institutions",
                    clause::INSTITUTION,
                    format!("附带的{label}“{title}”不予准入：没有法律法规规章或中央、市委市政府的明确要求，不得在社区设立机构、场所或配备专职人员。"),
                    "取消在社区设立机构、场所或配备专职人员的要求，或引用已登记的中央、市级文件",
                )
            }))
        }
        BurdenKind::ResponsibilityLetter => {
            if ctx.item_kind == Some(ItemKind::Duty) {
                out.push(reason(
                    "letter_needs_approval",
                    cite(clause::LETTER),
                    format!("附带的责任书“{title}”针对社区依法履行的职责：是否超出社区职能，须经区级审批认定。"),
                    part,
                    Effect::NeedsApproval,
                    Some("说明责任书的内容未超出社区职能，报区级审批；或取消责任书"),
                ));
            } else {
                out.push(refuse(
                    "no_responsibility_letters",
                    clause::LETTER,
                    format!("附带的责任书“{title}”不予准入：协助工作和清单外工作的责任在部门，要社区签责任书超出了社区职能。"),
                    "取消责任书",
                ));
            }
        }
        BurdenKind::Evaluation => out.push(refuse(
            "no_department_evaluations",
            clause::EVALUATION_OWN,
            format!("附带的{label}“{title}”不予准入：各部门不再单独组织社区层面的考核评比活动，有上级文件也不例外；社区工作由区社会办统一综合考评。"),
            "取消本部门对社区的考核评比、检查",
        )),
        BurdenKind::Creation => out.push(with_mandate(i, b, ctx, clause::EVALUATION, "creation_mandated", || {
            refuse(
                "no_creation_activities",
                clause::EVALUATION,
                format!("附带的{label}“{title}”不予准入：没有中央或市委市政府明确要求的面向社区的达标、检查评比和示范创建活动一律取消。"),
                "取消面向社区的达标、评比或创建活动，或引用已登记的中央、市级文件",
            )
        })),
        BurdenKind::Report | BurdenKind::DataCollection => out.push(shared_fields(i, b, ctx)),
        BurdenKind::Secondment => out.push(with_mandate(i, b, ctx, clause::SECONDMENT, "secondment_mandated", || {
            reason(
                "secondment_needs_approval",
                cite(clause::SECONDMENT),
                format!("附带的借调要求“{title}”：不得随意借调社区工作人员，没有已登记的中央、市级文件的，须经区级审批。"),
                part,
                Effect::NeedsApproval,
                Some("说明借调的人数、期限和理由，报区级审批；或取消借调"),
            )
        })),
        BurdenKind::GovApp
        | BurdenKind::WorkGroup
        | BurdenKind::CheckIn
        | BurdenKind::Ranking
        | BurdenKind::CompulsoryUpload => {}
    }
    out
}
