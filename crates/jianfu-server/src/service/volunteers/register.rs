//! 志愿者登记与确认：居民本人实名登记（同意记录；未成年人须监护人同意），社区确认。
//! 姓名、电话、身份证号、监护人姓名加密存放；名单上只有脱敏的姓名和后 4 位。

use super::{refused, rejected};
use crate::service::text_field::line;
use crate::service::{Actor, App, Op, RequestMeta, ServiceError};
use jianfu_domain::masking::{mask_id_from_last4, mask_name, mask_phone_from_last4};
use jianfu_domain::permission::Permission;
use jianfu_domain::volunteer::registration::{RegistrationInput, check_registration};
use jianfu_store::VolunteerRow;
use serde::Serialize;

/// What the registration form and the API send.
#[derive(Debug, Clone, Default)]
pub struct VolunteerInput {
    pub name: String,
    pub phone: String,
    pub id_number: String,
    pub skills: String,
    pub availability: String,
    pub consent: bool,
    pub guardian_name: String,
    pub guardian_relation: String,
    pub guardian_consent: bool,
}

/// A volunteer as a reader may see them: masked, except to the volunteer themselves.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = VolVolunteer)]
pub struct VolunteerView {
    pub community: String,
    pub id: String,
    /// 姓名：本人看到全名，其他人看到脱敏的姓名（如 王*明）。
    pub name: String,
    /// 电话：只显示后 4 位。
    pub phone: String,
    /// 身份证号：只显示后 4 位。
    pub id_number: String,
    /// 登记时未成年（未满数据文件 `adult.age` 周岁）。
    pub minor: bool,
    /// 监护人与本人的关系（未成年人）。
    pub guardian_relation: Option<String>,
    pub skills: String,
    pub availability: String,
    /// `pending`（待社区确认）| `confirmed`（已确认）。
    pub status: String,
    pub status_label: String,
    /// 登记日期（北京时间）。
    pub registered_on: String,
}

pub(crate) fn status_label(s: &str) -> &'static str {
    match s {
        "pending" => "待社区确认",
        "confirmed" => "已确认",
        _ => "未知",
    }
}

impl App {
    pub(crate) async fn volunteer_view(
        &self,
        v: &VolunteerRow,
        as_self: bool,
    ) -> Result<VolunteerView, ServiceError> {
        let key = if as_self {
            Some(self.data_key().await?)
        } else {
            None
        };
        let name = match &key {
            Some(k) => k.decrypt(&v.name_enc)?,
            None => v.name_masked.clone(),
        };
        Ok(VolunteerView {
            community: v.community_code.clone(),
            id: v.id.clone(),
            name,
            phone: mask_phone_from_last4(&v.phone_last4),
            id_number: mask_id_from_last4(&v.id_number_last4),
            minor: v.minor,
            guardian_relation: v.guardian_relation.clone(),
            skills: v.skills.clone(),
            availability: v.availability.clone(),
            status: v.status.clone(),
            status_label: status_label(&v.status).into(),
            registered_on: jianfu_domain::clock::format_beijing(v.registered_at)
                .chars()
                .take(10)
                .collect(),
        })
    }

    /// The actor's own registration in their community, if any.
    pub(crate) async fn own_volunteer(
        &self,
        actor: &Actor,
    ) -> Result<Option<VolunteerRow>, ServiceError> {
        let (Some(user), Some(_)) = (&actor.user_id, &actor.org) else {
            return Ok(None);
        };
        let community = self.volunteer_community(actor).await?;
        Ok(self.store.volunteer_of_user(&community, user).await?)
    }

    /// A resident registers themselves as a volunteer of their community (条例 §7, 办法 §5–§6).
    pub async fn register_volunteer(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        input: &VolunteerInput,
    ) -> Result<VolunteerView, ServiceError> {
        actor.require(Permission::RegisterVolunteer)?;
        let community = self.volunteer_community(actor).await?;
        let user = actor.user_id.clone().ok_or(ServiceError::Forbidden)?;
        let name = line(&input.name, 50, "姓名")?;
        let skills = line(&input.skills, 200, "服务技能")?;
        let availability = line(&input.availability, 200, "可服务时间")?;
        let guardian_name = line(&input.guardian_name, 50, "监护人姓名")?;
        let guardian_relation = line(&input.guardian_relation, 20, "与本人关系")?;
        let checked = check_registration(
            &RegistrationInput {
                name: name.clone(),
                phone: input.phone.clone(),
                id_number: input.id_number.clone(),
                skills: skills.clone(),
                availability: availability.clone(),
                consent: input.consent,
                guardian_name: guardian_name.clone(),
                guardian_relation: guardian_relation.clone(),
                guardian_consent: input.guardian_consent,
            },
            self.today(),
        )
        .map_err(refused)?;
        if self
            .store
            .volunteer_of_user(&community, &user)
            .await?
            .is_some()
        {
            return Err(rejected(
                "already_registered",
                "您已经登记为本社区的志愿者，无需重复登记",
            ));
        }
        let key = self.data_key().await?;
        let now = self.now_ms();
        let last4 = |s: &str| {
            let c: Vec<char> = s.chars().collect();
            c[c.len().saturating_sub(4)..].iter().collect::<String>()
        };
        let row = VolunteerRow {
            community_code: community.clone(),
            id: uuid::Uuid::now_v7().to_string(),
            user_id: Some(user),
            name_enc: key.encrypt(&name)?,
            name_masked: mask_name(&name),
            phone_enc: key.encrypt(&checked.phone)?,
            phone_last4: last4(&checked.phone),
            id_number_enc: key.encrypt(checked.id_number.as_str())?,
            id_number_last4: last4(checked.id_number.as_str()),
            minor: checked.minor,
            skills,
            availability,
            consent_at: now,
            guardian_name_enc: if checked.minor {
                Some(key.encrypt(&guardian_name)?)
            } else {
                None
            },
            guardian_relation: checked.minor.then(|| guardian_relation.clone()),
            guardian_consent_at: checked.minor.then_some(now),
            status: "pending".into(),
            registered_by: actor.username.clone().unwrap_or_default(),
            registered_at: now,
            confirmed_by: None,
            confirmed_at: None,
        };
        let mut audit = self.audit(
            actor,
            meta,
            "volunteer.register",
            format!("volunteer:{}/{}", row.community_code, row.id),
        );
        audit.detail = serde_json::json!({"minor": row.minor}).to_string();
        match self.store.insert_volunteer(&row, audit).await {
            Ok(()) => {}
            Err(jianfu_store::StoreError::Conflict(_)) => {
                return Err(rejected(
                    "already_registered",
                    "您已经登记为本社区的志愿者，无需重复登记",
                ));
            }
            Err(e) => return Err(e.into()),
        }
        self.volunteer_view(&row, true).await
    }

    /// The community's volunteers, pending first, masked (ManageVolunteers).
    pub async fn community_volunteers(
        &self,
        actor: &Actor,
    ) -> Result<Vec<VolunteerView>, ServiceError> {
        actor.require(Permission::ManageVolunteers)?;
        let community = self.volunteer_community(actor).await?;
        let mut out = Vec::new();
        for v in self.store.list_volunteers(&community, 500).await? {
            out.push(self.volunteer_view(&v, false).await?);
        }
        Ok(out)
    }

    /// The community confirms a registration (it can then sign up and get certificates).
    pub async fn confirm_volunteer(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        community: &str,
        id: &str,
    ) -> Result<VolunteerView, ServiceError> {
        self.confirm(actor, Op::Do(meta), community, id).await
    }

    /// The checks of [`Self::confirm_volunteer`], writing nothing (for the confirmation page).
    pub async fn check_confirm_volunteer(
        &self,
        actor: &Actor,
        community: &str,
        id: &str,
    ) -> Result<VolunteerView, ServiceError> {
        self.confirm(actor, Op::Check, community, id).await
    }

    async fn confirm(
        &self,
        actor: &Actor,
        op: Op<'_>,
        community: &str,
        id: &str,
    ) -> Result<VolunteerView, ServiceError> {
        self.require_organiser(actor, community).await?;
        let v = self
            .store
            .volunteer(community, id)
            .await?
            .ok_or_else(|| ServiceError::NotFound("志愿者".into()))?;
        if v.status != "pending" {
            return Err(rejected("wrong_state", "这位志愿者已经确认过了"));
        }
        let Op::Do(meta) = op else {
            return self.volunteer_view(&v, false).await;
        };
        let now = self.now_ms();
        let audit = self.audit(
            actor,
            meta,
            "volunteer.confirm",
            format!("volunteer:{community}/{id}"),
        );
        let me = actor.username.clone().unwrap_or_default();
        if !self
            .store
            .confirm_volunteer(community, id, &me, now, audit)
            .await?
        {
            return Err(rejected("wrong_state", "这位志愿者刚被别人确认过了"));
        }
        let v = self
            .store
            .volunteer(community, id)
            .await?
            .ok_or_else(|| ServiceError::NotFound("志愿者".into()))?;
        self.volunteer_view(&v, false).await
    }
}
