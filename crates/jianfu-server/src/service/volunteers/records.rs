//! 本人的志愿服务记录：登记、每次活动的到场、服务时间和服务质量评价（办法第十条）、合计、已出具的
//! 证明。服务时间和评价只给本人和组织者看，没有按时长的公开排名（条例第二十条），评价也不写进证明。

use super::{
    EvaluationView, StoredEvaluation, VolunteerCertificateView, VolunteerView, short_time,
};
use crate::service::{Actor, App, ServiceError};
use jianfu_domain::permission::Permission;
use jianfu_domain::volunteer::hours::format_hours;
use serde::Serialize;

/// One activity on the volunteer's record.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = VolRecordLine)]
pub struct RecordLine {
    pub community: String,
    pub activity_id: String,
    pub title: String,
    pub place: String,
    pub organiser: String,
    pub starts_text: String,
    /// `signed_up`（已报名）| `attended`（已到场并记录）| `absent`（未到场）| `cancelled`（活动已取消）。
    pub state: String,
    pub state_label: String,
    /// 服务时间（小时），未记录为空。
    pub hours: String,
    pub recorded_late: bool,
    /// 组织者的服务质量评价（办法第十条：档次、说明、评价人、评价日期），未评价为空。
    pub evaluation: Option<EvaluationView>,
}

/// The volunteer's own page.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = VolMyRecord)]
pub struct MyVolunteering {
    pub volunteer: VolunteerView,
    pub records: Vec<RecordLine>,
    /// 已记录的服务时间合计（小时）。
    pub total_hours: String,
    pub certificates: Vec<VolunteerCertificateView>,
}

impl App {
    /// The actor's own registration and record; `None` when not registered.
    pub async fn my_volunteering(
        &self,
        actor: &Actor,
    ) -> Result<Option<MyVolunteering>, ServiceError> {
        actor.require(Permission::RegisterVolunteer)?;
        let Some(v) = self.own_volunteer(actor).await? else {
            return Ok(None);
        };
        let rows = self.store.service_record(&v.community_code, &v.id).await?;
        let total: i64 = rows.iter().filter_map(|r| r.minutes).sum();
        let mut names = std::collections::HashMap::new();
        let mut records = Vec::with_capacity(rows.len());
        for r in rows {
            let (state, label) = if r.cancelled {
                ("cancelled", "活动已取消")
            } else if r.recorded_at.is_some() && r.attended {
                ("attended", "已到场")
            } else if r.recorded_at.is_some() {
                ("absent", "未到场")
            } else {
                ("signed_up", "已报名")
            };
            let evaluation = self
                .evaluation_view(
                    StoredEvaluation {
                        level: r.evaluation.as_deref(),
                        remark: &r.evaluation_remark,
                        by: r.evaluated_by.as_deref(),
                        at: r.evaluated_at,
                        late: r.evaluated_late,
                    },
                    &mut names,
                )
                .await?;
            records.push(RecordLine {
                community: v.community_code.clone(),
                activity_id: r.activity_id,
                title: r.title,
                place: r.place,
                organiser: r.organiser,
                starts_text: short_time(r.starts_at),
                state: state.into(),
                state_label: label.into(),
                hours: r.minutes.map(format_hours).unwrap_or_default(),
                recorded_late: r.recorded_late,
                evaluation,
            });
        }
        let certificates = self
            .store
            .volunteer_certificates_of(&v.community_code, &v.id)
            .await?
            .iter()
            .map(VolunteerCertificateView::from)
            .collect();
        Ok(Some(MyVolunteering {
            volunteer: self.volunteer_view(&v, true).await?,
            records,
            total_hours: format_hours(total),
            certificates,
        }))
    }
}
