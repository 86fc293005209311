//! Resident certificates (三(四)): a resident applies (or a worker enters it at the window), the
//! worker checks the facts, the director approves the seal, the worker issues; anyone holding the
//! number and code verifies it. The rules are in `jianfu_domain::certificate`; these modules parse
//! input at the edge, keep personal data encrypted and masked, and write through the store.
//!
//! One module per use case: `apply` (what a resident or the window submits), `view` (what readers
//! see of an application), `handle` (the worker's and director's steps before issuing), `issue`
//! (issuing under the seal), `issued` (the certificate afterwards: code, list, PDF), `void`
//! (作废), `verify` (public verification), `retention` (the jobs `serve` runs). This file holds
//! what several of them share.

mod apply;
mod handle;
mod issue;
mod issued;
mod retention;
mod verify;
mod view;
mod void;

pub(crate) use apply::check_upload;
pub use apply::{ApplicationInput, Upload};
pub use verify::{ProofCache, SealProof, VerifiedCertificate, VerifyLimiter};
pub use view::{ApplicationDetail, ApplicationView, FactField};

use super::notices::Recipient;
use super::{Actor, App, RequestMeta, ServiceError, text_field};
use jianfu_domain::OrgKind;
use jianfu_domain::certificate::lifecycle::{Case, CertAction, CertState, Move, transition};
use jianfu_domain::gate::CatalogItem;
use jianfu_domain::org::OrgTree;
use jianfu_domain::permission::Permission;
use jianfu_store::{CertificateApplicationRow, Subject, Told};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// At most this many files per application, each at most this large.
pub const MAX_MATERIALS: usize = 6;
pub const MAX_MATERIAL_BYTES: usize = 5 * 1024 * 1024;

/// Placeholders jianfu fills itself from the application; the worker fills the rest.
pub const AUTO_FIELDS: [&str; 6] = [
    "申请人",
    "身份证号",
    "社区名称",
    "事由",
    "用途",
    "要求开具单位",
];

/// The Chinese name of an application's state (the domain's) or a certificate's (valid/revoked).
pub fn status_label(status: &str) -> &'static str {
    match status {
        "valid" => "有效",
        s => CertState::parse(s).map_or("未知状态", CertState::label_zh),
    }
}

/// The community's full name as printed, e.g. …社区居民委员会.
pub(crate) fn full_name_in(tree: &OrgTree, code: &str) -> String {
    let name = tree.name_or_code(code);
    if name.ends_with("居民委员会") || name.ends_with("居委会") {
        name
    } else {
        format!("{name}居民委员会")
    }
}

/// Checks a move against the state machine; the error carries the rule's code.
fn step(
    row: &CertificateApplicationRow,
    action: CertAction,
    by: &str,
    reason: &str,
) -> Result<CertState, ServiceError> {
    let state = CertState::parse(&row.status)
        .ok_or_else(|| ServiceError::Internal(format!("unknown state {}", row.status)))?;
    let submitted_by = row
        .applicant_user
        .as_deref()
        .or(row.entered_by.as_deref())
        .unwrap_or("");
    let case = Case {
        state,
        submitted_by,
        verified_by: row.verified_by.as_deref(),
        approved_by: row.approved_by.as_deref(),
    };
    transition(&case, &Move { action, by, reason }).map_err(|e| rejected(e.code(), e.to_string()))
}

/// An application's page: its staff and its applicant may open it.
fn application_link(row: &CertificateApplicationRow) -> String {
    format!("/certificates/a/{}/{}", row.community_code, row.id)
}

fn subject_of(row: &CertificateApplicationRow) -> Subject {
    Subject::CertificateApplication {
        community: row.community_code.clone(),
        id: row.id.clone(),
    }
}

pub(crate) fn rejected(code: &'static str, message: impl Into<String>) -> ServiceError {
    ServiceError::Rejected {
        code,
        message: message.into(),
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A reason or note (`text_field::paragraph`); `too_long` is this module's published code.
fn trimmed(s: &str, max: usize, field: &str) -> Result<String, ServiceError> {
    text_field::paragraph_or(s, max, field, "too_long")
}

/// A one-line field (name, phone, unit, article), without line breaks.
fn one_line(s: &str, max: usize, field: &str) -> Result<String, ServiceError> {
    text_field::line_or(s, max, field, "too_long")
}

/// The value of an automatic placeholder; the full ID number only when given (at issuance).
fn auto_value(
    tree: &OrgTree,
    name: &str,
    row: &CertificateApplicationRow,
    id: Option<&str>,
) -> String {
    match name {
        "申请人" => row.applicant_name.clone(),
        "身份证号" => id.map(str::to_string).unwrap_or_default(),
        "社区名称" => full_name_in(tree, &row.community_code),
        "事由" => row.reason.clone(),
        "用途" => row.purpose.clone(),
        "要求开具单位" => row.asking_unit.clone(),
        _ => String::new(),
    }
}

impl App {
    /// The community whose seal the actor works with (their own organisation).
    async fn actor_community(&self, actor: &Actor) -> Result<String, ServiceError> {
        let code = actor.org.as_ref().ok_or(ServiceError::Forbidden)?;
        match self.org_tree().await?.get(code) {
            Some(o) if o.kind == OrgKind::Community => Ok(code.to_string()),
            _ => Err(rejected(
                "not_a_community",
                "只有社区的账号才能办理证明：您的账号不属于某个社区",
            )),
        }
    }

    /// Loads an application the actor may see, or NotFound (never Forbidden, so ids don't leak).
    async fn readable_application(
        &self,
        actor: &Actor,
        community: &str,
        id: &str,
    ) -> Result<CertificateApplicationRow, ServiceError> {
        let not_found = || ServiceError::NotFound("该证明申请".into());
        let row = self
            .store
            .certificate_application(community, id)
            .await?
            .ok_or_else(not_found)?;
        let staff = actor.may(Permission::HandleCertificates)
            && self.actor_community(actor).await.ok().as_deref()
                == Some(row.community_code.as_str());
        let own = actor.may(Permission::ApplyCertificate)
            && row.applicant_user.is_some()
            && row.applicant_user == actor.username;
        if staff || own {
            Ok(row)
        } else {
            Err(not_found())
        }
    }

    /// The facts the worker filled in, decrypted (empty before verification or after retention).
    async fn saved_facts(
        &self,
        row: &CertificateApplicationRow,
    ) -> Result<BTreeMap<String, String>, ServiceError> {
        if !row.facts.starts_with("v1:") {
            return Ok(BTreeMap::new());
        }
        let json = self.data_key().await?.decrypt(&row.facts)?;
        serde_json::from_str(&json)
            .map_err(|e| ServiceError::Internal(format!("stored facts unreadable: {e}")))
    }

    async fn item_of(&self, row: &CertificateApplicationRow) -> Result<CatalogItem, ServiceError> {
        let catalog = match self.catalog_version(&row.catalog_version).await? {
            Some(c) => c,
            None => self.current_catalog().await?,
        };
        catalog
            .item(&row.item_code)
            .cloned()
            .ok_or_else(|| ServiceError::NotFound(format!("证明事项 {}", row.item_code)))
    }

    /// The applicant's account, when he applied online and someone else acts on his application
    /// (his own steps need no notice).
    async fn applicant_of(
        &self,
        actor: &Actor,
        row: &CertificateApplicationRow,
    ) -> Result<Option<Recipient>, ServiceError> {
        let Some(name) = row.applicant_user.as_deref() else {
            return Ok(None);
        };
        if actor.username.as_deref() == Some(name) {
            return Ok(None);
        }
        Ok(self
            .store
            .user_by_username(name)
            .await?
            .map(|u| Recipient::person(u.org_code, u.id)))
    }

    /// A notice to the applicant about his application, linking to its page (which he may open).
    #[allow(clippy::too_many_arguments)]
    fn tell_applicant(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        to: &Recipient,
        row: &CertificateApplicationRow,
        kind: &str,
        title: &str,
        body: &str,
    ) -> Told {
        self.told(
            actor,
            meta,
            std::slice::from_ref(to),
            kind,
            title,
            body,
            &application_link(row),
        )
        .about(&subject_of(row))
    }
}

#[cfg(test)]
mod tests {
    use super::full_name_in;
    use jianfu_domain::org::{Org, OrgCode, OrgKind, OrgTree};

    #[test]
    fn a_community_is_named_as_its_committee_once() {
        let org = |code: &str, name: &str| Org {
            code: OrgCode::parse(code).unwrap(),
            name: name.into(),
            kind: OrgKind::Community,
            parent: None,
        };
        let tree = OrgTree::new(vec![
            org("110115001901", "丁香雅苑社区"),
            org("110115001902", "海子角社区居委会"),
            org("110115001903", "金华里社区居民委员会"),
        ]);
        assert_eq!(
            full_name_in(&tree, "110115001901"),
            "丁香雅苑社区居民委员会"
        );
        assert_eq!(full_name_in(&tree, "110115001902"), "海子角社区居委会");
        assert_eq!(full_name_in(&tree, "110115001903"), "金华里社区居民委员会");
    }
}
