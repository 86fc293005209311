use thiserror::Error;

/// Storage errors. Messages are Chinese because they reach operators and, through the HTTP layer's
/// mapping, users; the database URL inside them is always masked.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("数据库地址有误：{0}")]
    BadUrl(String),
    #[error("无法连接数据库 {url}：{reason}")]
    Unavailable { url: String, reason: String },
    #[error("记录已存在：{0}")]
    Conflict(String),
    #[error("目标数据库不是空库：导入只能写入新建的数据库")]
    NotEmpty,
    #[error("数据库文件 {0} 不存在。请检查 --data-dir 或 --database-url 是否写错")]
    Missing(String),
    #[error("记录不存在：{0}")]
    NotFound(String),
    #[error("数据迁移失败：{0}")]
    Migration(String),
    #[error("导入文件有误（第 {line} 行）：{reason}")]
    BadImport { line: usize, reason: String },
    #[error("数据库错误：{0}")]
    Database(#[from] sqlx::Error),
}

impl StoreError {
    /// Maps unique-key violations to [`StoreError::Conflict`] so callers can tell the user.
    pub(crate) fn from_write(e: sqlx::Error, what: &str) -> Self {
        match &e {
            sqlx::Error::Database(d) if d.is_unique_violation() => Self::Conflict(what.to_string()),
            _ => Self::Database(e),
        }
    }
}
