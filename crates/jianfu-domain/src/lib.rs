//! Pure rules of jianfu (减负). Nothing in this crate performs I/O or reads the clock: time and
//! data come in as parameters, so every rule can be tested exhaustively and explained by citation.

pub mod assignment;
pub mod audit_chain;
pub mod certificate;
pub mod citation;
pub mod clock;
pub mod deliberation;
pub mod evaluation;
pub mod gate;
pub mod inventory;
pub mod login_throttle;
pub mod masking;
pub mod notice;
pub mod org;
pub mod password_policy;
pub mod permission;
#[cfg(test)]
mod properties;
pub mod retention;
pub mod role;
pub mod scope;
pub mod seal;
pub mod second_factor;
pub mod security_policy;
pub mod separation_of_duties;
pub mod shared_data;
pub mod survey;
pub mod text;
pub mod username;
pub mod verify_limit;
pub mod violation;
pub mod volunteer;

pub use citation::Citation;
pub use clock::{Clock, ManualClock, SystemClock};
pub use org::{Org, OrgCode, OrgKind};
pub use role::Role;
pub use username::Username;
