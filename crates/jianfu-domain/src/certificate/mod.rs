//! Resident certificates under the community seal (三(四) of the Daxing policy). The community's
//! seal serves its own work and certificates for its residents; it may certify only what a law,
//! regulation or rule requires the community to certify, what lies within its duty, and what it
//! can truthfully know — within Beijing's list of 社区日常出具证明事项. A unit asking for a
//! certificate must cite its clause; the resident brings ID card, household register and evidence,
//! states reason and purpose and pledges the truth; anything else is explained patiently, never
//! just refused. Since 民发〔2020〕20号 a national negative list names certificates communities must
//! not issue, each with the unit responsible instead.
//!
//! - [`application`]: screening an application, with refusals that say where to go instead;
//! - [`matching`]: finding the certificate a resident means from the words they typed (aliases,
//!   normalisation, other bodies' matters);
//! - [`document`]: no seal on a blank document — filling the certificate's template;
//! - [`lifecycle`]: submitted → verified → approved → issued (→ revoked), approver ≠ handler,
//!   deadlines in working days;
//! - [`id_number`]: the 居民身份证号码, parsed, checked and masked;
//! - [`codes`]: certificate numbers and verification codes.
//!
//! The lists themselves are catalog data: items of kind `certificate` and
//! `certificate_negative` in `data/catalog/*.toml` (see [`crate::gate::catalog::CertificateSpec`]).

pub mod application;
pub mod codes;
pub mod document;
pub mod id_number;
pub mod lifecycle;
pub mod matching;

pub use application::{ApplicationInput, REFUSAL_CODES, Refusal, SELF_USE, screen, screen_all};
pub use codes::{
    CertificateNumber, certificate_number, format_verify_code, normalize_verify_code,
    parse_certificate_number,
};
pub use document::{BlankDocument, fill, placeholders};
pub use id_number::{IdNumber, IdNumberError, mask};
pub use lifecycle::{
    Case, CertAction, CertState, LifecycleError, Move, due_on, is_overdue, transition,
};

#[cfg(test)]
mod tests;
