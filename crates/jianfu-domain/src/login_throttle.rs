//! Login failure handling without locking anyone out (等保 8.1.4.1 b: 登录失败处理、限制非法登录次数).
//!
//! A hard lock after five wrong passwords lets anyone lock anyone out, the security administrator
//! included. Instead:
//! - per (account, client): after `free` failures each further attempt waits a growing delay
//!   (1, 2, 4 … minutes, capped) — the real user on another client is not affected;
//! - per client: at most `client_max` failures in `client_window`, whatever the usernames (so one
//!   client cannot sweep many accounts);
//! - per account, over all clients: after `account_max` failures in `account_window`, one attempt
//!   every `account_spacing` from clients that have not logged in to that account before (so many
//!   clients together cannot guess fast, and the owner's usual client is never held up);
//! - repeated failures are collapsed in the audit trail: one record per (account, client) per
//!   window, the others counted and named in the next record ([`FailureLog`]).
//!
//! Pure state transitions; the service keeps the state in memory and passes the time in.

use crate::citation::{Citation, GBT_22239};
use time::Duration;

pub const CITATION: Citation = Citation {
    document: GBT_22239,
    clause: "8.1.4.1 b) 应具有登录失败处理功能，应配置并启用结束会话、限制非法登录次数和当登录连接超时自动退出等相关措施",
};

/// Failures of one client against one account (or one client overall, or one account overall).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Failures {
    pub count: u32,
    /// Epoch ms of the first failure counted (start of the window).
    pub first_at: i64,
    /// Epoch ms of the last failure.
    pub last_at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Failures per (account, client) before delays start.
    pub free: u32,
    /// The first delay; each further failure doubles it.
    pub first_delay: Duration,
    /// The longest delay.
    pub max_delay: Duration,
    /// A pair's count is forgotten this long after its last failure.
    pub forget_after: Duration,
    pub client_max: u32,
    pub client_window: Duration,
    pub account_max: u32,
    pub account_window: Duration,
    pub account_spacing: Duration,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self::new(5, Duration::minutes(15))
    }
}

fn ms(d: Duration) -> i64 {
    d.whole_milliseconds() as i64
}

impl ThrottlePolicy {
    /// From the configured lockout settings: `free` failures, delays capped at `max_delay`.
    pub fn new(free: u32, max_delay: Duration) -> Self {
        Self {
            free: free.max(1),
            first_delay: Duration::minutes(1).min(max_delay),
            max_delay,
            forget_after: Duration::hours(1).max(max_delay),
            client_max: 30,
            client_window: Duration::minutes(15),
            account_max: 50,
            account_window: Duration::minutes(15),
            account_spacing: Duration::seconds(5),
        }
    }

    /// The pair's state as of `now` (forgotten when old).
    fn live_pair(&self, f: Failures, now: i64) -> Failures {
        if f.count > 0 && now - f.last_at >= ms(self.forget_after) {
            Failures::default()
        } else {
            f
        }
    }

    fn live_window(f: Failures, window: Duration, now: i64) -> Failures {
        if f.count > 0 && now - f.first_at >= ms(window) {
            Failures::default()
        } else {
            f
        }
    }

    /// The delay owed after `count` failures of one pair.
    pub fn delay_after(&self, count: u32) -> Duration {
        if count < self.free {
            return Duration::ZERO;
        }
        let doublings = (count - self.free).min(20);
        let d = self.first_delay * (1i32 << doublings);
        d.min(self.max_delay)
    }

    /// `Some(until)` when an attempt at `now` must be refused without checking the password.
    /// `known_client` is true when this client has logged in to this account before.
    pub fn refused_until(
        &self,
        pair: Failures,
        client: Failures,
        account: Failures,
        known_client: bool,
        now: i64,
    ) -> Option<i64> {
        let pair = self.live_pair(pair, now);
        let mut until: Option<i64> = None;
        let mut later = |t: i64| {
            if t > now {
                until = Some(until.map_or(t, |u: i64| u.max(t)));
            }
        };
        if pair.count >= self.free {
            later(pair.last_at + ms(self.delay_after(pair.count)));
        }
        let client = Self::live_window(client, self.client_window, now);
        if client.count >= self.client_max {
            later(client.first_at + ms(self.client_window));
        }
        let account = Self::live_window(account, self.account_window, now);
        if !known_client && account.count >= self.account_max {
            later(account.last_at + ms(self.account_spacing));
        }
        until
    }

    /// The pair's state after one more failure.
    pub fn pair_after_failure(&self, pair: Failures, now: i64) -> Failures {
        bump(self.live_pair(pair, now), now)
    }
    pub fn client_after_failure(&self, f: Failures, now: i64) -> Failures {
        bump(Self::live_window(f, self.client_window, now), now)
    }
    pub fn account_after_failure(&self, f: Failures, now: i64) -> Failures {
        bump(Self::live_window(f, self.account_window, now), now)
    }
}

fn bump(f: Failures, now: i64) -> Failures {
    Failures {
        count: f.count.saturating_add(1),
        first_at: if f.count == 0 { now } else { f.first_at },
        last_at: now,
    }
}

/// How many failures of one (account, client) went unrecorded in the audit trail, and since when.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FailureLog {
    /// Start of the current audit window (epoch ms); 0 when nothing was recorded yet.
    pub window_start: i64,
    /// Failures since the last record that have no record of their own.
    pub unrecorded: u32,
}

/// One audit record per (account, client) per this window; the others are counted.
pub const AUDIT_WINDOW: Duration = Duration::minutes(15);
/// ... and at least one record per this many failures, so a count is never lost for long.
pub const AUDIT_EVERY: u32 = 1_000;

impl FailureLog {
    /// One more failure at `now`. Returns the new log and, when a record must be written, how
    /// many earlier failures that record stands for besides itself.
    pub fn after_failure(self, now: i64) -> (FailureLog, Option<u32>) {
        let window_over = self.window_start == 0 || now - self.window_start >= ms(AUDIT_WINDOW);
        if window_over || self.unrecorded + 1 >= AUDIT_EVERY {
            (
                FailureLog {
                    window_start: now,
                    unrecorded: 0,
                },
                Some(self.unrecorded),
            )
        } else {
            (
                FailureLog {
                    window_start: self.window_start,
                    unrecorded: self.unrecorded + 1,
                },
                None,
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    const MIN: i64 = 60_000;

    #[test]
    fn delays_grow_per_account_and_client_and_never_block_another_client() {
        let p = ThrottlePolicy::default();
        let none = Failures::default();
        let mut pair = none;
        for i in 0..5 {
            assert_eq!(p.refused_until(pair, none, none, false, i), None);
            pair = p.pair_after_failure(pair, i);
        }
        // After five failures: wait one minute, then two, then four … up to fifteen.
        assert_eq!(p.refused_until(pair, none, none, false, 5), Some(4 + MIN));
        assert_eq!(p.delay_after(6), Duration::minutes(2));
        assert_eq!(p.delay_after(7), Duration::minutes(4));
        assert_eq!(p.delay_after(30), Duration::minutes(15));
        // The same account from another client (its own pair is empty) is not held up.
        assert_eq!(p.refused_until(none, none, pair, true, 5), None);
        assert_eq!(p.refused_until(none, none, pair, false, 5), None);
        // A pair is forgotten an hour after its last failure.
        assert_eq!(p.refused_until(pair, none, none, false, 4 + 60 * MIN), None);
    }

    #[test]
    fn one_client_is_limited_across_usernames_and_many_clients_across_an_account() {
        let p = ThrottlePolicy::default();
        let none = Failures::default();
        let mut client = none;
        for i in 0..30 {
            client = p.client_after_failure(client, i);
        }
        assert_eq!(
            p.refused_until(none, client, none, true, 30),
            Some(15 * MIN)
        );
        assert_eq!(p.refused_until(none, client, none, true, 15 * MIN), None);
        let mut account = none;
        for i in 0..50 {
            account = p.account_after_failure(account, i);
        }
        // Unknown clients get one try every five seconds; the owner's usual client is not held.
        assert_eq!(
            p.refused_until(none, none, account, false, 50),
            Some(49 + 5_000)
        );
        assert_eq!(
            p.refused_until(none, none, account, false, 49 + 5_000),
            None
        );
        assert_eq!(p.refused_until(none, none, account, true, 50), None);
    }

    #[test]
    fn a_flood_of_failures_leaves_a_handful_of_audit_records() {
        let mut log = FailureLog::default();
        let mut records = Vec::new();
        for i in 0..2_000 {
            let (next, rec) = log.after_failure(1 + i);
            log = next;
            if let Some(n) = rec {
                records.push(n);
            }
        }
        assert_eq!(records, vec![0, 999]);
        assert_eq!(log.unrecorded, 999);
        // A new window writes a record that names the failures counted meanwhile.
        let (_, rec) = log.after_failure(1 + 16 * MIN);
        assert_eq!(rec, Some(999));
    }
}
