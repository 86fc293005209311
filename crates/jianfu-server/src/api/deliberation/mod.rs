//! 议事协商 API (issue 13, 三(五)). Public, no token: a community's topics, meetings and
//! decisions, and one meeting. With a token: residents propose, support, vote online and say
//! whether a decision was done; the community committee accepts or declines topics, runs
//! meetings (notice, open, attendance, tallies, minutes, close, sign) and carries decisions out;
//! departments answer the requests addressed to them.
//!
//! One file per use case: `views` (the response bodies shared by several operations), `public`
//! (no token), `topics`, `meetings` (meetings, steps, online votes, minutes) and `follow_up`
//! (carrying out, feedback, requests to departments and their figures, the household roster).

mod follow_up;
mod meetings;
mod public;
mod topics;
mod views;

use super::extract::{ApiCaller, ApiJson, ApiPath, ApiQuery};
use crate::App;
use crate::http::error::{ApiError, ErrorBody};
use crate::service::deliberation::{
    ActionView, DecisionView, DepartmentFigures, MeetingInput, MeetingView, PublicMeeting,
    PublicPage, RequestView, TopicInput, TopicView,
};
use crate::service::{RequestMeta, ServiceError};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(public::public_page))
        .routes(routes!(public::public_meeting))
        .routes(routes!(topics::propose_topic))
        .routes(routes!(topics::support_topic))
        .routes(routes!(topics::decide_topic))
        .routes(routes!(meetings::create_meeting))
        .routes(routes!(meetings::meeting_step))
        .routes(routes!(meetings::cast_vote))
        .routes(routes!(meetings::add_voice))
        .routes(routes!(follow_up::add_action))
        .routes(routes!(follow_up::add_progress))
        .routes(routes!(follow_up::give_feedback))
        .routes(routes!(follow_up::ask_department))
        .routes(routes!(follow_up::list_requests))
        .routes(routes!(follow_up::department_figures))
        .routes(routes!(follow_up::answer_request))
        .routes(routes!(follow_up::set_household))
}

/// The community the caller works or lives in.
pub(super) fn community_of(app: &App, actor: &crate::service::Actor) -> Result<String, ApiError> {
    app.home_community(actor)
        .ok_or_else(|| ServiceError::Forbidden.into())
}
