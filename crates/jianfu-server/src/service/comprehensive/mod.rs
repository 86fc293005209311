//! The district's comprehensive evaluation of communities (社区工作综合考评, issue 11 §3): one
//! cycle a year. 区社会办 sets the scheme (resident satisfaction the main part, never under 50%;
//! the work criteria, evaluations folded in from the register) and the dates (`cycles`); streets
//! nominate their communities with a self-report and the district scores them (`nominations`);
//! the published results are public, export to xlsx and print on one page (`export`).

mod cycles;
mod demo;
mod export;
mod nominations;

pub use cycles::{CriterionInput, CycleInput};
pub use nominations::SurveyDriver;

use super::ServiceError;
use jianfu_domain::evaluation::comprehensive::{Cycle, Phase, Scheme, Scorecard, phase};
use jianfu_domain::inventory::status::parse_day;
use jianfu_store::{CycleRow, NominationRow};
use serde::Serialize;

/// A cycle as shown.
#[derive(Debug, Clone, Serialize)]
pub struct CycleView {
    pub year: i64,
    pub scheme: Scheme,
    pub survey_id: Option<String>,
    pub survey_title: Option<String>,
    pub nominations_close: String,
    pub scoring_close: String,
    pub phase: Phase,
    pub revision: i64,
}

impl CycleView {
    pub fn path(&self) -> String {
        format!("/comprehensive/{}", self.year)
    }
}

/// A nomination as shown, with its score once given.
#[derive(Debug, Clone, Serialize)]
pub struct NominationView {
    pub year: i64,
    pub community_code: String,
    pub community_name: String,
    pub street_name: String,
    pub self_report: String,
    pub nominated_by: String,
    pub nominated_on: String,
    pub scorecard: Option<Scorecard>,
    /// The district's criterion scores as given (key → score).
    pub criterion_scores: Vec<(String, f64)>,
    /// Place among the final scorecards (equal totals share a place); none while unscored or
    /// not final (satisfaction could not be judged).
    pub rank: Option<usize>,
}

impl NominationView {
    pub fn path(&self) -> String {
        format!("/comprehensive/{}/{}", self.year, self.community_code)
    }
    pub fn total(&self) -> Option<f64> {
        self.scorecard.as_ref().map(|c| c.total)
    }
    /// The part that lost the most points, described.
    pub fn main_driver(&self) -> String {
        self.scorecard
            .as_ref()
            .and_then(|c| c.drivers().first().map(|p| p.describe()))
            .unwrap_or_default()
    }
}

fn bad(code: &'static str, message: impl Into<String>) -> ServiceError {
    ServiceError::Rejected {
        code,
        message: message.into(),
    }
}

fn not_found() -> ServiceError {
    ServiceError::NotFound("该年度的综合考评不存在".into())
}

fn internal(e: impl std::fmt::Display) -> ServiceError {
    ServiceError::Internal(e.to_string())
}

fn cycle_of(r: &CycleRow) -> Result<Cycle, ServiceError> {
    let day = |s: &str| parse_day(s).ok_or_else(|| internal(format!("cycle day {s}")));
    Ok(Cycle {
        year: r.year as i32,
        nominations_close: day(&r.nominations_close)?,
        scoring_close: day(&r.scoring_close)?,
        published: r.published_at.is_some(),
    })
}

fn nomination_view(
    r: NominationRow,
    tree: &jianfu_domain::org::OrgTree,
) -> Result<NominationView, ServiceError> {
    let scorecard = r
        .scorecard
        .as_deref()
        .map(serde_json::from_str::<Scorecard>)
        .transpose()
        .map_err(internal)?;
    let criterion_scores = r
        .criterion_scores
        .as_deref()
        .map(serde_json::from_str::<Vec<(String, f64)>>)
        .transpose()
        .map_err(internal)?
        .unwrap_or_default();
    Ok(NominationView {
        year: r.year,
        community_name: tree.name_or_code(&r.community_code),
        street_name: tree.name_or_code(&r.street_code),
        community_code: r.community_code,
        self_report: r.self_report,
        nominated_by: r.nominated_by,
        nominated_on: jianfu_domain::clock::format_beijing(r.nominated_at)
            .get(..10)
            .unwrap_or_default()
            .to_string(),
        scorecard,
        criterion_scores,
        rank: None,
    })
}

/// Places by total, best first, among final scorecards; equal totals share a place (1, 2, 2, 4).
pub(crate) fn rank(list: &mut [NominationView]) {
    let mut totals: Vec<f64> = list
        .iter()
        .filter_map(|n| {
            n.scorecard
                .as_ref()
                .filter(|c| c.is_final())
                .map(|c| c.total)
        })
        .collect();
    totals.sort_by(|a, b| b.total_cmp(a));
    for n in list.iter_mut() {
        n.rank = n
            .scorecard
            .as_ref()
            .filter(|c| c.is_final())
            .map(|c| totals.iter().take_while(|t| **t > c.total).count() + 1);
    }
}

impl super::App {
    fn cycle_view(
        &self,
        r: CycleRow,
        survey_title: Option<String>,
    ) -> Result<CycleView, ServiceError> {
        let scheme: Scheme = serde_json::from_str(&r.scheme).map_err(internal)?;
        let c = cycle_of(&r)?;
        Ok(CycleView {
            year: r.year,
            scheme,
            survey_id: r.survey_id,
            survey_title,
            nominations_close: r.nominations_close,
            scoring_close: r.scoring_close,
            phase: phase(&c, self.today()),
            revision: r.revision,
        })
    }

    async fn survey_title(&self, id: Option<&str>) -> Result<Option<String>, ServiceError> {
        match id {
            Some(id) => Ok(self.store.survey(id).await?.map(|s| s.title)),
            None => Ok(None),
        }
    }

    /// Every cycle, newest first (public: a cycle and its scheme are no secret; nominations are).
    pub async fn comprehensive_cycles(&self) -> Result<Vec<CycleView>, ServiceError> {
        let mut out = Vec::new();
        for r in self.store.cycles().await? {
            let title = self.survey_title(r.survey_id.as_deref()).await?;
            out.push(self.cycle_view(r, title)?);
        }
        Ok(out)
    }

    /// The year's results as a workbook (whoever may read the nominations).
    pub async fn comprehensive_xlsx(
        &self,
        actor: Option<&super::Actor>,
        year: i64,
    ) -> Result<Vec<u8>, ServiceError> {
        let c = self.comprehensive_cycle(year).await?;
        let rows = self.nominations(actor, year).await?;
        export::results_xlsx(&c, &rows)
    }

    pub async fn comprehensive_cycle(&self, year: i64) -> Result<CycleView, ServiceError> {
        let r = self.store.cycle(year).await?.ok_or_else(not_found)?;
        let title = self.survey_title(r.survey_id.as_deref()).await?;
        self.cycle_view(r, title)
    }
}
