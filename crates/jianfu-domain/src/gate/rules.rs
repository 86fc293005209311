//! One function per rule of the gate, each with the clause it rests on. DESIGN.md "The access
//! gate" lists them; the policy is 《大兴区进一步开展社区减负工作实施意见》(2016).

use super::catalog::{Catalog, ItemKind};
use super::decision::{Effect, Reason};
use super::request::{Burden, BurdenKind, CommunityRole, GateRequest};
use super::screening;

const DOC: &str = "《大兴区进一步开展社区减负工作实施意见》";

/// Clauses of the policy the rules rest on.
pub mod clause {
    pub const NEGATIVE: &str = "三(一) 社区承担的招商引资、协税护税、经济创收等任务指标及社区作为责任主体的执法、拆迁拆违、城市管理等事项，原则上一律取消";
    pub const NOT_TRANSFERRED: &str =
        "二(四)、三(一) 属于各部门、街道(镇)职责范围内的事项，不得转嫁给社区";
    pub const LISTS: &str =
        "三(一) 依照《社区依法履行职责主要事项》《社区依法协助政府工作主要事项》实行清单管理";
    pub const APPROVAL: &str =
        "三(一) 除法律、法规和规章有明确规定外，其他需要社区协助的工作事项，须经区委区政府批准";
    pub const FUNDING: &str =
        "二(四)、三(一) 费随事转、事费配套：为社区提供必要的经费保障，并明确其来源渠道";
    pub const AUTHORITY: &str = "二(四) 权随责走：明确社区居民委员会工作任务和职责权限";
    pub const ASSIST_ONLY: &str = "二(四) 凡属于区政府及其各部门、街(镇)职责范围内的事项，不得转嫁给社区居民委员会；确需协助的，社区只承担协助";
    pub const SERVICES: &str = "三(一) 公益性、专业性、技术性服务等相关事项，可通过政府购买服务方式，交由社会组织、企事业单位等社会力量承担";
    pub const LEDGER: &str = "三(二) 不得要求社区建立各部门业务台账；确需保留记录的，依托社区管理服务信息平台整合建立电子台账";
    pub const SIGN: &str = "三(二) 社区办公场所外，只悬挂社区党组织、社区居民委员会、社区服务站三个组织机构标牌，其他标牌一律取消";
    pub const INSTITUTION: &str = "三(二) 除法律、法规、规章明确规定及中央、市委市政府明确要求外，各部门不得在社区设立工作机构、专门场所，不得配备专职人员";
    pub const LETTER: &str = "二(三) 对超出社区职能的责任书等工作任务进行清理";
    pub const EVALUATION: &str = "三(三) 除中央和市委市政府明确要求开展外，面向社区的达标、检查评比和示范创建活动一律取消（中办发〔2010〕33号）";
    pub const VETO: &str = "三(三) 取消对社区的“一票否决”事项";
    pub const REPORT: &str = "三(二) 精简和压缩各类报表；三(六) 数据资源共享，减轻社区数据录入工作";
    pub const SECONDMENT: &str = "三(二) 不得随意借调社区工作人员";
    pub const NOT_WORK: &str = "三(四) 证明事项按《社区日常出具证明事项》办理，不属于下派工作";
}

fn cite(clause: &str) -> String {
    format!("{DOC} {clause}")
}

fn reason(
    rule: &str,
    clause: &str,
    message: String,
    part: Option<usize>,
    effect: Effect,
    change: Option<&str>,
) -> Reason {
    Reason {
        rule: rule.into(),
        citation: cite(clause),
        message,
        part,
        effect,
        change: change.map(str::to_string),
    }
}

/// The rules about the work item itself.
pub fn item_rules(req: &GateRequest, cat: &Catalog) -> Vec<Reason> {
    let mut out = Vec::new();
    let item = req.item_code.as_deref().and_then(|c| cat.item(c));
    // The text screened is what the department wrote, plus the chosen item's name.
    let text = match item {
        Some(i) => format!("{} {}", req.title, i.name),
        None => req.title.clone(),
    };
    let text = screening::Screened::new(&text);
    out.extend(negative(req, cat, item.map(|i| i.code.as_str()), &text));
    out.extend(not_ours_to_pass_on(req, cat, &text));
    match item.map(|i| i.kind) {
        Some(ItemKind::Duty) => out.push(reason(
            "duty_list",
            clause::LISTS,
            format!(
                "“{}”属于社区依法履行职责事项，予以准入。",
                item.map(|i| i.name.as_str()).unwrap_or("")
            ),
            None,
            Effect::Admit,
            None,
        )),
        Some(ItemKind::Assist) => out.extend(assist(req)),
        Some(ItemKind::Certificate | ItemKind::CertificateNegative) => out.push(reason(
            "not_a_work_item",
            clause::NOT_WORK,
            "所选事项是证明事项，不是可以下派社区的工作。".into(),
            None,
            Effect::Refuse,
            Some("改选社区工作事项，证明请走证明办理流程"),
        )),
        // Negative and department-duty items were refused above.
        Some(ItemKind::Negative | ItemKind::DepartmentDuty) => {}
        None => out.extend(off_the_lists(req)),
    }
    if let Some(w) = text.service_word() {
        out.push(reason(
            "purchase_of_services",
            clause::SERVICES,
            format!("事项含有“{w}”，属于公益性、专业性或技术性服务，建议通过政府购买服务交由社会力量承担，而不是交给社区。"),
            None,
            Effect::Advice,
            Some("改用政府购买服务，交由社会组织或企事业单位承担"),
        ));
    }
    out
}

/// 取消和禁入事项: chosen by code, or found in the text. Targets (招商引资…) are banned
/// outright; enforcement, demolition and city management only when the community would be the
/// responsible subject — by its declared role or by the words of the text.
pub fn negative(
    req: &GateRequest,
    cat: &Catalog,
    code: Option<&str>,
    text: &screening::Screened,
) -> Vec<Reason> {
    let mut out = Vec::new();
    for neg in cat.items_of(ItemKind::Negative) {
        if code == Some(neg.code.as_str()) {
            out.push(reason(
                "negative_list",
                clause::NEGATIVE,
                format!("“{}”在取消和禁入事项清单上，不得交由社区承担。", neg.name),
                None,
                Effect::Refuse,
                Some("撤回该事项，由本部门依职责自行办理"),
            ));
            continue;
        }
        let Some(term) = text.find_term(&neg.terms) else {
            continue;
        };
        let responsible_word = text.responsibility_word();
        if neg.only_as_responsible
            && req.community_role != CommunityRole::Responsible
            && responsible_word.is_none()
        {
            continue;
        }
        let why = match (neg.only_as_responsible, responsible_word) {
            (true, Some(w)) => format!("，且文字“{w}”使社区成为责任主体"),
            (true, None) => "，且申请把社区列为责任主体".to_string(),
            _ => String::new(),
        };
        out.push(reason(
            "negative_terms",
            clause::NEGATIVE,
            format!(
                "经文本甄别，“{}”实质上属于取消和禁入事项“{}”（文中出现“{term}”{why}），不论标题如何表述，一律不得交由社区承担。",
                req.title.trim(),
                neg.name
            ),
            None,
            Effect::Refuse,
            Some("撤回该事项，由本部门依职责自行办理"),
        ));
    }
    out
}

/// A department's or street's own duty may not be passed to the community.
pub fn not_ours_to_pass_on(
    req: &GateRequest,
    cat: &Catalog,
    text: &screening::Screened,
) -> Vec<Reason> {
    cat.items_of(ItemKind::DepartmentDuty)
        .filter(|d| {
            req.item_code.as_deref() == Some(d.code.as_str())
                || (d.responsible_department == req.department
                    && text.find_term(&d.terms).is_some())
        })
        .map(|d| {
            reason(
                "not_ours_to_pass_on",
                clause::NOT_TRANSFERRED,
                format!("“{}”是{}的职责事项，不得转嫁给社区。", d.name, owner(d)),
                None,
                Effect::Refuse,
                Some("由本部门依职责自行办理，不下派社区"),
            )
        })
        .collect()
}

fn owner(d: &super::CatalogItem) -> &str {
    if d.responsible_department.is_empty() {
        "部门"
    } else {
        &d.responsible_department
    }
}

fn funded(req: &GateRequest) -> bool {
    req.funding
        .as_ref()
        .is_some_and(|f| f.amount_fen > 0 && !f.channel.trim().is_empty())
}

/// 依法协助政府工作事项: the community only assists, and funding and authority come with it.
pub fn assist(req: &GateRequest) -> Vec<Reason> {
    let mut out = Vec::new();
    if req.community_role == CommunityRole::Responsible {
        out.push(reason(
            "assist_only",
            clause::ASSIST_ONLY,
            "协助事项中社区只能协助，不能作为责任主体。".into(),
            None,
            Effect::Refuse,
            Some("把社区角色改为“协助”，主体责任由本部门承担"),
        ));
    }
    if !funded(req) {
        out.push(reason(
            "assist_needs_funding",
            clause::FUNDING,
            "协助事项必须随事下达经费：请写明每个社区的经费金额和经费渠道。".into(),
            None,
            Effect::Refuse,
            Some("写明每个社区的经费金额和经费渠道（费随事转）"),
        ));
    }
    if req.authority.trim().is_empty() {
        out.push(reason(
            "assist_needs_authority",
            clause::AUTHORITY,
            "协助事项必须写明交给社区的工作任务和职责权限。".into(),
            None,
            Effect::Refuse,
            Some("写明交给社区的工作任务和职责权限（权随责走）"),
        ));
    }
    if out.is_empty() {
        out.push(reason(
            "assist_list",
            clause::LISTS,
            "属于社区依法协助政府工作事项，经费和权限已随事明确，予以准入。".into(),
            None,
            Effect::Admit,
            None,
        ));
    }
    out
}

/// Work on no list: district approval, which needs a legal basis, funding and authority.
pub fn off_the_lists(req: &GateRequest) -> Vec<Reason> {
    let mut out = Vec::new();
    if req.community_role == CommunityRole::Responsible {
        out.push(reason(
            "assist_only",
            clause::ASSIST_ONLY,
            "清单外事项不得把社区作为责任主体。".into(),
            None,
            Effect::Refuse,
            Some("把社区角色改为“协助”，主体责任由本部门承担"),
        ));
    }
    if req.legal_basis.is_empty() {
        out.push(reason(
            "approval_needs_legal_basis",
            clause::APPROVAL,
            "清单外事项须有法律依据才能报区级审批：请写明法律、法规或规章的具体条款。".into(),
            None,
            Effect::Refuse,
            Some("写明法律依据，具体到条款（如《……》第……条）"),
        ));
    }
    if !funded(req) {
        out.push(reason(
            "approval_needs_funding",
            clause::FUNDING,
            "清单外事项须随事下达经费才能报区级审批：请写明经费金额和渠道。".into(),
            None,
            Effect::Refuse,
            Some("写明每个社区的经费金额和经费渠道（费随事转）"),
        ));
    }
    if req.authority.trim().is_empty() {
        out.push(reason(
            "approval_needs_authority",
            clause::AUTHORITY,
            "清单外事项须写明交给社区的工作任务和职责权限。".into(),
            None,
            Effect::Refuse,
            Some("写明交给社区的工作任务和职责权限（权随责走）"),
        ));
    }
    out.push(reason(
        "off_the_lists",
        clause::APPROVAL,
        "该事项不在社区工作清单上，须经区委区政府批准后才能交由社区落实。".into(),
        None,
        Effect::NeedsApproval,
        Some("报区级审批（附法律依据和经费）"),
    ));
    out
}

/// The rules for one attached burden (index `i`).
pub fn burden_rules(i: usize, b: &Burden) -> Vec<Reason> {
    let part = Some(i);
    let title = b.title.trim();
    let label = b.kind.label_zh();
    let mut out = Vec::new();
    let refuse = |rule: &str, clause: &str, message: String, change: &str| {
        reason(rule, clause, message, part, Effect::Refuse, Some(change))
    };
    match b.kind {
        BurdenKind::Ledger => out.push(refuse(
            "no_department_ledgers",
            clause::LEDGER,
            format!("附带的{label}“{title}”不予准入：社区不建部门业务台账，确需记录的在平台电子台账中留存。"),
            "取消部门业务台账，改用平台电子台账",
        )),
        BurdenKind::Sign => out.push(refuse(
            "three_signs_only",
            clause::SIGN,
            format!("附带的挂牌“{title}”不予准入：社区办公场所外只悬挂社区党组织、社区居民委员会、社区服务站三块牌子。"),
            "取消挂牌要求",
        )),
        BurdenKind::Institution | BurdenKind::Premises | BurdenKind::Staff => {
            if b.mandate.is_some_and(|m| m.is_high()) {
                out.push(reason(
                    "institution_mandated",
                    clause::INSTITUTION,
                    format!("附带的{label}“{title}”有中央或市委市政府的明确要求，予以准入。"),
                    part,
                    Effect::Admit,
                    None,
                ));
            } else {
                out.push(refuse(
                    "no_institutions",
                    clause::INSTITUTION,
                    format!("附带的{label}“{title}”不予准入：没有法律法规规章或中央、市委市政府的明确要求，不得在社区设立机构、场所或配备专职人员。"),
                    "取消在社区设立机构、场所或配备专职人员的要求，或提供中央、市级明确要求",
                ));
            }
        }
        BurdenKind::ResponsibilityLetter => out.push(refuse(
            "no_responsibility_letters",
            clause::LETTER,
            format!("附带的责任书“{title}”不予准入：不得要求社区签订责任书。"),
            "取消责任书",
        )),
        BurdenKind::Evaluation | BurdenKind::Creation => {
            if b.one_vote_veto {
                out.push(refuse(
                    "no_one_vote_veto",
                    clause::VETO,
                    format!("附带的{label}“{title}”设有“一票否决”，对社区的一票否决事项一律取消。"),
                    "取消一票否决",
                ));
            }
            if b.mandate.is_some_and(|m| m.is_high()) {
                out.push(reason(
                    "evaluation_mandated",
                    clause::EVALUATION,
                    format!("附带的{label}“{title}”有中央或市委市政府的明确要求，予以准入。"),
                    part,
                    Effect::Admit,
                    None,
                ));
            } else {
                out.push(refuse(
                    "no_evaluations",
                    clause::EVALUATION,
                    format!("附带的{label}“{title}”不予准入：没有中央或市委市政府明确要求的面向社区的考核评比、创建达标活动一律取消。"),
                    "取消面向社区的考核评比或创建活动，或提供中央、市级明确要求",
                ));
            }
        }
        BurdenKind::Report | BurdenKind::DataCollection => out.push(reason(
            "reports_from_shared_data",
            clause::REPORT,
            format!("附带的{label}“{title}”须优先从平台共享数据生成；新增采集字段属于新增负担，须经区级审批。"),
            part,
            Effect::NeedsApproval,
            Some("改为从共享数据生成报表；确需新增字段的报区级审批"),
        )),
        BurdenKind::Secondment => out.push(refuse(
            "no_secondment",
            clause::SECONDMENT,
            format!("附带的借调要求“{title}”不予准入：不得借调社区工作人员。"),
            "取消借调社区工作人员的要求",
        )),
        // Digital burdens: rules follow (issue 15).
        _ => {}
    }
    out
}
