//! Settings. The CLI fills this from defaults, then `jianfu.toml` (or `--config`), then
//! `JIANFU_*` environment variables, then command-line flags.

use jianfu_domain::password_policy::PasswordPolicy;
use jianfu_domain::security_policy::{LockoutPolicy, SessionPolicy};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use time::Duration;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address to listen on.
    pub bind: String,
    /// Where the SQLite file and other local data live.
    pub data_dir: PathBuf,
    /// `sqlite:…` or `postgres://…`; when empty, SQLite in `data_dir`.
    pub database_url: Option<String>,
    /// `text` or `json`.
    pub log_format: String,
    /// Mark cookies `Secure`; turn on when served over HTTPS.
    pub secure_cookies: bool,
    pub session_idle_minutes: i64,
    pub session_absolute_hours: i64,
    pub lockout_max_failures: u32,
    pub lockout_minutes: i64,
    pub password_min_length: usize,
    pub password_min_classes: usize,
    /// Largest JSON body the API accepts.
    pub max_json_bytes: usize,
    /// The district's Ed25519 key that signs the seal log's checkpoints; default
    /// `<data_dir>/keys/seal-ed25519.key`, created (mode 0600) on first start. Back it up apart
    /// from the database: checkpoints signed with a lost key can no longer be checked against it.
    pub seal_key_file: Option<PathBuf>,
    /// Hash of the seal log, `sha256` (default) or `sm3`; fixed by the log's first entry.
    pub seal_hash_alg: String,
    /// Working days the district has to approve or refuse work that needs approval (default 15);
    /// missed deadlines are escalated to the supervisors.
    pub approval_working_days: i64,
    /// The AES-256 key that encrypts ID numbers and certificate texts at rest; default
    /// `<data_dir>/keys/data.key`, created on first use. Back it up apart from the database.
    pub data_key_file: Option<PathBuf>,
    /// Days after an application is finished before its personal data (name, ID number, phone,
    /// materials, certificate text) is deleted; 0 keeps it for ever.
    pub personal_data_retention_days: i64,
    /// The address residents reach the server by, printed into certificates' QR codes, e.g.
    /// `https://jianfu.example.gov.cn`; default `http://<bind>`.
    pub public_base_url: Option<String>,
    /// Seconds a client has to send a request's headers (slow-header connections are closed).
    pub header_read_timeout_secs: u64,
    /// Seconds a connection may go without reading or writing anything before it is closed.
    pub idle_timeout_secs: u64,
    /// Connections open at once; more wait in the accept queue.
    pub max_connections: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("./jianfu-data"),
            database_url: None,
            log_format: "text".into(),
            secure_cookies: false,
            session_idle_minutes: 30,
            session_absolute_hours: 12,
            lockout_max_failures: 5,
            lockout_minutes: 15,
            password_min_length: 8,
            password_min_classes: 3,
            max_json_bytes: 64 * 1024,
            seal_key_file: None,
            seal_hash_alg: "sha256".into(),
            approval_working_days: 15,
            data_key_file: None,
            personal_data_retention_days: 1095,
            public_base_url: None,
            header_read_timeout_secs: 10,
            idle_timeout_secs: 60,
            max_connections: 4096,
        }
    }
}

impl Config {
    pub fn password_policy(&self) -> PasswordPolicy {
        PasswordPolicy::new(self.password_min_length, self.password_min_classes)
    }
    pub fn lockout_policy(&self) -> LockoutPolicy {
        LockoutPolicy {
            max_failures: self.lockout_max_failures.max(1),
            lock_for: Duration::minutes(self.lockout_minutes.max(1)),
        }
    }
    pub fn session_policy(&self) -> SessionPolicy {
        SessionPolicy {
            idle: Duration::minutes(self.session_idle_minutes.max(1)),
            absolute: Duration::hours(self.session_absolute_hours.max(1)),
        }
    }
}
