//! How communities are judged (三(三) 规范考核评比项目). [`registry`]: every 达标、检查评比、
//! 示范创建 activity aimed at communities is registered and judged at once — kept only with a
//! central or municipal mandate, a department's own community-level evaluation refused, 一票否决
//! removed, an evaluation of work the gate admitted folded into the district's comprehensive
//! evaluation.

pub mod registry;

pub use registry::{ActivityKind, Judgement, Outcome, RegistrationFacts, judge};
