//! Digital burdens ("指尖上的形式主义"): government apps, work groups, check-ins, rankings and
//! compulsory uploads, under 《整治形式主义为基层减负若干规定》(2024) and
//! 国办函〔2026〕12号《政务移动互联网应用程序规范化管理办法》. Declared burdens are judged by
//! [`burden_rules`]; a request that only describes one in its text is asked to declare it
//! ([`undeclared`]), so it cannot slip past the rules by not naming its kind.

use super::burdens::BurdenContext;
use super::decision::{Effect, Reason};
use super::mandate::MandateLookup;
use super::request::{
    Burden, BurdenKind, CheckInPurpose, GateRequest, RankingMeasure, RequesterLevel,
};
use super::rules::{clause, reason};
use super::screening::Screened;

/// The documents and the articles the rules rest on.
pub mod basis {
    pub const RULES_2024: &str =
        "《整治形式主义为基层减负若干规定》（中共中央办公厅、国务院办公厅，2024年）";
    pub const APPS_2026: &str =
        "《政务移动互联网应用程序规范化管理办法》（国务院办公厅，国办函〔2026〕12号）";
    pub const CHECK_IN: &str =
        "规范政务移动互联网应用程序管理：除安保、应急等工作外，不得要求打卡签到";
    pub const RANKING: &str =
        "不得以积分排名、在线时长、点赞转发、下载安装量、使用率等作为考核评价依据，不得搞排名通报";
    pub const UPLOAD: &str = "不得强制要求拍照、录视频、上传定位轨迹等过度留痕";
    pub const APP_BELOW_COUNTY: &str =
        "县级以下单位原则上不得自行开发、推广面向基层的政务移动互联网应用程序";
    pub const APP_APPROVAL: &str = "政务移动互联网应用程序实行统筹管理，新建、推广须按程序审核，不得强制基层下载安装、注册使用";
    pub const WORK_GROUP: &str =
        "规范政务工作群：不得随意建群，不得要求即时回复、打卡接龙、截图留痕";
}

fn cite(doc: &str, article: &str) -> String {
    format!("{doc} {article}")
}

/// The rules for one declared digital burden (index `i`).
pub fn burden_rules(i: usize, b: &Burden, req: &GateRequest, ctx: BurdenContext) -> Vec<Reason> {
    let part = Some(i);
    let title = b.title.trim();
    let refuse = |rule: &str, citation: String, message: String, change: &str| {
        reason(rule, citation, message, part, Effect::Refuse, Some(change))
    };
    match b.kind {
        BurdenKind::GovApp if req.requester_level == RequesterLevel::BelowCounty => vec![refuse(
            "no_app_below_county",
            cite(basis::APPS_2026, basis::APP_BELOW_COUNTY),
            format!(
                "附带的政务App要求“{title}”不予准入：街道（乡镇）等县级以下单位不得向社区推行自己的政务App。"
            ),
            "取消App要求；确需信息化支撑的，使用区级统一平台",
        )],
        BurdenKind::GovApp => vec![reason(
            "app_needs_approval",
            cite(basis::APPS_2026, basis::APP_APPROVAL),
            format!(
                "附带的政务App要求“{title}”：要社区安装、注册或向居民推广App，须经区级审批；不得以下载量、注册率考核社区。"
            ),
            part,
            Effect::NeedsApproval,
            Some("说明App的名称、主管单位和必要性，报区级审批"),
        )],
        BurdenKind::WorkGroup => vec![reason(
            "work_group_needs_approval",
            cite(basis::RULES_2024, basis::WORK_GROUP),
            format!(
                "附带的工作群“{title}”：新建面向社区的工作群须经区级审批；群内不得要求即时回复、打卡接龙、截图留痕。"
            ),
            part,
            Effect::NeedsApproval,
            Some(
                "说明建群的必要性和群规（不要求即时回复、接龙、截图），报区级审批；或使用已有渠道",
            ),
        )],
        BurdenKind::CheckIn => check_in(i, b, ctx),
        BurdenKind::Ranking => match b.measure {
            Some(m) if m != RankingMeasure::Other => vec![refuse(
                "no_usage_rankings",
                cite(basis::RULES_2024, basis::RANKING),
                format!(
                    "附带的排名“{title}”按{}排名，不予准入：这类数字不能作为评价社区工作的依据，由谁组织都一样。",
                    m.label_zh()
                ),
                "取消排名通报",
            )],
            _ => vec![refuse(
                "no_department_evaluations",
                super::rules::cite(clause::EVALUATION_OWN),
                format!(
                    "附带的排名“{title}”不予准入：对社区排名通报就是部门单独组织的考核评比，各部门不再单独组织社区层面的考核评比活动。"
                ),
                "取消排名通报",
            )],
        },
        BurdenKind::CompulsoryUpload => vec![refuse(
            "no_compulsory_uploads",
            cite(basis::RULES_2024, basis::UPLOAD),
            format!(
                "附带的“{title}”不予准入：不得强制社区拍照、录视频或上传定位轨迹来证明做了工作。"
            ),
            "取消拍照、视频、定位上传要求，以工作实效为准",
        )],
        _ => vec![],
    }
}

/// Check-ins: refused unless for security or an emergency, and then only with a named basis — a
/// registered document covering check-ins is admitted, an unregistered one goes to approval.
fn check_in(i: usize, b: &Burden, ctx: BurdenContext) -> Vec<Reason> {
    let part = Some(i);
    let title = b.title.trim();
    let citation = cite(basis::RULES_2024, basis::CHECK_IN);
    let purpose = b.purpose.unwrap_or(CheckInPurpose::Other);
    if purpose == CheckInPurpose::Other {
        return vec![reason(
            "no_check_ins",
            citation,
            format!(
                "附带的打卡要求“{title}”不予准入：除安保、应急外，不得要求社区工作人员打卡签到。"
            ),
            part,
            Effect::Refuse,
            Some("取消打卡签到要求"),
        )];
    }
    let why = purpose.label_zh();
    let number = b.mandate_document.as_deref().map(str::trim).unwrap_or("");
    if number.is_empty() {
        return vec![reason(
            "check_in_needs_basis",
            citation,
            format!(
                "附带的打卡要求“{title}”说是用于{why}，但没有写明依据的文件：{why}打卡也须有明确依据。"
            ),
            part,
            Effect::Refuse,
            Some("写明要求打卡的上级文件文号；或取消打卡签到要求"),
        )];
    }
    match ctx.mandates.lookup(number, BurdenKind::CheckIn) {
        MandateLookup::Covers(doc) => vec![reason(
            "check_in_mandated",
            format!("{citation}；{}", doc.cite()),
            format!(
                "附带的打卡要求“{title}”用于{why}，有已登记的文件{}为据，予以准入。",
                doc.cite()
            ),
            part,
            Effect::Admit,
            None,
        )],
        _ => vec![reason(
            "mandate_not_registered",
            citation,
            format!(
                "附带的打卡要求“{title}”用于{why}，所引文件“{number}”不在区级上级文件登记中（或未要求打卡）：须经区级审批核对。"
            ),
            part,
            Effect::NeedsApproval,
            Some("附上所引文件原文，报区级审批"),
        )],
    }
}

/// The words in which the national rules describe each digital burden.
pub const WORDS: [(BurdenKind, &[&str]); 5] = [
    (BurdenKind::CheckIn, &["打卡", "签到", "接龙"]),
    (
        BurdenKind::Ranking,
        &[
            "积分排名",
            "在线时长",
            "活跃度",
            "点赞",
            "转发量",
            "里程",
            "排名通报",
            "排名",
            "使用率",
        ],
    ),
    (
        BurdenKind::CompulsoryUpload,
        &[
            "拍照留痕",
            "拍照上传",
            "上传照片",
            "照片上传",
            "截图",
            "上传视频",
            "视频上传",
            "定位上传",
            "上传定位",
            "轨迹",
            "留痕",
        ],
    ),
    (
        BurdenKind::GovApp,
        &[
            "下载量",
            "安装量",
            "装机量",
            "下载安装",
            "注册率",
            "app",
            "小程序",
        ],
    ),
    (
        BurdenKind::WorkGroup,
        &["工作群", "微信群", "钉钉群", "企业微信群", "qq群"],
    ),
];

/// Digital burdens the text describes but the request does not declare: refused until declared,
/// so their own rules can judge them.
pub fn undeclared(req: &GateRequest, text: &Screened) -> Vec<Reason> {
    WORDS
        .iter()
        .filter(|(kind, _)| !req.burdens.iter().any(|b| b.kind == *kind))
        .filter_map(|(kind, words)| {
            let w = text.any_of(words)?;
            Some(reason(
                "undeclared_digital_burden",
                cite(basis::RULES_2024, "规范政务移动互联网应用程序管理，整治“指尖上的形式主义”"),
                format!(
                    "经文本甄别，申请中写有“{w}”，像是要求社区承担“{}”，但附带要求里没有申报。请如实申报，由相应规则判断。",
                    kind.label_zh()
                ),
                None,
                Effect::Refuse,
                Some(&format!("在附带要求中申报“{}”（类型 {}），或删去相关要求", kind.label_zh(), kind.as_str())),
            ))
        })
        .collect()
}
