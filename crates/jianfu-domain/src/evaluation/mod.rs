//! How communities are judged (三(三) 规范考核评比项目). [`registry`]: every 达标、检查评比、
//! 示范创建 activity aimed at communities is registered and judged at once — kept only with a
//! central or municipal mandate, a department's own community-level evaluation refused, 一票否决
//! removed, an evaluation of work the gate admitted folded into the district's comprehensive
//! evaluation. [`comprehensive`]: that comprehensive evaluation itself (社区工作综合考评) — the
//! yearly scheme with residents' satisfaction as the main standard, the cycle's phases, the
//! street's self-report and the scorecard.

pub mod comprehensive;
pub mod registry;

pub use comprehensive::{
    Criterion, Cycle, Part, Phase, Satisfaction, Scheme, SchemeError, ScoreError, Scorecard,
    check_scheme, check_self_report, phase, score,
};
pub use registry::{ActivityKind, Judgement, Outcome, RegistrationFacts, judge};
