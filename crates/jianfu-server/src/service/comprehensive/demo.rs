//! The demo's comprehensive evaluation (only for `serve --demo`): last year's cycle, published,
//! so the results, the printable summary and the export have something to show; and this
//! year's, taking nominations, with one nomination from the demo street.

use crate::service::{App, RequestMeta, ServiceError};
use jianfu_domain::evaluation::comprehensive::{Criterion, Satisfaction, Scheme, score};
use jianfu_store::{CycleRow, NominationRow, ScoreWrite};

impl App {
    pub async fn load_demo_comprehensive(&self, meta: &RequestMeta) -> Result<(), ServiceError> {
        let district = self.demo_actor("shenpi").await?;
        let street = self.demo_actor("jiedao").await?;
        let today = self.today();
        let closed_survey = self
            .surveys()
            .await?
            .into_iter()
            .find(|s| s.phase.results_open())
            .map(|s| s.id);
        // This year's, open for nominations.
        let mut input = super::CycleInput::suggested(today);
        input.nominations_close = (today + time::Duration::days(14)).to_string();
        input.scoring_close = (today + time::Duration::days(30)).to_string();
        input.survey_id = closed_survey.clone().unwrap_or_default();
        let year = self.create_cycle(&district, meta, &input).await?.year;
        self.nominate(
            &street,
            meta,
            year,
            "110115001902",
            "本年度居委会依法协助政府工作，清理各类台账 12 本、挂牌 5 块；组织居民议事协商 6 次，办成停车改造、加装电梯等实事 3 件。",
        )
        .await?;

        // Last year's, scored and published (written straight to the store: its days are past,
        // and the use cases act only on today's phase).
        let last = i64::from(today.year()) - 1;
        let scheme = Scheme {
            satisfaction_weight: 60,
            criteria: vec![
                Criterion {
                    key: "c1".into(),
                    name: "和谐社区建设（居委会依法履职）".into(),
                    weight: 25,
                    evaluation: None,
                },
                Criterion {
                    key: "c2".into(),
                    name: "社区服务站便民服务".into(),
                    weight: 15,
                    evaluation: None,
                },
            ],
        };
        let row = CycleRow {
            year: last,
            scheme: serde_json::to_string(&scheme).map_err(super::internal)?,
            survey_id: closed_survey.clone(),
            nominations_close: format!("{last}-11-30"),
            scoring_close: format!("{last}-12-20"),
            published_at: None,
            created_by: district.username.clone().unwrap_or_default(),
            created_at: self.now_ms(),
            revision: 0,
        };
        let a = self.audit(
            &district,
            meta,
            "comprehensive.create",
            format!("comprehensive:{last}"),
        );
        self.store.insert_cycle(&row, a).await?;
        for (community, c1, c2, report) in [
            (
                "110115001901",
                88.0,
                92.0,
                "居委会按清单协助政府工作，取消了无依据的台账 8 本；便民服务站全年无休，群众办事“最多跑一次”。",
            ),
            (
                "110115001902",
                80.0,
                85.0,
                "社区持续开展减负清理，撤下多余挂牌 4 块；组织老年食堂和助老服务，居民参与议事协商明显增多。",
            ),
        ] {
            let n = NominationRow {
                community_code: community.into(),
                year: last,
                street_code: "110115001".into(),
                self_report: report.into(),
                nominated_by: street.username.clone().unwrap_or_default(),
                // Last November, as the nomination would have been.
                nominated_at: self.now_ms() - 380 * 86_400_000,
                criterion_scores: None,
                scorecard: None,
                total_tenths: None,
                scored_by: None,
                scored_at: None,
            };
            let a = self.audit(
                &street,
                meta,
                "comprehensive.nominate",
                format!("comprehensive:{last}/{community}"),
            );
            self.store.insert_nomination(&n, a).await?;
            let satisfaction = match &closed_survey {
                Some(s) => self
                    .community_satisfaction(s, community)
                    .await?
                    .map(|(s, _)| Satisfaction {
                        score: s.mean,
                        responses: s.n as u32,
                        enough: s.enough,
                    }),
                None => None,
            };
            let scores = vec![("c1".to_string(), c1), ("c2".to_string(), c2)];
            let card = score(&scheme, satisfaction.as_ref(), &scores)
                .map_err(|e| ServiceError::Internal(e.message()))?;
            let w = ScoreWrite {
                community_code: community.into(),
                year: last,
                criterion_scores: serde_json::to_string(&scores).map_err(super::internal)?,
                scorecard: serde_json::to_string(&card).map_err(super::internal)?,
                total_tenths: (card.total * 10.0).round() as i64,
                scored_by: district.username.clone().unwrap_or_default(),
                scored_at: self.now_ms(),
            };
            let a = self.audit(
                &district,
                meta,
                "comprehensive.score",
                format!("comprehensive:{last}/{community}"),
            );
            self.store.record_score(&w, a).await?;
        }
        let a = self.audit(
            &district,
            meta,
            "comprehensive.publish",
            format!("comprehensive:{last}"),
        );
        self.store.publish_cycle(last, 0, self.now_ms(), a).await?;
        Ok(())
    }
}
