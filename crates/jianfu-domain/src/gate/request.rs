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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BurdenKind {
    Ledger,
    Report,
    Sign,
    Institution,
    Premises,
    Staff,
    ResponsibilityLetter,
    Evaluation,
    Creation,
    DataCollection,
    Secondment,
}

impl BurdenKind {
    pub fn label_zh(self) -> &'static str {
        match self {
            BurdenKind::Ledger => "业务台账",
            BurdenKind::Report => "报表",
            BurdenKind::Sign => "挂牌",
            BurdenKind::Institution => "工作机构",
            BurdenKind::Premises => "专门场所",
            BurdenKind::Staff => "专职人员",
            BurdenKind::ResponsibilityLetter => "责任书",
            BurdenKind::Evaluation => "考核评比、检查",
            BurdenKind::Creation => "示范创建、达标活动",
            BurdenKind::DataCollection => "信息采集、电脑录入",
            BurdenKind::Secondment => "借调社区工作人员",
        }
    }
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
    pub mandate: Option<Mandate>,
    #[serde(default)]
    pub one_vote_veto: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GateRequest {
    /// Org code of the requesting department (or street).
    pub department: String,
    /// A catalog item, or `None` for free-text work.
    pub item_code: Option<String>,
    pub title: String,
    pub legal_basis: Vec<LegalCitation>,
    pub community_role: CommunityRole,
    /// The authority given to the community (权随责走), in words.
    pub authority: String,
    pub funding: Option<Funding>,
    pub burdens: Vec<Burden>,
}
