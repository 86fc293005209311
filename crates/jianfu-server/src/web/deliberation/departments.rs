//! `/deliberation/departments`: how the departments answer the communities' requests (the
//! reverse direction of the gate). District-wide for supervisors (督查、区社会办), a department's
//! own row for it. A bar chart drawn by the server and a table that reads at phone width.

use crate::App;
use crate::http::error::PageError;
use crate::service::deliberation::DepartmentFigures;
use crate::web::chart::value_bars;
use crate::web::{PageContext, render};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use jianfu_domain::permission::Permission;

#[derive(Template)]
#[template(path = "deliberation_departments.html")]
pub struct DepartmentsPage {
    pub ctx: PageContext,
    pub district_wide: bool,
    pub figures: Vec<DepartmentFigures>,
    pub chart: String,
}

pub(super) async fn page(State(app): State<App>, ctx: PageContext) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    let figures = app.department_figures(&actor).await?;
    let bars: Vec<(&str, i64)> = figures
        .iter()
        .map(|f| (f.department_name.as_str(), f.overall_days_rounded()))
        .collect();
    let chart = value_bars(
        "delib-answer-days",
        "各单位平均答复用时（待答复的按已过工作日计，四舍五入）",
        "个工作日",
        &bars,
    );
    Ok(render(&DepartmentsPage {
        district_wide: actor.may(Permission::ViewDeliberationFigures),
        ctx,
        figures,
        chart,
    }))
}
