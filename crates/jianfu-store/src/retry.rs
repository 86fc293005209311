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
        StoreError::Database(e @ sqlx::Error::Database(d)) => {
            matches!(d.code().as_deref(), Some("40001") | Some("40P01")) || is_chain_moved(e)
        }
        _ => false,
    }
}

/// A duplicate audit record: a write sealed onto a chain head it read without a lock found the
/// chain already moved on (`write_audited` in backend.rs). Nothing of it was written; sealed
/// again onto the new head it goes through.
pub(crate) fn is_chain_moved(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(d) => {
            d.is_unique_violation() && d.table().is_some_and(|t| t.starts_with("audit_log"))
        }
        _ => false,
    }
}

/// How long a chain on which an unlocked write lost a race takes the locking path.
const CONTENDED_FOR: Duration = Duration::from_secs(60);

fn contended() -> &'static std::sync::Mutex<std::collections::HashMap<String, std::time::Instant>> {
    static CHAINS: std::sync::OnceLock<
        std::sync::Mutex<std::collections::HashMap<String, std::time::Instant>>,
    > = std::sync::OnceLock::new();
    CHAINS.get_or_init(Default::default)
}

/// Remembers that writers race on these chains (a department's chain, written by many clerks at
/// once): for a while their writes lock the head and queue instead of being sealed again and
/// again (`write_audited`). A community's chain, written by one or two people, stays unlocked.
pub(crate) fn mark_contended<'a>(chains: impl IntoIterator<Item = &'a String>) {
    let now = std::time::Instant::now();
    let mut map = contended().lock().unwrap_or_else(|e| e.into_inner());
    map.retain(|_, at| now.duration_since(*at) < CONTENDED_FOR);
    for c in chains {
        map.insert(c.clone(), now);
    }
}

/// Whether any of the chains was marked by [`mark_contended`] within [`CONTENDED_FOR`].
pub(crate) fn any_contended<'a>(mut chains: impl Iterator<Item = &'a String>) -> bool {
    let map = contended().lock().unwrap_or_else(|e| e.into_inner());
    if map.is_empty() {
        return false;
    }
    chains.any(|c| map.get(c).is_some_and(|at| at.elapsed() < CONTENDED_FOR))
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
                // A chain that moved on is locked on the next attempt: nothing to wait for.
                let moved = matches!(&e, StoreError::Database(d) if is_chain_moved(d));
                if !moved {
                    tokio::time::sleep(backoff(n)).await;
                }
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
