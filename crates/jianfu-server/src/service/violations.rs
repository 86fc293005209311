//! Work that bypassed the gate (违规下派): a community reports it with evidence, the department and
//! the supervisors are told, a supervisor confirms (the work is revoked and counted against the
//! department) or dismisses it with a reason, and confirmed revocations are published.
//!
//! The rules (evidence types and limits, the state machine, who reads what) are in
//! `jianfu_domain::violation`; this module applies them and writes through the store.

use super::listing::{ListKind, Listing, Paged, read_page};
use super::notices::Recipient;
use super::{Actor, App, Op, RequestMeta, ServiceError};
use jianfu_domain::clock::beijing_date;
use jianfu_domain::org::OrgTree;
use jianfu_domain::permission::Permission;
use jianfu_domain::violation::{
    self, Channel, Decision, EvidenceKind, Readers, Status, ViolationError,
};
use jianfu_domain::{Org, OrgCode, OrgKind, Role};
use jianfu_store::{
    DepartmentCount, EvidenceMeta, EvidenceRow, ListQuery, Subject, ViolationDecision,
    ViolationFilter, ViolationRow,
};
use serde::Serialize;
use sha2::Digest;

/// A report as typed (web form or API). The community is never part of it: it is always the
/// reporter's own.
#[derive(Debug, Clone, Default)]
pub struct NewViolation {
    pub department: String,
    pub title: String,
    pub description: String,
    pub channel: String,
    pub received_on: String,
    /// The evidence files' contents, in order. Names are not kept.
    pub files: Vec<Vec<u8>>,
}

/// Identifies one report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ViolationRef {
    pub community: String,
    pub id: String,
}

impl ViolationRef {
    pub fn path(&self) -> String {
        format!("/violations/{}/{}", self.community, self.id)
    }
}

/// A report as a reader sees it, with names resolved. `reported_by` is empty when the reader may
/// not know who reported (the department concerned).
#[derive(Debug, Clone, Serialize)]
pub struct ViolationView {
    pub community: String,
    pub community_name: String,
    pub id: String,
    pub department: String,
    pub department_name: String,
    pub title: String,
    pub description: String,
    pub channel: Channel,
    pub received_on: String,
    pub reported_by: Option<String>,
    /// The reporter's display name, filled for a single report when `reported_by` is shown.
    pub reporter_name: Option<String>,
    pub reported_at: i64,
    pub status: Status,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub decision_comment: Option<String>,
    pub revoked: bool,
    pub department_response: Option<String>,
    pub department_responded_at: Option<i64>,
}

impl ViolationView {
    pub fn path(&self) -> String {
        format!("/violations/{}/{}", self.community, self.id)
    }
}

/// A report with its evidence list (no contents).
#[derive(Debug, Clone, Serialize)]
pub struct ViolationDetail {
    pub report: ViolationView,
    pub evidence: Vec<EvidenceMeta>,
}

/// One line of the public register: no personal data.
#[derive(Debug, Clone, Serialize)]
pub struct PublicRevocation {
    /// The day of the decision (Beijing), `YYYY-MM-DD`.
    pub revoked_on: String,
    pub department_name: String,
    pub title: String,
    pub community_name: String,
    pub channel: Channel,
    pub received_on: String,
}

/// Confirmed violations per department (or street), for supervisors.
#[derive(Debug, Clone, Serialize)]
pub struct DepartmentTally {
    pub department: String,
    pub department_name: String,
    pub confirmed: i64,
    pub pending: i64,
    pub dismissed: i64,
}

fn rejected(e: ViolationError) -> ServiceError {
    ServiceError::Rejected {
        code: e.code(),
        message: e.to_string(),
    }
}

fn view(r: ViolationRow, tree: &OrgTree, readers: &Readers) -> ViolationView {
    let show = violation::shows_reporter(readers);
    ViolationView {
        community_name: tree.name_or_code(&r.community_code),
        department_name: tree.name_or_code(&r.department_code),
        community: r.community_code,
        id: r.id,
        department: r.department_code,
        title: r.title,
        description: r.description,
        channel: Channel::parse(&r.channel).unwrap_or(Channel::Other),
        received_on: r.received_on,
        reported_by: show.then_some(r.reported_by),
        reporter_name: None,
        reported_at: r.reported_at,
        status: Status::parse(&r.status).unwrap_or(Status::Reported),
        decided_by: r.decided_by,
        decided_at: r.decided_at,
        decision_comment: r.decision_comment,
        revoked: r.revoked,
        department_response: r.department_response,
        department_responded_at: r.department_responded_at,
    }
}

impl App {
    fn violation_readers(&self, actor: &Actor) -> Readers {
        if actor.is_console() {
            return Readers::All;
        }
        violation::readers_for(&actor.roles, actor.org.as_ref())
    }

    /// The organisations a report may name: departments, streets and towns, in code order
    /// (departments first).
    pub async fn violation_targets(&self) -> Result<Vec<Org>, ServiceError> {
        let tree = self.org_tree().await?;
        let mut v: Vec<Org> = tree
            .all()
            .iter()
            .filter(|o| violation::may_be_reported(o.kind))
            .cloned()
            .collect();
        v.sort_by_key(|o| (o.kind != OrgKind::Department, o.code.clone()));
        Ok(v)
    }

    /// A community worker or director reports work that reached them outside the gate. Stored
    /// with its evidence in one audited transaction; then the department and the supervisors are
    /// told.
    pub async fn report_violation(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        input: &NewViolation,
    ) -> Result<ViolationRef, ServiceError> {
        actor.require(Permission::ReportViolations)?;
        let tree = self.org_tree().await?;
        // The community is always the reporter's own.
        let community = actor
            .org
            .as_ref()
            .and_then(|c| tree.get(c))
            .filter(|o| o.kind == OrgKind::Community)
            .ok_or(ServiceError::Forbidden)?
            .clone();
        let department = OrgCode::parse(&input.department)
            .ok()
            .and_then(|c| tree.get(&c))
            .filter(|o| violation::may_be_reported(o.kind))
            .ok_or_else(|| ServiceError::Rejected {
                code: "unknown_department",
                message: "请从列表中选择下派工作的区级部门或街道（镇）".into(),
            })?
            .clone();
        let checked = violation::check_report(
            &input.title,
            &input.description,
            &input.channel,
            &input.received_on,
            self.today(),
        )
        .map_err(rejected)?;
        let kinds = violation::check_evidence(&input.files).map_err(rejected)?;

        let id = uuid::Uuid::now_v7().to_string();
        let now = self.now_ms();
        let reporter = actor.username.clone().unwrap_or_default();
        let row = ViolationRow {
            community_code: community.code.to_string(),
            id: id.clone(),
            department_code: department.code.to_string(),
            title: checked.title.clone(),
            description: checked.description.clone(),
            channel: checked.channel.as_str().into(),
            received_on: violation::format_date(checked.received_on),
            reported_by: reporter,
            reported_at: now,
            status: Status::Reported.as_str().into(),
            decided_by: None,
            decided_at: None,
            decision_comment: None,
            revoked: false,
            department_response: None,
            department_responded_at: None,
        };
        let evidence: Vec<EvidenceRow> = input
            .files
            .iter()
            .zip(&kinds)
            .enumerate()
            .map(|(i, (bytes, kind))| EvidenceRow {
                community_code: row.community_code.clone(),
                report_id: id.clone(),
                seq: i as i64 + 1,
                kind: kind.as_str().into(),
                size: bytes.len() as i64,
                sha256: hex::encode(sha2::Sha256::digest(bytes)),
                bytes: bytes.clone(),
            })
            .collect();
        let r = ViolationRef {
            community: row.community_code.clone(),
            id,
        };
        let mut a = self.audit(
            actor,
            meta,
            "violation.report",
            format!("violation:{}/{}", r.community, r.id),
        );
        a.detail = serde_json::json!({
            "department": row.department_code,
            "channel": row.channel,
            "evidence": evidence.iter().map(|e| serde_json::json!({"kind": e.kind, "size": e.size, "sha256": e.sha256})).collect::<Vec<_>>(),
        })
        .to_string();
        let title = format!("违规下派举报：{}", row.title);
        let body = format!(
            "{}报告：{}通过{}向社区下派了未经准入的工作“{}”（收到日期 {}）。请核查。",
            community.name,
            department.name,
            checked.channel.label_zh(),
            row.title,
            row.received_on
        );
        let mut to = vec![Recipient::organisation(row.department_code.clone())];
        to.extend(self.holders_of(Role::Supervisor).await?);
        // Asks the supervisors to decide: handled once the report is no longer "reported".
        let told = self
            .told(
                actor,
                meta,
                &to,
                "violation_reported",
                &title,
                &body,
                &r.path(),
            )
            .awaiting(
                &Subject::Violation {
                    community: row.community_code.clone(),
                    id: row.id.clone(),
                },
                Status::Reported.as_str(),
            );
        self.store
            .insert_violation(&row, &evidence, &told, a)
            .await?;
        Ok(r)
    }

    /// Reports the actor may read, newest first: supervisors all (optionally filtered by status and
    /// department), a community its own, a department (or street) those against it.
    pub async fn violations(
        &self,
        actor: &Actor,
        listing: &Listing,
        department: Option<&str>,
    ) -> Result<Paged<ViolationView>, ServiceError> {
        let readers = self.violation_readers(actor);
        let list = listing.query(ListKind::Violations, || ())?;
        let department = department
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|d| OrgCode::parse(d).map(|c| c.to_string()).unwrap_or_default());
        let filter = match &readers {
            Readers::All => ViolationFilter {
                community: None,
                department,
                list,
            },
            Readers::Community(c) => ViolationFilter {
                community: Some(c.to_string()),
                department,
                list,
            },
            // A department's own code wins over any filter it sends.
            Readers::Against(d) => ViolationFilter {
                community: None,
                department: Some(d.to_string()),
                list,
            },
            Readers::Nobody => return Err(ServiceError::Forbidden),
        };
        let page = read_page(filter.list.clone(), listing, |list| {
            let filter = ViolationFilter {
                list,
                ..filter.clone()
            };
            async move { self.store.list_violations(&filter).await }
        })
        .await?;
        let tree = self.org_tree().await?;
        // The store's filter scopes the rows; the domain's rule is asked once more per row, as
        // for a single report.
        Ok(Paged {
            items: page
                .items
                .into_iter()
                .filter(|r| readers.may_read(&r.community_code, &r.department_code))
                .map(|r| view(r, &tree, &readers))
                .collect(),
            total: page.total,
            page: page.page,
            per_page: page.per_page,
        })
    }

    /// Loads a report the actor may read. Out of scope looks exactly like missing (404), so
    /// nobody learns which reports exist elsewhere.
    async fn readable(
        &self,
        actor: &Actor,
        community: &str,
        id: &str,
    ) -> Result<(ViolationRow, Readers), ServiceError> {
        let readers = self.violation_readers(actor);
        if readers == Readers::Nobody {
            return Err(ServiceError::Forbidden);
        }
        let not_found = || ServiceError::NotFound("该举报不存在，或您无权查看".into());
        let community = OrgCode::parse(community).map_err(|_| not_found())?;
        let row = self
            .store
            .violation(community.as_str(), id)
            .await?
            .filter(|r| readers.may_read(&r.community_code, &r.department_code))
            .ok_or_else(not_found)?;
        Ok((row, readers))
    }

    pub async fn violation(
        &self,
        actor: &Actor,
        community: &str,
        id: &str,
    ) -> Result<ViolationDetail, ServiceError> {
        let (row, readers) = self.readable(actor, community, id).await?;
        let evidence = self
            .store
            .violation_evidence_list(&row.community_code, &row.id)
            .await?;
        let tree = self.org_tree().await?;
        let mut report = view(row, &tree, &readers);
        if let Some(u) = &report.reported_by {
            report.reporter_name = self
                .store
                .user_by_username(u)
                .await?
                .map(|u| u.display_name);
        }
        Ok(ViolationDetail { report, evidence })
    }

    /// One evidence file, for readers of the report only. Reading is not audited.
    pub async fn violation_evidence(
        &self,
        actor: &Actor,
        community: &str,
        id: &str,
        seq: i64,
    ) -> Result<(EvidenceKind, Vec<u8>), ServiceError> {
        let (row, _) = self.readable(actor, community, id).await?;
        let e = self
            .store
            .violation_evidence(&row.community_code, &row.id, seq)
            .await?
            .ok_or_else(|| ServiceError::NotFound("该证据材料不存在".into()))?;
        let kind = EvidenceKind::parse(&e.kind)
            .ok_or_else(|| ServiceError::Internal(format!("evidence kind {}", e.kind)))?;
        Ok((kind, e.bytes))
    }

    /// A supervisor confirms (the work is revoked, 撤销、终止) or dismisses (with a reason) a
    /// report. The community and the department are told.
    pub async fn decide_violation(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        community: &str,
        id: &str,
        decision: Decision,
        comment: &str,
    ) -> Result<ViolationView, ServiceError> {
        self.decide(actor, Op::Do(meta), community, id, decision, comment)
            .await?
            .ok_or_else(|| ServiceError::Internal("deciding wrote nothing".into()))
    }

    /// Whether the decision would be accepted now (the report still open, a reason where one is
    /// needed); writes nothing (see [`Op`]).
    pub async fn check_violation_decision(
        &self,
        actor: &Actor,
        community: &str,
        id: &str,
        decision: Decision,
        comment: &str,
    ) -> Result<(), ServiceError> {
        self.decide(actor, Op::Check, community, id, decision, comment)
            .await
            .map(|_| ())
    }

    /// `None` only when checking.
    async fn decide(
        &self,
        actor: &Actor,
        op: Op<'_>,
        community: &str,
        id: &str,
        decision: Decision,
        comment: &str,
    ) -> Result<Option<ViolationView>, ServiceError> {
        actor.require(Permission::ConfirmViolations)?;
        let (row, readers) = self.readable(actor, community, id).await?;
        let current = Status::parse(&row.status).unwrap_or(Status::Reported);
        let outcome = violation::decide(current, decision, comment).map_err(rejected)?;
        let comment = violation::check_comment(comment).map_err(rejected)?;
        let Op::Do(meta) = op else { return Ok(None) };
        let d = ViolationDecision {
            status: outcome.status.as_str().into(),
            revoked: outcome.revoked,
            decided_by: actor.username.clone().unwrap_or_default(),
            decided_at: self.now_ms(),
            comment: (!comment.is_empty()).then(|| comment.clone()),
        };
        let action = match decision {
            Decision::Confirm => "violation.confirm",
            Decision::Dismiss => "violation.dismiss",
        };
        let mut a = self.audit(
            actor,
            meta,
            action,
            format!("violation:{}/{}", row.community_code, row.id),
        );
        a.detail = serde_json::json!({
            "department": row.department_code,
            "status": d.status,
            "revoked": d.revoked,
            "citation": outcome.revoked.then(|| violation::REVOKE_CITATION.to_string()),
        })
        .to_string();
        if !self
            .store
            .decide_violation(&row.community_code, &row.id, &d, a)
            .await?
        {
            return Err(rejected(ViolationError::AlreadyDecided("已处理")));
        }
        let tree = self.org_tree().await?;
        let (title, body) = match decision {
            Decision::Confirm => (
                format!("违规下派已确认并撤销：{}", row.title),
                format!(
                    "督查确认：{}下派的“{}”未经准入，依据{}，该工作即日撤销、终止，社区不再承担，并计入该部门的违规下派记录。{}",
                    tree.name_or_code(&row.department_code),
                    row.title,
                    violation::REVOKE_CITATION.document,
                    d.comment
                        .as_deref()
                        .map(|c| format!("督查意见：{c}"))
                        .unwrap_or_default()
                ),
            ),
            Decision::Dismiss => (
                format!("违规下派举报不予认定：{}", row.title),
                format!(
                    "督查核查后不予认定“{}”为违规下派。理由：{}",
                    row.title,
                    d.comment.as_deref().unwrap_or_default()
                ),
            ),
        };
        let link = format!("/violations/{}/{}", row.community_code, row.id);
        let to: Vec<Recipient> = [&row.community_code, &row.department_code]
            .into_iter()
            .map(|org| Recipient::organisation(org.clone()))
            .collect();
        self.notify_all(actor, meta, &to, "violation_decided", &title, &body, &link)
            .await?;
        let updated = self
            .store
            .violation(&row.community_code, &row.id)
            .await?
            .ok_or_else(|| ServiceError::NotFound("该举报不存在".into()))?;
        Ok(Some(view(updated, &tree, &readers)))
    }

    /// The department concerned writes its response (情况说明) to a report against it.
    pub async fn respond_violation(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        community: &str,
        id: &str,
        response: &str,
    ) -> Result<(), ServiceError> {
        actor.require(Permission::SubmitAssignments)?;
        let (row, readers) = self.readable(actor, community, id).await?;
        if !matches!(readers, Readers::Against(_)) {
            return Err(ServiceError::Forbidden);
        }
        let response = &violation::check_comment(response).map_err(rejected)?;
        if response.is_empty() {
            return Err(ServiceError::Rejected {
                code: "empty_response",
                message: "请填写情况说明".into(),
            });
        }
        let a = self.audit(
            actor,
            meta,
            "violation.respond",
            format!("violation:{}/{}", row.community_code, row.id),
        );
        self.store
            .respond_violation(&row.community_code, &row.id, response, self.now_ms(), a)
            .await?;
        Ok(())
    }

    /// Confirmed violations per department (and street), most first: for supervisors, who rank
    /// departments by them.
    pub async fn violation_tallies(
        &self,
        actor: &Actor,
    ) -> Result<Vec<DepartmentTally>, ServiceError> {
        actor.require(Permission::ConfirmViolations)?;
        let tree = self.org_tree().await?;
        Ok(self
            .store
            .violation_counts()
            .await?
            .into_iter()
            .map(|c: DepartmentCount| DepartmentTally {
                department_name: tree.name_or_code(&c.department_code),
                department: c.department_code,
                confirmed: c.confirmed,
                pending: c.pending,
                dismissed: c.dismissed,
            })
            .collect())
    }

    /// The public register of revoked work (政务公开): anyone may read it, no login. It names
    /// departments, communities and the work, never people.
    pub async fn public_revocations(&self) -> Result<Vec<PublicRevocation>, ServiceError> {
        let tree = self.org_tree().await?;
        let rows = self
            .store
            .list_violations(&ViolationFilter {
                list: ListQuery {
                    statuses: vec![Status::Confirmed.as_str().into()],
                    limit: 1000,
                    ..ListQuery::default()
                },
                ..Default::default()
            })
            .await?
            .rows;
        let mut out: Vec<(i64, PublicRevocation)> = rows
            .into_iter()
            .filter(|r| r.revoked)
            .map(|r| {
                let at = r.decided_at.unwrap_or(r.reported_at);
                (
                    at,
                    PublicRevocation {
                        revoked_on: violation::format_date(beijing_date(at)),
                        department_name: tree.name_or_code(&r.department_code),
                        community_name: tree.name_or_code(&r.community_code),
                        channel: Channel::parse(&r.channel).unwrap_or(Channel::Other),
                        title: r.title,
                        received_on: r.received_on,
                    },
                )
            })
            .collect();
        out.sort_by_key(|p| std::cmp::Reverse(p.0));
        Ok(out.into_iter().map(|(_, p)| p).collect())
    }
}
