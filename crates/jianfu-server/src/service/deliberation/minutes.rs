//! Minutes: every voice is an electronic ledger entry; the chair signs them off after the
//! meeting closes, and signed minutes never change (三(二) 电子台账).

use super::{bad, refused};
use crate::service::text_field::{line, paragraph};
use crate::service::{Actor, App, Op, RequestMeta, ServiceError};
use jianfu_domain::clock::format_beijing;
use jianfu_domain::deliberation::ParticipantCategory;
use jianfu_domain::deliberation::minutes;
use jianfu_domain::permission::Permission;
use jianfu_domain::shared_data::ledger::check_record;
use jianfu_store::{LedgerRecordRow, VoiceRow};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct VoiceView {
    pub seq: i64,
    pub speaker: String,
    pub category: String,
    pub said: String,
    pub recorded_by: String,
    pub recorded_at: String,
}

pub(crate) fn voice_view(v: VoiceRow) -> VoiceView {
    VoiceView {
        seq: v.seq,
        category: ParticipantCategory::parse(&v.category)
            .map(|c| c.label_zh().to_string())
            .unwrap_or(v.category),
        speaker: v.speaker,
        said: v.said,
        recorded_by: v.recorded_by,
        recorded_at: format_beijing(v.recorded_at),
    }
}

/// A voice as the public sees it in signed minutes (居务公开 publishes what was said and for
/// which side; a resident's name is personal data, 个人信息保护法 第五十一条): residents' and
/// residents' representatives' names are masked (王**) and keep their role; organisations
/// (物业、业委会、驻区单位、职能部门) speak under their own name. Who recorded it is not shown.
pub(crate) fn public_voice(v: VoiceRow) -> VoiceView {
    let private = matches!(
        ParticipantCategory::parse(&v.category),
        Some(ParticipantCategory::Residents | ParticipantCategory::Representatives)
    );
    let speaker = if private {
        jianfu_domain::masking::mask_name_initial(v.speaker.trim())
    } else {
        v.speaker.clone()
    };
    VoiceView {
        speaker,
        recorded_by: String::new(),
        ..voice_view(v)
    }
}

impl App {
    /// Signed minutes as the public sees them (`public_voice`).
    pub async fn public_voices(
        &self,
        community: &str,
        id: &str,
    ) -> Result<Vec<VoiceView>, ServiceError> {
        Ok(self
            .store
            .voices(community, id)
            .await?
            .into_iter()
            .map(public_voice)
            .collect())
    }

    pub async fn meeting_voices(
        &self,
        community: &str,
        id: &str,
    ) -> Result<Vec<VoiceView>, ServiceError> {
        Ok(self
            .store
            .voices(community, id)
            .await?
            .into_iter()
            .map(voice_view)
            .collect())
    }

    /// Records one voice (who spoke, for which side, what they said).
    #[allow(clippy::too_many_arguments)]
    pub async fn add_voice(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        community: &str,
        id: &str,
        speaker: &str,
        category: &str,
        said: &str,
    ) -> Result<i64, ServiceError> {
        let (community, _) = self.delib_community(community).await?;
        self.own_community(actor, Permission::RunDeliberation, &community)?;
        let m = self.delib_meeting(&community, id).await?;
        minutes::check_entry(m.signed(), m.state).map_err(refused)?;
        let speaker = line(speaker, 60, "发言人")?;
        if speaker.is_empty() {
            return Err(bad("speaker_missing", "请写明发言人（姓名或单位）。"));
        }
        let category = ParticipantCategory::parse(category)
            .ok_or_else(|| bad("unknown_participant", "请选择发言人代表哪一方。"))?;
        let said = paragraph(said, 3000, "发言内容")?;
        if said.is_empty() {
            return Err(bad("said_missing", "请记录发言内容。"));
        }
        let row = VoiceRow {
            community: community.clone(),
            meeting_id: id.to_string(),
            seq: 0,
            speaker,
            category: category.as_str().into(),
            said,
            recorded_by: actor.display_name.clone(),
            recorded_at: self.now_ms(),
        };
        let audit = self.audit(
            actor,
            meta,
            "deliberation.voice",
            format!("delib_meeting:{community}/{id}"),
        );
        match self.store.add_voice(&row, audit).await? {
            Some(seq) => Ok(seq),
            None => {
                let m = self.delib_meeting(&community, id).await?;
                Err(refused(
                    minutes::check_entry(true, m.state)
                        .err()
                        .unwrap_or_else(|| {
                            jianfu_domain::deliberation::Refusal::new(
                                "minutes_signed",
                                "会议记录已签署。",
                            )
                        }),
                ))
            }
        }
    }

    pub(crate) async fn sign_minutes_op(
        &self,
        actor: &Actor,
        op: Op<'_>,
        community: &str,
        id: &str,
    ) -> Result<(), ServiceError> {
        let (community, _) = self.delib_community(community).await?;
        self.own_community(actor, Permission::SignMinutes, &community)?;
        let m = self.delib_meeting(&community, id).await?;
        minutes::check_sign(m.signed(), m.state, m.voices as usize).map_err(refused)?;
        let Op::Do(meta) = op else { return Ok(()) };
        let audit = self.audit(
            actor,
            meta,
            "deliberation.minutes_sign",
            format!("delib_meeting:{community}/{id}"),
        );
        if !self
            .store
            .sign_minutes(&community, id, &actor.display_name, self.now_ms(), audit)
            .await?
        {
            return Err(bad("minutes_signed", "会议记录已经签署过了。"));
        }
        self.minutes_to_ledger(actor, meta, &community, id).await
    }

    /// Collect once (三(二) 电子台账): the signed minutes go into the community's electronic
    /// ledger as a `meeting` record (会议记录: date, title, chair, attendance, topics, decisions),
    /// so nobody types the meeting in again. The record's id is the meeting's, so it is written
    /// once. It is a second transaction after the signing (the ledger is another capability's
    /// table); if it fails the signing stands and the error is returned.
    async fn minutes_to_ledger(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        community: &str,
        id: &str,
    ) -> Result<(), ServiceError> {
        let Some(t) = crate::service::shared_data::ledgers::templates().get("meeting") else {
            return Ok(());
        };
        let m = self.delib_meeting(community, id).await?;
        let topics = m
            .motions
            .iter()
            .map(|x| x.title.as_str())
            .collect::<Vec<_>>()
            .join("；");
        let decisions = if m.adjourned {
            "流会，未作决定".to_string()
        } else {
            m.motions
                .iter()
                .map(|x| {
                    format!(
                        "{}：{}（同意 {}，反对 {}，弃权 {}）",
                        x.title,
                        x.outcome_label(),
                        x.votes_for,
                        x.votes_against,
                        x.votes_abstain
                    )
                })
                .collect::<Vec<_>>()
                .join("；")
        };
        let input: std::collections::BTreeMap<String, String> = [
            ("date", m.held_on.clone()),
            ("title", format!("{}（{}）", m.title, m.kind_label())),
            ("chair", actor.display_name.clone()),
            ("attendance", m.attendance().to_string()),
            (
                "topics",
                if topics.is_empty() {
                    "（无表决事项）".into()
                } else {
                    topics
                },
            ),
            ("decisions", decisions),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let (values, day) = check_record(t, &input).map_err(|p| {
            bad(
                "ledger_record_invalid",
                format!(
                    "会议记录已签署，但写入电子台账失败：{}",
                    p.iter()
                        .map(|x| x.message.as_str())
                        .collect::<Vec<_>>()
                        .join("；")
                ),
            )
        })?;
        let row = LedgerRecordRow {
            community: community.to_string(),
            id: id.to_string(),
            template: t.code.clone(),
            day,
            fields_json: serde_json::to_string(&values).unwrap_or_else(|_| "{}".into()),
            entered_by: actor.username.clone().unwrap_or_default(),
            entered_at: self.now_ms(),
        };
        let mut audit = self.audit(
            actor,
            meta,
            "shared_data.ledger_record",
            format!("ledger:{community}:{id}"),
        );
        audit.detail =
            serde_json::json!({ "template": t.code, "from": format!("delib_meeting:{community}/{id}") })
                .to_string();
        self.store.add_ledger_record(&row, audit).await?;
        Ok(())
    }

    pub async fn check_sign_minutes(
        &self,
        actor: &Actor,
        community: &str,
        id: &str,
    ) -> Result<(), ServiceError> {
        self.sign_minutes_op(actor, Op::Check, community, id).await
    }

    /// The chair signs the minutes off; they never change afterwards.
    pub async fn sign_minutes(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        community: &str,
        id: &str,
    ) -> Result<(), ServiceError> {
        self.sign_minutes_op(actor, Op::Do(meta), community, id)
            .await
    }
}
