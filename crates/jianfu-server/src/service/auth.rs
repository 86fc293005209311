//! Logging in and out, and recognising a caller by session cookie or bearer token.
//!
//! Failed logins are slowed per (account, client) with growing delays, limited per client and per
//! account, and collapsed in the audit trail (login_throttle); nobody can lock the real user out
//! from another client. A password someone else set is one-time: login then asks for a new one
//! before any session exists (separation_of_duties::ONE_TIME_PASSWORD_CITATION). An administrator's
//! right password opens no session either: a code from the authenticator app (TOTP) or a recovery
//! code must follow (second_factor::CITATION); an administrator with no authenticator enrols one
//! first. Wrong codes count as failed logins, so guessing codes is throttled like guessing
//! passwords, and a right password does not reset the count until the code is right too. API tokens act only for
//! system accounts, and the audit trail names the token. Sessions end after the configured idle
//! time (SessionPolicy). Recognising a caller is on every request's path, so
//! recent lookups are kept in memory for a few seconds and activity is written back at most once a
//! minute; a disabled account or revoked token is noticed within [`RECHECK_MS`].

use super::{Actor, App, RequestMeta, ServiceError, password, random_token, token_hash};
use jianfu_domain::clock::format_beijing;
use jianfu_domain::login_throttle::{FailureLog, Failures, ThrottlePolicy};
use jianfu_domain::second_factor::{self, TotpSecret};
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
/// How long a password-change or second-factor ticket stays good.
const TICKET_MS: i64 = 10 * 60_000;
/// Wrong codes one second-factor ticket takes before the password must be entered again (each
/// also counts as a failed login for the throttle).
pub const WRONG_CODES_PER_TICKET: u32 = 5;

#[derive(Clone)]
struct Ticket {
    user_id: String,
    kind: SessionKind,
    expires: i64,
    purpose: Purpose,
    /// The account as the throttle names it (the typed username, normalised).
    account: String,
    /// Failures before the right password, named in the login's audit record.
    earlier: u32,
    /// Wrong codes given with this ticket.
    wrong: u32,
}

#[derive(Clone)]
enum Purpose {
    ChangePassword,
    SecondFactor,
    /// Enrolment: the new secret, not stored until a code from it is confirmed.
    Enrol(TotpSecret),
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
    /// An administrator: a code from the authenticator app or a recovery code must follow
    /// ([`App::finish_second_factor`] with the ticket, good for ten minutes).
    SecondFactor { ticket: String },
    /// An administrator without an authenticator: shown a new secret, must confirm it with a
    /// code ([`App::finish_enrolment`]), then gets the recovery codes and the session.
    Enrol {
        ticket: String,
        enrolment: Enrolment,
    },
}

/// A secret to add to an authenticator app.
#[derive(Debug, Clone)]
pub struct Enrolment {
    /// Base32 in groups of four, for typing.
    pub secret: String,
    /// The `otpauth://` key URI (QR code content).
    pub uri: String,
}

/// An enrolment confirmed: the session, and the recovery codes to show once.
pub struct Enrolled {
    pub login: LoginOk,
    pub recovery_codes: Vec<String>,
}

/// The API's refusal when a one-time password is used to log in.
pub fn password_change_required() -> ServiceError {
    ServiceError::Rejected {
        code: "password_change_required",
        message: "该密码由管理员设置，只能用于一次登录：请先设置新密码（POST /api/v1/auth/change-password），再登录".into(),
    }
}

/// The API's refusal when an administrator logs in without a code.
pub fn second_factor_required() -> ServiceError {
    ServiceError::Rejected {
        code: "second_factor_required",
        message: "管理员账号登录须同时提供验证器上的 6 位验证码或一个恢复码（请求中的 code）"
            .into(),
    }
}

/// An administrator without an authenticator cannot enrol through the API.
pub fn second_factor_not_enrolled() -> ServiceError {
    ServiceError::Rejected {
        code: "second_factor_not_enrolled",
        message: "该管理员账号还没有绑定验证器：请先在网页上登录，按提示绑定验证器".into(),
    }
}

fn second_factor_expired() -> ServiceError {
    ServiceError::Rejected {
        code: "second_factor_expired",
        message: "验证页面已过期（10 分钟）或验证码错误次数过多，请重新输入用户名和密码".into(),
    }
}

fn code_refused(p: second_factor::CodeProblem) -> ServiceError {
    ServiceError::Rejected {
        code: p.code(),
        message: p.message_zh().into(),
    }
}

impl App {
    /// Throttle settings from the configured lockout settings: `lockout_max_failures` free
    /// failures per (account, client), then delays doubling up to `lockout_minutes`.
    pub fn login_throttle(&self) -> ThrottlePolicy {
        let p = self.config.lockout_policy();
        ThrottlePolicy::new(p.max_failures, p.lock_for)
    }

    /// Logs in for a session; a one-time password is refused with `password_change_required`,
    /// an administrator with `second_factor_required`.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        kind: SessionKind,
        meta: &RequestMeta,
    ) -> Result<LoginOk, ServiceError> {
        self.login_with_code(username, password, None, kind, meta)
            .await
    }

    /// Logs in in one call (the API's way): an administrator gives the code from the
    /// authenticator app (or a recovery code) with the password. An administrator without an
    /// authenticator is refused with `second_factor_not_enrolled` (enrolment is on the web).
    pub async fn login_with_code(
        &self,
        username: &str,
        password: &str,
        code: Option<&str>,
        kind: SessionKind,
        meta: &RequestMeta,
    ) -> Result<LoginOk, ServiceError> {
        match self.login_step(username, password, kind, meta).await? {
            LoginStep::Done(ok) => Ok(ok),
            LoginStep::ChangePassword { ticket } => {
                self.drop_ticket(&ticket);
                Err(password_change_required())
            }
            LoginStep::Enrol { ticket, .. } => {
                self.drop_ticket(&ticket);
                Err(second_factor_not_enrolled())
            }
            LoginStep::SecondFactor { ticket } => {
                let Some(code) = code.filter(|c| !c.trim().is_empty()) else {
                    self.drop_ticket(&ticket);
                    return Err(second_factor_required());
                };
                let r = self.finish_second_factor(&ticket, code, meta).await;
                self.drop_ticket(&ticket);
                r
            }
        }
    }

    /// The secret being enrolled with `ticket` (to show the enrolment page again after a wrong
    /// code); `None` when the ticket is not a live enrolment.
    pub fn enrolment_of(&self, ticket: &str) -> Option<Enrolment> {
        let now = self.now_ms();
        let m = self.sessions.login();
        let t = m.tickets.get(&token_hash(ticket))?;
        let user = t.account.clone();
        match &t.purpose {
            Purpose::Enrol(secret) if t.expires > now => Some(Enrolment {
                secret: secret.to_base32_grouped(),
                uri: secret.otpauth_uri(&user),
            }),
            _ => None,
        }
    }

    /// Whether `ticket` is a live second-factor ticket (the code page stays; otherwise back to
    /// the password).
    pub fn second_factor_ticket_live(&self, ticket: &str) -> bool {
        let now = self.now_ms();
        self.sessions
            .login()
            .tickets
            .get(&token_hash(ticket))
            .is_some_and(|t| t.expires > now && matches!(t.purpose, Purpose::SecondFactor))
    }

    fn drop_ticket(&self, ticket: &str) {
        self.sessions.login().tickets.remove(&token_hash(ticket));
    }

    fn new_ticket(
        &self,
        user: &UserRow,
        kind: SessionKind,
        purpose: Purpose,
        account: &str,
        earlier: u32,
    ) -> String {
        let now = self.now_ms();
        let ticket = random_token();
        let mut m = self.sessions.login();
        m.tickets.retain(|_, t| t.expires > now);
        m.trim();
        m.tickets.insert(
            token_hash(&ticket),
            Ticket {
                user_id: user.id.clone(),
                kind,
                expires: now + TICKET_MS,
                purpose,
                account: account.to_string(),
                earlier,
                wrong: 0,
            },
        );
        ticket
    }

    /// The login's last step passed: the (account, client) pair's failures are forgotten and the
    /// client is known to this account. Returns the failures that had no audit record of their own.
    fn login_succeeded(&self, pair: Pair) -> u32 {
        let mut m = self.sessions.login();
        let unrecorded = m.pairs.remove(&pair).map_or(0, |(_, log)| log.unrecorded);
        m.known.insert(pair);
        m.trim();
        unrecorded
    }

    /// After the right password (and, for a one-time password, the owner's new one): a session,
    /// or for an administrator the second-factor step (enrolment when there is no authenticator).
    async fn after_password(
        &self,
        user: &UserRow,
        kind: SessionKind,
        meta: &RequestMeta,
        pair: Pair,
        earlier: u32,
    ) -> Result<LoginStep, ServiceError> {
        if !second_factor::required_for(&user.role_list()) {
            let earlier = earlier + self.login_succeeded(pair);
            return self
                .open_session(user, kind, meta, earlier)
                .await
                .map(LoginStep::Done);
        }
        if self.store.second_factor(&user.id).await?.is_some() {
            let ticket = self.new_ticket(user, kind, Purpose::SecondFactor, &pair.0, earlier);
            return Ok(LoginStep::SecondFactor { ticket });
        }
        let mut random = [0u8; second_factor::SECRET_BYTES];
        getrandom::fill(&mut random).map_err(|e| ServiceError::Internal(format!("rng: {e}")))?;
        let secret = TotpSecret::from_random(random);
        let enrolment = Enrolment {
            secret: secret.to_base32_grouped(),
            uri: secret.otpauth_uri(&user.username),
        };
        let ticket = self.new_ticket(user, kind, Purpose::Enrol(secret), &pair.0, earlier);
        Ok(LoginStep::Enrol { ticket, enrolment })
    }

    /// The ticket for `purpose`, if it is live; checks the throttle for its account and this
    /// client first.
    async fn live_ticket(
        &self,
        ticket: &str,
        want: fn(&Purpose) -> bool,
        meta: &RequestMeta,
    ) -> Result<(Ticket, Pair), ServiceError> {
        let now = self.now_ms();
        let t = self
            .sessions
            .login()
            .tickets
            .get(&token_hash(ticket))
            .cloned();
        let Some(t) = t.filter(|t| t.expires > now && want(&t.purpose)) else {
            return Err(second_factor_expired());
        };
        let client = meta.client_addr.clone().unwrap_or_else(|| "-".into());
        let pair: Pair = (t.account.clone(), client.clone());
        let policy = self.login_throttle();
        let refused = {
            let m = self.sessions.login();
            let (pf, _) = m.pairs.get(&pair).copied().unwrap_or_default();
            policy.refused_until(
                pf,
                m.clients.get(&client).copied().unwrap_or_default(),
                m.accounts.get(&pair.0).copied().unwrap_or_default(),
                m.known.contains(&pair),
                now,
            )
        };
        if let Some(until) = refused {
            self.login_failed(&pair, None, "throttled", meta, now, false)
                .await?;
            return Err(ServiceError::RateLimited(format!(
                "验证码错误次数过多，请于 {} 后再试（如验证器丢失，请用恢复码，或请控制台重置）",
                format_beijing(until)
            )));
        }
        Ok((t, pair))
    }

    /// A wrong code: counted as a failed login (throttle, collapsed audit), and the ticket dies
    /// after [`WRONG_CODES_PER_TICKET`].
    async fn wrong_code(
        &self,
        ticket: &str,
        pair: &Pair,
        user: &UserRow,
        reason: &str,
        meta: &RequestMeta,
    ) -> Result<(), ServiceError> {
        let now = self.now_ms();
        {
            let mut m = self.sessions.login();
            let key = token_hash(ticket);
            let dead = match m.tickets.get_mut(&key) {
                Some(t) => {
                    t.wrong += 1;
                    t.wrong >= WRONG_CODES_PER_TICKET
                }
                None => false,
            };
            if dead {
                m.tickets.remove(&key);
            }
        }
        self.second_factor_failed(pair, user, reason, meta, now)
            .await
    }

    /// Checks an administrator's code (6 digits from the authenticator app, or a recovery code)
    /// and records its use (the time step, or the recovery code marked used). Wrong codes are
    /// counted by the caller.
    async fn check_second_factor(
        &self,
        user: &UserRow,
        code: &str,
        meta: &RequestMeta,
    ) -> Result<(), (ServiceError, &'static str)> {
        use second_factor::{CodeProblem, SecondFactorInput};
        let internal = |e: ServiceError| (e, "error");
        let Some(row) = self
            .store
            .second_factor(&user.id)
            .await
            .map_err(|e| internal(e.into()))?
        else {
            return Err((second_factor_not_enrolled(), "not_enrolled"));
        };
        let actor = actor_of(user);
        let object = format!("user:{}", user.id);
        match SecondFactorInput::parse(code) {
            Err(p) => Err((code_refused(p), "malformed_code")),
            Ok(SecondFactorInput::Totp(digits)) => {
                let key = self.data_key().await.map_err(internal)?;
                let secret = key
                    .decrypt(&row.secret_enc)
                    .ok()
                    .and_then(|b| TotpSecret::from_base32(&b))
                    .ok_or_else(|| {
                        internal(ServiceError::Internal(
                            "a stored TOTP secret does not decrypt with the data key".into(),
                        ))
                    })?;
                let step = match secret.check(&digits, self.now_ms(), row.last_step) {
                    Ok(s) => s,
                    Err(p @ CodeProblem::Reused) => return Err((code_refused(p), "reused_code")),
                    Err(p) => return Err((code_refused(p), "wrong_code")),
                };
                let mut a = self.audit(&actor, meta, "auth.second_factor.ok", &object);
                a.detail = serde_json::json!({"method": "totp"}).to_string();
                if self
                    .store
                    .accept_second_factor_step(&user.id, step, a)
                    .await
                    .map_err(|e| internal(e.into()))?
                {
                    Ok(())
                } else {
                    // Another login took this step meanwhile.
                    Err((code_refused(CodeProblem::Reused), "reused_code"))
                }
            }
            Ok(SecondFactorInput::Recovery(normalized)) => {
                let hash = second_factor::recovery_code_hash(&user.id, &normalized);
                let left = self
                    .store
                    .recovery_codes_left(&user.id)
                    .await
                    .map_err(|e| internal(e.into()))?;
                let mut a = self.audit(&actor, meta, "auth.second_factor.recovery_code", &object);
                a.detail = serde_json::json!({"left": (left - 1).max(0)}).to_string();
                if self
                    .store
                    .use_recovery_code(&user.id, &hash, self.now_ms(), a)
                    .await
                    .map_err(|e| internal(e.into()))?
                {
                    Ok(())
                } else {
                    Err((code_refused(CodeProblem::Wrong), "wrong_recovery_code"))
                }
            }
        }
    }

    /// The second step of an administrator's login: the ticket from [`LoginStep::SecondFactor`]
    /// and a code from the authenticator app or a recovery code. A wrong code keeps the ticket
    /// (up to [`WRONG_CODES_PER_TICKET`]) and counts as a failed login.
    pub async fn finish_second_factor(
        &self,
        ticket: &str,
        code: &str,
        meta: &RequestMeta,
    ) -> Result<LoginOk, ServiceError> {
        let (t, pair) = self
            .live_ticket(ticket, |p| matches!(p, Purpose::SecondFactor), meta)
            .await?;
        let user = self.live_user(&t.user_id).await?;
        if let Err((e, reason)) = self.check_second_factor(&user, code, meta).await {
            if !matches!(e, ServiceError::Internal(_) | ServiceError::Unavailable(_)) {
                self.wrong_code(ticket, &pair, &user, reason, meta).await?;
            }
            return Err(e);
        }
        self.drop_ticket(ticket);
        let earlier = t.earlier + self.login_succeeded(pair);
        self.open_session(&user, t.kind, meta, earlier).await
    }

    /// Enrolment: the ticket from [`LoginStep::Enrol`] and a code from the new secret. Stores the
    /// secret (encrypted with the data key) and ten recovery codes (hashed), opens the session and
    /// returns the recovery codes, which are never shown again.
    pub async fn finish_enrolment(
        &self,
        ticket: &str,
        code: &str,
        meta: &RequestMeta,
    ) -> Result<Enrolled, ServiceError> {
        let (t, pair) = self
            .live_ticket(ticket, |p| matches!(p, Purpose::Enrol(_)), meta)
            .await?;
        let Purpose::Enrol(secret) = &t.purpose else {
            return Err(second_factor_expired());
        };
        let user = self.live_user(&t.user_id).await?;
        let now = self.now_ms();
        let step = match secret.check(code, now, None) {
            Ok(s) => s,
            Err(p) => {
                self.wrong_code(ticket, &pair, &user, "enrol_wrong_code", meta)
                    .await?;
                return Err(code_refused(p));
            }
        };
        let secret_enc = self.data_key().await?.encrypt(&secret.to_base32())?;
        let mut codes = Vec::with_capacity(second_factor::RECOVERY_CODES);
        let mut hashes = Vec::with_capacity(second_factor::RECOVERY_CODES);
        while codes.len() < second_factor::RECOVERY_CODES {
            let mut r = [0u8; second_factor::RECOVERY_RANDOM_BYTES];
            getrandom::fill(&mut r).map_err(|e| ServiceError::Internal(format!("rng: {e}")))?;
            let c = second_factor::recovery_code(r);
            let h = second_factor::recovery_code_hash(
                &user.id,
                &second_factor::normalize_recovery_code(&c).unwrap_or_default(),
            );
            if !hashes.contains(&h) {
                codes.push(c);
                hashes.push(h);
            }
        }
        let row = jianfu_store::SecondFactorRow {
            user_id: user.id.clone(),
            secret_enc,
            confirmed_at: now,
            last_step: Some(step),
        };
        let mut a = self.audit(
            &actor_of(&user),
            meta,
            "auth.second_factor.enrol",
            format!("user:{}", user.id),
        );
        a.detail = serde_json::json!({"recovery_codes": codes.len()}).to_string();
        match self.store.enrol_second_factor(&row, &hashes, a).await {
            Ok(()) => {}
            Err(jianfu_store::StoreError::Conflict(_)) => {
                self.drop_ticket(ticket);
                return Err(second_factor_expired());
            }
            Err(e) => return Err(e.into()),
        }
        self.drop_ticket(ticket);
        let earlier = t.earlier + self.login_succeeded(pair);
        let login = self.open_session(&user, t.kind, meta, earlier).await?;
        Ok(Enrolled {
            login,
            recovery_codes: codes,
        })
    }

    /// A failed second factor: counted like a failed password (per account and client, per
    /// client, per account) and recorded as `auth.second_factor.failure`, collapsed the same way.
    async fn second_factor_failed(
        &self,
        pair: &Pair,
        user: &UserRow,
        reason: &str,
        meta: &RequestMeta,
        now: i64,
    ) -> Result<(), ServiceError> {
        let Some(repeated) = self.count_failure(pair, now, true) else {
            return Ok(());
        };
        let mut a = self.audit(
            &actor_of(user),
            meta,
            "auth.second_factor.failure",
            format!("user:{}", user.id),
        );
        a.result = "failure".into();
        a.detail = serde_json::json!({"reason": reason, "repeated": repeated}).to_string();
        self.store.append_audit(a).await?;
        Ok(())
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
        // An administrator's failures are forgotten only when the second factor is right too:
        // otherwise entering the right password again would reset the count of wrong codes.
        let needs_code = second_factor::required_for(&user.role_list());
        let earlier = if needs_code {
            0
        } else {
            self.login_succeeded(pair.clone())
        };
        if user.failed_logins != 0 || user.locked_until.is_some() {
            let a = self.audit(&actor, meta, "auth.reset_failures", &object);
            self.store.clear_login_failures(&user.id, a).await?;
        }
        if info.one_time_set_at.is_some() {
            let ticket = self.new_ticket(&user, kind, Purpose::ChangePassword, &key, earlier);
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
        self.after_password(&user, kind, meta, pair, earlier).await
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
        let Some(repeated) = self.count_failure(pair, now, count) else {
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

    /// Counts a failure (when `count`) and says whether to write an audit record (with the number
    /// of failures in between that had none).
    fn count_failure(&self, pair: &Pair, now: i64, count: bool) -> Option<u32> {
        let policy = self.login_throttle();
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
    }

    /// Sets the owner's new password after a login with a one-time password, and opens the
    /// session. The ticket is good once, for ten minutes.
    /// An administrator then goes on to the second factor (the returned step).
    pub async fn finish_password_change(
        &self,
        ticket: &str,
        new_password: &str,
        meta: &RequestMeta,
    ) -> Result<LoginStep, ServiceError> {
        let now = self.now_ms();
        let key = token_hash(ticket);
        let t = self.sessions.login().tickets.get(&key).cloned();
        let Some(t) = t.filter(|t| t.expires > now && matches!(t.purpose, Purpose::ChangePassword))
        else {
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
        let client = meta.client_addr.clone().unwrap_or_else(|| "-".into());
        self.after_password(&user, t.kind, meta, (t.account, client), t.earlier)
            .await
    }

    /// The API's way: username, current password and new password in one call; returns a session.
    /// An administrator also gives a code (`code`), checked before the password changes.
    pub async fn change_password_and_login(
        &self,
        username: &str,
        password: &str,
        new_password: &str,
        code: Option<&str>,
        kind: SessionKind,
        meta: &RequestMeta,
    ) -> Result<LoginOk, ServiceError> {
        let (user, ticket) = match self.login_step(username, password, kind, meta).await? {
            LoginStep::Done(ok) => {
                // A voluntary change: the session just opened is replaced by a new one.
                self.sessions.forget(&token_hash(&ok.token));
                (ok.actor.user_id.unwrap_or_default(), None)
            }
            LoginStep::ChangePassword { ticket }
            | LoginStep::SecondFactor { ticket }
            | LoginStep::Enrol { ticket, .. } => {
                let t = self
                    .sessions
                    .login()
                    .tickets
                    .get(&token_hash(&ticket))
                    .cloned();
                (t.map(|t| t.user_id).unwrap_or_default(), Some(ticket))
            }
        };
        let result = async {
            let user = self.live_user(&user).await?;
            if second_factor::required_for(&user.role_list()) {
                let Some(code) = code.filter(|c| !c.trim().is_empty()) else {
                    return Err(second_factor_required());
                };
                if self.store.second_factor(&user.id).await?.is_none() {
                    return Err(second_factor_not_enrolled());
                }
                let client = meta.client_addr.clone().unwrap_or_else(|| "-".into());
                let pair: Pair = (account_key(username), client);
                if let Err((e, reason)) = self.check_second_factor(&user, code, meta).await {
                    if !matches!(e, ServiceError::Internal(_) | ServiceError::Unavailable(_)) {
                        self.second_factor_failed(&pair, &user, reason, meta, self.now_ms())
                            .await?;
                    }
                    return Err(e);
                }
                self.login_succeeded(pair);
            }
            Ok(user)
        }
        .await;
        if let Some(t) = ticket {
            self.drop_ticket(&t);
        }
        let user = result?;
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
