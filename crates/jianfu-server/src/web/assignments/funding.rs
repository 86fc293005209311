//! The funding ledger page (经费台账, 费随事转): every row in scope and the totals.

use crate::App;
use crate::http::error::PageError;
use crate::service::assignments::FundingLedger;
use crate::web::{PageContext, render};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use jianfu_domain::scope::Scope;

#[derive(Template)]
#[template(path = "funding.html")]
pub struct FundingPage {
    pub ctx: PageContext,
    pub ledger: FundingLedger,
    pub community: bool,
}

impl FundingPage {
    /// The three groupings of the totals, each with its heading.
    pub fn groups(
        &self,
    ) -> Vec<(
        &'static str,
        &Vec<crate::service::assignments::FundingTotal>,
    )> {
        vec![
            ("按社区", &self.ledger.by_community),
            ("按部门", &self.ledger.by_department),
            ("按年度", &self.ledger.by_year),
        ]
    }
}

pub(super) async fn funding(
    State(app): State<App>,
    ctx: PageContext,
) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    let ledger = app.funding_ledger(&actor).await?;
    Ok(render(&FundingPage {
        community: matches!(actor.scope(), Scope::Community(_)),
        ctx,
        ledger,
    }))
}
