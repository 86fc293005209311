//! The rules about the work item itself, one function each, with the clause it rests on. The
//! rules about attached burdens are in [`super::burdens`] and [`super::digital`]. DESIGN.md
//! "The access gate" and docs/gate.md list them; the policy is
//! 《大兴区进一步开展社区减负工作实施意见》(2016).

use super::catalog::{Catalog, CatalogItem, ItemKind};
use super::decision::{Effect, Reason};
use super::request::{CommunityRole, GateRequest};
use super::screening::Screened;

pub(crate) const DOC: &str = "《大兴区进一步开展社区减负工作实施意见》";

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
    pub const LEDGER: &str = "三(二) 除法律、法规、规章明确规定及中央、市委市政府明确要求外，不得要求社区建立各部门业务台账；确需保留记录的，依托社区管理服务信息平台整合建立电子台账";
    pub const SIGN: &str = "三(二) 社区办公场所外，只悬挂社区党组织、社区居民委员会、社区服务站三个组织机构标牌，其他标牌一律取消";
    pub const INSTITUTION: &str = "三(二) 除法律、法规、规章明确规定及中央、市委市政府明确要求外，各部门不得在社区设立工作机构、专门场所，不得配备专职人员";
    pub const LETTER: &str =
        "二(三) 对超出社区职能的责任书等工作任务进行清理；二(四) 确需协助的，社区只承担协助";
    pub const EVALUATION_OWN: &str = "三(三) 各部门不再单独组织社区层面的考核评比活动";
    pub const EVALUATION: &str = "三(三) 按照《评比达标表彰活动管理办法(试行)》(中办发〔2010〕33号)，面向社区的达标、检查评比和示范创建活动，除中央和市委市政府明确要求开展外，其他一律取消";
    pub const VETO: &str = "三(三) 取消对社区的“一票否决”事项";
    pub const REPORT: &str = "三(二) 精简和压缩各类报表；三(六) 数据资源共享，减轻社区数据录入工作";
    pub const SECONDMENT: &str =
        "三(二) 除法律、法规、规章明确规定及中央、市委市政府明确要求外，不得随意借调社区工作人员";
    pub const NOT_WORK: &str = "三(四) 证明事项按《社区日常出具证明事项》办理，不属于下派工作";
}

pub(crate) fn cite(clause: &str) -> String {
    format!("{DOC} {clause}")
}

pub(crate) fn reason(
    rule: &str,
    citation: String,
    message: String,
    part: Option<usize>,
    effect: Effect,
    change: Option<&str>,
) -> Reason {
    Reason {
        rule: rule.into(),
        citation,
        message,
        part,
        effect,
        change: change.map(str::to_string),
    }
}

/// The text the gate reads: what the department wrote (title, description, authority) plus the
/// chosen item's name.
pub fn request_text(req: &GateRequest, item: Option<&CatalogItem>) -> String {
    let mut text = format!("{}\n{}\n{}", req.title, req.description, req.authority);
    if let Some(i) = item {
        text.push('\n');
        text.push_str(&i.name);
    }
    text
}

/// The rules about the work item itself; `text` is [`request_text`] screened.
pub fn item_rules(req: &GateRequest, cat: &Catalog, text: &Screened) -> Vec<Reason> {
    let mut out = Vec::new();
    let item = req.item_code.as_deref().and_then(|c| cat.item(c));
    out.extend(negative(req, cat, item.map(|i| i.code.as_str()), text));
    out.extend(not_ours_to_pass_on(req, cat, text));
    match item.map(|i| i.kind) {
        Some(ItemKind::Duty) => out.push(duty(item.expect("kind came from the item"), cat)),
        Some(ItemKind::Assist) => out.extend(assist(req, item.expect("item"), cat)),
        Some(ItemKind::Certificate | ItemKind::CertificateNegative) => out.push(reason(
            "not_a_work_item",
            cite(clause::NOT_WORK),
            "所选事项是证明事项，不是可以下派社区的工作。".into(),
            None,
            Effect::Refuse,
            Some("改选社区工作事项，证明请走证明办理流程"),
        )),
        // Negative and department-duty items were refused above.
        Some(ItemKind::Negative | ItemKind::DepartmentDuty) => {}
        None => out.extend(off_the_lists(req, cat)),
    }
    if let Some(w) = text.service_word() {
        out.push(reason(
            "purchase_of_services",
            cite(clause::SERVICES),
            format!("事项含有“{w}”，属于公益性、专业性或技术性服务，建议通过政府购买服务交由社会力量承担，而不是交给社区。"),
            None,
            Effect::Advice,
            Some("改用政府购买服务，交由社会组织或企事业单位承担"),
        ));
    }
    out
}

/// 取消和禁入事项: chosen by code, or found in the text. Targets (招商引资、协税护税、经济创收)
/// count where the text makes them the community's task or target, not on a mere mention;
/// enforcement, demolition and city management only where the community would be the
/// responsible subject — by its declared role or by the words of the text. 三(一).
pub fn negative(
    req: &GateRequest,
    cat: &Catalog,
    code: Option<&str>,
    text: &Screened,
) -> Vec<Reason> {
    let mut out = Vec::new();
    for neg in cat.items_of(ItemKind::Negative) {
        if code == Some(neg.code.as_str()) {
            out.push(reason(
                "negative_list",
                cite(clause::NEGATIVE),
                format!("“{}”在取消和禁入事项清单上，不得交由社区承担。", neg.name),
                None,
                Effect::Refuse,
                Some("撤回该事项，由本部门依职责自行办理"),
            ));
            continue;
        }
        let responsible_role = req.community_role == CommunityRole::Responsible;
        let why = if neg.only_as_responsible {
            match text.find_as_responsible(&neg.terms) {
                Some((term, w)) => format!("文中出现“{term}”，且“{w}”使社区成为责任主体"),
                None => match text.find_term(&neg.terms) {
                    Some(term) if responsible_role => {
                        format!("文中出现“{term}”，且申请把社区列为责任主体")
                    }
                    _ => continue,
                },
            }
        } else {
            match text.find_as_task(&neg.terms) {
                Some((term, w)) => format!("文中“{term}”与“{w}”一起出现，是交给社区的任务或指标"),
                None => match text.find_term(&neg.terms) {
                    Some(term) if responsible_role => {
                        format!("文中出现“{term}”，且申请把社区列为责任主体")
                    }
                    _ => continue,
                },
            }
        };
        out.push(reason(
            "negative_terms",
            cite(clause::NEGATIVE),
            format!(
                "经文本甄别，“{}”实质上属于取消和禁入事项“{}”（{why}），不论标题如何表述，一律不得交由社区承担。",
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

/// Any department's or street's own duty may not be passed to the community — whoever asks,
/// not only the department that owns it (二(四), 三(一)).
pub fn not_ours_to_pass_on(req: &GateRequest, cat: &Catalog, text: &Screened) -> Vec<Reason> {
    cat.items_of(ItemKind::DepartmentDuty)
        .filter_map(|d| {
            let found = if req.item_code.as_deref() == Some(d.code.as_str()) {
                String::new()
            } else {
                format!("（经文本甄别，文中出现“{}”）", text.find_term(&d.terms)?)
            };
            Some(reason(
                "not_ours_to_pass_on",
                cite(clause::NOT_TRANSFERRED),
                format!(
                    "“{}”是{}的职责事项{found}，不得转嫁给社区。",
                    d.name,
                    owner(d)
                ),
                None,
                Effect::Refuse,
                Some("由负有该职责的部门或街道依职责自行办理，不下派社区"),
            ))
        })
        .collect()
}

fn owner(d: &CatalogItem) -> &str {
    if d.responsible_department.is_empty() {
        "部门或街道"
    } else {
        &d.responsible_department
    }
}

/// The clause plus the item's own legal bases, as the version in force cites them.
fn cite_with_item(clause: &str, item: &CatalogItem, cat: &Catalog) -> String {
    if item.legal_basis.is_empty() {
        cite(clause)
    } else {
        format!("{}；{}", cite(clause), cat.cite_all(&item.legal_basis))
    }
}

/// The clause plus the catalog version's legal anchor for `role` (e.g. the 组织法 article that
/// district departments' work needing the committee's help is arranged by the district).
fn cite_with_anchor(clause: &str, role: &str, cat: &Catalog) -> String {
    let anchors = cat.anchor(role);
    if anchors.is_empty() {
        cite(clause)
    } else {
        format!("{}；{}", cite(clause), cat.cite_all(anchors))
    }
}

/// 社区依法履行职责事项: admitted, citing the item's own legal basis.
pub fn duty(item: &CatalogItem, cat: &Catalog) -> Reason {
    reason(
        "duty_list",
        cite_with_item(clause::LISTS, item, cat),
        format!("“{}”属于社区依法履行职责事项，予以准入。", item.name),
        None,
        Effect::Admit,
        None,
    )
}

fn funded(req: &GateRequest) -> bool {
    req.funding
        .as_ref()
        .is_some_and(|f| f.amount_fen > 0 && !f.channel.trim().is_empty())
}

/// Funding and authority, which assist work and off-list work both bring (二(四)).
fn funding_and_authority(
    req: &GateRequest,
    cat: &Catalog,
    prefix: &str,
    what: &str,
) -> Vec<Reason> {
    let mut out = Vec::new();
    if !funded(req) {
        out.push(reason(
            &format!("{prefix}_needs_funding"),
            cite_with_anchor(clause::FUNDING, super::catalog::ANCHOR_FUNDING, cat),
            format!("{what}必须随事下达经费：请写明每个社区的经费金额和经费渠道。"),
            None,
            Effect::Refuse,
            Some("写明每个社区的经费金额和经费渠道（费随事转）"),
        ));
    }
    if req.authority.trim().is_empty() {
        out.push(reason(
            &format!("{prefix}_needs_authority"),
            cite(clause::AUTHORITY),
            format!("{what}必须写明交给社区的工作任务和职责权限。"),
            None,
            Effect::Refuse,
            Some("写明交给社区的工作任务和职责权限（权随责走）"),
        ));
    }
    out
}

fn assist_only(what: &str) -> Reason {
    reason(
        "assist_only",
        cite(clause::ASSIST_ONLY),
        format!("{what}中社区只能协助，不能作为责任主体。"),
        None,
        Effect::Refuse,
        Some("把社区角色改为“协助”，主体责任由本部门承担"),
    )
}

/// 社区依法协助政府工作事项: the community only assists, and funding and authority come with it.
pub fn assist(req: &GateRequest, item: &CatalogItem, cat: &Catalog) -> Vec<Reason> {
    let mut out = Vec::new();
    if req.community_role == CommunityRole::Responsible {
        out.push(assist_only("协助事项"));
    }
    out.extend(funding_and_authority(req, cat, "assist", "协助事项"));
    if out.is_empty() {
        let mut citation = cite_with_item(clause::LISTS, item, cat);
        let anchors = cat.anchor(super::catalog::ANCHOR_ASSIST);
        if !anchors.is_empty() {
            citation.push('；');
            citation.push_str(&cat.cite_all(anchors));
        }
        out.push(reason(
            "assist_list",
            citation,
            format!(
                "“{}”属于社区依法协助政府工作事项，经费和权限已随事明确，予以准入。",
                item.name
            ),
            None,
            Effect::Admit,
            None,
        ));
    }
    out
}

/// Work on no list goes to district approval, whether or not a law names it: the policy sends
/// exactly the work no law names to approval (三(一) "除法律、法规和规章有明确规定外…须经区委区政府
/// 批准"). Funding and authority are still required. A cited provision that the department says
/// names the community's duty makes the case a candidate for the next catalog version.
pub fn off_the_lists(req: &GateRequest, cat: &Catalog) -> Vec<Reason> {
    let mut out = Vec::new();
    if req.community_role == CommunityRole::Responsible {
        out.push(assist_only("清单外事项"));
    }
    out.extend(funding_and_authority(req, cat, "approval", "清单外事项"));
    let basis = if req.legal_basis.is_empty() {
        "申请未引用法律依据。".to_string()
    } else {
        format!(
            "申请引用的依据：{}，供审批人核对。",
            req.legal_basis
                .iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join("、")
        )
    };
    out.push(reason(
        "off_the_lists",
        cite_with_anchor(clause::APPROVAL, super::catalog::ANCHOR_ASSIST, cat),
        format!("该事项不在社区工作清单上，须经区委区政府批准后才能交由社区落实。{basis}"),
        None,
        Effect::NeedsApproval,
        Some("报区级审批（附经费和职责权限）"),
    ));
    if req.basis_names_community && !req.legal_basis.is_empty() {
        out.push(reason(
            "list_update_candidate",
            cite(clause::LISTS),
            "申请单位说明所引条款规定了社区的这项职责：审批人核实后，可在批准时把它列入下一版清单草稿。"
                .into(),
            None,
            Effect::Advice,
            None,
        ));
    }
    out
}
