//! The gate's answer: an outcome and the reasons, part by part.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Admitted,
    NeedsApproval,
    Refused,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Admitted => "admitted",
            Outcome::NeedsApproval => "needs_approval",
            Outcome::Refused => "refused",
        }
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            Outcome::Admitted => "准入",
            Outcome::NeedsApproval => "须经区级审批",
            Outcome::Refused => "不予准入",
        }
    }
}

/// What a reason does to the outcome. Ordered: a refusal outranks a need for approval, which
/// outranks an admission; advice never changes the outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    Advice,
    Admit,
    NeedsApproval,
    Refuse,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    /// Stable rule id, e.g. `negative_terms`.
    pub rule: String,
    /// Document and clause, or law and article.
    pub citation: String,
    /// Plain Chinese for the department and the community.
    pub message: String,
    /// `None` for the work item itself, `Some(i)` for the i-th attached burden.
    pub part: Option<usize>,
    pub effect: Effect,
    /// What the department would have to change, if anything.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub outcome: Outcome,
    pub catalog_version: String,
    pub reasons: Vec<Reason>,
    pub required_changes: Vec<String>,
}

impl Decision {
    /// Overall: refused if any part is refused; else needs approval if any part needs it; else
    /// admitted. Required changes are listed only when the work is not admitted.
    pub fn from_reasons(catalog_version: String, reasons: Vec<Reason>) -> Self {
        let worst = reasons
            .iter()
            .map(|r| r.effect)
            .max()
            .unwrap_or(Effect::Admit);
        let outcome = match worst {
            Effect::Refuse => Outcome::Refused,
            Effect::NeedsApproval => Outcome::NeedsApproval,
            Effect::Admit | Effect::Advice => Outcome::Admitted,
        };
        let mut required_changes: Vec<String> = Vec::new();
        if outcome != Outcome::Admitted {
            for c in reasons.iter().filter_map(|r| r.change.clone()) {
                if !required_changes.contains(&c) {
                    required_changes.push(c);
                }
            }
        }
        Decision {
            outcome,
            catalog_version,
            reasons,
            required_changes,
        }
    }
}
