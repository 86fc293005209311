//! How a case changes state, shared by submission, the decisions and expiry: the event recorded
//! on the case, the audited write in one transaction, storage's answer turned into an error
//! (the state moved meanwhile, funding missing), and the department told of the outcome.

use super::{MAX_TEXT, case_link, funding_missing, rejected};
use crate::service::notices::Recipient;
use crate::service::{Actor, App, RequestMeta, ServiceError};
use jianfu_domain::assignment::CaseState;
use jianfu_store::{Admission, AssignmentEvent, AssignmentRow, CaseChange, CaseWrite};

impl App {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn event(
        &self,
        actor: &Actor,
        id: &str,
        action: &str,
        from: Option<CaseState>,
        to: CaseState,
        comment: &str,
        at: i64,
    ) -> AssignmentEvent {
        AssignmentEvent {
            assignment_id: id.to_string(),
            id: uuid::Uuid::now_v7().to_string(),
            at,
            actor: actor.username.clone().unwrap_or_default(),
            actor_name: actor.display_name.clone(),
            actor_org: actor.org.as_ref().map(|o| o.to_string()),
            action: action.into(),
            from_status: from.map(|s| s.as_str().to_string()),
            to_status: to.as_str().to_string(),
            comment: comment.chars().take(MAX_TEXT).collect(),
        }
    }

    pub(super) fn written(&self, w: CaseWrite) -> Result<Option<String>, ServiceError> {
        match w {
            CaseWrite::Done { access_number } => Ok(access_number),
            CaseWrite::FundingMissing { communities } => Err(funding_missing(&communities)),
            CaseWrite::WrongState { current } => Err(rejected(
                "invalid_transition",
                format!(
                    "该事项的状态已变为“{}”，请刷新后再操作",
                    current
                        .as_deref()
                        .and_then(CaseState::parse)
                        .map(|s| s.label_zh())
                        .unwrap_or("不存在")
                ),
            )),
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) async fn apply(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        row: &AssignmentRow,
        from: CaseState,
        to: CaseState,
        action: &str,
        comment: &str,
        review: Option<(String, String)>,
        admission: Option<Admission>,
    ) -> Result<Option<String>, ServiceError> {
        let change = CaseChange {
            department_code: row.department_code.clone(),
            id: row.id.clone(),
            from_status: from.as_str().into(),
            to_status: to.as_str().into(),
            at: self.now_ms(),
            review,
            admission,
            list_candidate: None,
        };
        self.apply_change(actor, meta, row, change, action, comment)
            .await
    }

    /// Writes a state change with its event and audit record in one transaction.
    pub(super) async fn apply_change(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        row: &AssignmentRow,
        change: CaseChange,
        action: &str,
        comment: &str,
    ) -> Result<Option<String>, ServiceError> {
        let (from, to) = (
            CaseState::parse(&change.from_status).unwrap_or(CaseState::Draft),
            CaseState::parse(&change.to_status).unwrap_or(CaseState::Draft),
        );
        let event = self.event(actor, &row.id, action, Some(from), to, comment, change.at);
        let mut audit = self.audit(
            actor,
            meta,
            &format!("assignment.{action}"),
            format!("assignment:{}", row.id),
        );
        audit.detail = serde_json::json!({
            "department": row.department_code,
            "from": from.as_str(),
            "to": to.as_str(),
            "list_candidate": change.list_candidate.unwrap_or(false),
        })
        .to_string();
        let w = self.store.change_assignment(&change, &event, audit).await?;
        self.written(w)
    }

    pub(super) async fn tell_department(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        row: &AssignmentRow,
        kind: &str,
        title: &str,
        body: &str,
    ) -> Result<(), ServiceError> {
        self.notify(
            actor,
            meta,
            &Recipient::organisation(row.department_code.clone()),
            kind,
            title,
            body,
            &case_link(row),
        )
        .await
    }
}
