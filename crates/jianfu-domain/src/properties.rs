//! Property tests: the parsers never panic and only let well-formed values in, and the audit
//! chain notices any change to any field of any record.

use crate::audit_chain::{AuditRecord, ChainVerifier, GENESIS};
use crate::password_policy::PasswordPolicy;
use crate::{OrgCode, Username};
use proptest::prelude::*;

proptest! {
    #[test]
    fn org_code_parse_is_total_and_canonical(s in "\\PC{0,40}") {
        if let Ok(c) = OrgCode::parse(&s) {
            prop_assert!(c.as_str().len() <= 32);
            prop_assert!(c.as_str().chars().all(|ch| ch.is_ascii_uppercase() || ch.is_ascii_digit() || ch == '-'));
            prop_assert_eq!(OrgCode::parse(c.as_str()), Ok(c.clone()));
        }
    }

    #[test]
    fn username_parse_is_total_and_canonical(s in "\\PC{0,40}") {
        if let Ok(u) = Username::parse(&s) {
            prop_assert!((3..=32).contains(&u.as_str().len()));
            prop_assert_eq!(Username::parse(u.as_str()), Ok(u.clone()));
        }
    }

    #[test]
    fn password_check_never_panics(user in "\\PC{0,20}", pw in "\\PC{0,200}") {
        let _ = PasswordPolicy::default().check(&user, &pw);
    }

    #[test]
    fn any_field_change_breaks_the_chain(
        n in 2usize..8,
        victim in 0usize..8,
        field in 0usize..9,
        text in "[a-z0-9]{1,8}",
    ) {
        let victim = victim % n;
        let mut prev = GENESIS.to_string();
        let mut chain: Vec<AuditRecord> = (1..=n as i64).map(|seq| {
            let r = AuditRecord {
                chain: "audit".into(), seq, id: format!("id{seq}"), at: seq * 1000, actor: Some("a".into()),
                actor_role: None, action: "x.y".into(), object: "o".into(),
                result: "success".into(), client_addr: None, request_id: None,
                detail: "{}".into(), prev_hash: String::new(), hash: String::new(),
            }.seal(&prev);
            prev = r.hash.clone();
            r
        }).collect();
        let head = (chain[n - 1].seq, chain[n - 1].hash.clone());
        let r = &mut chain[victim];
        match field {
            0 => r.id.push_str(&text),
            1 => r.at += 1,
            2 => r.actor = Some(format!("{text}-changed")),
            3 => r.actor_role = Some(text.clone()),
            4 => r.action.push_str(&text),
            5 => r.object.push_str(&text),
            6 => r.result.push_str(&text),
            7 => r.client_addr = Some(text.clone()),
            _ => r.detail.push_str(&text),
        }
        let mut v = ChainVerifier::default();
        let outcome = chain.iter().try_for_each(|r| v.push(r)).and_then(|_| v.finish(Some((head.0, &head.1))).map(|_| ()));
        prop_assert!(outcome.is_err());
        prop_assert_eq!(outcome.unwrap_err().seq, victim as i64 + 1);
    }
}
