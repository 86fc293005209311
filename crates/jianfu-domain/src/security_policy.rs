//! Login lockout and session expiry (等保 8.1.4.1 b: 登录失败处理、限制非法登录次数、
//! 登录连接超时自动退出).

use crate::citation::{Citation, GBT_22239};
use time::Duration;

pub const LOCKOUT_CITATION: Citation = Citation {
    document: GBT_22239,
    clause: "8.1.4.1 b) 应具有登录失败处理功能，限制非法登录次数",
};
pub const SESSION_CITATION: Citation = Citation {
    document: GBT_22239,
    clause: "8.1.4.1 b) 当登录连接超时自动退出",
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    pub max_failures: u32,
    pub lock_for: Duration,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        Self {
            max_failures: 5,
            lock_for: Duration::minutes(15),
        }
    }
}

/// What the database keeps about an account's failed logins. Times are epoch milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LoginState {
    pub failures: u32,
    pub locked_until: Option<i64>,
}

impl LockoutPolicy {
    /// `Some(until)` while the account is locked at `now`.
    pub fn locked_until(&self, s: LoginState, now: i64) -> Option<i64> {
        s.locked_until.filter(|&u| u > now)
    }

    /// The state after one more failed attempt. A lock that has run out starts a fresh count.
    pub fn after_failure(&self, s: LoginState, now: i64) -> LoginState {
        let failures = match s.locked_until {
            Some(u) if u <= now => 1,
            _ => s.failures.saturating_add(1),
        };
        if failures >= self.max_failures {
            LoginState {
                failures,
                locked_until: Some(now + self.lock_for.whole_milliseconds() as i64),
            }
        } else {
            LoginState {
                failures,
                locked_until: None,
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    /// Idle time after which a session ends (30 minutes by default).
    pub idle: Duration,
    /// Hard limit regardless of activity.
    pub absolute: Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self {
            idle: Duration::minutes(30),
            absolute: Duration::hours(12),
        }
    }
}

impl SessionPolicy {
    pub fn is_live(&self, created: i64, last_seen: i64, now: i64) -> bool {
        now - last_seen < self.idle.whole_milliseconds() as i64
            && now - created < self.absolute.whole_milliseconds() as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    const MIN: i64 = 60_000;

    #[test]
    fn five_failures_lock_for_fifteen_minutes() {
        let p = LockoutPolicy::default();
        let mut s = LoginState::default();
        for _ in 0..4 {
            s = p.after_failure(s, 0);
            assert_eq!(p.locked_until(s, 0), None);
        }
        s = p.after_failure(s, 0);
        assert_eq!(p.locked_until(s, 0), Some(15 * MIN));
        assert_eq!(p.locked_until(s, 15 * MIN - 1), Some(15 * MIN));
        assert_eq!(p.locked_until(s, 15 * MIN), None);
        // After the lock runs out, one more failure does not lock again at once.
        let s = p.after_failure(s, 16 * MIN);
        assert_eq!(s.failures, 1);
        assert_eq!(p.locked_until(s, 16 * MIN), None);
    }

    #[test]
    fn sessions_end_after_thirty_idle_minutes() {
        let p = SessionPolicy::default();
        assert!(p.is_live(0, 0, 30 * MIN - 1));
        assert!(!p.is_live(0, 0, 30 * MIN));
        assert!(p.is_live(0, 11 * 60 * MIN, 11 * 60 * MIN + 1));
        assert!(!p.is_live(0, 12 * 60 * MIN, 12 * 60 * MIN + 1));
    }
}
