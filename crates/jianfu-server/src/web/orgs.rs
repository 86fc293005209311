//! The organisation tree, as far as the viewer may see it.

use super::{PageContext, render};
use crate::App;
use crate::http::error::PageError;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use jianfu_domain::permission::Permission;
use jianfu_domain::{Org, OrgKind};

pub fn routes() -> Router<App> {
    Router::new().route("/orgs", get(orgs_page))
}

pub struct Branch {
    pub org: Org,
    pub children: Vec<Org>,
}

#[derive(Template)]
#[template(path = "orgs.html")]
pub struct OrgsPage {
    pub ctx: PageContext,
    pub district: Option<Org>,
    pub departments: Vec<Org>,
    pub branches: Vec<Branch>,
    /// Visible communities whose street is not visible (a community account's own community).
    pub loose: Vec<Org>,
    pub total: usize,
}

async fn orgs_page(State(app): State<App>, ctx: PageContext) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    actor.require(Permission::ViewOrgs)?;
    let visible = app.visible_orgs(&actor).await?;
    let total = visible.len();
    let of = |k: OrgKind| {
        visible
            .iter()
            .filter(|o| o.kind == k)
            .cloned()
            .collect::<Vec<_>>()
    };
    let mut branches = Vec::new();
    let communities = of(OrgKind::Community);
    let mut divisions: Vec<Org> = visible
        .iter()
        .filter(|o| matches!(o.kind, OrgKind::Street | OrgKind::Town))
        .cloned()
        .collect();
    divisions.sort_by(|a, b| (a.kind, &a.code).cmp(&(b.kind, &b.code)));
    for d in divisions {
        let children = communities
            .iter()
            .filter(|c| c.parent.as_ref() == Some(&d.code))
            .cloned()
            .collect();
        branches.push(Branch { org: d, children });
    }
    let loose = communities
        .into_iter()
        .filter(|c| {
            !branches
                .iter()
                .any(|b| Some(&b.org.code) == c.parent.as_ref())
        })
        .collect();
    Ok(render(&OrgsPage {
        district: of(OrgKind::District).into_iter().next(),
        departments: of(OrgKind::Department),
        branches,
        loose,
        total,
        ctx,
    }))
}
