//! The gate's decision as shown on the new-request page and the case page: each reason with the
//! part it concerns, its clause, the change asked for and its tone.

use jianfu_domain::gate::Decision;

/// A reason as shown: which part, the message, the clause, the change asked for.
pub struct ReasonView {
    pub part: String,
    pub message: String,
    pub citation: String,
    pub change: String,
    pub tone: &'static str,
}

pub struct DecisionView {
    pub outcome: String,
    pub tone: &'static str,
    pub catalog_version: String,
    pub reasons: Vec<ReasonView>,
    pub required_changes: Vec<String>,
}

pub(super) fn decision_view(d: &Decision, burden_titles: &[String]) -> DecisionView {
    use jianfu_domain::gate::{Effect, Outcome};
    DecisionView {
        outcome: d.outcome.label_zh().to_string(),
        tone: match d.outcome {
            Outcome::Admitted => "on",
            Outcome::NeedsApproval => "warn",
            Outcome::Refused => "off",
        },
        catalog_version: d.catalog_version.clone(),
        reasons: d
            .reasons
            .iter()
            .map(|r| ReasonView {
                part: match r.part {
                    None => "事项本身".into(),
                    Some(i) => match burden_titles.get(i) {
                        Some(t) => format!("附带要求 {}：{t}", i + 1),
                        None => format!("附带要求 {}", i + 1),
                    },
                },
                // Beside refusals or an approval requirement, "the item itself may be admitted"
                // is not a green light for the request (issue 10 §3).
                message: if r.effect == Effect::Admit && d.outcome != Outcome::Admitted {
                    format!(
                        "事项本身可以准入，但本申请的结论以其他理由为准。{}",
                        r.message
                    )
                } else {
                    r.message.clone()
                },
                citation: r.citation.clone(),
                change: r.change.clone().unwrap_or_default(),
                tone: match r.effect {
                    Effect::Refuse => "off",
                    Effect::NeedsApproval => "warn",
                    Effect::Admit if d.outcome == Outcome::Admitted => "on",
                    Effect::Admit | Effect::Advice => "info",
                },
            })
            .collect(),
        required_changes: d.required_changes.clone(),
    }
}
