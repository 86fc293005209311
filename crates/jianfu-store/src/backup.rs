//! Copies of the SQLite file that are whole on their own: a backup taken while the server runs,
//! and a checkpoint on a clean stop so that `jianfu.db` holds everything without its `-wal` file.
//!
//! The backup is `VACUUM INTO`: it runs inside one read transaction on its own connection, so it
//! sees one consistent snapshot while the server keeps writing (WAL readers never block the
//! writer), and writes a fresh, compacted database file that needs no WAL. sqlx has no safe
//! binding for SQLite's `sqlite3_backup_*` API; `VACUUM INTO` is SQLite's documented online-safe
//! alternative (https://sqlite.org/lang_vacuum.html#vacuuminto).

use crate::{DatabaseUrl, StoreError};
use sqlx::Connection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use std::path::Path;
use std::time::Duration;

/// What `backup` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackupOutcome {
    /// The SQLite database was copied; the copy's size in bytes.
    Written { bytes: u64 },
    /// PostgreSQL: use its own tool; the command to run (password not included).
    UsePgDump { command: String },
}

async fn connect(path: &Path) -> Result<SqliteConnection, StoreError> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(false)
        .busy_timeout(Duration::from_secs(10));
    SqliteConnection::connect_with(&options)
        .await
        .map_err(|e| StoreError::Unavailable {
            url: path.display().to_string(),
            reason: e.to_string(),
        })
}

/// Writes a consistent copy of the database to `dest`, also while the server is writing.
/// `dest` must not exist yet.
pub async fn backup(url: &DatabaseUrl, dest: &Path) -> Result<BackupOutcome, StoreError> {
    let path = match url {
        DatabaseUrl::Sqlite { path } => path,
        DatabaseUrl::Postgres { .. } => {
            return Ok(BackupOutcome::UsePgDump {
                command: format!("pg_dump --format=custom --file={} '{url}'", dest.display()),
            });
        }
    };
    if !path.exists() {
        return Err(StoreError::Missing(path.display().to_string()));
    }
    if dest.exists() {
        return Err(StoreError::Conflict(format!(
            "备份文件 {}（请换一个文件名）",
            dest.display()
        )));
    }
    let dest_text = dest.to_str().ok_or_else(|| StoreError::Unavailable {
        url: dest.display().to_string(),
        reason: "备份文件路径须为 UTF-8".into(),
    })?;
    let mut conn = connect(path).await?;
    sqlx::query("VACUUM INTO $1")
        .bind(dest_text)
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    let bytes = std::fs::metadata(dest).map(|m| m.len()).unwrap_or(0);
    Ok(BackupOutcome::Written { bytes })
}

/// On a clean stop: moves everything in the WAL into the database file and empties the WAL
/// (`PRAGMA wal_checkpoint(TRUNCATE)`). Returns false when readers kept it from finishing.
/// Does nothing on PostgreSQL.
pub async fn checkpoint(url: &DatabaseUrl) -> Result<bool, StoreError> {
    let DatabaseUrl::Sqlite { path } = url else {
        return Ok(true);
    };
    let mut conn = connect(path).await?;
    let (busy,): (i64,) = sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
        .fetch_one(&mut conn)
        .await?;
    conn.close().await?;
    Ok(busy == 0)
}
