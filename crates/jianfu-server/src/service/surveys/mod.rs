//! Resident satisfaction surveys (居民满意度调查, issue 11 §4). The district builds and publishes
//! questionnaires (`manage`); a community's street prints its one-time household codes (`codes`);
//! residents answer on a public page with no account (`answer`); results open after closing,
//! scoped by who asks (`results`).

mod answer;
mod codes;
mod demo;
mod intake;
mod manage;
mod results;

pub use answer::{AnswerForm, Submitted};
pub use codes::CodeSlipsPdf;
pub use intake::SurveyIntake;
pub use manage::DraftEdit;
pub use results::{CommunityLine, ResultsView, TextsView};

use super::ServiceError;
use jianfu_domain::survey::{Phase, Questionnaire, SurveyDates, phase};
use jianfu_store::SurveyRow;
use serde::Serialize;

/// A questionnaire version as shown.
#[derive(Debug, Clone, Serialize)]
pub struct SurveyView {
    pub id: String,
    pub series: String,
    pub version: i64,
    pub owner_name: String,
    pub questionnaire: Questionnaire,
    pub phase: Phase,
    pub opens_on: Option<String>,
    pub closes_on: Option<String>,
    pub revision: i64,
}

impl SurveyView {
    pub fn path(&self) -> String {
        format!("/surveys/{}", self.id)
    }
    /// The public page residents of `community` answer on.
    pub fn answer_path(&self, community: &str) -> String {
        format!("/s/{}/{}", self.id, community)
    }
    pub fn title(&self) -> &str {
        &self.questionnaire.title
    }
}

fn bad(code: &'static str, message: impl Into<String>) -> ServiceError {
    ServiceError::Rejected {
        code,
        message: message.into(),
    }
}

/// A new questionnaire id: short enough that a community's link prints on a slip and is typed
/// from it (`/s/K7Q2M9XD/110115001901`).
pub(crate) fn new_survey_id() -> Result<String, ServiceError> {
    crate::service::short_id()
}

fn not_found() -> ServiceError {
    ServiceError::NotFound("该问卷不存在".into())
}

fn day(s: &Option<String>) -> Option<time::Date> {
    s.as_deref()
        .and_then(jianfu_domain::inventory::status::parse_day)
}

fn view(
    r: SurveyRow,
    tree: &jianfu_domain::org::OrgTree,
    today: time::Date,
) -> Result<SurveyView, ServiceError> {
    let questionnaire: Questionnaire = serde_json::from_str(&r.questionnaire)
        .map_err(|e| ServiceError::Internal(format!("questionnaire {}: {e}", r.id)))?;
    let dates = match (day(&r.opens_on), day(&r.closes_on)) {
        (Some(opens_on), Some(closes_on)) if r.published_at.is_some() => Some(SurveyDates {
            opens_on,
            closes_on,
        }),
        _ => None,
    };
    Ok(SurveyView {
        owner_name: tree.name_or_code(&r.owner_code),
        phase: phase(dates, today),
        id: r.id,
        series: r.series,
        version: r.version,
        questionnaire,
        opens_on: r.opens_on,
        closes_on: r.closes_on,
        revision: r.revision,
    })
}

impl super::App {
    /// Every questionnaire version, newest first (staff pages; residents reach one survey by its
    /// community link).
    pub async fn surveys(&self) -> Result<Vec<SurveyView>, ServiceError> {
        let tree = self.org_tree().await?;
        let today = self.today();
        self.store
            .surveys()
            .await?
            .into_iter()
            .map(|r| view(r, &tree, today))
            .collect()
    }

    pub async fn survey(&self, id: &str) -> Result<SurveyView, ServiceError> {
        let row = self.store.survey(id).await?.ok_or_else(not_found)?;
        view(row, &*self.org_tree().await?, self.today())
    }
}
