//! The two cookies jianfu sets. Both are HttpOnly and SameSite=Strict; `Secure` when configured.

use axum::http::HeaderMap;

pub const SESSION: &str = "jf_session";
/// Double-submit token for the login form, which has no session yet.
pub const LOGIN_CSRF: &str = "jf_login_csrf";
/// Large-text preference (适老化); not a secret.
pub const TEXT_SIZE: &str = "jf_text";

pub fn get<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

pub fn set(name: &str, value: &str, secure: bool) -> String {
    format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Strict{}",
        if secure { "; Secure" } else { "" }
    )
}

pub fn set_persistent(name: &str, value: &str, secure: bool) -> String {
    format!("{}; Max-Age=31536000", set(name, value, secure))
}

pub fn clear(name: &str) -> String {
    format!("{name}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0")
}
