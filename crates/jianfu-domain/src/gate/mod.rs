//! The access gate (准入): a pure function from a request and a catalog version to a decision with
//! reasons. Sections 三(一), 三(二), 三(三) and principle 二(四) of the policy.
//!
//! - [`catalog`]: the lists (清单) as versioned data with legal citations;
//! - [`request`]: what a department asks a community to do, already parsed and checked;
//! - [`rules`]: one small function per rule about the work item, each with its citation;
//! - [`burdens`]: the rules for attached burdens (三(二), 三(三)), with the [`mandate`] register;
//! - [`digital`]: apps, work groups, check-ins, rankings and compulsory uploads (2024, 2026 rules);
//! - [`screening`]: text screening that stops mislabelled work (a title is not trusted);
//! - [`decide`]: combines the rules part by part — a refusal always wins.

pub mod burdens;
pub mod candidates;
pub mod catalog;
pub mod citation;
pub mod decision;
pub mod digital;
pub mod mandate;
pub mod request;
pub mod rules;
pub mod screening;
pub mod shipped;

use crate::shared_data::ElementRegistry;

pub use catalog::{Catalog, CatalogItem, ItemKind};
pub use decision::{Decision, Effect, Outcome, Reason};
pub use mandate::{MandateDoc, MandateLevel, MandateLookup, MandateRegister};
pub use request::{
    Burden, BurdenKind, CheckInPurpose, CommunityRole, Funding, GateRequest, Mandate,
    RankingMeasure, RequesterLevel,
};

/// The gate. Deterministic: the same request, catalog, mandate register and shared element
/// register always give the same decision. `mandates` holds the documents in force on the day of
/// the decision; `shared` is the register of shared data elements in force (reports built from
/// it ask communities for nothing new).
pub fn decide(
    req: &GateRequest,
    catalog: &Catalog,
    mandates: &MandateRegister,
    shared: &ElementRegistry,
) -> Decision {
    let item = req.item_code.as_deref().and_then(|c| catalog.item(c));
    let text = screening::Screened::new(&rules::request_text(req, item));
    let mut reasons = rules::item_rules(req, catalog, &text);
    reasons.extend(digital::undeclared(req, &text));
    if let Some(w) = text.veto_word() {
        reasons.push(rules::reason(
            "no_one_vote_veto",
            rules::cite(rules::clause::VETO),
            format!("经文本甄别，申请中写有“{w}”：对社区的一票否决事项一律取消。"),
            None,
            Effect::Refuse,
            Some("取消一票否决"),
        ));
    }
    let ctx = burdens::BurdenContext {
        item_kind: item.map(|i| i.kind),
        mandates,
        shared,
    };
    for (i, b) in req.burdens.iter().enumerate() {
        reasons.extend(burdens::burden_rules(i, b, ctx));
        reasons.extend(digital::burden_rules(i, b, req, ctx));
    }
    Decision::from_reasons(catalog.version.id.clone(), reasons)
}

#[cfg(test)]
mod tests;
