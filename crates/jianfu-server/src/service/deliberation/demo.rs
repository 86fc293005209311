//! The demo's deliberation (only for `serve --demo`), in the demo community 110115001901: topics
//! in each state, a closed deliberation meeting with signed minutes and a decision being carried
//! out, a residents' meeting in progress with an open online vote (one per household), and two
//! requests to 区民政局 (one answered, one pending).

use super::{MeetingInput, TopicInput};
use crate::service::{Actor, App, RequestMeta, ServiceError};

const COMMUNITY: &str = "110115001901";
const DEPARTMENT: &str = "110115-MZJ";

impl App {
    pub async fn load_demo_deliberation(&self, meta: &RequestMeta) -> Result<(), ServiceError> {
        let (_, total) = self.store.delib_topics(COMMUNITY, None, 1, 0).await?;
        if total > 0 {
            return Ok(());
        }
        let worker = self.demo_actor("shegong").await?;
        let chair = self.demo_actor("shuji").await?;
        let resident = self.demo_actor("jumin").await?;
        let clerk = self.demo_actor("minzheng").await?;
        let propose = |title: &str, body: &str, matter: &str| TopicInput {
            title: title.into(),
            body: body.into(),
            matter: matter.into(),
        };
        let t = |a: &Actor, i: TopicInput| {
            let a = a.clone();
            async move { self.propose_topic(&a, meta, COMMUNITY, &i).await }
        };
        // Waiting for supports.
        let p1 = t(
            &resident,
            propose(
                "3号楼楼道增设扶手",
                "3号楼多位老人反映上下楼不便，希望在楼道两侧加装扶手。",
                "",
            ),
        )
        .await?;
        t(
            &resident,
            propose(
                "小区东门晚间照明不足",
                "东门到公交站一段路灯坏了两盏，晚上回家很黑。",
                "",
            ),
        )
        .await?;
        let _ = p1;
        // Declined, with the reason the proposer sees.
        let d = t(
            &resident,
            propose("请社区组织团购年货", "希望社区统一组织团购。", ""),
        )
        .await?;
        self.decide_topic(
            &worker,
            meta,
            COMMUNITY,
            &d.id,
            false,
            "团购属于商业活动，不属于居民自治和协商的事项；可由居民自行组织。",
        )
        .await?;
        // Accepted, waiting for a meeting.
        let w = t(
            &worker,
            propose(
                "楼门口快递柜位置调整",
                "快递柜挡住消防通道，拟与物业商量移位。",
                "",
            ),
        )
        .await?;
        self.decide_topic(&worker, meta, COMMUNITY, &w.id, true, "")
            .await?;
        // Decided at a closed deliberation meeting.
        let a = t(
            &resident,
            propose(
                "电动自行车集中充电棚建设",
                "楼道里停放电动车充电有火灾隐患，建议在小区西侧空地建集中充电棚。",
                "",
            ),
        )
        .await?;
        let b = t(
            &worker,
            propose(
                "周末广场舞时间调整",
                "有居民反映周末早上广场舞音量大、时间早。",
                "",
            ),
        )
        .await?;
        for x in [&a, &b] {
            self.decide_topic(&worker, meta, COMMUNITY, &x.id, true, "")
                .await?;
        }
        let notice_days = |k: jianfu_domain::deliberation::MeetingKind| {
            time::Duration::days(jianfu_domain::deliberation::rules().kind(k).notice.days)
        };
        let held_on =
            self.today() + notice_days(jianfu_domain::deliberation::MeetingKind::Deliberation);
        let m = self
            .create_meeting(
                &worker,
                meta,
                COMMUNITY,
                &MeetingInput {
                    kind: "deliberation".into(),
                    title: "12月议事协商会：充电棚与广场舞".into(),
                    held_on: held_on.to_string(),
                    held_at: "19:00".into(),
                    place: "社区居委会二楼会议室".into(),
                    material: "一、充电棚选址图与物业报价；二、广场舞时段的居民意见汇总。".into(),
                    participants: vec![
                        ("residents".into(), "各楼居民".into()),
                        ("property_company".into(), "某物业服务公司".into()),
                        ("owners_committee".into(), "小区业主委员会".into()),
                    ],
                    voter_basis: "person".into(),
                    vote_mode: "in_room".into(),
                    base: "25".into(),
                    topics: vec![a.id.clone(), b.id.clone()],
                    ..Default::default()
                },
            )
            .await?;
        self.publish_meeting_notice(&worker, meta, COMMUNITY, &m.id)
            .await?;
        self.open_meeting_for_demo(&worker, meta, COMMUNITY, &m.id)
            .await?;
        self.record_attendance(&worker, meta, COMMUNITY, &m.id, "18")
            .await?;
        self.enter_tally(&worker, meta, COMMUNITY, &m.id, &a.id, ("15", "2", "1"))
            .await?;
        self.enter_tally(&worker, meta, COMMUNITY, &m.id, &b.id, ("7", "9", "2"))
            .await?;
        for (who, side, said) in [
            (
                "王居民",
                "residents",
                "赞成建充电棚，希望按电量收费，价格公开。",
            ),
            (
                "物业李经理",
                "property_company",
                "西侧空地可以用，施工约一个月，费用可从公共收益中列支，需业委会同意。",
            ),
            (
                "业委会赵主任",
                "owners_committee",
                "同意从公共收益列支，建成后请物业公示收支。",
            ),
            (
                "跳舞队刘阿姨",
                "residents",
                "可以把开始时间推迟到八点，音量调小。",
            ),
        ] {
            self.add_voice(&worker, meta, COMMUNITY, &m.id, who, side, said)
                .await?;
        }
        self.close_meeting(&worker, meta, COMMUNITY, &m.id, false)
            .await?;
        self.sign_minutes(&chair, meta, COMMUNITY, &m.id).await?;
        let due = (self.today() + time::Duration::days(30)).to_string();
        let act = self
            .add_decision_action(
                &worker,
                meta,
                COMMUNITY,
                &a.id,
                "在小区西侧建成集中充电棚（20个车位）",
                "物业李经理",
                &due,
            )
            .await?;
        self.add_action_progress(
            &worker,
            meta,
            COMMUNITY,
            &act.id,
            "已完成选址和报价，业委会同意列支，下周开工。",
            false,
        )
        .await?;
        self.give_decision_feedback(&resident, meta, COMMUNITY, &a.id, "partly")
            .await?;
        let r1 = self
            .ask_department(
                &worker,
                meta,
                COMMUNITY,
                &a.id,
                DEPARTMENT,
                "请区民政局协调消防部门对充电棚选址进行安全指导。",
            )
            .await?;
        self.answer_delib_request(
            &clerk,
            meta,
            COMMUNITY,
            &r1.id,
            "已联系区消防救援支队，将于下周派员现场指导。",
        )
        .await?;
        self.ask_department(
            &worker,
            meta,
            COMMUNITY,
            &a.id,
            DEPARTMENT,
            "请协助申请老旧小区公共设施改造补贴。",
        )
        .await?;
        // A residents' meeting in progress: online, one vote per household.
        let c = t(
            &worker,
            propose(
                "使用公共收益修缮小区围墙",
                "小区北侧围墙破损，拟使用公共收益约8万元修缮。",
                "common_interest",
            ),
        )
        .await?;
        self.decide_topic(&worker, meta, COMMUNITY, &c.id, true, "")
            .await?;
        let m2 = self
            .create_meeting(
                &worker,
                meta,
                COMMUNITY,
                &MeetingInput {
                    kind: "residents_meeting".into(),
                    title: "居民会议：公共收益修缮围墙".into(),
                    // 组织法第二十六条: ten days' notice for a residents' meeting.
                    held_on: (self.today()
                        + notice_days(jianfu_domain::deliberation::MeetingKind::ResidentsMeeting))
                    .to_string(),
                    held_at: "全天（网上投票）".into(),
                    place: "网上投票，社区居委会设现场协助点".into(),
                    material: "围墙修缮方案、三家施工单位报价、公共收益账目。".into(),
                    participants: vec![("residents".into(), "全体居民（每户一票）".into())],
                    voter_basis: "household".into(),
                    vote_mode: "online".into(),
                    base: "400".into(),
                    topics: vec![c.id.clone()],
                    // 第三十条第四款: a matter for the residents is discussed by the Party
                    // organisation first.
                    party_reviewed_on: (self.today() - time::Duration::days(3)).to_string(),
                    ..Default::default()
                },
            )
            .await?;
        self.publish_meeting_notice(&worker, meta, COMMUNITY, &m2.id)
            .await?;
        self.open_meeting_for_demo(&worker, meta, COMMUNITY, &m2.id)
            .await?;
        self.set_resident_household(&worker, meta, COMMUNITY, "jumin", "3-2-501")
            .await?;
        Ok(())
    }
}
