//! Storage for volunteer service (志愿服务, issue 13 三(五)): volunteers, activities, sign-ups with
//! the hours the organiser records, and record certificates. Everything is distributed by the
//! community. A sign-up never takes a place over capacity: it raises the activity's `taken` only
//! `WHERE taken < capacity`, in the same transaction as the sign-up row (UNIQUE per volunteer).

use crate::AuditDraft;
use crate::seal_store::SealDraft;
use crate::store::Result;
use async_trait::async_trait;
use jianfu_domain::seal::HashAlg;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct VolunteerRow {
    pub community_code: String,
    pub id: String,
    pub user_id: Option<String>,
    pub name_enc: String,
    pub name_masked: String,
    pub phone_enc: String,
    pub phone_last4: String,
    pub id_number_enc: String,
    pub id_number_last4: String,
    pub minor: bool,
    pub skills: String,
    pub availability: String,
    pub consent_at: i64,
    pub guardian_name_enc: Option<String>,
    pub guardian_relation: Option<String>,
    pub guardian_consent_at: Option<i64>,
    pub status: String,
    pub registered_by: String,
    pub registered_at: i64,
    pub confirmed_by: Option<String>,
    pub confirmed_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct ActivityRow {
    pub community_code: String,
    pub id: String,
    pub title: String,
    pub place: String,
    pub needs: String,
    pub organiser: String,
    pub source: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub capacity: i64,
    pub taken: i64,
    pub cancelled: bool,
    pub created_by: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct SignupRow {
    pub community_code: String,
    pub activity_id: String,
    pub volunteer_id: String,
    pub signed_up_at: i64,
    pub attended: bool,
    pub minutes: Option<i64>,
    pub recorded_by: Option<String>,
    pub recorded_at: Option<i64>,
    pub recorded_late: bool,
    /// The service-quality evaluation's level key (办法第十条); `None`: not evaluated.
    pub evaluation: Option<String>,
    pub evaluation_remark: String,
    /// Who evaluated (username) and when (ms); `None` when not evaluated.
    pub evaluated_by: Option<String>,
    pub evaluated_at: Option<i64>,
    /// The first evaluation came after the record deadline (办法第十一条).
    pub evaluated_late: bool,
}

/// One line of a volunteer's record: the sign-up with its activity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct ServiceRecordRow {
    pub activity_id: String,
    pub title: String,
    pub place: String,
    pub organiser: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub cancelled: bool,
    pub signed_up_at: i64,
    pub attended: bool,
    pub minutes: Option<i64>,
    pub recorded_at: Option<i64>,
    pub recorded_late: bool,
    pub evaluation: Option<String>,
    pub evaluation_remark: String,
    pub evaluated_by: Option<String>,
    pub evaluated_at: Option<i64>,
    pub evaluated_late: bool,
}

/// The organiser's record of one attendee: what changed of the hours and of the evaluation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HoursWrite {
    pub volunteer_id: String,
    /// Attendance and hours changed: `attended`, `minutes` and who recorded them, when, are written.
    pub record_hours: bool,
    pub attended: bool,
    pub minutes: i64,
    /// `Some`: the evaluation changed (given, changed or cleared); `None`: left as it is.
    pub evaluation: Option<EvaluationWrite>,
}

/// A changed evaluation: `level` `None` clears it (no level, no remark, no evaluator, no date).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvaluationWrite {
    pub level: Option<String>,
    pub remark: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct VolunteerCertificateRow {
    pub community_code: String,
    pub number: String,
    pub volunteer_id: String,
    pub body_enc: String,
    pub holder_masked: String,
    pub total_minutes: i64,
    pub issued_on: String,
    pub issued_at: i64,
    pub issued_by: String,
    pub verify_code_hash: String,
    pub verify_code_enc: String,
    pub seal_log: String,
    pub seal_seq: i64,
}

/// What a sign-up did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignUpOutcome {
    SignedUp,
    /// Every place is taken.
    Full,
    /// This volunteer is signed up already.
    AlreadySignedUp,
    /// Started, ended or cancelled (the caller reads which).
    Closed,
    NotFound,
}

/// What a cancellation did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelOutcome {
    Cancelled,
    NotSignedUp,
    Closed,
}

#[async_trait]
pub trait VolunteerStore: Send + Sync + 'static {
    async fn insert_volunteer(&self, row: &VolunteerRow, audit: AuditDraft) -> Result<()>;
    async fn volunteer(&self, community: &str, id: &str) -> Result<Option<VolunteerRow>>;
    async fn volunteer_of_user(
        &self,
        community: &str,
        user_id: &str,
    ) -> Result<Option<VolunteerRow>>;
    /// Pending first, then by registration, newest first; at most `limit`.
    async fn list_volunteers(&self, community: &str, limit: i64) -> Result<Vec<VolunteerRow>>;
    /// Pending → confirmed; false when it was not pending.
    async fn confirm_volunteer(
        &self,
        community: &str,
        id: &str,
        by: &str,
        at: i64,
        audit: AuditDraft,
    ) -> Result<bool>;
    async fn insert_activity(&self, row: &ActivityRow, audit: AuditDraft) -> Result<()>;
    async fn activity(&self, community: &str, id: &str) -> Result<Option<ActivityRow>>;
    /// Activities ending at or after `ends_after`, by start; at most `limit`.
    async fn list_activities(
        &self,
        community: &str,
        ends_after: i64,
        limit: i64,
    ) -> Result<Vec<ActivityRow>>;
    /// Takes a place atomically: never over capacity, once per volunteer, only before the start.
    async fn sign_up(
        &self,
        community: &str,
        activity_id: &str,
        volunteer_id: &str,
        now: i64,
        audit: AuditDraft,
    ) -> Result<SignUpOutcome>;
    /// Gives the place back, only before the start.
    async fn cancel_signup(
        &self,
        community: &str,
        activity_id: &str,
        volunteer_id: &str,
        now: i64,
        audit: AuditDraft,
    ) -> Result<CancelOutcome>;
    async fn signups_of_activity(
        &self,
        community: &str,
        activity_id: &str,
    ) -> Result<Vec<SignupRow>>;
    /// The volunteer's record, newest activity first.
    async fn service_record(
        &self,
        community: &str,
        volunteer_id: &str,
    ) -> Result<Vec<ServiceRecordRow>>;
    /// Records attendance, hours and evaluations of signed-up volunteers, in one transaction with
    /// one audit record; the number of sign-ups that changed. `late` (past the deadline) marks
    /// only hours recorded and evaluations given for the first time; the caller leaves out what
    /// is unchanged (`record_hours: false`, `evaluation: None`).
    #[allow(clippy::too_many_arguments)]
    async fn record_hours(
        &self,
        community: &str,
        activity_id: &str,
        entries: &[HoursWrite],
        by: &str,
        at: i64,
        late: bool,
        audit: AuditDraft,
    ) -> Result<usize>;
    /// Issues a record certificate: takes the community's next number for `year`, appends the
    /// seal-log entry and writes the certificate, in one transaction. `number_for(seq)` makes
    /// the number.
    async fn issue_volunteer_certificate(
        &self,
        row: VolunteerCertificateRow,
        year: i32,
        seal: SealDraft,
        seal_alg: HashAlg,
        number_for: &(dyn Fn(u64) -> String + Send + Sync),
        audit: AuditDraft,
    ) -> Result<VolunteerCertificateRow>;
    async fn volunteer_certificate(
        &self,
        community: &str,
        number: &str,
    ) -> Result<Option<VolunteerCertificateRow>>;
    async fn volunteer_certificates_of(
        &self,
        community: &str,
        volunteer_id: &str,
    ) -> Result<Vec<VolunteerCertificateRow>>;
}

macro_rules! impl_volunteer_store {
    ($store:ident, $db:ty) => {
        mod volunteer_sql {
            use super::$store;
            use super::shared_sql::{Batch, begin_audited, commit_audited, reserve_audit, write_audited};
            use $crate::retry::retrying;
            use $crate::store::Result;
            use $crate::volunteer_store::{
                ActivityRow, CancelOutcome, HoursWrite, ServiceRecordRow, SignUpOutcome, SignupRow,
                VolunteerCertificateRow, VolunteerRow,
            };
            use $crate::{AuditDraft, SealDraft};
            use jianfu_domain::seal::HashAlg;

            const VOLUNTEER_COLUMNS: &str = "community_code, id, user_id, name_enc, name_masked, \
                phone_enc, phone_last4, id_number_enc, id_number_last4, minor, skills, \
                availability, consent_at, guardian_name_enc, guardian_relation, \
                guardian_consent_at, status, registered_by, registered_at, confirmed_by, \
                confirmed_at";
            const ACTIVITY_COLUMNS: &str = "community_code, id, title, place, needs, organiser, \
                source, starts_at, ends_at, capacity, taken, cancelled, created_by, created_at";
            const SIGNUP_COLUMNS: &str = "community_code, activity_id, volunteer_id, \
                signed_up_at, attended, minutes, recorded_by, recorded_at, recorded_late, \
                evaluation, evaluation_remark, evaluated_by, evaluated_at, evaluated_late";
            const CERT_COLUMNS: &str = "community_code, number, volunteer_id, body_enc, \
                holder_masked, total_minutes, issued_on, issued_at, issued_by, verify_code_hash, \
                verify_code_enc, seal_log, seal_seq";

            #[async_trait::async_trait]
            impl $crate::VolunteerStore for $store {
                async fn insert_volunteer(&self, r: &VolunteerRow, audit: AuditDraft) -> Result<()> {
                    let audit = &audit;
                    retrying(move || async move {
                        let mut batch = Batch::new("志愿者登记");
                        batch.insert(
                            &format!("INSERT INTO volunteers ({VOLUNTEER_COLUMNS}) "),
                            21,
                            [r],
                            |mut b, r| {
                                b.push_bind(&r.community_code)
                                    .push_bind(&r.id)
                                    .push_bind(&r.user_id)
                                    .push_bind(&r.name_enc)
                                    .push_bind(&r.name_masked)
                                    .push_bind(&r.phone_enc)
                                    .push_bind(&r.phone_last4)
                                    .push_bind(&r.id_number_enc)
                                    .push_bind(&r.id_number_last4)
                                    .push_bind(r.minor)
                                    .push_bind(&r.skills)
                                    .push_bind(&r.availability)
                                    .push_bind(r.consent_at)
                                    .push_bind(&r.guardian_name_enc)
                                    .push_bind(&r.guardian_relation)
                                    .push_bind(r.guardian_consent_at)
                                    .push_bind(&r.status)
                                    .push_bind(&r.registered_by)
                                    .push_bind(r.registered_at)
                                    .push_bind(&r.confirmed_by)
                                    .push_bind(r.confirmed_at);
                            },
                        );
                        write_audited(self.writer(), batch, vec![audit.clone()]).await
                    })
                    .await
                }

                async fn volunteer(&self, community: &str, id: &str) -> Result<Option<VolunteerRow>> {
                    let sql = format!(
                        "SELECT {VOLUNTEER_COLUMNS} FROM volunteers WHERE community_code = $1 AND id = $2"
                    );
                    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                        .bind(community)
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await?)
                }

                async fn volunteer_of_user(
                    &self,
                    community: &str,
                    user_id: &str,
                ) -> Result<Option<VolunteerRow>> {
                    let sql = format!(
                        "SELECT {VOLUNTEER_COLUMNS} FROM volunteers WHERE community_code = $1 AND user_id = $2"
                    );
                    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                        .bind(community)
                        .bind(user_id)
                        .fetch_optional(&self.pool)
                        .await?)
                }

                async fn list_volunteers(&self, community: &str, limit: i64) -> Result<Vec<VolunteerRow>> {
                    let sql = format!(
                        "SELECT {VOLUNTEER_COLUMNS} FROM volunteers WHERE community_code = $1 \
                         ORDER BY CASE WHEN status = 'pending' THEN 0 ELSE 1 END, registered_at DESC, id \
                         LIMIT $2"
                    );
                    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                        .bind(community)
                        .bind(limit)
                        .fetch_all(&self.pool)
                        .await?)
                }

                async fn confirm_volunteer(
                    &self,
                    community: &str,
                    id: &str,
                    by: &str,
                    at: i64,
                    audit: AuditDraft,
                ) -> Result<bool> {
                    let audit = &audit;
                    retrying(move || async move {
                        let mut tx = begin_audited(self.writer()).await?;
                        let n = sqlx::query(
                            "UPDATE volunteers SET status = 'confirmed', confirmed_by = $1, confirmed_at = $2 \
                             WHERE community_code = $3 AND id = $4 AND status = 'pending'",
                        )
                        .bind(by)
                        .bind(at)
                        .bind(community)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                        if n == 0 {
                            tx.rollback().await?;
                            return Ok(false);
                        }
                        commit_audited(tx, audit.clone()).await?;
                        Ok(true)
                    })
                    .await
                }

                async fn insert_activity(&self, r: &ActivityRow, audit: AuditDraft) -> Result<()> {
                    let audit = &audit;
                    retrying(move || async move {
                        let mut batch = Batch::new("志愿服务活动");
                        batch.insert(
                            &format!("INSERT INTO volunteer_activities ({ACTIVITY_COLUMNS}) "),
                            14,
                            [r],
                            |mut b, r| {
                                b.push_bind(&r.community_code)
                                    .push_bind(&r.id)
                                    .push_bind(&r.title)
                                    .push_bind(&r.place)
                                    .push_bind(&r.needs)
                                    .push_bind(&r.organiser)
                                    .push_bind(&r.source)
                                    .push_bind(r.starts_at)
                                    .push_bind(r.ends_at)
                                    .push_bind(r.capacity)
                                    .push_bind(r.taken)
                                    .push_bind(r.cancelled)
                                    .push_bind(&r.created_by)
                                    .push_bind(r.created_at);
                            },
                        );
                        write_audited(self.writer(), batch, vec![audit.clone()]).await
                    })
                    .await
                }

                async fn activity(&self, community: &str, id: &str) -> Result<Option<ActivityRow>> {
                    let sql = format!(
                        "SELECT {ACTIVITY_COLUMNS} FROM volunteer_activities WHERE community_code = $1 AND id = $2"
                    );
                    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                        .bind(community)
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await?)
                }

                async fn list_activities(
                    &self,
                    community: &str,
                    ends_after: i64,
                    limit: i64,
                ) -> Result<Vec<ActivityRow>> {
                    let sql = format!(
                        "SELECT {ACTIVITY_COLUMNS} FROM volunteer_activities \
                         WHERE community_code = $1 AND ends_at >= $2 ORDER BY starts_at, id LIMIT $3"
                    );
                    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                        .bind(community)
                        .bind(ends_after)
                        .bind(limit)
                        .fetch_all(&self.pool)
                        .await?)
                }

                async fn sign_up(
                    &self,
                    community: &str,
                    activity_id: &str,
                    volunteer_id: &str,
                    now: i64,
                    audit: AuditDraft,
                ) -> Result<SignUpOutcome> {
                    let audit = &audit;
                    retrying(move || async move {
                        let mut tx = begin_audited(self.writer()).await?;
                        // Once per volunteer: the primary key, without an error (a second
                        // concurrent attempt waits for the first and then inserts nothing).
                        let inserted = sqlx::query(
                            "INSERT INTO volunteer_signups (community_code, activity_id, volunteer_id, \
                             signed_up_at, attended, recorded_late) \
                             SELECT community_code, id, $3, $4, FALSE, FALSE FROM volunteer_activities \
                             WHERE community_code = $1 AND id = $2 \
                             ON CONFLICT (community_code, activity_id, volunteer_id) DO NOTHING",
                        )
                        .bind(community)
                        .bind(activity_id)
                        .bind(volunteer_id)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                        if inserted == 0 {
                            let exists: Option<(i64,)> = sqlx::query_as(
                                "SELECT capacity FROM volunteer_activities WHERE community_code = $1 AND id = $2",
                            )
                            .bind(community)
                            .bind(activity_id)
                            .fetch_optional(&mut *tx)
                            .await?;
                            tx.rollback().await?;
                            return Ok(if exists.is_some() {
                                SignUpOutcome::AlreadySignedUp
                            } else {
                                SignUpOutcome::NotFound
                            });
                        }
                        // The place: the row lock queues concurrent sign-ups, and each re-reads
                        // `taken` before it raises it, so `taken` never passes `capacity`.
                        let took = sqlx::query(
                            "UPDATE volunteer_activities SET taken = taken + 1 \
                             WHERE community_code = $1 AND id = $2 AND NOT cancelled \
                             AND starts_at > $3 AND taken < capacity",
                        )
                        .bind(community)
                        .bind(activity_id)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                        if took == 0 {
                            let open: Option<(i64,)> = sqlx::query_as(
                                "SELECT CAST(CASE WHEN NOT cancelled AND starts_at > $3 THEN 1 ELSE 0 END AS BIGINT) \
                                 FROM volunteer_activities WHERE community_code = $1 AND id = $2",
                            )
                            .bind(community)
                            .bind(activity_id)
                            .bind(now)
                            .fetch_optional(&mut *tx)
                            .await?;
                            tx.rollback().await?;
                            return Ok(match open {
                                Some((1,)) => SignUpOutcome::Full,
                                Some(_) => SignUpOutcome::Closed,
                                None => SignUpOutcome::NotFound,
                            });
                        }
                        commit_audited(tx, audit.clone()).await?;
                        Ok(SignUpOutcome::SignedUp)
                    })
                    .await
                }

                async fn cancel_signup(
                    &self,
                    community: &str,
                    activity_id: &str,
                    volunteer_id: &str,
                    now: i64,
                    audit: AuditDraft,
                ) -> Result<CancelOutcome> {
                    let audit = &audit;
                    retrying(move || async move {
                        let mut tx = begin_audited(self.writer()).await?;
                        let freed = sqlx::query(
                            "UPDATE volunteer_activities SET taken = taken - 1 \
                             WHERE community_code = $1 AND id = $2 AND NOT cancelled \
                             AND starts_at > $3 AND taken > 0 AND EXISTS (SELECT 1 FROM volunteer_signups s \
                             WHERE s.community_code = $1 AND s.activity_id = $2 AND s.volunteer_id = $4)",
                        )
                        .bind(community)
                        .bind(activity_id)
                        .bind(now)
                        .bind(volunteer_id)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                        let deleted = if freed == 0 {
                            0
                        } else {
                            sqlx::query(
                                "DELETE FROM volunteer_signups WHERE community_code = $1 \
                                 AND activity_id = $2 AND volunteer_id = $3",
                            )
                            .bind(community)
                            .bind(activity_id)
                            .bind(volunteer_id)
                            .execute(&mut *tx)
                            .await?
                            .rows_affected()
                        };
                        if deleted == 0 {
                            let signed: Option<(i64,)> = sqlx::query_as(
                                "SELECT signed_up_at FROM volunteer_signups WHERE community_code = $1 \
                                 AND activity_id = $2 AND volunteer_id = $3",
                            )
                            .bind(community)
                            .bind(activity_id)
                            .bind(volunteer_id)
                            .fetch_optional(&mut *tx)
                            .await?;
                            tx.rollback().await?;
                            return Ok(if signed.is_some() {
                                CancelOutcome::Closed
                            } else {
                                CancelOutcome::NotSignedUp
                            });
                        }
                        commit_audited(tx, audit.clone()).await?;
                        Ok(CancelOutcome::Cancelled)
                    })
                    .await
                }

                async fn signups_of_activity(
                    &self,
                    community: &str,
                    activity_id: &str,
                ) -> Result<Vec<SignupRow>> {
                    let sql = format!(
                        "SELECT {SIGNUP_COLUMNS} FROM volunteer_signups \
                         WHERE community_code = $1 AND activity_id = $2 ORDER BY signed_up_at, volunteer_id"
                    );
                    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                        .bind(community)
                        .bind(activity_id)
                        .fetch_all(&self.pool)
                        .await?)
                }

                async fn service_record(
                    &self,
                    community: &str,
                    volunteer_id: &str,
                ) -> Result<Vec<ServiceRecordRow>> {
                    Ok(sqlx::query_as(
                        "SELECT a.id AS activity_id, a.title, a.place, a.organiser, a.starts_at, \
                         a.ends_at, a.cancelled, s.signed_up_at, s.attended, s.minutes, s.recorded_at, \
                         s.recorded_late, s.evaluation, s.evaluation_remark, s.evaluated_by, \
                         s.evaluated_at, s.evaluated_late FROM volunteer_signups s JOIN volunteer_activities a \
                         ON a.community_code = s.community_code AND a.id = s.activity_id \
                         WHERE s.community_code = $1 AND s.volunteer_id = $2 \
                         ORDER BY a.starts_at DESC, a.id",
                    )
                    .bind(community)
                    .bind(volunteer_id)
                    .fetch_all(&self.pool)
                    .await?)
                }

                async fn record_hours(
                    &self,
                    community: &str,
                    activity_id: &str,
                    entries: &[HoursWrite],
                    by: &str,
                    at: i64,
                    late: bool,
                    audit: AuditDraft,
                ) -> Result<usize> {
                    let audit = &audit;
                    retrying(move || async move {
                        let mut tx = begin_audited(self.writer()).await?;
                        let mut written = 0usize;
                        for e in entries {
                            let mut changed = 0u64;
                            if e.record_hours {
                                // Late only for a first record: a correction keeps whether the
                                // record was made in time.
                                changed += sqlx::query(
                                    "UPDATE volunteer_signups SET attended = $1, minutes = $2, \
                                     recorded_by = $3, recorded_at = $4, \
                                     recorded_late = CASE WHEN recorded_at IS NULL THEN $5 ELSE recorded_late END \
                                     WHERE community_code = $6 AND activity_id = $7 AND volunteer_id = $8",
                                )
                                .bind(e.attended)
                                .bind(e.minutes)
                                .bind(by)
                                .bind(at)
                                .bind(late)
                                .bind(community)
                                .bind(activity_id)
                                .bind(&e.volunteer_id)
                                .execute(&mut *tx)
                                .await?
                                .rows_affected();
                            }
                            match &e.evaluation {
                                None => {}
                                // Given or changed: the evaluator and the date are the latest;
                                // late only for a first evaluation, as for the hours.
                                Some(ev) if ev.level.is_some() => {
                                    changed += sqlx::query(
                                        "UPDATE volunteer_signups SET evaluation = $1, evaluation_remark = $2, \
                                         evaluated_by = $3, evaluated_at = $4, \
                                         evaluated_late = CASE WHEN evaluated_at IS NULL THEN $5 ELSE evaluated_late END \
                                         WHERE community_code = $6 AND activity_id = $7 AND volunteer_id = $8",
                                    )
                                    .bind(&ev.level)
                                    .bind(&ev.remark)
                                    .bind(by)
                                    .bind(at)
                                    .bind(late)
                                    .bind(community)
                                    .bind(activity_id)
                                    .bind(&e.volunteer_id)
                                    .execute(&mut *tx)
                                    .await?
                                    .rows_affected();
                                }
                                // Cleared: nothing of it stays.
                                Some(_) => {
                                    changed += sqlx::query(
                                        "UPDATE volunteer_signups SET evaluation = NULL, evaluation_remark = '', \
                                         evaluated_by = NULL, evaluated_at = NULL, evaluated_late = FALSE \
                                         WHERE community_code = $1 AND activity_id = $2 AND volunteer_id = $3",
                                    )
                                    .bind(community)
                                    .bind(activity_id)
                                    .bind(&e.volunteer_id)
                                    .execute(&mut *tx)
                                    .await?
                                    .rows_affected();
                                }
                            }
                            if changed > 0 {
                                written += 1;
                            }
                        }
                        commit_audited(tx, audit.clone()).await?;
                        Ok(written)
                    })
                    .await
                }

                async fn issue_volunteer_certificate(
                    &self,
                    row: VolunteerCertificateRow,
                    year: i32,
                    seal: SealDraft,
                    seal_alg: HashAlg,
                    number_for: &(dyn Fn(u64) -> String + Send + Sync),
                    audit: AuditDraft,
                ) -> Result<VolunteerCertificateRow> {
                    let (row, seal, audit) = (&row, &seal, &audit);
                    retrying(move || async move {
                        let mut row = row.clone();
                        let mut audit = audit.clone();
                        let mut tx = begin_audited(self.writer()).await?;
                        // Gapless per community and year: the counter row is held to the commit.
                        let next: i64 = sqlx::query_scalar(
                            "INSERT INTO volunteer_certificate_counters (community_code, year, next_seq) \
                             VALUES ($1, $2, 2) ON CONFLICT (community_code, year) \
                             DO UPDATE SET next_seq = volunteer_certificate_counters.next_seq + 1 \
                             RETURNING next_seq",
                        )
                        .bind(&row.community_code)
                        .bind(i64::from(year))
                        .fetch_one(&mut *tx)
                        .await?;
                        row.number = number_for((next - 1).max(1) as u64);
                        audit.object = format!("volunteer_certificate:{}/{}", row.community_code, row.number);
                        // Locks: the community's audit chain head, then its seal log's head.
                        let reserved = reserve_audit(&mut tx, vec![audit]).await?;
                        let mut batch = Batch::new("志愿服务记录证明");
                        let mut seal = seal.clone();
                        seal.subject = format!("volunteer_certificate:{}", row.number);
                        let appended =
                            super::seal_sql::append_to(&mut tx, &mut batch, &seal, seal_alg).await?;
                        row.seal_log = appended.log;
                        row.seal_seq = appended.seq;
                        batch.insert(
                            &format!("INSERT INTO volunteer_certificates ({CERT_COLUMNS}) "),
                            13,
                            [&row],
                            |mut b, r| {
                                b.push_bind(&r.community_code)
                                    .push_bind(&r.number)
                                    .push_bind(&r.volunteer_id)
                                    .push_bind(&r.body_enc)
                                    .push_bind(&r.holder_masked)
                                    .push_bind(r.total_minutes)
                                    .push_bind(&r.issued_on)
                                    .push_bind(r.issued_at)
                                    .push_bind(&r.issued_by)
                                    .push_bind(&r.verify_code_hash)
                                    .push_bind(&r.verify_code_enc)
                                    .push_bind(&r.seal_log)
                                    .push_bind(r.seal_seq);
                            },
                        );
                        reserved.add_to(&mut batch);
                        batch.run(&mut tx).await?;
                        tx.commit().await?;
                        Ok(row)
                    })
                    .await
                }

                async fn volunteer_certificate(
                    &self,
                    community: &str,
                    number: &str,
                ) -> Result<Option<VolunteerCertificateRow>> {
                    let sql = format!(
                        "SELECT {CERT_COLUMNS} FROM volunteer_certificates WHERE community_code = $1 AND number = $2"
                    );
                    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                        .bind(community)
                        .bind(number)
                        .fetch_optional(&self.pool)
                        .await?)
                }

                async fn volunteer_certificates_of(
                    &self,
                    community: &str,
                    volunteer_id: &str,
                ) -> Result<Vec<VolunteerCertificateRow>> {
                    let sql = format!(
                        "SELECT {CERT_COLUMNS} FROM volunteer_certificates \
                         WHERE community_code = $1 AND volunteer_id = $2 ORDER BY issued_at DESC, number"
                    );
                    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                        .bind(community)
                        .bind(volunteer_id)
                        .fetch_all(&self.pool)
                        .await?)
                }
            }
        }
    };
}

pub(crate) use impl_volunteer_store;
