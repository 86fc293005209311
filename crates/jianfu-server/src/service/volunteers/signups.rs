//! 报名与取消：只在活动开始前；名额在数据库里原子地占（`taken < capacity` 时才加一），所以
//! 同时抢最后一个名额的人里只有一个成功，其余得到 `activity_full`；同一人重复报名得到
//! `already_signed_up`。

use super::{phase_of, refused, rejected};
use crate::service::{Actor, App, RequestMeta, ServiceError};
use jianfu_domain::permission::Permission;
use jianfu_domain::volunteer::activity::check_sign_up_open;
use jianfu_store::{CancelOutcome, SignUpOutcome, VolunteerRow};

impl App {
    /// The actor's confirmed registration in `community`, or the refusal that says why not.
    async fn confirmed_volunteer_in(
        &self,
        actor: &Actor,
        community: &str,
    ) -> Result<VolunteerRow, ServiceError> {
        actor.require(Permission::RegisterVolunteer)?;
        let v = self.own_volunteer(actor).await?.ok_or_else(|| {
            rejected(
                "not_registered",
                "请先登记为志愿者（实名、本人同意），社区确认后即可报名",
            )
        })?;
        if v.community_code != community {
            return Err(rejected(
                "other_community",
                "这是其他社区的活动，请报名本社区的志愿服务活动",
            ));
        }
        if v.status != "confirmed" {
            return Err(rejected(
                "volunteer_not_confirmed",
                "您的志愿者登记还在等待社区确认，确认后即可报名",
            ));
        }
        Ok(v)
    }

    /// Signs the actor up for an activity: never over capacity, never twice, only before it starts.
    pub async fn sign_up(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        community: &str,
        id: &str,
    ) -> Result<(), ServiceError> {
        let a = self.stored_activity(community, id).await?;
        let v = self.confirmed_volunteer_in(actor, community).await?;
        let now = self.now_ms();
        check_sign_up_open(phase_of(&a, now)).map_err(refused)?;
        let mut audit = self.audit(
            actor,
            meta,
            "volunteer_activity.sign_up",
            format!("volunteer_activity:{community}/{id}"),
        );
        audit.detail = serde_json::json!({"volunteer": v.id}).to_string();
        match self.store.sign_up(community, id, &v.id, now, audit).await? {
            SignUpOutcome::SignedUp => Ok(()),
            SignUpOutcome::Full => Err(rejected(
                "activity_full",
                format!(
                    "“{}”的 {} 个名额已经报满，请关注社区的其他活动",
                    a.title, a.capacity
                ),
            )),
            SignUpOutcome::AlreadySignedUp => Err(rejected(
                "already_signed_up",
                format!("您已经报名了“{}”，无需重复报名", a.title),
            )),
            SignUpOutcome::Closed => {
                let fresh = self.stored_activity(community, id).await?;
                check_sign_up_open(phase_of(&fresh, self.now_ms())).map_err(refused)?;
                Err(rejected("activity_started", "活动已经开始，报名已截止"))
            }
            SignUpOutcome::NotFound => Err(ServiceError::NotFound("志愿服务活动".into())),
        }
    }

    /// Cancels the actor's sign-up (before the start), giving the place back.
    pub async fn cancel_sign_up(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        community: &str,
        id: &str,
    ) -> Result<(), ServiceError> {
        let a = self.stored_activity(community, id).await?;
        let v = self.confirmed_volunteer_in(actor, community).await?;
        let now = self.now_ms();
        check_sign_up_open(phase_of(&a, now)).map_err(refused)?;
        let mut audit = self.audit(
            actor,
            meta,
            "volunteer_activity.cancel_sign_up",
            format!("volunteer_activity:{community}/{id}"),
        );
        audit.detail = serde_json::json!({"volunteer": v.id}).to_string();
        match self
            .store
            .cancel_signup(community, id, &v.id, now, audit)
            .await?
        {
            CancelOutcome::Cancelled => Ok(()),
            CancelOutcome::NotSignedUp => {
                Err(rejected("not_signed_up", "您没有报名这项活动，无需取消"))
            }
            CancelOutcome::Closed => Err(rejected(
                "activity_started",
                "活动已经开始，不能再取消报名；如不能到场请直接联系组织者",
            )),
        }
    }
}
