//! The access gate (准入): a pure function from a request and a catalog version to a decision with
//! reasons. Sections 三(一), 三(二), 三(三) and principle 二(四) of the policy.
//!
//! - [`catalog`]: the lists (清单) as versioned data with legal citations;
//! - [`request`]: what a department asks a community to do, already parsed and checked;
//! - [`rules`]: one small function per rule, each with its citation;
//! - [`screening`]: text screening that stops mislabelled work (a title is not trusted);
//! - [`decide`]: combines the rules part by part — a refusal always wins.

pub mod catalog;
pub mod citation;
pub mod decision;
pub mod mandate;
pub mod request;
pub mod rules;
pub mod screening;
pub mod shipped;

pub use catalog::{Catalog, CatalogItem, ItemKind};
pub use decision::{Decision, Effect, Outcome, Reason};
pub use mandate::{MandateDoc, MandateLevel, MandateLookup, MandateRegister};
pub use request::{
    Burden, BurdenKind, CheckInPurpose, CommunityRole, Funding, GateRequest, Mandate,
    RankingMeasure, RequesterLevel,
};

/// The gate. Deterministic: the same request and catalog always give the same decision.
pub fn decide(req: &GateRequest, catalog: &Catalog) -> Decision {
    let mut reasons = rules::item_rules(req, catalog);
    for (i, b) in req.burdens.iter().enumerate() {
        reasons.extend(rules::burden_rules(i, b));
    }
    Decision::from_reasons(catalog.version.id.clone(), reasons)
}

#[cfg(test)]
mod tests;
