//! Retrying a transaction the database aborted only because another ran at the same time.
//!
//! PostgreSQL answers a serialization failure (SQLSTATE `40001`) under REPEATABLE READ or
//! SERIALIZABLE, and a deadlock (`40P01`) under any isolation; distributed engines (Citus,
//! YugabyteDB) answer them more often, since a transaction there may span nodes. Either way the
//! whole transaction was rolled back and nothing of it was written, so running the use case's
//! transaction again from its first statement is correct. Every audited write method runs its
//! transaction through [`retrying`]; SQLite never answers these (one writer at a time).

use crate::StoreError;
use std::future::Future;
use std::time::Duration;

/// Attempts in all: a conflict that persists after this many is reported as the error it is.
/// With the waits below a write may keep trying for about a second in all, which rides out a
/// burst of writers on one audit chain.
pub const MAX_ATTEMPTS: u32 = 10;

/// Whether `e` means "run the same transaction again".
pub fn is_retryable(e: &StoreError) -> bool {
    match e {
        StoreError::Database(sqlx::Error::Database(d)) => {
            matches!(d.code().as_deref(), Some("40001") | Some("40P01"))
        }
        _ => false,
    }
}

/// Runs `attempt` (one whole transaction) until it succeeds, fails for another reason, or has
/// failed [`MAX_ATTEMPTS`] times; waits a little longer, with jitter, before each retry so the
/// transactions that collided do not collide again.
pub(crate) async fn retrying<T, F, Fut>(mut attempt: F) -> Result<T, StoreError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, StoreError>>,
{
    let mut n = 1;
    loop {
        match attempt().await {
            Err(e) if n < MAX_ATTEMPTS && is_retryable(&e) => {
                tracing::debug!(attempt = n, error = %e, "transaction conflict; retrying");
                tokio::time::sleep(backoff(n)).await;
                n += 1;
            }
            other => return other,
        }
    }
}

/// 2, 4, 8 … 128 ms, plus up to as much again at random.
fn backoff(n: u32) -> Duration {
    let base = 1u64 << n.min(7);
    let mut b = [0u8; 1];
    let jitter = match getrandom::fill(&mut b) {
        Ok(()) => u64::from(b[0]) * base / 255,
        Err(_) => 0,
    };
    Duration::from_millis(base + jitter)
}
