//! In-app notices (站内通知): a department told of a report against it, supervisors told of a
//! missed approval deadline, a resident told that his certificate is issued. A notice is
//! addressed to an organisation: to it as a whole, to the holders of one role there, or to one
//! person (account) there. Who reads which is the domain's rule (`notice::reads_notice`); the
//! queries here take the reader's [`NoticeAudience`] so a reader is only handed what he reads.
//! Read state is per person (`notice_reads`).

use crate::AuditDraft;
use crate::store::Result;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct NoticeRow {
    pub org_code: String,
    pub id: String,
    /// Only holders of this role in the organisation see it; `None`: everyone there.
    pub role: Option<String>,
    /// Only this account sees it (its id); takes precedence over `role`.
    pub user_id: Option<String>,
    pub kind: String,
    pub title: String,
    pub body: String,
    /// A local path to the thing the notice is about.
    pub link: String,
    /// What the notice is about, as [`Subject`] writes it (`None`: nothing to look up).
    pub subject: Option<String>,
    /// For a notice that asks for action: the subject's state then. Once the subject has left
    /// it, the notice is handled.
    pub awaits: Option<String>,
    pub created_at: i64,
    /// When the reader read it (from `notice_reads`; in `notices` itself only for notices read
    /// before read state was kept per person, which stay read for everyone). Always `None` when
    /// a notice is written.
    pub read_at: Option<i64>,
}

/// What a notice is about, in the three tables whose state a notice may wait for. Written into
/// `notices.subject` as `assignment:<department>/<id>` and so on (the audit log's spelling).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Subject {
    Assignment { department: String, id: String },
    Violation { community: String, id: String },
    CertificateApplication { community: String, id: String },
}

impl Subject {
    pub fn parse(s: &str) -> Option<Self> {
        let (kind, rest) = s.split_once(':')?;
        let (org, id) = rest.split_once('/')?;
        let (org, id) = (org.to_string(), id.to_string());
        Some(match kind {
            "assignment" => Self::Assignment {
                department: org,
                id,
            },
            "violation" => Self::Violation { community: org, id },
            "certificate_application" => Self::CertificateApplication { community: org, id },
            _ => return None,
        })
    }
}

impl std::fmt::Display for Subject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Assignment { department, id } => write!(f, "assignment:{department}/{id}"),
            Self::Violation { community, id } => write!(f, "violation:{community}/{id}"),
            Self::CertificateApplication { community, id } => {
                write!(f, "certificate_application:{community}/{id}")
            }
        }
    }
}

/// The notices of an organisation one reader reads (built from the domain's
/// `notice::Audience`): his own, the organisation's (if he works there), his roles'.
#[derive(Debug, Clone, Default)]
pub struct NoticeAudience {
    /// The reader's account id (empty: none).
    pub user_id: String,
    pub organisation: bool,
    pub roles: Vec<String>,
}

/// Notices that go out with a change, written in the change's own transaction, each with its
/// audit record (one transaction fewer per notice, and no change without its notices).
#[derive(Debug, Clone, Default)]
pub struct Told {
    pub notices: Vec<NoticeRow>,
    pub audits: Vec<AuditDraft>,
}

impl Told {
    /// The change's own audit record first, then the notices'.
    pub fn with_change(&self, change: AuditDraft) -> Vec<AuditDraft> {
        std::iter::once(change)
            .chain(self.audits.iter().cloned())
            .collect()
    }

    /// These notices ask for action on `subject` while it is in the state `awaits`.
    pub fn awaiting(mut self, subject: &Subject, awaits: &str) -> Self {
        for n in &mut self.notices {
            n.subject = Some(subject.to_string());
            n.awaits = Some(awaits.to_string());
        }
        self
    }

    /// These notices are about `subject` (nothing to wait for).
    pub fn about(mut self, subject: &Subject) -> Self {
        for n in &mut self.notices {
            n.subject = Some(subject.to_string());
        }
        self
    }

    /// Both sets of notices, written together.
    pub fn and(mut self, other: Told) -> Self {
        self.notices.extend(other.notices);
        self.audits.extend(other.audits);
        self
    }
}

/// The read states a notice list filters on (for its reader; a notice has no state of its own).
pub const NOTICE_UNREAD: &str = "unread";
pub const NOTICE_READ: &str = "read";

#[async_trait]
pub trait NoticeStore: Send + Sync + 'static {
    /// Sends notices (one event told to several organisations), each with its audit record, in
    /// one transaction.
    async fn insert_notices(&self, told: &Told) -> Result<()>;
    /// One page of the notices of an organisation that `audience` reads, with the reader's own
    /// read state, and how many there are. `query.statuses`: [`NOTICE_UNREAD`] or
    /// [`NOTICE_READ`] keeps only those (for this reader); sorted by time (newest or oldest
    /// first). Other people's personal notices are not loaded.
    async fn notices_for(
        &self,
        org_code: &str,
        audience: &NoticeAudience,
        query: &crate::ListQuery,
    ) -> Result<crate::Page<NoticeRow>>;
    /// One notice as stored (its `read_at` is the legacy column, not anyone's read state).
    async fn notice(&self, org_code: &str, id: &str) -> Result<Option<NoticeRow>>;
    /// Marks a notice read for one person (not audited: activity, not business state).
    async fn mark_notice_read(
        &self,
        org_code: &str,
        id: &str,
        user_id: &str,
        at: i64,
    ) -> Result<()>;
    /// Marks read, for the audience's reader, every notice of the organisation he reads; returns
    /// how many were unread.
    async fn mark_all_notices_read(
        &self,
        org_code: &str,
        audience: &NoticeAudience,
        at: i64,
    ) -> Result<u64>;
    /// The current state of each subject that still exists.
    async fn subject_states(&self, subjects: &[Subject]) -> Result<HashMap<Subject, String>>;
}

macro_rules! impl_notice_store {
    ($store:ident, $db:ty) => {
        mod notice_sql {
            use super::$store;
            use super::shared_sql::{Batch, write_audited};
            use std::collections::HashMap;
            use $crate::retry::retrying;
            use $crate::store::Result;
            use $crate::{NoticeAudience, NoticeRow, Subject};

            /// Notices written with the caller's other writes (see `Batch`).
            pub(crate) fn add_rows(batch: &mut Batch, notices: &[NoticeRow]) {
                batch.insert(
                    "INSERT INTO notices (org_code, id, role, user_id, kind, title, body, link, \
                     subject, awaits, created_at, read_at) ",
                    12,
                    notices,
                    |mut b, n| {
                        b.push_bind(n.org_code.clone())
                            .push_bind(n.id.clone())
                            .push_bind(n.role.clone())
                            .push_bind(n.user_id.clone())
                            .push_bind(n.kind.clone())
                            .push_bind(n.title.clone())
                            .push_bind(n.body.clone())
                            .push_bind(n.link.clone())
                            .push_bind(n.subject.clone())
                            .push_bind(n.awaits.clone())
                            .push_bind(n.created_at)
                            .push_bind(n.read_at);
                    },
                );
            }

            /// `n.org_code = … AND (the addressees the audience reads)`.
            fn push_audience(
                q: &mut sqlx::QueryBuilder<$db>,
                org_code: &str,
                a: &NoticeAudience,
            ) {
                q.push("n.org_code = ").push_bind(org_code).push(" AND (FALSE");
                if !a.user_id.is_empty() {
                    q.push(" OR n.user_id = ").push_bind(a.user_id.as_str());
                }
                if a.organisation {
                    q.push(" OR (n.user_id IS NULL AND n.role IS NULL)");
                }
                if !a.roles.is_empty() {
                    q.push(" OR (n.user_id IS NULL AND n.role IN (");
                    let mut sep = q.separated(", ");
                    for r in &a.roles {
                        sep.push_bind(r.as_str());
                    }
                    q.push("))");
                }
                q.push(")");
            }

            #[async_trait::async_trait]
            impl $crate::NoticeStore for $store {
                async fn insert_notices(&self, told: &$crate::Told) -> Result<()> {
                    if told.notices.is_empty() {
                        return Ok(());
                    }
                    retrying(move || async move {
                        let mut batch = Batch::new("通知");
                        add_rows(&mut batch, &told.notices);
                        write_audited(self.writer(), batch, told.audits.clone()).await
                    })
                    .await
                }

                async fn notices_for(
                    &self,
                    org_code: &str,
                    audience: &NoticeAudience,
                    query: &$crate::ListQuery,
                ) -> Result<$crate::Page<NoticeRow>> {
                    // Read state is the reader's own row in notice_reads (or the legacy column).
                    let read = "COALESCE(r.read_at, n.read_at)";
                    let from = |q: &mut sqlx::QueryBuilder<$db>| {
                        q.push(
                            " FROM notices n LEFT JOIN notice_reads r ON r.org_code = n.org_code \
                             AND r.notice_id = n.id AND r.user_id = ",
                        );
                        q.push_bind(audience.user_id.clone()).push(" WHERE ");
                        push_audience(q, org_code, audience);
                        let unread = query.statuses.iter().any(|s| s == $crate::NOTICE_UNREAD);
                        let seen = query.statuses.iter().any(|s| s == $crate::NOTICE_READ);
                        match (unread, seen) {
                            (true, false) => q.push(format!(" AND {read} IS NULL")),
                            (false, true) => q.push(format!(" AND {read} IS NOT NULL")),
                            _ => q,
                        };
                    };
                    let mut count = sqlx::QueryBuilder::<$db>::new("SELECT COUNT(*)");
                    from(&mut count);
                    let (total,): (i64,) = count.build_query_as().fetch_one(&self.pool).await?;
                    let limit = query.bound_limit();
                    if limit == 0 || total == 0 {
                        return Ok($crate::Page { rows: Vec::new(), total });
                    }
                    let mut q = sqlx::QueryBuilder::<$db>::new(format!(
                        "SELECT n.org_code, n.id, n.role, n.user_id, n.kind, n.title, n.body, \
                         n.link, n.subject, n.awaits, n.created_at, {read} AS read_at"
                    ));
                    from(&mut q);
                    q.push(match query.sort {
                        $crate::ListSort::Oldest => " ORDER BY n.created_at, n.id",
                        _ => " ORDER BY n.created_at DESC, n.id DESC",
                    });
                    q.push(" LIMIT ")
                        .push_bind(limit)
                        .push(" OFFSET ")
                        .push_bind(query.bound_offset());
                    let rows = q.build_query_as().fetch_all(&self.pool).await?;
                    Ok($crate::Page { rows, total })
                }

                async fn notice(&self, org_code: &str, id: &str) -> Result<Option<NoticeRow>> {
                    Ok(sqlx::query_as(
                        "SELECT org_code, id, role, user_id, kind, title, body, link, subject, \
                         awaits, created_at, read_at FROM notices WHERE org_code = $1 AND id = $2",
                    )
                    .bind(org_code)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?)
                }

                async fn mark_notice_read(
                    &self,
                    org_code: &str,
                    id: &str,
                    user_id: &str,
                    at: i64,
                ) -> Result<()> {
                    sqlx::query(
                        "INSERT INTO notice_reads (org_code, notice_id, user_id, read_at) \
                         VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (org_code, notice_id, user_id) DO NOTHING",
                    )
                    .bind(org_code)
                    .bind(id)
                    .bind(user_id)
                    .bind(at)
                    .execute(self.writer())
                    .await?;
                    Ok(())
                }

                async fn mark_all_notices_read(
                    &self,
                    org_code: &str,
                    audience: &NoticeAudience,
                    at: i64,
                ) -> Result<u64> {
                    if audience.user_id.is_empty() {
                        return Ok(0);
                    }
                    let mut q = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO notice_reads (org_code, notice_id, user_id, read_at) \
                         SELECT n.org_code, n.id, ",
                    );
                    q.push_bind(audience.user_id.as_str())
                        .push(", ")
                        .push_bind(at)
                        .push(" FROM notices n WHERE ");
                    push_audience(&mut q, org_code, audience);
                    q.push(
                        " AND n.read_at IS NULL AND NOT EXISTS (SELECT 1 FROM notice_reads r \
                         WHERE r.org_code = n.org_code AND r.notice_id = n.id AND r.user_id = ",
                    )
                    .push_bind(audience.user_id.as_str())
                    .push(") ON CONFLICT (org_code, notice_id, user_id) DO NOTHING");
                    Ok(q.build().execute(self.writer()).await?.rows_affected())
                }

                async fn subject_states(
                    &self,
                    subjects: &[Subject],
                ) -> Result<HashMap<Subject, String>> {
                    // One query per table, whatever the number of notices shown.
                    let mut out = HashMap::new();
                    let tables: [(&str, &str, fn(&Subject) -> Option<(&str, &str)>, fn(String, String) -> Subject); 3] = [
                        (
                            "assignments",
                            "department_code",
                            |s| match s {
                                Subject::Assignment { department, id } => Some((department, id)),
                                _ => None,
                            },
                            |department, id| Subject::Assignment { department, id },
                        ),
                        (
                            "violation_reports",
                            "community_code",
                            |s| match s {
                                Subject::Violation { community, id } => Some((community, id)),
                                _ => None,
                            },
                            |community, id| Subject::Violation { community, id },
                        ),
                        (
                            "certificate_applications",
                            "community_code",
                            |s| match s {
                                Subject::CertificateApplication { community, id } => {
                                    Some((community, id))
                                }
                                _ => None,
                            },
                            |community, id| Subject::CertificateApplication { community, id },
                        ),
                    ];
                    for (table, org_col, pick, make) in tables {
                        let keys: Vec<(&str, &str)> = subjects.iter().filter_map(pick).collect();
                        for page in keys.chunks(200) {
                            let mut q = sqlx::QueryBuilder::<$db>::new(format!(
                                "SELECT {org_col}, id, status FROM {table} WHERE FALSE"
                            ));
                            for (org, id) in page {
                                q.push(format!(" OR ({org_col} = "))
                                    .push_bind(*org)
                                    .push(" AND id = ")
                                    .push_bind(*id)
                                    .push(")");
                            }
                            let rows: Vec<(String, String, String)> =
                                q.build_query_as().fetch_all(&self.pool).await?;
                            out.extend(rows.into_iter().map(|(o, i, s)| (make(o, i), s)));
                        }
                    }
                    Ok(out)
                }
            }
        }
    };
}

pub(crate) use impl_notice_store;
