//! 到场和服务时间：组织者在活动开始后逐人记录（办法第七条：实际付出的时间，以小时计），每人
//! 不超过活动时长（`hours_exceed_activity`）；活动结束 10 个工作日后记录的照常记录并标为逾期
//! （办法第十一条）。没有定位签到、没有截图（三(三) 禁止的负担）。

use super::{phase_of, refused, rejected};
use crate::service::{Actor, App, RequestMeta, ServiceError};
use jianfu_domain::volunteer::activity::Phase;
use jianfu_domain::volunteer::activity::end_date;
use jianfu_domain::volunteer::hours::{
    check_hours, check_recordable, is_late, late_warning, parse_hours, record_due,
};
use jianfu_store::HoursWrite;
use serde::Serialize;

/// One attendee as the organiser enters them.
#[derive(Debug, Clone, Default)]
pub struct HoursEntry {
    pub volunteer_id: String,
    pub attended: bool,
    /// As typed: `2`, `2.5`; ignored (0) when not attended.
    pub hours: String,
}

/// What recording did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = VolHoursRecorded)]
pub struct HoursRecorded {
    /// 记录的人数。
    pub recorded: usize,
    /// 逾期记录（活动结束 10 个工作日之后，办法第十一条）：照常记录，并在此说明。
    pub late: bool,
    pub warning: Option<String>,
}

impl App {
    /// Records who came and for how long; all entries are checked before anything is written.
    pub async fn record_hours(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        community: &str,
        id: &str,
        entries: &[HoursEntry],
    ) -> Result<HoursRecorded, ServiceError> {
        self.require_organiser(actor, community).await?;
        let a = self.stored_activity(community, id).await?;
        let now = self.now_ms();
        if phase_of(&a, now) == Phase::Cancelled {
            return Err(rejected(
                "activity_cancelled",
                "这项活动已取消，不能记录服务时间",
            ));
        }
        check_recordable(a.starts_at, now).map_err(refused)?;
        if entries.is_empty() {
            return Err(rejected("no_entries", "请至少填写一位报名者的到场情况"));
        }
        let signed: std::collections::HashSet<String> = self
            .store
            .signups_of_activity(community, id)
            .await?
            .into_iter()
            .map(|s| s.volunteer_id)
            .collect();
        let mut writes = Vec::new();
        for e in entries {
            if !signed.contains(&e.volunteer_id) {
                return Err(rejected(
                    "not_signed_up",
                    "只能为报名了这项活动的志愿者记录服务时间",
                ));
            }
            let minutes = if e.attended {
                parse_hours(&e.hours).map_err(refused)?
            } else {
                0
            };
            check_hours(minutes, a.starts_at, a.ends_at).map_err(refused)?;
            writes.push(HoursWrite {
                volunteer_id: e.volunteer_id.clone(),
                attended: e.attended && minutes > 0,
                minutes,
            });
        }
        let ended = end_date(a.ends_at);
        let late = phase_of(&a, now) == Phase::Ended
            && is_late(ended, self.today(), &self.calendars.calendar);
        let mut audit = self.audit(
            actor,
            meta,
            "volunteer_activity.record_hours",
            format!("volunteer_activity:{community}/{id}"),
        );
        audit.detail = serde_json::json!({
            "recorded": writes.len(),
            "minutes": writes.iter().map(|w| w.minutes).sum::<i64>(),
            "late": late,
        })
        .to_string();
        let me = actor.username.clone().unwrap_or_default();
        let recorded = self
            .store
            .record_hours(community, id, &writes, &me, now, late, audit)
            .await?;
        Ok(HoursRecorded {
            recorded,
            late,
            warning: late.then(|| late_warning(record_due(ended, &self.calendars.calendar))),
        })
    }
}
