//! (to be written: the assignments pages)

use crate::App;
use axum::Router;

pub fn routes() -> Router<App> {
    Router::new()
}
