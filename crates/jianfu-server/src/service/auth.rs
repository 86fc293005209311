//! Logging in and out, and recognising a caller by session cookie or bearer token.
//!
//! Login failures count towards a lock (security_policy::LockoutPolicy); sessions end after the
//! configured idle time (SessionPolicy). Recognising a caller is on every request's path, so
//! recent lookups are kept in memory for a few seconds and activity is written back at most once a
//! minute; a disabled account or revoked token is noticed within [`RECHECK_MS`].

use super::{Actor, App, RequestMeta, ServiceError, password, random_token, token_hash};
use jianfu_domain::clock::format_beijing;
use jianfu_domain::security_policy::LoginState;
use jianfu_domain::{OrgCode, Username};
use jianfu_store::{SessionRow, UserRow};
use std::collections::HashMap;
use std::sync::Mutex;

/// How long a cached caller is trusted before the database is asked again.
pub const RECHECK_MS: i64 = 5_000;
/// How often activity is written back to the session row.
const TOUCH_MS: i64 = 60_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    Web,
    Api,
}

impl SessionKind {
    fn as_str(self) -> &'static str {
        match self {
            SessionKind::Web => "web",
            SessionKind::Api => "api",
        }
    }
}

/// A recognised caller.
#[derive(Debug, Clone)]
pub struct Caller {
    pub actor: Actor,
    /// The session's CSRF token (web sessions only).
    pub csrf: Option<String>,
    pub token_hash: String,
}

#[derive(Clone)]
struct Cached {
    caller: Caller,
    created_at: i64,
    last_seen: i64,
    touched: i64,
    checked: i64,
    is_session: bool,
}

#[derive(Default)]
pub struct SessionCache(Mutex<HashMap<String, Cached>>);

impl SessionCache {
    fn get(&self, h: &str) -> Option<Cached> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(h)
            .cloned()
    }
    fn put(&self, h: String, c: Cached) {
        let mut m = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if m.len() > 100_000 {
            m.clear(); // bounded memory; entries are only a cache
        }
        m.insert(h, c);
    }
    pub fn forget(&self, h: &str) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).remove(h);
    }
    pub fn forget_all(&self) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

pub fn actor_of(u: &UserRow) -> Actor {
    Actor {
        user_id: Some(u.id.clone()),
        username: Some(u.username.clone()),
        display_name: u.display_name.clone(),
        roles: u.role_list(),
        org: OrgCode::parse(&u.org_code).ok(),
    }
}

/// A successful login: the secret token (cookie value or bearer token) and the session's CSRF
/// token.
pub struct LoginOk {
    pub token: String,
    pub csrf: String,
    pub actor: Actor,
}

impl App {
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        kind: SessionKind,
        meta: &RequestMeta,
    ) -> Result<LoginOk, ServiceError> {
        let now = self.now_ms();
        let anon = Actor::anonymous();
        let shown: String = username.trim().chars().take(32).collect();
        let user = match Username::parse(username) {
            Ok(u) => self.store.user_by_username(u.as_str()).await?,
            Err(_) => None,
        };
        let Some(user) = user else {
            password::verify_dummy(password).await;
            let mut a = self.audit(&anon, meta, "auth.login", format!("username:{shown}"));
            a.result = "failure".into();
            a.detail = r#"{"reason":"unknown_user"}"#.into();
            self.store.append_audit(a).await?;
            return Err(ServiceError::WrongCredentials { remaining: None });
        };
        let actor = actor_of(&user);
        let policy = self.config.lockout_policy();
        let state = LoginState {
            failures: user.failed_logins.clamp(0, u32::MAX as i64) as u32,
            locked_until: user.locked_until,
        };
        let object = format!("user:{}", user.id);
        if let Some(until) = policy.locked_until(state, now) {
            let mut a = self.audit(&actor, meta, "auth.login", &object);
            a.result = "failure".into();
            a.detail = r#"{"reason":"locked"}"#.into();
            self.store.append_audit(a).await?;
            return Err(ServiceError::Locked {
                until: format_beijing(until),
            });
        }
        if !password::verify(password, &user.password_hash).await {
            let mut a = self.audit(&actor, meta, "auth.login", &object);
            a.result = "failure".into();
            a.detail = r#"{"reason":"wrong_password"}"#.into();
            let next = self
                .store
                .record_login_failure(&user.id, policy, now, a)
                .await?;
            return Err(match policy.locked_until(next, now) {
                Some(until) => ServiceError::Locked {
                    until: format_beijing(until),
                },
                None => ServiceError::WrongCredentials {
                    remaining: Some(policy.max_failures - next.failures),
                },
            });
        }
        if user.disabled {
            let mut a = self.audit(&actor, meta, "auth.login", &object);
            a.result = "failure".into();
            a.detail = r#"{"reason":"disabled"}"#.into();
            self.store.append_audit(a).await?;
            return Err(ServiceError::Disabled);
        }
        if user.failed_logins != 0 || user.locked_until.is_some() {
            let a = self.audit(&actor, meta, "auth.reset_failures", &object);
            self.store.clear_login_failures(&user.id, a).await?;
        }
        let token = random_token();
        let csrf = random_token();
        let row = SessionRow {
            token_hash: token_hash(&token),
            user_id: user.id.clone(),
            kind: kind.as_str().into(),
            csrf_token: csrf.clone(),
            created_at: now,
            last_seen_at: now,
        };
        let mut a = self.audit(&actor, meta, "auth.login", &object);
        a.detail = format!(r#"{{"session":"{}"}}"#, kind.as_str());
        self.store.insert_session(&row, a).await?;
        Ok(LoginOk { token, csrf, actor })
    }

    pub async fn logout(&self, caller: &Caller, meta: &RequestMeta) -> Result<(), ServiceError> {
        self.sessions.forget(&caller.token_hash);
        let object = format!("user:{}", caller.actor.user_id.clone().unwrap_or_default());
        let a = self.audit(&caller.actor, meta, "auth.logout", object);
        self.store.delete_session(&caller.token_hash, a).await?;
        Ok(())
    }

    /// Recognises a session token (cookie or bearer from /api/v1/auth/login) or a long-lived
    /// API token. `Ok(None)` when the token is unknown.
    pub async fn authenticate(&self, token: &str) -> Result<Caller, ServiceError> {
        let h = token_hash(token);
        let now = self.now_ms();
        let policy = self.config.session_policy();
        if let Some(mut c) = self.sessions.get(&h)
            && now - c.checked < RECHECK_MS
        {
            if c.is_session && !policy.is_live(c.created_at, c.last_seen, now) {
                self.sessions.forget(&h);
                return Err(ServiceError::SessionExpired);
            }
            c.last_seen = now;
            if c.is_session && now - c.touched >= TOUCH_MS {
                c.touched = now;
                self.store.touch_session(&h, now).await?;
            }
            let caller = c.caller.clone();
            self.sessions.put(h, c);
            return Ok(caller);
        }
        // Not cached or due for a re-check: ask the database.
        if let Some(s) = self.store.session(&h).await? {
            // The in-memory last_seen may be newer than the row's (writes are throttled).
            let last_seen = self
                .sessions
                .get(&h)
                .map_or(s.last_seen_at, |c| c.last_seen.max(s.last_seen_at));
            if !policy.is_live(s.created_at, last_seen, now) {
                self.sessions.forget(&h);
                return Err(ServiceError::SessionExpired);
            }
            let user = self.live_user(&s.user_id).await?;
            let touched = if now - s.last_seen_at >= TOUCH_MS {
                self.store.touch_session(&h, now).await?;
                now
            } else {
                s.last_seen_at
            };
            let caller = Caller {
                actor: actor_of(&user),
                csrf: (s.kind == "web").then_some(s.csrf_token),
                token_hash: h.clone(),
            };
            self.sessions.put(
                h,
                Cached {
                    caller: caller.clone(),
                    created_at: s.created_at,
                    last_seen: now,
                    touched,
                    checked: now,
                    is_session: true,
                },
            );
            return Ok(caller);
        }
        if let Some(t) = self.store.api_token_by_hash(&h).await? {
            if t.revoked_at.is_some() {
                return Err(ServiceError::Unauthenticated);
            }
            let user = self.live_user(&t.user_id).await?;
            let caller = Caller {
                actor: actor_of(&user),
                csrf: None,
                token_hash: h.clone(),
            };
            self.sessions.put(
                h,
                Cached {
                    caller: caller.clone(),
                    created_at: t.created_at,
                    last_seen: now,
                    touched: now,
                    checked: now,
                    is_session: false,
                },
            );
            return Ok(caller);
        }
        Err(ServiceError::Unauthenticated)
    }

    async fn live_user(&self, id: &str) -> Result<UserRow, ServiceError> {
        match self.store.user_by_id(id).await? {
            Some(u) if !u.disabled => Ok(u),
            Some(_) => Err(ServiceError::Disabled),
            None => Err(ServiceError::Unauthenticated),
        }
    }
}
