//! A community's figures for one period: the form shows each element of the period type with
//! last period's figure beside it; a figure already entered may be corrected with a reason, and
//! every entry and correction is kept (who, when, why). All checks run before anything is
//! written, and the whole period is written in one transaction or not at all.

use crate::service::{Actor, App, RequestMeta, ServiceError, text_field};
use jianfu_domain::Org;
use jianfu_domain::shared_data::element::{ValueProblem, check_consistency, check_range};
use jianfu_domain::shared_data::value::parse_value;
use jianfu_domain::shared_data::{ElementRegistry, Period, PeriodType};
use jianfu_store::{ChangeRow, EnterOutcome, ValueRow, ValueWrite};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// One figure as typed.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ValueInput {
    /// 数据元代码。
    #[serde(default)]
    pub element: String,
    /// 数值，如 `1234`、`１２３`、`12.5`；空着表示不改。
    #[serde(default)]
    pub value: String,
    /// 更正已填的数时必填：为什么改。
    #[serde(default)]
    pub reason: String,
    /// 读取时的修订号（页面带回；API 可不填，按当前值更正）。
    #[serde(default)]
    pub revision: Option<i32>,
}

/// One element's line of the entry form.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EntrySheetRow {
    pub code: String,
    pub name: String,
    pub unit: String,
    pub definition: String,
    /// 本期已填的数（未填为空）。
    pub current: Option<String>,
    pub revision: Option<i32>,
    /// 上期的数，供对照。
    pub previous: Option<String>,
    pub rules: Vec<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EntrySheet {
    pub community: String,
    pub community_name: String,
    /// 统计期，如 `2026-11`。
    pub period: String,
    pub period_label: String,
    pub previous_period: String,
    pub rows: Vec<EntrySheetRow>,
    /// 已填项数 / 应填项数。
    pub entered: usize,
}

/// What an entry came to.
#[derive(Debug, Clone, PartialEq)]
pub enum EntryResult {
    Saved {
        written: usize,
        unchanged: usize,
    },
    /// Nothing written; every problem, by element.
    Problems(Vec<ValueProblem>),
}

fn problem(element: &str, code: &'static str, message: String) -> ValueProblem {
    ValueProblem {
        element: element.to_string(),
        other: None,
        code,
        message,
    }
}

/// The period asked for, or the current one of `kind` (a community enters this month's figures
/// this month).
pub(crate) fn period_or_current(
    app: &App,
    text: Option<&str>,
    kind: PeriodType,
) -> Result<Period, ServiceError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => Ok(Period::parse(t)?),
        None => {
            let d = app.today();
            Ok(Period::containing(kind, d.year(), d.month() as u32))
        }
    }
}

impl App {
    /// The entry form of the actor's community for `period` (text; default: this month).
    pub async fn entry_sheet(
        &self,
        actor: &Actor,
        period: Option<&str>,
    ) -> Result<EntrySheet, ServiceError> {
        let community = self.own_data_community(actor).await?;
        let period = period_or_current(self, period, PeriodType::Monthly)?;
        let reg = self.shared_elements().await?;
        self.sheet_of(&community, period, &reg).await
    }

    pub(crate) async fn sheet_of(
        &self,
        community: &Org,
        period: Period,
        reg: &ElementRegistry,
    ) -> Result<EntrySheet, ServiceError> {
        let prev = period.previous();
        let rows = self
            .store
            .values_of(community.code.as_str(), &[period.key(), prev.key()])
            .await?;
        let find = |e: &str, p: &Period| {
            let key = p.key();
            rows.iter().find(|r| r.element == e && r.period == key)
        };
        let elements: Vec<_> = reg.of_period(period.kind).collect();
        let rows: Vec<EntrySheetRow> = elements
            .iter()
            .map(|e| {
                let cur = find(&e.code, &period);
                EntrySheetRow {
                    code: e.code.clone(),
                    name: e.name.clone(),
                    unit: e.unit.clone(),
                    definition: e.definition.clone(),
                    current: cur.map(|r| e.show(r.value)),
                    revision: cur.map(|r| r.revision),
                    previous: find(&e.code, &prev).map(|r| e.show(r.value)),
                    rules: super::elements::rules_of(e, reg),
                }
            })
            .collect();
        Ok(EntrySheet {
            community: community.code.to_string(),
            community_name: community.name.clone(),
            period: period.key(),
            period_label: period.label_zh(),
            previous_period: prev.label_zh(),
            entered: rows.iter().filter(|r| r.current.is_some()).count(),
            rows,
        })
    }

    /// Enters (or corrects) the actor's community's figures for `period`. `source` is `form`,
    /// `import` or `api`.
    pub async fn enter_values(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        period: &str,
        inputs: &[ValueInput],
        source: &str,
    ) -> Result<EntryResult, ServiceError> {
        let community = self.own_data_community(actor).await?;
        let period = Period::parse(period)?;
        let today = self.today();
        period.check_begun(today.year(), today.month() as u32)?;
        let reg = self.shared_elements().await?;
        let stored: HashMap<String, ValueRow> = self
            .store
            .values_of(community.code.as_str(), &[period.key()])
            .await?
            .into_iter()
            .map(|r| (r.element.clone(), r))
            .collect();
        let mut problems = Vec::new();
        let mut typed: BTreeMap<String, (i64, &ValueInput)> = BTreeMap::new();
        for input in inputs {
            let code = input.element.trim();
            if input.value.trim().is_empty() {
                continue;
            }
            let Some(e) = reg.find(code) else {
                problems.push(problem(
                    code,
                    "unknown_element",
                    format!(
                        "没有代码为“{}”的共享数据元。",
                        code.chars().take(40).collect::<String>()
                    ),
                ));
                continue;
            };
            if e.period != period.kind {
                problems.push(problem(
                    &e.code,
                    "wrong_period_type",
                    format!(
                        "“{}”{}填报，不能填在{}。",
                        e.name,
                        e.period.label_zh(),
                        period.label_zh()
                    ),
                ));
                continue;
            }
            match parse_value(&input.value, e.value_type, e.scale) {
                Ok(v) => {
                    if let Some(p) = check_range(e, v) {
                        problems.push(p);
                    } else if typed.insert(e.code.clone(), (v, input)).is_some() {
                        problems.push(problem(
                            &e.code,
                            "duplicate_element",
                            format!("“{}”填了两次，请只留一个数。", e.name),
                        ));
                    }
                }
                Err(err) => {
                    problems.push(problem(&e.code, err.code(), format!("“{}”：{err}", e.name)))
                }
            }
        }
        // Consistency over the period as it would stand; only rules touching a typed figure.
        let mut merged: BTreeMap<String, i64> =
            stored.iter().map(|(k, r)| (k.clone(), r.value)).collect();
        for (k, (v, _)) in &typed {
            merged.insert(k.clone(), *v);
        }
        for p in check_consistency(&reg, &merged) {
            let touches = typed.contains_key(&p.element)
                || p.other.as_ref().is_some_and(|o| typed.contains_key(o));
            if touches && !problems.iter().any(|q| q.element == p.element) {
                problems.push(p);
            }
        }
        let mut writes = Vec::new();
        let mut unchanged = 0;
        for (code, (v, input)) in &typed {
            let e = reg.get(code).expect("typed holds registered elements");
            let before = stored.get(code);
            if before.is_some_and(|r| r.value == *v) {
                unchanged += 1;
                continue;
            }
            let reason =
                match text_field::line(&input.reason, 200, &format!("“{}”的更正原因", e.name))
                {
                    Ok(r) => r,
                    Err(err) => {
                        problems.push(problem(code, err.code(), err.message()));
                        continue;
                    }
                };
            if before.is_some() && reason.is_empty() {
                problems.push(problem(
                    code,
                    "correction_reason_required",
                    format!(
                        "“{}”本期已填 {}，改为 {} 须写明更正原因（留痕）。",
                        e.name,
                        e.show(before.map_or(0, |r| r.value)),
                        e.show(*v)
                    ),
                ));
                continue;
            }
            writes.push(ValueWrite {
                element: code.clone(),
                period: period.key(),
                value: *v,
                expected_revision: before.map(|r| input.revision.unwrap_or(r.revision)),
                reason,
            });
        }
        if !problems.is_empty() {
            return Ok(EntryResult::Problems(problems));
        }
        if writes.is_empty() {
            return Ok(EntryResult::Saved {
                written: 0,
                unchanged,
            });
        }
        let mut audit = self.audit(
            actor,
            meta,
            "shared_data.enter",
            format!("data:{}:{}", community.code, period.key()),
        );
        audit.detail = serde_json::json!({
            "period": period.key(),
            "source": source,
            "elements": writes.iter().map(|w| &w.element).collect::<Vec<_>>(),
            "corrections": writes.iter().filter(|w| w.expected_revision.is_some()).count(),
        })
        .to_string();
        let at = self.now_ms();
        // Held until the write is over: the change feed serves nothing from `at` on till then.
        let _writing = self.data_writes.enter(at);
        let by = actor.username.clone().unwrap_or_default();
        match self
            .store
            .enter_values(community.code.as_str(), &writes, &by, source, at, audit)
            .await?
        {
            EnterOutcome::Saved { written } => Ok(EntryResult::Saved { written, unchanged }),
            EnterOutcome::Stale(which) => Ok(EntryResult::Problems(
                which
                    .into_iter()
                    .map(|(el, _)| {
                        let name = reg.get(&el).map_or(el.clone(), |e| e.name.clone());
                        problem(
                            &el,
                            "stale_value",
                            format!("“{name}”刚被别人填过或改过：请看一下现在的数，确需更正的写明原因后再保存。您填的数都还在。"),
                        )
                    })
                    .collect(),
            )),
        }
    }

    /// Every entry and correction of one figure, newest first (the community itself, or anyone
    /// who can read its data).
    pub async fn value_history(
        &self,
        actor: &Actor,
        community: &str,
        element: &str,
        period: &str,
    ) -> Result<Vec<ChangeRow>, ServiceError> {
        actor.require(jianfu_domain::permission::Permission::ViewSharedData)?;
        let (org, _, _) = self.data_org(actor, Some(community)).await?;
        let period = Period::parse(period)?;
        // A department reads the history of the figures it may pull, like the change feed.
        if matches!(actor.scope(), jianfu_domain::scope::Scope::Department(_))
            && !self
                .pullable_elements(actor)
                .await?
                .contains(element.trim())
        {
            return Err(ServiceError::Forbidden);
        }
        Ok(self
            .store
            .value_history(org.code.as_str(), element.trim(), &period.key())
            .await?)
    }
}
