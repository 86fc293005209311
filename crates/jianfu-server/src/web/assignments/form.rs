//! The request form as typed: read from the posted pairs, turned into the service's
//! [`RequestInput`], and filled back in from a stored request (to copy a refused one).

use super::pairs;
use crate::service::assignments::{FundingInput, PeriodInput, RequestInput};

/// Rows of burdens the form offers.
const BURDEN_ROWS: usize = 5;

#[derive(Debug, Clone, Default)]
pub struct BurdenRow {
    pub kind: String,
    pub title: String,
    /// 文号 of the registered higher-level document it claims, as typed.
    pub mandate_document: String,
    pub veto: bool,
    pub measure: String,
    pub purpose: String,
    /// A report's fields, as typed (codes or names, separated by 、 or commas).
    pub fields: String,
}

/// The form as typed; shown again as is when refused.
#[derive(Debug, Clone, Default)]
pub struct RequestForm {
    pub item_code: String,
    pub title: String,
    pub legal_basis: String,
    pub community_role: String,
    pub all: bool,
    pub communities: Vec<String>,
    pub period_from: String,
    pub period_to: String,
    pub amount_yuan: String,
    pub channel: String,
    pub authority: String,
    pub description: String,
    pub basis_names_community: bool,
    pub burdens: Vec<BurdenRow>,
}

impl RequestForm {
    pub(super) fn parse(body: &str) -> (Self, String, String) {
        let mut f = RequestForm::default();
        let (mut csrf, mut action) = (String::new(), String::new());
        let (mut kinds, mut titles, mut mandates, mut vetos, mut measures, mut purposes) = (
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
        );
        let mut fields: Vec<String> = Vec::new();
        for (k, v) in pairs(body) {
            match k.as_str() {
                "csrf" => csrf = v,
                "action" => action = v,
                "item_code" => f.item_code = v,
                "title" => f.title = v,
                "legal_basis" => f.legal_basis = v,
                "community_role" => f.community_role = v,
                "all_communities" => f.all = v == "yes",
                "community" => f.communities.push(v),
                "period_from" => f.period_from = v,
                "period_to" => f.period_to = v,
                "amount_yuan" => f.amount_yuan = v,
                "channel" => f.channel = v,
                "authority" => f.authority = v,
                "description" => f.description = v,
                "basis_names_community" => f.basis_names_community = v == "yes",
                "burden_kind" => kinds.push(v),
                "burden_title" => titles.push(v),
                "burden_mandate_document" => mandates.push(v),
                "burden_veto" => vetos.push(v),
                "burden_measure" => measures.push(v),
                "burden_purpose" => purposes.push(v),
                "burden_fields" => fields.push(v),
                _ => {}
            }
        }
        for (i, kind) in kinds.into_iter().enumerate().take(BURDEN_ROWS) {
            f.burdens.push(BurdenRow {
                kind,
                title: titles.get(i).cloned().unwrap_or_default(),
                mandate_document: mandates.get(i).cloned().unwrap_or_default(),
                veto: vetos.get(i).is_some_and(|v| v == "yes"),
                measure: measures.get(i).cloned().unwrap_or_default(),
                purpose: purposes.get(i).cloned().unwrap_or_default(),
                fields: fields.get(i).cloned().unwrap_or_default(),
            });
        }
        (f, csrf, action)
    }

    pub(super) fn input(&self, department: &str) -> RequestInput {
        let amount = self.amount_yuan.trim();
        let funding =
            (!amount.is_empty() || !self.channel.trim().is_empty()).then(|| FundingInput {
                amount_yuan: serde_json::Value::String(if amount.is_empty() {
                    "0".into()
                } else {
                    amount.to_string()
                }),
                channel: self.channel.clone(),
            });
        RequestInput {
            department: department.to_string(),
            item_code: Some(self.item_code.clone()).filter(|c| !c.trim().is_empty()),
            title: self.title.clone(),
            legal_basis: self.legal_basis.lines().map(str::to_string).collect(),
            community_role: self.community_role.clone(),
            communities: if self.all {
                crate::service::assignments::CommunitiesInput::All("all".into())
            } else {
                crate::service::assignments::CommunitiesInput::List(self.communities.clone())
            },
            period: PeriodInput {
                from: self.period_from.clone(),
                to: self.period_to.clone(),
            },
            funding,
            burdens: self
                .burdens
                .iter()
                .filter(|b| !b.kind.trim().is_empty())
                .map(|b| crate::service::assignments::BurdenInput {
                    kind: b.kind.clone(),
                    title: b.title.clone(),
                    mandate_document: Some(b.mandate_document.clone())
                        .filter(|m| !m.trim().is_empty()),
                    mandate: None,
                    one_vote_veto: b.veto,
                    measure: Some(b.measure.clone()).filter(|m| !m.is_empty()),
                    purpose: Some(b.purpose.clone()).filter(|m| !m.is_empty()),
                    fields: crate::service::assignments::split_fields(&b.fields),
                })
                .collect(),
            authority: Some(self.authority.clone()),
            description: Some(self.description.clone()),
            basis_names_community: self.basis_names_community,
        }
    }

    /// A stored request back in the form's fields (to copy a refused or withdrawn one).
    pub(super) fn from_input(i: &RequestInput) -> Self {
        use crate::service::assignments::CommunitiesInput;
        let (all, communities) = match &i.communities {
            CommunitiesInput::All(_) => (true, vec![]),
            CommunitiesInput::List(l) => (false, l.clone()),
        };
        let funding = i.funding.as_ref();
        RequestForm {
            item_code: i.item_code.clone().unwrap_or_default(),
            title: i.title.clone(),
            legal_basis: i.legal_basis.join("\n"),
            community_role: i.community_role.clone(),
            all,
            communities,
            period_from: i.period.from.clone(),
            period_to: i.period.to.clone(),
            amount_yuan: funding
                .and_then(|f| f.amount_yuan.as_str().map(str::to_string))
                .unwrap_or_default(),
            channel: funding.map(|f| f.channel.clone()).unwrap_or_default(),
            authority: i.authority.clone().unwrap_or_default(),
            description: i.description.clone().unwrap_or_default(),
            basis_names_community: i.basis_names_community,
            burdens: i
                .burdens
                .iter()
                .take(BURDEN_ROWS)
                .map(|b| BurdenRow {
                    kind: b.kind.clone(),
                    title: b.title.clone(),
                    mandate_document: b.mandate_document.clone().unwrap_or_default(),
                    veto: b.one_vote_veto,
                    measure: b.measure.clone().unwrap_or_default(),
                    purpose: b.purpose.clone().unwrap_or_default(),
                    fields: b.fields.join("、"),
                })
                .collect(),
        }
    }

    pub fn has_community(&self, code: &str) -> bool {
        self.communities.iter().any(|c| c == code)
    }

    /// Always five rows, filled with what was typed.
    pub fn burden_rows(&self) -> Vec<BurdenRow> {
        let mut rows = self.burdens.clone();
        rows.resize(BURDEN_ROWS, BurdenRow::default());
        rows
    }
}
