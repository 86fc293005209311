//! The catalog pages. Reading needs no login (居务公开、政务公开): the current lists by kind with
//! search, one item whole, every version, the diff between two versions, and the Excel download.
//! Certificate lists show what a resident needs: for a retained certificate the conditions,
//! materials, time limit, requesting units and legal basis; for one communities must not issue,
//! who issues it instead and the resident's path.
//! The district approver publishes a new version: upload an .xlsx, see what it changes, confirm.

use super::{PageContext, PageForm, render};
use crate::App;
use crate::http::error::PageError;
use crate::service::catalog::{CatalogDiff, VersionView, parse_kind};
use crate::service::catalog_xlsx::{self, MAX_XLSX_BYTES};
use crate::service::{RequestMeta, ServiceError};
use askama::Template;
use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use jianfu_domain::OrgCode;
use jianfu_domain::certificate::placeholders;
use jianfu_domain::gate::catalog::{CertificateSpec, Law, NegativeCertificateSpec, VersionInfo};
use jianfu_domain::gate::{Catalog, CatalogItem, ItemKind};
use jianfu_domain::org::OrgTree;
use jianfu_domain::permission::Permission;
use serde::Deserialize;
use std::sync::Arc;

/// Upload requests may be a little over the 5 MB file limit (form fields, multipart framing), so
/// that an oversized file gets our Chinese message rather than a cut connection.
const UPLOAD_BODY_LIMIT: usize = MAX_XLSX_BYTES + 1024 * 1024;
/// The confirm step carries the parsed catalog as JSON, which may be larger than the xlsx.
const CONFIRM_BODY_LIMIT: usize = 4 * MAX_XLSX_BYTES;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/catalog", get(list))
        .route("/catalog/items/{code}", get(item))
        .route("/catalog/versions", get(versions))
        .route("/catalog/versions/{id}/diff", get(diff))
        .route("/catalog/export.xlsx", get(export))
        .route(
            "/catalog/publish",
            get(publish_form)
                .post(publish_upload)
                .layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route(
            "/catalog/publish/confirm",
            post(publish_confirm).layer(DefaultBodyLimit::max(CONFIRM_BODY_LIMIT)),
        )
}

// ------------------------------------------------------------------------------------------------
// Views shared by the templates

/// A source document as shown.
pub struct SourceView {
    pub title: String,
    pub issuer: String,
    pub number: String,
    pub url: String,
}

/// One item ready for display: citations in words with the law's version, department by name.
pub struct ItemView {
    pub code: String,
    pub kind: ItemKind,
    pub name: String,
    pub cites: Vec<String>,
    pub sources: Vec<SourceView>,
    pub department: String,
    pub funding_required: bool,
    pub terms: Vec<String>,
    pub only_as_responsible: bool,
    pub notes: String,
    /// For a retained certificate.
    pub certificate: Option<CertificateView>,
    /// For a certificate communities must not issue.
    pub negative: Option<NegativeView>,
}

/// Another item named from this one (an exception and the negative item it excepts).
pub struct ItemLink {
    pub code: String,
    pub name: String,
    /// e.g. the purposes an exception is limited to.
    pub note: String,
}

/// A retained certificate as shown.
pub struct CertificateView {
    pub spec: CertificateSpec,
    /// What the worker fills in, in order.
    pub placeholders: Vec<String>,
    /// The negative item this one is an exception to.
    pub exception_of: Option<ItemLink>,
}

impl CertificateView {
    pub fn requesting(&self) -> String {
        self.spec
            .requesting_units
            .iter()
            .map(|u| u.name.as_str())
            .collect::<Vec<_>>()
            .join("、")
    }
}

/// A certificate communities must not issue, as shown.
pub struct NegativeView {
    pub spec: NegativeCertificateSpec,
    /// Retained items that are narrow exceptions to it.
    pub exceptions: Vec<ItemLink>,
}

fn department_name(tree: Option<&OrgTree>, code: &str) -> String {
    if code.is_empty() {
        return String::new();
    }
    tree.zip(OrgCode::parse(code).ok())
        .and_then(|(t, c)| t.get(&c).map(|o| o.name.clone()))
        .unwrap_or_else(|| code.to_string())
}

fn item_view(c: &Catalog, tree: Option<&OrgTree>, it: &CatalogItem) -> ItemView {
    ItemView {
        code: it.code.clone(),
        kind: it.kind,
        name: it.name.clone(),
        cites: it.legal_basis.iter().map(|b| c.cite(b)).collect(),
        sources: it
            .sources
            .iter()
            .map(|s| SourceView {
                title: s.title.clone(),
                issuer: s.issuer.clone(),
                number: s.number.clone(),
                // Only web addresses become links.
                url: if s.url.starts_with("https://") || s.url.starts_with("http://") {
                    s.url.clone()
                } else {
                    String::new()
                },
            })
            .collect(),
        department: department_name(tree, &it.responsible_department),
        funding_required: it.funding_required,
        terms: it.terms.clone(),
        only_as_responsible: it.only_as_responsible,
        notes: it.notes.clone(),
        certificate: it.certificate.as_deref().map(|spec| CertificateView {
            placeholders: placeholders(&spec.template),
            exception_of: c.item(&spec.exception_to).map(|n| ItemLink {
                code: n.code.clone(),
                name: n.name.clone(),
                note: String::new(),
            }),
            spec: spec.clone(),
        }),
        negative: it.certificate_negative.as_deref().map(|spec| NegativeView {
            spec: spec.clone(),
            exceptions: c
                .items_of(ItemKind::Certificate)
                .filter_map(|e| {
                    let s = e.certificate.as_deref()?;
                    (s.exception_to == it.code).then(|| ItemLink {
                        code: e.code.clone(),
                        name: e.name.clone(),
                        note: s.exception_purposes.join("、"),
                    })
                })
                .collect(),
        }),
    }
}

/// A query string from pairs, leaving out empty values.
fn qs(pairs: &[(&str, &str)]) -> String {
    let kept: Vec<(&str, &str)> = pairs
        .iter()
        .copied()
        .filter(|(_, v)| !v.is_empty())
        .collect();
    if kept.is_empty() {
        String::new()
    } else {
        format!("?{}", serde_urlencoded::to_string(kept).unwrap_or_default())
    }
}

fn path_segment(s: &str) -> String {
    // Codes and ids are short; encode anything outside the unreserved set.
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

pub fn item_href(code: &str, version: &str) -> String {
    format!(
        "/catalog/items/{}{}",
        path_segment(code),
        qs(&[("version", version)])
    )
}

async fn tree(app: &App) -> Option<Arc<OrgTree>> {
    app.org_tree().await.ok()
}

fn not_found_version(id: &str) -> PageError {
    PageError(ServiceError::NotFound(format!(
        "清单版本“{id}”。请从“版本记录”中选择"
    )))
}

/// The named version (404 when unknown) or the current one; and whether it is the current one.
async fn chosen(app: &App, version: &str) -> Result<(Arc<Catalog>, bool), PageError> {
    let current = app.current_catalog().await?;
    let v = version.trim();
    if v.is_empty() || v == current.version.id {
        return Ok((current, true));
    }
    match app.catalog_version(v).await? {
        Some(c) => Ok((c, false)),
        None => Err(not_found_version(v)),
    }
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub version: String,
}

// ------------------------------------------------------------------------------------------------
// GET /catalog

pub struct Tab {
    pub href: String,
    pub label: &'static str,
    pub count: usize,
    pub active: bool,
}

pub struct Group {
    pub kind: ItemKind,
    pub items: Vec<ItemView>,
}

pub struct VersionOption {
    pub id: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "catalog.html")]
pub struct CatalogPage {
    pub ctx: PageContext,
    pub version: VersionInfo,
    pub is_current: bool,
    pub version_param: String,
    pub options: Vec<VersionOption>,
    pub tabs: Vec<Tab>,
    pub q: String,
    pub kind: String,
    pub groups: Vec<Group>,
    pub total: usize,
    pub error: Option<String>,
    pub can_publish: bool,
    pub export_href: String,
}

impl CatalogPage {
    fn item_href(&self, code: &str) -> String {
        item_href(code, &self.version_param)
    }
}

fn version_options(views: &[VersionView], selected: &str) -> Vec<VersionOption> {
    views
        .iter()
        .map(|v| VersionOption {
            id: v.row.id.clone(),
            label: format!(
                "{}（{}，{} 起）",
                v.row.title,
                v.status.label_zh(),
                v.row.effective_from
            ),
            selected: v.row.id == selected,
        })
        .collect()
}

async fn list(
    State(app): State<App>,
    ctx: PageContext,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let ListQuery { q, kind, version } = query.ok().map(|Query(q)| q).unwrap_or_default();
    let (catalog, is_current) = chosen(&app, &version).await?;
    let version_param = if is_current {
        String::new()
    } else {
        catalog.version.id.clone()
    };
    let (kind_filter, error, kind) = match parse_kind(Some(&kind)) {
        Ok(k) => (
            k,
            None,
            k.map(|k| k.as_str().to_string()).unwrap_or_default(),
        ),
        Err(e) => (None, Some(e.message()), String::new()),
    };
    let found = catalog.search(&q, None);
    let tree = tree(&app).await;
    let present: Vec<ItemKind> = ItemKind::ALL
        .into_iter()
        .filter(|k| catalog.items.iter().any(|i| i.kind == *k))
        .collect();
    let mut tabs = vec![Tab {
        href: format!(
            "/catalog{}",
            qs(&[("q", q.trim()), ("version", &version_param)])
        ),
        label: "全部",
        count: found.len(),
        active: kind_filter.is_none(),
    }];
    tabs.extend(present.iter().map(|k| Tab {
        href: format!(
            "/catalog{}",
            qs(&[
                ("kind", k.as_str()),
                ("q", q.trim()),
                ("version", &version_param)
            ])
        ),
        label: k.label_zh(),
        count: found.iter().filter(|i| i.kind == *k).count(),
        active: kind_filter == Some(*k),
    }));
    let groups: Vec<Group> = present
        .iter()
        .filter(|k| kind_filter.is_none_or(|f| f == **k))
        .map(|k| Group {
            kind: *k,
            items: found
                .iter()
                .filter(|i| i.kind == *k)
                .map(|i| item_view(&catalog, tree.as_deref(), i))
                .collect(),
        })
        .filter(|g| !g.items.is_empty())
        .collect();
    let total = groups.iter().map(|g| g.items.len()).sum();
    let views = app.catalog_version_views().await?;
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = CatalogPage {
        can_publish: ctx.actor().may(Permission::ManageCatalog) && ctx.caller.is_some(),
        ctx,
        options: version_options(&views, &catalog.version.id),
        export_href: format!(
            "/catalog/export.xlsx{}",
            qs(&[("version", &catalog.version.id)])
        ),
        version: catalog.version.clone(),
        is_current,
        version_param,
        tabs,
        q,
        kind,
        groups,
        total,
        error,
    };
    Ok(with_status(render(&page), status))
}

fn with_status(mut resp: Response, status: StatusCode) -> Response {
    if resp.status() == StatusCode::OK {
        *resp.status_mut() = status;
    }
    resp
}

// ------------------------------------------------------------------------------------------------
// GET /catalog/items/{code}

pub struct LawView {
    pub cite: String,
    pub law: Option<Law>,
}

#[derive(Template)]
#[template(path = "catalog_item.html")]
pub struct ItemPage {
    pub ctx: PageContext,
    pub version: VersionInfo,
    pub is_current: bool,
    pub version_param: String,
    pub item: ItemView,
    pub laws: Vec<LawView>,
}

impl ItemPage {
    fn item_href(&self, code: &str) -> String {
        item_href(code, &self.version_param)
    }
}

#[derive(Deserialize, Default)]
pub struct VersionQuery {
    #[serde(default)]
    pub version: String,
}

async fn item(
    State(app): State<App>,
    ctx: PageContext,
    Path(code): Path<String>,
    query: Result<Query<VersionQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let version = query.ok().map(|Query(q)| q.version).unwrap_or_default();
    let (catalog, is_current) = chosen(&app, &version).await?;
    let Some(it) = catalog.item(&code) else {
        return Err(PageError(ServiceError::NotFound(format!(
            "清单“{}”中的事项“{code}”",
            catalog.version.title
        ))));
    };
    let tree = tree(&app).await;
    let laws = it
        .legal_basis
        .iter()
        .map(|b| LawView {
            cite: catalog.cite(b),
            law: catalog.law(&b.law).cloned(),
        })
        .collect();
    let page = ItemPage {
        item: item_view(&catalog, tree.as_deref(), it),
        laws,
        version_param: if is_current {
            String::new()
        } else {
            catalog.version.id.clone()
        },
        version: catalog.version.clone(),
        is_current,
        ctx,
    };
    Ok(render(&page))
}

// ------------------------------------------------------------------------------------------------
// GET /catalog/versions

#[derive(Template)]
#[template(path = "catalog_versions.html")]
pub struct VersionsPage {
    pub ctx: PageContext,
    pub versions: Vec<VersionView>,
    pub published: Option<String>,
    pub can_publish: bool,
}

#[derive(Deserialize, Default)]
pub struct VersionsQuery {
    pub published: Option<String>,
}

impl VersionsPage {
    fn when(&self, ms: &i64) -> String {
        super::when(ms)
    }
    fn seg(&self, s: &str) -> String {
        path_segment(s)
    }
    fn publisher(&self, s: &str) -> String {
        if s == "console" {
            "系统初始化（随软件提供）".into()
        } else {
            s.to_string()
        }
    }
}

async fn versions(
    State(app): State<App>,
    ctx: PageContext,
    query: Result<Query<VersionsQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let published = query.ok().and_then(|Query(q)| q.published);
    let page = VersionsPage {
        can_publish: ctx.caller.is_some() && ctx.actor().may(Permission::ManageCatalog),
        versions: app.catalog_version_views().await?,
        published,
        ctx,
    };
    Ok(render(&page))
}

// ------------------------------------------------------------------------------------------------
// GET /catalog/versions/{id}/diff?against=

/// A changed field: label, before, after.
pub struct FieldChange {
    pub label: &'static str,
    pub old: String,
    pub new: String,
}

pub struct ChangedView {
    pub code: String,
    pub name: String,
    pub fields: Vec<FieldChange>,
}

/// The diff prepared for display.
pub struct DiffView {
    pub added: Vec<ItemView>,
    pub removed: Vec<ItemView>,
    pub changed: Vec<ChangedView>,
    pub laws_added: Vec<Law>,
    pub laws_removed: Vec<Law>,
    pub laws_changed: Vec<(Law, Law)>,
}

impl DiffView {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.removed.is_empty()
            && self.changed.is_empty()
            && self.laws_added.is_empty()
            && self.laws_removed.is_empty()
            && self.laws_changed.is_empty()
    }
}

fn field_text(c: &Catalog, tree: Option<&OrgTree>, it: &CatalogItem, label: &str) -> String {
    let yes = |b: bool| if b { "是" } else { "否" }.to_string();
    match label {
        "编码" => it.code.clone(),
        "类别" => it.kind.label_zh().to_string(),
        "名称" => it.name.clone(),
        "法律依据" => it
            .legal_basis
            .iter()
            .map(|b| c.cite(b))
            .collect::<Vec<_>>()
            .join("；"),
        "来源文件" => catalog_xlsx::format_sources(&it.sources),
        "责任部门" => department_name(tree, &it.responsible_department),
        "须配经费" => yes(it.funding_required),
        "甄别词" => it.terms.join("、"),
        "仅限责任主体" => yes(it.only_as_responsible),
        "备注" => it.notes.clone(),
        "证明事项内容" => it
            .certificate
            .as_deref()
            .map(|c| {
                format!(
                    "内容及用途：{}；开具单位：{}；要求开具单位：{}；办理条件：{}；须本社区户籍：{}；材料：{}；办理时限：{} 个工作日；证明式样：{}{}",
                    c.content_and_purpose,
                    c.issuing_level,
                    catalog_xlsx::format_requesting_units(&c.requesting_units),
                    c.conditions,
                    yes(c.requires_household),
                    catalog_xlsx::format_materials(&c.materials),
                    c.time_limit_working_days,
                    c.template,
                    if c.exception_to.is_empty() {
                        String::new()
                    } else {
                        format!("；例外于 {}（限{}）", c.exception_to, c.exception_purposes.join("、"))
                    }
                )
            })
            .unwrap_or_default(),
        "替代办理途径" => it
            .certificate_negative
            .as_deref()
            .map(|n| {
                format!(
                    "子项：{}；应由谁出具：{}；办理途径：{}",
                    n.sub_items.join("、"),
                    n.issued_by_instead,
                    n.resident_path
                )
            })
            .unwrap_or_default(),
        _ => String::new(),
    }
}

fn diff_view(old: &Catalog, new: &Catalog, d: CatalogDiff, tree: Option<&OrgTree>) -> DiffView {
    DiffView {
        added: d.added.iter().map(|i| item_view(new, tree, i)).collect(),
        removed: d.removed.iter().map(|i| item_view(old, tree, i)).collect(),
        changed: d
            .changed
            .iter()
            .map(|ch| ChangedView {
                code: ch.new.code.clone(),
                name: ch.new.name.clone(),
                fields: ch
                    .fields
                    .iter()
                    .map(|label| FieldChange {
                        label,
                        old: field_text(old, tree, &ch.old, label),
                        new: field_text(new, tree, &ch.new, label),
                    })
                    .collect(),
            })
            .collect(),
        laws_added: d.laws_added,
        laws_removed: d.laws_removed,
        laws_changed: d.laws_changed,
    }
}

#[derive(Template)]
#[template(path = "catalog_diff.html")]
pub struct DiffPage {
    pub ctx: PageContext,
    pub new: VersionInfo,
    pub old: Option<VersionInfo>,
    pub options: Vec<VersionOption>,
    pub diff: DiffView,
}

impl DiffPage {
    fn item_href(&self, code: &str, version: &str) -> String {
        item_href(code, version)
    }
    fn seg(&self, s: &str) -> String {
        path_segment(s)
    }
}

#[derive(Deserialize, Default)]
pub struct DiffQuery {
    #[serde(default)]
    pub against: String,
}

async fn diff(
    State(app): State<App>,
    ctx: PageContext,
    Path(id): Path<String>,
    query: Result<Query<DiffQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let against = query.ok().map(|Query(q)| q.against).unwrap_or_default();
    let new = app
        .catalog_version(&id)
        .await?
        .ok_or_else(|| not_found_version(&id))?;
    let views = app.catalog_version_views().await?;
    let against = match against.trim() {
        "" => views
            .iter()
            .find(|v| v.row.id == id)
            .and_then(|v| v.previous.clone()),
        a => Some(a.to_string()),
    };
    let old = match &against {
        Some(a) => Some(
            app.catalog_version(a)
                .await?
                .ok_or_else(|| not_found_version(a))?,
        ),
        None => None,
    };
    let tree = tree(&app).await;
    let diff = match &old {
        Some(old) => diff_view(old, &new, CatalogDiff::between(old, &new), tree.as_deref()),
        None => diff_view(&new, &new, CatalogDiff::default(), tree.as_deref()),
    };
    let options = version_options(
        &views
            .into_iter()
            .filter(|v| v.row.id != id)
            .collect::<Vec<_>>(),
        against.as_deref().unwrap_or(""),
    );
    let page = DiffPage {
        ctx,
        new: new.version.clone(),
        old: old.map(|o| o.version.clone()),
        options,
        diff,
    };
    Ok(render(&page))
}

// ------------------------------------------------------------------------------------------------
// GET /catalog/export.xlsx

async fn export(
    State(app): State<App>,
    query: Result<Query<VersionQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let version = query.ok().map(|Query(q)| q.version).unwrap_or_default();
    let (catalog, _) = chosen(&app, &version).await?;
    let bytes = catalog_xlsx::export_xlsx(&catalog)?;
    let filename = format!("catalog-{}.xlsx", catalog.version.id);
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

// ------------------------------------------------------------------------------------------------
// Publishing (district approver)

/// The publish form as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PublishForm {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub document: String,
    #[serde(default)]
    pub effective_from: String,
    #[serde(default)]
    pub effective_to: String,
    #[serde(default)]
    pub notice: String,
    /// A workbook read earlier (as JSON), so a refused form need not be uploaded again.
    #[serde(default)]
    pub parsed: String,
}

#[derive(Template)]
#[template(path = "catalog_publish.html")]
pub struct PublishPage {
    pub ctx: PageContext,
    pub form: PublishForm,
    pub error: Option<String>,
    /// Items in the carried-over workbook, when there is one.
    pub parsed_items: Option<usize>,
    pub current: VersionInfo,
    /// Set on the preview step.
    pub preview: Option<Preview>,
}

pub struct Preview {
    pub version: VersionInfo,
    pub items: usize,
    pub laws: usize,
    pub diff: DiffView,
    pub json: String,
}

impl PublishPage {
    fn item_href(&self, code: &str, version: &str) -> String {
        item_href(code, version)
    }
}

async fn publish_page(
    app: &App,
    ctx: PageContext,
    form: PublishForm,
    error: Option<String>,
    preview: Option<Preview>,
) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    actor.require(Permission::ManageCatalog)?;
    let current = app.current_catalog().await?.version.clone();
    let parsed_items = serde_json::from_str::<Catalog>(&form.parsed)
        .ok()
        .map(|c| c.items.len());
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = PublishPage {
        ctx,
        form,
        error,
        parsed_items,
        current,
        preview,
    };
    Ok(with_status(render(&page), status))
}

async fn publish_form(State(app): State<App>, ctx: PageContext) -> Result<Response, PageError> {
    publish_page(&app, ctx, PublishForm::default(), None, None).await
}

/// Fills the version's details from the form where typed, else keeps the workbook's 「说明」.
fn apply_form(c: &mut Catalog, f: &PublishForm) {
    let v = &mut c.version;
    for (field, typed) in [
        (&mut v.id, &f.id),
        (&mut v.title, &f.title),
        (&mut v.document, &f.document),
        (&mut v.effective_from, &f.effective_from),
        (&mut v.effective_to, &f.effective_to),
        (&mut v.notice, &f.notice),
    ] {
        if !typed.trim().is_empty() {
            *field = typed.trim().to_string();
        }
    }
}

/// Shows the form again with what the workbook said, so the user sees every value used.
fn form_from(c: &Catalog) -> PublishForm {
    let v = &c.version;
    PublishForm {
        id: v.id.clone(),
        title: v.title.clone(),
        document: v.document.clone(),
        effective_from: v.effective_from.clone(),
        effective_to: v.effective_to.clone(),
        notice: v.notice.clone(),
        parsed: serde_json::to_string(c).unwrap_or_default(),
    }
}

fn multipart_error(e: &axum::extract::multipart::MultipartError) -> String {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        "文件过大，清单文件不能超过 5 MB。".into()
    } else {
        "上传的内容无法读取，请重新选择文件后再提交。".into()
    }
}

async fn publish_upload(
    State(app): State<App>,
    ctx: PageContext,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, PageError> {
    ctx.require_caller()?
        .actor
        .require(Permission::ManageCatalog)?;
    let mut form = PublishForm::default();
    let mut csrf = String::new();
    let mut file: Option<Vec<u8>> = None;
    let mut read_error: Option<String> = None;
    match multipart {
        Err(_) => {
            read_error = Some("提交的表单无法读取，请返回上一页刷新后重新选择文件。".into());
        }
        Ok(mut mp) => loop {
            match mp.next_field().await {
                Ok(Some(field)) => {
                    let name = field.name().unwrap_or_default().to_string();
                    if name == "file" {
                        let has_name = field.file_name().is_some_and(|n| !n.is_empty());
                        match field.bytes().await {
                            Ok(b) if has_name || !b.is_empty() => file = Some(b.to_vec()),
                            Ok(_) => {}
                            Err(e) => {
                                read_error = Some(multipart_error(&e));
                                break;
                            }
                        }
                        continue;
                    }
                    let text = match field.text().await {
                        Ok(t) => t,
                        Err(e) => {
                            read_error = Some(multipart_error(&e));
                            break;
                        }
                    };
                    match name.as_str() {
                        "csrf" => csrf = text,
                        "id" => form.id = text,
                        "title" => form.title = text,
                        "document" => form.document = text,
                        "effective_from" => form.effective_from = text,
                        "effective_to" => form.effective_to = text,
                        "notice" => form.notice = text,
                        "parsed" => form.parsed = text,
                        _ => {}
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    read_error = Some(multipart_error(&e));
                    break;
                }
            }
        },
    }
    // The CSRF token may be lost with a body that could not be read; then say what happened to
    // the file rather than complain about the form's age.
    if let Some(msg) = read_error
        && csrf.is_empty()
    {
        return publish_page(&app, ctx, form, Some(msg), None).await;
    }
    ctx.check_csrf(&csrf)?;
    let actor = ctx.require_caller()?.actor.clone();

    let had_file = file.is_some();
    let parsed = match file {
        Some(bytes) => catalog_xlsx::import_xlsx(&bytes),
        None if !form.parsed.is_empty() => {
            serde_json::from_str::<Catalog>(&form.parsed).map_err(|_| ServiceError::Rejected {
                code: "bad_upload",
                message: "之前读取的文件内容已失效，请重新选择文件上传。".into(),
            })
        }
        None => Err(ServiceError::Rejected {
            code: "missing_file",
            message: "请选择要上传的清单文件（.xlsx）。可先下载现行清单的 Excel 作为模板修改。"
                .into(),
        }),
    };
    let mut catalog = match parsed {
        Ok(c) => c,
        Err(e) => {
            // A new file that failed: forget any earlier one so the error matches what was sent.
            if had_file {
                form.parsed.clear();
            }
            return publish_page(&app, ctx, form, Some(e.message()), None).await;
        }
    };
    apply_form(&mut catalog, &form);
    match app.preview_catalog_version(&actor, &catalog).await {
        Ok((current, d)) => {
            let tree = tree(&app).await;
            let json = serde_json::to_string(&catalog)
                .map_err(|e| ServiceError::Internal(e.to_string()))?;
            let preview = Preview {
                version: catalog.version.clone(),
                items: catalog.items.len(),
                laws: catalog.laws.len(),
                diff: diff_view(&current, &catalog, d, tree.as_deref()),
                json,
            };
            publish_page(&app, ctx, form_from(&catalog), None, Some(preview)).await
        }
        Err(e @ (ServiceError::Rejected { .. } | ServiceError::Invalid(_))) => {
            let mut back = form.clone();
            back.parsed = form_from(&catalog).parsed;
            publish_page(&app, ctx, back, Some(e.message()), None).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
pub struct ConfirmForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub catalog: String,
}

async fn publish_confirm(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    PageForm(f): PageForm<ConfirmForm>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&f.csrf)?;
    let actor = ctx.require_caller()?.actor.clone();
    actor.require(Permission::ManageCatalog)?;
    let Ok(catalog) = serde_json::from_str::<Catalog>(&f.catalog) else {
        return publish_page(
            &app,
            ctx,
            PublishForm::default(),
            Some("确认的内容无法读取，请重新上传清单文件。".into()),
            None,
        )
        .await;
    };
    match app.publish_catalog_version(&actor, &meta, &catalog).await {
        Ok(_) => Ok(Redirect::to(&format!(
            "/catalog/versions{}",
            qs(&[("published", &catalog.version.id)])
        ))
        .into_response()),
        Err(e @ (ServiceError::Rejected { .. } | ServiceError::Invalid(_))) => {
            publish_page(&app, ctx, form_from(&catalog), Some(e.message()), None).await
        }
        Err(e) => Err(e.into()),
    }
}
