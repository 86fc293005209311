//! 居民证明 (三(四)): the resident's applications and the community's queue, the application form
//! (online, or entered at the window by a worker), one application with its actions, the issued
//! certificate with its PDF, and the public verification page (no login). Every rule lives in
//! `service::certificates` and `jianfu_domain::certificate`; these handlers parse forms, call the
//! service and render. No JavaScript: a resident on a phone inside WeChat can use every page.

use super::list_query::{ListArgs, ListView};
use super::{PageContext, PageForm, certificate_actions, confirm, render};
use crate::App;
use crate::http::download::{Disposition, file_response};
use crate::http::error::PageError;
use crate::service::certificate_drafts::{FormFiles, FormRefusal, KeptFile, PickedFile};
use crate::service::certificates::{
    ApplicationDetail, ApplicationInput, ApplicationView, FactField, MAX_MATERIAL_BYTES,
    MAX_MATERIALS, SealProof, VerifiedCertificate, status_label,
};
use crate::service::listing::{ListKind, Listing};
use crate::service::{RequestMeta, ServiceError};
use askama::Template;
use axum::Router;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{DefaultBodyLimit, OriginalUri, Path, Query, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use jianfu_domain::certificate::application;
use jianfu_domain::gate::{Catalog, CatalogItem};
use jianfu_domain::permission::Permission;
use jianfu_domain::violation::EvidenceKind;
use jianfu_domain::{Org, OrgKind};
use jianfu_store::{CertificateRow, MaterialMeta};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Up to the service's file count at its size limit, plus the text fields: an oversized upload
/// then gets the service's Chinese message instead of a cut connection.
pub const UPLOAD_BODY_LIMIT: usize = MAX_MATERIALS * MAX_MATERIAL_BYTES + 1024 * 1024;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/certificates", get(list))
        .route(
            "/certificates/apply",
            get(apply_form)
                .post(apply)
                .layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route("/certificates/a/{community}/{id}", get(detail))
        .route("/certificates/a/{community}/{id}/{action}", post(act))
        .route(
            "/certificates/a/{community}/{id}/materials/{seq}",
            get(material),
        )
        .route("/certificates/c/{number}", get(certificate))
        .route("/certificates/c/{number}/pdf", get(pdf))
        .route("/certificates/c/{number}/revoke", post(revoke))
        .route("/verify", get(verify))
}

/// Colour of a status badge (CSS class).
fn status_class(status: &str) -> &'static str {
    match status {
        "submitted" | "verified" => "warn",
        "approved" => "info",
        "issued" | "valid" => "on",
        "refused" | "revoked" => "bad",
        _ => "off",
    }
}

/// Sets 422 on a page that shows a refused form.
fn with_status(mut resp: Response, refused: bool) -> Response {
    if refused && resp.status() == StatusCode::OK {
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    resp
}

/// A fresh idempotency key for one rendering of a form: a double click or a retried POST then
/// carries the same key and the service stores (or issues) once.
fn fresh_key() -> String {
    let mut b = [0u8; 16];
    // Without randomness the key is still unique enough per form: fall back to a v7 uuid.
    match getrandom::fill(&mut b) {
        Ok(()) => hex::encode(b),
        Err(_) => uuid::Uuid::now_v7().simple().to_string(),
    }
}

/// A key sent back by a form, if it looks like one we hand out.
fn kept_key(sent: &str) -> String {
    let k = sent.trim();
    if !k.is_empty() && k.len() <= 64 && k.bytes().all(|b| b.is_ascii_alphanumeric()) {
        k.to_string()
    } else {
        fresh_key()
    }
}

fn size_label(bytes: i64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{:.0} KB", (bytes as f64 / 1024.0).max(1.0))
    }
}

fn date_of(ms: i64) -> String {
    super::when(&ms)
}

// ---------------------------------------------------------------------------------------------
// The retained certificates, as the form and the chooser show them

/// One retained certificate as a resident reads it before applying.
pub struct ItemCard {
    pub code: String,
    pub name: String,
    pub purpose: String,
    pub issuing_level: String,
    pub also_issued_by: String,
    pub conditions: String,
    pub requires_household: bool,
    pub materials: Vec<MaterialNeed>,
    pub days: u32,
    pub units: Vec<String>,
    pub cites: Vec<String>,
    pub notes: String,
}

pub struct MaterialNeed {
    pub key: String,
    pub name: String,
    pub required: bool,
}

impl ItemCard {
    fn of(c: &Catalog, it: &CatalogItem) -> Option<Self> {
        let s = it.certificate.as_ref()?;
        Some(ItemCard {
            code: it.code.clone(),
            name: it.name.clone(),
            purpose: s.content_and_purpose.clone(),
            issuing_level: s.issuing_level.clone(),
            also_issued_by: s.also_issued_by.clone(),
            conditions: s.conditions.clone(),
            requires_household: s.requires_household,
            materials: s
                .materials
                .iter()
                .map(|m| MaterialNeed {
                    key: m.key.clone(),
                    name: m.name.clone(),
                    required: m.required,
                })
                .collect(),
            days: s.time_limit_working_days,
            units: s.requesting_units.iter().map(|u| u.name.clone()).collect(),
            cites: it.legal_basis.iter().map(|b| c.cite(b)).collect(),
            notes: it.notes.clone(),
        })
    }
    pub fn material_names(&self) -> String {
        self.materials
            .iter()
            .map(|m| {
                if m.required {
                    m.name.clone()
                } else {
                    format!("{}（如有）", m.name)
                }
            })
            .collect::<Vec<_>>()
            .join("、")
    }
}

// ---------------------------------------------------------------------------------------------
// List: the resident's applications, or the community's queue

#[derive(Template)]
#[template(path = "certificates.html")]
pub struct ListPage {
    pub ctx: PageContext,
    pub staff: bool,
    pub apps: Vec<ApplicationView>,
    /// Open applications past their due day (the community's queue).
    pub overdue: i64,
    pub certificates: Vec<CertificateRow>,
    pub list: ListView,
}

impl ListPage {
    pub fn status_class(&self, s: &str) -> &'static str {
        status_class(s)
    }
    pub fn cert_label(&self, s: &str) -> &'static str {
        status_label(s)
    }
    pub fn time_of(&self, ms: &i64) -> String {
        date_of(*ms)
    }
    pub fn href(&self, a: &ApplicationView) -> String {
        format!("/certificates/a/{}/{}", a.community_code, a.id)
    }
}

async fn list(
    State(app): State<App>,
    ctx: PageContext,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    let staff = actor.may(Permission::HandleCertificates);
    let kind = ListKind::Certificates;
    let (listing, fell_back) = ListArgs::from_query(query.as_deref()).listing(kind);
    let page = app.list_certificate_applications(&actor, &listing).await?;
    let (overdue, certificates) = if staff {
        let overdue = app
            .list_certificate_applications(&actor, &Listing::count_of("overdue"))
            .await?
            .total;
        (overdue, app.list_certificates(&actor).await?)
    } else {
        (0, vec![])
    };
    let list = ListView::new(
        "/certificates",
        kind,
        &listing,
        &page,
        vec![],
        fell_back,
        "没有符合条件的申请。",
    );
    Ok(render(&ListPage {
        ctx,
        staff,
        apps: page.items,
        overdue,
        certificates,
        list,
    }))
}

// ---------------------------------------------------------------------------------------------
// The application form (multipart, works without JavaScript)

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

/// A refusal as the page explains it: a heading, what happened, where to go instead, on what
/// rule, and what else is still missing.
pub struct Refusal {
    pub title: &'static str,
    pub message: String,
    pub go_to: String,
    pub citation: String,
    /// The refusal is about the certificate itself (not a field): offer to choose another.
    pub about_certificate: bool,
    /// Further things to fix, each already explained (screening reports them all at once).
    pub more: Vec<String>,
    /// Form fields to mark, with the explanation shown under each.
    pub fields: Vec<(&'static str, String)>,
}

fn title_of(code: &str) -> &'static str {
    match code {
        "certificate_on_negative_list" => "这项证明不由社区出具",
        "certificate_not_on_list" => "这项证明不在社区可以出具的清单上",
        "certificate_not_chosen" => "请先选择要开的证明",
        "certificate_name_too_long" => "证明名称太长了",
        "certificate_other_body" => "这项证明应由其他单位出具",
        "asking_unit_missing" => "请说明是谁要求开这份证明",
        "asking_unit_conflict" => "要求开具单位和“居民自用”只能选一个",
        "unit_own_matter" => "这件事应由要求开具的单位自行核实",
        "unit_cites_no_article" => "请写明单位要求开具证明的法律依据",
        "outside_community" => "请到户籍所在社区申请",
        "pledge_not_confirmed" => "请确认如实申报承诺",
        "materials_missing"
        | "material_too_large"
        | "material_type_not_allowed"
        | "too_many_materials"
        | "unknown_material" => "材料需要补充或更换",
        "upload_draft_unavailable" => "之前上传的材料需要重新选择",
        _ => "申请还不能提交",
    }
}

/// The form field a service-level refusal concerns (screening refusals name their own).
fn field_of(code: &str) -> &'static str {
    match code {
        "name_missing" => "applicant_name",
        "id_number_invalid" => "id_number",
        "phone_invalid" => "phone",
        "household_missing" | "unknown_community" => "household_community",
        c if c.starts_with("material")
            || c.ends_with("_materials")
            || c == "unknown_material"
            || c == "upload_draft_unavailable" =>
        {
            "materials"
        }
        _ => "",
    }
}

impl Refusal {
    /// A refusal the service gave in one message.
    fn of(code: &str, message: &str) -> Self {
        let field = field_of(code);
        Refusal {
            title: title_of(code),
            message: message.trim().to_string(),
            go_to: String::new(),
            citation: String::new(),
            about_certificate: false,
            more: vec![],
            fields: if field.is_empty() {
                vec![]
            } else {
                vec![(field, message.trim().to_string())]
            },
        }
    }

    /// The screening's refusals, most useful first, each with where to go and its rule.
    fn screened(all: &[application::Refusal]) -> Option<Self> {
        let (first, rest) = all.split_first()?;
        Some(Refusal {
            title: title_of(first.code),
            message: first.message.clone(),
            go_to: first.go_to.clone(),
            citation: first.citation.to_string(),
            about_certificate: matches!(
                first.code,
                "certificate_on_negative_list"
                    | "certificate_not_on_list"
                    | "certificate_other_body"
                    | "unit_own_matter"
            ),
            more: rest.iter().map(|r| r.to_string()).collect(),
            fields: all.iter().map(|r| (r.field, r.message.clone())).collect(),
        })
    }
}

/// Why the service refused, in detail: the same pure screening the service ran (it answers with
/// one message; the form wants the path separately and every field to mark). Empty when the
/// screening passes, i.e. the service refused for something screening does not cover.
async fn explain(
    app: &App,
    actor: &crate::service::Actor,
    input: &ApplicationInput,
    material_keys: &[String],
) -> Vec<application::Refusal> {
    let Ok(catalog) = app.current_catalog().await else {
        return vec![];
    };
    let issuing = actor
        .org
        .as_ref()
        .map(|o| o.to_string())
        .unwrap_or_default();
    let materials: Vec<&str> = material_keys.iter().map(String::as_str).collect();
    application::screen_all(&input.screening(&issuing, &materials), &catalog)
        .err()
        .unwrap_or_default()
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

async fn apply_form(
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

async fn apply(
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
            return Ok(super::error_page(
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

// ---------------------------------------------------------------------------------------------
// One application

/// One step of the application's history, as the timeline shows it.
pub struct Step {
    pub label: &'static str,
    /// done, current, todo or stop (refused/withdrawn/revoked).
    pub state: &'static str,
    pub when: String,
    pub detail: String,
}

/// People by name and role (issue 10 §3), looked up once for a page: username → label.
type Names = std::collections::HashMap<String, String>;

async fn names_in(app: &App, d: &ApplicationDetail) -> Names {
    let r = &d.view.row;
    let mut names = Names::new();
    for u in [&r.entered_by, &r.verified_by, &r.approved_by]
        .into_iter()
        .flatten()
    {
        if !names.contains_key(u) {
            names.insert(u.clone(), app.person_label(u).await);
        }
    }
    names
}

fn named<'a>(names: &'a Names, username: &'a str) -> &'a str {
    names.get(username).map(String::as_str).unwrap_or(username)
}

fn timeline(d: &ApplicationDetail, names: &Names) -> Vec<Step> {
    let r = &d.view.row;
    let at = |ms: Option<i64>| ms.map(date_of).unwrap_or_default();
    let mut steps = vec![Step {
        label: "提交申请",
        state: "done",
        when: date_of(r.submitted_at),
        detail: match (&r.entered_by, r.channel.as_str()) {
            (Some(by), "window") => format!(
                "社区窗口代录（{}）；申请人已确认如实申报承诺",
                named(names, by)
            ),
            _ => "居民网上申请；申请人已确认如实申报承诺".into(),
        },
    }];
    let state = r.status.as_str();
    let stopped = |label: &'static str, detail: String| Step {
        label,
        state: "stop",
        when: at(r.decided_at),
        detail,
    };
    match state {
        "refused" => {
            if r.verified_at.is_some() {
                steps.push(verified_step(r, names));
            }
            steps.push(stopped(
                "不予出具",
                r.refusal_reason.clone().unwrap_or_default(),
            ));
            return steps;
        }
        "withdrawn" => {
            steps.push(stopped("申请人已撤回", String::new()));
            return steps;
        }
        _ => {}
    }
    // The remaining steps in order; the first not yet done is the current one.
    let done_verify = r.verified_at.is_some();
    let done_approve = r.approved_at.is_some();
    let done_issue = d.certificate.is_some();
    steps.push(if done_verify {
        verified_step(r, names)
    } else {
        Step {
            label: "社区核实情况",
            state: "current",
            when: String::new(),
            detail: format!("工作人员核实申请人情况和材料。办结期限：{}", r.due_on),
        }
    });
    steps.push(Step {
        label: "书记/主任批准用印",
        state: if done_approve {
            "done"
        } else if done_verify {
            "current"
        } else {
            "todo"
        },
        when: at(r.approved_at),
        detail: r
            .approved_by
            .as_ref()
            .map(|a| format!("批准人：{}", named(names, a)))
            .unwrap_or_default(),
    });
    steps.push(Step {
        label: "出具证明",
        state: if done_issue {
            "done"
        } else if done_approve {
            "current"
        } else {
            "todo"
        },
        when: d
            .certificate
            .as_ref()
            .map(|c| date_of(c.issued_at))
            .unwrap_or_default(),
        detail: d
            .certificate
            .as_ref()
            .map(|c| format!("证明编号 {}", c.number))
            .unwrap_or_default(),
    });
    if let Some(c) = d.certificate.as_ref().filter(|c| c.status == "revoked") {
        steps.push(Step {
            label: "证明已作废",
            state: "stop",
            when: at(c.revoked_at),
            detail: c.revoke_reason.clone().unwrap_or_default(),
        });
    }
    steps
}

fn verified_step(r: &jianfu_store::CertificateApplicationRow, names: &Names) -> Step {
    let mut detail = r
        .verified_by
        .as_ref()
        .map(|v| format!("核实人：{}", named(names, v)))
        .unwrap_or_default();
    if let Some(n) = r.verify_note.as_ref().filter(|n| !n.is_empty()) {
        detail.push_str(&format!("；核实情况：{n}"));
    }
    Step {
        label: "社区核实情况",
        state: "done",
        when: r.verified_at.map(date_of).unwrap_or_default(),
        detail,
    }
}

/// What a refused action typed, to show again.
#[derive(Default)]
pub struct Typed {
    pub facts: BTreeMap<String, String>,
    pub household_checked: bool,
    pub note: String,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "certificate_application.html")]
pub struct DetailPage {
    pub ctx: PageContext,
    pub d: ApplicationDetail,
    pub staff: bool,
    pub facts: Vec<FactField>,
    pub requires_household: bool,
    pub material_names: BTreeMap<String, String>,
    pub steps: Vec<Step>,
    pub typed: Typed,
    pub issue_key: String,
    pub revealed_id: Option<String>,
    pub error: Option<String>,
    pub notice: Option<String>,
}

impl DetailPage {
    pub fn status_class(&self) -> &'static str {
        status_class(&self.d.view.status)
    }
    pub fn base(&self) -> String {
        format!(
            "/certificates/a/{}/{}",
            self.d.view.community_code, self.d.view.id
        )
    }
    pub fn time_of(&self, ms: &i64) -> String {
        date_of(*ms)
    }
    pub fn material_name(&self, m: &MaterialMeta) -> String {
        self.material_names
            .get(&m.material)
            .cloned()
            .unwrap_or_else(|| "证明材料".into())
    }
    pub fn kind_of(&self, m: &MaterialMeta) -> &'static str {
        EvidenceKind::parse(&m.kind).map_or("文件", |k| k.label_zh())
    }
    pub fn size_of(&self, m: &MaterialMeta) -> String {
        size_label(m.size)
    }
    pub fn channel_label(&self) -> &'static str {
        if self.d.view.channel == "window" {
            "社区窗口代录"
        } else {
            "居民网上申请"
        }
    }
    pub fn has_actions(&self) -> bool {
        let d = &self.d;
        d.may_verify || d.may_approve || d.may_refuse || d.may_issue || d.may_withdraw
    }
}

#[allow(clippy::too_many_arguments)]
async fn detail_page(
    app: &App,
    ctx: PageContext,
    community: &str,
    id: &str,
    typed: Typed,
    revealed_id: Option<String>,
    error: Option<String>,
    notice: Option<String>,
) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    let d = app
        .certificate_application_detail(&actor, community, id)
        .await?;
    let spec = d.item.as_ref().and_then(|i| i.certificate.as_ref());
    let material_names = spec
        .map(|s| {
            s.materials
                .iter()
                .map(|m| (m.key.clone(), m.name.clone()))
                .collect()
        })
        .unwrap_or_default();
    let requires_household = spec.is_some_and(|s| s.requires_household);
    // Show again what the worker typed into the fact fields, over the saved values.
    let facts = d
        .facts
        .iter()
        .cloned()
        .map(|mut f| {
            if !f.auto
                && let Some(v) = typed.facts.get(&f.name)
            {
                f.value = v.clone();
            }
            f
        })
        .collect();
    let steps = timeline(&d, &names_in(app, &d).await);
    let refused = error.is_some();
    Ok(with_status(
        render(&DetailPage {
            staff: actor.may(Permission::HandleCertificates),
            ctx,
            facts,
            requires_household,
            material_names,
            steps,
            typed,
            issue_key: fresh_key(),
            revealed_id,
            error,
            notice,
            d,
        }),
        refused,
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct DetailQuery {
    #[serde(default)]
    created: String,
    #[serde(default)]
    done: String,
}

async fn detail(
    State(app): State<App>,
    ctx: PageContext,
    Path((community, id)): Path<(String, String)>,
    Query(q): Query<DetailQuery>,
) -> Result<Response, PageError> {
    let notice = if !q.created.is_empty() {
        Some("申请已提交。社区工作人员会核实情况，办理进度会显示在这里。".into())
    } else {
        match q.done.as_str() {
            "verify" => Some("已核实，已通知社区书记/主任审批用印。".into()),
            "approve" => Some("已批准用印，已通知工作人员出具证明。".into()),
            "refuse" => Some("已作出不予出具的决定，申请人可以在这里看到说明。".into()),
            "withdraw" => Some("申请已撤回。".into()),
            _ => None,
        }
    };
    detail_page(
        &app,
        ctx,
        &community,
        &id,
        Typed::default(),
        None,
        None,
        notice,
    )
    .await
}

/// Fact fields are posted as `fact.<placeholder name>`.
const FACT_PREFIX: &str = "fact.";

/// All the actions on one application share one route: verify, approve, refuse, issue,
/// withdraw and reveal-id. The form is read as pairs because the fact fields are named by the
/// certificate's template.
async fn act(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    Path((community, id, action)): Path<(String, String, String)>,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let field = |name: &str| super::form_value(&pairs, name);
    ctx.check_csrf(&field("csrf"))?;
    let actor = ctx.require_caller()?.actor.clone();
    let typed = Typed {
        facts: pairs
            .iter()
            .filter_map(|(k, v)| {
                k.strip_prefix(FACT_PREFIX)
                    .map(|n| (n.to_string(), v.clone()))
            })
            .collect(),
        household_checked: !field("household_checked").is_empty(),
        note: field("note"),
        reason: field("reason"),
    };
    if certificate_actions::is_irreversible(&action) {
        match confirm::Step::of(&pairs) {
            confirm::Step::Confirmed => {}
            confirm::Step::Back => {
                return detail_page(&app, ctx, &community, &id, typed, None, None, None).await;
            }
            confirm::Step::Ask => {
                // Ask only about what would be done: a refusal is said at once.
                match app
                    .check_certificate_action(
                        &actor,
                        &community,
                        &id,
                        &action,
                        &typed.reason,
                        &field("key"),
                    )
                    .await
                {
                    Err(ServiceError::Rejected { message, .. }) => {
                        return detail_page(
                            &app,
                            ctx,
                            &community,
                            &id,
                            typed,
                            None,
                            Some(message),
                            None,
                        )
                        .await;
                    }
                    other => other?,
                }
                let d = app
                    .certificate_application_detail(&actor, &community, &id)
                    .await?;
                let q = certificate_actions::question(&action, &d.view, &typed.reason);
                return Ok(render(&confirm::ConfirmPage::new(ctx, q, &pairs)));
            }
        }
    }
    let result = match action.as_str() {
        "verify" => {
            app.verify_certificate_application(
                &actor,
                &meta,
                &community,
                &id,
                typed.facts.clone(),
                typed.household_checked,
                &typed.note,
            )
            .await
        }
        "approve" => {
            app.approve_certificate_application(&actor, &meta, &community, &id)
                .await
        }
        "refuse" => {
            app.refuse_certificate_application(&actor, &meta, &community, &id, &typed.reason)
                .await
        }
        "withdraw" => {
            app.withdraw_certificate_application(&actor, &meta, &community, &id)
                .await
        }
        "issue" => {
            return match app
                .issue_certificate(&actor, &meta, &community, &id, &field("key"))
                .await
            {
                Ok(c) => Ok(
                    Redirect::to(&format!("/certificates/c/{}?issued=1", c.number)).into_response(),
                ),
                Err(ServiceError::Rejected { message, .. }) => {
                    detail_page(&app, ctx, &community, &id, typed, None, Some(message), None).await
                }
                Err(e) => Err(e.into()),
            };
        }
        "reveal-id" => {
            // Shown on this one response only; the service has audited the view.
            return match app.reveal_id_number(&actor, &meta, &community, &id).await {
                Ok(full) => {
                    detail_page(&app, ctx, &community, &id, typed, Some(full), None, None).await
                }
                Err(ServiceError::Rejected { message, .. }) => {
                    detail_page(&app, ctx, &community, &id, typed, None, Some(message), None).await
                }
                Err(e) => Err(e.into()),
            };
        }
        _ => {
            return Err(PageError(ServiceError::NotFound("该操作".into())));
        }
    };
    match result {
        Ok(()) => Ok(
            Redirect::to(&format!("/certificates/a/{community}/{id}?done={action}"))
                .into_response(),
        ),
        Err(ServiceError::Rejected { message, .. }) => {
            detail_page(&app, ctx, &community, &id, typed, None, Some(message), None).await
        }
        Err(e) => Err(e.into()),
    }
}

/// A material file, for those who may read the application. Served as a download with the type
/// found at upload (never sniffed by the browser); neither URL nor file name carries the name the
/// file had on the applicant's phone.
async fn material(
    State(app): State<App>,
    ctx: PageContext,
    Path((community, id, seq)): Path<(String, String, String)>,
) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    let seq: i64 = seq
        .parse()
        .map_err(|_| PageError(ServiceError::NotFound("该材料".into())))?;
    let m = app
        .certificate_material(&actor, &community, &id, seq)
        .await?;
    let kind = EvidenceKind::parse(&m.kind);
    Ok(file_response(
        kind.map_or("application/octet-stream", |k| k.content_type()),
        Disposition::Attachment,
        &format!("material-{seq}.{}", kind.map_or("bin", |k| k.extension())),
        m.bytes,
    ))
}

// ---------------------------------------------------------------------------------------------
// The certificate

#[derive(Template)]
#[template(path = "certificate.html")]
pub struct CertificatePage {
    pub ctx: PageContext,
    pub c: CertificateRow,
    /// Who issued, approved and voided it, by name and role (not username).
    pub issued_by: String,
    pub approved_by: String,
    pub revoked_by: Option<String>,
    pub may_revoke: bool,
    pub may_view_seal: bool,
    pub reason: String,
    pub error: Option<String>,
    pub notice: Option<String>,
}

impl CertificatePage {
    pub fn status_class(&self) -> &'static str {
        status_class(&self.c.status)
    }
    pub fn status_text(&self) -> &'static str {
        status_label(&self.c.status)
    }
    pub fn time_of(&self, ms: &i64) -> String {
        date_of(*ms)
    }
    pub fn application_href(&self) -> String {
        format!(
            "/certificates/a/{}/{}",
            self.c.community_code, self.c.application_id
        )
    }
}

async fn certificate_page(
    app: &App,
    ctx: PageContext,
    number: &str,
    reason: String,
    error: Option<String>,
    notice: Option<String>,
) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    let c = app.certificate_for(&actor, number).await?;
    let refused = error.is_some();
    Ok(with_status(
        render(&CertificatePage {
            issued_by: app.person_label(&c.issued_by).await,
            approved_by: app.person_label(&c.approved_by).await,
            revoked_by: match &c.revoked_by {
                Some(u) => Some(app.person_label(u).await),
                None => None,
            },
            may_revoke: actor.may(Permission::ApproveSealUse) && c.status == "valid",
            may_view_seal: actor.may(Permission::ViewSealLog),
            ctx,
            c,
            reason,
            error,
            notice,
        }),
        refused,
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct CertificateQuery {
    #[serde(default)]
    issued: String,
    #[serde(default)]
    revoked: String,
}

async fn certificate(
    State(app): State<App>,
    ctx: PageContext,
    Path(number): Path<String>,
    Query(q): Query<CertificateQuery>,
) -> Result<Response, PageError> {
    let notice = if !q.issued.is_empty() {
        Some(
            "证明已出具，并已记入用印登记簿。请下载 PDF 打印，在用印处加盖社区印章后交给申请人。"
                .into(),
        )
    } else if !q.revoked.is_empty() {
        Some("证明已作废。公开核验时将显示“已作废”和作废原因。".into())
    } else {
        None
    };
    certificate_page(&app, ctx, &number, String::new(), None, notice).await
}

async fn pdf(
    State(app): State<App>,
    ctx: PageContext,
    Path(number): Path<String>,
) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    let bytes = app.certificate_pdf(&actor, &number).await?;
    Ok(file_response(
        "application/pdf",
        Disposition::Inline,
        &format!("{}.pdf", number.trim()),
        bytes,
    ))
}

async fn revoke(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    Path(number): Path<String>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let field = |name: &str| super::form_value(&fields, name);
    ctx.check_csrf(&field("csrf"))?;
    let actor = ctx.require_caller()?.actor.clone();
    let reason = field("reason");
    match confirm::Step::of(&fields) {
        confirm::Step::Confirmed => {}
        confirm::Step::Back => {
            return certificate_page(&app, ctx, &number, reason, None, None).await;
        }
        confirm::Step::Ask => {
            match app.check_certificate_revoke(&actor, &number, &reason).await {
                Err(ServiceError::Rejected { message, .. }) => {
                    return certificate_page(&app, ctx, &number, reason, Some(message), None).await;
                }
                other => other?,
            }
            let c = app.certificate_for(&actor, &number).await?;
            let q = certificate_actions::revoke_question(&c, &reason);
            return Ok(render(&confirm::ConfirmPage::new(ctx, q, &fields)));
        }
    }
    match app
        .revoke_certificate(&actor, &meta, &number, &reason)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/certificates/c/{number}?revoked=1")).into_response()),
        Err(ServiceError::Rejected { message, .. }) => {
            certificate_page(&app, ctx, &number, reason, Some(message), None).await
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// Public verification (no login)

/// Where the certificate's seal-log entry stands against the latest signed checkpoint.
pub struct ProofView {
    /// `included` (covered by a signed checkpoint, path and signature check out), `pending`
    /// (no checkpoint covers it yet) or `mismatch` (covered, but the proof fails).
    pub state: &'static str,
    pub checkpoint_size: i64,
    pub signed_at: String,
    pub root_short: String,
    /// The seal service's explanation, in Chinese.
    pub message: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct VerifyQuery {
    #[serde(default)]
    number: String,
    #[serde(default)]
    code: String,
}

#[derive(Template)]
#[template(path = "verify.html")]
pub struct VerifyPage {
    pub ctx: PageContext,
    pub number: String,
    pub code: String,
    pub result: Option<VerifiedCertificate>,
    /// Not found or wrong code: the same neutral answer either way.
    pub problem: Option<String>,
    /// Too many wrong codes.
    pub limited: Option<String>,
    /// The seal-log inclusion proof, once the seal service provides it.
    pub proof: Option<ProofView>,
}

impl VerifyPage {
    pub fn valid(&self) -> bool {
        self.result.as_ref().is_some_and(|r| r.status == "valid")
    }
}

async fn verify(
    State(app): State<App>,
    ctx: Result<PageContext, PageError>,
    headers: HeaderMap,
    OriginalUri(uri): OriginalUri,
    meta: RequestMeta,
    Query(q): Query<VerifyQuery>,
) -> Result<Response, PageError> {
    // Public: an expired session must not send a resident's relative to the login page.
    let ctx = match ctx {
        Ok(c) => c,
        Err(_) => PageContext::anonymous(&app, &headers, uri.path()).await,
    };
    let number: String = q.number.trim().chars().take(64).collect();
    let code: String = q.code.trim().chars().take(32).collect();
    let mut page = VerifyPage {
        ctx,
        number,
        code,
        result: None,
        problem: None,
        limited: None,
        proof: None,
    };
    let mut status = StatusCode::OK;
    if !page.number.is_empty() || !page.code.is_empty() {
        match app
            .verify_certificate(&meta, &page.number, &page.code)
            .await
        {
            Ok(v) => {
                page.proof = inclusion_proof(v.seal_proof.as_ref());
                page.result = Some(v);
            }
            Err(ServiceError::RateLimited(m)) => {
                status = StatusCode::TOO_MANY_REQUESTS;
                page.limited = Some(m);
            }
            Err(ServiceError::Rejected { message, .. }) => {
                status = StatusCode::UNPROCESSABLE_ENTITY;
                page.problem = Some(message);
            }
            Err(e) => return Err(e.into()),
        }
    }
    let mut resp = render(&page);
    if resp.status() == StatusCode::OK {
        *resp.status_mut() = status;
    }
    Ok(resp)
}

/// The seal log's inclusion proof that came with the verification, as the page shows it.
fn inclusion_proof(p: Option<&SealProof>) -> Option<ProofView> {
    let p = p?;
    let state = match (p.state.as_str(), p.verified) {
        ("covered", true) => "included",
        ("covered", false) => "mismatch",
        _ => "pending",
    };
    let (checkpoint_size, signed_at, root_short) = (
        p.checkpoint_size.unwrap_or(0),
        p.checkpoint_signed_at.map(date_of).unwrap_or_default(),
        p.checkpoint_root
            .as_deref()
            .unwrap_or("")
            .chars()
            .take(16)
            .collect(),
    );
    Some(ProofView {
        state,
        checkpoint_size,
        signed_at,
        root_short,
        message: p.message.clone(),
    })
}
