//! Time is a parameter. Code that needs "now" receives a [`Clock`], so tests can move time
//! (session expiry, lockout windows, deadlines) without sleeping.

use std::sync::Mutex;
use time::{Duration, OffsetDateTime};

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> OffsetDateTime;
}

/// The real clock. The only place in jianfu allowed to read the system time.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)]
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that only moves when told to; for tests and reproducible demos.
#[derive(Debug)]
pub struct ManualClock(Mutex<OffsetDateTime>);

impl ManualClock {
    pub fn new(start: OffsetDateTime) -> Self {
        Self(Mutex::new(start))
    }
    pub fn advance(&self, by: Duration) {
        let mut now = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *now += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Milliseconds since the Unix epoch: the one time representation jianfu stores, because it
/// travels unchanged between SQLite and PostgreSQL and through export files.
pub fn to_millis(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

pub fn from_millis(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// Beijing time (UTC+8) for display; storage stays in UTC milliseconds.
pub fn beijing(t: OffsetDateTime) -> OffsetDateTime {
    t.to_offset(time::macros::offset!(+8))
}

/// The Beijing calendar day of a stored timestamp (deadlines and dates of the policy are Beijing
/// days).
pub fn beijing_date(ms: i64) -> time::Date {
    beijing(from_millis(ms)).date()
}

pub fn format_beijing(ms: i64) -> String {
    let t = beijing(from_millis(ms));
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    t.format(&fmt).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn millis_round_trip() {
        let t = time::macros::datetime!(2026-11-28 12:00:00.123 UTC);
        assert_eq!(from_millis(to_millis(t)), t);
        assert_eq!(format_beijing(to_millis(t)), "2026-11-28 20:00:00");
    }

    #[test]
    fn manual_clock_moves_only_when_told() {
        let start = time::macros::datetime!(2026-01-01 0:00 UTC);
        let c = ManualClock::new(start);
        assert_eq!(c.now(), start);
        c.advance(Duration::minutes(31));
        assert_eq!(c.now(), start + Duration::minutes(31));
    }
}
