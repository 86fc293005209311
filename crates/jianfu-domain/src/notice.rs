//! Who reads a notice (站内通知). A notice is addressed to an organisation, to the holders of one
//! role there, or to one person (an account) there.
//!
//! - One addressed to the organisation as a whole is for the people who work there: a resident
//!   with an account in the community is not its staff and does not read the committee's
//!   internal notices (a report naming a department, a case he may not open). Least privilege.
//! - One addressed to a role is for its holders.
//! - One addressed to a person is read by that person only: a resident's notice about his own
//!   certificate application (what was refused and why) is his business. The staff of his
//!   community handle the application itself on its own page; they do not need his notices, so
//!   they do not read them (their roles do not widen it).

use crate::Role;
use crate::citation::{Citation, GBT_22239};

/// 访问控制：授予用户所需的最小权限。
pub const CITE_NOTICE_READERS: Citation = Citation {
    document: GBT_22239,
    clause: "8.1.4.2 d)",
};

/// A notice to one person is read by that person alone (the staff of the same community do not
/// read a resident's notices about his own applications).
pub const CITE_PERSONAL_NOTICE: Citation = Citation {
    document: "《中华人民共和国个人信息保护法》",
    clause: "第五十一条第（四）项 合理确定个人信息处理的操作权限",
};

/// To whom, within the organisation it is sent to, a notice is addressed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Addressee {
    /// Everyone who works there.
    Organisation,
    /// The holders of one role there.
    Role(Role),
    /// One account (its id).
    Person(String),
}

/// Who is reading: an account and the roles it holds in its organisation.
#[derive(Debug, Clone, Copy)]
pub struct Reader<'a> {
    /// The account id.
    pub account: &'a str,
    pub roles: &'a [Role],
}

/// Whether `reader`, an account of the organisation a notice was sent to, reads it.
/// Rules [`CITE_NOTICE_READERS`], [`CITE_PERSONAL_NOTICE`].
pub fn reads_notice(to: &Addressee, reader: &Reader) -> bool {
    match to {
        Addressee::Person(id) => !id.is_empty() && id == reader.account,
        Addressee::Role(r) => reader.roles.contains(r),
        Addressee::Organisation => reader.roles.iter().any(|r| *r != Role::Resident),
    }
}

/// The addressees a reader reads, as a query can ask for them (the notices of an organisation
/// are filtered in the database, so a resident in a busy community is not handed the
/// committee's notices only to have them dropped). Agrees with [`reads_notice`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audience {
    /// The reader's account: notices to this person.
    pub person: String,
    /// Notices to the organisation as a whole.
    pub organisation: bool,
    /// Notices to these roles.
    pub roles: Vec<Role>,
}

impl Audience {
    pub fn of(reader: &Reader) -> Self {
        Self {
            person: reader.account.to_string(),
            organisation: reads_notice(&Addressee::Organisation, reader),
            roles: reader
                .roles
                .iter()
                .copied()
                .filter(|r| reads_notice(&Addressee::Role(*r), reader))
                .collect(),
        }
    }

    pub fn includes(&self, to: &Addressee) -> bool {
        match to {
            Addressee::Person(id) => !id.is_empty() && *id == self.person,
            Addressee::Role(r) => self.roles.contains(r),
            Addressee::Organisation => self.organisation,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader<'a>(account: &'a str, roles: &'a [Role]) -> Reader<'a> {
        Reader { account, roles }
    }

    #[test]
    fn a_resident_reads_only_what_is_addressed_to_residents_or_to_him() {
        let r = reader("u-resident", &[Role::Resident]);
        assert!(
            !reads_notice(&Addressee::Organisation, &r),
            "{CITE_NOTICE_READERS}"
        );
        assert!(!reads_notice(&Addressee::Role(Role::CommunityWorker), &r));
        assert!(reads_notice(&Addressee::Role(Role::Resident), &r));
        assert!(reads_notice(&Addressee::Person("u-resident".into()), &r));
        assert!(
            !reads_notice(&Addressee::Person("u-neighbour".into()), &r),
            "{CITE_PERSONAL_NOTICE}"
        );
    }

    #[test]
    fn staff_read_the_organisations_notices_and_their_roles() {
        let worker = reader("u-worker", &[Role::CommunityWorker]);
        assert!(reads_notice(&Addressee::Organisation, &worker));
        assert!(reads_notice(
            &Addressee::Role(Role::CommunityWorker),
            &worker
        ));
        assert!(!reads_notice(
            &Addressee::Role(Role::CommunityDirector),
            &worker
        ));
        // A staff member who also holds the resident role is still staff.
        let both = [Role::Resident, Role::CommunityWorker];
        assert!(reads_notice(&Addressee::Organisation, &reader("u", &both)));
        assert!(!reads_notice(&Addressee::Organisation, &reader("u", &[])));
    }

    #[test]
    fn a_persons_notice_is_read_by_that_person_alone_whatever_the_roles() {
        let to = Addressee::Person("u-resident".into());
        // The community's staff, its director and an administrator do not read it.
        for roles in [
            &[Role::CommunityWorker][..],
            &[Role::CommunityDirector],
            &[Role::SystemAdmin],
            &[
                Role::CommunityWorker,
                Role::CommunityDirector,
                Role::Resident,
            ],
        ] {
            assert!(
                !reads_notice(&to, &reader("u-worker", roles)),
                "{CITE_PERSONAL_NOTICE}"
            );
        }
        // The person reads it whatever roles he holds.
        assert!(reads_notice(&to, &reader("u-resident", &[Role::Resident])));
        assert!(reads_notice(
            &to,
            &reader("u-resident", &[Role::CommunityWorker])
        ));
        // An account without an id (the console) reads no one's personal notices.
        assert!(!reads_notice(
            &Addressee::Person(String::new()),
            &reader("", &[Role::Resident])
        ));
    }

    #[test]
    fn the_audience_a_query_asks_for_agrees_with_the_rule() {
        let people = ["u-a", "u-b", ""];
        let role_sets: Vec<Vec<Role>> = std::iter::once(vec![])
            .chain(Role::ALL.iter().map(|r| vec![*r]))
            .chain(std::iter::once(vec![Role::Resident, Role::CommunityWorker]))
            .collect();
        let mut addressees = vec![Addressee::Organisation];
        addressees.extend(Role::ALL.iter().map(|r| Addressee::Role(*r)));
        addressees.extend(people.iter().map(|p| Addressee::Person(p.to_string())));
        for account in people {
            for roles in &role_sets {
                let r = reader(account, roles);
                let audience = Audience::of(&r);
                for to in &addressees {
                    assert_eq!(
                        audience.includes(to),
                        reads_notice(to, &r),
                        "{account} {roles:?} {to:?}"
                    );
                }
            }
        }
    }
}
