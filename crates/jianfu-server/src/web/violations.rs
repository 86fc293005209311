//! (to be written: the violations pages)

use crate::App;
use axum::Router;

pub fn routes() -> Router<App> {
    Router::new()
}
