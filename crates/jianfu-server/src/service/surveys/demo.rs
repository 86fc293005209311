//! The demo surveys (only for `serve --demo`): last quarter's, closed, with answers from the
//! demo street's communities so the results pages have something to show; and this year's, open
//! now, with a batch of slips printed for the first demo community (its link and codes are printed at start-up, so a person
//! clicking through can answer as a resident).

use crate::service::{Actor, App, RequestMeta, ServiceError};
use jianfu_domain::survey::answers::check_answers;
use jianfu_domain::survey::household_code::{code_digest, format_household_code};
use jianfu_domain::survey::questionnaire::standard_template;
use jianfu_domain::survey::results::increments;
use jianfu_store::{CodeBatchRow, SurveyRow, SurveySubmission};
use sha2::Digest;

/// A small deterministic generator: the demo shows the same figures every time.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn pick(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const COMMENTS: [&str; 6] = [
    "小区停车太难了，晚上经常找不到车位",
    "希望多组织老人活动",
    "社区办事比以前快多了",
    "停车管理需要加强",
    "垃圾分类点的卫生要改进",
    "老人活动室开放时间太短",
];

impl App {
    pub async fn load_demo_surveys(&self, meta: &RequestMeta) -> Result<Vec<String>, ServiceError> {
        let district = self.demo_actor("shenpi").await?;
        let street = self.demo_actor("jiedao").await?;
        let today = self.today();
        self.load_demo_closed_survey(&district, meta, today).await?;
        let open = self.create_survey(&district, meta, None).await?;
        let closes = today + time::Duration::days(27);
        let open = self
            .publish_survey(
                &district,
                meta,
                &open.id,
                open.revision,
                &today.to_string(),
                &closes.to_string(),
            )
            .await?;
        let mut codes = Vec::new();
        let mut rng = Lcg(7);
        for _ in 0..5 {
            let bytes = std::array::from_fn(|_| rng.pick(256) as u8);
            codes.push(format_household_code(bytes));
        }
        let digests: Vec<String> = codes.iter().map(|c| code_digest(&open.id, c)).collect();
        self.store
            .add_code_batch(
                &demo_batch(&open.id, "110115001901", &street, today),
                &digests,
                self.audit(
                    &street,
                    meta,
                    "survey.codes",
                    format!("survey:{}/110115001901", open.id),
                ),
            )
            .await?;
        Ok(codes
            .into_iter()
            .map(|c| {
                format!(
                    "{}{} {c}",
                    self.public_base_url(),
                    open.answer_path("110115001901")
                )
            })
            .collect())
    }

    /// Written straight to the store: a survey cannot be published or answered in the past
    /// through the use cases.
    async fn load_demo_closed_survey(
        &self,
        district: &Actor,
        meta: &RequestMeta,
        today: time::Date,
    ) -> Result<(), ServiceError> {
        let id = super::new_survey_id()?;
        let mut q = standard_template(today.year());
        q.title = "社区居民满意度调查（演示：已结束）".to_string();
        let opens = today - time::Duration::days(60);
        let closes = today - time::Duration::days(31);
        let row = SurveyRow {
            id: id.clone(),
            series: id.clone(),
            version: 1,
            owner_code: district
                .org
                .as_ref()
                .map(|o| o.to_string())
                .unwrap_or_default(),
            title: q.title.clone(),
            questionnaire: serde_json::to_string(&q)
                .map_err(|e| ServiceError::Internal(e.to_string()))?,
            opens_on: Some(opens.to_string()),
            closes_on: Some(closes.to_string()),
            created_by: district.username.clone().unwrap_or_default(),
            created_at: self.now_ms(),
            published_at: Some(self.now_ms()),
            revision: 1,
        };
        let a = self.audit(district, meta, "survey.create", format!("survey:{id}"));
        self.store.insert_survey(&row, a).await?;
        let street = self.demo_actor("jiedao").await?;
        let mut rng = Lcg(2026);
        // (community, slips, answers, how pleased: the chance in 10 of a top rating)
        for (community, slips, answered, pleased) in
            [("110115001901", 80, 52, 7), ("110115001902", 60, 34, 4)]
        {
            let codes: Vec<String> = (0..slips)
                .map(|_| format_household_code(std::array::from_fn(|_| rng.pick(256) as u8)))
                .collect();
            let digests: Vec<String> = codes.iter().map(|c| code_digest(&id, c)).collect();
            let a = self.audit(
                &street,
                meta,
                "survey.codes",
                format!("survey:{id}/{community}"),
            );
            self.store
                .add_code_batch(&demo_batch(&id, community, &street, opens), &digests, a)
                .await?;
            for code in codes.iter().take(answered) {
                let rating = |rng: &mut Lcg| {
                    let r = rng.pick(10);
                    (if r < pleased {
                        5 - rng.pick(2)
                    } else {
                        3 - rng.pick(3)
                    })
                    .to_string()
                };
                let mut fields = vec![("q1".to_string(), rng.pick(2).to_string())];
                if fields[0].1 == "0" {
                    fields.push(("q2".into(), rating(&mut rng)));
                }
                for n in 3..=5 {
                    fields.push((format!("q{n}"), rating(&mut rng)));
                }
                fields.push(("q6".into(), rng.pick(5).to_string()));
                if rng.pick(3) == 0 {
                    fields.push(("q7".into(), COMMENTS[rng.pick(6) as usize].into()));
                }
                let answers =
                    check_answers(&q, &fields).map_err(|e| ServiceError::Internal(e.message()))?;
                let inc = increments(&q, &answers);
                let s = SurveySubmission {
                    survey_id: id.clone(),
                    community_code: community.into(),
                    digest: code_digest(&id, code),
                    // A digest of a random nonce, as a real form's: never the code itself.
                    nonce_digest: hex::encode(sha2::Sha256::digest(
                        crate::service::random_token().as_bytes(),
                    )),
                    counters: inc.counters,
                    score_tenths: inc.score_tenths,
                    texts: inc
                        .texts
                        .into_iter()
                        .map(|(n, t)| (crate::service::random_token(), n, t))
                        .collect(),
                    terms: inc.terms,
                    answered_on: closes.to_string(),
                };
                self.store.submit_surveys(&[s]).await?;
            }
        }
        Ok(())
    }
}

fn demo_batch(survey: &str, community: &str, street: &Actor, on: time::Date) -> CodeBatchRow {
    CodeBatchRow {
        community_code: community.into(),
        survey_id: survey.into(),
        batch: 0,
        codes: 0,
        printed_by: street.username.clone().unwrap_or_default(),
        printed_by_org: street
            .org
            .as_ref()
            .map(|o| o.to_string())
            .unwrap_or_default(),
        printed_on: on.to_string(),
        voided_on: None,
        spent: 0,
    }
}
