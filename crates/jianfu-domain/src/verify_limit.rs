//! Public verification of certificates: how many wrong codes a client may try.
//!
//! Guessing a verification code is treated like guessing a password (等保 8.1.4.1 b 限制非法登录
//! 次数), but the limit is on **the client that guesses**, never on the certificate number. A
//! per-number lock let anyone lock a resident's certificate for everyone with five wrong codes;
//! here a holder with the right code is never stopped by another client's guesses.
//!
//! Why a per-number limit is not needed against many clients: a code is 8 Crockford base32
//! characters, 2^40 values. Even 10,000 addresses at 10 guesses per 15 minutes each find one
//! code with probability about 10^-7 a day.
//!
//! A client is its address as the HTTP layer determined it (the TCP peer, or the local reverse
//! proxy's last `X-Forwarded-For` entry). An IPv6 host usually controls a whole /64, so IPv6
//! addresses count by their /64 prefix.

use crate::citation::{Citation, GBT_22239};
use std::net::IpAddr;
use time::Duration;

pub const VERIFY_LIMIT_CITATION: Citation = Citation {
    document: GBT_22239,
    clause: "8.1.4.1 b) 应具有登录失败处理功能，限制非法登录次数（适用于证明核验码的公开核验，按来源限制）",
};

/// Wrong codes a client may enter, and for how long it is stopped after that.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifyLimit {
    /// Wrong codes (for any numbers) before the client is stopped.
    pub max_failures: u32,
    /// How long the client is stopped; a later wrong code after that starts a new count.
    pub throttle_for: Duration,
}

/// The limit in force: 10 wrong codes from one client, then 15 minutes.
pub const PER_CLIENT: VerifyLimit = VerifyLimit {
    max_failures: 10,
    throttle_for: Duration::minutes(15),
};

/// Wrong household codes on the public survey form (issue 11 §4): a code is 35 random bits
/// with a check character, so a guesser is already 1 in 32 billion per try; the limit keeps a
/// script from taking the writer's time. Looser than certificates: residents of one compound
/// may reach the site through one carrier address and mistype their slips.
pub const SURVEY_CODES: VerifyLimit = VerifyLimit {
    max_failures: 30,
    throttle_for: Duration::minutes(15),
};

/// What is kept about one client's wrong codes. Times are epoch milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ClientFailures {
    pub failures: u32,
    pub throttled_until: Option<i64>,
}

/// The answer before a verification is attempted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// Stopped until this time (epoch ms).
    Throttled {
        until: i64,
    },
}

impl VerifyLimit {
    /// May this client try now? Only its own record counts.
    pub fn check(&self, record: ClientFailures, now: i64) -> Verdict {
        match record.throttled_until {
            Some(until) if until > now => Verdict::Throttled { until },
            _ => Verdict::Allowed,
        }
    }

    /// The record after one more wrong code. A throttle that has run out starts a fresh count.
    pub fn after_failure(&self, record: ClientFailures, now: i64) -> ClientFailures {
        let failures = match record.throttled_until {
            Some(until) if until <= now => 1,
            _ => record.failures.saturating_add(1),
        };
        ClientFailures {
            failures,
            throttled_until: (failures >= self.max_failures)
                .then(|| now + self.throttle_for.whole_milliseconds() as i64),
        }
    }

    /// A right code does not wipe the client's count: otherwise a guesser holding one genuine
    /// certificate could interleave it with guesses and never be stopped.
    pub fn after_success(&self, record: ClientFailures) -> ClientFailures {
        record
    }
}

/// The key a client's failures are kept under: the IPv4 address, or the IPv6 /64 prefix; an
/// address that does not parse (none known) is kept as written.
pub fn client_key(addr: &str) -> String {
    match addr.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => v4.to_string(),
        Ok(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
        Err(_) => addr.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    const MIN: i64 = 60_000;

    #[test]
    fn a_client_is_stopped_after_ten_wrong_codes_for_fifteen_minutes() {
        let mut r = ClientFailures::default();
        for i in 1..10 {
            r = PER_CLIENT.after_failure(r, i);
            assert_eq!(PER_CLIENT.check(r, i), Verdict::Allowed);
        }
        r = PER_CLIENT.after_failure(r, 10);
        assert_eq!(
            PER_CLIENT.check(r, 11),
            Verdict::Throttled {
                until: 10 + 15 * MIN
            }
        );
        assert_eq!(PER_CLIENT.check(r, 10 + 15 * MIN), Verdict::Allowed);
        // After the throttle a new count starts.
        let r = PER_CLIENT.after_failure(r, 10 + 16 * MIN);
        assert_eq!(r.failures, 1);
        assert_eq!(r.throttled_until, None);
    }

    #[test]
    fn another_clients_guesses_never_stop_a_holder() {
        // The rule has no per-number state: a holder's own record is all that is checked.
        let mut guesser = ClientFailures::default();
        for i in 0..50 {
            guesser = PER_CLIENT.after_failure(guesser, i);
        }
        assert!(matches!(
            PER_CLIENT.check(guesser, 50),
            Verdict::Throttled { .. }
        ));
        assert_eq!(
            PER_CLIENT.check(ClientFailures::default(), 50),
            Verdict::Allowed
        );
    }

    #[test]
    fn a_right_code_does_not_reset_the_count() {
        let mut r = ClientFailures::default();
        for i in 0..9 {
            r = PER_CLIENT.after_failure(r, i);
        }
        r = PER_CLIENT.after_success(r);
        r = PER_CLIENT.after_failure(r, 10);
        assert!(matches!(PER_CLIENT.check(r, 11), Verdict::Throttled { .. }));
    }

    #[test]
    fn ipv6_clients_count_by_their_64_prefix() {
        assert_eq!(client_key("203.0.113.9"), "203.0.113.9");
        assert_eq!(
            client_key("2001:db8:1:2:aaaa::1"),
            client_key("2001:db8:1:2:bbbb::2")
        );
        assert_ne!(client_key("2001:db8:1:2::1"), client_key("2001:db8:1:3::1"));
        assert_eq!(client_key("::ffff:192.0.2.1"), "192.0.2.1");
        assert_eq!(client_key("?"), "?");
    }

    #[test]
    fn the_rule_cites_its_clause() {
        assert!(VERIFY_LIMIT_CITATION.clause.contains("8.1.4.1 b)"));
    }
}
