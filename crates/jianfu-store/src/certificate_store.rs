//! Storage for resident certificates: applications with their materials, the certificates issued
//! and their numbers. Issuing writes the certificate, its number and its seal-log entry in one
//! audited transaction, so a certificate never exists without the seal use that made it.

use crate::AuditDraft;
use crate::seal_store::SealDraft;
use crate::store::Result;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct CertificateApplicationRow {
    pub community_code: String,
    pub id: String,
    pub item_code: String,
    pub item_name: String,
    pub catalog_version: String,
    pub applicant_name: String,
    pub id_number_enc: String,
    pub id_number_last4: String,
    pub phone: String,
    pub household_community: String,
    pub reason: String,
    pub purpose: String,
    pub asking_unit: String,
    pub asking_article: String,
    pub pledged_at: i64,
    pub channel: String,
    pub applicant_user: Option<String>,
    pub entered_by: Option<String>,
    pub status: String,
    pub submitted_at: i64,
    pub due_on: String,
    /// JSON object of template placeholder → value.
    pub facts: String,
    pub verified_by: Option<String>,
    pub verified_at: Option<i64>,
    pub verify_note: Option<String>,
    pub approved_by: Option<String>,
    pub approved_at: Option<i64>,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub refusal_reason: Option<String>,
    pub idempotency_key: Option<String>,
    pub purged_at: Option<i64>,
    pub updated_at: i64,
}

/// One uploaded material with its content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct MaterialRow {
    pub community_code: String,
    pub application_id: String,
    pub seq: i64,
    pub material: String,
    pub kind: String,
    pub size: i64,
    pub sha256: String,
    pub bytes: Vec<u8>,
}

/// A file kept from a refused application form for its owner's next try (issue 10 §2). The
/// bytes and the file name are encrypted with the data key, like materials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct UploadDraftRow {
    pub org_code: String,
    pub id: String,
    pub owner_user_id: String,
    pub material: String,
    pub file_name_enc: String,
    pub kind: String,
    pub size: i64,
    pub bytes: Vec<u8>,
    pub created_at: i64,
}

/// A material's description, without its content (for lists).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct MaterialMeta {
    pub seq: i64,
    pub material: String,
    pub kind: String,
    pub size: i64,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct CertificateRow {
    pub number: String,
    pub community_code: String,
    pub application_id: String,
    pub item_code: String,
    pub title: String,
    pub addressee: String,
    pub body_enc: String,
    pub holder_masked: String,
    pub issued_on: String,
    pub issued_at: i64,
    pub issued_by: String,
    pub approved_by: String,
    pub verify_code_hash: String,
    pub verify_code_enc: String,
    /// The seal log its entry is in: its community's, or `seal` (the legacy district log) for a
    /// certificate issued before logs per community.
    pub seal_log: String,
    pub seal_seq: i64,
    pub status: String,
    pub revoked_at: Option<i64>,
    pub revoked_by: Option<String>,
    pub revoke_reason: Option<String>,
    pub idempotency_key: String,
}

/// Filters for listing applications; the service always sets the field that scopes the reader.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApplicationFilter {
    pub community: Option<String>,
    pub applicant_user: Option<String>,
    /// States, order and page; `overdue` and `Deadline` use the due day (`YYYY-MM-DD`).
    pub list: crate::ListQuery<String>,
}

/// A move of an application from one state to the next, with what the step records. `None`
/// fields are left as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApplicationChange {
    pub from: String,
    pub to: String,
    pub at: i64,
    pub facts: Option<String>,
    pub verified_by: Option<String>,
    pub verify_note: Option<String>,
    pub approved_by: Option<String>,
    pub decided_by: Option<String>,
    pub refusal_reason: Option<String>,
}

/// A certificate to issue. The store allocates the number (it needs the counter inside the
/// transaction) by calling `number_for(seq)` and fills it into the row and the seal entry.
#[derive(Clone)]
pub struct NewCertificate {
    pub row: CertificateRow,
    pub year: i32,
    pub seal: SealDraft,
    pub seal_alg: jianfu_domain::seal::HashAlg,
}

/// What issuing did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IssueOutcome {
    Issued(CertificateRow),
    /// The same idempotency key was seen before for this application: nothing new was written.
    Repeated(CertificateRow),
    /// The application was not `approved` (its current state, or None when it does not exist).
    WrongState(Option<String>),
    /// The idempotency key was already used for another application.
    KeyReused,
}

/// How much personal data a retention run deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurgeCounts {
    pub applications: u64,
    pub materials: u64,
    pub certificates: u64,
}

#[async_trait]
pub trait CertificateStore: Send + Sync + 'static {
    /// Stores an application and its materials with the audit record. A key already used in the
    /// community gives `Conflict`; the service then returns the earlier application.
    async fn insert_certificate_application(
        &self,
        app: &CertificateApplicationRow,
        materials: &[MaterialRow],
        drafts_used: &[String],
        told: &crate::Told,
        audit: AuditDraft,
    ) -> Result<()>;
    /// Keeps files of a refused form for `owner` in `org`: stores `rows`, deletes the owner's
    /// drafts named in `drop` (replaced or removed), then the owner's oldest beyond
    /// `keep_at_most`. One audit record.
    async fn keep_upload_drafts(
        &self,
        org: &str,
        owner: &str,
        rows: &[UploadDraftRow],
        drop: &[String],
        keep_at_most: i64,
        audit: AuditDraft,
    ) -> Result<()>;
    /// The drafts among `ids` that `owner` uploaded in `org`; others' and unknown ids are left
    /// out, so the caller cannot tell them apart.
    async fn upload_drafts_of(
        &self,
        org: &str,
        owner: &str,
        ids: &[String],
    ) -> Result<Vec<UploadDraftRow>>;
    /// Deletes every draft created before `before`; audited once when it deleted any.
    async fn purge_upload_drafts(&self, before: i64, audit: AuditDraft) -> Result<u64>;
    async fn certificate_application(
        &self,
        community: &str,
        id: &str,
    ) -> Result<Option<CertificateApplicationRow>>;
    async fn certificate_application_by_key(
        &self,
        community: &str,
        idempotency_key: &str,
    ) -> Result<Option<CertificateApplicationRow>>;
    /// One page of applications with the filtered total.
    async fn list_certificate_applications(
        &self,
        filter: &ApplicationFilter,
    ) -> Result<crate::Page<CertificateApplicationRow>>;
    /// Up to `limit` materials whose stored bytes do not begin with `magic` (stored in plaintext
    /// before materials were encrypted).
    async fn materials_not_starting_with(
        &self,
        magic: &[u8],
        limit: i64,
    ) -> Result<Vec<MaterialRow>>;
    /// Replaces materials' stored bytes (their encrypted form), with one audit record.
    async fn replace_material_bytes(&self, rows: &[MaterialRow], audit: AuditDraft) -> Result<()>;
    async fn certificate_materials(
        &self,
        community: &str,
        application_id: &str,
    ) -> Result<Vec<MaterialMeta>>;
    async fn certificate_material(
        &self,
        community: &str,
        application_id: &str,
        seq: i64,
    ) -> Result<Option<MaterialRow>>;
    /// Applies `change` only if the application is still in `change.from` and returns the
    /// application as changed (so the answer needs no second read); `None` (nothing written,
    /// nothing audited) otherwise.
    async fn change_certificate_application(
        &self,
        community: &str,
        id: &str,
        change: &ApplicationChange,
        told: &crate::Told,
        audit: AuditDraft,
    ) -> Result<Option<CertificateApplicationRow>>;
    /// Issues an approved application: number, certificate row, seal-log entry, application →
    /// issued, audit record, and the notices `tell` writes about the numbered certificate, one
    /// transaction.
    async fn issue_certificate(
        &self,
        cert: NewCertificate,
        number_for: &(dyn Fn(u64) -> String + Send + Sync),
        tell: &(dyn for<'r> Fn(&'r CertificateRow) -> crate::Told + Send + Sync),
        audit: AuditDraft,
    ) -> Result<IssueOutcome>;
    /// A certificate by its community (the distribution column) and number.
    async fn certificate(&self, community: &str, number: &str) -> Result<Option<CertificateRow>>;
    async fn certificate_for_application(
        &self,
        community: &str,
        application_id: &str,
    ) -> Result<Option<CertificateRow>>;
    /// Newest first.
    async fn list_certificates(&self, community: &str, limit: i64) -> Result<Vec<CertificateRow>>;
    /// Marks a valid certificate revoked (作废), with the notices `told` in the same transaction;
    /// false when it was not valid.
    #[allow(clippy::too_many_arguments)]
    async fn revoke_certificate(
        &self,
        community: &str,
        number: &str,
        by: &str,
        at: i64,
        reason: &str,
        told: &crate::Told,
        audit: AuditDraft,
    ) -> Result<bool>;
    /// Deletes the personal data of applications finished (issued, refused, withdrawn) before
    /// `before`: names, ID numbers, phones, facts, materials and certificate texts. Audited once
    /// with the counts; nothing is written when nothing is due.
    async fn purge_certificate_personal_data(
        &self,
        before: i64,
        at: i64,
        audit: AuditDraft,
    ) -> Result<PurgeCounts>;
}

macro_rules! impl_certificate_store {
    ($store:ident, $db:ty) => {
        mod certificate_sql {
            use super::$store;
            use super::shared_sql::{Batch, begin_audited, commit_audited, commit_audited_batch, reserve_audit, write_audited};
            use $crate::retry::retrying;
            use $crate::store::Result;
            use $crate::{
                ApplicationChange, ApplicationFilter, AuditDraft, CertificateApplicationRow,
                CertificateRow, IssueOutcome, MaterialMeta, MaterialRow, NewCertificate,
                PurgeCounts, StoreError, UploadDraftRow,
            };

            const APP_COLUMNS: &str = "community_code, id, item_code, item_name, \
                catalog_version, applicant_name, id_number_enc, id_number_last4, phone, \
                household_community, reason, purpose, asking_unit, asking_article, pledged_at, \
                channel, applicant_user, entered_by, status, submitted_at, due_on, facts, \
                verified_by, verified_at, verify_note, approved_by, approved_at, decided_by, \
                decided_at, refusal_reason, idempotency_key, purged_at, updated_at";

            const CERT_COLUMNS: &str = "number, community_code, application_id, item_code, \
                title, addressee, body_enc, holder_masked, issued_on, issued_at, issued_by, \
                approved_by, verify_code_hash, verify_code_enc, seal_log, seal_seq, status, \
                revoked_at, revoked_by, revoke_reason, idempotency_key";

            /// Applications whose personal data the retention rule deletes.
            const PURGEABLE: &str = "purged_at IS NULL AND updated_at < $1 \
                AND status IN ('issued', 'refused', 'withdrawn')";

            /// Moves an approved application to issued and takes its community's next certificate
            /// number for `year` (gapless: the counter row is held until the commit); `None`, and
            /// no number taken, if the application is no longer approved. On PostgreSQL one
            /// statement.
            async fn issued_and_numbered(
                tx: &mut sqlx::Transaction<'static, $db>,
                row: &CertificateRow,
                year: i32,
            ) -> Result<Option<i64>> {
                let next_number = "ON CONFLICT (community_code, year) \
                     DO UPDATE SET next_seq = certificate_counters.next_seq + 1 RETURNING next_seq";
                if <$db as $crate::audit_write::Dialect>::DATA_MODIFYING_CTE {
                    let sql = format!(
                        "WITH moved AS (UPDATE certificate_applications \
                         SET status = 'issued', updated_at = $1 \
                         WHERE community_code = $2 AND id = $3 AND status = 'approved' \
                         RETURNING community_code) \
                         INSERT INTO certificate_counters (community_code, year, next_seq) \
                         SELECT community_code, $4, 2 FROM moved {next_number}"
                    );
                    return Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                        .bind(row.issued_at)
                        .bind(&row.community_code)
                        .bind(&row.application_id)
                        .bind(i64::from(year))
                        .fetch_optional(&mut **tx)
                        .await?);
                }
                let moved = sqlx::query(
                    "UPDATE certificate_applications SET status = 'issued', updated_at = $1 \
                     WHERE community_code = $2 AND id = $3 AND status = 'approved'",
                )
                .bind(row.issued_at)
                .bind(&row.community_code)
                .bind(&row.application_id)
                .execute(&mut **tx)
                .await?
                .rows_affected();
                if moved == 0 {
                    return Ok(None);
                }
                let sql = format!(
                    "INSERT INTO certificate_counters (community_code, year, next_seq) \
                     VALUES ($1, $2, 2) {next_number}"
                );
                Ok(Some(
                    sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                        .bind(&row.community_code)
                        .bind(i64::from(year))
                        .fetch_one(&mut **tx)
                        .await?,
                ))
            }

            #[async_trait::async_trait]
            impl $crate::CertificateStore for $store {
                async fn insert_certificate_application(
                    &self,
                    a: &CertificateApplicationRow,
                    materials: &[MaterialRow],
                    drafts_used: &[String],
                    told: &$crate::Told,
                    audit: AuditDraft,
                ) -> Result<()> {
                    let audit = &audit;
                    retrying(move || async move {
                        let audit = audit.clone();
                        let mut batch = Batch::new("证明申请");
                        batch.insert(
                            &format!("INSERT INTO certificate_applications ({APP_COLUMNS}) "),
                            33,
                            [a],
                            |mut b, a| {
                                b.push_bind(&a.community_code)
                                    .push_bind(&a.id)
                                    .push_bind(&a.item_code)
                                    .push_bind(&a.item_name)
                                    .push_bind(&a.catalog_version)
                                    .push_bind(&a.applicant_name)
                                    .push_bind(&a.id_number_enc)
                                    .push_bind(&a.id_number_last4)
                                    .push_bind(&a.phone)
                                    .push_bind(&a.household_community)
                                    .push_bind(&a.reason)
                                    .push_bind(&a.purpose)
                                    .push_bind(&a.asking_unit)
                                    .push_bind(&a.asking_article)
                                    .push_bind(a.pledged_at)
                                    .push_bind(&a.channel)
                                    .push_bind(&a.applicant_user)
                                    .push_bind(&a.entered_by)
                                    .push_bind(&a.status)
                                    .push_bind(a.submitted_at)
                                    .push_bind(&a.due_on)
                                    .push_bind(&a.facts)
                                    .push_bind(&a.verified_by)
                                    .push_bind(a.verified_at)
                                    .push_bind(&a.verify_note)
                                    .push_bind(&a.approved_by)
                                    .push_bind(a.approved_at)
                                    .push_bind(&a.decided_by)
                                    .push_bind(a.decided_at)
                                    .push_bind(&a.refusal_reason)
                                    .push_bind(&a.idempotency_key)
                                    .push_bind(a.purged_at)
                                    .push_bind(a.updated_at);
                            },
                        );
                        batch.insert(
                            "INSERT INTO certificate_materials (community_code, application_id, \
                             seq, material, kind, size, sha256, bytes) ",
                            8,
                            materials,
                            |mut b, m| {
                                b.push_bind(&m.community_code)
                                    .push_bind(&m.application_id)
                                    .push_bind(m.seq)
                                    .push_bind(&m.material)
                                    .push_bind(&m.kind)
                                    .push_bind(m.size)
                                    .push_bind(&m.sha256)
                                    .push_bind(&m.bytes);
                            },
                        );
                        // The kept files just became materials: gone with the same commit.
                        if !drafts_used.is_empty() {
                            let q = batch.write(1 + drafts_used.len());
                            q.push("DELETE FROM upload_drafts WHERE org_code = ")
                                .push_bind(&a.community_code)
                                .push(" AND id IN (");
                            let mut ids = q.separated(", ");
                            for id in drafts_used {
                                ids.push_bind(id);
                            }
                            q.push(")");
                        }
                        super::notice_sql::add_rows(&mut batch, &told.notices);
                        write_audited(self.writer(), batch, told.with_change(audit)).await
                    })
                    .await
                }

                async fn keep_upload_drafts(
                    &self,
                    org: &str,
                    owner: &str,
                    rows: &[UploadDraftRow],
                    drop: &[String],
                    keep_at_most: i64,
                    audit: AuditDraft,
                ) -> Result<()> {
                    let audit = &audit;
                    retrying(move || async move {
                        let audit = audit.clone();
                        let mut tx = begin_audited(self.writer()).await?;
                        // Statements of their own, not a batch: the cap must see the rows just
                        // inserted (a PostgreSQL CTE batch would not).
                        if !rows.is_empty() {
                            let mut q = sqlx::QueryBuilder::<$db>::new(
                                "INSERT INTO upload_drafts (org_code, id, owner_user_id, \
                                 material, file_name_enc, kind, size, bytes, created_at) ",
                            );
                            q.push_values(rows, |mut b, r| {
                                b.push_bind(&r.org_code)
                                    .push_bind(&r.id)
                                    .push_bind(&r.owner_user_id)
                                    .push_bind(&r.material)
                                    .push_bind(&r.file_name_enc)
                                    .push_bind(&r.kind)
                                    .push_bind(r.size)
                                    .push_bind(&r.bytes)
                                    .push_bind(r.created_at);
                            });
                            q.build()
                                .execute(&mut *tx)
                                .await
                                .map_err(|e| StoreError::from_write(e, "暂存的材料文件"))?;
                        }
                        if !drop.is_empty() {
                            let mut q = sqlx::QueryBuilder::<$db>::new(
                                "DELETE FROM upload_drafts WHERE org_code = ",
                            );
                            q.push_bind(org).push(" AND owner_user_id = ").push_bind(owner);
                            q.push(" AND id IN (");
                            let mut ids = q.separated(", ");
                            for id in drop {
                                ids.push_bind(id);
                            }
                            q.push(")");
                            q.build().execute(&mut *tx).await?;
                        }
                        sqlx::query(
                            "DELETE FROM upload_drafts WHERE org_code = $1 AND owner_user_id = $2 \
                             AND id NOT IN (SELECT id FROM upload_drafts WHERE org_code = $1 \
                             AND owner_user_id = $2 ORDER BY created_at DESC, id DESC LIMIT $3)",
                        )
                        .bind(org)
                        .bind(owner)
                        .bind(keep_at_most)
                        .execute(&mut *tx)
                        .await?;
                        commit_audited(tx, audit).await
                    })
                    .await
                }

                async fn upload_drafts_of(
                    &self,
                    org: &str,
                    owner: &str,
                    ids: &[String],
                ) -> Result<Vec<UploadDraftRow>> {
                    if ids.is_empty() {
                        return Ok(vec![]);
                    }
                    let mut q = sqlx::QueryBuilder::new(
                        "SELECT org_code, id, owner_user_id, material, file_name_enc, kind, size, \
                         bytes, created_at FROM upload_drafts WHERE org_code = ",
                    );
                    q.push_bind(org).push(" AND owner_user_id = ").push_bind(owner);
                    q.push(" AND id IN (");
                    let mut sep = q.separated(", ");
                    for id in ids {
                        sep.push_bind(id);
                    }
                    q.push(") ORDER BY created_at, id");
                    Ok(q.build_query_as::<UploadDraftRow>()
                        .fetch_all(&self.pool)
                        .await?)
                }

                async fn purge_upload_drafts(&self, before: i64, audit: AuditDraft) -> Result<u64> {
                    let audit = &audit;
                    retrying(move || async move {
                        let mut audit = audit.clone();
                        let mut tx = begin_audited(self.writer()).await?;
                        let n = sqlx::query("DELETE FROM upload_drafts WHERE created_at < $1")
                            .bind(before)
                            .execute(&mut *tx)
                            .await?
                            .rows_affected();
                        if n == 0 {
                            tx.rollback().await?;
                            return Ok(0);
                        }
                        audit.detail = serde_json::json!({ "drafts": n }).to_string();
                        commit_audited(tx, audit).await?;
                        Ok(n)
                    })
                    .await
                }

                async fn certificate_application(
                    &self,
                    community: &str,
                    id: &str,
                ) -> Result<Option<CertificateApplicationRow>> {
                    let sql = format!(
                        "SELECT {APP_COLUMNS} FROM certificate_applications \
                         WHERE community_code = $1 AND id = $2"
                    );
                    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                        .bind(community)
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await?)
                }

                async fn certificate_application_by_key(
                    &self,
                    community: &str,
                    key: &str,
                ) -> Result<Option<CertificateApplicationRow>> {
                    let sql = format!(
                        "SELECT {APP_COLUMNS} FROM certificate_applications \
                         WHERE community_code = $1 AND idempotency_key = $2"
                    );
                    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                        .bind(community)
                        .bind(key)
                        .fetch_optional(&self.pool)
                        .await?)
                }

                async fn list_certificate_applications(
                    &self,
                    f: &ApplicationFilter,
                ) -> Result<$crate::Page<CertificateApplicationRow>> {
                    use $crate::list_query::status_in;
                    // Unused filters pass NULL, so one statement serves every combination.
                    let mut next = 3 + f.list.statuses.len();
                    let mut filter = format!(
                        "($1 IS NULL OR community_code = $1) \
                         AND ($2 IS NULL OR applicant_user = $2){}",
                        status_in("status", 3, f.list.statuses.len())
                    );
                    if f.list.overdue.is_some() {
                        // ISO days compare correctly as text on both backends.
                        filter.push_str(&format!(" AND due_on < ${next}"));
                        next += 1;
                    }
                    macro_rules! bind_filter {
                        ($q:expr) => {{
                            let mut q = $q.bind(&f.community).bind(&f.applicant_user);
                            for s in &f.list.statuses {
                                q = q.bind(s);
                            }
                            if let Some(day) = &f.list.overdue {
                                q = q.bind(day);
                            }
                            q
                        }};
                    }
                    let count_sql =
                        format!("SELECT COUNT(*) FROM certificate_applications WHERE {filter}");
                    let (total,): (i64,) =
                        bind_filter!(sqlx::query_as(sqlx::AssertSqlSafe(count_sql)))
                            .fetch_one(&self.pool)
                            .await?;
                    let limit = f.list.bound_limit();
                    if limit == 0 || total == 0 {
                        return Ok($crate::Page { rows: Vec::new(), total });
                    }
                    // One of three fixed orders, never text from the request.
                    let order = match f.list.sort {
                        $crate::ListSort::Newest => "submitted_at DESC, id DESC",
                        $crate::ListSort::Oldest => "submitted_at ASC, id ASC",
                        $crate::ListSort::Deadline => "due_on ASC, submitted_at ASC, id ASC",
                    };
                    let sql = format!(
                        "SELECT {APP_COLUMNS} FROM certificate_applications WHERE {filter} \
                         ORDER BY {order} LIMIT ${next} OFFSET ${}",
                        next + 1
                    );
                    let rows = bind_filter!(sqlx::query_as(sqlx::AssertSqlSafe(sql)))
                        .bind(limit)
                        .bind(f.list.bound_offset())
                        .fetch_all(&self.pool)
                        .await?;
                    Ok($crate::Page { rows, total })
                }

                async fn materials_not_starting_with(
                    &self,
                    magic: &[u8],
                    limit: i64,
                ) -> Result<Vec<MaterialRow>> {
                    Ok(sqlx::query_as(
                        "SELECT community_code, application_id, seq, material, kind, size, \
                         sha256, bytes FROM certificate_materials \
                         WHERE substr(bytes, 1, $1) <> $2 \
                         ORDER BY community_code, application_id, seq LIMIT $3",
                    )
                    .bind(magic.len() as i32)
                    .bind(magic)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?)
                }

                async fn replace_material_bytes(
                    &self,
                    rows: &[MaterialRow],
                    audit: AuditDraft,
                ) -> Result<()> {
                    let audit = &audit;
                    retrying(move || async move {
                        let audit = audit.clone();
                        let mut tx = begin_audited(self.writer()).await?;
                        for m in rows {
                            sqlx::query(
                                "UPDATE certificate_materials SET bytes = $1 WHERE community_code = $2 \
                                 AND application_id = $3 AND seq = $4",
                            )
                            .bind(&m.bytes)
                            .bind(&m.community_code)
                            .bind(&m.application_id)
                            .bind(m.seq)
                            .execute(&mut *tx)
                            .await?;
                        }
                        commit_audited(tx, audit).await
                    })
                    .await
                }

                async fn certificate_materials(
                    &self,
                    community: &str,
                    application_id: &str,
                ) -> Result<Vec<MaterialMeta>> {
                    Ok(sqlx::query_as(
                        "SELECT seq, material, kind, size, sha256 FROM certificate_materials \
                         WHERE community_code = $1 AND application_id = $2 ORDER BY seq",
                    )
                    .bind(community)
                    .bind(application_id)
                    .fetch_all(&self.pool)
                    .await?)
                }

                async fn certificate_material(
                    &self,
                    community: &str,
                    application_id: &str,
                    seq: i64,
                ) -> Result<Option<MaterialRow>> {
                    Ok(sqlx::query_as(
                        "SELECT community_code, application_id, seq, material, kind, size, \
                         sha256, bytes FROM certificate_materials \
                         WHERE community_code = $1 AND application_id = $2 AND seq = $3",
                    )
                    .bind(community)
                    .bind(application_id)
                    .bind(seq)
                    .fetch_optional(&self.pool)
                    .await?)
                }

                async fn change_certificate_application(
                    &self,
                    community: &str,
                    id: &str,
                    c: &ApplicationChange,
                    told: &$crate::Told,
                    audit: AuditDraft,
                ) -> Result<Option<CertificateApplicationRow>> {
                    let audit = &audit;
                    let sql = format!(
                        "UPDATE certificate_applications SET status = $1, updated_at = $2, \
                         facts = COALESCE($3, facts), \
                         verified_by = COALESCE($4, verified_by), \
                         verified_at = CASE WHEN $4 IS NULL THEN verified_at ELSE $2 END, \
                         verify_note = COALESCE($5, verify_note), \
                         approved_by = COALESCE($6, approved_by), \
                         approved_at = CASE WHEN $6 IS NULL THEN approved_at ELSE $2 END, \
                         decided_by = COALESCE($7, decided_by), \
                         decided_at = CASE WHEN $7 IS NULL THEN decided_at ELSE $2 END, \
                         refusal_reason = COALESCE($8, refusal_reason) \
                         WHERE community_code = $9 AND id = $10 AND status = $11 \
                         RETURNING {APP_COLUMNS}"
                    );
                    let sql = &sql;
                    retrying(move || async move {
                        let audit = audit.clone();
                        let mut tx = begin_audited(self.writer()).await?;
                        let changed: Option<CertificateApplicationRow> =
                            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                        .bind(&c.to)
                        .bind(c.at)
                        .bind(&c.facts)
                        .bind(&c.verified_by)
                        .bind(&c.verify_note)
                        .bind(&c.approved_by)
                        .bind(&c.decided_by)
                        .bind(&c.refusal_reason)
                        .bind(community)
                        .bind(id)
                        .bind(&c.from)
                        .fetch_optional(&mut *tx)
                        .await?;
                        let Some(changed) = changed else {
                            tx.rollback().await?;
                            return Ok(None);
                        };
                        let mut batch = Batch::new("通知");
                        super::notice_sql::add_rows(&mut batch, &told.notices);
                        commit_audited_batch(tx, batch, told.with_change(audit)).await?;
                        Ok(Some(changed))
                    })
                    .await
                }

                async fn issue_certificate(
                    &self,
                    c: NewCertificate,
                    number_for: &(dyn Fn(u64) -> String + Send + Sync),
                    tell: &(dyn for<'r> Fn(&'r CertificateRow) -> $crate::Told + Send + Sync),
                    audit: AuditDraft,
                ) -> Result<IssueOutcome> {
                    let c = &c;
                    let audit = &audit;
                    retrying(move || async move {
                        let c = c.clone();
                        let mut audit = audit.clone();
                        let mut row = c.row;
                        let mut tx = begin_audited(self.writer()).await?;
                        // The state check comes first: in the common case it is the only guard
                        // needed, and a retry finds the application already issued.
                        let next = issued_and_numbered(&mut tx, &row, c.year).await?;
                        let Some(next) = next else {
                            tx.rollback().await?;
                            return self.explain_not_issued(&row).await;
                        };
                        row.number = number_for((next - 1).max(1) as u64);
                        audit.object = format!("certificate:{}", row.number);
                        // Locks in this order: the community's audit chain head, then its seal
                        // log's head, held for the batch and the commit (no other community's).
                        // The seal log's own number is not in the notices, so they can be
                        // written now.
                        let told = tell(&row);
                        let reserved = reserve_audit(&mut tx, told.with_change(audit)).await?;
                        let mut batch = Batch::new("证明");
                        super::notice_sql::add_rows(&mut batch, &told.notices);
                        let mut seal = c.seal;
                        seal.subject = format!("certificate:{}", row.number);
                        let appended =
                            super::seal_sql::append_to(&mut tx, &mut batch, &seal, c.seal_alg)
                                .await?;
                        row.seal_log = appended.log;
                        row.seal_seq = appended.seq;
                        batch.insert(
                            &format!("INSERT INTO certificates ({CERT_COLUMNS}) "),
                            21,
                            [&row],
                            |mut b, row| {
                                b.push_bind(&row.number)
                                    .push_bind(&row.community_code)
                                    .push_bind(&row.application_id)
                                    .push_bind(&row.item_code)
                                    .push_bind(&row.title)
                                    .push_bind(&row.addressee)
                                    .push_bind(&row.body_enc)
                                    .push_bind(&row.holder_masked)
                                    .push_bind(&row.issued_on)
                                    .push_bind(row.issued_at)
                                    .push_bind(&row.issued_by)
                                    .push_bind(&row.approved_by)
                                    .push_bind(&row.verify_code_hash)
                                    .push_bind(&row.verify_code_enc)
                                    .push_bind(&row.seal_log)
                                    .push_bind(row.seal_seq)
                                    .push_bind(&row.status)
                                    .push_bind(row.revoked_at)
                                    .push_bind(&row.revoked_by)
                                    .push_bind(&row.revoke_reason)
                                    .push_bind(&row.idempotency_key);
                            },
                        );
                        reserved.add_to(&mut batch);
                        match batch.run(&mut tx).await {
                            Ok(()) => {}
                            // The key was used for another application of this community (the
                            // numbers and the seal log cannot collide under their locks).
                            Err(StoreError::Conflict(_)) => {
                                tx.rollback().await?;
                                return Ok(IssueOutcome::KeyReused);
                            }
                            Err(e) => return Err(e),
                        }
                        tx.commit().await?;
                        Ok(IssueOutcome::Issued(row))
                    })
                    .await
                }

                async fn certificate(
                    &self,
                    community: &str,
                    number: &str,
                ) -> Result<Option<CertificateRow>> {
                    let sql = format!(
                        "SELECT {CERT_COLUMNS} FROM certificates \
                         WHERE community_code = $1 AND number = $2"
                    );
                    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                        .bind(community)
                        .bind(number)
                        .fetch_optional(&self.pool)
                        .await?)
                }

                async fn certificate_for_application(
                    &self,
                    community: &str,
                    application_id: &str,
                ) -> Result<Option<CertificateRow>> {
                    let sql = format!(
                        "SELECT {CERT_COLUMNS} FROM certificates \
                         WHERE community_code = $1 AND application_id = $2"
                    );
                    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                        .bind(community)
                        .bind(application_id)
                        .fetch_optional(&self.pool)
                        .await?)
                }

                async fn list_certificates(
                    &self,
                    community: &str,
                    limit: i64,
                ) -> Result<Vec<CertificateRow>> {
                    let sql = format!(
                        "SELECT {CERT_COLUMNS} FROM certificates WHERE community_code = $1 \
                         ORDER BY issued_at DESC, number DESC LIMIT $2"
                    );
                    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                        .bind(community)
                        .bind(if limit <= 0 { 500 } else { limit.min(2000) })
                        .fetch_all(&self.pool)
                        .await?)
                }

                #[allow(clippy::too_many_arguments)]
                async fn revoke_certificate(
                    &self,
                    community: &str,
                    number: &str,
                    by: &str,
                    at: i64,
                    reason: &str,
                    told: &$crate::Told,
                    audit: AuditDraft,
                ) -> Result<bool> {
                    let audit = &audit;
                    retrying(move || async move {
                        let audit = audit.clone();
                        let mut tx = begin_audited(self.writer()).await?;
                        let done = sqlx::query(
                            "UPDATE certificates SET status = 'revoked', revoked_at = $1, \
                             revoked_by = $2, revoke_reason = $3 \
                             WHERE community_code = $4 AND number = $5 AND status = 'valid'",
                        )
                        .bind(at)
                        .bind(by)
                        .bind(reason)
                        .bind(community)
                        .bind(number)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                        if done == 0 {
                            tx.rollback().await?;
                            return Ok(false);
                        }
                        let mut batch = Batch::new("通知");
                        super::notice_sql::add_rows(&mut batch, &told.notices);
                        commit_audited_batch(tx, batch, told.with_change(audit)).await?;
                        Ok(true)
                    })
                    .await
                }

                async fn purge_certificate_personal_data(
                    &self,
                    before: i64,
                    at: i64,
                    audit: AuditDraft,
                ) -> Result<PurgeCounts> {
                    let audit = &audit;
                    retrying(move || async move {
                        let mut audit = audit.clone();
                        let mut tx = begin_audited(self.writer()).await?;
                        let materials = sqlx::query(sqlx::AssertSqlSafe(format!(
                            "DELETE FROM certificate_materials WHERE EXISTS (SELECT 1 FROM \
                             certificate_applications a WHERE a.community_code = \
                             certificate_materials.community_code AND a.id = \
                             certificate_materials.application_id AND {PURGEABLE})"
                        )))
                        .bind(before)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                        let certificates = sqlx::query(sqlx::AssertSqlSafe(format!(
                            "UPDATE certificates SET body_enc = '', revoke_reason = CASE WHEN \
                             revoke_reason IS NULL THEN NULL ELSE '（已按保存期限删除）' END \
                             WHERE body_enc <> '' AND EXISTS \
                             (SELECT 1 FROM certificate_applications a WHERE a.community_code = \
                             certificates.community_code AND a.id = certificates.application_id \
                             AND {PURGEABLE})"
                        )))
                        .bind(before)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                        let applications = sqlx::query(sqlx::AssertSqlSafe(format!(
                            "UPDATE certificate_applications SET applicant_name = '', \
                             id_number_enc = '', phone = '', facts = '{{}}', reason = '', \
                             purpose = '', verify_note = NULL, refusal_reason = CASE WHEN \
                             refusal_reason IS NULL THEN NULL ELSE '（已按保存期限删除）' END, \
                             purged_at = $2 WHERE {PURGEABLE}"
                        )))
                        .bind(before)
                        .bind(at)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                        let counts = PurgeCounts {
                            applications,
                            materials,
                            certificates,
                        };
                        if applications == 0 {
                            tx.rollback().await?;
                            return Ok(counts);
                        }
                        audit.detail = serde_json::to_string(&counts).unwrap_or_default();
                        commit_audited(tx, audit).await?;
                        Ok(counts)
                    })
                    .await
                }
            }

            impl $store {
                /// Why an issue did not happen: a retry of the same request, or a wrong state.
                async fn explain_not_issued(&self, row: &CertificateRow) -> Result<IssueOutcome> {
                    use $crate::CertificateStore;
                    if let Some(done) = self
                        .certificate_for_application(&row.community_code, &row.application_id)
                        .await?
                    {
                        return Ok(if done.idempotency_key == row.idempotency_key {
                            IssueOutcome::Repeated(done)
                        } else {
                            IssueOutcome::WrongState(Some("issued".into()))
                        });
                    }
                    let current = self
                        .certificate_application(&row.community_code, &row.application_id)
                        .await?;
                    Ok(IssueOutcome::WrongState(current.map(|a| a.status)))
                }
            }
        }
    };
}

pub(crate) use impl_certificate_store;
