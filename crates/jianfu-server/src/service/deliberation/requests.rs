//! Requests to departments: a decision the committee asks a department to act on (the reverse
//! direction of the gate). The department answers; the working days it took count in its
//! figures.

use super::{bad, new_id, refused};
use crate::service::text_field::paragraph;
use crate::service::{Actor, App, RequestMeta, ServiceError};
use jianfu_domain::OrgKind;
use jianfu_domain::deliberation::request::{self, RequestState};
use jianfu_domain::permission::Permission;
use jianfu_store::DelibRequestRow;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct RequestView {
    pub community: String,
    pub community_name: String,
    pub id: String,
    pub topic_id: String,
    pub topic_title: String,
    pub department: String,
    pub department_name: String,
    pub asked: String,
    pub asked_on: String,
    pub asked_by: String,
    pub state: RequestState,
    pub answer: Option<String>,
    pub answered_on: Option<String>,
    pub answered_by: Option<String>,
    pub answer_days: Option<i64>,
}

impl RequestView {
    pub fn state_label(&self) -> &'static str {
        self.state.label_zh()
    }
    pub fn pending(&self) -> bool {
        self.state == RequestState::Pending
    }
}

/// A department's answer figures (its indicator): requests received, answered, the average
/// working days to answer, pending, and the oldest pending request's working days so far. Pending
/// requests count with their elapsed days in `overall_days_tenths`, so a department cannot look
/// good by never answering.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DepartmentFigures {
    pub department: String,
    pub department_name: String,
    pub received: i64,
    pub answered: i64,
    pub pending: i64,
    /// Sum of the answered requests' working days.
    pub answered_days: i64,
    /// Sum of the pending requests' working days so far.
    pub pending_days: i64,
    /// Average working days to answer, in tenths (None when nothing answered).
    pub average_days_tenths: Option<i64>,
    /// Average over every request received, pending ones with their working days so far, in
    /// tenths (None when nothing received).
    pub overall_days_tenths: Option<i64>,
    /// The day the oldest pending request was asked, and its working days so far.
    pub oldest_pending_on: Option<String>,
    pub oldest_pending_days: Option<i64>,
}

/// `zero` is what no working day at all reads as ("0.0 个工作日" looks like a missing figure).
fn tenths_label(t: Option<i64>, zero: &str) -> String {
    match t {
        Some(0) => zero.into(),
        Some(t) => format!("{}.{} 个工作日", t / 10, t % 10),
        None => "—".into(),
    }
}

impl DepartmentFigures {
    pub fn average_label(&self) -> String {
        tenths_label(self.average_days_tenths, "当天答复")
    }
    pub fn overall_label(&self) -> String {
        tenths_label(self.overall_days_tenths, "0 个工作日")
    }
    pub fn oldest_label(&self) -> String {
        match (&self.oldest_pending_on, self.oldest_pending_days) {
            (Some(on), Some(d)) => format!("{d} 个工作日（{on} 提出）"),
            _ => "—".into(),
        }
    }
    /// The overall average rounded to whole working days, for the chart.
    pub fn overall_days_rounded(&self) -> i64 {
        self.overall_days_tenths.map_or(0, |t| (t + 5) / 10)
    }
}

fn request_view_of(
    tree: &jianfu_domain::org::OrgTree,
    r: DelibRequestRow,
    topic_title: String,
) -> RequestView {
    RequestView {
        community_name: tree.name_or_code(&r.community),
        department_name: tree.name_or_code(&r.department),
        state: if r.answered_at.is_some() {
            RequestState::Answered
        } else {
            RequestState::Pending
        },
        community: r.community,
        id: r.id,
        topic_id: r.topic_id,
        topic_title,
        department: r.department,
        asked: r.asked,
        asked_on: r.asked_on,
        asked_by: r.asked_by,
        answer: r.answer,
        answered_on: r.answered_on,
        answered_by: r.answered_by,
        answer_days: r.answer_days,
    }
}

impl App {
    async fn request_view(&self, r: DelibRequestRow) -> Result<RequestView, ServiceError> {
        Ok(self.request_views(vec![r]).await?.remove(0))
    }

    /// The views of `rows`, their topics' titles read in one query (not one per request).
    async fn request_views(
        &self,
        rows: Vec<DelibRequestRow>,
    ) -> Result<Vec<RequestView>, ServiceError> {
        let tree = self.org_tree().await?;
        let mut keys: Vec<(String, String)> = rows
            .iter()
            .map(|r| (r.community.clone(), r.topic_id.clone()))
            .collect();
        keys.sort();
        keys.dedup();
        let titles: std::collections::HashMap<(String, String), String> = self
            .store
            .topic_titles(&keys)
            .await?
            .into_iter()
            .map(|(c, t, title)| ((c, t), title))
            .collect();
        Ok(rows
            .into_iter()
            .map(|r| {
                let topic_title = titles
                    .get(&(r.community.clone(), r.topic_id.clone()))
                    .cloned()
                    .unwrap_or_default();
                request_view_of(&tree, r, topic_title)
            })
            .collect())
    }

    /// The committee asks a department (or street) to act on a decision.
    pub async fn ask_department(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        community: &str,
        topic_id: &str,
        department: &str,
        asked: &str,
    ) -> Result<RequestView, ServiceError> {
        let (community, _) = self.delib_community(community).await?;
        self.own_community(actor, Permission::RunDeliberation, &community)?;
        self.delib_topic(&community, topic_id).await.and_then(|t| {
            if t.state == jianfu_domain::deliberation::TopicState::Decided {
                Ok(t)
            } else {
                Err(bad(
                    "not_decided",
                    "只有会议表决通过的决定才能转请部门办理。",
                ))
            }
        })?;
        let tree = self.org_tree().await?;
        let dept = jianfu_domain::OrgCode::parse(department)
            .ok()
            .and_then(|c| tree.get(&c).cloned())
            .filter(|o| {
                matches!(
                    o.kind,
                    OrgKind::Department | OrgKind::Street | OrgKind::Town
                )
            })
            .ok_or_else(|| bad("unknown_department", "请选择要请求办理的部门或街道。"))?;
        let asked = paragraph(asked, 2000, "请求事项")?;
        if asked.is_empty() {
            return Err(bad("asked_missing", "请写明请部门办理什么。"));
        }
        let row = DelibRequestRow {
            community: community.clone(),
            id: new_id(),
            topic_id: topic_id.to_string(),
            department: dept.code.to_string(),
            asked,
            asked_on: self.today().to_string(),
            asked_by: actor.display_name.clone(),
            asked_at: self.now_ms(),
            answer: None,
            answered_on: None,
            answered_by: None,
            answered_at: None,
            answer_days: None,
        };
        let audit = self.audit(
            actor,
            meta,
            "deliberation.request_ask",
            format!("delib_request:{community}/{}", row.id),
        );
        self.store.insert_request(&row, audit).await?;
        self.request_view(row).await
    }

    /// The requests an actor sees: a department's own (addressed to it), or a committee's.
    pub async fn delib_requests(&self, actor: &Actor) -> Result<Vec<RequestView>, ServiceError> {
        let org = actor
            .org
            .as_ref()
            .ok_or(ServiceError::Forbidden)?
            .to_string();
        let rows = if actor.may(Permission::AnswerDeliberationRequests) {
            self.store.requests_to(&org).await?
        } else if actor.may(Permission::RunDeliberation) {
            self.store.requests_of(&org).await?
        } else {
            return Err(ServiceError::Forbidden);
        };
        self.request_views(rows).await
    }

    /// The departments' answer figures (the indicator of the reverse direction of the gate):
    /// district-wide for supervisors (督查、区社会办), a department's or street's own row for it;
    /// anyone else is refused. One grouped query; pending requests count with their working
    /// days so far. Slowest first.
    pub async fn department_figures(
        &self,
        actor: &Actor,
    ) -> Result<Vec<DepartmentFigures>, ServiceError> {
        let only = if actor.may(Permission::ViewDeliberationFigures) {
            None
        } else if actor.may(Permission::AnswerDeliberationRequests) {
            Some(
                actor
                    .org
                    .as_ref()
                    .ok_or(ServiceError::Forbidden)?
                    .to_string(),
            )
        } else {
            return Err(ServiceError::Forbidden);
        };
        let rows = self.store.request_tallies(only.as_deref()).await?;
        let tree = self.org_tree().await?;
        let today = self.today();
        let mut out: Vec<DepartmentFigures> = Vec::new();
        for r in rows {
            if out.last().is_none_or(|f| f.department != r.department) {
                out.push(DepartmentFigures {
                    department_name: tree.name_or_code(&r.department),
                    department: r.department.clone(),
                    ..DepartmentFigures::default()
                });
            }
            let Some(f) = out.last_mut() else { continue };
            f.received += r.requests;
            match r.pending_on {
                None => {
                    f.answered += r.requests;
                    f.answered_days += r.answer_days;
                }
                Some(on) => {
                    let asked = jianfu_domain::inventory::status::parse_day(&on).unwrap_or(today);
                    let days = request::answer_days(asked, today, &self.calendars.calendar);
                    f.pending += r.requests;
                    f.pending_days += days * r.requests;
                    if f.oldest_pending_on.as_ref().is_none_or(|o| on < *o) {
                        f.oldest_pending_days = Some(days);
                        f.oldest_pending_on = Some(on);
                    }
                }
            }
        }
        for f in &mut out {
            f.average_days_tenths = (f.answered > 0).then(|| f.answered_days * 10 / f.answered);
            f.overall_days_tenths =
                (f.received > 0).then(|| (f.answered_days + f.pending_days) * 10 / f.received);
        }
        out.sort_by(|a, b| {
            b.overall_days_tenths
                .cmp(&a.overall_days_tenths)
                .then_with(|| b.oldest_pending_days.cmp(&a.oldest_pending_days))
                .then_with(|| a.department.cmp(&b.department))
        });
        Ok(out)
    }

    /// The department answers a request addressed to it; others' requests are not found.
    pub async fn answer_delib_request(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        community: &str,
        id: &str,
        answer: &str,
    ) -> Result<RequestView, ServiceError> {
        actor.require(Permission::AnswerDeliberationRequests)?;
        let org = actor
            .org
            .as_ref()
            .ok_or(ServiceError::Forbidden)?
            .to_string();
        let r = self
            .store
            .delib_request(community, id)
            .await?
            .filter(|r| r.department == org)
            .ok_or_else(|| ServiceError::NotFound("没有这条请求".into()))?;
        let state = if r.answered_at.is_some() {
            RequestState::Answered
        } else {
            RequestState::Pending
        };
        let answer = paragraph(answer, 2000, "答复")?;
        request::check_answer(state, &answer).map_err(refused)?;
        let today = self.today();
        let asked_on = jianfu_domain::inventory::status::parse_day(&r.asked_on).unwrap_or(today);
        let days = request::answer_days(asked_on, today, &self.calendars.calendar);
        let mut audit = self.audit(
            actor,
            meta,
            "deliberation.request_answer",
            format!("delib_request:{}/{id}", r.community),
        );
        audit.detail = serde_json::json!({ "working_days": days }).to_string();
        if !self
            .store
            .answer_request(
                &r.community,
                id,
                &answer,
                &today.to_string(),
                days,
                &actor.display_name,
                self.now_ms(),
                audit,
            )
            .await?
        {
            return Err(bad("already_answered", "该请求已经答复过了。"));
        }
        let r = self
            .store
            .delib_request(&r.community, id)
            .await?
            .ok_or_else(|| ServiceError::NotFound("没有这条请求".into()))?;
        self.request_view(r).await
    }
}
