//! Logging in and out, and recognising a caller by session cookie or bearer token.
//!
//! Failed logins are slowed per (account, client) with growing delays, limited per client and per
//! account, and collapsed in the audit trail (login_throttle); nobody can lock the real user out
//! from another client. A password someone else set is one-time: login then asks for a new one
//! before any session exists (separation_of_duties::ONE_TIME_PASSWORD_CITATION). API tokens act only for
//! system accounts, and the audit trail names the token. Sessions end after the configured idle
//! time (SessionPolicy). Recognising a caller is on every request's path, so
//! recent lookups are kept in memory for a few seconds and activity is written back at most once a
//! minute; a disabled account or revoked token is noticed within [`RECHECK_MS`].

use super::{Actor, App, RequestMeta, ServiceError, password, random_token, token_hash};
use jianfu_domain::clock::format_beijing;
use jianfu_domain::login_throttle::{FailureLog, Failures, ThrottlePolicy};
use jianfu_domain::{OrgCode, Username};
use jianfu_store::{SessionRow, UserRow};
use std::collections::{HashMap, HashSet};
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

/// Recognised callers (a cache), and what login keeps in memory: failure counts for the throttle,
/// which clients have logged in to which account, and pending password-change tickets.
#[derive(Default)]
pub struct SessionCache {
    callers: Mutex<HashMap<String, Cached>>,
    login: Mutex<LoginMemory>,
}

/// (normalised username, client address)
type Pair = (String, String);

#[derive(Default)]
struct LoginMemory {
    pairs: HashMap<Pair, (Failures, FailureLog)>,
    clients: HashMap<String, Failures>,
    accounts: HashMap<String, Failures>,
    known: HashSet<Pair>,
    tickets: HashMap<String, Ticket>,
}

/// Entries kept before the oldest state is dropped; bounded memory under a flood.
const LOGIN_MEMORY_MAX: usize = 100_000;
/// How long a password-change ticket stays good.
const TICKET_MS: i64 = 10 * 60_000;

#[derive(Clone)]
struct Ticket {
    user_id: String,
    kind: SessionKind,
    expires: i64,
}

impl LoginMemory {
    fn trim(&mut self) {
        if self.pairs.len() > LOGIN_MEMORY_MAX {
            self.pairs.clear();
        }
        if self.clients.len() > LOGIN_MEMORY_MAX {
            self.clients.clear();
        }
        if self.accounts.len() > LOGIN_MEMORY_MAX {
            self.accounts.clear();
        }
        if self.known.len() > LOGIN_MEMORY_MAX {
            self.known.clear();
        }
        if self.tickets.len() > LOGIN_MEMORY_MAX {
            self.tickets.clear();
        }
    }
}

impl SessionCache {
    fn get(&self, h: &str) -> Option<Cached> {
        self.callers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(h)
            .cloned()
    }
    fn put(&self, h: String, c: Cached) {
        let mut m = self.callers.lock().unwrap_or_else(|e| e.into_inner());
        if m.len() > 100_000 {
            m.clear(); // bounded memory; entries are only a cache
        }
        m.insert(h, c);
    }
    pub fn forget(&self, h: &str) {
        self.callers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(h);
    }
    pub fn forget_all(&self) {
        self.callers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
    fn login(&self) -> std::sync::MutexGuard<'_, LoginMemory> {
        self.login.lock().unwrap_or_else(|e| e.into_inner())
    }
    /// Forgets the login delays of one account (the security administrator's 解除登录限制).
    pub fn forget_login_failures(&self, username: &str) {
        let key = account_key(username);
        let mut m = self.login();
        m.pairs.retain(|(k, _), _| *k != key);
        m.accounts.remove(&key);
    }
    /// Whether some client is currently made to wait before trying this account again.
    pub fn login_delayed(&self, username: &str, policy: &ThrottlePolicy, now: i64) -> bool {
        let key = account_key(username);
        let m = self.login();
        m.pairs.iter().any(|((k, _), (f, _))| {
            *k == key
                && policy
                    .refused_until(*f, Failures::default(), Failures::default(), true, now)
                    .is_some()
        })
    }
}

/// How login state names an account: the typed username, trimmed and lower-cased, so unknown
/// names are throttled exactly like known ones.
fn account_key(username: &str) -> String {
    username.trim().to_lowercase().chars().take(32).collect()
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

/// The actor for a call made with API token `token_id` of system account `u`: the audit trail
/// names the system account and the token (`system:<账号>/token:<令牌 id>`).
pub fn token_actor_of(u: &UserRow, token_id: &str) -> Actor {
    let mut a = actor_of(u);
    a.username = Some(format!("system:{}/token:{token_id}", u.username));
    a
}

/// A successful login: the secret token (cookie value or bearer token) and the session's CSRF
/// token.
pub struct LoginOk {
    pub token: String,
    pub csrf: String,
    pub actor: Actor,
}

/// What a correct password leads to.
pub enum LoginStep {
    /// A session.
    Done(LoginOk),
    /// The password was set by someone else (an administrator or the console): the owner must
    /// set a new one first (separation_of_duties::ONE_TIME_PASSWORD_CITATION). No session exists yet; the ticket (good for ten minutes, once) lets
    /// [`App::finish_password_change`] set the new password and open the session.
    ChangePassword { ticket: String },
}

/// The API's refusal when a one-time password is used to log in.
pub fn password_change_required() -> ServiceError {
    ServiceError::Rejected {
        code: "password_change_required",
        message: "该密码由管理员设置，只能用于一次登录：请先设置新密码（POST /api/v1/auth/change-password），再登录".into(),
    }
}

impl App {
    /// Throttle settings from the configured lockout settings: `lockout_max_failures` free
    /// failures per (account, client), then delays doubling up to `lockout_minutes`.
    pub fn login_throttle(&self) -> ThrottlePolicy {
        let p = self.config.lockout_policy();
        ThrottlePolicy::new(p.max_failures, p.lock_for)
    }

    /// Logs in for a session; a one-time password is refused with `password_change_required`.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        kind: SessionKind,
        meta: &RequestMeta,
    ) -> Result<LoginOk, ServiceError> {
        match self.login_step(username, password, kind, meta).await? {
            LoginStep::Done(ok) => Ok(ok),
            LoginStep::ChangePassword { .. } => Err(password_change_required()),
        }
    }

    /// Checks a username and password. Unknown usernames and wrong passwords get the same answer
    /// after the same work (an argon2 verification); a client that keeps failing against one
    /// account waits longer each time, without the account being locked for anyone else.
    pub async fn login_step(
        &self,
        username: &str,
        password: &str,
        kind: SessionKind,
        meta: &RequestMeta,
    ) -> Result<LoginStep, ServiceError> {
        let now = self.now_ms();
        let policy = self.login_throttle();
        let key = account_key(username);
        let client = meta.client_addr.clone().unwrap_or_else(|| "-".into());
        let pair: Pair = (key.clone(), client.clone());
        let refused = {
            let m = self.sessions.login();
            let (pf, _) = m.pairs.get(&pair).copied().unwrap_or_default();
            policy.refused_until(
                pf,
                m.clients.get(&client).copied().unwrap_or_default(),
                m.accounts.get(&key).copied().unwrap_or_default(),
                m.known.contains(&pair),
                now,
            )
        };
        if let Some(until) = refused {
            self.login_failed(&pair, None, "throttled", meta, now, false)
                .await?;
            return Err(ServiceError::RateLimited(format!(
                "登录失败次数过多，请于 {} 后再试（在其他设备上登录不受影响；如忘记密码请联系安全管理员）",
                format_beijing(until)
            )));
        }
        let user = match Username::parse(username) {
            Ok(u) => self.store.user_by_username(u.as_str()).await?,
            Err(_) => None,
        };
        let Some(user) = user else {
            password::verify_dummy(password).await;
            self.login_failed(&pair, None, "unknown_user", meta, now, true)
                .await?;
            return Err(ServiceError::WrongCredentials { remaining: None });
        };
        if !password::verify(password, &user.password_hash).await {
            self.login_failed(&pair, Some(&user), "wrong_password", meta, now, true)
                .await?;
            return Err(ServiceError::WrongCredentials { remaining: None });
        }
        let actor = actor_of(&user);
        let object = format!("user:{}", user.id);
        if user.disabled {
            let mut a = self.audit(&actor, meta, "auth.login", &object);
            a.result = "failure".into();
            a.detail = r#"{"reason":"disabled"}"#.into();
            self.store.append_audit(a).await?;
            return Err(ServiceError::Disabled);
        }
        let info = self.store.credential_info(&user.id).await?;
        if info.system {
            // System accounts hold API tokens and never log in; answered like a wrong password.
            self.login_failed(&pair, Some(&user), "system_account", meta, now, true)
                .await?;
            return Err(ServiceError::WrongCredentials { remaining: None });
        }
        let earlier = {
            let mut m = self.sessions.login();
            let unrecorded = m.pairs.remove(&pair).map_or(0, |(_, log)| log.unrecorded);
            m.known.insert(pair);
            m.trim();
            unrecorded
        };
        if user.failed_logins != 0 || user.locked_until.is_some() {
            let a = self.audit(&actor, meta, "auth.reset_failures", &object);
            self.store.clear_login_failures(&user.id, a).await?;
        }
        if info.one_time_set_at.is_some() {
            let ticket = random_token();
            {
                let mut m = self.sessions.login();
                m.tickets.retain(|_, t| t.expires > now);
                m.tickets.insert(
                    token_hash(&ticket),
                    Ticket {
                        user_id: user.id.clone(),
                        kind,
                        expires: now + TICKET_MS,
                    },
                );
            }
            let mut a = self.audit(&actor, meta, "auth.login", &object);
            a.result = "failure".into();
            a.detail = serde_json::json!({
                "reason": "password_change_required",
                "earlier_failures": earlier,
            })
            .to_string();
            self.store.append_audit(a).await?;
            return Ok(LoginStep::ChangePassword { ticket });
        }
        self.open_session(&user, kind, meta, earlier)
            .await
            .map(LoginStep::Done)
    }

    async fn open_session(
        &self,
        user: &UserRow,
        kind: SessionKind,
        meta: &RequestMeta,
        earlier_failures: u32,
    ) -> Result<LoginOk, ServiceError> {
        let now = self.now_ms();
        let actor = actor_of(user);
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
        let mut a = self.audit(&actor, meta, "auth.login", format!("user:{}", user.id));
        a.detail = if earlier_failures > 0 {
            serde_json::json!({"session": kind.as_str(), "earlier_failures": earlier_failures})
                .to_string()
        } else {
            format!(r#"{{"session":"{}"}}"#, kind.as_str())
        };
        self.store.insert_session(&row, a).await?;
        Ok(LoginOk { token, csrf, actor })
    }

    /// Counts a failed login and writes an audit record only when the window says so (one per
    /// account and client per 15 minutes, or per 1,000 failures); the record's `repeated` names
    /// the failures in between that have no record of their own.
    async fn login_failed(
        &self,
        pair: &Pair,
        user: Option<&UserRow>,
        reason: &str,
        meta: &RequestMeta,
        now: i64,
        count: bool,
    ) -> Result<(), ServiceError> {
        let policy = self.login_throttle();
        let write = {
            let mut m = self.sessions.login();
            m.trim();
            if count {
                let c = m.clients.get(&pair.1).copied().unwrap_or_default();
                m.clients
                    .insert(pair.1.clone(), policy.client_after_failure(c, now));
                let a = m.accounts.get(&pair.0).copied().unwrap_or_default();
                m.accounts
                    .insert(pair.0.clone(), policy.account_after_failure(a, now));
            }
            let entry = m.pairs.entry(pair.clone()).or_default();
            if count {
                entry.0 = policy.pair_after_failure(entry.0, now);
            }
            let (log, write) = entry.1.after_failure(now);
            entry.1 = log;
            write
        };
        let Some(repeated) = write else {
            return Ok(());
        };
        let (actor, object) = match user {
            Some(u) => (actor_of(u), format!("user:{}", u.id)),
            None => (
                Actor::anonymous(),
                format!("username:{}", pair.0.chars().take(32).collect::<String>()),
            ),
        };
        let mut a = self.audit(&actor, meta, "auth.login", object);
        a.result = "failure".into();
        a.detail = serde_json::json!({"reason": reason, "repeated": repeated}).to_string();
        self.store.append_audit(a).await?;
        Ok(())
    }

    /// Sets the owner's new password after a login with a one-time password, and opens the
    /// session. The ticket is good once, for ten minutes.
    pub async fn finish_password_change(
        &self,
        ticket: &str,
        new_password: &str,
        meta: &RequestMeta,
    ) -> Result<LoginOk, ServiceError> {
        let now = self.now_ms();
        let key = token_hash(ticket);
        let t = self.sessions.login().tickets.get(&key).cloned();
        let Some(t) = t.filter(|t| t.expires > now) else {
            return Err(ServiceError::Rejected {
                code: "password_change_expired",
                message: "设置新密码的页面已过期（10 分钟），请重新登录".into(),
            });
        };
        let user = self.live_user(&t.user_id).await?;
        // A refused new password keeps the ticket, so the form can be filled in again.
        self.set_own_password(&user, new_password, meta).await?;
        self.sessions.login().tickets.remove(&key);
        let user = self.live_user(&t.user_id).await?;
        self.open_session(&user, t.kind, meta, 0).await
    }

    /// The API's way: username, current password and new password in one call; returns a session.
    pub async fn change_password_and_login(
        &self,
        username: &str,
        password: &str,
        new_password: &str,
        kind: SessionKind,
        meta: &RequestMeta,
    ) -> Result<LoginOk, ServiceError> {
        let user = match self.login_step(username, password, kind, meta).await? {
            LoginStep::Done(ok) => {
                // A voluntary change: the session just opened is replaced by a new one.
                self.sessions.forget(&token_hash(&ok.token));
                ok.actor.user_id.unwrap_or_default()
            }
            LoginStep::ChangePassword { ticket } => {
                let mut m = self.sessions.login();
                m.tickets
                    .remove(&token_hash(&ticket))
                    .map(|t| t.user_id)
                    .unwrap_or_default()
            }
        };
        let user = self.live_user(&user).await?;
        self.set_own_password(&user, new_password, meta).await?;
        let user = self.live_user(&user.id).await?;
        self.open_session(&user, kind, meta, 0).await
    }

    async fn set_own_password(
        &self,
        user: &UserRow,
        new_password: &str,
        meta: &RequestMeta,
    ) -> Result<(), ServiceError> {
        super::accounts::check_password(self, &user.username, new_password)?;
        if password::verify(new_password, &user.password_hash).await {
            return Err(ServiceError::Rejected {
                code: "password_reused",
                message: "新密码不能与管理员设置的密码相同".into(),
            });
        }
        let hash = password::hash(new_password).await?;
        let now = self.now_ms();
        let a = self.audit(
            &actor_of(user),
            meta,
            "user.change_password",
            format!("user:{}", user.id),
        );
        self.store.set_own_password(&user.id, &hash, now, a).await?;
        self.sessions.forget_all();
        Ok(())
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
            if !self.store.credential_info(&user.id).await?.system {
                // A token issued to a person before tokens belonged to system accounts.
                return Err(ServiceError::Unauthenticated);
            }
            let caller = Caller {
                actor: token_actor_of(&user, &t.id),
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
