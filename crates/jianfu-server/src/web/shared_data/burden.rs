//! The burden figures of collect-once, for supervisors and the district: a chart per department
//! and per month, drawn by the server (readable without JavaScript).

use crate::App;
use crate::http::error::PageError;
use crate::service::shared_data::metrics::BurdenMetrics;
use crate::web::chart::value_bars;
use crate::web::{PageContext, render};
use askama::Template;
use axum::extract::State;
use axum::response::Response;

#[derive(Template)]
#[template(path = "shared_data_burden.html")]
pub struct BurdenPage {
    pub ctx: PageContext,
    pub m: BurdenMetrics,
    pub error: Option<String>,
    pub departments_chart: String,
    pub months_chart: String,
}

impl BurdenPage {
    pub fn reuse(&self) -> String {
        self.m.reuse_ratio.map_or("—".into(), |r| format!("{r:.1}"))
    }
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct MonthQuery {
    #[serde(default)]
    month: String,
}

pub(super) async fn page(
    State(app): State<App>,
    ctx: PageContext,
    axum::extract::Query(q): axum::extract::Query<MonthQuery>,
) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    let (m, error) = match app.burden_metrics(&actor, Some(&q.month)).await {
        Ok(m) => (m, None),
        Err(crate::service::ServiceError::Rejected { message, .. }) => {
            (app.burden_metrics(&actor, None).await?, Some(message))
        }
        Err(e) => return Err(e.into()),
    };
    let departments: Vec<(&str, i64)> = m
        .by_department
        .iter()
        .map(|d| (d.name.as_str(), d.cells))
        .collect();
    let months: Vec<(&str, i64)> = m
        .months
        .iter()
        .map(|x| (x.period.as_str(), x.fields))
        .collect();
    let departments_chart = value_bars(
        "cells-by-dept",
        "各单位当月从共享数据拿到的单元格数",
        "格",
        &departments,
    );
    let months_chart = value_bars(
        "fields-by-month",
        "近 12 个月社区填报的字段数",
        "项",
        &months,
    );
    let failed = error.is_some();
    Ok(super::refused(
        render(&BurdenPage {
            ctx,
            m,
            error,
            departments_chart,
            months_chart,
        }),
        failed,
    ))
}
