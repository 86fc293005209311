//! 准入事项: the request form with its dry run (「检查是否可以准入」) and submission, the list in
//! scope (for a community: 本社区准入事项), the case page with the viewer's actions, and the
//! funding ledger (经费台账, 费随事转). Everything works without JavaScript; a refused form comes
//! back with everything typed.

use super::list_query::{ListArgs, ListView};
use super::{PageContext, confirm, render, when};
use crate::App;
use crate::http::error::PageError;
use crate::service::assignments::{
    CaseActions, CaseOut, CaseSummary, FundingInput, FundingLedger, PeriodInput, RequestInput,
    case_path,
};
use crate::service::listing::ListKind;
use crate::service::{RequestMeta, ServiceError};
use askama::Template;
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use jianfu_domain::Org;
use jianfu_domain::gate::{BurdenKind, CheckInPurpose, Decision, ItemKind, RankingMeasure};
use jianfu_domain::permission::Permission;
use jianfu_domain::scope::Scope;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/assignments", get(list))
        .route("/assignments/new", get(new_form).post(new_post))
        .route("/assignments/{department}/{id}/copy", get(copy_form))
        // Old notices stored in databases link to `/assignments/{id}` (before case addresses
        // carried the department): that address stays, GET only, and redirects to the new one.
        .route("/assignments/{id}", get(old_address))
        .route("/assignments/{department}/{id}", get(detail))
        .route("/assignments/{department}/{id}/{action}", post(act))
        .route("/funding", get(funding))
}

/// Rows of burdens the form offers.
const BURDEN_ROWS: usize = 5;

fn pairs(body: &str) -> Vec<(String, String)> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(body).unwrap_or_default()
}

/// The last day of an approval deadline (stored as the next midnight, Beijing time).
fn deadline_day(ms: i64) -> String {
    when(&(ms - 1)).chars().take(10).collect()
}

fn fen(f: i64) -> String {
    jianfu_domain::assignment::format_fen(f)
}

// ---------------------------------------------------------------------------------------------
// The request form.

#[derive(Debug, Clone, Default)]
pub struct BurdenRow {
    pub kind: String,
    pub title: String,
    /// 文号 of the registered higher-level document it claims, as typed.
    pub mandate_document: String,
    pub veto: bool,
    pub measure: String,
    pub purpose: String,
}

/// The form as typed; shown again as is when refused.
#[derive(Debug, Clone, Default)]
pub struct RequestForm {
    pub item_code: String,
    pub title: String,
    pub legal_basis: String,
    pub community_role: String,
    pub all: bool,
    pub communities: Vec<String>,
    pub period_from: String,
    pub period_to: String,
    pub amount_yuan: String,
    pub channel: String,
    pub authority: String,
    pub description: String,
    pub basis_names_community: bool,
    pub burdens: Vec<BurdenRow>,
}

impl RequestForm {
    fn parse(body: &str) -> (Self, String, String) {
        let mut f = RequestForm::default();
        let (mut csrf, mut action) = (String::new(), String::new());
        let (mut kinds, mut titles, mut mandates, mut vetos, mut measures, mut purposes) = (
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
        );
        for (k, v) in pairs(body) {
            match k.as_str() {
                "csrf" => csrf = v,
                "action" => action = v,
                "item_code" => f.item_code = v,
                "title" => f.title = v,
                "legal_basis" => f.legal_basis = v,
                "community_role" => f.community_role = v,
                "all_communities" => f.all = v == "yes",
                "community" => f.communities.push(v),
                "period_from" => f.period_from = v,
                "period_to" => f.period_to = v,
                "amount_yuan" => f.amount_yuan = v,
                "channel" => f.channel = v,
                "authority" => f.authority = v,
                "description" => f.description = v,
                "basis_names_community" => f.basis_names_community = v == "yes",
                "burden_kind" => kinds.push(v),
                "burden_title" => titles.push(v),
                "burden_mandate_document" => mandates.push(v),
                "burden_veto" => vetos.push(v),
                "burden_measure" => measures.push(v),
                "burden_purpose" => purposes.push(v),
                _ => {}
            }
        }
        for (i, kind) in kinds.into_iter().enumerate().take(BURDEN_ROWS) {
            f.burdens.push(BurdenRow {
                kind,
                title: titles.get(i).cloned().unwrap_or_default(),
                mandate_document: mandates.get(i).cloned().unwrap_or_default(),
                veto: vetos.get(i).is_some_and(|v| v == "yes"),
                measure: measures.get(i).cloned().unwrap_or_default(),
                purpose: purposes.get(i).cloned().unwrap_or_default(),
            });
        }
        (f, csrf, action)
    }

    fn input(&self, department: &str) -> RequestInput {
        let amount = self.amount_yuan.trim();
        let funding =
            (!amount.is_empty() || !self.channel.trim().is_empty()).then(|| FundingInput {
                amount_yuan: serde_json::Value::String(if amount.is_empty() {
                    "0".into()
                } else {
                    amount.to_string()
                }),
                channel: self.channel.clone(),
            });
        RequestInput {
            department: department.to_string(),
            item_code: Some(self.item_code.clone()).filter(|c| !c.trim().is_empty()),
            title: self.title.clone(),
            legal_basis: self.legal_basis.lines().map(str::to_string).collect(),
            community_role: self.community_role.clone(),
            communities: if self.all {
                crate::service::assignments::CommunitiesInput::All("all".into())
            } else {
                crate::service::assignments::CommunitiesInput::List(self.communities.clone())
            },
            period: PeriodInput {
                from: self.period_from.clone(),
                to: self.period_to.clone(),
            },
            funding,
            burdens: self
                .burdens
                .iter()
                .filter(|b| !b.kind.trim().is_empty())
                .map(|b| crate::service::assignments::BurdenInput {
                    kind: b.kind.clone(),
                    title: b.title.clone(),
                    mandate_document: Some(b.mandate_document.clone())
                        .filter(|m| !m.trim().is_empty()),
                    mandate: None,
                    one_vote_veto: b.veto,
                    measure: Some(b.measure.clone()).filter(|m| !m.is_empty()),
                    purpose: Some(b.purpose.clone()).filter(|m| !m.is_empty()),
                })
                .collect(),
            authority: Some(self.authority.clone()),
            description: Some(self.description.clone()),
            basis_names_community: self.basis_names_community,
        }
    }

    /// A stored request back in the form's fields (to copy a refused or withdrawn one).
    fn from_input(i: &RequestInput) -> Self {
        use crate::service::assignments::CommunitiesInput;
        let (all, communities) = match &i.communities {
            CommunitiesInput::All(_) => (true, vec![]),
            CommunitiesInput::List(l) => (false, l.clone()),
        };
        let funding = i.funding.as_ref();
        RequestForm {
            item_code: i.item_code.clone().unwrap_or_default(),
            title: i.title.clone(),
            legal_basis: i.legal_basis.join("\n"),
            community_role: i.community_role.clone(),
            all,
            communities,
            period_from: i.period.from.clone(),
            period_to: i.period.to.clone(),
            amount_yuan: funding
                .and_then(|f| f.amount_yuan.as_str().map(str::to_string))
                .unwrap_or_default(),
            channel: funding.map(|f| f.channel.clone()).unwrap_or_default(),
            authority: i.authority.clone().unwrap_or_default(),
            description: i.description.clone().unwrap_or_default(),
            basis_names_community: i.basis_names_community,
            burdens: i
                .burdens
                .iter()
                .take(BURDEN_ROWS)
                .map(|b| BurdenRow {
                    kind: b.kind.clone(),
                    title: b.title.clone(),
                    mandate_document: b.mandate_document.clone().unwrap_or_default(),
                    veto: b.one_vote_veto,
                    measure: b.measure.clone().unwrap_or_default(),
                    purpose: b.purpose.clone().unwrap_or_default(),
                })
                .collect(),
        }
    }

    pub fn has_community(&self, code: &str) -> bool {
        self.communities.iter().any(|c| c == code)
    }

    /// Always five rows, filled with what was typed.
    pub fn burden_rows(&self) -> Vec<BurdenRow> {
        let mut rows = self.burdens.clone();
        rows.resize(BURDEN_ROWS, BurdenRow::default());
        rows
    }
}

pub struct ItemGroup {
    pub label: &'static str,
    pub items: Vec<(String, String)>,
}

pub struct CommunityGroup {
    pub street: Org,
    pub communities: Vec<Org>,
}

/// A reason as shown: which part, the message, the clause, the change asked for.
pub struct ReasonView {
    pub part: String,
    pub message: String,
    pub citation: String,
    pub change: String,
    pub tone: &'static str,
}

pub struct DecisionView {
    pub outcome: String,
    pub tone: &'static str,
    pub catalog_version: String,
    pub reasons: Vec<ReasonView>,
    pub required_changes: Vec<String>,
}

fn decision_view(d: &Decision, burden_titles: &[String]) -> DecisionView {
    use jianfu_domain::gate::{Effect, Outcome};
    DecisionView {
        outcome: d.outcome.label_zh().to_string(),
        tone: match d.outcome {
            Outcome::Admitted => "on",
            Outcome::NeedsApproval => "warn",
            Outcome::Refused => "off",
        },
        catalog_version: d.catalog_version.clone(),
        reasons: d
            .reasons
            .iter()
            .map(|r| ReasonView {
                part: match r.part {
                    None => "事项本身".into(),
                    Some(i) => match burden_titles.get(i) {
                        Some(t) => format!("附带要求 {}：{t}", i + 1),
                        None => format!("附带要求 {}", i + 1),
                    },
                },
                // Beside refusals or an approval requirement, "the item itself may be admitted"
                // is not a green light for the request (issue 10 §3).
                message: if r.effect == Effect::Admit && d.outcome != Outcome::Admitted {
                    format!(
                        "事项本身可以准入，但本申请的结论以其他理由为准。{}",
                        r.message
                    )
                } else {
                    r.message.clone()
                },
                citation: r.citation.clone(),
                change: r.change.clone().unwrap_or_default(),
                tone: match r.effect {
                    Effect::Refuse => "off",
                    Effect::NeedsApproval => "warn",
                    Effect::Admit if d.outcome == Outcome::Admitted => "on",
                    Effect::Admit | Effect::Advice => "info",
                },
            })
            .collect(),
        required_changes: d.required_changes.clone(),
    }
}

#[derive(Template)]
#[template(path = "assignment_new.html")]
pub struct NewPage {
    pub ctx: PageContext,
    pub form: RequestForm,
    pub department: String,
    pub item_groups: Vec<ItemGroup>,
    pub community_groups: Vec<CommunityGroup>,
    pub burden_kinds: Vec<(&'static str, &'static str)>,
    pub measures: Vec<(&'static str, &'static str)>,
    pub purposes: Vec<(&'static str, &'static str)>,
    /// Registered documents in force today, for the 文号 field's suggestions: (文号, title).
    pub mandates: Vec<(String, String)>,
    pub decision: Option<DecisionView>,
    pub error: Option<String>,
    pub catalog_version: String,
    /// The refused or withdrawn request this one was copied from: (title, its page).
    pub copied_from: Option<(String, String)>,
    /// 提交 was pressed while the check says 不予准入: ask before saving it as refused.
    pub confirm_refused: bool,
    /// Every problem in what was typed, (form field id, message), in the order of the fields.
    pub problems: Vec<(String, String)>,
}

impl NewPage {
    /// Whether a select option is the one typed.
    pub fn is(&self, typed: &str, option: &str) -> bool {
        typed == option
    }
    /// The problem in a field, if any.
    pub fn problem(&self, field: &str) -> Option<&str> {
        self.problems
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }
    /// The field id of the n-th requirement row's type.
    pub fn row_field(&self, n: &usize) -> String {
        format!("bk{n}")
    }
    /// The problem in the n-th requirement row, if any.
    pub fn row_problem(&self, n: &usize) -> Option<&str> {
        self.problem(&self.row_field(n))
    }
    /// The field with the first problem gets the focus.
    pub fn first_problem(&self, field: &str) -> bool {
        self.problems.first().is_some_and(|(f, _)| f == field)
    }
    /// `aria-invalid`, `aria-describedby` (its message, then its help text) and the focus for a
    /// field, written into the input tag.
    pub fn invalid(&self, field: &str, help: &str) -> String {
        match self.problem(field) {
            Some(_) => format!(
                " aria-invalid=\"true\" aria-describedby=\"{field}-error{}{help}\"{}",
                if help.is_empty() { "" } else { " " },
                if self.first_problem(field) {
                    " autofocus"
                } else {
                    ""
                }
            ),
            None if help.is_empty() => String::new(),
            None => format!(" aria-describedby=\"{help}\""),
        }
    }
}

/// Each problem the form's fields have, with the field's id on the form (the n-th requirement
/// sent is the n-th row with a type chosen).
async fn problems_of(
    app: &App,
    actor: &crate::service::Actor,
    form: &RequestForm,
    input: &RequestInput,
) -> Result<Vec<(String, String)>, PageError> {
    let rows: Vec<usize> = form
        .burdens
        .iter()
        .enumerate()
        .filter(|(_, b)| !b.kind.trim().is_empty())
        .map(|(i, _)| i + 1)
        .collect();
    Ok(app
        .request_problems(actor, input)
        .await?
        .into_iter()
        .map(|p| {
            let field = match p.field.strip_prefix("burden-") {
                Some(n) => {
                    let sent: usize = n.parse().unwrap_or(1);
                    format!("bk{}", rows.get(sent - 1).copied().unwrap_or(sent))
                }
                None => p.field,
            };
            (field, p.error.message())
        })
        .collect())
}

async fn new_page(
    app: &App,
    ctx: PageContext,
    form: RequestForm,
    decision: Option<DecisionView>,
    error: Option<String>,
) -> Result<NewPage, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    let cat = app.current_catalog().await?;
    let groups = app.addressable_communities(&actor).await?;
    let mandates = app.mandates_in_force(&app.today_beijing()).await?;
    let item_groups = [ItemKind::Duty, ItemKind::Assist]
        .into_iter()
        .map(|k| ItemGroup {
            label: k.label_zh(),
            items: cat
                .items_of(k)
                .map(|i| (i.code.clone(), i.name.clone()))
                .collect(),
        })
        .collect();
    Ok(NewPage {
        department: ctx.org_name.clone(),
        ctx,
        form,
        item_groups,
        community_groups: groups
            .into_iter()
            .map(|(street, communities)| CommunityGroup {
                street,
                communities,
            })
            .collect(),
        burden_kinds: BurdenKind::ALL
            .iter()
            .map(|k| (k.as_str(), k.label_zh()))
            .collect(),
        measures: RankingMeasure::ALL
            .iter()
            .map(|k| (k.as_str(), k.label_zh()))
            .collect(),
        purposes: CheckInPurpose::ALL
            .iter()
            .map(|k| (k.as_str(), k.label_zh()))
            .collect(),
        mandates: mandates
            .docs
            .iter()
            .map(|d| (d.number.clone(), d.title.clone()))
            .collect(),
        decision,
        error,
        catalog_version: cat.version.id.clone(),
        copied_from: None,
        confirm_refused: false,
        problems: Vec::new(),
    })
}

/// The form again, answered 422, with every problem beside its field; a refusal that is no
/// field's (none found) is shown as one message.
async fn refused_form(
    app: &App,
    ctx: PageContext,
    form: RequestForm,
    input: &RequestInput,
    e: ServiceError,
) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    let problems = problems_of(app, &actor, &form, input).await?;
    let error = problems.is_empty().then(|| e.message());
    let mut page = new_page(app, ctx, form, None, error).await?;
    page.problems = problems;
    let mut resp = render(&page);
    *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(resp)
}

/// A new request filled in from a refused or withdrawn one of the same department, with the
/// check run on it at once, so the department sees what to change.
async fn copy_form(
    State(app): State<App>,
    ctx: PageContext,
    Path((department, id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    let input = app.request_to_copy(&actor, &department, &id).await?;
    let form = RequestForm::from_input(&input);
    let titles: Vec<String> = input.burdens.iter().map(|b| b.title.clone()).collect();
    let (decision, error) = match app.evaluate_request(&actor, &input).await {
        Ok(d) => (Some(decision_view(&d, &titles)), None),
        Err(e @ (ServiceError::Rejected { .. } | ServiceError::Invalid(_))) => {
            (None, Some(e.message()))
        }
        Err(e) => return Err(PageError(e)),
    };
    let mut page = new_page(&app, ctx, form, decision, error).await?;
    page.copied_from = Some((input.title.clone(), case_path(&department, &id)));
    Ok(render(&page))
}

async fn new_form(State(app): State<App>, ctx: PageContext) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    actor.require(Permission::SubmitAssignments)?;
    let form = RequestForm {
        community_role: "assist".into(),
        ..Default::default()
    };
    Ok(render(&new_page(&app, ctx, form, None, None).await?))
}

async fn new_post(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    body: String,
) -> Result<Response, PageError> {
    let (form, csrf, action) = RequestForm::parse(&body);
    ctx.check_csrf(&csrf)?;
    let actor = ctx.require_caller()?.actor.clone();
    actor.require(Permission::SubmitAssignments)?;
    let department = actor
        .org
        .as_ref()
        .map(|o| o.to_string())
        .unwrap_or_default();
    let input = form.input(&department);
    let titles: Vec<String> = input
        .burdens
        .iter()
        .map(|b| b.title.trim().to_string())
        .collect();
    // 提交 on a request the check refuses asks first: submitted, it is kept as refused for good
    // (issue 10 §2). 仍然提交 (`submit_anyway`) submits as it is.
    if action == "submit" {
        match app.evaluate_request(&actor, &input).await {
            Ok(d) if d.outcome == jianfu_domain::gate::Outcome::Refused => {
                let view = decision_view(&d, &titles);
                let mut page = new_page(&app, ctx, form, Some(view), None).await?;
                page.confirm_refused = true;
                return Ok(render(&page));
            }
            Ok(_) => {}
            Err(e @ (ServiceError::Rejected { .. } | ServiceError::Invalid(_))) => {
                return refused_form(&app, ctx, form, &input, e).await;
            }
            Err(other) => return Err(PageError(other)),
        }
    }
    let result = if action == "submit" || action == "submit_anyway" {
        match app.submit_assignment(&actor, &meta, &input).await {
            Ok(r) => {
                return Ok(Redirect::to(&format!(
                    "{}?submitted=1",
                    case_path(&r.department, &r.id)
                ))
                .into_response());
            }
            Err(e) => Err(e),
        }
    } else {
        app.evaluate_request(&actor, &input).await
    };
    match result {
        Ok(d) => {
            let view = decision_view(&d, &titles);
            Ok(render(&new_page(&app, ctx, form, Some(view), None).await?))
        }
        Err(e @ (ServiceError::Rejected { .. } | ServiceError::Invalid(_))) => {
            refused_form(&app, ctx, form, &input, e).await
        }
        Err(other) => Err(PageError(other)),
    }
}

// ---------------------------------------------------------------------------------------------
// The list.

pub struct SummaryView {
    pub c: CaseSummary,
    pub period: String,
    pub funding: String,
    pub deadline: String,
    pub submitted: String,
    pub communities: String,
}

#[derive(Template)]
#[template(path = "assignments.html")]
pub struct ListPage {
    pub ctx: PageContext,
    pub community: bool,
    pub can_submit: bool,
    pub cases: Vec<SummaryView>,
    pub list: ListView,
}

async fn list(
    State(app): State<App>,
    ctx: PageContext,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    let community = matches!(actor.scope(), Scope::Community(_));
    let kind = ListKind::Assignments { community };
    let (listing, fell_back) = ListArgs::from_query(query.as_deref()).listing(kind);
    let page = app.list_assignments(&actor, &listing).await?;
    let list = ListView::new(
        "/assignments",
        kind,
        &listing,
        &page,
        vec![],
        fell_back,
        "没有符合条件的事项。",
    );
    let cases = page
        .items
        .into_iter()
        .map(|c| SummaryView {
            period: format!("{} 至 {}", c.period_from, c.period_to),
            funding: match (&c.funding_fen, &c.funding_channel) {
                (Some(f), Some(ch)) if *f > 0 => format!("每个社区 {} 元（{ch}）", fen(*f)),
                _ => "无经费".into(),
            },
            deadline: c.deadline_at.map(deadline_day).unwrap_or_default(),
            submitted: when(&c.submitted_at),
            communities: if c.all_communities {
                "全部社区".into()
            } else {
                format!("{} 个社区", c.communities)
            },
            c,
        })
        .collect();
    Ok(render(&ListPage {
        can_submit: actor.may(Permission::SubmitAssignments),
        ctx,
        community,
        cases,
        list,
    }))
}

// ---------------------------------------------------------------------------------------------
// One case.

pub struct EventView {
    pub at: String,
    pub who: String,
    pub action: String,
    pub status: String,
    pub comment: String,
}

#[derive(Template)]
#[template(path = "assignment_detail.html")]
pub struct DetailPage {
    pub ctx: PageContext,
    pub c: CaseOut,
    pub decision: DecisionView,
    pub events: Vec<EventView>,
    pub actions: CaseActions,
    pub deadline: String,
    pub submitted_at: String,
    pub funding_request: String,
    pub role_label: String,
    pub burdens: Vec<String>,
    pub notice: Option<String>,
    pub error: Option<String>,
    /// What was typed into the action that was refused: (action, comment).
    pub typed: (String, String),
    pub community_viewer: bool,
    /// The department may start a new request from this refused or withdrawn one.
    pub may_copy: bool,
}

impl DetailPage {
    pub fn tone(&self) -> &'static str {
        jianfu_domain::assignment::CaseState::parse(&self.c.status)
            .map(|s| s.tone())
            .unwrap_or("off")
    }
    pub fn typed_for(&self, action: &str) -> &str {
        if self.typed.0 == action {
            &self.typed.1
        } else {
            ""
        }
    }
}

async fn detail_page(
    app: &App,
    ctx: PageContext,
    department: &str,
    id: &str,
    notice: Option<String>,
    error: Option<String>,
    typed: (String, String),
) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    let c = app.assignment(&actor, department, id).await?;
    let actions = app.case_actions(&actor, &c).await;
    let titles: Vec<String> = c.burdens.iter().map(|b| b.title.clone()).collect();
    let status_label = |s: &str| {
        jianfu_domain::assignment::CaseState::parse(s)
            .map(|x| x.label_zh())
            .unwrap_or("")
            .to_string()
    };
    let mut decision = decision_view(&c.decision, &titles);
    // The gate's guidance is for the department, and only while the case can be reworked.
    let own =
        actor.is_console() || actor.org.as_ref().map(|o| o.as_str()) == Some(c.department.as_str());
    let rework =
        jianfu_domain::assignment::CaseState::parse(&c.status).is_some_and(|s| s.invites_rework());
    let may_copy = own && rework && actor.may(Permission::SubmitAssignments);
    if !(own && rework) {
        decision.required_changes.clear();
        for r in &mut decision.reasons {
            r.change.clear();
        }
    }
    let page = DetailPage {
        may_copy,
        decision,
        events: c
            .events
            .iter()
            .map(|e| EventView {
                at: when(&e.at),
                who: e.actor_name.clone(),
                action: e.action_label.clone(),
                status: status_label(&e.to_status),
                comment: e.comment.clone(),
            })
            .collect(),
        actions,
        deadline: c.deadline_at.map(deadline_day).unwrap_or_default(),
        submitted_at: when(&c.submitted_at),
        funding_request: match (&c.funding_fen, &c.funding_channel) {
            (Some(f), Some(ch)) if *f > 0 => format!("每个社区 {} 元，经费渠道：{ch}", fen(*f)),
            (Some(f), Some(ch)) => format!(
                "每个社区 {} 元，经费渠道：{}",
                fen(*f),
                if ch.is_empty() { "未写明" } else { ch }
            ),
            _ => "未安排经费".into(),
        },
        role_label: if c.community_role == "responsible" {
            "责任主体".into()
        } else {
            "协助".into()
        },
        burdens: c
            .burdens
            .iter()
            .map(|b| {
                format!(
                    "{}：{}{}{}",
                    b.kind.label_zh(),
                    b.title,
                    b.mandate_document
                        .as_deref()
                        .map(|n| format!("（依据文件 {n}）"))
                        .unwrap_or_default(),
                    if b.one_vote_veto {
                        "，设一票否决"
                    } else {
                        ""
                    }
                )
            })
            .collect(),
        community_viewer: matches!(actor.scope(), Scope::Community(_)),
        c,
        ctx,
        notice,
        error,
        typed,
    };
    let mut resp = render(&page);
    if page.error.is_some() {
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

#[derive(serde::Deserialize, Default)]
struct DetailQuery {
    #[serde(default)]
    submitted: Option<String>,
    #[serde(default)]
    done: Option<String>,
}

/// `/assignments/{id}`, the address before it carried the department: looked up by id alone
/// (every shard on a distributed engine) and redirected to `/assignments/{department}/{id}`.
/// Kept because notices already stored in databases hold such links. A case the viewer may not
/// see is the same 404 as on the new address.
async fn old_address(
    State(app): State<App>,
    ctx: PageContext,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    let department = app.assignment_department(&actor, &id).await?;
    Ok(Redirect::to(&case_path(&department, &id)).into_response())
}

async fn detail(
    State(app): State<App>,
    ctx: PageContext,
    Path((department, id)): Path<(String, String)>,
    query: axum::extract::RawQuery,
) -> Result<Response, PageError> {
    let q: DetailQuery = query
        .0
        .as_deref()
        .and_then(|s| serde_urlencoded::from_str(s).ok())
        .unwrap_or_default();
    let notice = if q.submitted.is_some() {
        Some("申请已提交，准入检查结果见下方。".to_string())
    } else if let Some(action) = q.done {
        let actor = ctx.require_caller()?.actor.clone();
        let c = app.assignment(&actor, &department, &id).await?;
        Some(super::assignment_actions::done_message(&action, &c))
    } else {
        None
    };
    detail_page(
        &app,
        ctx,
        &department,
        &id,
        notice,
        None,
        Default::default(),
    )
    .await
}

async fn act(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    Path((department, id, action)): Path<(String, String, String)>,
    body: String,
) -> Result<Response, PageError> {
    let mut csrf = String::new();
    let (mut comment, mut agree, mut add_to_list) = (String::new(), None, false);
    for (k, v) in pairs(&body) {
        match k.as_str() {
            "csrf" => csrf = v,
            "comment" | "reason" => comment = v,
            "agree" => agree = Some(v == "yes"),
            "add_to_next_catalog" => add_to_list = v == "yes",
            _ => {}
        }
    }
    ctx.check_csrf(&csrf)?;
    let actor = ctx.require_caller()?.actor.clone();
    let d = &department;
    if super::assignment_actions::is_irreversible(&action) {
        let fields = pairs(&body);
        match confirm::Step::of(&fields) {
            confirm::Step::Confirmed => {}
            confirm::Step::Back => {
                return detail_page(&app, ctx, d, &id, None, None, (action, comment)).await;
            }
            confirm::Step::Ask => {
                // Ask only about what would be done: a refusal (no reason, wrong state) is said now.
                if let Err(e) = app
                    .check_case_action(&actor, d, &id, &action, &comment, add_to_list)
                    .await
                {
                    return refused(&app, ctx, d, &id, e, (action, comment)).await;
                }
                let c = app.assignment(&actor, d, &id).await?;
                let q = super::assignment_actions::question(&action, &c, &comment);
                return Ok(render(&confirm::ConfirmPage::new(ctx, q, &fields)));
            }
        }
    }
    let result = match action.as_str() {
        "review" => {
            app.review_assignment(&actor, &meta, d, &id, agree.unwrap_or(true), &comment)
                .await
        }
        "approve" => app
            .approve_assignment(&actor, &meta, d, &id, &comment, add_to_list)
            .await
            .map(|_| ()),
        "refuse" => app.refuse_assignment(&actor, &meta, d, &id, &comment).await,
        "withdraw" => {
            app.withdraw_assignment(&actor, &meta, d, &id, &comment)
                .await
        }
        "revoke" => app.revoke_assignment(&actor, &meta, d, &id, &comment).await,
        _ => {
            return Err(PageError(ServiceError::NotFound("页面".into())));
        }
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("{}?done={action}", case_path(d, &id))).into_response()),
        Err(e) => refused(&app, ctx, d, &id, e, (action, comment)).await,
    }
}

/// A refused action: the case page again with the reason and what was typed; other errors
/// (not found, forbidden) are the error page.
async fn refused(
    app: &App,
    ctx: PageContext,
    department: &str,
    id: &str,
    e: ServiceError,
    typed: (String, String),
) -> Result<Response, PageError> {
    match e {
        ServiceError::Rejected { .. } | ServiceError::Invalid(_) => {
            detail_page(app, ctx, department, id, None, Some(e.message()), typed).await
        }
        e => Err(PageError(e)),
    }
}

// ---------------------------------------------------------------------------------------------
// The funding ledger.

#[derive(Template)]
#[template(path = "funding.html")]
pub struct FundingPage {
    pub ctx: PageContext,
    pub ledger: FundingLedger,
    pub community: bool,
}

impl FundingPage {
    /// The three groupings of the totals, each with its heading.
    pub fn groups(
        &self,
    ) -> Vec<(
        &'static str,
        &Vec<crate::service::assignments::FundingTotal>,
    )> {
        vec![
            ("按社区", &self.ledger.by_community),
            ("按部门", &self.ledger.by_department),
            ("按年度", &self.ledger.by_year),
        ]
    }
}

async fn funding(State(app): State<App>, ctx: PageContext) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    let ledger = app.funding_ledger(&actor).await?;
    Ok(render(&FundingPage {
        community: matches!(actor.scope(), Scope::Community(_)),
        ctx,
        ledger,
    }))
}
