//! 议事协商 (issue 13, 三(五)): topics (`topics`), meetings with their quorum and majority
//! (`meetings`), online ballots one per voter, batched like survey answers (`votes`), minutes
//! signed by the chair (`minutes`), carrying out and residents' feedback (`decisions`), requests
//! to departments (`requests`), the public pages (`public`) and the demo (`demo`). The rules are
//! `jianfu_domain::deliberation`; this layer checks who may act and writes with an audit record.

mod decisions;
mod demo;
mod in_session;
mod meetings;
mod minutes;
mod public;
mod requests;
mod topics;
mod votes;

pub use decisions::{ActionView, NoteView};
pub use meetings::{MeetingInput, MeetingView, MotionView, NoticeExtras};
pub use minutes::VoiceView;
pub use public::{DecisionView, PublicMeeting, PublicPage, TOPICS_PER_PAGE};
pub use requests::{DepartmentFigures, RequestView};
pub use topics::{HUB_TOPICS_PER_PAGE, TopicInput, TopicPage, TopicView};
pub use votes::BallotIntake;

use super::{Actor, App, ServiceError};
use jianfu_domain::OrgKind;
use jianfu_domain::deliberation::Refusal;
use jianfu_domain::permission::Permission;

/// A domain refusal as the service's error: its code and its message with the basis.
pub(crate) fn refused(r: Refusal) -> ServiceError {
    ServiceError::Rejected {
        code: r.code,
        message: r.explained(),
    }
}

pub(crate) fn bad(code: &'static str, message: impl Into<String>) -> ServiceError {
    ServiceError::Rejected {
        code,
        message: message.into(),
    }
}

pub(crate) fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

impl App {
    /// The community code if `community` is a community; otherwise not found.
    pub async fn delib_community(&self, community: &str) -> Result<(String, String), ServiceError> {
        let tree = self.org_tree().await?;
        let code = jianfu_domain::OrgCode::parse(community)
            .map_err(|_| ServiceError::NotFound("没有这个社区".into()))?;
        match tree.get(&code) {
            Some(o) if o.kind == OrgKind::Community => Ok((o.code.to_string(), o.name.clone())),
            _ => Err(ServiceError::NotFound("没有这个社区".into())),
        }
    }

    /// Checks that the actor holds `p` and belongs to `community` (the committee runs only its
    /// own community's deliberation; residents take part only in their own).
    pub(crate) fn own_community(
        &self,
        actor: &Actor,
        p: Permission,
        community: &str,
    ) -> Result<(), ServiceError> {
        actor.require(p)?;
        match &actor.org {
            Some(o) if o.as_str() == community => Ok(()),
            _ => Err(ServiceError::Forbidden),
        }
    }

    /// The community an actor works in or lives in, if any.
    pub fn home_community(&self, actor: &Actor) -> Option<String> {
        let can = actor.may(Permission::RunDeliberation)
            || actor.may(Permission::ProposeTopics)
            || actor.may(Permission::VoteOnline);
        if !can || actor.is_console() {
            return None;
        }
        actor.org.as_ref().map(|o| o.to_string())
    }
}
