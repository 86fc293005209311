//! Building a questionnaire: the district starts from the standard template or revises a
//! published version (a new version of the same series), edits the draft question by question,
//! and publishes it with its dates. A published version never changes.

use super::{SurveyView, bad, not_found, view};
use crate::service::{Actor, App, RequestMeta, ServiceError, text_field};
use jianfu_domain::OrgKind;
use jianfu_domain::permission::Permission;
use jianfu_domain::survey::lifecycle::{SurveyDates, check_dates};
use jianfu_domain::survey::questionnaire::{
    self, INTRO_MAX, QUESTION_MAX, check_question, check_questionnaire, question_from_input,
    standard_template,
};
use jianfu_domain::survey::{QuestionKind, Questionnaire, ShowIf};
use jianfu_store::SurveyRow;

/// One change to a draft, as the builder page sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DraftEdit {
    Heading {
        title: String,
        intro: String,
    },
    /// `show_if` is "question-option" from 1, e.g. "1-1", or empty.
    Add {
        text: String,
        kind: String,
        options: String,
        scale: String,
        required: bool,
        show_if: String,
    },
    Remove(usize),
    MoveUp(usize),
}

fn parse_show_if(raw: &str) -> Result<Option<ShowIf>, ServiceError> {
    let raw = jianfu_domain::text::half_width_text(raw.trim());
    if raw.is_empty() {
        return Ok(None);
    }
    let parsed = raw.split_once('-').and_then(|(q, o)| {
        Some(ShowIf {
            question: q.trim().parse::<usize>().ok()?.checked_sub(1)?,
            option: o.trim().parse::<usize>().ok()?.checked_sub(1)?,
        })
    });
    parsed.map(Some).ok_or_else(|| {
        bad(
            "bad_condition",
            "显示条件请从列表中选择（第几题选了第几个选项）。",
        )
    })
}

/// Applies `edit` to `q`; conditions follow their questions when one moves or goes.
fn apply(q: &mut Questionnaire, edit: &DraftEdit) -> Result<(), ServiceError> {
    match edit {
        DraftEdit::Heading { title, intro } => {
            q.title = text_field::line(title, QUESTION_MAX, "问卷名称")?;
            q.intro = text_field::paragraph(intro, INTRO_MAX, "说明")?;
            if q.title.is_empty() {
                return Err(bad("title_missing", "请填写问卷名称。"));
            }
        }
        DraftEdit::Add {
            text,
            kind,
            options,
            scale,
            required,
            show_if,
        } => {
            if q.questions.len() >= questionnaire::MAX_QUESTIONS {
                let e = jianfu_domain::survey::QuestionnaireError::TooManyQuestions;
                return Err(bad(e.code(), e.message()));
            }
            let kind = QuestionKind::parse(kind)
                .ok_or_else(|| bad("unknown_question_kind", "请选择题型。"))?;
            let scale =
                match jianfu_domain::text::half_width_text(scale.trim()).as_str() {
                    "" => None,
                    s => Some(s.parse::<u8>().map_err(|_| {
                        bad("scale_out_of_range", "评分档数请填 3 到 10 之间的整数。")
                    })?),
                };
            let question = question_from_input(
                text,
                kind,
                options,
                scale,
                *required,
                parse_show_if(show_if)?,
            )
            .map_err(|e| bad(e.code(), e.message()))?;
            check_question(&q.questions, q.questions.len() + 1, &question)
                .map_err(|e| bad(e.code(), e.message()))?;
            q.questions.push(question);
        }
        DraftEdit::Remove(n) => {
            let i = n.checked_sub(1).filter(|i| *i < q.questions.len());
            let i = i.ok_or_else(|| bad("unknown_question", "没有这道题。"))?;
            let dependents: Vec<String> = q
                .questions
                .iter()
                .enumerate()
                .filter(|(_, d)| d.show_if.is_some_and(|c| c.question == i))
                .map(|(j, _)| format!("第 {} 题", j + 1))
                .collect();
            if !dependents.is_empty() {
                return Err(bad(
                    "question_has_followups",
                    format!(
                        "{}要看第 {n} 题的回答才问，请先删除或改掉它们，再删第 {n} 题。",
                        dependents.join("、")
                    ),
                ));
            }
            q.questions.remove(i);
            for later in &mut q.questions {
                if let Some(c) = &mut later.show_if
                    && c.question > i
                {
                    c.question -= 1;
                }
            }
        }
        DraftEdit::MoveUp(n) => {
            let i = n
                .checked_sub(1)
                .filter(|i| *i >= 1 && *i < q.questions.len())
                .ok_or_else(|| bad("unknown_question", "这道题无法上移。"))?;
            if q.questions[i].show_if.is_some_and(|c| c.question == i - 1) {
                return Err(bad(
                    "bad_condition",
                    format!("第 {n} 题要看第 {} 题的回答，不能移到它前面。", n - 1),
                ));
            }
            q.questions.swap(i - 1, i);
            for question in &mut q.questions {
                if let Some(c) = &mut question.show_if {
                    if c.question == i {
                        c.question = i - 1;
                    } else if c.question == i - 1 {
                        c.question = i;
                    }
                }
            }
        }
    }
    for (i, question) in q.questions.iter().enumerate() {
        check_question(&q.questions[..i], i + 1, question)
            .map_err(|e| bad(e.code(), e.message()))?;
    }
    Ok(())
}

impl App {
    /// A new draft: the standard template, or the next version of a published questionnaire.
    pub async fn create_survey(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        revise: Option<&str>,
    ) -> Result<SurveyView, ServiceError> {
        actor.require(Permission::ManageSurveys)?;
        let tree = self.org_tree().await?;
        let owner = actor
            .org
            .as_ref()
            .and_then(|c| tree.get(c))
            .filter(|o| o.kind != OrgKind::Community)
            .ok_or(ServiceError::Forbidden)?
            .code
            .to_string();
        let id = super::new_survey_id()?;
        let (series, version, questionnaire) = match revise {
            Some(from) => {
                let old = self.store.survey(from).await?.ok_or_else(|| {
                    bad(
                        "unknown_survey",
                        format!("没有编号为“{from}”的问卷，无法据此另起新版本。"),
                    )
                })?;
                if old.published_at.is_none() {
                    return Err(bad(
                        "still_a_draft",
                        "这份问卷还是草稿，直接修改即可，不必另起新版本。",
                    ));
                }
                let all = self.store.surveys().await?;
                let next = all
                    .iter()
                    .filter(|r| r.series == old.series)
                    .map(|r| r.version)
                    .max()
                    .unwrap_or(old.version)
                    + 1;
                let q: Questionnaire = serde_json::from_str(&old.questionnaire)
                    .map_err(|e| ServiceError::Internal(e.to_string()))?;
                (old.series, next, q)
            }
            None => (id.clone(), 1, standard_template(self.today().year())),
        };
        let row = SurveyRow {
            id: id.clone(),
            series,
            version,
            owner_code: owner,
            title: questionnaire.title.clone(),
            questionnaire: serde_json::to_string(&questionnaire)
                .map_err(|e| ServiceError::Internal(e.to_string()))?,
            opens_on: None,
            closes_on: None,
            created_by: actor.username.clone().unwrap_or_default(),
            created_at: self.now_ms(),
            published_at: None,
            revision: 0,
        };
        let mut a = self.audit(actor, meta, "survey.create", format!("survey:{id}"));
        a.detail = serde_json::json!({"series": row.series, "version": row.version}).to_string();
        self.store.insert_survey(&row, a).await?;
        view(row, &tree, self.today())
    }

    /// Applies one edit to a draft seen at `revision`.
    pub async fn edit_survey(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        id: &str,
        revision: i64,
        edit: &DraftEdit,
    ) -> Result<SurveyView, ServiceError> {
        actor.require(Permission::ManageSurveys)?;
        let row = self.store.survey(id).await?.ok_or_else(not_found)?;
        if row.published_at.is_some() {
            return Err(bad(
                "survey_published",
                "问卷已发布，不能再改；如需修改，请“另起新版本”。已收到的答卷仍按原版本统计。",
            ));
        }
        let mut q: Questionnaire = serde_json::from_str(&row.questionnaire)
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
        apply(&mut q, edit)?;
        let json = serde_json::to_string(&q).map_err(|e| ServiceError::Internal(e.to_string()))?;
        let a = self.audit(actor, meta, "survey.edit", format!("survey:{id}"));
        if !self
            .store
            .update_draft(id, revision, &q.title, &json, a)
            .await?
        {
            return Err(stale());
        }
        self.survey(id).await
    }

    /// Publishes a draft with the days it is open (inclusive); it is frozen from then on.
    pub async fn publish_survey(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        id: &str,
        revision: i64,
        opens_on: &str,
        closes_on: &str,
    ) -> Result<SurveyView, ServiceError> {
        actor.require(Permission::ManageSurveys)?;
        let row = self.store.survey(id).await?.ok_or_else(not_found)?;
        if row.published_at.is_some() {
            return Err(bad("survey_published", "问卷已经发布过了。"));
        }
        let q: Questionnaire = serde_json::from_str(&row.questionnaire)
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
        check_questionnaire(&q).map_err(|e| bad(e.code(), e.message()))?;
        // The title is frozen from now on: it must fit the slips the streets will print.
        let title = q.title.clone();
        tokio::task::spawn_blocking(move || {
            jianfu_pdf::render_code_slips(&jianfu_pdf::CodeSlips {
                survey_title: &title,
                community_name: "社区",
                url: "http://127.0.0.1:8080/s/XXXXXXXX/110115001901",
                codes: &["0000-0000".to_string()],
                closes_on: "2026年12月31日",
                note: "",
            })
        })
        .await
        .map_err(|e| ServiceError::Internal(format!("slips task: {e}")))?
        .map_err(|e| match super::codes::slip_error(e) {
            ServiceError::Rejected { .. } => bad(
                "title_too_long_for_slip",
                "问卷名称太长，入户码纸条上印不下（最多约两行、28 个字），请缩短后再发布。",
            ),
            other => other,
        })?;
        let read = |raw: &str, what: &str| {
            jianfu_domain::inventory::status::parse_day(raw).ok_or_else(|| {
                bad(
                    "bad_date",
                    format!("{what}“{}”不是日期，请写成 2026-12-01。", raw.trim()),
                )
            })
        };
        let dates = SurveyDates {
            opens_on: read(opens_on, "开始日期")?,
            closes_on: read(closes_on, "结束日期")?,
        };
        check_dates(dates, self.today()).map_err(|e| bad(e.code(), e.message()))?;
        let mut a = self.audit(actor, meta, "survey.publish", format!("survey:{id}"));
        a.detail = serde_json::json!({"opens_on": dates.opens_on.to_string(), "closes_on": dates.closes_on.to_string()})
            .to_string();
        if !self
            .store
            .publish_survey(
                id,
                revision,
                &dates.opens_on.to_string(),
                &dates.closes_on.to_string(),
                self.now_ms(),
                a,
            )
            .await?
        {
            return Err(stale());
        }
        self.survey(id).await
    }
}

fn stale() -> ServiceError {
    bad(
        "survey_changed",
        "问卷在您打开页面后已被修改或发布，请刷新页面后再操作。",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn add(text: &str, kind: &str, options: &str, show_if: &str) -> DraftEdit {
        DraftEdit::Add {
            text: text.into(),
            kind: kind.into(),
            options: options.into(),
            scale: String::new(),
            required: true,
            show_if: show_if.into(),
        }
    }

    #[test]
    fn conditions_follow_their_questions() {
        let mut q = Questionnaire {
            title: "t".into(),
            ..Default::default()
        };
        apply(&mut q, &add("甲", "single", "是\n否", "")).unwrap();
        apply(&mut q, &add("乙", "rating", "", "")).unwrap();
        apply(&mut q, &add("丙", "rating", "", "1-2")).unwrap();
        assert_eq!(
            q.questions[2].show_if,
            Some(ShowIf {
                question: 0,
                option: 1
            })
        );
        apply(&mut q, &DraftEdit::MoveUp(2)).unwrap();
        assert_eq!(q.questions[0].text, "乙");
        assert_eq!(q.questions[2].show_if.unwrap().question, 1);
        let e = apply(&mut q, &DraftEdit::MoveUp(3)).unwrap_err();
        assert!(matches!(
            e,
            ServiceError::Rejected {
                code: "bad_condition",
                ..
            }
        ));
        let e = apply(&mut q, &DraftEdit::Remove(2)).unwrap_err();
        assert!(
            matches!(
                e,
                ServiceError::Rejected {
                    code: "question_has_followups",
                    ..
                }
            ),
            "a question others depend on stays until they go"
        );
        apply(&mut q, &DraftEdit::Remove(3)).unwrap();
        apply(&mut q, &DraftEdit::Remove(2)).unwrap();
        assert_eq!(q.questions.len(), 1);
        let e = apply(&mut q, &add("丁", "rating", "", "2-1")).unwrap_err();
        assert!(matches!(
            e,
            ServiceError::Rejected {
                code: "bad_condition",
                ..
            }
        ));
    }
}
