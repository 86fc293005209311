//! The resident's page: one community's survey on a phone, no account. The household code and
//! the answers go in one form; a refusal shows the page again with everything as typed (and the
//! same nonce, so sending it again cannot count twice).

use crate::App;
use crate::http::error::PageError;
use crate::service::ServiceError;
use crate::service::surveys::AnswerForm;
use crate::web::{PageContext, PageForm, form_value, render};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use jianfu_domain::survey::questionnaire::scale_label;
use jianfu_domain::survey::{Phase, Question};

#[derive(Template)]
#[template(path = "survey_answer.html")]
pub struct AnswerPage {
    pub ctx: PageContext,
    pub f: AnswerForm,
    pub code: String,
    pub nonce: String,
    pub fields: Vec<(String, String)>,
    pub error: Option<String>,
}

impl AnswerPage {
    pub fn open(&self) -> bool {
        self.f.survey.phase == Phase::Open
    }
    pub fn not_open_message(&self) -> String {
        match self.f.survey.phase {
            Phase::Scheduled => format!(
                "本次调查将于 {} 开始，届时再来填写。",
                self.f.survey.opens_on.as_deref().unwrap_or("")
            ),
            _ => format!(
                "本次调查已于 {} 结束，感谢关注。",
                self.f.survey.closes_on.as_deref().unwrap_or("")
            ),
        }
    }
    pub fn chosen(&self, number: &usize, value: &usize) -> bool {
        let name = format!("q{number}");
        let value = value.to_string();
        self.fields.iter().any(|(n, v)| *n == name && *v == value)
    }
    pub fn rated(&self, number: &usize, value: &u8) -> bool {
        self.chosen(number, &usize::from(*value))
    }
    pub fn typed(&self, number: &usize) -> String {
        form_value(&self.fields, &format!("q{number}"))
    }
    pub fn scale(&self, q: &Question) -> Vec<(u8, &'static str)> {
        (1..=q.scale)
            .rev()
            .map(|v| (v, scale_label(v, q.scale)))
            .collect()
    }
    pub fn condition(&self, q: &Question) -> String {
        self.f
            .survey
            .questionnaire
            .condition_of(q)
            .map(|(n, option)| format!("第 {n} 题选了“{option}”的请回答本题，其他人跳过。"))
            .unwrap_or_default()
    }
}

pub(super) async fn form(
    State(app): State<App>,
    ctx: PageContext,
    Path((id, community)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let f = app.survey_answer_form(&id, &community).await?;
    Ok(render(&AnswerPage {
        ctx,
        f,
        code: String::new(),
        nonce: crate::service::random_token(),
        fields: Vec::new(),
        error: None,
    }))
}

#[derive(Template)]
#[template(path = "survey_thanks.html")]
pub struct ThanksPage {
    pub ctx: PageContext,
    pub title: String,
    pub community_name: String,
    pub again: bool,
}

pub(super) async fn submit(
    State(app): State<App>,
    ctx: PageContext,
    meta: crate::service::RequestMeta,
    Path((id, community)): Path<(String, String)>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    // No session and no CSRF token: the page is public and the household code is the
    // credential; a forged cross-site post would need a valid unspent code.
    let code = form_value(&fields, "code");
    let nonce = form_value(&fields, "nonce");
    let answers: Vec<(String, String)> = fields
        .into_iter()
        .filter(|(n, _)| n.starts_with('q'))
        .collect();
    match app
        .submit_survey_answer(&meta, &id, &community, &code, &nonce, &answers)
        .await
    {
        Ok(done) => {
            let f = app.survey_answer_form(&id, &community).await?;
            Ok(render(&ThanksPage {
                ctx,
                title: f.survey.title().to_string(),
                community_name: f.community_name,
                again: done.again,
            }))
        }
        Err(ServiceError::Rejected { message, .. }) => {
            let f = app.survey_answer_form(&id, &community).await?;
            let mut resp = render(&AnswerPage {
                ctx,
                f,
                code,
                nonce,
                fields: answers,
                error: Some(message),
            });
            *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(resp)
        }
        Err(e) => Err(e.into()),
    }
}
