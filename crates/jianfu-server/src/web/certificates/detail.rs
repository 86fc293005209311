//! One application: its page, the actions on it (verify, approve, refuse, issue, withdraw,
//! reveal-id; the irreversible ones ask first), and its material files.

use super::timeline::{Step, names_in, timeline};
use super::{date_of, fresh_key, size_label, status_class, with_status};
use crate::App;
use crate::http::download::{Disposition, file_response};
use crate::http::error::PageError;
use crate::service::certificates::{ApplicationDetail, FactField};
use crate::service::{RequestMeta, ServiceError};
use crate::web::{PageContext, PageForm, certificate_actions, confirm, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use jianfu_domain::permission::Permission;
use jianfu_domain::violation::EvidenceKind;
use jianfu_store::MaterialMeta;
use serde::Deserialize;
use std::collections::BTreeMap;

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

pub(super) async fn detail(
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
pub(super) async fn act(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    Path((community, id, action)): Path<(String, String, String)>,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let field = |name: &str| crate::web::form_value(&pairs, name);
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
        Ok(_) => Ok(
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
pub(super) async fn material(
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
