//! Results, scoped by who asks: a community sees its own, a street its communities, the district
//! all. Only turnout shows while a survey is open; distributions and scores open after it closes,
//! and only for groups of at least `MIN_GROUP` answers. Free text is read in full only by the
//! community it is about; everyone else sees how many wrote and the recurring terms.

use super::{SurveyView, bad};
use crate::service::{Actor, App, ServiceError};
use jianfu_domain::OrgKind;
use jianfu_domain::permission::Permission;
use jianfu_domain::scope::Scope;
use jianfu_domain::survey::results::{
    MIN_GROUP, SatisfactionScore, ScoreMoments, SurveyResults, Tally, TextSummary, response_rate,
    results, satisfaction, summarise,
};
use jianfu_domain::survey::{Phase, QuestionKind};
use jianfu_store::CommunityCounts;
use serde::Serialize;

/// One community's line in the overview.
#[derive(Debug, Clone, Serialize)]
pub struct CommunityLine {
    pub code: String,
    pub name: String,
    pub responses: u64,
    pub issued: u64,
    pub response_rate: Option<f64>,
    pub satisfaction: Option<SatisfactionScore>,
    /// Too few answers to show anything but turnout.
    pub suppressed: bool,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "shown", rename_all = "snake_case")]
pub enum TextsView {
    /// The community's own: every answer, by question.
    Full {
        questions: Vec<(usize, String, Vec<String>)>,
    },
    /// Others: how many wrote and the recurring terms.
    Summary {
        questions: Vec<(usize, String, TextSummary)>,
    },
}

#[derive(Debug, Clone, Serialize)]
pub struct ResultsView {
    pub survey: SurveyView,
    /// What the figures cover, e.g. "兴丰街道" or "三合南里社区".
    pub scope_name: String,
    pub community: Option<String>,
    /// Distributions and scores are open (the survey has closed).
    pub open: bool,
    /// Turnout over everything in view (shown or not).
    pub responses: u64,
    pub issued: u64,
    pub response_rate: Option<f64>,
    /// Answers from communities with too few to show, left out of `results`.
    pub left_out: u64,
    /// Distributions and the score over the communities shown.
    pub results: SurveyResults,
    pub lines: Vec<CommunityLine>,
    pub texts: Option<TextsView>,
}

fn moments(c: &CommunityCounts) -> ScoreMoments {
    ScoreMoments {
        n: c.scored.max(0) as u64,
        sum_tenths: c.sum_tenths,
        sum_sq_tenths: c.sum_sq_tenths,
    }
}

fn tallies_of(rows: Vec<(i64, i64, i64)>) -> Vec<Tally> {
    rows.into_iter()
        .map(|(question, value, count)| Tally {
            question: question as u32,
            value,
            count: count.max(0) as u64,
        })
        .collect()
}

impl App {
    /// Results of `survey_id` for one community, or for everything the actor may see. The
    /// distributions, scores and terms add up only communities with enough answers to be shown
    /// themselves: otherwise a hidden community's answers could be had by subtracting the shown
    /// ones from the total.
    pub async fn survey_results(
        &self,
        actor: &Actor,
        survey_id: &str,
        community: Option<&str>,
    ) -> Result<ResultsView, ServiceError> {
        actor.require(Permission::ViewSurveyResults)?;
        let survey = self.survey(survey_id).await?;
        if survey.phase == Phase::Draft {
            return Err(bad("survey_draft", "问卷还是草稿，没有结果。"));
        }
        let tree = self.org_tree().await?;
        let scope = actor.scope();
        let community = match community.map(str::trim).filter(|c| !c.is_empty()) {
            Some(c) => Some(self.named_community_in_scope(actor, c).await?),
            None => match &scope {
                Scope::Community(c) => tree.get(c).cloned(),
                _ => None,
            },
        };
        let in_scope: Vec<&jianfu_domain::Org> = tree
            .all()
            .iter()
            .filter(|o| {
                o.kind == OrgKind::Community
                    && scope.can_read_records_of(&o.code, &tree)
                    && community.as_ref().is_none_or(|c| c.code == o.code)
            })
            .collect();
        let whole_district = community.is_none() && scope == Scope::District;
        let selection: Option<Vec<String>> =
            (!whole_district).then(|| in_scope.iter().map(|o| o.code.to_string()).collect());
        let counts = self
            .store
            .survey_communities(survey_id, selection.as_deref())
            .await?;
        let open = survey.phase.results_open();
        let mut lines = Vec::with_capacity(in_scope.len());
        let (mut shown, mut shown_moments) = (Vec::new(), ScoreMoments::default());
        let (mut all_responses, mut all_issued, mut left_out) = (0u64, 0u64, 0u64);
        let mut shown_issued = 0u64;
        for org in &in_scope {
            let c = counts
                .iter()
                .find(|c| c.community == org.code.as_str())
                .cloned()
                .unwrap_or_default();
            let (responses, issued) = (c.responses.max(0) as u64, c.issued.max(0) as u64);
            let suppressed = responses < MIN_GROUP;
            all_responses += responses;
            all_issued += issued;
            if suppressed {
                left_out += responses;
            } else {
                shown.push(org.code.to_string());
                shown_moments = shown_moments + moments(&c);
                shown_issued += issued;
            }
            lines.push(CommunityLine {
                code: org.code.to_string(),
                name: org.name.clone(),
                responses,
                issued,
                response_rate: response_rate(responses, issued),
                satisfaction: (open && !suppressed)
                    .then(|| satisfaction(&moments(&c)))
                    .flatten(),
                suppressed,
            });
        }
        // Communities that took part first, then the rest, each in code order.
        lines.sort_by(|a, b| (a.issued == 0, &a.code).cmp(&(b.issued == 0, &b.code)));
        let q = &survey.questionnaire;
        let narrowed = (!(whole_district && left_out == 0 && shown.len() == in_scope.len()))
            .then_some(shown.as_slice());
        let summary = if open && !shown.is_empty() {
            let tallies = tallies_of(self.store.survey_tallies(survey_id, narrowed).await?);
            results(q, &tallies, &shown_moments, shown_issued)
        } else {
            results(q, &[], &ScoreMoments::default(), 0)
        };
        let texts = if open && !shown.is_empty() {
            let own = matches!((&scope, &community), (Scope::Community(home), Some(c)) if *home == c.code);
            Some(
                self.texts_view(
                    &survey,
                    community.as_ref().filter(|_| own),
                    narrowed,
                    &summary,
                )
                .await?,
            )
        } else {
            None
        };
        let scope_name = match (&community, &scope) {
            (Some(c), _) => c.name.clone(),
            (None, Scope::Subtree(s)) => tree.name_or_code(s.as_str()),
            _ => "全区".to_string(),
        };
        Ok(ResultsView {
            survey,
            scope_name,
            community: community.map(|c| c.code.to_string()),
            open,
            responses: all_responses,
            issued: all_issued,
            response_rate: response_rate(all_responses, all_issued),
            left_out,
            results: summary,
            lines,
            texts,
        })
    }

    /// Free text: in full for the community's own (`own`), else how many wrote and the terms.
    async fn texts_view(
        &self,
        survey: &SurveyView,
        own: Option<&jianfu_domain::Org>,
        narrowed: Option<&[String]>,
        summary: &SurveyResults,
    ) -> Result<TextsView, ServiceError> {
        let text_questions: Vec<(usize, String)> = survey
            .questionnaire
            .questions
            .iter()
            .enumerate()
            .filter(|(_, q)| q.kind == QuestionKind::Text)
            .map(|(i, q)| (i + 1, q.text.clone()))
            .collect();
        if let Some(c) = own {
            let rows = self.store.survey_texts(&survey.id, c.code.as_str()).await?;
            return Ok(TextsView::Full {
                questions: text_questions
                    .into_iter()
                    .map(|(n, text)| {
                        let answers = rows
                            .iter()
                            .filter(|(q, _)| *q as usize == n)
                            .map(|(_, b)| b.clone())
                            .collect();
                        (n, text, answers)
                    })
                    .collect(),
            });
        }
        let terms = self.store.survey_terms(&survey.id, narrowed).await?;
        let written = |n: usize| -> u64 {
            // The text counter (question n, value 0), from the same tallies as the summary.
            summary_text_count(summary, n)
        };
        Ok(TextsView::Summary {
            questions: text_questions
                .into_iter()
                .map(|(n, text)| {
                    let mine = terms
                        .iter()
                        .filter(|(q, _, _)| *q as usize == n)
                        .map(|(_, t, c)| (t.clone(), (*c).max(0) as u64));
                    (n, text, summarise(written(n), mine))
                })
                .collect(),
        })
    }

    /// A community's satisfaction score in a closed survey, for the comprehensive evaluation,
    /// with its results; `None` while the survey is open or when nobody rated anything.
    pub async fn community_satisfaction(
        &self,
        survey_id: &str,
        community: &str,
    ) -> Result<Option<(SatisfactionScore, SurveyResults)>, ServiceError> {
        let survey = self.survey(survey_id).await?;
        if !survey.phase.results_open() {
            return Ok(None);
        }
        let one = [community.to_string()];
        let counts = self.store.survey_communities(survey_id, Some(&one)).await?;
        let Some(c) = counts.first() else {
            return Ok(None);
        };
        let tallies = tallies_of(self.store.survey_tallies(survey_id, Some(&one)).await?);
        let m = moments(c);
        let r = results(&survey.questionnaire, &tallies, &m, c.issued.max(0) as u64);
        Ok(satisfaction(&m).map(|s| (s, r)))
    }
}

/// How many wrote something for text question `n`: its counter in the tallies summed for
/// `summary` (the results keep it as the question's `answered`).
fn summary_text_count(summary: &SurveyResults, n: usize) -> u64 {
    summary
        .questions
        .iter()
        .find(|q| q.number == n)
        .map(|q| q.answered)
        .unwrap_or(0)
}
