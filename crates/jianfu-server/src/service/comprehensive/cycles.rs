//! Setting up a year's cycle: the scheme (resident satisfaction's weight and the work criteria,
//! registered evaluations folded in), the survey whose scores count, the closing days; changed
//! only while nominations are open; published once every nominee is scored and scoring closed.

use super::{CycleView, bad, cycle_of, internal, not_found};
use crate::service::{Actor, App, RequestMeta, ServiceError};
use jianfu_domain::evaluation::comprehensive::{
    Criterion, DEFAULT_SATISFACTION_WEIGHT, Phase, Scheme, check_scheme, may_publish, new_cycle,
    phase,
};
use jianfu_domain::permission::Permission;
use jianfu_domain::text::half_width_text;
use jianfu_store::{CycleRow, EvaluationFilter, EvaluationRow, ListQuery};

/// One criterion row as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct CriterionInput {
    pub name: String,
    pub weight: String,
    /// `organiser/id` of a registered evaluation that was folded in, or empty.
    pub evaluation: String,
}

/// A cycle as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct CycleInput {
    pub year: String,
    pub nominations_close: String,
    pub scoring_close: String,
    pub survey_id: String,
    pub satisfaction_weight: String,
    pub criteria: Vec<CriterionInput>,
}

impl CycleInput {
    /// What the form starts with: this year, satisfaction at 60%, two work criteria.
    pub fn suggested(today: time::Date) -> Self {
        let d = |m: time::Month, day: u8| {
            time::Date::from_calendar_date(today.year(), m, day)
                .map(|d| d.to_string())
                .unwrap_or_default()
        };
        CycleInput {
            year: today.year().to_string(),
            nominations_close: d(time::Month::December, 15),
            scoring_close: d(time::Month::December, 31),
            survey_id: String::new(),
            satisfaction_weight: DEFAULT_SATISFACTION_WEIGHT.to_string(),
            criteria: vec![
                CriterionInput {
                    name: "和谐社区建设（居委会依法履职）".into(),
                    weight: "25".into(),
                    evaluation: String::new(),
                },
                CriterionInput {
                    name: "社区服务站便民服务".into(),
                    weight: "15".into(),
                    evaluation: String::new(),
                },
            ],
        }
    }

    pub fn from_view(c: &CycleView) -> Self {
        CycleInput {
            year: c.year.to_string(),
            nominations_close: c.nominations_close.clone(),
            scoring_close: c.scoring_close.clone(),
            survey_id: c.survey_id.clone().unwrap_or_default(),
            satisfaction_weight: c.scheme.satisfaction_weight.to_string(),
            criteria: c
                .scheme
                .criteria
                .iter()
                .map(|k| CriterionInput {
                    name: k.name.clone(),
                    weight: k.weight.to_string(),
                    evaluation: k.evaluation.clone().unwrap_or_default(),
                })
                .collect(),
        }
    }
}

fn whole(raw: &str, what: &str) -> Result<u32, ServiceError> {
    half_width_text(raw.trim())
        .trim_end_matches('%')
        .trim()
        .parse::<u32>()
        .map_err(|_| {
            bad(
                "not_a_whole_number",
                format!("{what}“{}”请填 0 到 100 之间的整数。", raw.trim()),
            )
        })
}

impl App {
    /// The evaluations the register folded into the comprehensive evaluation: each may become a
    /// criterion.
    pub async fn folded_in_evaluations(&self) -> Result<Vec<EvaluationRow>, ServiceError> {
        let filter = EvaluationFilter {
            organiser: None,
            list: ListQuery {
                statuses: vec!["folded_in".into()],
                limit: 500,
                ..Default::default()
            },
        };
        Ok(self.store.list_evaluations(&filter).await?.rows)
    }

    /// The scheme, survey and dates as typed, checked.
    async fn read_cycle(&self, input: &CycleInput) -> Result<CycleRow, ServiceError> {
        let year: i32 = half_width_text(input.year.trim())
            .parse()
            .map_err(|_| bad("bad_year", "年度请填四位数字，如 2026。"))?;
        let c = new_cycle(year, &input.nominations_close, &input.scoring_close)
            .map_err(|e| bad(e.code(), e.message()))?;
        let mut criteria = Vec::new();
        for (i, row) in input.criteria.iter().enumerate() {
            if row.name.trim().is_empty()
                && row.weight.trim().is_empty()
                && row.evaluation.trim().is_empty()
            {
                continue;
            }
            let evaluation = match row.evaluation.trim() {
                "" => None,
                e => {
                    let (org, id) = e.split_once('/').unwrap_or(("", e));
                    let ok = self
                        .store
                        .evaluation(org, id)
                        .await?
                        .is_some_and(|r| r.outcome == "folded_in");
                    if !ok {
                        return Err(bad(
                            "evaluation_not_folded_in",
                            "只有考核评比登记中“纳入综合考评”的活动才能作为考评内容。",
                        ));
                    }
                    Some(e.to_string())
                }
            };
            criteria.push(Criterion {
                key: format!("c{}", i + 1),
                name: row.name.trim().to_string(),
                weight: whole(&row.weight, &format!("第 {} 项考评内容的权重", i + 1))?,
                evaluation,
            });
        }
        let scheme = Scheme {
            satisfaction_weight: whole(&input.satisfaction_weight, "居民满意度的权重")?,
            criteria,
        };
        check_scheme(&scheme).map_err(|e| bad(e.code(), e.message()))?;
        let survey_id = match input.survey_id.trim() {
            "" => None,
            id => {
                self.store
                    .survey(id)
                    .await?
                    .filter(|s| s.published_at.is_some())
                    .ok_or_else(|| bad("unknown_survey", "请选择一份已发布的满意度调查。"))?;
                Some(id.to_string())
            }
        };
        Ok(CycleRow {
            year: i64::from(c.year),
            scheme: serde_json::to_string(&scheme).map_err(internal)?,
            survey_id,
            nominations_close: c.nominations_close.to_string(),
            scoring_close: c.scoring_close.to_string(),
            published_at: None,
            created_by: String::new(),
            created_at: 0,
            revision: 0,
        })
    }

    pub async fn create_cycle(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        input: &CycleInput,
    ) -> Result<CycleView, ServiceError> {
        actor.require(Permission::RunComprehensiveEvaluation)?;
        let mut row = self.read_cycle(input).await?;
        if row.nominations_close < self.today().to_string() {
            return Err(bad(
                "nominations_close_past",
                "自荐申报截止日已经过去，街道无法申报；请改为今天或以后。",
            ));
        }
        if self.store.cycle(row.year).await?.is_some() {
            return Err(bad(
                "cycle_exists",
                format!("{} 年度的综合考评已经建立，请在其页面修改。", row.year),
            ));
        }
        row.created_by = actor.username.clone().unwrap_or_default();
        row.created_at = self.now_ms();
        let mut a = self.audit(
            actor,
            meta,
            "comprehensive.create",
            format!("comprehensive:{}", row.year),
        );
        a.detail = row.scheme.clone();
        self.store.insert_cycle(&row, a).await?;
        self.comprehensive_cycle(row.year).await
    }

    /// Changes the scheme, survey or dates while nominations are open.
    pub async fn update_cycle(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        year: i64,
        revision: i64,
        input: &CycleInput,
    ) -> Result<CycleView, ServiceError> {
        actor.require(Permission::RunComprehensiveEvaluation)?;
        let old = self.store.cycle(year).await?.ok_or_else(not_found)?;
        if phase(&cycle_of(&old)?, self.today()) != Phase::Nominating {
            return Err(bad(
                "scheme_frozen",
                "自荐申报截止后考评方案不能再改：评分要按申报时公布的方案进行。",
            ));
        }
        let mut row = self
            .read_cycle(&CycleInput {
                year: year.to_string(),
                ..input.clone()
            })
            .await?;
        row.revision = revision;
        let mut a = self.audit(
            actor,
            meta,
            "comprehensive.scheme",
            format!("comprehensive:{year}"),
        );
        a.detail = row.scheme.clone();
        if !self.store.update_cycle(&row, a).await? {
            return Err(stale());
        }
        self.comprehensive_cycle(year).await
    }

    /// Moves the scoring deadline later while scores are still being given or await
    /// publication, e.g. when a nominee could not be scored in time.
    pub async fn extend_scoring(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        year: i64,
        revision: i64,
        scoring_close: &str,
    ) -> Result<CycleView, ServiceError> {
        actor.require(Permission::RunComprehensiveEvaluation)?;
        let mut row = self.store.cycle(year).await?.ok_or_else(not_found)?;
        let current = phase(&cycle_of(&row)?, self.today());
        if !matches!(current, Phase::Scoring | Phase::AwaitingPublication) {
            return Err(bad(
                "not_extendable",
                "只有评分中或待公布的考评才能延长评分截止日；申报期内请直接修改方案。",
            ));
        }
        let day = jianfu_domain::inventory::status::parse_day(scoring_close).ok_or_else(|| {
            bad(
                "bad_date",
                format!("“{}”不是日期，请写成 2026-12-31。", scoring_close.trim()),
            )
        })?;
        if day.to_string() <= row.scoring_close || day < self.today() {
            return Err(bad(
                "scoring_close_not_later",
                "新的评分截止日要晚于原来的截止日，且不早于今天。",
            ));
        }
        row.scoring_close = day.to_string();
        row.revision = revision;
        let mut a = self.audit(
            actor,
            meta,
            "comprehensive.extend",
            format!("comprehensive:{year}"),
        );
        a.detail = serde_json::json!({"scoring_close": row.scoring_close}).to_string();
        if !self.store.update_cycle(&row, a).await? {
            return Err(stale());
        }
        self.comprehensive_cycle(year).await
    }

    /// Publishes the results once scoring has closed and every nominee is scored.
    pub async fn publish_cycle(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        year: i64,
        revision: i64,
    ) -> Result<CycleView, ServiceError> {
        actor.require(Permission::RunComprehensiveEvaluation)?;
        let row = self.store.cycle(year).await?.ok_or_else(not_found)?;
        let nominations = self.store.nominations(year).await?;
        // No nominations at all can be published too: the year is never stuck.
        let all_scored = nominations.iter().all(|n| n.scorecard.is_some());
        may_publish(phase(&cycle_of(&row)?, self.today()), all_scored)
            .map_err(|e| bad(e.code(), e.message()))?;
        let a = self.audit(
            actor,
            meta,
            "comprehensive.publish",
            format!("comprehensive:{year}"),
        );
        if !self
            .store
            .publish_cycle(year, revision, self.now_ms(), a)
            .await?
        {
            return Err(stale());
        }
        self.comprehensive_cycle(year).await
    }
}

pub(super) fn stale() -> ServiceError {
    bad(
        "cycle_changed",
        "综合考评在您打开页面后已被修改，请刷新页面后再操作。",
    )
}
