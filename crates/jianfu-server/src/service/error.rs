use jianfu_store::StoreError;
use thiserror::Error;

/// What a use case can refuse or fail with. Each variant has a stable machine code (for the API)
/// and a Chinese message (for people); the HTTP layer maps them to status codes.
#[derive(Debug, Error)]
pub enum ServiceError {
    #[error("用户名或密码不正确")]
    WrongCredentials { remaining: Option<u32> },
    #[error("账号已锁定，请于 {until} 后再试，或联系安全管理员解锁")]
    Locked { until: String },
    #[error("账号已停用，请联系系统管理员")]
    Disabled,
    #[error("登录已过期，请重新登录")]
    SessionExpired,
    #[error("请先登录")]
    Unauthenticated,
    #[error("您没有权限进行此操作")]
    Forbidden,
    #[error(
        "页面安全校验未通过（缺少或过期的校验码）。请返回上一页刷新后再提交，您填写的内容不会丢失。"
    )]
    CsrfFailed,
    #[error("{0}")]
    Invalid(String),
    /// Bad input with its own stable machine code, e.g. `unknown_item`, `period_reversed`.
    #[error("{message}")]
    Rejected { code: &'static str, message: String },
    #[error("{0}")]
    Conflict(String),
    #[error("未找到：{0}")]
    NotFound(String),
    /// Too many failed attempts (e.g. wrong verification codes); try again later.
    #[error("{0}")]
    RateLimited(String),
    #[error("服务暂时不可用：{0}")]
    Unavailable(String),
    #[error("系统内部错误，请稍后再试")]
    Internal(String),
}

impl ServiceError {
    /// Input refused with its own stable code (HTTP 422).
    pub fn rejected(code: &'static str, message: String) -> Self {
        Self::Rejected { code, message }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::WrongCredentials { .. } => "wrong_credentials",
            Self::Locked { .. } => "account_locked",
            Self::Disabled => "account_disabled",
            Self::SessionExpired => "session_expired",
            Self::Unauthenticated => "unauthenticated",
            Self::Forbidden => "forbidden",
            Self::CsrfFailed => "csrf_failed",
            Self::Invalid(_) => "invalid_input",
            Self::Rejected { code, .. } => code,
            Self::Conflict(_) => "conflict",
            Self::NotFound(_) => "not_found",
            Self::RateLimited(_) => "too_many_attempts",
            Self::Unavailable(_) => "unavailable",
            Self::Internal(_) => "internal_error",
        }
    }

    /// The message shown to people. Internal details never leave the server.
    pub fn message(&self) -> String {
        match self {
            Self::WrongCredentials { remaining: Some(n) } => {
                format!("用户名或密码不正确（再错 {n} 次账号将被锁定）")
            }
            other => other.to_string(),
        }
    }
}

impl From<jianfu_domain::shared_data::period::PeriodError> for ServiceError {
    fn from(e: jianfu_domain::shared_data::period::PeriodError) -> Self {
        Self::Rejected {
            code: e.code(),
            message: e.to_string(),
        }
    }
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(what) => Self::Conflict(format!("{what}已存在")),
            StoreError::NotFound(what) => Self::NotFound(what),
            StoreError::Unavailable { .. } => Self::Unavailable(e.to_string()),
            StoreError::BadImport { .. }
            | StoreError::NotEmpty
            | StoreError::Missing(_)
            | StoreError::BadUrl(_)
            | StoreError::Migration(_) => Self::Invalid(e.to_string()),
            other => {
                tracing::error!(error = %other, "storage error");
                Self::Internal(other.to_string())
            }
        }
    }
}
