//! In-app notices: sending them (from other use cases) and reading one's own.

use super::{Actor, App, RequestMeta, ServiceError};
use jianfu_domain::Role;
use jianfu_domain::notice::reads_notice;
use jianfu_store::{NoticeRow, Told};

/// Who a notice is for: everyone in an organisation, or one role there.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub org_code: String,
    pub role: Option<Role>,
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
        self.store.insert_notices(&told).await?;
        Ok(())
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
            .map(|to| NoticeRow {
                org_code: to.org_code.clone(),
                id: uuid::Uuid::now_v7().to_string(),
                role: to.role.map(|r| r.as_str().to_string()),
                kind: kind.into(),
                title: title.chars().take(120).collect(),
                body: body.chars().take(2000).collect(),
                link: link.into(),
                created_at: now,
                read_at: None,
            })
            .collect();
        let audits = notices
            .iter()
            .map(|n| {
                let mut a = self.audit(actor, meta, "notice.send", format!("notice:{}", n.id));
                a.detail = serde_json::json!({"to": n.org_code, "role": n.role, "kind": n.kind})
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
        // Asked of the database: a district of thousands of communities has thousands of
        // accounts, and every violation report asks this (issue 14 §4).
        let mut orgs = self.store.orgs_with_role(role.as_str()).await?;
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
            .map(|org_code| Recipient {
                org_code,
                role: Some(role),
            })
            .collect())
    }

    /// The actor's notices: those of their organisation they read (`notice::reads_notice`: a
    /// resident does not read the committee's notices to its staff).
    pub async fn my_notices(&self, actor: &Actor) -> Result<Vec<NoticeRow>, ServiceError> {
        let Some(org) = &actor.org else {
            return Ok(vec![]);
        };
        Ok(self
            .store
            .notices_for(org.as_str(), 200)
            .await?
            .into_iter()
            .filter(|n| reads(actor, n))
            .collect())
    }

    pub async fn mark_notice_read(&self, actor: &Actor, id: &str) -> Result<(), ServiceError> {
        let Some(org) = &actor.org else {
            return Err(ServiceError::Forbidden);
        };
        match self.store.notice(org.as_str(), id).await? {
            Some(n) if reads(actor, &n) => {}
            _ => return Err(ServiceError::NotFound("该通知".into())),
        }
        // Reading state is not business state: not audited.
        Ok(self
            .store
            .mark_notice_read(org.as_str(), id, self.now_ms())
            .await?)
    }
}

/// Whether the actor reads a notice of their organisation (`notice::reads_notice`).
fn reads(actor: &Actor, n: &NoticeRow) -> bool {
    match n.role.as_deref() {
        None => reads_notice(None, &actor.roles),
        // A notice for a role this build does not know is read by nobody.
        Some(r) => Role::parse(r).is_some_and(|r| reads_notice(Some(r), &actor.roles)),
    }
}
