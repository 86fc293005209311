//! Storage for jianfu. One interface, [`Store`], with one method per use case; SQLite (the
//! embedded default) and PostgreSQL implement it from the same SQL, each with its own migrations.
//! Every state-changing method takes an [`AuditDraft`] and writes the audit record in the same
//! transaction as the change.

mod assignment_store;
mod audit_scan;
mod audit_write;
mod backend;
pub mod backup;
mod catalog_store;
mod certificate_store;
mod comprehensive_store;
mod credential_store;
mod deliberation_store;
pub mod distribution;
mod error;
mod evaluation_store;
pub mod guards;
mod inventory_store;
mod list_query;
mod mandate_store;
mod model;
mod notice_store;
pub mod portable;
mod postgres;
pub mod retry;
mod scale_store;
mod seal_store;
mod shared_data_store;
mod sqlite;
mod store;
mod survey_store;
mod url;
mod violation_store;
mod volunteer_store;

pub use assignment_store::{
    Admission, AssignmentEvent, AssignmentListed, AssignmentRow, AssignmentScope, AssignmentStore,
    AssignmentTarget, CaseChange, CaseWrite, FundingLine, FundingRow,
};
pub use audit_scan::{AuditPage, AuditScan};
pub use catalog_store::{CatalogStore, CatalogVersionRow};
pub use certificate_store::{
    ApplicationChange, ApplicationFilter, CertificateApplicationRow, CertificateRow,
    CertificateStore, IssueOutcome, MaterialMeta, MaterialRow, NewCertificate, PurgeCounts,
    UploadDraftRow,
};
pub use comprehensive_store::{ComprehensiveStore, CycleRow, NominationRow, ScoreWrite};
pub use credential_store::{CredentialInfo, CredentialStore, SecondFactorRow};
pub use deliberation_store::{
    ActionRow, BallotOutcome, BallotWrite, DelibRequestRow, DeliberationFollowUpStore,
    DeliberationStore, DeliberationTopicStore, HouseholdRow, MeetingRow, MotionResult, MotionRow,
    ProgressRow, RequestTallyRow, TopicRow, VoiceRow,
};
pub use error::StoreError;
pub use evaluation_store::{EvaluationFilter, EvaluationRow, EvaluationStore};
pub use inventory_store::{
    InventoryChange, InventoryCount, InventoryEvidence, InventoryFilter, InventoryGroup,
    InventoryMonths, InventoryRow, InventoryStepRow, InventoryStore,
};
pub use jianfu_domain::audit_chain::AuditRecord;
pub use list_query::{ListQuery, ListSort, Page};
pub use mandate_store::{MandateRow, MandateStore};
pub use model::*;
pub use notice_store::{
    NOTICE_READ, NOTICE_UNREAD, NoticeAudience, NoticeRow, NoticeStore, Subject, Told,
};
pub use scale_store::ScaleStore;
pub use seal_store::{SealAppended, SealCursor, SealDraft, SealEntryRow, SealFilter, SealStore};
pub use shared_data_store::{
    AggregateQuery, AggregateRow, AggregateScope, ChangeRow, ElementRow, ElementWindow,
    EnterOutcome, EntryCount, LedgerRecordRow, ProposedElement, ReportDefinitionRow,
    SharedDataStore, ValueRow, ValueWrite,
};
pub use store::{CoreStore, Store};
pub use survey_store::{
    CodeBatchRow, CodeState, CommunityCounts, SubmitOutcome, SurveyRow, SurveyStore,
    SurveySubmission,
};
pub use url::DatabaseUrl;
pub use violation_store::{
    DepartmentCount, EvidenceMeta, EvidenceRow, ViolationDecision, ViolationFilter, ViolationRow,
    ViolationStore,
};
pub use volunteer_store::{
    ActivityRow, CancelOutcome, EvaluationWrite, HoursWrite, ServiceRecordRow, SignUpOutcome,
    SignupRow, VolunteerCertificateRow, VolunteerRow, VolunteerStore,
};

use std::sync::Arc;

/// Like [`open`], but refuses to create a new SQLite file: for commands that read or change an
/// existing database, where a mistyped path must not quietly yield an empty one.
pub async fn open_existing(url: &DatabaseUrl) -> Result<Arc<dyn Store>, StoreError> {
    if let DatabaseUrl::Sqlite { path } = url
        && !path.exists()
    {
        return Err(StoreError::Missing(path.display().to_string()));
    }
    open(url).await
}

/// Opens the database named by `url` (creating an SQLite file if needed) and applies its
/// migrations.
pub async fn open(url: &DatabaseUrl) -> Result<Arc<dyn Store>, StoreError> {
    let store: Arc<dyn Store> = match url {
        DatabaseUrl::Sqlite { .. } => Arc::new(sqlite::SqliteStore::connect(url).await?),
        DatabaseUrl::Postgres { .. } => Arc::new(postgres::PgStore::connect(url).await?),
    };
    store.migrate().await?;
    Ok(store)
}
