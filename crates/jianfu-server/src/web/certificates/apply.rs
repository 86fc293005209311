//! The application form (multipart, works without JavaScript): choosing a certificate, the
//! fields, the files (kept across a refusal), and submitting it.

use super::items::ItemCard;
use super::refusal::{Refusal, explain};
use super::{fresh_key, size_label, with_status};
use crate::App;
use crate::http::error::PageError;
use crate::service::certificate_drafts::{FormFiles, FormRefusal, KeptFile, PickedFile};
use crate::service::certificates::{ApplicationInput, MAX_MATERIAL_BYTES, MAX_MATERIALS};
use crate::service::{RequestMeta, ServiceError};
use crate::web::{PageContext, render};
use askama::Template;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jianfu_domain::certificate::application;
use jianfu_domain::permission::Permission;
use jianfu_domain::{Org, OrgKind};
use serde::Deserialize;
use std::collections::BTreeMap;

/// The text fields as typed. Files cannot be kept by a browser across a refusal; the page says so.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ApplyForm {
    #[serde(default)]
    pub item: String,
    #[serde(default)]
    pub requested_name: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub purpose: String,
    #[serde(default)]
    pub asking_unit: String,
    #[serde(default)]
    pub asking_article: String,
    #[serde(default)]
    pub applicant_name: String,
    #[serde(default)]
    pub id_number: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub household_community: String,
    #[serde(default)]
    pub pledge: bool,
    /// 居民自用: no unit asks for the certificate.
    #[serde(default)]
    pub self_use: bool,
    #[serde(default)]
    pub key: String,
}

/// The value of the item choice for a certificate not on the list.
const OTHER: &str = "other";

/// A key sent back by a form, if it looks like one we hand out.
fn kept_key(sent: &str) -> String {
    let k = sent.trim();
    if !k.is_empty() && k.len() <= 64 && k.bytes().all(|b| b.is_ascii_alphanumeric()) {
        k.to_string()
    } else {
        fresh_key()
    }
}

/// Communities grouped under their street or town, for the household select.
pub struct CommunityGroup {
    pub label: String,
    pub communities: Vec<Org>,
}

fn community_groups(tree: &jianfu_domain::org::OrgTree) -> Vec<CommunityGroup> {
    let mut groups: BTreeMap<String, CommunityGroup> = BTreeMap::new();
    for o in tree.all().iter().filter(|o| o.kind == OrgKind::Community) {
        let (key, label) = match o.parent.as_ref().and_then(|p| tree.get(p)) {
            Some(p) => (p.code.to_string(), p.name.clone()),
            None => (String::new(), "其他".to_string()),
        };
        groups
            .entry(key)
            .or_insert_with(|| CommunityGroup {
                label,
                communities: vec![],
            })
            .communities
            .push(o.clone());
    }
    groups.into_values().collect()
}

#[derive(Template)]
#[template(path = "certificate_apply.html")]
pub struct ApplyPage {
    pub ctx: PageContext,
    /// Staff entering an application at the window (窗口代录) for a resident.
    pub window: bool,
    /// No certificate chosen yet: the list to choose from.
    pub choosing: bool,
    pub items: Vec<ItemCard>,
    pub item: Option<ItemCard>,
    pub other: bool,
    pub form: ApplyForm,
    pub communities: Vec<CommunityGroup>,
    pub refusal: Option<Refusal>,
    pub catalog_version: String,
    pub max_files: usize,
    pub max_mb: usize,
    /// Files kept from the refused submission: not picked again (issue 10 §2).
    pub kept: Vec<KeptView>,
}

/// A kept file as the form shows it: the name it had, its size, the id the form sends back.
pub struct KeptView {
    pub id: String,
    pub material: String,
    pub file_name: String,
    pub size: String,
}

impl From<KeptFile> for KeptView {
    fn from(k: KeptFile) -> Self {
        KeptView {
            size: size_label(k.size),
            id: k.id,
            material: k.material,
            file_name: k.file_name,
        }
    }
}

impl ApplyPage {
    /// The kept files for one material.
    pub fn kept_for(&self, material: &str) -> Vec<&KeptView> {
        self.kept
            .iter()
            .filter(|k| k.material == material)
            .collect()
    }
    pub fn is_household(&self, code: &str) -> bool {
        self.form.household_community == code
    }
    /// The explanation for a form field the refusal concerns, if any.
    pub fn problem(&self, field: &str) -> Option<&str> {
        self.refusal
            .as_ref()?
            .fields
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }
}

async fn apply_page(
    app: &App,
    ctx: PageContext,
    form: ApplyForm,
    refusal: Option<Refusal>,
    kept: Vec<KeptView>,
) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    let window = actor.may(Permission::HandleCertificates);
    if !window {
        actor.require(Permission::ApplyCertificate)?;
    }
    let (catalog, retained) = app.certificate_items().await?;
    let items: Vec<ItemCard> = retained
        .iter()
        .filter_map(|it| ItemCard::of(&catalog, it))
        .collect();
    let chosen = form.item.trim();
    let other = chosen == OTHER;
    let item = items.iter().position(|i| i.code == chosen);
    let choosing = !other && item.is_none();
    let mut items = items;
    let item = item.map(|i| items.remove(i));
    let tree = app.org_tree().await?;
    let refused = refusal.is_some();
    Ok(with_status(
        render(&ApplyPage {
            ctx,
            window,
            choosing,
            items,
            item,
            other,
            form,
            communities: community_groups(&tree),
            refusal,
            catalog_version: catalog.version.id.clone(),
            max_files: MAX_MATERIALS,
            max_mb: MAX_MATERIAL_BYTES / (1024 * 1024),
            kept,
        }),
        refused,
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct ApplyQuery {
    #[serde(default)]
    item: String,
}

pub(super) async fn apply_form(
    State(app): State<App>,
    ctx: PageContext,
    Query(q): Query<ApplyQuery>,
) -> Result<Response, PageError> {
    let caller = ctx.require_caller()?;
    let actor = &caller.actor;
    let window = actor.may(Permission::HandleCertificates);
    let form = ApplyForm {
        item: q.item.trim().chars().take(20).collect(),
        // Most people apply where they live; the resident's own name is the usual applicant.
        household_community: actor
            .org
            .as_ref()
            .map(|o| o.to_string())
            .unwrap_or_default(),
        applicant_name: if window {
            String::new()
        } else {
            actor.display_name.clone()
        },
        key: fresh_key(),
        ..Default::default()
    };
    apply_page(&app, ctx, form, None, vec![]).await
}

/// The form's file inputs are named `m_<material key>` (`m_id_card`, `m_hukou`, …).
const FILE_PREFIX: &str = "m_";
/// A file kept from a refused try comes back as `kept_<material key>` = its draft id; a ticked
/// `drop` = draft id (“换一个文件”) lets it go.
const KEPT_PREFIX: &str = "kept_";

pub(super) async fn apply(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    // Refuse before reading up to 31 MB of files from someone who may not apply at all.
    if !actor.may(Permission::HandleCertificates) {
        actor.require(Permission::ApplyCertificate)?;
    }
    let mut multipart = match multipart {
        Ok(m) => m,
        Err(_) => {
            return Ok(crate::web::error_page(
                StatusCode::BAD_REQUEST,
                "提交的表单无法读取，请返回上一页刷新后重试。",
            ));
        }
    };
    let mut form = ApplyForm::default();
    let mut csrf = String::new();
    let mut files = FormFiles::default();
    let mut read_error: Option<String> = None;
    let too_large = format!(
        "上传的文件总量过大：材料最多 {MAX_MATERIALS} 个文件，每个不超过 {} MB。手机照片可以先截图或压缩，再重新选择文件。",
        MAX_MATERIAL_BYTES / (1024 * 1024)
    );
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                read_error = Some(if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    too_large.clone()
                } else {
                    "上传过程中断，表单没有完整收到。请重新选择材料文件后再提交。".into()
                });
                break;
            }
        };
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field.file_name().map(str::to_string);
        let is_file = file_name.is_some();
        let data = match field.bytes().await {
            Ok(b) => b,
            Err(e) => {
                read_error = Some(if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    too_large.clone()
                } else {
                    "上传过程中断，表单没有完整收到。请重新选择材料文件后再提交。".into()
                });
                break;
            }
        };
        let text = || String::from_utf8_lossy(&data).into_owned();
        match name.as_str() {
            "csrf" => csrf = text(),
            "item" => form.item = text(),
            "requested_name" => form.requested_name = text(),
            "reason" => form.reason = text(),
            "purpose" => form.purpose = text(),
            "asking_unit" => form.asking_unit = text(),
            "asking_article" => form.asking_article = text(),
            "applicant_name" => form.applicant_name = text(),
            "id_number" => form.id_number = text(),
            "phone" => form.phone = text(),
            "household_community" => form.household_community = text(),
            "pledge" => form.pledge = !data.is_empty(),
            "self_use" => form.self_use = !data.is_empty(),
            "key" => form.key = text(),
            // An empty file input still sends a part with no content: not a file.
            n if is_file && n.starts_with(FILE_PREFIX) && !data.is_empty() => {
                files.picked.push(PickedFile {
                    material: n[FILE_PREFIX.len()..].to_string(),
                    file_name: file_name.unwrap_or_default(),
                    bytes: data.to_vec(),
                })
            }
            n if !is_file && n.starts_with(KEPT_PREFIX) && !data.is_empty() => files.kept.push((
                n[KEPT_PREFIX.len()..].to_string(),
                text().trim().to_string(),
            )),
            "drop" if !data.is_empty() => files.removed.push(text().trim().to_string()),
            _ => {}
        }
    }
    ctx.check_csrf(&csrf)?;
    form.key = kept_key(&form.key);
    if let Some(msg) = read_error {
        let r = Refusal {
            title: "材料没有上传成功",
            fields: vec![("materials", msg.clone())],
            message: msg,
            go_to: String::new(),
            citation: String::new(),
            about_certificate: false,
            more: vec![],
        };
        // The kept files read before the break are still the resident's: show them again.
        let ids: Vec<String> = files.kept.iter().map(|(_, id)| id.clone()).collect();
        let kept = app
            .kept_upload_files(&actor, &ids)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(KeptView::from)
            .collect();
        return apply_page(&app, ctx, form, Some(r), kept).await;
    }
    let other = form.item.trim() == OTHER;
    let input = ApplicationInput {
        item_code: if other {
            String::new()
        } else {
            form.item.clone()
        },
        requested_name: if other {
            form.requested_name.clone()
        } else {
            String::new()
        },
        applicant_name: form.applicant_name.clone(),
        id_number: form.id_number.clone(),
        phone: form.phone.clone(),
        household_community: form.household_community.clone(),
        reason: form.reason.clone(),
        purpose: form.purpose.clone(),
        asking_unit: form.asking_unit.clone(),
        asking_article: form.asking_article.clone(),
        pledge: form.pledge,
        self_use: form.self_use,
    };
    match app
        .apply_certificate_form(&actor, &meta, &input, files, Some(&form.key))
        .await
    {
        Ok(id) => {
            let community = actor
                .org
                .as_ref()
                .map(|o| o.to_string())
                .unwrap_or_default();
            Ok(
                Redirect::to(&format!("/certificates/a/{community}/{id}?created=1"))
                    .into_response(),
            )
        }
        Err(FormRefusal {
            error: ServiceError::Rejected { code, message },
            kept,
            material_keys,
        }) => {
            let screened = if application::REFUSAL_CODES.contains(&code) {
                explain(&app, &actor, &input, &material_keys).await
            } else {
                vec![]
            };
            let r = Refusal::screened(&screened).unwrap_or_else(|| Refusal::of(code, &message));
            let kept = kept.into_iter().map(KeptView::from).collect();
            apply_page(&app, ctx, form, Some(r), kept).await
        }
        Err(FormRefusal { error, .. }) => Err(error.into()),
    }
}
