//! Before and after: the supervisor's page (and a street's, a department's), with charts the
//! server draws and the same numbers in tables.

use crate::App;
use crate::http::error::PageError;
use crate::service::inventory::Overview;
use crate::web::chart::{BarPair, before_after_bars, month_lines};
use crate::web::{PageContext, render};
use askama::Template;
use axum::extract::State;
use axum::response::Response;

/// Bars drawn at most: the rest are in the table below.
const BARS: usize = 12;

#[derive(Template)]
#[template(path = "inventory_overview.html")]
pub struct OverviewPage {
    pub ctx: PageContext,
    pub o: Overview,
    pub bars_chart: String,
    pub bars_title: String,
    pub months_chart: String,
}

pub(super) async fn page(State(app): State<App>, ctx: PageContext) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    let o = app.inventory_overview(&actor).await?;
    // Streets when there are several, else the communities, else the departments.
    let (rows, title) = if o.streets.len() > 1 {
        (&o.streets, "各街道（镇）：清理前与现有条目数")
    } else if !o.communities.is_empty() {
        (&o.communities, "各社区：清理前与现有条目数")
    } else {
        (&o.departments, "各主管部门：清理前与现有条目数")
    };
    let bars: Vec<BarPair> = rows
        .iter()
        .take(BARS)
        .map(|r| BarPair {
            label: &r.name,
            before: r.before,
            after: r.after,
        })
        .collect();
    let bars_chart = before_after_bars("bars", title, &bars);
    let points: Vec<(String, i64, i64)> = o
        .series
        .iter()
        .map(|p| (p.month.clone(), p.carried, p.cleared))
        .collect();
    let months_chart = month_lines("months", "近 12 个月：现有与已清理的条目数", &points);
    Ok(render(&OverviewPage {
        ctx,
        bars_title: title.to_string(),
        o,
        bars_chart,
        months_chart,
    }))
}
