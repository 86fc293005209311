//! In-app notices: sending them (from other use cases) and reading one's own.

use super::listing::{ListKind, Listing, Paged, read_page};
use super::{Actor, App, RequestMeta, ServiceError};
use jianfu_domain::Role;
use jianfu_domain::notice::{Addressee, Audience, Reader, reads_notice};
use jianfu_store::{NoticeAudience, NoticeRow, Subject, Told};

/// Who a notice is for, in the organisation it goes to: everyone there, one role there, or one
/// person (account) there.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub org_code: String,
    pub to: Addressee,
}

impl Recipient {
    /// Everyone who works in the organisation.
    pub fn organisation(org_code: impl Into<String>) -> Self {
        Self {
            org_code: org_code.into(),
            to: Addressee::Organisation,
        }
    }
    /// The holders of `role` in the organisation.
    pub fn role(org_code: impl Into<String>, role: Role) -> Self {
        Self {
            org_code: org_code.into(),
            to: Addressee::Role(role),
        }
    }
    /// One account (its id) of the organisation it belongs to.
    pub fn person(org_code: impl Into<String>, user_id: impl Into<String>) -> Self {
        Self {
            org_code: org_code.into(),
            to: Addressee::Person(user_id.into()),
        }
    }
}

/// A notice as its reader sees it: with his read state and whether what it asked for is done.
#[derive(Debug, Clone)]
pub struct NoticeView {
    pub row: NoticeRow,
    /// What it asked for has been done (the case has moved on): the current state in words,
    /// e.g. “已办理（现为：已批准准入）”. `None`: nothing was asked, or it is still waiting.
    pub handled: Option<String>,
}

impl NoticeView {
    pub fn unread(&self) -> bool {
        self.row.read_at.is_none()
    }
}

impl App {
    /// Sends a notice. Called by other use cases (e.g. a report against a department); audited
    /// like any state change.
    #[allow(clippy::too_many_arguments)]
    pub async fn notify(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        to: &Recipient,
        kind: &str,
        title: &str,
        body: &str,
        link: &str,
    ) -> Result<(), ServiceError> {
        self.notify_all(
            actor,
            meta,
            std::slice::from_ref(to),
            kind,
            title,
            body,
            link,
        )
        .await
    }

    /// Tells several recipients of one event: one notice and one audit record each, written
    /// in one transaction.
    #[allow(clippy::too_many_arguments)]
    pub async fn notify_all(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        to: &[Recipient],
        kind: &str,
        title: &str,
        body: &str,
        link: &str,
    ) -> Result<(), ServiceError> {
        let told = self.told(actor, meta, to, kind, title, body, link);
        self.send(&told).await
    }

    /// Writes notices built with `told` (and perhaps `Told::awaiting`) on their own.
    pub async fn send(&self, told: &Told) -> Result<(), ServiceError> {
        Ok(self.store.insert_notices(told).await?)
    }

    /// The notices of one event and their audit records, for a use case to write in its own
    /// transaction (see `Told`).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn told(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        to: &[Recipient],
        kind: &str,
        title: &str,
        body: &str,
        link: &str,
    ) -> Told {
        let now = self.now_ms();
        let notices: Vec<NoticeRow> = to
            .iter()
            .map(|to| {
                let (role, user_id) = match &to.to {
                    Addressee::Organisation => (None, None),
                    Addressee::Role(r) => (Some(r.as_str().to_string()), None),
                    Addressee::Person(id) => (None, Some(id.clone())),
                };
                NoticeRow {
                    org_code: to.org_code.clone(),
                    id: uuid::Uuid::now_v7().to_string(),
                    role,
                    user_id,
                    kind: kind.into(),
                    title: title.chars().take(120).collect(),
                    body: body.chars().take(2000).collect(),
                    link: link.into(),
                    subject: None,
                    awaits: None,
                    created_at: now,
                    read_at: None,
                }
            })
            .collect();
        let audits = notices
            .iter()
            .map(|n| {
                let mut a = self.audit(actor, meta, "notice.send", format!("notice:{}", n.id));
                // The person is named by account id only (no name in the audit detail).
                a.detail = serde_json::json!({
                    "to": n.org_code, "role": n.role, "person": n.user_id, "kind": n.kind,
                })
                .to_string();
                a
            })
            .collect();
        Told { notices, audits }
    }

    /// Everyone holding `role`, as recipients: each organisation where an enabled account holds
    /// it (supervisors may sit in the district office or in a department). With nobody holding it
    /// yet, the district itself, so the notice waits for whoever is appointed.
    pub async fn holders_of(&self, role: Role) -> Result<Vec<Recipient>, ServiceError> {
        let mut orgs = self.orgs_holding(role).await?.to_vec();
        if orgs.is_empty() {
            let tree = self.org_tree().await?;
            orgs.extend(
                tree.all()
                    .iter()
                    .filter(|o| o.kind == jianfu_domain::OrgKind::District)
                    .map(|o| o.code.to_string()),
            );
        }
        Ok(orgs
            .into_iter()
            .map(|org_code| Recipient::role(org_code, role))
            .collect())
    }

    /// One page of the actor's notices (`listing`: 未读/已读, newest or oldest first), with his
    /// own read state: those of his organisation he reads (`notice::reads_notice`: a resident
    /// does not read the committee's notices to its staff; nobody reads another person's). The
    /// database is asked for exactly those, filtered, counted and paged.
    pub async fn my_notices(
        &self,
        actor: &Actor,
        listing: &Listing,
    ) -> Result<Paged<NoticeRow>, ServiceError> {
        let Some(org) = &actor.org else {
            return Ok(Paged {
                items: vec![],
                total: 0,
                page: 1,
                per_page: listing.per_page,
            });
        };
        let audience = audience(actor);
        let query = listing.query(ListKind::Notices, || ())?;
        let page = read_page(query, listing, |q| {
            let (org, audience) = (org.as_str(), &audience);
            async move { self.store.notices_for(org, audience, &q).await }
        })
        .await?;
        // The same rule once more, on what came back.
        Ok(Paged {
            items: page.items.into_iter().filter(|n| reads(actor, n)).collect(),
            ..page
        })
    }

    /// How many of the actor's notices he has not read (the figure beside 通知).
    pub async fn unread_notices(&self, actor: &Actor) -> Result<i64, ServiceError> {
        Ok(self
            .my_notices(actor, &Listing::count_of(jianfu_store::NOTICE_UNREAD))
            .await?
            .total)
    }

    /// [`App::my_notices`] with, for each notice that asked for action, whether it has been
    /// taken.
    ///
    /// Looked up when the notices are read, not recorded when the case moves on: the state of
    /// the case is the one truth (a notice written before this existed, or a change made by a
    /// path that forgot to mark its notices, still reads right), and a case's notices sit in
    /// other organisations' shards (supervisors', approvers') that its change would otherwise
    /// have to reach. The cost is one query per kind of case (three at most) for the page.
    pub async fn my_notice_views(
        &self,
        actor: &Actor,
        listing: &Listing,
    ) -> Result<Paged<NoticeView>, ServiceError> {
        let page = self.my_notices(actor, listing).await?;
        let rows = &page.items;
        let subjects: Vec<Subject> = rows
            .iter()
            .filter(|n| n.awaits.is_some())
            .filter_map(|n| n.subject.as_deref().and_then(Subject::parse))
            .collect::<std::collections::HashSet<_>>()
            .into_iter()
            .collect();
        let states = if subjects.is_empty() {
            Default::default()
        } else {
            self.store.subject_states(&subjects).await?
        };
        Ok(page.map(|row| {
            let handled = match (&row.awaits, row.subject.as_deref().and_then(Subject::parse)) {
                (Some(awaits), Some(subject)) => match states.get(&subject) {
                    Some(now) if now != awaits => {
                        Some(format!("已办理（现为：{}）", state_label(&subject, now)))
                    }
                    Some(_) => None,
                    None => Some("已办理（该事项已不存在）".to_string()),
                },
                _ => None,
            };
            NoticeView { row, handled }
        }))
    }

    /// Whether the actor reads the notices to his organisation as a whole (its staff do; a
    /// resident reads only his own and those to residents).
    pub fn reads_organisation_notices(&self, actor: &Actor) -> bool {
        reads_notice(&Addressee::Organisation, &reader(actor))
    }

    pub async fn mark_notice_read(&self, actor: &Actor, id: &str) -> Result<(), ServiceError> {
        let (Some(org), Some(me)) = (&actor.org, &actor.user_id) else {
            return Err(ServiceError::Forbidden);
        };
        match self.store.notice(org.as_str(), id).await? {
            Some(n) if reads(actor, &n) => {}
            _ => return Err(ServiceError::NotFound("该通知".into())),
        }
        // Reading state is not business state: not audited. It is the reader's own: a colleague
        // reading the same notice still finds it unread.
        Ok(self
            .store
            .mark_notice_read(org.as_str(), id, me, self.now_ms())
            .await?)
    }

    /// Marks every notice the actor reads as read (for him); returns how many were unread.
    pub async fn mark_all_notices_read(&self, actor: &Actor) -> Result<u64, ServiceError> {
        let (Some(org), Some(_)) = (&actor.org, &actor.user_id) else {
            return Err(ServiceError::Forbidden);
        };
        Ok(self
            .store
            .mark_all_notices_read(org.as_str(), &audience(actor), self.now_ms())
            .await?)
    }
}

/// The state a notice's subject is in now, in words.
fn state_label(subject: &Subject, state: &str) -> String {
    let label = match subject {
        Subject::Assignment { .. } => {
            jianfu_domain::assignment::CaseState::parse(state).map(|s| s.label_zh())
        }
        Subject::Violation { .. } => {
            jianfu_domain::violation::Status::parse(state).map(|s| s.label_zh())
        }
        Subject::CertificateApplication { .. } => {
            jianfu_domain::certificate::lifecycle::CertState::parse(state).map(|s| s.label_zh())
        }
    };
    label.unwrap_or(state).to_string()
}

fn reader(actor: &Actor) -> Reader<'_> {
    Reader {
        account: actor.user_id.as_deref().unwrap_or(""),
        roles: &actor.roles,
    }
}

/// The domain's audience of the actor, as the store's query takes it.
fn audience(actor: &Actor) -> NoticeAudience {
    let a = Audience::of(&reader(actor));
    NoticeAudience {
        user_id: a.person,
        organisation: a.organisation,
        roles: a.roles.iter().map(|r| r.as_str().to_string()).collect(),
    }
}

/// To whom a stored notice is addressed.
fn addressee(n: &NoticeRow) -> Option<Addressee> {
    match (&n.user_id, n.role.as_deref()) {
        (Some(id), _) => Some(Addressee::Person(id.clone())),
        (None, None) => Some(Addressee::Organisation),
        // A notice for a role this build does not know is read by nobody.
        (None, Some(r)) => Role::parse(r).map(Addressee::Role),
    }
}

/// Whether the actor reads a notice of their organisation (`notice::reads_notice`).
fn reads(actor: &Actor, n: &NoticeRow) -> bool {
    addressee(n).is_some_and(|to| reads_notice(&to, &reader(actor)))
}
