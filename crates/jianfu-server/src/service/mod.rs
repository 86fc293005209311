//! Use cases. Each takes who is acting ([`Actor`]) and where from ([`RequestMeta`]), checks
//! permissions and policy, and writes through the store with an audit record.

pub mod accounts;
pub mod assignments;
pub mod audit;
pub mod auth;
pub mod calendar;
pub mod catalog;
pub mod catalog_candidates;
pub mod catalog_xlsx;
pub mod certificate_drafts;
pub mod certificates;
pub mod comprehensive;
pub mod dashboard;
pub mod deliberation;
pub mod demo;
pub mod demo_certificates;
pub mod error;
pub mod evaluations;
pub mod gate_request;
pub mod inventory;
pub mod key_file;
pub mod listing;
pub mod mandates;
pub mod mandates_xlsx;
pub mod notices;
pub mod orgs;
pub mod password;
pub mod pii;
pub mod portable;
pub mod seal;
pub mod second_factor;
pub mod shared_data;
pub mod spreadsheet;
pub mod surveys;
pub mod text_field;
pub mod tokens;
pub mod violations;
pub mod volunteers;

pub use error::ServiceError;

use crate::Config;
use jianfu_domain::clock::to_millis;
use jianfu_domain::permission::{self, Permission};
use jianfu_domain::scope::{Scope, scope_for};
use jianfu_domain::{Clock, OrgCode, Role};
use jianfu_store::{AuditDraft, Store};
use std::sync::Arc;

/// Everything a use case needs. One `Arc`: axum clones the state several times per request
/// (each extractor, each middleware), so a clone is one atomic increment, not one per part.
#[derive(Clone)]
pub struct App(Arc<AppParts>);

impl std::ops::Deref for App {
    type Target = AppParts;
    fn deref(&self) -> &AppParts {
        &self.0
    }
}

/// The parts of [`App`], shared by every clone of it.
pub struct AppParts {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub config: Arc<Config>,
    pub orgs: Arc<orgs::OrgCache>,
    pub sessions: Arc<auth::SessionCache>,
    pub catalog: Arc<std::sync::RwLock<catalog::CatalogCache>>,
    /// The mandate register, briefly (see `mandates.rs`).
    pub mandates: Arc<mandates::MandateCache>,
    /// The seal log's signing key, loaded on first use (see `seal.rs`).
    /// The latest seal-log checkpoint, briefly (see `seal.rs`).
    pub latest_checkpoint: Arc<seal::CheckpointCache>,
    pub seal_key: Arc<seal::SealKeyCell>,
    /// Set once the demo district is known to be loaded (it is never unloaded), so pages stop
    /// asking the database on every request.
    pub demo_seen: Arc<std::sync::atomic::AtomicBool>,
    /// Loaded on first use (see `pii.rs`).
    pub data_key: Arc<pii::DataKeyCell>,
    /// Wrong verification codes per client and per certificate number.
    pub verify_limiter: Arc<certificates::VerifyLimiter>,
    /// Seal-log proofs shown by public verification, briefly.
    pub proof_cache: Arc<certificates::ProofCache>,
    /// The working-day calendar, loaded at start (see `calendar.rs`).
    pub calendars: Arc<calendar::Calendars>,
    /// Survey answers waiting to be counted together (see `surveys/intake.rs`).
    pub survey_intake: Arc<surveys::SurveyIntake>,
    /// Wrong household codes per client, in memory only (never stored with anything).
    pub survey_code_limiter: Arc<certificates::VerifyLimiter>,
    /// The district's shared data element register, read at start (see
    /// `shared_data/elements.rs`).
    pub element_register: Arc<jianfu_domain::shared_data::ElementRegistry>,
    /// Shared data entries being written now (see `shared_data/feed.rs`).
    pub data_writes: Arc<shared_data::feed::InFlight>,
    /// Online ballots arriving together, written one group per transaction (see
    /// `deliberation/votes.rs`).
    pub ballot_intake: Arc<deliberation::BallotIntake>,
}

/// A short random id: eight Crockford base32 characters (40 random bits), for things people
/// read, print and type (questionnaires, reports, elements).
pub(crate) fn short_id() -> Result<String, ServiceError> {
    let mut r = [0u8; 5];
    getrandom::fill(&mut r).map_err(|e| ServiceError::Internal(format!("rng: {e}")))?;
    Ok(jianfu_domain::certificate::codes::format_verify_code(r).replace('-', ""))
}

impl App {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, config: Config) -> Self {
        let calendars = Arc::new(calendar::load(&config.data_dir));
        let element_register = Arc::new(shared_data::elements::load_register(&config.data_dir));
        Self(Arc::new(AppParts {
            store,
            clock,
            config: Arc::new(config),
            orgs: Arc::new(orgs::OrgCache::default()),
            sessions: Arc::new(auth::SessionCache::default()),
            catalog: Arc::default(),
            mandates: Arc::default(),
            seal_key: Arc::default(),
            latest_checkpoint: Arc::default(),
            demo_seen: Arc::default(),
            data_key: Arc::default(),
            verify_limiter: Arc::default(),
            proof_cache: Arc::default(),
            calendars,
            survey_intake: Arc::default(),
            survey_code_limiter: Arc::default(),
            element_register,
            data_writes: Arc::default(),
            ballot_intake: Arc::default(),
        }))
    }

    pub fn now_ms(&self) -> i64 {
        to_millis(self.clock.now())
    }

    /// Today's date in Beijing: dates of the policy (periods, deadlines, lists in force) are
    /// Beijing calendar days.
    pub fn today(&self) -> time::Date {
        jianfu_domain::clock::beijing(self.clock.now()).date()
    }

    /// The audit chain an actor's records go to: its organisation's code; the console (and the
    /// server's own tasks) → the district's code once the organisation tree is known, else
    /// `system`; anonymous callers → `public`. See docs/storage.md ("审计链").
    pub fn audit_chain_of(&self, actor: &Actor) -> String {
        use jianfu_domain::audit_chain::{PUBLIC_CHAIN, SYSTEM_CHAIN};
        if let Some(org) = &actor.org {
            return org.to_string();
        }
        if actor.user_id.is_none() && actor.username.is_none() {
            return PUBLIC_CHAIN.into();
        }
        self.orgs
            .district_code()
            .unwrap_or_else(|| SYSTEM_CHAIN.into())
    }

    /// Starts an audit record stamped with the current time and a fresh id.
    pub fn audit(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        action: &str,
        object: impl Into<String>,
    ) -> AuditDraft {
        AuditDraft {
            chain: self.audit_chain_of(actor),
            id: uuid::Uuid::now_v7().to_string(),
            at: self.now_ms(),
            actor: actor.username.clone(),
            actor_role: actor.role_label(),
            action: action.to_string(),
            object: object.into(),
            result: "success".into(),
            client_addr: meta.client_addr.clone(),
            request_id: meta.request_id.clone(),
            detail: "{}".into(),
        }
    }
}

/// Who is acting. The console (CLI) acts as an operator with no account.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<String>,
    pub username: Option<String>,
    pub display_name: String,
    pub roles: Vec<Role>,
    pub org: Option<OrgCode>,
}

impl Actor {
    /// The operator at the server's console, who can run `jianfu user …` and such.
    pub fn console() -> Self {
        Self {
            user_id: None,
            username: Some("console".into()),
            display_name: "控制台".into(),
            roles: vec![],
            org: None,
        }
    }
    pub fn anonymous() -> Self {
        Self {
            user_id: None,
            username: None,
            display_name: "访客".into(),
            roles: vec![],
            org: None,
        }
    }
    pub fn is_console(&self) -> bool {
        self.user_id.is_none() && self.username.as_deref() == Some("console")
    }
    pub fn role_label(&self) -> Option<String> {
        if self.is_console() {
            return Some("console".into());
        }
        (!self.roles.is_empty()).then(|| {
            self.roles
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join(",")
        })
    }
    pub fn scope(&self) -> Scope {
        match &self.org {
            Some(org) => scope_for(&self.roles, org),
            None if self.is_console() => Scope::District,
            None => Scope::Nothing,
        }
    }
    /// The console may do everything an operator with shell access could do anyway.
    pub fn may(&self, p: Permission) -> bool {
        self.is_console() || permission::allows(&self.roles, p)
    }
    pub fn require(&self, p: Permission) -> Result<(), ServiceError> {
        if self.may(p) {
            Ok(())
        } else {
            Err(ServiceError::Forbidden)
        }
    }
}

/// Doing an irreversible action, or only checking that it would be accepted. The `check_*`
/// use cases run the action's own checks with `Check` and stop before writing, so a page asks
/// for confirmation only of what would be done and says a refusal at once (issue 10 §3).
#[derive(Clone, Copy)]
pub(crate) enum Op<'a> {
    Do(&'a RequestMeta),
    Check,
}

/// Where a request came from, for the audit trail.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    pub client_addr: Option<String>,
    pub request_id: Option<String>,
}

impl RequestMeta {
    pub fn console() -> Self {
        Self {
            client_addr: Some("console".into()),
            request_id: None,
        }
    }
}

/// Random secrets (session tokens, CSRF tokens, API tokens): 32 bytes, URL-safe base64.
pub fn random_token() -> String {
    use base64::Engine;
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).expect("the operating system's random source is available");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

/// Tokens are stored only as their SHA-256, so a leaked database leaks no usable token.
pub fn token_hash(token: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(token.as_bytes()))
}
