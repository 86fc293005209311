//! One meeting, for its committee: notice, open, attendance, in-room tallies, minutes, closing
//! and signing (each with a confirm step), then carrying out and requests to departments.

use super::{Typed, home, unprocessable};
use crate::App;
use crate::http::error::PageError;
use crate::service::deliberation::{
    DecisionView, MeetingView, NoteView, NoticeExtras, RequestView, VoiceView,
};
use crate::service::{RequestMeta, ServiceError};
use crate::web::confirm::{self, ConfirmPage, Question};
use crate::web::{PageContext, PageForm, form_value, render};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use jianfu_domain::OrgKind;
use jianfu_domain::deliberation::ParticipantCategory;
use jianfu_domain::permission::Permission;

#[derive(Template)]
#[template(path = "deliberation_meeting.html")]
pub struct MeetingPage {
    pub ctx: PageContext,
    pub m: MeetingView,
    pub voices: Vec<VoiceView>,
    pub decisions: Vec<DecisionView>,
    pub notes: Vec<NoteView>,
    pub requests: Vec<RequestView>,
    pub departments: Vec<(String, String)>,
    pub can_sign: bool,
    pub error: Option<String>,
    pub typed: Typed,
}

impl MeetingPage {
    pub fn t(&self, form: &str, name: &str) -> String {
        self.typed.get(form, name)
    }
    pub fn categories(&self) -> Vec<(&'static str, &'static str)> {
        ParticipantCategory::ALL
            .iter()
            .map(|k| (k.as_str(), k.label_zh()))
            .collect()
    }
    pub fn notes_of(&self, action: &str) -> Vec<&NoteView> {
        self.notes
            .iter()
            .filter(|n| n.action_id == action)
            .collect()
    }
    pub fn requests_of(&self, topic: &str) -> Vec<&RequestView> {
        self.requests
            .iter()
            .filter(|r| r.topic_id == topic)
            .collect()
    }
}

pub(super) async fn meeting_page(
    app: &App,
    ctx: PageContext,
    id: &str,
    error: Option<String>,
    typed: Typed,
) -> Result<Response, PageError> {
    let community = home(app, &ctx)?;
    let actor = ctx.actor();
    if !actor.may(Permission::RunDeliberation) {
        return Err(ServiceError::Forbidden.into());
    }
    let m = app.delib_meeting(&community, id).await?;
    let voices = app.meeting_voices(&community, id).await?;
    let p = if m.is_draft() {
        None
    } else {
        Some(app.public_meeting(&community, id).await?)
    };
    let (decisions, notes) = p.map(|p| (p.decisions, p.notes)).unwrap_or_default();
    let requests = app.delib_requests(&actor).await?;
    let tree = app.org_tree().await?;
    let departments = tree
        .all()
        .iter()
        .filter(|o| {
            matches!(
                o.kind,
                OrgKind::Department | OrgKind::Street | OrgKind::Town
            )
        })
        .map(|o| (o.code.to_string(), o.name.clone()))
        .collect();
    let refused = error.is_some();
    let r = render(&MeetingPage {
        can_sign: actor.may(Permission::SignMinutes),
        ctx,
        m,
        voices,
        decisions,
        notes,
        requests,
        departments,
        error,
        typed,
    });
    Ok(if refused { unprocessable(r) } else { r })
}

pub(super) async fn page(
    State(app): State<App>,
    ctx: PageContext,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    meeting_page(&app, ctx, &id, None, Typed::none()).await
}

/// The meeting's ordinary steps, by `action`.
pub(super) async fn step(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    Path(id): Path<String>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&form_value(&fields, "csrf"))?;
    let community = home(&app, &ctx)?;
    let actor = ctx.actor();
    let f = |n: &str| form_value(&fields, n);
    let action = f("action");
    let back = format!("/deliberation/meetings/{id}");
    let r: Result<String, ServiceError> = match action.as_str() {
        "notice" => app
            .publish_meeting_notice_with(
                &actor,
                &meta,
                &community,
                &id,
                &NoticeExtras {
                    notice_reason: f("notice_reason"),
                    party_reviewed_on: f("party_reviewed_on"),
                },
            )
            .await
            .map(|_| back.clone()),
        "open" => app
            .open_meeting(&actor, &meta, &community, &id)
            .await
            .map(|_| back.clone()),
        "attendance" => app
            .record_attendance(&actor, &meta, &community, &id, &f("present"))
            .await
            .map(|_| back.clone()),
        "tally" => app
            .enter_tally(
                &actor,
                &meta,
                &community,
                &id,
                &f("topic"),
                (&f("for"), &f("against"), &f("abstain")),
            )
            .await
            .map(|_| back.clone()),
        "voice" => app
            .add_voice(
                &actor,
                &meta,
                &community,
                &id,
                &f("speaker"),
                &f("category"),
                &f("said"),
            )
            .await
            .map(|_| format!("{back}#minutes")),
        "action" => app
            .add_decision_action(
                &actor,
                &meta,
                &community,
                &f("topic"),
                &f("what"),
                &f("owner"),
                &f("due_on"),
            )
            .await
            .map(|_| format!("{back}#decisions")),
        "progress" => app
            .add_action_progress(
                &actor,
                &meta,
                &community,
                &f("action_id"),
                &f("note"),
                f("done") == "yes",
            )
            .await
            .map(|_| format!("{back}#decisions")),
        "request" => app
            .ask_department(
                &actor,
                &meta,
                &community,
                &f("topic"),
                &f("department"),
                &f("asked"),
            )
            .await
            .map(|_| format!("{back}#decisions")),
        _ => Err(ServiceError::Rejected {
            code: "unknown_action",
            message: "不认识的操作。".into(),
        }),
    };
    let form = match action.as_str() {
        "tally" | "action" | "request" => format!("{action}-{}", f("topic")),
        "progress" => format!("progress-{}", f("action_id")),
        _ => action.clone(),
    };
    match r {
        Ok(to) => Ok(Redirect::to(&to).into_response()),
        Err(ServiceError::Rejected { message, .. }) => {
            meeting_page(&app, ctx, &id, Some(message), Typed::of(&form, &fields)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Closing (deciding, or adjourning without a decision): asks first.
pub(super) async fn close(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    Path(id): Path<String>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&form_value(&fields, "csrf"))?;
    let community = home(&app, &ctx)?;
    let actor = ctx.actor();
    let adjourn = form_value(&fields, "adjourn") == "yes";
    match confirm::Step::of(&fields) {
        confirm::Step::Back => {
            return meeting_page(&app, ctx, &id, None, Typed::none()).await;
        }
        confirm::Step::Ask => {
            let m = match app
                .check_close_meeting(&actor, &community, &id, adjourn)
                .await
            {
                Ok(m) => m,
                Err(ServiceError::Rejected { message, .. }) => {
                    return meeting_page(
                        &app,
                        ctx,
                        &id,
                        Some(message),
                        Typed::of("close", &fields),
                    )
                    .await;
                }
                Err(e) => return Err(e.into()),
            };
            let consequences = if adjourn {
                vec![
                    "会议结束，不作任何决定（流会）。".to_string(),
                    "列入议程的议题回到“已采纳待上会”，可以列入下次会议。".to_string(),
                ]
            } else {
                vec![
                    format!(
                        "按出席 {} 人计算，逐项判定是否通过：{}。",
                        m.attendance(),
                        m.majority_rule
                    ),
                    "会议结束后不能再投票、不能再改票数，结果在公开页公布。".to_string(),
                ]
            };
            let q = Question {
                subject: m.title.clone(),
                title: if adjourn {
                    "确认宣布流会？".into()
                } else {
                    "确认结束会议并公布表决结果？".into()
                },
                consequences,
                typed: vec![],
                action: format!("/deliberation/meetings/{id}/close"),
                confirm_label: if adjourn {
                    "确认流会".into()
                } else {
                    "确认结束会议".into()
                },
                danger: adjourn,
            };
            return Ok(render(&ConfirmPage::new(ctx, q, &fields)));
        }
        confirm::Step::Confirmed => {}
    }
    match app
        .close_meeting(&actor, &meta, &community, &id, adjourn)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/deliberation/meetings/{id}")).into_response()),
        Err(ServiceError::Rejected { message, .. }) => {
            meeting_page(&app, ctx, &id, Some(message), Typed::of("close", &fields)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Cancelling a meeting not yet opened (e.g. dated too soon for its notice): asks first; the
/// agenda topics go back to “已采纳待上会”.
pub(super) async fn cancel(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    Path(id): Path<String>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&form_value(&fields, "csrf"))?;
    let community = home(&app, &ctx)?;
    let actor = ctx.actor();
    match confirm::Step::of(&fields) {
        confirm::Step::Back => return meeting_page(&app, ctx, &id, None, Typed::none()).await,
        confirm::Step::Ask => {
            let m = match app.check_cancel_meeting(&actor, &community, &id).await {
                Ok(m) => m,
                Err(ServiceError::Rejected { message, .. }) => {
                    return meeting_page(&app, ctx, &id, Some(message), Typed::none()).await;
                }
                Err(e) => return Err(e.into()),
            };
            let q = Question {
                subject: m.title.clone(),
                title: "确认取消这次会议？".into(),
                consequences: vec![
                    "会议取消后不能再开，已发布的通知旁标明“已取消”。".into(),
                    "列入议程的议题回到“已采纳待上会”，可以列入新的会议。".into(),
                ],
                typed: vec![],
                action: format!("/deliberation/meetings/{id}/cancel"),
                confirm_label: "确认取消会议".into(),
                danger: true,
            };
            return Ok(render(&ConfirmPage::new(ctx, q, &fields)));
        }
        confirm::Step::Confirmed => {}
    }
    match app.cancel_meeting(&actor, &meta, &community, &id).await {
        Ok(_) => Ok(Redirect::to(&format!("/deliberation/meetings/{id}")).into_response()),
        Err(ServiceError::Rejected { message, .. }) => {
            meeting_page(&app, ctx, &id, Some(message), Typed::none()).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The chair signs the minutes: asks first, they never change afterwards.
pub(super) async fn sign(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    Path(id): Path<String>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&form_value(&fields, "csrf"))?;
    let community = home(&app, &ctx)?;
    let actor = ctx.actor();
    match confirm::Step::of(&fields) {
        confirm::Step::Back => return meeting_page(&app, ctx, &id, None, Typed::none()).await,
        confirm::Step::Ask => {
            if let Err(e) = app.check_sign_minutes(&actor, &community, &id).await {
                return match e {
                    ServiceError::Rejected { message, .. } => {
                        meeting_page(&app, ctx, &id, Some(message), Typed::none()).await
                    }
                    e => Err(e.into()),
                };
            }
            let m = app.delib_meeting(&community, &id).await?;
            let q = Question {
                subject: m.title.clone(),
                title: "确认签署会议记录？".into(),
                consequences: vec![
                    format!("会议记录共 {} 条发言，签署后不能再修改或补记。", m.voices),
                    "签署后会议记录在公开页向居民公开。".into(),
                ],
                typed: vec![],
                action: format!("/deliberation/meetings/{id}/sign"),
                confirm_label: "确认签署".into(),
                danger: false,
            };
            return Ok(render(&ConfirmPage::new(ctx, q, &fields)));
        }
        confirm::Step::Confirmed => {}
    }
    match app.sign_minutes(&actor, &meta, &community, &id).await {
        Ok(()) => Ok(Redirect::to(&format!("/deliberation/meetings/{id}#minutes")).into_response()),
        Err(ServiceError::Rejected { message, .. }) => {
            meeting_page(&app, ctx, &id, Some(message), Typed::none()).await
        }
        Err(e) => Err(e.into()),
    }
}
