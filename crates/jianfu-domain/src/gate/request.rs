//! A department's request to put work on communities, after parsing: every field here is
//! well formed (codes exist, amounts are not negative, periods run forward). Parsing from the
//! API's JSON happens at the edge (service layer); the gate only judges.

use super::citation::LegalCitation;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommunityRole {
    /// The community assists (协助); the department stays responsible.
    Assist,
    /// The community would be the responsible subject (责任主体).
    Responsible,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Funding {
    /// Per community, in fen (分), so money is never a float.
    pub amount_fen: i64,
    /// Source of the money (经费渠道), e.g. 区财政专项.
    pub channel: String,
}

/// What a department attaches to the work. One vocabulary for the gate, the burden inventory and
/// the reports: 三(二)'s institutions, premises, staff, signs, ledgers, report forms, letters,
/// creation activities, data collection and secondments, plus the digital burdens of
/// 《整治形式主义为基层减负若干规定》(2024) and 国办函〔2026〕12号.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BurdenKind {
    Ledger,
    Report,
    Sign,
    Institution,
    Premises,
    Staff,
    ResponsibilityLetter,
    /// A department's own community-level evaluation, assessment or inspection (考核评比、检查).
    Evaluation,
    /// 达标、检查评比、示范创建 activities aimed at communities.
    Creation,
    DataCollection,
    Secondment,
    /// A government app to install, register in or promote to residents (政务App).
    GovApp,
    /// A work group (工作群) the community must join and answer in.
    WorkGroup,
    /// A check-in (打卡签到、定位打卡、接龙).
    CheckIn,
    /// A ranking of communities or workers (排名、通报).
    Ranking,
    /// Compulsory photo, video or location upload (拍照留痕、视频、定位轨迹、截图).
    CompulsoryUpload,
}

impl BurdenKind {
    pub const ALL: [BurdenKind; 16] = [
        BurdenKind::Ledger,
        BurdenKind::Report,
        BurdenKind::Sign,
        BurdenKind::Institution,
        BurdenKind::Premises,
        BurdenKind::Staff,
        BurdenKind::ResponsibilityLetter,
        BurdenKind::Evaluation,
        BurdenKind::Creation,
        BurdenKind::DataCollection,
        BurdenKind::Secondment,
        BurdenKind::GovApp,
        BurdenKind::WorkGroup,
        BurdenKind::CheckIn,
        BurdenKind::Ranking,
        BurdenKind::CompulsoryUpload,
    ];

    /// The stable code used in the API, the data files and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            BurdenKind::Ledger => "ledger",
            BurdenKind::Report => "report",
            BurdenKind::Sign => "sign",
            BurdenKind::Institution => "institution",
            BurdenKind::Premises => "premises",
            BurdenKind::Staff => "staff",
            BurdenKind::ResponsibilityLetter => "responsibility_letter",
            BurdenKind::Evaluation => "evaluation",
            BurdenKind::Creation => "creation",
            BurdenKind::DataCollection => "data_collection",
            BurdenKind::Secondment => "secondment",
            BurdenKind::GovApp => "gov_app",
            BurdenKind::WorkGroup => "work_group",
            BurdenKind::CheckIn => "check_in",
            BurdenKind::Ranking => "ranking",
            BurdenKind::CompulsoryUpload => "compulsory_upload",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            BurdenKind::Ledger => "业务台账",
            BurdenKind::Report => "报表",
            BurdenKind::Sign => "挂牌",
            BurdenKind::Institution => "工作机构",
            BurdenKind::Premises => "专门场所",
            BurdenKind::Staff => "专职人员",
            BurdenKind::ResponsibilityLetter => "责任书",
            BurdenKind::Evaluation => "部门考核评比、检查",
            BurdenKind::Creation => "达标、检查评比、示范创建活动",
            BurdenKind::DataCollection => "信息采集、电脑录入",
            BurdenKind::Secondment => "借调社区工作人员",
            BurdenKind::GovApp => "政务App（安装、注册、向居民推广）",
            BurdenKind::WorkGroup => "工作群",
            BurdenKind::CheckIn => "打卡签到",
            BurdenKind::Ranking => "排名通报",
            BurdenKind::CompulsoryUpload => "强制拍照、视频、定位上传",
        }
    }
}

/// What a ranking ranks by. The listed measures are the ones the 2024 rules name as no ground for
/// evaluation; `Other` is any other measure (still a department's own evaluation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RankingMeasure {
    Activity,
    OnlineTime,
    Mileage,
    Likes,
    Points,
    Installs,
    UsageRate,
    Other,
}

impl RankingMeasure {
    pub const ALL: [RankingMeasure; 8] = [
        RankingMeasure::Activity,
        RankingMeasure::OnlineTime,
        RankingMeasure::Mileage,
        RankingMeasure::Likes,
        RankingMeasure::Points,
        RankingMeasure::Installs,
        RankingMeasure::UsageRate,
        RankingMeasure::Other,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            RankingMeasure::Activity => "activity",
            RankingMeasure::OnlineTime => "online_time",
            RankingMeasure::Mileage => "mileage",
            RankingMeasure::Likes => "likes",
            RankingMeasure::Points => "points",
            RankingMeasure::Installs => "installs",
            RankingMeasure::UsageRate => "usage_rate",
            RankingMeasure::Other => "other",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            RankingMeasure::Activity => "活跃度",
            RankingMeasure::OnlineTime => "在线时长",
            RankingMeasure::Mileage => "里程",
            RankingMeasure::Likes => "点赞、转发、评论数",
            RankingMeasure::Points => "积分",
            RankingMeasure::Installs => "下载量、安装量",
            RankingMeasure::UsageRate => "使用率",
            RankingMeasure::Other => "其他指标",
        }
    }
}

/// Why a check-in is asked for: only security and emergencies may justify one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckInPurpose {
    /// 安保
    Security,
    /// 应急
    Emergency,
    /// Attendance, presence, anything else.
    Other,
}

impl CheckInPurpose {
    pub const ALL: [CheckInPurpose; 3] = [
        CheckInPurpose::Security,
        CheckInPurpose::Emergency,
        CheckInPurpose::Other,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            CheckInPurpose::Security => "security",
            CheckInPurpose::Emergency => "emergency",
            CheckInPurpose::Other => "other",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            CheckInPurpose::Security => "安保",
            CheckInPurpose::Emergency => "应急",
            CheckInPurpose::Other => "其他（考勤、在岗等）",
        }
    }
}

/// The level of the unit that sends the work down: a district department is at county level, a
/// street or town below it (国办函〔2026〕12号 bars apps pushed down by units below county level).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequesterLevel {
    #[default]
    County,
    BelowCounty,
}

/// Who requires an attached burden.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mandate {
    /// 中央明确要求 (or a law, regulation or rule).
    Central,
    /// 市委市政府明确要求.
    Municipal,
    District,
    Department,
}

impl Mandate {
    /// Central and municipal mandates (and law) are the only ones the policy accepts for
    /// institutions, premises, staff and evaluations (三(二), 三(三)).
    pub fn is_high(self) -> bool {
        matches!(self, Mandate::Central | Mandate::Municipal)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Burden {
    pub kind: BurdenKind,
    pub title: String,
    /// The level a department declared before the mandate register existed. Kept so stored
    /// requests still read; the rules no longer believe it (issue 8: a mandate is a document).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mandate: Option<Mandate>,
    /// 文号 of the higher-level document the burden claims as its mandate (or a check-in's basis),
    /// looked up in the [`super::mandate::MandateRegister`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mandate_document: Option<String>,
    #[serde(default)]
    pub one_vote_veto: bool,
    /// For a ranking: what it ranks by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measure: Option<RankingMeasure>,
    /// For a check-in: why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<CheckInPurpose>,
    /// For a report or data collection: its fields, as shared data element codes or names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GateRequest {
    /// Org code of the requesting department (or street).
    pub department: String,
    /// County level (district departments) or below (streets, towns).
    #[serde(default)]
    pub requester_level: RequesterLevel,
    /// A catalog item, or `None` for free-text work.
    pub item_code: Option<String>,
    pub title: String,
    /// What the work is, in the department's words (screened like the title).
    #[serde(default)]
    pub description: String,
    pub legal_basis: Vec<LegalCitation>,
    pub community_role: CommunityRole,
    /// The authority given to the community (权随责走), in words.
    pub authority: String,
    pub funding: Option<Funding>,
    pub burdens: Vec<Burden>,
    /// The department says the legal provisions it cites name this as the community's duty: the
    /// approver is told it is a candidate for the next catalog version (三(一) 清单管理).
    #[serde(default)]
    pub basis_names_community: bool,
}
