//! Minutes: every voice is an electronic ledger entry; the chair signs them off after the
//! meeting closes, and signed minutes never change (三(二) 电子台账).

use super::{bad, refused};
use crate::service::text_field::{line, paragraph};
use crate::service::{Actor, App, Op, RequestMeta, ServiceError};
use jianfu_domain::clock::format_beijing;
use jianfu_domain::deliberation::ParticipantCategory;
use jianfu_domain::deliberation::minutes;
use jianfu_domain::permission::Permission;
use jianfu_store::VoiceRow;
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

impl App {
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
