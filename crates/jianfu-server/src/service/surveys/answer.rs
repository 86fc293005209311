//! The resident's side: the public form of one community's survey, and counting an answer. The
//! code is spent and the answer counted in one transaction; the form's nonce makes a resent form
//! (a slow network, a double tap) harmless. Nothing about the sender is kept, and an answer has no
//! audit record (it would carry the exact time); printing, voiding and publishing are audited.

use super::{SurveyView, bad, not_found};
use crate::service::{App, RequestMeta, ServiceError};
use jianfu_domain::survey::household_code::{code_digest, parse_household_code};
use jianfu_domain::survey::results::increments;
use jianfu_domain::survey::{Phase, check_answers};
use jianfu_domain::verify_limit::{self, SURVEY_CODES, Verdict};
use jianfu_domain::{OrgCode, OrgKind};
use jianfu_store::{SubmitOutcome, SurveySubmission};
use sha2::{Digest, Sha256};

/// What the public page needs.
pub struct AnswerForm {
    pub survey: SurveyView,
    pub community_code: String,
    pub community_name: String,
}

/// An answer taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Submitted {
    /// The same form had been counted already.
    pub again: bool,
}

impl App {
    pub async fn survey_answer_form(
        &self,
        id: &str,
        community: &str,
    ) -> Result<AnswerForm, ServiceError> {
        let survey = self.survey(id).await?;
        if survey.phase == Phase::Draft {
            return Err(not_found());
        }
        let tree = self.org_tree().await?;
        let org = OrgCode::parse(community)
            .ok()
            .and_then(|c| tree.get(&c).cloned())
            .filter(|o| o.kind == OrgKind::Community)
            .ok_or_else(|| ServiceError::NotFound("没有这个社区".into()))?;
        Ok(AnswerForm {
            survey,
            community_code: org.code.to_string(),
            community_name: org.name,
        })
    }

    /// Counts one household's answer. `fields` are the `q…` fields of the form.
    pub async fn submit_survey_answer(
        &self,
        meta: &RequestMeta,
        id: &str,
        community: &str,
        code: &str,
        nonce: &str,
        fields: &[(String, String)],
    ) -> Result<Submitted, ServiceError> {
        let form = self.survey_answer_form(id, community).await?;
        let survey = &form.survey;
        if !survey.phase.accepts_answers() {
            let when = match survey.phase {
                Phase::Scheduled => {
                    format!("将于 {} 开始", survey.opens_on.as_deref().unwrap_or(""))
                }
                _ => format!("已于 {} 结束", survey.closes_on.as_deref().unwrap_or("")),
            };
            return Err(bad(
                "survey_not_open",
                format!("本次调查{when}，现在不能提交。"),
            ));
        }
        // The client's address is used here, in memory, to slow down guessing; it is never
        // stored with anything.
        let client = verify_limit::client_key(meta.client_addr.as_deref().unwrap_or("?"));
        let now = self.now_ms();
        if let Verdict::Throttled { until } =
            self.survey_code_limiter
                .check_under(SURVEY_CODES, &client, now)
        {
            let minutes = ((until - now) as f64 / 60_000.0).ceil().max(1.0) as i64;
            return Err(ServiceError::RateLimited(format!(
                "入户码输错的次数太多，请 {minutes} 分钟后再试；已填的答案请先不要关闭页面。"
            )));
        }
        let wrong = || {
            self.survey_code_limiter
                .fail_under(SURVEY_CODES, &client, now)
        };
        let code = parse_household_code(code).map_err(|e| {
            wrong();
            bad(e.code(), e.message())
        })?;
        let nonce = nonce.trim();
        if nonce.is_empty() || nonce.len() > 128 {
            return Err(bad(
                "nonce_missing",
                "页面不完整，请刷新后再提交（已填的内容请先记下）。",
            ));
        }
        let digest = code_digest(&survey.id, &code);
        let nonce_digest = hex::encode(Sha256::digest(nonce.as_bytes()));
        // A plain read first: a wrong or used code is answered without taking the write lock.
        let known = self
            .store
            .code_state(&survey.id, &form.community_code, &digest)
            .await?;
        let outcome = match known {
            None => {
                wrong();
                SubmitOutcome::Unknown
            }
            Some(c) if c.spent && c.spent_nonce.as_deref() == Some(&nonce_digest) => {
                SubmitOutcome::AlreadyCounted
            }
            Some(c) if c.spent => SubmitOutcome::Spent,
            Some(c) if c.voided => SubmitOutcome::Voided,
            Some(_) => {
                // The answers are read only for a code that can still count: a refusal here
                // keeps the code unspent, and a wrong code is told first.
                let answers = check_answers(&survey.questionnaire, fields)
                    .map_err(|e| bad(e.code(), e.message()))?;
                let inc = increments(&survey.questionnaire, &answers);
                let submission = SurveySubmission {
                    survey_id: survey.id.clone(),
                    community_code: form.community_code.clone(),
                    digest,
                    nonce_digest,
                    counters: inc.counters,
                    score_tenths: inc.score_tenths,
                    texts: inc
                        .texts
                        .into_iter()
                        .map(|(q, t)| (crate::service::random_token(), q, t))
                        .collect(),
                    terms: inc.terms,
                    answered_on: self.today().to_string(),
                };
                // No audit record and no request metadata: a record would carry the answer's
                // exact time (docs/surveys.md). The turnout counter is the record.
                self.survey_intake.count(&self.store, submission).await?
            }
        };
        match outcome {
            SubmitOutcome::Counted => Ok(Submitted { again: false }),
            SubmitOutcome::AlreadyCounted => Ok(Submitted { again: true }),
            SubmitOutcome::Unknown => Err(bad(
                "code_unknown",
                format!(
                    "这个入户码不是{}本次调查的。请核对纸条上的社区名称；码是街道发到您家的那张纸条上的。",
                    form.community_name
                ),
            )),
            SubmitOutcome::Voided => Err(bad(
                "code_voided",
                "这个入户码所在的一批纸条已经作废，请向社区或街道领取新的入户码。",
            )),
            SubmitOutcome::Spent => Err(bad(
                "code_spent",
                "这个入户码已经用过了：每户只能提交一次。如果您家没有提交过，请联系街道工作人员。",
            )),
        }
    }
}
