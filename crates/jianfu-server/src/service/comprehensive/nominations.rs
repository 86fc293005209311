//! 街道自荐申报 and the district's scoring. A street nominates its own communities, each once a
//! year, with a self-report; the district gives each work criterion a score and the domain adds
//! resident satisfaction from the cycle's survey (what the survey says when scored). Before
//! publication a street sees its own nominations and the district all; after it, everyone.

use super::{NominationView, bad, cycle_of, internal, nomination_view, not_found};
use crate::service::{Actor, App, RequestMeta, ServiceError};
use jianfu_domain::evaluation::comprehensive::{
    Satisfaction, Scheme, check_self_report, may_nominate, may_score, phase, score,
};
use jianfu_domain::permission::Permission;
use jianfu_domain::scope::Scope;
use jianfu_domain::survey::QuestionKind;
use jianfu_domain::text::half_width_text;
use jianfu_domain::{OrgCode, OrgKind};
use jianfu_store::{NominationRow, ScoreWrite};
use serde::Serialize;

/// A survey question that pulled a community's satisfaction down.
#[derive(Debug, Clone, Serialize)]
pub struct SurveyDriver {
    pub number: usize,
    pub text: String,
    /// 0–100.
    pub score: f64,
}

impl App {
    /// Who may read the year's nominations: everyone once published; before, the district and
    /// the nominating streets (their own).
    fn may_read_nominations(&self, actor: Option<&Actor>, published: bool) -> Option<Scope> {
        if published {
            return Some(Scope::District);
        }
        let a = actor?;
        if a.may(Permission::RunComprehensiveEvaluation) {
            Some(Scope::District)
        } else if a.may(Permission::NominateCommunities) {
            Some(a.scope())
        } else {
            None
        }
    }

    /// The year's nominations the caller may read, best total first.
    pub async fn nominations(
        &self,
        actor: Option<&Actor>,
        year: i64,
    ) -> Result<Vec<NominationView>, ServiceError> {
        let cycle = self.store.cycle(year).await?.ok_or_else(not_found)?;
        let Some(scope) = self.may_read_nominations(actor, cycle.published_at.is_some()) else {
            return Err(ServiceError::Forbidden);
        };
        let tree = self.org_tree().await?;
        let mut list = self
            .store
            .nominations(year)
            .await?
            .into_iter()
            .filter(|n| {
                OrgCode::parse(&n.community_code)
                    .is_ok_and(|c| scope.can_read_records_of(&c, &tree))
            })
            .map(|n| nomination_view(n, &tree))
            .collect::<Result<Vec<_>, _>>()?;
        super::rank(&mut list);
        // Ranked first, by place; then the rest as stored.
        list.sort_by_key(|n| n.rank.unwrap_or(usize::MAX));
        Ok(list)
    }

    pub async fn nomination(
        &self,
        actor: Option<&Actor>,
        year: i64,
        community: &str,
    ) -> Result<NominationView, ServiceError> {
        let nf = || ServiceError::NotFound("没有这项自荐申报".into());
        let cycle = self.store.cycle(year).await?.ok_or_else(not_found)?;
        let scope = self
            .may_read_nominations(actor, cycle.published_at.is_some())
            .ok_or(ServiceError::Forbidden)?;
        let tree = self.org_tree().await?;
        let code = OrgCode::parse(community).map_err(|_| nf())?;
        if !scope.can_read_records_of(&code, &tree) {
            return Err(nf());
        }
        let row = self
            .store
            .nomination(year, code.as_str())
            .await?
            .ok_or_else(nf)?;
        nomination_view(row, &tree)
    }

    /// The survey questions of the cycle's survey, lowest-rated first, for one community: what
    /// its residents were least satisfied with. Empty without a closed survey or enough answers.
    pub async fn satisfaction_drivers(
        &self,
        year: i64,
        community: &str,
    ) -> Result<Vec<SurveyDriver>, ServiceError> {
        let cycle = self.store.cycle(year).await?.ok_or_else(not_found)?;
        let Some(survey) = cycle.survey_id.as_deref() else {
            return Ok(Vec::new());
        };
        let Some((_, results)) = self.community_satisfaction(survey, community).await? else {
            return Ok(Vec::new());
        };
        let mut v: Vec<SurveyDriver> = results
            .questions
            .into_iter()
            .filter(|q| q.kind == QuestionKind::Rating)
            .filter_map(|q| {
                q.score.map(|score| SurveyDriver {
                    number: q.number,
                    text: q.text,
                    score,
                })
            })
            .collect();
        v.sort_by(|a, b| a.score.total_cmp(&b.score));
        Ok(v)
    }

    /// A street nominates one of its communities with a self-report.
    pub async fn nominate(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        year: i64,
        community: &str,
        self_report: &str,
    ) -> Result<NominationView, ServiceError> {
        actor.require(Permission::NominateCommunities)?;
        let cycle = self.store.cycle(year).await?.ok_or_else(not_found)?;
        may_nominate(phase(&cycle_of(&cycle)?, self.today()))
            .map_err(|e| bad(e.code(), e.message()))?;
        let tree = self.org_tree().await?;
        let street = actor
            .org
            .as_ref()
            .and_then(|c| tree.get(c))
            .filter(|o| o.kind == OrgKind::Street)
            .ok_or(ServiceError::Forbidden)?
            .clone();
        let org = OrgCode::parse(community)
            .ok()
            .and_then(|c| tree.get(&c).cloned())
            .filter(|o| o.kind == OrgKind::Community && tree.is_within(&o.code, &street.code))
            .ok_or_else(|| {
                bad(
                    "not_your_community",
                    format!("请从{}所辖的社区中选择。", street.name),
                )
            })?;
        let report = check_self_report(self_report).map_err(|e| bad(e.code(), e.message()))?;
        if self
            .store
            .nomination(year, org.code.as_str())
            .await?
            .is_some()
        {
            return Err(bad(
                "already_nominated",
                format!("{}已经申报过 {year} 年度的综合考评。", org.name),
            ));
        }
        let row = NominationRow {
            community_code: org.code.to_string(),
            year,
            street_code: street.code.to_string(),
            self_report: report,
            nominated_by: actor.username.clone().unwrap_or_default(),
            nominated_at: self.now_ms(),
            criterion_scores: None,
            scorecard: None,
            total_tenths: None,
            scored_by: None,
            scored_at: None,
        };
        let a = self.audit(
            actor,
            meta,
            "comprehensive.nominate",
            format!("comprehensive:{year}/{}", org.code),
        );
        self.store.insert_nomination(&row, a).await?;
        self.nomination(Some(actor), year, org.code.as_str()).await
    }

    /// The district scores a nominee: one score per work criterion (`key`, typed score); the
    /// satisfaction part comes from the cycle's survey.
    pub async fn score_nomination(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        year: i64,
        community: &str,
        typed: &[(String, String)],
    ) -> Result<NominationView, ServiceError> {
        actor.require(Permission::RunComprehensiveEvaluation)?;
        let cycle = self.store.cycle(year).await?.ok_or_else(not_found)?;
        may_score(phase(&cycle_of(&cycle)?, self.today()))
            .map_err(|e| bad(e.code(), e.message()))?;
        let scheme: Scheme = serde_json::from_str(&cycle.scheme).map_err(internal)?;
        let nomination = self.nomination(Some(actor), year, community).await?;
        // Satisfaction is taken when scoring, so the survey must be over by then.
        if let Some(survey) = cycle.survey_id.as_deref()
            && !self.survey(survey).await?.phase.results_open()
        {
            return Err(bad(
                "survey_still_open",
                "满意度调查还没有结束，结束后才能评分：满意度要按全部答卷计算。",
            ));
        }
        let mut scores = Vec::new();
        for (key, raw) in typed {
            let name = scheme
                .criteria
                .iter()
                .find(|c| c.key == *key)
                .map(|c| c.name.clone())
                .unwrap_or_else(|| key.clone());
            let v: f64 = half_width_text(raw.trim()).parse().map_err(|_| {
                bad(
                    "score_not_a_number",
                    format!("“{name}”的得分“{}”不是数字，请填 0 到 100。", raw.trim()),
                )
            })?;
            scores.push((key.clone(), v));
        }
        let satisfaction = match cycle.survey_id.as_deref() {
            Some(survey) => self
                .community_satisfaction(survey, &nomination.community_code)
                .await?
                .map(|(s, _)| Satisfaction {
                    score: s.mean,
                    responses: s.n as u32,
                    enough: s.enough,
                }),
            None => None,
        };
        let card = score(&scheme, satisfaction.as_ref(), &scores)
            .map_err(|e| bad(e.code(), e.message()))?;
        let write = ScoreWrite {
            community_code: nomination.community_code.clone(),
            year,
            criterion_scores: serde_json::to_string(&scores).map_err(internal)?,
            scorecard: serde_json::to_string(&card).map_err(internal)?,
            total_tenths: (card.total * 10.0).round() as i64,
            scored_by: actor.username.clone().unwrap_or_default(),
            scored_at: self.now_ms(),
        };
        let mut a = self.audit(
            actor,
            meta,
            "comprehensive.score",
            format!("comprehensive:{year}/{}", nomination.community_code),
        );
        a.detail = serde_json::json!({"total": card.total, "final": card.is_final()}).to_string();
        if !self.store.record_score(&write, a).await? {
            return Err(bad("already_published", "结果已经公布，不能再改分。"));
        }
        self.nomination(Some(actor), year, community).await
    }
}
