//! 志愿服务活动：社区发布（时间、地点、名额、所需，可注明指定的社会组织和来源），公开列表不含
//! 志愿者姓名和服务时间（条例第二十条）；组织者在活动页看到报名名单（脱敏）并记录服务时间和
//! 服务质量评价。

use super::{ActivityView, EvaluationView, StoredEvaluation, phase_of, refused};
use crate::service::text_field::{line, paragraph};
use crate::service::{Actor, App, RequestMeta, ServiceError};
use jianfu_domain::OrgKind;
use jianfu_domain::permission::Permission;
use jianfu_domain::volunteer::activity::{Phase, check_activity};
use jianfu_domain::volunteer::hours::{format_hours, late_warning, record_due};
use jianfu_store::ActivityRow;
use serde::Serialize;

/// What the organiser types.
#[derive(Debug, Clone, Default)]
pub struct ActivityInput {
    pub title: String,
    pub place: String,
    pub needs: String,
    /// Empty: the community itself.
    pub organiser: String,
    /// e.g. `deliberation:<decision id>`; may be empty.
    pub source: String,
    /// `2026-12-05 09:00` or `2026-12-05T09:00`, Beijing time.
    pub starts: String,
    pub ends: String,
    pub capacity: String,
}

/// One signed-up volunteer as the organiser sees them (masked name, hours).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = VolAttendee)]
pub struct AttendeeView {
    pub volunteer_id: String,
    /// 脱敏姓名。
    pub name: String,
    /// 电话后 4 位。
    pub phone: String,
    pub minor: bool,
    /// 已记录到场和服务时间。
    pub recorded: bool,
    pub attended: bool,
    /// 服务时间（小时），未记录为空。
    pub hours: String,
    /// 逾期记录（首次记录晚于记录期限：活动结束后的工作日数见数据文件 `record.deadline_working_days`，办法第十一条）。
    pub recorded_late: bool,
    /// 服务质量评价（办法第十条），未评价为空；只给志愿者本人和组织者看，不写进记录证明。
    pub evaluation: Option<EvaluationView>,
}

/// An activity's page for one reader.
#[derive(Debug, Clone)]
pub struct ActivityPage {
    pub activity: ActivityView,
    /// The reader is a confirmed volunteer of this community.
    pub may_sign_up: bool,
    /// The reader's own sign-up, if any: `(recorded, hours)`.
    pub mine: Option<(bool, String)>,
    /// Only for the organiser: who signed up, with hours.
    pub attendees: Option<Vec<AttendeeView>>,
    /// The last day to record (10 working days after the end), once ended; with a warning when past.
    pub record_due: Option<String>,
    pub record_warning: Option<String>,
    /// Why the reader cannot sign up (not registered, not confirmed), when logged in.
    pub sign_up_hint: Option<String>,
}

impl App {
    /// The community (or an organisation it names) posts an activity (条例 §12, §41).
    pub async fn post_activity(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        input: &ActivityInput,
    ) -> Result<ActivityView, ServiceError> {
        actor.require(Permission::ManageVolunteers)?;
        let community = self.volunteer_community(actor).await?;
        let title = line(&input.title, 100, "活动名称")?;
        if title.is_empty() {
            return Err(super::rejected("title_required", "请填写活动名称"));
        }
        let place = line(&input.place, 100, "地点")?;
        if place.is_empty() {
            return Err(super::rejected("place_required", "请填写活动地点"));
        }
        let needs = paragraph(&input.needs, 1000, "需要什么")?;
        let organiser = line(&input.organiser, 100, "组织者")?;
        let source = line(&input.source, 100, "来源")?;
        self.check_source(&community, &source).await?;
        let times = check_activity(&input.starts, &input.ends, &input.capacity, self.now_ms())
            .map_err(refused)?;
        let tree = self.org_tree().await?;
        let organiser = if organiser.is_empty() {
            jianfu_domain::OrgCode::parse(&community)
                .ok()
                .and_then(|c| tree.get(&c).cloned())
                .filter(|o| o.kind == OrgKind::Community)
                .map(|_| crate::service::certificates::full_name_in(&tree, &community))
                .unwrap_or_else(|| community.clone())
        } else {
            organiser
        };
        let row = ActivityRow {
            community_code: community.clone(),
            id: crate::service::short_id()?,
            title,
            place,
            needs,
            organiser,
            source,
            starts_at: times.starts_at,
            ends_at: times.ends_at,
            capacity: times.capacity,
            taken: 0,
            cancelled: false,
            created_by: actor.username.clone().unwrap_or_default(),
            created_at: self.now_ms(),
        };
        let mut audit = self.audit(
            actor,
            meta,
            "volunteer_activity.post",
            format!("volunteer_activity:{}/{}", row.community_code, row.id),
        );
        audit.detail =
            serde_json::json!({"capacity": row.capacity, "source": row.source}).to_string();
        self.store.insert_activity(&row, audit).await?;
        self.activity_view(&row).await
    }

    /// A community's activities, public: upcoming and under way (no names, no hours).
    pub async fn public_activities(
        &self,
        community: &str,
    ) -> Result<Vec<ActivityView>, ServiceError> {
        let tree = self.org_tree().await?;
        match jianfu_domain::OrgCode::parse(community)
            .ok()
            .and_then(|c| tree.get(&c).cloned())
        {
            Some(o) if o.kind == OrgKind::Community => {}
            _ => return Err(ServiceError::NotFound(format!("社区 {community}"))),
        }
        let mut out = Vec::new();
        for a in self
            .store
            .list_activities(community, self.now_ms(), 200)
            .await?
        {
            out.push(self.activity_view(&a).await?);
        }
        Ok(out)
    }

    /// The organiser's list: also the last 60 days' ended activities (to record hours).
    pub async fn organiser_activities(
        &self,
        actor: &Actor,
    ) -> Result<Vec<ActivityView>, ServiceError> {
        actor.require(Permission::ManageVolunteers)?;
        let community = self.volunteer_community(actor).await?;
        let since = self.now_ms() - 60 * 86_400_000;
        let mut out = Vec::new();
        for a in self.store.list_activities(&community, since, 300).await? {
            out.push(self.activity_view(&a).await?);
        }
        Ok(out)
    }

    /// One activity, public.
    pub async fn public_activity(
        &self,
        community: &str,
        id: &str,
    ) -> Result<ActivityView, ServiceError> {
        let a = self.stored_activity(community, id).await?;
        self.activity_view(&a).await
    }

    /// One activity for `actor`: the organiser sees who signed up and the hours; a volunteer sees
    /// their own sign-up; everyone else sees the public part.
    pub async fn activity_page(
        &self,
        actor: &Actor,
        community: &str,
        id: &str,
    ) -> Result<ActivityPage, ServiceError> {
        let a = self.stored_activity(community, id).await?;
        let activity = self.activity_view(&a).await?;
        let organiser = self.organises(actor, community).await;
        let mut page = ActivityPage {
            activity,
            may_sign_up: false,
            mine: None,
            attendees: None,
            record_due: None,
            record_warning: None,
            sign_up_hint: None,
        };
        let signups = if organiser || actor.user_id.is_some() {
            self.store.signups_of_activity(community, id).await?
        } else {
            Vec::new()
        };
        if actor.may(Permission::RegisterVolunteer) && actor.user_id.is_some() {
            match self.own_volunteer(actor).await {
                Ok(Some(v)) if v.community_code == community => {
                    if v.status == "confirmed" {
                        page.may_sign_up = true;
                    } else {
                        page.sign_up_hint =
                            Some("您的志愿者登记还在等待社区确认，确认后即可报名".into());
                    }
                    page.mine = signups.iter().find(|s| s.volunteer_id == v.id).map(|s| {
                        (
                            s.recorded_at.is_some(),
                            s.minutes.map(format_hours).unwrap_or_default(),
                        )
                    });
                }
                Ok(Some(_)) => {
                    page.sign_up_hint = Some("这是其他社区的活动，请参加本社区的志愿服务".into())
                }
                _ => {
                    page.sign_up_hint =
                        Some("报名前请先登记为志愿者（实名、本人同意），社区确认后即可报名".into())
                }
            }
        }
        if organiser {
            let mut list = Vec::new();
            let mut names = std::collections::HashMap::new();
            for s in &signups {
                let (name, phone, minor) =
                    match self.store.volunteer(community, &s.volunteer_id).await? {
                        Some(v) => (
                            v.name_masked,
                            jianfu_domain::masking::mask_phone_from_last4(&v.phone_last4),
                            v.minor,
                        ),
                        None => ("（已删除）".into(), String::new(), false),
                    };
                let evaluation = self
                    .evaluation_view(
                        StoredEvaluation {
                            level: s.evaluation.as_deref(),
                            remark: &s.evaluation_remark,
                            by: s.evaluated_by.as_deref(),
                            at: s.evaluated_at,
                            late: s.evaluated_late,
                        },
                        &mut names,
                    )
                    .await?;
                list.push(AttendeeView {
                    volunteer_id: s.volunteer_id.clone(),
                    name,
                    phone,
                    minor,
                    recorded: s.recorded_at.is_some(),
                    attended: s.attended,
                    hours: s.minutes.map(format_hours).unwrap_or_default(),
                    recorded_late: s.recorded_late,
                    evaluation,
                });
            }
            page.attendees = Some(list);
            if phase_of(&a, self.now_ms()) == Phase::Ended {
                let ended = jianfu_domain::volunteer::activity::end_date(a.ends_at);
                let due = record_due(ended, &self.calendars.calendar);
                page.record_due = Some(due.to_string());
                let late = (self.today() > due).then(|| late_warning(due));
                // A deadline running into a year without a loaded calendar counts weekends only.
                let calendar = self.deadline_warning(ended, due).map(|w| w.message);
                page.record_warning = match (late, calendar) {
                    (Some(l), Some(c)) => Some(format!("{l}；{c}")),
                    (l, c) => l.or(c),
                };
            }
        }
        Ok(page)
    }
}
