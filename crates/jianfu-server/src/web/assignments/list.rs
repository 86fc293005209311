//! The list of cases in scope (for a community: 本社区准入事项), filtered, sorted and paged.

use super::fen;
use crate::App;
use crate::http::error::PageError;
use crate::service::assignments::CaseSummary;
use crate::service::assignments::deadline_day;
use crate::service::listing::ListKind;
use crate::web::list_query::{ListArgs, ListView};
use crate::web::{PageContext, render, when};
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use jianfu_domain::permission::Permission;
use jianfu_domain::scope::Scope;

pub struct SummaryView {
    pub c: CaseSummary,
    pub period: String,
    pub funding: String,
    pub deadline: String,
    pub submitted: String,
    pub communities: String,
}

#[derive(Template)]
#[template(path = "assignments.html")]
pub struct ListPage {
    pub ctx: PageContext,
    pub community: bool,
    pub can_submit: bool,
    pub cases: Vec<SummaryView>,
    pub list: ListView,
}

pub(super) async fn list(
    State(app): State<App>,
    ctx: PageContext,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    let community = matches!(actor.scope(), Scope::Community(_));
    let kind = ListKind::Assignments { community };
    let (listing, fell_back) = ListArgs::from_query(query.as_deref()).listing(kind);
    let page = app.list_assignments(&actor, &listing).await?;
    let list = ListView::new(
        "/assignments",
        kind,
        &listing,
        &page,
        vec![],
        fell_back,
        "没有符合条件的事项。",
    );
    let cases = page
        .items
        .into_iter()
        .map(|c| SummaryView {
            period: format!("{} 至 {}", c.period_from, c.period_to),
            funding: match (&c.funding_fen, &c.funding_channel) {
                (Some(f), Some(ch)) if *f > 0 => format!("每个社区 {} 元（{ch}）", fen(*f)),
                _ => "无经费".into(),
            },
            deadline: c.deadline_at.map(deadline_day).unwrap_or_default(),
            submitted: when(&c.submitted_at),
            communities: if c.all_communities {
                "全部社区".into()
            } else {
                format!("{} 个社区", c.communities)
            },
            c,
        })
        .collect();
    Ok(render(&ListPage {
        can_submit: actor.may(Permission::SubmitAssignments),
        ctx,
        community,
        cases,
        list,
    }))
}
