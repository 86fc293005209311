//! 到场、服务时间和服务质量评价：组织者在活动开始后逐人记录（办法第七条：实际付出的时间，以小时
//! 计），每人不超过活动时长（`hours_exceed_activity`），可同时评价（办法第十条：档次、说明、评价人、
//! 评价日期；只评价到场并记录了服务时间的人）；活动结束 10 个工作日后首次记录或首次评价的照常
//! 记录并标为逾期（办法第十一条）。没有定位签到、没有截图（三(三) 禁止的负担）。

use super::{phase_of, refused, rejected};
use crate::service::{Actor, App, RequestMeta, ServiceError};
use jianfu_domain::volunteer::activity::Phase;
use jianfu_domain::volunteer::activity::end_date;
use jianfu_domain::volunteer::evaluation::parse_evaluation;
use jianfu_domain::volunteer::hours::{
    check_hours, check_recordable, is_late, late_warning, parse_hours, record_due,
};
use jianfu_store::{EvaluationWrite, HoursWrite, SignupRow};
use serde::Serialize;

/// One attendee as the organiser enters them.
#[derive(Debug, Clone, Default)]
pub struct HoursEntry {
    pub volunteer_id: String,
    pub attended: bool,
    /// As typed: `2`, `2.5`; ignored (0) when not attended.
    pub hours: String,
    /// The evaluation as typed: level key (`good`; the label `良好` is read too) and remark
    /// (needs a level). `None`: leave the stored evaluation as it is (an API client that only
    /// records hours); `Some` with an empty level: not evaluated (a stored one is cleared).
    /// Not attending clears it either way.
    pub evaluation: Option<(String, String)>,
}

/// What recording did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = VolHoursRecorded)]
pub struct HoursRecorded {
    /// 这次写入的人数（到场、服务时间或评价有变化的）：与已记录的相同的不再写（记录人、记录时间、评价人、评价日期、是否逾期保持原样）。
    pub recorded: usize,
    /// 其中评价有变化的人数（新评、改评或清除）。
    pub evaluated: usize,
    /// 有人是首次记录或首次评价且已过记录期限（活动结束后的工作日数见数据文件 `record.deadline_working_days`，办法第十一条）：照常记录，标为逾期，并在此说明。
    pub late: bool,
    /// 逾期的说明；记录期限跨到没有载入工作日历的年份时，也在此提醒（期限只按周末计算）。
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
        let stored: std::collections::HashMap<String, SignupRow> = self
            .store
            .signups_of_activity(community, id)
            .await?
            .into_iter()
            .map(|s| (s.volunteer_id.clone(), s))
            .collect();
        let mut seen = std::collections::HashSet::new();
        let mut writes = Vec::new();
        // First records and first evaluations: either is late after the deadline.
        let mut firsts = 0usize;
        let mut evaluated = 0usize;
        for e in entries {
            let Some(before) = stored.get(&e.volunteer_id) else {
                return Err(rejected(
                    "not_signed_up",
                    "只能为报名了这项活动的志愿者记录服务时间",
                ));
            };
            if !seen.insert(e.volunteer_id.as_str()) {
                let name = self
                    .masked_volunteer_name(community, &e.volunteer_id)
                    .await?;
                return Err(rejected(
                    "duplicate_entry",
                    format!("志愿者 {name} 在这次提交里出现了两次，请每人只填一行"),
                ));
            }
            let minutes = if e.attended {
                parse_hours(&e.hours).map_err(refused)?
            } else {
                0
            };
            check_hours(minutes, a.starts_at, a.ends_at).map_err(refused)?;
            let attended = e.attended && minutes > 0;
            let typed = match &e.evaluation {
                Some(t) => Some(t.clone()),
                // Kept as stored, unless the volunteer is no longer counted as attending.
                None if attended => before
                    .evaluation
                    .clone()
                    .map(|level| (level, before.evaluation_remark.clone())),
                None => None,
            };
            let (level, remark) = typed.unwrap_or_default();
            // The stored evaluation, sent back as it is, is taken as it is: a level the data
            // file has since retired must not stop the hours being saved.
            let as_stored = attended
                && before.evaluation.as_deref() == Some(level.as_str())
                && before.evaluation_remark == remark;
            let evaluation = if as_stored {
                Some(jianfu_domain::volunteer::evaluation::Evaluation { level, remark })
            } else {
                match parse_evaluation(&level, &remark, if attended { minutes } else { 0 }) {
                    Ok(ev) => ev,
                    Err(err) => {
                        let name = self
                            .masked_volunteer_name(community, &e.volunteer_id)
                            .await?;
                        return Err(rejected(
                            err.code(),
                            format!("志愿者 {name}：{}", err.message()),
                        ));
                    }
                }
            };
            // What is stored already is not written again: who recorded it, when, and whether
            // that was late stay as they were (a form re-sent after the deadline changes nothing).
            let hours_unchanged = before.recorded_at.is_some()
                && before.attended == attended
                && before.minutes == Some(minutes);
            // The same for the evaluation: its evaluator and date are those of the last change.
            // Not attending (any more) clears a stored evaluation.
            let evaluation_unchanged = match &evaluation {
                None => before.evaluation.is_none(),
                Some(ev) => {
                    before.evaluation.as_deref() == Some(ev.level.as_str())
                        && before.evaluation_remark == ev.remark
                }
            };
            if hours_unchanged && evaluation_unchanged {
                continue;
            }
            if !hours_unchanged && before.recorded_at.is_none() {
                firsts += 1;
            }
            if !evaluation_unchanged {
                evaluated += 1;
                if evaluation.is_some() && before.evaluated_at.is_none() {
                    firsts += 1;
                }
            }
            writes.push(HoursWrite {
                volunteer_id: e.volunteer_id.clone(),
                record_hours: !hours_unchanged,
                attended,
                minutes,
                evaluation: (!evaluation_unchanged).then(|| match evaluation {
                    Some(ev) => EvaluationWrite {
                        level: Some(ev.level),
                        remark: ev.remark,
                    },
                    None => EvaluationWrite {
                        level: None,
                        remark: String::new(),
                    },
                }),
            });
        }
        let ended = end_date(a.ends_at);
        let due = record_due(ended, &self.calendars.calendar);
        let past_due = phase_of(&a, now) == Phase::Ended
            && is_late(ended, self.today(), &self.calendars.calendar);
        // Late is a first record or a first evaluation after the deadline; a correction of a record
        // made in time is not.
        let late = past_due && firsts > 0;
        let calendar = self.deadline_warning(ended, due).map(|w| w.message);
        let warning = match (late.then(|| late_warning(due)), calendar) {
            (Some(l), Some(c)) => Some(format!("{l}；{c}")),
            (l, c) => l.or(c),
        };
        if writes.is_empty() {
            return Ok(HoursRecorded {
                recorded: 0,
                evaluated: 0,
                late: false,
                warning,
            });
        }
        let mut audit = self.audit(
            actor,
            meta,
            "volunteer_activity.record_hours",
            format!("volunteer_activity:{community}/{id}"),
        );
        audit.detail = serde_json::json!({
            "recorded": writes.len(),
            "minutes": writes.iter().filter(|w| w.record_hours).map(|w| w.minutes).sum::<i64>(),
            "evaluated": evaluated,
            "late": late,
        })
        .to_string();
        let me = actor.username.clone().unwrap_or_default();
        let recorded = self
            .store
            .record_hours(community, id, &writes, &me, now, past_due, audit)
            .await?;
        Ok(HoursRecorded {
            recorded,
            evaluated,
            late,
            warning,
        })
    }
}

impl App {
    /// A volunteer's masked name for a message (their id when the row is gone).
    async fn masked_volunteer_name(
        &self,
        community: &str,
        id: &str,
    ) -> Result<String, ServiceError> {
        Ok(match self.store.volunteer(community, id).await? {
            Some(v) => v.name_masked,
            None => id.to_string(),
        })
    }
}
