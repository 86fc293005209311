//! Online ballots: one per voter key (a person, or a household from the committee's roster), per
//! meeting. The unique key (community, meeting, voter key) decides who was first, so concurrent
//! resubmissions count exactly once. Ballots arriving together are written in one transaction
//! (as survey answers are, `surveys/intake.rs`), each with its own audit record.

use super::{bad, refused};
use crate::service::{Actor, App, RequestMeta, ServiceError};
use jianfu_domain::Role;
use jianfu_domain::deliberation::MeetingState;
use jianfu_domain::deliberation::vote::{self, Choice, VoterBasis, normalise_household};
use jianfu_domain::permission::Permission;
use jianfu_store::{BallotOutcome, BallotWrite, HouseholdRow, Store};
use std::sync::{Arc, OnceLock};
use tokio::sync::{mpsc, oneshot};

/// Most ballots written in one transaction.
const GROUP: usize = 128;

type Reply = oneshot::Sender<Result<BallotOutcome, String>>;

/// The queue in front of the store; its worker starts with the first ballot.
#[derive(Default)]
pub struct BallotIntake {
    queue: OnceLock<mpsc::Sender<(BallotWrite, Reply)>>,
}

impl BallotIntake {
    pub async fn cast(
        &self,
        store: &Arc<dyn Store>,
        b: BallotWrite,
    ) -> Result<BallotOutcome, ServiceError> {
        let queue = self.queue.get_or_init(|| {
            let (tx, rx) = mpsc::channel(4 * GROUP);
            tokio::spawn(work(store.clone(), rx));
            tx
        });
        let (reply, answer) = oneshot::channel();
        let busy = || ServiceError::Unavailable("投票暂时无法保存，请稍后再提交".into());
        queue.send((b, reply)).await.map_err(|_| busy())?;
        answer
            .await
            .map_err(|_| busy())?
            .map_err(ServiceError::Internal)
    }
}

async fn work(store: Arc<dyn Store>, mut rx: mpsc::Receiver<(BallotWrite, Reply)>) {
    while let Some(first) = rx.recv().await {
        let mut group = vec![first];
        while group.len() < GROUP {
            match rx.try_recv() {
                Ok(next) => group.push(next),
                Err(_) => break,
            }
        }
        let (ballots, replies): (Vec<_>, Vec<_>) = group.into_iter().unzip();
        match store.cast_ballots(&ballots).await {
            Ok(outcomes) => {
                for (reply, outcome) in replies.into_iter().zip(outcomes) {
                    let _ = reply.send(Ok(outcome));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, ballots = ballots.len(), "writing ballots failed");
                for reply in replies {
                    let _ = reply.send(Err(e.to_string()));
                }
            }
        }
    }
}

impl App {
    /// The voter key the actor votes under in this meeting, if they may vote at all.
    async fn voter_key(
        &self,
        actor: &Actor,
        community: &str,
        basis: VoterBasis,
    ) -> Result<String, ServiceError> {
        let user = actor.user_id.clone().ok_or(ServiceError::Unauthenticated)?;
        let household = match basis {
            VoterBasis::Household => self.store.household_of(community, &user).await?,
            VoterBasis::Person => None,
        };
        vote::voter_key(basis, community, &user, household.as_deref()).map_err(refused)
    }

    /// Whether this resident (or household) has voted in the meeting already.
    pub async fn has_voted(
        &self,
        actor: &Actor,
        community: &str,
        meeting_id: &str,
    ) -> Result<bool, ServiceError> {
        let m = self.delib_meeting(community, meeting_id).await?;
        match self.voter_key(actor, community, m.voter_basis).await {
            Ok(k) => Ok(self.store.has_ballot(community, meeting_id, &k).await?),
            Err(_) => Ok(false),
        }
    }

    /// A resident of the community casts an online ballot: one choice per motion.
    pub async fn cast_online_vote(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        community: &str,
        meeting_id: &str,
        choices: &[(String, String)],
    ) -> Result<(), ServiceError> {
        let (community, _) = self.delib_community(community).await?;
        self.own_community(actor, Permission::VoteOnline, &community)?;
        if !actor.roles.contains(&Role::Resident) {
            return Err(ServiceError::Forbidden);
        }
        let m = self.delib_meeting(&community, meeting_id).await?;
        vote::check_online_ballot(m.vote_mode, m.state).map_err(refused)?;
        let mut ballot = Vec::new();
        for x in &m.motions {
            let c = choices
                .iter()
                .find(|(t, _)| *t == x.topic_id)
                .map(|(_, c)| c.as_str())
                .unwrap_or("");
            if c.trim().is_empty() {
                return Err(bad(
                    "ballot_incomplete",
                    format!("请对“{}”选择同意、反对或弃权。", x.title),
                ));
            }
            let c =
                Choice::parse(c).ok_or_else(|| bad("bad_choice", "只能选择同意、反对或弃权。"))?;
            ballot.push((x.topic_id.clone(), c.as_str().to_string()));
        }
        if choices
            .iter()
            .any(|(t, _)| !m.motions.iter().any(|x| x.topic_id == *t))
        {
            return Err(bad("unknown_motion", "选票里有本次会议没有的议题。"));
        }
        let key = self.voter_key(actor, &community, m.voter_basis).await?;
        let mut audit = self.audit(
            actor,
            meta,
            "deliberation.vote",
            format!("delib_meeting:{community}/{meeting_id}"),
        );
        audit.detail = serde_json::json!({ "basis": m.voter_basis.as_str() }).to_string();
        let write = BallotWrite {
            community: community.clone(),
            meeting_id: meeting_id.to_string(),
            voter_key: key,
            user_id: actor.user_id.clone().unwrap_or_default(),
            ballot: serde_json::to_string(&ballot).unwrap_or_else(|_| "[]".into()),
            cast_at: self.now_ms(),
            audit,
        };
        match self.ballot_intake.cast(&self.store, write).await? {
            BallotOutcome::Counted => Ok(()),
            BallotOutcome::AlreadyVoted => Err(bad(
                "already_voted",
                match m.voter_basis {
                    VoterBasis::Household => {
                        "本户已经投过票了：本次会议每户一票，这一票没有再计入。"
                    }
                    VoterBasis::Person => "您已经投过票了：本次会议每人一票，这一票没有再计入。",
                },
            )),
            BallotOutcome::NotOpen => {
                let now = self.delib_meeting(&community, meeting_id).await?;
                let state = if now.state == MeetingState::Open {
                    MeetingState::Closed
                } else {
                    now.state
                };
                Err(refused(
                    vote::check_online_ballot(now.vote_mode, state).unwrap_err(),
                ))
            }
        }
    }

    /// The committee records a resident's household (楼-单元-室) for per-household votes.
    pub async fn set_resident_household(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        community: &str,
        username: &str,
        household: &str,
    ) -> Result<HouseholdRow, ServiceError> {
        let (community, _) = self.delib_community(community).await?;
        self.own_community(actor, Permission::RunDeliberation, &community)?;
        let key = normalise_household(household).map_err(refused)?;
        let user = self
            .store
            .user_by_username(username.trim())
            .await?
            .filter(|u| u.org_code == community && u.roles.split(',').any(|r| r == "resident"))
            .ok_or_else(|| {
                bad(
                    "unknown_resident",
                    format!("本社区没有用户名为“{}”的居民账号。", username.trim()),
                )
            })?;
        let row = HouseholdRow {
            community: community.clone(),
            user_id: user.id.clone(),
            household_key: key,
            set_by: actor.display_name.clone(),
            set_at: self.now_ms(),
        };
        let audit = self.audit(
            actor,
            meta,
            "deliberation.household_set",
            format!("resident_household:{community}/{}", user.id),
        );
        self.store.set_household(&row, audit).await?;
        Ok(row)
    }

    /// The roster with each resident's name.
    pub async fn resident_households(
        &self,
        actor: &Actor,
        community: &str,
    ) -> Result<Vec<(String, String)>, ServiceError> {
        self.own_community(actor, Permission::RunDeliberation, community)?;
        Ok(self.store.households(community).await?)
    }
}
