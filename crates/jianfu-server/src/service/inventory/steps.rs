//! The steps of an entry's clean-up: the community's, the owner's answer, the street's
//! confirmation. Each is one audited write that applies only if the entry has not moved on.

use super::{context, facts_of, own_community, rejected};
use crate::service::notices::Recipient;
use crate::service::{Actor, App, RequestMeta, ServiceError};
use jianfu_domain::inventory::status::{StepFacts, check_step_date};
use jianfu_domain::inventory::{Action, Status, findings, transition};
use jianfu_domain::permission::Permission;
use jianfu_domain::violation::{self, ViolationError};
use jianfu_domain::{OrgCode, Role};
use jianfu_store::{InventoryChange, InventoryEvidence, InventoryStepRow};
use sha2::Digest;

/// A step as typed by the community.
#[derive(Debug, Clone, Default)]
pub struct StepInput {
    pub action: String,
    pub note: String,
    /// The day it was removed or converted.
    pub on_date: String,
    /// The evidence file (a photo after the removal, or the document that cancels it).
    pub evidence: Option<Vec<u8>>,
    /// The number of steps the person saw; a step added meanwhile makes this one stale.
    pub expected_steps: i64,
}

/// The owner's answer: words, and the basis if it has one.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct AnswerInput {
    pub note: String,
    pub law_basis: String,
    pub mandate_document: String,
    pub expected_steps: i64,
}

fn stale() -> ServiceError {
    ServiceError::Rejected {
        code: "entry_changed",
        message: "该条目刚被他人更新过，请刷新页面查看最新情况后再操作。".into(),
    }
}

fn evidence_error(e: ViolationError) -> ServiceError {
    ServiceError::Rejected {
        code: e.code(),
        message: e.to_string(),
    }
}

/// Each use case answers with the entry's address as stored (for a redirect), never one built
/// from what was typed into a URL.
impl App {
    /// The community records a step of the clean-up.
    pub async fn inventory_step(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        community: &str,
        id: &str,
        input: &StepInput,
    ) -> Result<String, ServiceError> {
        actor.require(Permission::RecordInventory)?;
        let (row, tree) = self.readable_entry(actor, community, id).await?;
        if own_community(actor, &tree)?.as_str() != row.community_code {
            return Err(ServiceError::Forbidden);
        }
        if input.expected_steps != row.steps {
            return Err(stale());
        }
        let action = Action::parse(&input.action).ok_or_else(|| ServiceError::Rejected {
            code: "invalid_action",
            message: format!(
                "操作“{}”无法识别，可选：{}",
                input.action.trim(),
                Action::ALL
                    .map(|a| format!("{}（{}）", a.as_str(), a.label_zh()))
                    .join("、")
            ),
        })?;
        let note = crate::service::text_field::paragraph(&input.note, 2000, "说明")?;
        let facts = facts_of(&row)?;
        let from = Status::parse(&row.status)
            .ok_or_else(|| ServiceError::Internal(format!("inventory status {}", row.status)))?;
        let mandates = self.mandates_in_force(&self.today_beijing()).await?;
        let flagged = findings(&facts, &context(&row, &tree, &mandates));
        let kinds = match &input.evidence {
            Some(f) => {
                violation::check_evidence(std::slice::from_ref(f)).map_err(evidence_error)?
            }
            None => Vec::new(),
        };
        let to = transition(
            from,
            action,
            facts.kind,
            StepFacts {
                compliant: flagged.is_empty(),
                has_evidence: !kinds.is_empty(),
                has_note: !note.is_empty(),
            },
            flagged.first().map(|f| f.message.as_str()),
        )
        .map_err(rejected)?;
        // Dates run forward: a removal after a reopening is not dated before it.
        let earliest = self
            .store
            .inventory_steps(&row.community_code, &row.id)
            .await?
            .into_iter()
            .filter_map(|s| s.on_date)
            .chain(std::iter::once(row.found_on.clone()))
            .max()
            .unwrap_or_default();
        let on_date = if action.needs_date() {
            Some(check_step_date(&input.on_date, self.today(), &earliest).map_err(rejected)?)
        } else if action == Action::Reopen {
            // Found again today: it counts again from this month.
            Some(self.today_beijing())
        } else {
            None
        };
        let seq = row.steps + 1;
        let now = self.now_ms();
        let step = InventoryStepRow {
            community_code: row.community_code.clone(),
            entry_id: row.id.clone(),
            seq,
            action: action.as_str().into(),
            status: to.as_str().into(),
            note,
            on_date: on_date.clone(),
            by_user: actor.username.clone().unwrap_or_default(),
            by_org: row.community_code.clone(),
            at: now,
            confirmed_by: None,
            confirmed_at: None,
        };
        let evidence = input
            .evidence
            .as_ref()
            .zip(kinds.first())
            .map(|(bytes, kind)| InventoryEvidence {
                community_code: row.community_code.clone(),
                entry_id: row.id.clone(),
                seq,
                kind: kind.as_str().into(),
                size: bytes.len() as i64,
                sha256: hex::encode(sha2::Sha256::digest(bytes)),
                bytes: bytes.clone(),
            });
        let mut a = self.audit(
            actor,
            meta,
            "inventory.step",
            format!("inventory:{}/{}", row.community_code, row.id),
        );
        a.detail = serde_json::json!({
            "action": action.as_str(),
            "from": from.as_str(),
            "to": to.as_str(),
            "on_date": on_date,
            "evidence": evidence.as_ref().map(|e| serde_json::json!({"kind": e.kind, "size": e.size, "sha256": e.sha256})),
        })
        .to_string();
        // The street confirms each step: its officers are told.
        let street = tree
            .get(
                &OrgCode::parse(&row.community_code)
                    .map_err(|_| ServiceError::Internal("community code".into()))?,
            )
            .and_then(|c| c.parent.clone());
        let recipients: Vec<Recipient> = street
            .map(|s| Recipient::role(s.to_string(), Role::StreetOfficer))
            .into_iter()
            .collect();
        let told = self.told(
            actor,
            meta,
            &recipients,
            "inventory_step",
            &format!("负担台账待确认：{}", row.title),
            &format!(
                "{}将{}“{}”登记为“{}”，请核实确认。",
                tree.name_or_code(&row.community_code),
                facts.kind.label_zh(),
                row.title,
                to.label_zh()
            ),
            &format!("/inventory/{}/{}", row.community_code, row.id),
        );
        let change = InventoryChange {
            expected_steps: row.steps,
            step,
            status: to.as_str().into(),
            cleared_on: if to.is_carried() { None } else { on_date },
            basis: None,
        };
        if !self
            .store
            .add_inventory_step(&change, evidence.as_ref(), &told, a)
            .await?
        {
            return Err(stale());
        }
        Ok(format!("/inventory/{}/{}", row.community_code, row.id))
    }

    /// The department or street that placed an entry answers it, and may give its basis: the
    /// entry's law basis and document number are replaced by what it gives.
    pub async fn answer_inventory(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        community: &str,
        id: &str,
        input: &AnswerInput,
    ) -> Result<String, ServiceError> {
        actor.require(Permission::AnswerInventory)?;
        let (row, tree) = self.readable_entry(actor, community, id).await?;
        let own = actor.org.as_ref().ok_or(ServiceError::Forbidden)?;
        // Only the owner answers; a street officer reading its communities' entries is not the
        // owner of the departments' ones.
        if own.as_str() != row.owner_code {
            return Err(ServiceError::Forbidden);
        }
        if input.expected_steps != row.steps {
            return Err(stale());
        }
        let note = crate::service::text_field::paragraph(&input.note, 2000, "答复")?;
        if note.is_empty() {
            return Err(rejected(
                jianfu_domain::inventory::InventoryError::NoteMissing,
            ));
        }
        let law = crate::service::text_field::line(&input.law_basis, 500, "法律依据")?;
        let mandate =
            crate::service::text_field::line(&input.mandate_document, 100, "上级文件文号")?;
        let basis = (!law.is_empty() || !mandate.is_empty())
            .then(|| (law.clone(), Some(mandate.clone()).filter(|m| !m.is_empty())));
        let now = self.now_ms();
        let mut shown = note.clone();
        if !law.is_empty() {
            shown.push_str(&format!("\n依据：{law}"));
        }
        if !mandate.is_empty() {
            shown.push_str(&format!("\n上级文件：{mandate}"));
        }
        let step = InventoryStepRow {
            community_code: row.community_code.clone(),
            entry_id: row.id.clone(),
            seq: row.steps + 1,
            action: "answer".into(),
            status: row.status.clone(),
            note: shown,
            on_date: None,
            by_user: actor.username.clone().unwrap_or_default(),
            by_org: own.to_string(),
            at: now,
            confirmed_by: None,
            confirmed_at: None,
        };
        let mut a = self.audit(
            actor,
            meta,
            "inventory.answer",
            format!("inventory:{}/{}", row.community_code, row.id),
        );
        a.detail = serde_json::json!({"basis_given": basis.is_some()}).to_string();
        let told = self.told(
            actor,
            meta,
            &[Recipient::organisation(row.community_code.clone())],
            "inventory_answered",
            &format!("主管单位答复：{}", row.title),
            &format!(
                "{}答复了负担台账中的“{}”{}。",
                tree.name_or_code(own.as_str()),
                row.title,
                if basis.is_some() {
                    "，并写明了依据"
                } else {
                    ""
                }
            ),
            &format!("/inventory/{}/{}", row.community_code, row.id),
        );
        let change = InventoryChange {
            expected_steps: row.steps,
            step,
            status: row.status.clone(),
            cleared_on: row.cleared_on.clone(),
            basis,
        };
        if !self
            .store
            .add_inventory_step(&change, None, &told, a)
            .await?
        {
            return Err(stale());
        }
        Ok(format!("/inventory/{}/{}", row.community_code, row.id))
    }

    /// A street officer confirms an entry's steps so far (二(三): 街道(镇)统筹、督促检查).
    pub async fn confirm_inventory(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        community: &str,
        id: &str,
        expected_steps: i64,
    ) -> Result<String, ServiceError> {
        actor.require(Permission::ConfirmInventory)?;
        let (row, tree) = self.readable_entry(actor, community, id).await?;
        let street = actor.org.as_ref().ok_or(ServiceError::Forbidden)?;
        let code = OrgCode::parse(&row.community_code)
            .map_err(|_| ServiceError::Internal("community code".into()))?;
        if !tree.is_within(&code, street) || &code == street {
            return Err(ServiceError::Forbidden);
        }
        if expected_steps != row.steps {
            return Err(stale());
        }
        if row.confirmed_steps >= row.steps {
            return Err(ServiceError::Rejected {
                code: "already_confirmed",
                message: "该条目的每一步都已确认。".into(),
            });
        }
        let mut a = self.audit(
            actor,
            meta,
            "inventory.confirm",
            format!("inventory:{}/{}", row.community_code, row.id),
        );
        a.detail = serde_json::json!({"upto": row.steps, "status": row.status}).to_string();
        let by = actor.username.clone().unwrap_or_default();
        if !self
            .store
            .confirm_inventory(
                &row.community_code,
                &row.id,
                row.steps,
                &by,
                self.now_ms(),
                a,
            )
            .await?
        {
            return Err(stale());
        }
        Ok(format!("/inventory/{}/{}", row.community_code, row.id))
    }
}
