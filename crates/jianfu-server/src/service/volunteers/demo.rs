//! 演示数据（只给 `serve --demo` 和浏览器走查）：社区 110115001901 的居民 `jumin` 已登记并经
//! 确认，另有一位经监护人同意登记的未成年志愿者和一位没有账号的志愿者；三项活动：一项已结束并
//! 记录了服务时间，一项即将开始、只剩 1 个名额，一项即将开始、名额充足。

use super::{ActivityInput, VolunteerInput};
use crate::service::{App, RequestMeta, ServiceError};
use jianfu_domain::certificate::id_number::check_char;
use jianfu_domain::masking::mask_name;
use jianfu_domain::volunteer::activity::parse_beijing_datetime;
use jianfu_store::{ActivityRow, EvaluationWrite, HoursWrite, VolunteerRow};

pub const DEMO_COMMUNITY: &str = "110115001901";

/// A valid (check character computed) but invented ID number of someone born on `yyyymmdd`.
fn demo_id(yyyymmdd: &str, seq: &str) -> String {
    let first17 = format!("110115{yyyymmdd}{seq}");
    let b: [u8; 17] = first17.as_bytes().try_into().unwrap_or([b'0'; 17]);
    format!("{first17}{}", check_char(&b))
}

impl App {
    /// Loads the demo volunteers once; false when they were there already.
    pub async fn load_demo_volunteers(&self, meta: &RequestMeta) -> Result<bool, ServiceError> {
        let resident = self.demo_actor("jumin").await?;
        let worker = self.demo_actor("shegong").await?;
        if self.own_volunteer(&resident).await?.is_some() {
            return Ok(false);
        }
        let me = self
            .register_volunteer(
                &resident,
                meta,
                &VolunteerInput {
                    name: "王居民".into(),
                    phone: "13800138000".into(),
                    id_number: demo_id("19850312", "002"),
                    skills: "理发、电脑操作".into(),
                    availability: "周末上午".into(),
                    consent: true,
                    ..Default::default()
                },
            )
            .await?;
        self.confirm_volunteer(&worker, meta, DEMO_COMMUNITY, &me.id)
            .await?;
        let key = self.data_key().await?;
        let now = self.now_ms();
        let mut others = Vec::new();
        for (name, phone, id, minor, guardian) in [
            (
                "李小雨",
                "13900139000",
                demo_id("20110705", "024"),
                true,
                Some(("李建国", "父亲")),
            ),
            (
                "赵阿姨",
                "13700137000",
                demo_id("19600220", "046"),
                false,
                None,
            ),
        ] {
            let row = VolunteerRow {
                community_code: DEMO_COMMUNITY.into(),
                id: uuid::Uuid::now_v7().to_string(),
                user_id: None,
                name_enc: key.encrypt(name)?,
                name_masked: mask_name(name),
                phone_enc: key.encrypt(phone)?,
                phone_last4: phone[phone.len() - 4..].to_string(),
                id_number_enc: key.encrypt(&id)?,
                id_number_last4: id[id.len() - 4..].to_string(),
                minor,
                skills: if minor {
                    "书法".into()
                } else {
                    "老年人陪伴".into()
                },
                availability: "周末".into(),
                consent_at: now,
                guardian_name_enc: match guardian {
                    Some((g, _)) => Some(key.encrypt(g)?),
                    None => None,
                },
                guardian_relation: guardian.map(|(_, r)| r.to_string()),
                guardian_consent_at: guardian.map(|_| now),
                status: "pending".into(),
                registered_by: "shegong".into(),
                registered_at: now,
                confirmed_by: None,
                confirmed_at: None,
            };
            let audit = self.audit(
                &worker,
                meta,
                "volunteer.register",
                format!("volunteer:{DEMO_COMMUNITY}/{}", row.id),
            );
            self.store.insert_volunteer(&row, audit).await?;
            self.confirm_volunteer(&worker, meta, DEMO_COMMUNITY, &row.id)
                .await?;
            others.push(row.id);
        }
        let hour = 3_600_000;
        // Whole hours of a day counted from today (Beijing), e.g. `2026-12-01 09:00`.
        let today = self.today();
        let at = |days: i64, hm: &str| format!("{} {hm}", today + time::Duration::days(days));
        // Upcoming, with places.
        self.post_activity(
            &worker,
            meta,
            &ActivityInput {
                title: "社区环境清洁日".into(),
                place: "丁香雅苑小区中心花园".into(),
                needs: "清扫落叶、清理楼道杂物；社区提供手套和工具".into(),
                starts: at(3, "09:00"),
                ends: at(3, "11:00"),
                capacity: "10".into(),
                ..Default::default()
            },
        )
        .await?;
        // Upcoming, one place left: carries out the demo's decided deliberation topic, if any.
        self.load_demo_deliberation(meta).await?;
        let decision = self
            .store
            .delib_topics(DEMO_COMMUNITY, Some("decided"), 1, 0)
            .await?
            .0
            .first()
            .map(|t| format!("{}{}", super::DELIBERATION_SOURCE, t.id))
            .unwrap_or_default();
        let almost = self
            .post_activity(
                &worker,
                meta,
                &ActivityInput {
                    title: "为独居老人义务理发".into(),
                    place: "社区活动室".into(),
                    needs: "会理发的志愿者；自带工具更好".into(),
                    organiser: "大兴区银龄互助社（社区指定）".into(),
                    source: decision.clone(),
                    starts: at(5, "09:00"),
                    ends: at(5, "12:00"),
                    capacity: "3".into(),
                },
            )
            .await?;
        self.sign_up(&resident, meta, DEMO_COMMUNITY, &almost.id)
            .await?;
        let audit = self.audit(
            &worker,
            meta,
            "volunteer_activity.sign_up",
            format!("volunteer_activity:{DEMO_COMMUNITY}/{}", almost.id),
        );
        self.store
            .sign_up(DEMO_COMMUNITY, &almost.id, &others[1], now, audit)
            .await?;
        // Ended a week ago, hours recorded.
        let starts = parse_beijing_datetime(&at(-7, "09:00"))
            .ok_or_else(|| ServiceError::Internal("demo date".into()))?;
        let day = 86_400_000;
        let past = ActivityRow {
            community_code: DEMO_COMMUNITY.into(),
            id: crate::service::short_id()?,
            title: "重阳节敬老包饺子".into(),
            place: "社区食堂".into(),
            needs: "和面、包饺子、陪老人聊天".into(),
            organiser: "丁香雅苑社区居民委员会".into(),
            source: String::new(),
            starts_at: starts,
            ends_at: starts + 3 * hour,
            capacity: 8,
            taken: 0,
            cancelled: false,
            created_by: "shegong".into(),
            created_at: starts - 10 * day,
        };
        let audit = self.audit(
            &worker,
            meta,
            "volunteer_activity.post",
            format!("volunteer_activity:{DEMO_COMMUNITY}/{}", past.id),
        );
        self.store.insert_activity(&past, audit).await?;
        let mut writes = Vec::new();
        for (v, minutes) in [(&me.id, 150), (&others[0], 120), (&others[1], 0)] {
            let audit = self.audit(
                &worker,
                meta,
                "volunteer_activity.sign_up",
                format!("volunteer_activity:{DEMO_COMMUNITY}/{}", past.id),
            );
            self.store
                .sign_up(DEMO_COMMUNITY, &past.id, v, starts - 2 * day, audit)
                .await?;
            // The demo resident's own record shows an evaluation (办法第十条).
            let evaluation = (v == &me.id).then(|| EvaluationWrite {
                level: Some("excellent".into()),
                remark: "包饺子又快又好，还陪老人聊了很久".into(),
            });
            writes.push(HoursWrite {
                volunteer_id: v.clone(),
                record_hours: true,
                attended: minutes > 0,
                minutes,
                evaluation,
            });
        }
        let audit = self.audit(
            &worker,
            meta,
            "volunteer_activity.record_hours",
            format!("volunteer_activity:{DEMO_COMMUNITY}/{}", past.id),
        );
        self.store
            .record_hours(
                DEMO_COMMUNITY,
                &past.id,
                &writes,
                "shegong",
                starts + 4 * hour,
                false,
                audit,
            )
            .await?;
        Ok(true)
    }
}
