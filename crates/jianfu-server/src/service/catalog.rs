//! The work and certificate lists (清单) as versions in the database. Reading is public (居务公开、
//! 政务公开); publishing a new version needs `ManageCatalog` (the district approver) and is audited
//! with what changed. Versions are never edited: a change is a new version, and an old request is
//! explained against the version in force on its date.

use super::{Actor, App, RequestMeta, ServiceError};
use jianfu_domain::gate::catalog::{Law, VersionInfo, is_iso_date, version_in_force};
use jianfu_domain::gate::{Catalog, CatalogItem, ItemKind};
use jianfu_domain::permission::Permission;
use jianfu_store::CatalogVersionRow;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, OnceLock, RwLock};

/// The catalog shipped with jianfu (data/catalog), used until a district publishes its own.
pub const SHIPPED_CATALOG: &str = jianfu_domain::gate::shipped::SHIPPED_CATALOG_TOML;

/// How long the list of versions is trusted before it is read again (another server process on
/// the same database may have published).
const VERSIONS_TTL_MS: i64 = 30_000;

fn shipped() -> Result<Arc<Catalog>, ServiceError> {
    static CAT: OnceLock<Result<Arc<Catalog>, String>> = OnceLock::new();
    CAT.get_or_init(|| {
        Catalog::from_toml(SHIPPED_CATALOG)
            .map(Arc::new)
            .map_err(|e| e.to_string())
    })
    .clone()
    .map_err(ServiceError::Internal)
}

/// Cached per database: the version list (briefly) and parsed bodies (for good: versions never
/// change).
#[derive(Default)]
pub struct CatalogCache {
    versions: Option<(i64, Arc<Vec<CatalogVersionRow>>)>,
    bodies: HashMap<String, Arc<Catalog>>,
}

pub fn version_info(r: &CatalogVersionRow) -> VersionInfo {
    VersionInfo {
        id: r.id.clone(),
        title: r.title.clone(),
        document: r.document.clone(),
        effective_from: r.effective_from.clone(),
        effective_to: r.effective_to.clone(),
        notice: r.notice.clone(),
    }
}

/// Where a version stands today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VersionStatus {
    /// 现行: the version in force today.
    Current,
    /// 尚未生效
    Future,
    /// 已被取代或已失效
    Superseded,
}

impl VersionStatus {
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Current => "现行",
            Self::Future => "尚未生效",
            Self::Superseded => "已停止使用",
        }
    }
    pub fn css(self) -> &'static str {
        match self {
            Self::Current => "on",
            Self::Future => "warn",
            Self::Superseded => "off",
        }
    }
}

/// A version with its standing, for lists.
#[derive(Debug, Clone)]
pub struct VersionView {
    pub row: CatalogVersionRow,
    pub status: VersionStatus,
    /// The version published just before it (for "diff against previous").
    pub previous: Option<String>,
}

/// One changed item: before, after and which fields (in Chinese).
#[derive(Debug, Clone)]
pub struct ChangedItem {
    pub old: CatalogItem,
    pub new: CatalogItem,
    pub fields: Vec<&'static str>,
}

/// What changed between two versions.
#[derive(Debug, Clone, Default)]
pub struct CatalogDiff {
    pub added: Vec<CatalogItem>,
    pub removed: Vec<CatalogItem>,
    pub changed: Vec<ChangedItem>,
    pub laws_added: Vec<Law>,
    pub laws_removed: Vec<Law>,
    pub laws_changed: Vec<(Law, Law)>,
}

impl CatalogDiff {
    pub fn between(old: &Catalog, new: &Catalog) -> Self {
        let mut d = CatalogDiff::default();
        for ch in new.diff(old) {
            match ch {
                jianfu_domain::gate::catalog::ItemChange::Added(i) => d.added.push(i),
                jianfu_domain::gate::catalog::ItemChange::Removed(i) => d.removed.push(i),
                jianfu_domain::gate::catalog::ItemChange::Changed { old, new } => {
                    let fields = old.changed_fields(&new);
                    d.changed.push(ChangedItem {
                        old: *old,
                        new: *new,
                        fields,
                    });
                }
            }
        }
        let old_laws: BTreeMap<&str, &Law> = old.laws.iter().map(|l| (l.key.as_str(), l)).collect();
        let new_laws: BTreeMap<&str, &Law> = new.laws.iter().map(|l| (l.key.as_str(), l)).collect();
        for (k, l) in &new_laws {
            match old_laws.get(k) {
                None => d.laws_added.push((*l).clone()),
                Some(o) if o != l => d.laws_changed.push(((*o).clone(), (*l).clone())),
                _ => {}
            }
        }
        for (k, l) in &old_laws {
            if !new_laws.contains_key(k) {
                d.laws_removed.push((*l).clone());
            }
        }
        d
    }
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.removed.is_empty()
            && self.changed.is_empty()
            && self.laws_added.is_empty()
            && self.laws_removed.is_empty()
            && self.laws_changed.is_empty()
    }
}

/// Version ids appear in addresses: letters, digits, `.`, `-`, `_`; at most 64.
fn valid_version_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
}

impl App {
    fn catalog_cache(&self) -> Arc<RwLock<CatalogCache>> {
        self.catalog.clone()
    }

    /// Today's date in Beijing, YYYY-MM-DD.
    pub fn today_beijing(&self) -> String {
        let d = self.today();
        format!("{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day())
    }

    /// Every stored version, oldest publication first.
    pub async fn list_catalog_versions(&self) -> Result<Arc<Vec<CatalogVersionRow>>, ServiceError> {
        let now = self.now_ms();
        let cache = self.catalog_cache();
        if let Some((at, list)) = &cache.read().unwrap_or_else(|e| e.into_inner()).versions
            && now - at < VERSIONS_TTL_MS
            && now >= *at
        {
            return Ok(list.clone());
        }
        let list = Arc::new(self.store.list_catalog_versions().await?);
        cache.write().unwrap_or_else(|e| e.into_inner()).versions = Some((now, list.clone()));
        Ok(list)
    }

    /// The versions with their standing today and their predecessor, newest first.
    pub async fn catalog_version_views(&self) -> Result<Vec<VersionView>, ServiceError> {
        let list = self.list_catalog_versions().await?;
        let today = self.today_beijing();
        let infos: Vec<VersionInfo> = list.iter().map(version_info).collect();
        let current = version_in_force(&infos, &today).map(|v| v.id.clone());
        let mut out: Vec<VersionView> = list
            .iter()
            .enumerate()
            .map(|(i, r)| VersionView {
                status: if current.as_deref() == Some(r.id.as_str()) {
                    VersionStatus::Current
                } else if r.effective_from.as_str() > today.as_str() {
                    VersionStatus::Future
                } else {
                    VersionStatus::Superseded
                },
                previous: i.checked_sub(1).map(|p| list[p].id.clone()),
                row: r.clone(),
            })
            .collect();
        out.reverse();
        Ok(out)
    }

    /// The catalog version in force now (today in Beijing).
    pub async fn current_catalog(&self) -> Result<Arc<Catalog>, ServiceError> {
        let today = self.today_beijing();
        self.catalog_in_force_at(&today).await?.ok_or_else(|| {
            ServiceError::Unavailable(format!(
                "{today} 没有正在施行的社区工作清单版本，请区审批人员发布一个版本"
            ))
        })
    }

    /// The version in force on `date` (YYYY-MM-DD), to explain a request against the lists of its
    /// time. Before any version is stored, the shipped catalog.
    pub async fn catalog_in_force_at(
        &self,
        date: &str,
    ) -> Result<Option<Arc<Catalog>>, ServiceError> {
        let date = date.trim();
        if !is_iso_date(date) {
            return Err(ServiceError::Rejected {
                code: "bad_date",
                message: format!("日期“{date}”有误，应写成 2026-01-01 这样的格式"),
            });
        }
        let list = self.list_catalog_versions().await?;
        if list.is_empty() {
            let c = shipped()?;
            return Ok(c.version.in_force_on(date).then_some(c));
        }
        let infos: Vec<VersionInfo> = list.iter().map(version_info).collect();
        match version_in_force(&infos, date) {
            Some(v) => self.catalog_version(&v.id).await,
            None => Ok(None),
        }
    }

    /// A catalog version by id, for explaining an old decision against the lists of its time.
    pub async fn catalog_version(&self, id: &str) -> Result<Option<Arc<Catalog>>, ServiceError> {
        let cache = self.catalog_cache();
        if let Some(c) = cache
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .bodies
            .get(id)
        {
            return Ok(Some(c.clone()));
        }
        let Some(body) = self.store.catalog_version_body(id).await? else {
            // Before seeding, the shipped catalog is the one in use.
            let c = shipped()?;
            if c.version.id == id && self.list_catalog_versions().await?.is_empty() {
                return Ok(Some(c));
            }
            return Ok(None);
        };
        let c: Catalog = serde_json::from_str(&body)
            .map_err(|e| ServiceError::Internal(format!("stored catalog {id}: {e}")))?;
        let c = Arc::new(c);
        cache
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .bodies
            .insert(id.to_string(), c.clone());
        Ok(Some(c))
    }

    /// A version by id, or `unknown_version` (404).
    pub async fn catalog_version_or_404(&self, id: &str) -> Result<Arc<Catalog>, ServiceError> {
        self.catalog_version(id.trim())
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("清单版本“{}”", id.trim())))
    }

    /// The named version (`Some(id)`, not empty) or the current one.
    pub async fn catalog_or_current(&self, id: Option<&str>) -> Result<Arc<Catalog>, ServiceError> {
        match id.map(str::trim).filter(|s| !s.is_empty()) {
            Some(id) => self.catalog_version_or_404(id).await,
            None => self.current_catalog().await,
        }
    }

    /// Stores the shipped catalog when the database has no version yet. Idempotent.
    pub async fn ensure_catalog(&self, meta: &RequestMeta) -> Result<bool, ServiceError> {
        if !self.store.list_catalog_versions().await?.is_empty() {
            return Ok(false);
        }
        let c = shipped()?;
        let console = Actor::console();
        let mut audit = self.audit(
            &console,
            meta,
            "catalog.seed",
            format!("catalog:{}", c.version.id),
        );
        audit.detail =
            serde_json::json!({"items": c.items.len(), "source": "data/catalog"}).to_string();
        match self.insert_version(&console, &c, audit).await {
            Ok(()) => Ok(true),
            // Another process seeded it first.
            Err(ServiceError::Conflict(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }

    async fn insert_version(
        &self,
        actor: &Actor,
        c: &Catalog,
        audit: jianfu_store::AuditDraft,
    ) -> Result<(), ServiceError> {
        let body = serde_json::to_string(c)
            .map_err(|e| ServiceError::Internal(format!("catalog to JSON: {e}")))?;
        let row = CatalogVersionRow {
            id: c.version.id.clone(),
            title: c.version.title.clone(),
            document: c.version.document.clone(),
            effective_from: c.version.effective_from.clone(),
            effective_to: c.version.effective_to.clone(),
            notice: c.version.notice.clone(),
            created_at: self.now_ms(),
            created_by: actor.username.clone().unwrap_or_default(),
        };
        let result = self.store.insert_catalog_version(&row, &body, audit).await;
        self.catalog_cache()
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .versions = None;
        result.map_err(Into::into)
    }

    /// Checks a new version without storing it and says what it changes against the current one.
    pub async fn preview_catalog_version(
        &self,
        actor: &Actor,
        c: &Catalog,
    ) -> Result<(Arc<Catalog>, CatalogDiff), ServiceError> {
        actor.require(Permission::ManageCatalog)?;
        self.validate_new_version(c).await?;
        let current = self.current_catalog().await?;
        let diff = CatalogDiff::between(&current, c);
        Ok((current, diff))
    }

    /// Publishes a new version (district approver). Audited with counts of what changed.
    pub async fn publish_catalog_version(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        c: &Catalog,
    ) -> Result<CatalogDiff, ServiceError> {
        let (current, diff) = self.preview_catalog_version(actor, c).await?;
        let mut audit = self.audit(
            actor,
            meta,
            "catalog.publish",
            format!("catalog:{}", c.version.id),
        );
        audit.detail = serde_json::json!({
            "against": current.version.id,
            "items": c.items.len(),
            "added": diff.added.len(),
            "removed": diff.removed.len(),
            "changed": diff.changed.len(),
            "effective_from": c.version.effective_from,
            "effective_to": c.version.effective_to,
        })
        .to_string();
        match self.insert_version(actor, c, audit).await {
            Err(ServiceError::Conflict(_)) => Err(duplicate_version(&c.version.id)),
            other => other.map(|()| diff),
        }
    }

    async fn validate_new_version(&self, c: &Catalog) -> Result<(), ServiceError> {
        let v = &c.version;
        let rej = |code: &'static str, message: String| ServiceError::Rejected { code, message };
        if !valid_version_id(&v.id) {
            return Err(rej(
                "bad_version_id",
                format!(
                    "版本编号“{}”不可用：须为 1–64 位英文字母、数字、点、连字符或下划线，例如 daxing-2027.1",
                    v.id
                ),
            ));
        }
        if v.title.trim().is_empty() {
            return Err(rej("missing_title", "请填写清单标题".into()));
        }
        if v.document.trim().is_empty() {
            return Err(rej(
                "missing_document",
                "请填写发布文件（印发本清单的文件名称和文号）".into(),
            ));
        }
        if !is_iso_date(v.effective_from.trim()) {
            return Err(rej(
                "bad_date",
                format!(
                    "生效日期“{}”有误，应写成 2027-01-01 这样的格式",
                    v.effective_from
                ),
            ));
        }
        let to = v.effective_to.trim();
        if !to.is_empty() && !is_iso_date(to) {
            return Err(rej(
                "bad_date",
                format!("失效日期“{to}”有误，应写成 2027-12-31 这样的格式，长期有效请留空"),
            ));
        }
        if !to.is_empty() && to < v.effective_from.trim() {
            return Err(rej(
                "period_reversed",
                format!("失效日期 {to} 早于生效日期 {}", v.effective_from),
            ));
        }
        if c.items.is_empty() {
            return Err(rej("empty_catalog", "清单中没有任何事项".into()));
        }
        if let Some(it) = c.items.iter().find(|i| i.code.trim().is_empty()) {
            return Err(rej("invalid_catalog", format!("事项“{}”没有编码", it.name)));
        }
        c.check()
            .map_err(|e| rej("invalid_catalog", e.to_string()))?;
        if self
            .list_catalog_versions()
            .await?
            .iter()
            .any(|r| r.id == v.id)
            || self.store.catalog_version_body(&v.id).await?.is_some()
        {
            return Err(duplicate_version(&v.id));
        }
        Ok(())
    }
}

fn duplicate_version(id: &str) -> ServiceError {
    ServiceError::Rejected {
        code: "duplicate_version",
        message: format!("版本编号“{id}”已被使用。已发布的版本不能修改，请换一个新的版本编号"),
    }
}

/// Parses a kind filter: empty means all; unknown is `unknown_kind`.
pub fn parse_kind(s: Option<&str>) -> Result<Option<ItemKind>, ServiceError> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(k) => ItemKind::parse(k)
            .map(Some)
            .ok_or_else(|| ServiceError::Rejected {
                code: "unknown_kind",
                message: format!(
                    "未知的清单类别“{k}”，可选：{}",
                    ItemKind::ALL
                        .iter()
                        .map(|k| format!("{}（{}）", k.as_str(), k.label_zh()))
                        .collect::<Vec<_>>()
                        .join("、")
                ),
            }),
    }
}
