//! The burden inventory (台账清理): one entry per thing a department or street placed in a
//! community, its basis, and its clean-up. 二(三) and 三(二) of the policy ask for the clean-up;
//! the vocabulary of burdens is the gate's [`crate::gate::BurdenKind`], so the gate, the
//! inventory and the reports count the same things.
//!
//! - [`entry`]: what an entry says (kind, owner, basis, details) and how it is checked;
//! - [`compliance`]: the rules that flag an entry, each with its citation and what to do;
//! - [`status`]: found → kept / to remove → removed or converted, and who may do what;
//! - [`series`]: counts before and after, over months.

pub mod compliance;
pub mod entry;
pub mod series;
pub mod status;

pub use compliance::{Context, Finding, findings};
pub use entry::{Details, EntryFacts, InventoryError, ReportFrequency};
pub use status::{Action, Status, transition};
