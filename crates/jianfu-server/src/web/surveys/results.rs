//! Results pages: the figures for everything the caller may see, or one community; each
//! distribution drawn as bars with the same numbers in a table.

use crate::App;
use crate::http::error::PageError;
use crate::service::surveys::{ResultsView, TextsView};
use crate::web::chart::{Share, share_bars};
use crate::web::{PageContext, render};
use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use jianfu_domain::survey::results::{MIN_GROUP, MIN_TO_JUDGE, QuestionResult};

#[derive(Template)]
#[template(path = "survey_results.html")]
pub struct ResultsPage {
    pub ctx: PageContext,
    pub r: ResultsView,
}

impl ResultsPage {
    pub fn chart(&self, q: &QuestionResult) -> String {
        let rows: Vec<Share> = q
            .rows
            .iter()
            .map(|r| Share {
                label: &r.label,
                count: r.count,
                percent: r.percent,
            })
            .collect();
        share_bars(&format!("q{}", q.number), &q.text, &rows)
    }
    pub fn min_group(&self) -> u64 {
        MIN_GROUP
    }
    pub fn min_to_judge(&self) -> u64 {
        MIN_TO_JUDGE
    }
    pub fn full_texts(&self) -> Option<&Vec<(usize, String, Vec<String>)>> {
        match &self.r.texts {
            Some(TextsView::Full { questions }) => Some(questions),
            _ => None,
        }
    }
    pub fn text_summaries(
        &self,
    ) -> Option<&Vec<(usize, String, jianfu_domain::survey::results::TextSummary)>> {
        match &self.r.texts {
            Some(TextsView::Summary { questions }) => Some(questions),
            _ => None,
        }
    }
    pub fn rate(&self, r: &Option<f64>) -> String {
        r.map(|r| format!("{r:.1}%")).unwrap_or_else(|| "—".into())
    }
}

pub(super) async fn page(
    State(app): State<App>,
    ctx: PageContext,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    // Read leniently: a repeated or unknown parameter is not an error page.
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(query.as_deref().unwrap_or("")).unwrap_or_default();
    let community = crate::web::form_value(&pairs, "community");
    let community = (!community.trim().is_empty()).then_some(community.as_str());
    let r = app.survey_results(&actor, &id, community).await?;
    Ok(render(&ResultsPage { ctx, r }))
}
