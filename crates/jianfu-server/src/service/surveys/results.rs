//! Results, scoped by who asks: a community sees its own, a street its communities, the district
//! all. Only turnout shows while a survey is open; distributions and scores open after it closes,
//! and only for groups of at least `MIN_GROUP` answers. Free text is read in full only by the
//! community it is about; everyone else sees how many wrote and the recurring terms.

use super::{SurveyView, bad};
use crate::service::{Actor, App, ServiceError};
use jianfu_domain::permission::Permission;
use jianfu_domain::scope::Scope;
use jianfu_domain::survey::results::{
    SatisfactionScore, SurveyResults, Tally, TextSummary, results, satisfaction, summarise_texts,
};
use jianfu_domain::survey::{Phase, QuestionKind};
use jianfu_domain::{OrgCode, OrgKind};
use jianfu_store::SurveyCounts;
use serde::Serialize;
use std::collections::BTreeMap;

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
    pub results: SurveyResults,
    pub lines: Vec<CommunityLine>,
    pub texts: Option<TextsView>,
}

/// One community's counters, score histogram and codes handed out.
#[derive(Default)]
struct Group {
    tallies: Vec<Tally>,
    scores: Vec<(i64, u64)>,
    issued: u64,
}

fn by_community(c: &SurveyCounts) -> BTreeMap<&str, Group> {
    let mut m: BTreeMap<&str, Group> = BTreeMap::new();
    for (community, question, value, count) in &c.tallies {
        m.entry(community).or_default().tallies.push(Tally {
            question: *question as u32,
            value: *value,
            count: *count as u64,
        });
    }
    for (community, tenths, count) in &c.scores {
        m.entry(community)
            .or_default()
            .scores
            .push((*tenths, *count as u64));
    }
    for (community, issued) in &c.issued {
        m.entry(community).or_default().issued = *issued as u64;
    }
    m
}

impl App {
    /// Results of `survey_id` for one community, or for everything the actor may see.
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
            Some(c) => Some(self.community_in_scope(actor, c).await?),
            None => match &scope {
                Scope::Community(c) => tree.get(c).cloned(),
                _ => None,
            },
        };
        let counts = self
            .store
            .survey_counts(survey_id, community.as_ref().map(|c| c.code.as_str()))
            .await?;
        let open = survey.phase.results_open();
        let q = &survey.questionnaire;
        let visible =
            |code: &str| OrgCode::parse(code).is_ok_and(|c| scope.can_read_records_of(&c, &tree));
        let grouped = by_community(&counts);
        let mut all_tallies = Vec::new();
        let mut all_scores = Vec::new();
        let mut all_issued = 0;
        let mut lines = Vec::new();
        for (code, g) in &grouped {
            let (tallies, scores, issued) = (&g.tallies, &g.scores, &g.issued);
            if !visible(code) {
                continue;
            }
            let r = results(q, tallies, scores, *issued);
            lines.push(CommunityLine {
                code: code.to_string(),
                name: tree.name_or_code(code),
                responses: r.responses,
                issued: r.issued,
                response_rate: r.response_rate,
                satisfaction: if open { r.satisfaction } else { None },
                suppressed: r.suppressed,
            });
            all_tallies.extend_from_slice(tallies);
            all_scores.extend_from_slice(scores);
            all_issued += issued;
        }
        // Communities in scope with nothing printed yet still get a line.
        for org in tree.all().iter().filter(|o| {
            o.kind == OrgKind::Community
                && scope.can_read_records_of(&o.code, &tree)
                && community.as_ref().is_none_or(|c| c.code == o.code)
        }) {
            if !grouped.contains_key(org.code.as_str()) {
                lines.push(CommunityLine {
                    code: org.code.to_string(),
                    name: org.name.clone(),
                    responses: 0,
                    issued: 0,
                    response_rate: None,
                    satisfaction: None,
                    suppressed: true,
                });
            }
        }
        // Communities that took part first, then the rest, each in code order.
        lines.sort_by(|a, b| (a.issued == 0, &a.code).cmp(&(b.issued == 0, &b.code)));
        let mut summary = results(q, &all_tallies, &all_scores, all_issued);
        if !open {
            summary.satisfaction = None;
            summary.questions.clear();
        }
        let scope_name = match (&community, &scope) {
            (Some(c), _) => c.name.clone(),
            (None, Scope::Subtree(s)) => tree.name_or_code(s.as_str()),
            _ => "全区".to_string(),
        };
        let texts = if open && !summary.suppressed {
            Some(self.texts_view(actor, &survey, community.as_ref()).await?)
        } else {
            None
        };
        Ok(ResultsView {
            survey,
            scope_name,
            community: community.map(|c| c.code.to_string()),
            open,
            results: summary,
            lines,
            texts,
        })
    }

    async fn texts_view(
        &self,
        actor: &Actor,
        survey: &SurveyView,
        community: Option<&jianfu_domain::Org>,
    ) -> Result<TextsView, ServiceError> {
        let tree = self.org_tree().await?;
        let scope = actor.scope();
        let rows = self
            .store
            .survey_texts(&survey.id, community.map(|c| c.code.as_str()))
            .await?;
        let own =
            matches!((&scope, community), (Scope::Community(home), Some(c)) if *home == c.code);
        let text_questions = survey
            .questionnaire
            .questions
            .iter()
            .enumerate()
            .filter(|(_, q)| q.kind == QuestionKind::Text);
        let (rows, scope, tree) = (&rows, &scope, &tree);
        let of = move |n: usize| {
            rows.iter().filter(move |(c, q, _)| {
                *q as usize == n
                    && OrgCode::parse(c).is_ok_and(|c| scope.can_read_records_of(&c, tree))
            })
        };
        Ok(if own {
            TextsView::Full {
                questions: text_questions
                    .map(|(i, q)| {
                        (
                            i + 1,
                            q.text.clone(),
                            of(i + 1).map(|r| r.2.clone()).collect(),
                        )
                    })
                    .collect(),
            }
        } else {
            TextsView::Summary {
                questions: text_questions
                    .map(|(i, q)| {
                        (
                            i + 1,
                            q.text.clone(),
                            summarise_texts(of(i + 1).map(|r| r.2.as_str())),
                        )
                    })
                    .collect(),
            }
        })
    }

    /// A community's satisfaction score in a closed survey, for the comprehensive evaluation;
    /// `None` while the survey is open or when nobody answered.
    pub async fn community_satisfaction(
        &self,
        survey_id: &str,
        community: &str,
    ) -> Result<Option<(SatisfactionScore, SurveyResults)>, ServiceError> {
        let survey = self.survey(survey_id).await?;
        if !survey.phase.results_open() {
            return Ok(None);
        }
        let counts = self.store.survey_counts(survey_id, Some(community)).await?;
        let grouped = by_community(&counts);
        let Some(g) = grouped.get(community) else {
            return Ok(None);
        };
        let r = results(&survey.questionnaire, &g.tallies, &g.scores, g.issued);
        Ok(satisfaction(&g.scores).map(|s| (s, r)))
    }
}
