//! Files kept from a refused certificate application form (issue 10 §2): a resident on a phone
//! whose form is refused (a missing field, a mistyped ID number) should not pick the same three
//! photos again. The files that passed the material checks are kept on the server for the
//! account that uploaded them, and the next submission of the form uses them.
//!
//! Bounds, because these are photos of ID documents:
//! - only the owner's own next submission uses a draft (owner and community checked in the
//!   query); drafts are never served back, the form shows only their name and size;
//! - each draft passed the same per-file checks as a material (material of the item, size, type
//!   read from the content), and an owner has at most [`MAX_DRAFTS_PER_OWNER`] (oldest dropped);
//! - a draft older than [`DRAFT_TTL_MS`] is never used, and [`App::purge_upload_drafts`] (run
//!   every minute by `serve`) deletes it, so none is held much past 24 hours;
//! - bytes and file name are encrypted with the data key, like materials; drafts are left out
//!   of exports (`portable::NOT_EXPORTED`).
//!
//! Audit: keeping drafts is not a change of any application, but it stores personal data on the
//! server, which is more than the activity-only writes (read marks, session touches) that
//! AGENTS.md lets go unaudited. So keeping is audited (`certificate.drafts_kept`, counts only),
//! the purge is audited when it deleted something (`certificate.drafts_purged`), and the drafts
//! an application used are deleted in the application's own audited transaction
//! (`certificate.apply` counts them in `from_drafts`).

use super::certificates::{ApplicationInput, MAX_MATERIALS, Upload, check_upload, rejected};
use super::{Actor, App, RequestMeta, ServiceError};
use jianfu_domain::gate::CatalogItem;
use jianfu_store::UploadDraftRow;
use std::collections::BTreeSet;

/// How long a kept file may be used (and at most how long, plus a minute, it is held).
pub const DRAFT_TTL_MS: i64 = 24 * 60 * 60 * 1000;
/// Kept files per account: a whole application's worth; older ones are dropped first.
pub const MAX_DRAFTS_PER_OWNER: usize = MAX_MATERIALS;
/// Longest file name kept for display (characters).
const MAX_NAME_CHARS: usize = 80;

/// A file picked on the form: the material it answers and its name on the phone.
#[derive(Debug, Clone)]
pub struct PickedFile {
    pub material: String,
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// What an application form sends about files.
#[derive(Debug, Clone, Default)]
pub struct FormFiles {
    /// Files picked now.
    pub picked: Vec<PickedFile>,
    /// Kept files the form showed: (material, draft id).
    pub kept: Vec<(String, String)>,
    /// Kept files the resident chose to replace (“换一个文件”).
    pub removed: Vec<String>,
}

/// A kept file, as the form shows it again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptFile {
    pub id: String,
    pub material: String,
    pub file_name: String,
    pub size: i64,
}

/// Why the form was refused, with the files now kept for the next try.
#[derive(Debug)]
pub struct FormRefusal {
    pub error: ServiceError,
    pub kept: Vec<KeptFile>,
    /// Every material the submission carried (new and kept), for explaining the screening.
    pub material_keys: Vec<String>,
}

impl FormRefusal {
    fn bare(error: ServiceError) -> Self {
        FormRefusal {
            error,
            kept: vec![],
            material_keys: vec![],
        }
    }
}

/// The name a file is shown by: no path, no control characters, not too long.
fn shown_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String = base
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_NAME_CHARS)
        .collect();
    let clean = clean.trim();
    if clean.is_empty() {
        "未命名文件".into()
    } else {
        clean.to_string()
    }
}

fn label_of(item: Option<&CatalogItem>, material: &str) -> String {
    item.and_then(|i| i.certificate.as_ref())
        .and_then(|s| s.materials.iter().find(|m| m.key == material))
        .map(|m| m.name.clone())
        .unwrap_or_else(|| material.to_string())
}

impl App {
    /// An application from the web form: files picked now plus files kept from an earlier
    /// refused try. Kept files are used only when they are the actor's own and not expired;
    /// one that is not (another account's id, expired, purged) refuses the form with
    /// `upload_draft_unavailable`, asking for the file again, and is never attached. On a
    /// refusal the picked files that pass the material checks are kept for the next try; on
    /// success the kept files used (and the ones replaced) are deleted with the application.
    pub async fn apply_certificate_form(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        input: &ApplicationInput,
        files: FormFiles,
        idempotency_key: Option<&str>,
    ) -> Result<String, FormRefusal> {
        let owner = actor
            .user_id
            .clone()
            .zip(actor.org.as_ref().map(|o| o.to_string()));
        let catalog = self.current_catalog().await.map_err(FormRefusal::bare)?;
        let item = catalog.items.iter().find(|i| {
            i.certificate.is_some() && !input.item_code.is_empty() && i.code == input.item_code
        });
        let now = self.now_ms();
        let replaced: BTreeSet<&str> = files.picked.iter().map(|p| p.material.as_str()).collect();
        let removed: BTreeSet<&str> = files.removed.iter().map(String::as_str).collect();
        // Kept files still wanted: not removed, not replaced by a file picked for the material.
        let wanted: Vec<&(String, String)> = files
            .kept
            .iter()
            .filter(|(m, id)| !replaced.contains(m.as_str()) && !removed.contains(id.as_str()))
            .collect();
        let mut asked: Vec<String> = files.kept.iter().map(|(_, id)| id.clone()).collect();
        asked.extend(files.removed.iter().cloned());
        asked.sort();
        asked.dedup();
        asked.truncate(4 * MAX_MATERIALS);
        let mine: Vec<UploadDraftRow> = match &owner {
            Some((user, org)) if !asked.is_empty() => self
                .store
                .upload_drafts_of(org, user, &asked)
                .await
                .map_err(|e| FormRefusal::bare(e.into()))?,
            _ => vec![],
        };
        let fresh = |d: &UploadDraftRow| d.created_at >= now - DRAFT_TTL_MS;
        // The actor's own drafts the form no longer wants: deleted with whatever happens next.
        let mut dropped: Vec<String> = mine
            .iter()
            .filter(|d| !wanted.iter().any(|(_, id)| *id == d.id))
            .map(|d| d.id.clone())
            .collect();
        let mut used: Vec<&UploadDraftRow> = Vec::new();
        let mut lost: Vec<String> = Vec::new();
        for (material, id) in &wanted {
            match mine.iter().find(|d| &d.id == id) {
                Some(d) if fresh(d) && &d.material == material => {
                    if !used.iter().any(|u| u.id == d.id) {
                        used.push(d)
                    }
                }
                _ => {
                    let label = label_of(item, material);
                    if !lost.contains(&label) {
                        lost.push(label);
                    }
                }
            }
        }
        let used_ids: Vec<String> = used.iter().map(|d| d.id.clone()).collect();

        let mut material_keys: Vec<String> =
            files.picked.iter().map(|p| p.material.clone()).collect();
        material_keys.extend(used.iter().map(|d| d.material.clone()));

        let key = match self.data_key().await {
            Ok(k) => k,
            Err(e) => return Err(FormRefusal::bare(e)),
        };
        let error = if lost.is_empty() {
            let mut uploads: Vec<Upload> = files
                .picked
                .iter()
                .map(|p| Upload {
                    material: p.material.clone(),
                    bytes: p.bytes.clone(),
                })
                .collect();
            for d in &used {
                match key.decrypt_bytes(&d.bytes) {
                    Ok(bytes) => uploads.push(Upload {
                        material: d.material.clone(),
                        bytes,
                    }),
                    Err(e) => return Err(FormRefusal::bare(e)),
                }
            }
            let mut delete = used_ids.clone();
            delete.append(&mut dropped.clone());
            match self
                .apply_with_drafts(actor, meta, input, uploads, idempotency_key, &delete)
                .await
            {
                Ok(row) => return Ok(row.id),
                Err(e @ ServiceError::Rejected { .. }) => e,
                Err(e) => return Err(FormRefusal::bare(e)),
            }
        } else {
            rejected(
                "upload_draft_unavailable",
                format!(
                    "之前上传的“{}”已过期或无法使用（暂存的文件只保留 24 小时，只有上传的账号本人可以使用），请重新选择文件。",
                    lost.join("”“")
                ),
            )
        };

        // Refused: keep the picked files that would pass as materials, for the next try.
        let mut kept: Vec<KeptFile> = Vec::new();
        for d in &used {
            kept.push(KeptFile {
                id: d.id.clone(),
                material: d.material.clone(),
                file_name: key.decrypt(&d.file_name_enc).unwrap_or_default(),
                size: d.size,
            });
        }
        let (Some((user, org)), Some(item)) = (&owner, item) else {
            return Err(FormRefusal {
                error,
                kept,
                material_keys,
            });
        };
        let room = MAX_DRAFTS_PER_OWNER.saturating_sub(kept.len());
        let mut rows: Vec<UploadDraftRow> = Vec::new();
        for p in &files.picked {
            if rows.len() >= room {
                break;
            }
            let u = Upload {
                material: p.material.clone(),
                bytes: p.bytes.clone(),
            };
            let Ok(kind) = check_upload(&u, item) else {
                continue;
            };
            let name = shown_name(&p.file_name);
            let (bytes, file_name_enc) = match (key.encrypt_bytes(&p.bytes), key.encrypt(&name)) {
                (Ok(b), Ok(n)) => (b, n),
                (Err(e), _) | (_, Err(e)) => {
                    return Err(FormRefusal {
                        error: e,
                        kept,
                        material_keys,
                    });
                }
            };
            let row = UploadDraftRow {
                org_code: org.clone(),
                id: uuid::Uuid::now_v7().to_string(),
                owner_user_id: user.clone(),
                material: p.material.clone(),
                file_name_enc,
                kind,
                size: p.bytes.len() as i64,
                bytes,
                created_at: now,
            };
            kept.push(KeptFile {
                id: row.id.clone(),
                material: row.material.clone(),
                file_name: name,
                size: row.size,
            });
            rows.push(row);
        }
        // Expired drafts the form named are deleted now too (the purge would within a minute).
        for d in mine.iter().filter(|d| !fresh(d)) {
            if !dropped.contains(&d.id) {
                dropped.push(d.id.clone());
            }
        }
        if !rows.is_empty() || !dropped.is_empty() {
            let mut audit = self.audit(
                actor,
                meta,
                "certificate.drafts_kept",
                format!("upload_drafts:{org}"),
            );
            audit.detail =
                serde_json::json!({ "kept": rows.len(), "dropped": dropped.len() }).to_string();
            if let Err(e) = self
                .store
                .keep_upload_drafts(
                    org,
                    user,
                    &rows,
                    &dropped,
                    MAX_DRAFTS_PER_OWNER as i64,
                    audit,
                )
                .await
            {
                // The refusal still stands; the resident picks the files again.
                tracing::warn!(error = %e, "keeping upload drafts failed");
                kept.retain(|k| !rows.iter().any(|r| r.id == k.id));
            }
        }
        Err(FormRefusal {
            error,
            kept,
            material_keys,
        })
    }

    /// The actor's own unexpired kept files among `ids`, to show them again when the form could
    /// not be read to the end (an interrupted or oversized upload).
    pub async fn kept_upload_files(
        &self,
        actor: &Actor,
        ids: &[String],
    ) -> Result<Vec<KeptFile>, ServiceError> {
        let (Some(user), Some(org)) = (&actor.user_id, &actor.org) else {
            return Ok(vec![]);
        };
        let mut ids = ids.to_vec();
        ids.truncate(4 * MAX_MATERIALS);
        let rows = self
            .store
            .upload_drafts_of(org.as_str(), user, &ids)
            .await?;
        let key = self.data_key().await?;
        let now = self.now_ms();
        Ok(rows
            .into_iter()
            .filter(|d| d.created_at >= now - DRAFT_TTL_MS)
            .map(|d| KeptFile {
                file_name: key.decrypt(&d.file_name_enc).unwrap_or_default(),
                id: d.id,
                material: d.material,
                size: d.size,
            })
            .collect())
    }

    /// Deletes kept upload drafts older than [`DRAFT_TTL_MS`]. Run every minute by `serve`;
    /// audited once per run that deleted any. Returns how many were deleted.
    pub async fn purge_upload_drafts(&self, meta: &RequestMeta) -> Result<u64, ServiceError> {
        let before = self.now_ms() - DRAFT_TTL_MS;
        let audit = self.audit(
            &Actor::console(),
            meta,
            "certificate.drafts_purged",
            "upload_drafts",
        );
        Ok(self.store.purge_upload_drafts(before, audit).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::shown_name;

    #[test]
    fn names_lose_paths_and_control_characters() {
        assert_eq!(shown_name("C:\\相册\\户口本.jpg"), "户口本.jpg");
        assert_eq!(shown_name("/sdcard/DCIM/IMG_1.jpg"), "IMG_1.jpg");
        assert_eq!(shown_name("a\u{0}b\n.png"), "ab.png");
        assert_eq!(shown_name("  "), "未命名文件");
        assert_eq!(shown_name(&"长".repeat(200)).chars().count(), 80);
    }
}
