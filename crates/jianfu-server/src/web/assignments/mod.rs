//! 准入事项: the request form with its dry run (「检查是否可以准入」) and submission, the list in
//! scope (for a community: 本社区准入事项), the case page with the viewer's actions, and the
//! funding ledger (经费台账, 费随事转). Everything works without JavaScript; a refused form comes
//! back with everything typed.
//!
//! Split by page: `form` (the request form as typed), `new` (the new-request page, its check
//! and submission, and copying a refused request), `decision` (the gate's decision as shown),
//! `list`, `detail` (one case and the actions on it) and `funding` (the ledger).

mod decision;
mod detail;
mod form;
mod funding;
mod list;
mod new;

use crate::App;
use axum::Router;
use axum::routing::{get, post};

pub use decision::{DecisionView, ReasonView};
pub use detail::{DetailPage, EventView};
pub use form::{BurdenRow, RequestForm};
pub use funding::FundingPage;
pub use list::{ListPage, SummaryView};
pub use new::{CommunityGroup, ItemGroup, NewPage};

use detail::{act, detail, old_address};
use funding::funding;
use list::list;
use new::{copy_form, new_form, new_post};

pub fn routes() -> Router<App> {
    Router::new()
        .route("/assignments", get(list))
        .route("/assignments/new", get(new_form).post(new_post))
        .route("/assignments/{department}/{id}/copy", get(copy_form))
        // Old notices stored in databases link to `/assignments/{id}` (before case addresses
        // carried the department): that address stays, GET only, and redirects to the new one.
        .route("/assignments/{id}", get(old_address))
        .route("/assignments/{department}/{id}", get(detail))
        .route("/assignments/{department}/{id}/{action}", post(act))
        .route("/funding", get(funding))
}

fn pairs(body: &str) -> Vec<(String, String)> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(body).unwrap_or_default()
}

fn fen(f: i64) -> String {
    jianfu_domain::assignment::format_fen(f)
}
