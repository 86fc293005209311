//! What readers see of an application: the list (the community's queue, or a resident's own),
//! one application with the steps the reader may take, its materials, and the full ID number
//! for the director. Personal data is masked unless a step needs it.

use super::{AUTO_FIELDS, auto_value, rejected, status_label};
use crate::service::listing::{ListKind, Listing, Paged, read_page};
use crate::service::{Actor, App, RequestMeta, ServiceError};
use jianfu_domain::assignment::working_days::parse_date;
use jianfu_domain::certificate::{document, id_number};
use jianfu_domain::gate::CatalogItem;
use jianfu_domain::masking::{mask_contact, mask_id_from_last4, mask_name};
use jianfu_domain::org::OrgTree;
use jianfu_domain::permission::Permission;
use jianfu_store::{
    ApplicationFilter, CertificateApplicationRow, CertificateRow, MaterialMeta, MaterialRow,
};
use serde::Serialize;
use std::collections::BTreeMap;

/// An application as readers see it: personal data masked.
#[derive(Debug, Clone, Serialize)]
pub struct ApplicationView {
    #[serde(skip)]
    pub row: CertificateApplicationRow,
    pub id: String,
    pub community_code: String,
    pub community_name: String,
    pub item_code: String,
    pub item_name: String,
    pub applicant_name: String,
    pub id_number_masked: String,
    pub phone_masked: String,
    pub household_community: String,
    pub household_name: String,
    pub reason: String,
    pub purpose: String,
    pub asking_unit: String,
    pub asking_article: String,
    pub channel: String,
    pub status: String,
    pub status_label: &'static str,
    pub submitted_at: i64,
    pub due_on: String,
    pub overdue: bool,
    /// 提醒，如 `calendar_missing`：办结期限跨到尚未载入节假日安排的年份。
    pub warnings: Vec<crate::service::calendar::Warning>,
    pub refusal_reason: Option<String>,
    pub verified_by: Option<String>,
    pub approved_by: Option<String>,
    pub purged: bool,
}

/// A placeholder of the certificate's template, with its current value.
#[derive(Debug, Clone, Serialize)]
pub struct FactField {
    pub name: String,
    pub value: String,
    /// Filled by jianfu from the application, not by the worker.
    pub auto: bool,
}

/// Everything the application page shows.
#[derive(Debug, Clone)]
pub struct ApplicationDetail {
    pub view: ApplicationView,
    pub item: Option<CatalogItem>,
    pub materials: Vec<MaterialMeta>,
    pub facts: Vec<FactField>,
    pub certificate: Option<CertificateRow>,
    pub may_verify: bool,
    pub may_approve: bool,
    pub may_refuse: bool,
    pub may_issue: bool,
    pub may_withdraw: bool,
    pub may_view_id: bool,
}

impl App {
    /// One page of the applications the actor may see: the community's for its workers and
    /// director, one's own for a resident; filtered, sorted and paged in SQL.
    pub async fn list_certificate_applications(
        &self,
        actor: &Actor,
        listing: &Listing,
    ) -> Result<Paged<ApplicationView>, ServiceError> {
        let today = self.today_beijing();
        let list = listing.query(ListKind::Certificates, || today)?;
        let filter = if actor.may(Permission::HandleCertificates) {
            ApplicationFilter {
                community: Some(self.actor_community(actor).await?),
                applicant_user: None,
                list,
            }
        } else {
            actor.require(Permission::ApplyCertificate)?;
            ApplicationFilter {
                community: None,
                applicant_user: Some(actor.username.clone().ok_or(ServiceError::Forbidden)?),
                list,
            }
        };
        let page = read_page(filter.list.clone(), listing, |list| {
            let filter = ApplicationFilter {
                list,
                ..filter.clone()
            };
            async move { self.store.list_certificate_applications(&filter).await }
        })
        .await?;
        let tree = self.org_tree().await?;
        Ok(page.map(|r| self.application_view(&tree, r)))
    }

    fn application_view(&self, tree: &OrgTree, r: CertificateApplicationRow) -> ApplicationView {
        let today = self.today_beijing();
        let open = matches!(r.status.as_str(), "submitted" | "verified" | "approved");
        ApplicationView {
            id: r.id.clone(),
            community_code: r.community_code.clone(),
            community_name: tree.name_or_code(&r.community_code),
            item_code: r.item_code.clone(),
            item_name: r.item_name.clone(),
            applicant_name: if r.purged_at.is_some() {
                "（已按保存期限删除）".into()
            } else {
                mask_name(&r.applicant_name)
            },
            id_number_masked: mask_id_from_last4(&r.id_number_last4),
            phone_masked: mask_contact(&r.phone),
            household_community: r.household_community.clone(),
            household_name: tree.name_or_code(&r.household_community),
            reason: r.reason.clone(),
            purpose: r.purpose.clone(),
            asking_unit: r.asking_unit.clone(),
            asking_article: r.asking_article.clone(),
            channel: r.channel.clone(),
            status: r.status.clone(),
            status_label: status_label(&r.status),
            submitted_at: r.submitted_at,
            due_on: r.due_on.clone(),
            overdue: open && r.due_on.as_str() < today.as_str(),
            warnings: match parse_date(&r.due_on) {
                Some(due) if open => self
                    .deadline_warning(jianfu_domain::clock::beijing_date(r.submitted_at), due)
                    .into_iter()
                    .collect(),
                _ => Vec::new(),
            },
            refusal_reason: r.refusal_reason.clone(),
            verified_by: r.verified_by.clone(),
            approved_by: r.approved_by.clone(),
            purged: r.purged_at.is_some(),
            row: r,
        }
    }

    pub async fn certificate_application_detail(
        &self,
        actor: &Actor,
        community: &str,
        id: &str,
    ) -> Result<ApplicationDetail, ServiceError> {
        self.application_detail(actor, community, id, true).await
    }

    /// The detail without the uploaded materials and the certificate: what the API answers
    /// after each step (two reads fewer per step).
    pub async fn certificate_application_brief(
        &self,
        actor: &Actor,
        community: &str,
        id: &str,
    ) -> Result<ApplicationDetail, ServiceError> {
        self.application_detail(actor, community, id, false).await
    }

    /// The brief of an application the actor has just changed, from the row the change
    /// returned (no second read).
    pub async fn certificate_application_brief_of(
        &self,
        actor: &Actor,
        row: CertificateApplicationRow,
    ) -> Result<ApplicationDetail, ServiceError> {
        self.detail_of(actor, row, false).await
    }

    async fn application_detail(
        &self,
        actor: &Actor,
        community: &str,
        id: &str,
        with_files: bool,
    ) -> Result<ApplicationDetail, ServiceError> {
        let row = self.readable_application(actor, community, id).await?;
        self.detail_of(actor, row, with_files).await
    }

    async fn detail_of(
        &self,
        actor: &Actor,
        row: CertificateApplicationRow,
        with_files: bool,
    ) -> Result<ApplicationDetail, ServiceError> {
        let catalog = self
            .catalog_version(&row.catalog_version)
            .await?
            .unwrap_or(self.current_catalog().await?);
        let item = catalog.item(&row.item_code).cloned();
        let materials = if with_files {
            self.store
                .certificate_materials(&row.community_code, &row.id)
                .await?
        } else {
            Vec::new()
        };
        let staff = actor.may(Permission::HandleCertificates);
        let tree = self.org_tree().await?;
        let facts = match &item {
            Some(it) if staff => {
                let saved = self.saved_facts(&row).await?;
                fact_fields(&tree, it, &row, &saved)
            }
            _ => Vec::new(),
        };
        let certificate = if with_files {
            self.store
                .certificate_for_application(&row.community_code, &row.id)
                .await?
        } else {
            None
        };
        let me = actor.username.clone().unwrap_or_default();
        let status = row.status.as_str();
        Ok(ApplicationDetail {
            may_verify: staff && status == "submitted",
            may_approve: actor.may(Permission::ApproveSealUse)
                && status == "verified"
                && row.verified_by.as_deref() != Some(me.as_str()),
            may_refuse: staff && matches!(status, "submitted" | "verified"),
            may_issue: staff && status == "approved",
            may_withdraw: status == "submitted"
                && (row.applicant_user.as_deref() == Some(me.as_str())
                    || row.entered_by.as_deref() == Some(me.as_str())),
            may_view_id: actor.may(Permission::ViewFullIdNumber) && row.purged_at.is_none(),
            view: self.application_view(&tree, row),
            item,
            materials,
            facts,
            certificate,
        })
    }

    /// One uploaded material with its content, for those who may read the application.
    pub async fn certificate_material(
        &self,
        actor: &Actor,
        community: &str,
        id: &str,
        seq: i64,
    ) -> Result<MaterialRow, ServiceError> {
        let row = self.readable_application(actor, community, id).await?;
        let mut m = self
            .store
            .certificate_material(&row.community_code, &row.id, seq)
            .await?
            .ok_or_else(|| ServiceError::NotFound("该材料".into()))?;
        // Stored encrypted; decrypted only for someone allowed to read the application.
        m.bytes = self.data_key().await?.decrypt_bytes(&m.bytes)?;
        Ok(m)
    }

    /// The applicant's full ID number, for the director only; every view is audited.
    pub async fn reveal_id_number(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        community: &str,
        id: &str,
    ) -> Result<String, ServiceError> {
        actor.require(Permission::ViewFullIdNumber)?;
        let row = self.readable_application(actor, community, id).await?;
        if row.purged_at.is_some() || row.id_number_enc.is_empty() {
            return Err(rejected("personal_data_purged", "身份证号已按保存期限删除"));
        }
        let full = self.data_key().await?.decrypt(&row.id_number_enc)?;
        // Audited before it is shown: no record, no view.
        let audit = self.audit(
            actor,
            meta,
            "certificate.id_viewed",
            format!("certificate_application:{}/{}", row.community_code, row.id),
        );
        self.store.append_audit(audit).await?;
        Ok(full)
    }
}

fn fact_fields(
    tree: &OrgTree,
    item: &CatalogItem,
    row: &CertificateApplicationRow,
    saved: &BTreeMap<String, String>,
) -> Vec<FactField> {
    let Some(spec) = &item.certificate else {
        return Vec::new();
    };
    document::placeholders(&spec.template)
        .into_iter()
        .map(|name| {
            let auto = AUTO_FIELDS.contains(&name.as_str());
            let value = if auto {
                match name.as_str() {
                    "身份证号" => mask_id_from_last4(&row.id_number_last4),
                    _ => auto_value(tree, &name, row, None),
                }
            } else if name.ends_with("身份证号") {
                // Other people's ID numbers are masked like the applicant's.
                id_number::mask(saved.get(&name).map(String::as_str).unwrap_or(""))
            } else {
                saved.get(&name).cloned().unwrap_or_default()
            };
            FactField { name, value, auto }
        })
        .collect()
}
