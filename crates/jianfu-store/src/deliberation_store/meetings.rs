//! Meetings, online ballots and minutes: `DeliberationStore` and its implementation macro
//! (topics and supports are in `topics.rs`).

use super::{BallotOutcome, BallotWrite, MeetingRow, MotionResult, MotionRow, VoiceRow};
use crate::AuditDraft;
use crate::store::Result;
use async_trait::async_trait;

#[allow(clippy::too_many_arguments)]
#[async_trait]
pub trait DeliberationStore: Send + Sync + 'static {
    /// A new meeting with its motions; each agenda topic moves from accepted to on_agenda in the
    /// same transaction. False (nothing written) if one of them is no longer accepted.
    async fn insert_meeting(
        &self,
        row: &MeetingRow,
        motions: &[MotionRow],
        audit: AuditDraft,
    ) -> Result<bool>;
    async fn delib_meeting(&self, community: &str, id: &str) -> Result<Option<MeetingRow>>;
    /// A community's meetings, newest first.
    async fn delib_meetings(&self, community: &str, limit: i64) -> Result<Vec<MeetingRow>>;
    async fn motions(&self, community: &str, meeting_id: &str) -> Result<Vec<MotionRow>>;
    /// Moves a meeting from `from` to `to` (noticed, open), stamping the time; false if moved on.
    async fn set_meeting_state(
        &self,
        community: &str,
        id: &str,
        from: &str,
        to: &str,
        at: i64,
        audit: AuditDraft,
    ) -> Result<bool>;
    /// Publishes a draft's notice with the special circumstance and the Party review date as they
    /// stand at publication ('' for none); false if it is no longer a draft.
    async fn notice_meeting(
        &self,
        community: &str,
        id: &str,
        at: i64,
        notice_reason: &str,
        party_reviewed_on: &str,
        audit: AuditDraft,
    ) -> Result<bool>;
    /// Cancels a draft or noticed meeting (`from`), its agenda topics back to accepted; false if
    /// it moved on.
    async fn cancel_meeting(
        &self,
        community: &str,
        id: &str,
        from: &str,
        at: i64,
        audit: AuditDraft,
    ) -> Result<bool>;
    /// Attendance in the room, while open and still at `revision` (bumped); false otherwise.
    async fn set_attendance(
        &self,
        community: &str,
        id: &str,
        present: i64,
        revision: i64,
        audit: AuditDraft,
    ) -> Result<bool>;
    /// An in-room tally for one motion, while open, still at `revision` (bumped) and within the
    /// attendance; false otherwise.
    async fn set_tally(
        &self,
        community: &str,
        meeting_id: &str,
        topic_id: &str,
        tally: (i64, i64, i64),
        revision: i64,
        audit: AuditDraft,
    ) -> Result<bool>;
    /// Closes an open meeting at `ballots` (online: the ballot rows it counted) and `revision`
    /// (in the room: the attendance and tallies it read); the close fails if a ballot, an
    /// attendance or a tally arrived meanwhile. Writes each motion's result and moves each topic
    /// to decided, not_adopted, or back to accepted if adjourned. False if it is not open or
    /// either moved.
    async fn close_meeting(
        &self,
        community: &str,
        id: &str,
        ballots: i64,
        revision: i64,
        adjourned: bool,
        results: &[MotionResult],
        at: i64,
        audit: AuditDraft,
    ) -> Result<bool>;
    /// Writes a group of online ballots in one transaction, each under the unique voter key,
    /// each with its own audit record; one outcome per ballot.
    async fn cast_ballots(&self, group: &[BallotWrite]) -> Result<Vec<BallotOutcome>>;
    /// The ballots of a meeting (JSON each).
    async fn ballots(&self, community: &str, meeting_id: &str) -> Result<Vec<String>>;
    async fn has_ballot(&self, community: &str, meeting_id: &str, voter_key: &str) -> Result<bool>;

    /// Appends a voice to unsigned minutes of an open or closed meeting; its number, or None.
    async fn add_voice(&self, row: &VoiceRow, audit: AuditDraft) -> Result<Option<i64>>;
    async fn voices(&self, community: &str, meeting_id: &str) -> Result<Vec<VoiceRow>>;
    /// Signs closed minutes with at least one voice; false if not possible (any more).
    async fn sign_minutes(
        &self,
        community: &str,
        id: &str,
        chair: &str,
        at: i64,
        audit: AuditDraft,
    ) -> Result<bool>;
}

macro_rules! impl_deliberation_store {
    ($store:ident, $db:ty) => {
        mod deliberation_sql {
            use super::$store;
            use super::shared_sql::{Batch, begin_audited, commit_audited_batch, update_audited};
            use $crate::retry::retrying;
            use $crate::store::Result;
            use $crate::{
                AuditDraft, BallotOutcome, BallotWrite, MeetingRow, MotionResult, MotionRow, VoiceRow,
            };
            use std::collections::BTreeMap;

            const MEETING: &str = "community, id, kind, title, held_on, held_at, place, material, \
                participants, voter_basis, vote_mode, base, present, ballots, voices, state, adjourned, \
                noticed_at, opened_at, closed_at, signed_by, signed_at, created_by, created_at, revision, \
                notice_reason, party_reviewed_on";

            #[allow(clippy::too_many_arguments)]
            #[async_trait::async_trait]
            impl $crate::DeliberationStore for $store {
                async fn insert_meeting(
                    &self,
                    m: &MeetingRow,
                    motions: &[MotionRow],
                    audit: AuditDraft,
                ) -> Result<bool> {
                    let audit = &audit;
                    retrying(move || async move {
                        let mut tx = begin_audited(self.writer()).await?;
                        for x in motions {
                            let n = sqlx::query(
                                "UPDATE delib_topics SET state = 'on_agenda', meeting_id = $1, updated_at = $2 \
                                 WHERE community = $3 AND id = $4 AND state = 'accepted'",
                            )
                            .bind(&m.id)
                            .bind(m.created_at)
                            .bind(&m.community)
                            .bind(&x.topic_id)
                            .execute(&mut *tx)
                            .await?
                            .rows_affected();
                            if n == 0 {
                                tx.rollback().await?;
                                return Ok(false);
                            }
                        }
                        let mut batch = Batch::new("会议");
                        batch.insert(&format!("INSERT INTO delib_meetings ({MEETING}) "), 27, [m], |mut b, m| {
                            b.push_bind(&m.community)
                                .push_bind(&m.id)
                                .push_bind(&m.kind)
                                .push_bind(&m.title)
                                .push_bind(&m.held_on)
                                .push_bind(&m.held_at)
                                .push_bind(&m.place)
                                .push_bind(&m.material)
                                .push_bind(&m.participants)
                                .push_bind(&m.voter_basis)
                                .push_bind(&m.vote_mode)
                                .push_bind(m.base)
                                .push_bind(m.present)
                                .push_bind(m.ballots)
                                .push_bind(m.voices)
                                .push_bind(&m.state)
                                .push_bind(m.adjourned)
                                .push_bind(m.noticed_at)
                                .push_bind(m.opened_at)
                                .push_bind(m.closed_at)
                                .push_bind(&m.signed_by)
                                .push_bind(m.signed_at)
                                .push_bind(&m.created_by)
                                .push_bind(m.created_at)
                                .push_bind(m.revision)
                                .push_bind(&m.notice_reason)
                                .push_bind(&m.party_reviewed_on);
                        });
                        batch.insert(
                            "INSERT INTO delib_motions (community, meeting_id, topic_id, position, title, \
                             votes_for, votes_against, votes_abstain, outcome) ",
                            9,
                            motions,
                            |mut b, x| {
                                b.push_bind(&x.community)
                                    .push_bind(&x.meeting_id)
                                    .push_bind(&x.topic_id)
                                    .push_bind(x.position)
                                    .push_bind(&x.title)
                                    .push_bind(x.votes_for)
                                    .push_bind(x.votes_against)
                                    .push_bind(x.votes_abstain)
                                    .push_bind(&x.outcome);
                            },
                        );
                        commit_audited_batch(tx, batch, vec![audit.clone()]).await?;
                        Ok(true)
                    })
                    .await
                }

                async fn delib_meeting(&self, community: &str, id: &str) -> Result<Option<MeetingRow>> {
                    let sql = format!("SELECT {MEETING} FROM delib_meetings WHERE community = $1 AND id = $2");
                    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                        .bind(community)
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await?)
                }

                async fn delib_meetings(&self, community: &str, limit: i64) -> Result<Vec<MeetingRow>> {
                    let sql = format!(
                        "SELECT {MEETING} FROM delib_meetings WHERE community = $1 \
                         ORDER BY held_on DESC, created_at DESC LIMIT $2"
                    );
                    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                        .bind(community)
                        .bind(limit)
                        .fetch_all(&self.pool)
                        .await?)
                }

                async fn motions(&self, community: &str, meeting_id: &str) -> Result<Vec<MotionRow>> {
                    Ok(sqlx::query_as(
                        "SELECT community, meeting_id, topic_id, position, title, votes_for, votes_against, \
                         votes_abstain, outcome FROM delib_motions WHERE community = $1 AND meeting_id = $2 \
                         ORDER BY position",
                    )
                    .bind(community)
                    .bind(meeting_id)
                    .fetch_all(&self.pool)
                    .await?)
                }

                async fn set_meeting_state(
                    &self,
                    community: &str,
                    id: &str,
                    from: &str,
                    to: &str,
                    at: i64,
                    audit: AuditDraft,
                ) -> Result<bool> {
                    let audit = &audit;
                    let stamp = match to {
                        "noticed" => "noticed_at",
                        "open" => "opened_at",
                        _ => "closed_at",
                    };
                    retrying(move || async move {
                        let sql = format!(
                            "UPDATE delib_meetings SET state = $1, {stamp} = $2 \
                             WHERE community = $3 AND id = $4 AND state = $5"
                        );
                        let update = sqlx::query(sqlx::AssertSqlSafe(sql))
                            .bind(to)
                            .bind(at)
                            .bind(community)
                            .bind(id)
                            .bind(from);
                        update_audited(self.writer(), update, "会议", audit.clone()).await
                    })
                    .await
                }

                async fn notice_meeting(
                    &self,
                    community: &str,
                    id: &str,
                    at: i64,
                    notice_reason: &str,
                    party_reviewed_on: &str,
                    audit: AuditDraft,
                ) -> Result<bool> {
                    let audit = &audit;
                    retrying(move || async move {
                        let update = sqlx::query(
                            "UPDATE delib_meetings SET state = 'noticed', noticed_at = $1, \
                             notice_reason = $2, party_reviewed_on = $3 \
                             WHERE community = $4 AND id = $5 AND state = 'draft'",
                        )
                        .bind(at)
                        .bind(notice_reason)
                        .bind(party_reviewed_on)
                        .bind(community)
                        .bind(id);
                        update_audited(self.writer(), update, "会议", audit.clone()).await
                    })
                    .await
                }

                async fn cancel_meeting(
                    &self,
                    community: &str,
                    id: &str,
                    from: &str,
                    at: i64,
                    audit: AuditDraft,
                ) -> Result<bool> {
                    let audit = &audit;
                    retrying(move || async move {
                        let mut tx = begin_audited(self.writer()).await?;
                        let n = sqlx::query(
                            "UPDATE delib_meetings SET state = 'cancelled', closed_at = $1 \
                             WHERE community = $2 AND id = $3 AND state = $4",
                        )
                        .bind(at)
                        .bind(community)
                        .bind(id)
                        .bind(from)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                        if n == 0 {
                            tx.rollback().await?;
                            return Ok(false);
                        }
                        let mut batch = Batch::new("会议");
                        batch
                            .write(3)
                            .push("UPDATE delib_topics SET state = 'accepted', updated_at = ")
                            .push_bind(at)
                            .push(" WHERE community = ")
                            .push_bind(community)
                            .push(" AND meeting_id = ")
                            .push_bind(id)
                            .push(" AND state = 'on_agenda'");
                        commit_audited_batch(tx, batch, vec![audit.clone()]).await?;
                        Ok(true)
                    })
                    .await
                }

                async fn set_attendance(
                    &self,
                    community: &str,
                    id: &str,
                    present: i64,
                    revision: i64,
                    audit: AuditDraft,
                ) -> Result<bool> {
                    let audit = &audit;
                    retrying(move || async move {
                        let update = sqlx::query(
                            "UPDATE delib_meetings SET present = $1, revision = revision + 1 \
                             WHERE community = $2 AND id = $3 AND state = 'open' AND revision = $4",
                        )
                        .bind(present)
                        .bind(community)
                        .bind(id)
                        .bind(revision);
                        update_audited(self.writer(), update, "会议", audit.clone()).await
                    })
                    .await
                }

                async fn set_tally(
                    &self,
                    community: &str,
                    meeting_id: &str,
                    topic_id: &str,
                    tally: (i64, i64, i64),
                    revision: i64,
                    audit: AuditDraft,
                ) -> Result<bool> {
                    let audit = &audit;
                    retrying(move || async move {
                        let mut tx = begin_audited(self.writer()).await?;
                        // The meeting row first: still open, in the room, at the revision read
                        // and within its attendance; bumping it makes a close read again.
                        let n = sqlx::query(
                            "UPDATE delib_meetings SET revision = revision + 1 WHERE community = $1 \
                             AND id = $2 AND state = 'open' AND vote_mode = 'in_room' AND revision = $3 \
                             AND present >= $4",
                        )
                        .bind(community)
                        .bind(meeting_id)
                        .bind(revision)
                        .bind(tally.0 + tally.1 + tally.2)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                        if n == 0 {
                            tx.rollback().await?;
                            return Ok(false);
                        }
                        let mut batch = Batch::new("表决");
                        batch
                            .write(6)
                            .push("UPDATE delib_motions SET votes_for = ")
                            .push_bind(tally.0)
                            .push(", votes_against = ")
                            .push_bind(tally.1)
                            .push(", votes_abstain = ")
                            .push_bind(tally.2)
                            .push(" WHERE community = ")
                            .push_bind(community)
                            .push(" AND meeting_id = ")
                            .push_bind(meeting_id)
                            .push(" AND topic_id = ")
                            .push_bind(topic_id);
                        commit_audited_batch(tx, batch, vec![audit.clone()]).await?;
                        Ok(true)
                    })
                    .await
                }

                async fn close_meeting(
                    &self,
                    community: &str,
                    id: &str,
                    ballots: i64,
                    revision: i64,
                    adjourned: bool,
                    results: &[MotionResult],
                    at: i64,
                    audit: AuditDraft,
                ) -> Result<bool> {
                    let audit = &audit;
                    retrying(move || async move {
                        let mut tx = begin_audited(self.writer()).await?;
                        let n = sqlx::query(
                            "UPDATE delib_meetings SET state = 'closed', closed_at = $1, adjourned = $2 \
                             WHERE community = $3 AND id = $4 AND state = 'open' AND ballots = $5 \
                             AND revision = $6",
                        )
                        .bind(at)
                        .bind(adjourned)
                        .bind(community)
                        .bind(id)
                        .bind(ballots)
                        .bind(revision)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                        if n == 0 {
                            tx.rollback().await?;
                            return Ok(false);
                        }
                        let mut batch = Batch::new("会议");
                        for r in results {
                            batch
                                .write(7)
                                .push("UPDATE delib_motions SET votes_for = ")
                                .push_bind(r.votes_for)
                                .push(", votes_against = ")
                                .push_bind(r.votes_against)
                                .push(", votes_abstain = ")
                                .push_bind(r.votes_abstain)
                                .push(", outcome = ")
                                .push_bind(r.outcome.clone())
                                .push(" WHERE community = ")
                                .push_bind(community)
                                .push(" AND meeting_id = ")
                                .push_bind(id)
                                .push(" AND topic_id = ")
                                .push_bind(&r.topic_id);
                            let state = match r.outcome.as_deref() {
                                Some("passed") => "decided",
                                Some(_) => "not_adopted",
                                None => "accepted",
                            };
                            batch
                                .write(4)
                                .push("UPDATE delib_topics SET state = ")
                                .push_bind(state)
                                .push(", updated_at = ")
                                .push_bind(at)
                                .push(" WHERE community = ")
                                .push_bind(community)
                                .push(" AND id = ")
                                .push_bind(&r.topic_id);
                        }
                        commit_audited_batch(tx, batch, vec![audit.clone()]).await?;
                        Ok(true)
                    })
                    .await
                }

                async fn cast_ballots(&self, group: &[BallotWrite]) -> Result<Vec<BallotOutcome>> {
                    retrying(move || async move {
                        let mut tx = begin_audited(self.writer()).await?;
                        // Lock each meeting's row while it is open: a close waits for these
                        // ballots (or they find it closed), so no ballot lands after the count.
                        let mut open: BTreeMap<(&str, &str), i64> = BTreeMap::new();
                        for b in group {
                            let key = (b.community.as_str(), b.meeting_id.as_str());
                            if open.contains_key(&key) {
                                continue;
                            }
                            let n = sqlx::query(
                                "UPDATE delib_meetings SET ballots = ballots WHERE community = $1 AND id = $2 \
                                 AND state = 'open' AND vote_mode = 'online'",
                            )
                            .bind(key.0)
                            .bind(key.1)
                            .execute(&mut *tx)
                            .await?
                            .rows_affected();
                            open.insert(key, if n == 0 { -1 } else { 0 });
                        }
                        // No conflict target: a second ballot under the same voter key (person or
                        // household) and a second ballot from the same account (its household
                        // re-registered meanwhile) are both already_voted, on both backends.
                        let mut outcomes = Vec::with_capacity(group.len());
                        let mut audits = Vec::new();
                        for b in group {
                            let key = (b.community.as_str(), b.meeting_id.as_str());
                            if open[&key] < 0 {
                                outcomes.push(BallotOutcome::NotOpen);
                                continue;
                            }
                            let n = sqlx::query(
                                "INSERT INTO delib_votes (community, meeting_id, voter_key, user_id, ballot, cast_at) \
                                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
                            )
                            .bind(&b.community)
                            .bind(&b.meeting_id)
                            .bind(&b.voter_key)
                            .bind(&b.user_id)
                            .bind(&b.ballot)
                            .bind(b.cast_at)
                            .execute(&mut *tx)
                            .await?
                            .rows_affected();
                            if n == 0 {
                                outcomes.push(BallotOutcome::AlreadyVoted);
                            } else {
                                if let Some(c) = open.get_mut(&key) {
                                    *c += 1;
                                }
                                audits.push(b.audit.clone());
                                outcomes.push(BallotOutcome::Counted);
                            }
                        }
                        if audits.is_empty() {
                            tx.rollback().await?;
                            return Ok(outcomes);
                        }
                        let mut batch = Batch::new("投票");
                        for ((community, meeting), added) in &open {
                            if *added > 0 {
                                batch
                                    .write(3)
                                    .push("UPDATE delib_meetings SET ballots = ballots + ")
                                    .push_bind(*added)
                                    .push(" WHERE community = ")
                                    .push_bind(community.to_string())
                                    .push(" AND id = ")
                                    .push_bind(meeting.to_string());
                            }
                        }
                        commit_audited_batch(tx, batch, audits).await?;
                        Ok(outcomes)
                    })
                    .await
                }

                async fn ballots(&self, community: &str, meeting_id: &str) -> Result<Vec<String>> {
                    let rows: Vec<(String,)> = sqlx::query_as(
                        "SELECT ballot FROM delib_votes WHERE community = $1 AND meeting_id = $2",
                    )
                    .bind(community)
                    .bind(meeting_id)
                    .fetch_all(&self.pool)
                    .await?;
                    Ok(rows.into_iter().map(|r| r.0).collect())
                }

                async fn has_ballot(&self, community: &str, meeting_id: &str, voter_key: &str) -> Result<bool> {
                    let r: Option<(i64,)> = sqlx::query_as(
                        "SELECT 1 FROM delib_votes WHERE community = $1 AND meeting_id = $2 AND voter_key = $3",
                    )
                    .bind(community)
                    .bind(meeting_id)
                    .bind(voter_key)
                    .fetch_optional(&self.pool)
                    .await?;
                    Ok(r.is_some())
                }

                async fn add_voice(&self, v: &VoiceRow, audit: AuditDraft) -> Result<Option<i64>> {
                    let audit = &audit;
                    retrying(move || async move {
                        let mut tx = begin_audited(self.writer()).await?;
                        let seq: Option<(i64,)> = sqlx::query_as(
                            "UPDATE delib_meetings SET voices = voices + 1 WHERE community = $1 AND id = $2 \
                             AND signed_at IS NULL AND state IN ('open', 'closed') RETURNING voices",
                        )
                        .bind(&v.community)
                        .bind(&v.meeting_id)
                        .fetch_optional(&mut *tx)
                        .await?;
                        let Some((seq,)) = seq else {
                            tx.rollback().await?;
                            return Ok(None);
                        };
                        let mut batch = Batch::new("会议记录");
                        batch.insert(
                            "INSERT INTO delib_voices (community, meeting_id, seq, speaker, category, said, \
                             recorded_by, recorded_at) ",
                            8,
                            [v],
                            |mut b, v| {
                                b.push_bind(&v.community)
                                    .push_bind(&v.meeting_id)
                                    .push_bind(seq)
                                    .push_bind(&v.speaker)
                                    .push_bind(&v.category)
                                    .push_bind(&v.said)
                                    .push_bind(&v.recorded_by)
                                    .push_bind(v.recorded_at);
                            },
                        );
                        commit_audited_batch(tx, batch, vec![audit.clone()]).await?;
                        Ok(Some(seq))
                    })
                    .await
                }

                async fn voices(&self, community: &str, meeting_id: &str) -> Result<Vec<VoiceRow>> {
                    Ok(sqlx::query_as(
                        "SELECT community, meeting_id, seq, speaker, category, said, recorded_by, recorded_at \
                         FROM delib_voices WHERE community = $1 AND meeting_id = $2 ORDER BY seq",
                    )
                    .bind(community)
                    .bind(meeting_id)
                    .fetch_all(&self.pool)
                    .await?)
                }

                async fn sign_minutes(
                    &self,
                    community: &str,
                    id: &str,
                    chair: &str,
                    at: i64,
                    audit: AuditDraft,
                ) -> Result<bool> {
                    let audit = &audit;
                    retrying(move || async move {
                        let update = sqlx::query(
                            "UPDATE delib_meetings SET signed_by = $1, signed_at = $2 WHERE community = $3 \
                             AND id = $4 AND state = 'closed' AND signed_at IS NULL AND voices > 0",
                        )
                        .bind(chair)
                        .bind(at)
                        .bind(community)
                        .bind(id);
                        update_audited(self.writer(), update, "会议记录", audit.clone()).await
                    })
                    .await
                }
            }
        }
    };
}

pub(crate) use impl_deliberation_store;
