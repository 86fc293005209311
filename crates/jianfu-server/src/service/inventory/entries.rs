//! Recording entries and reading them.

use super::{EntryDetail, EntryView, Readers, not_found, own_community, rejected, step_view, view};
use crate::service::listing::{ListKind, Listing, Paged, read_page};
use crate::service::notices::Recipient;
use crate::service::{Actor, App, RequestMeta, ServiceError};
use jianfu_domain::gate::{BurdenKind, CheckInPurpose, RankingMeasure};
use jianfu_domain::inventory::entry::check_facts;
use jianfu_domain::inventory::status::{format_day, parse_day};
use jianfu_domain::inventory::{Details, EntryFacts, InventoryError, ReportFrequency, Status};
use jianfu_domain::org::OrgTree;
use jianfu_domain::permission::Permission;
use jianfu_domain::{OrgCode, OrgKind};
use jianfu_store::{AssignmentScope, InventoryFilter, InventoryRow, InventoryStepRow, ListQuery};
use serde::Serialize;

/// An entry as typed (form, API or a workbook row). Codes or Chinese names are accepted where a
/// list is offered; empty optional fields mean "not given".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(default)]
pub struct EntryInput {
    pub kind: String,
    pub title: String,
    /// Org code or name of the department or street that placed it.
    pub owner: String,
    pub law_basis: String,
    pub mandate_document: String,
    /// `YYYY-MM-DD`; empty: today.
    pub found_on: String,
    pub frequency: String,
    pub field_count: String,
    pub check_in: String,
    pub ranking: String,
    pub screenshots: bool,
    pub one_vote_veto: bool,
    pub note: String,
}

fn bad(code: &'static str, message: String) -> ServiceError {
    ServiceError::Rejected { code, message }
}

/// Codes, numbers and dates as typed on a Chinese keyboard (１２３ → 123); names keep what was typed.
pub(crate) use jianfu_domain::text::half_width_text as half_width;

fn kind_of(raw: &str) -> Result<BurdenKind, ServiceError> {
    let t = raw.trim();
    BurdenKind::parse(t)
        .or_else(|| BurdenKind::ALL.into_iter().find(|k| k.label_zh() == t))
        .ok_or_else(|| {
            bad(
                "unknown_burden_kind",
                format!(
                    "类型“{t}”无法识别，可选：{}",
                    BurdenKind::ALL.map(|k| k.label_zh()).join("、")
                ),
            )
        })
}

/// May `org` have placed burdens in `community`: any district department, and the community's
/// own street or town (another street has nothing to answer for there).
pub(crate) fn may_own(
    org: &jianfu_domain::Org,
    community: Option<&OrgCode>,
    tree: &OrgTree,
) -> bool {
    match org.kind {
        OrgKind::Department => true,
        OrgKind::Street | OrgKind::Town => {
            community.is_none_or(|c| tree.get(c).and_then(|c| c.parent.as_ref()) == Some(&org.code))
        }
        _ => false,
    }
}

/// The department, street or town that placed it, by code or by name; for a community, a
/// street or town must be its own.
pub(crate) fn owner_of(
    raw: &str,
    community: Option<&OrgCode>,
    tree: &OrgTree,
) -> Result<OrgCode, ServiceError> {
    let t = raw.trim();
    let code = half_width(t);
    tree.all()
        .iter()
        .filter(|o| may_own(o, community, tree))
        .find(|o| o.code.as_str() == code || o.name == t)
        .map(|o| o.code.clone())
        .ok_or_else(|| {
            bad(
                "unknown_owner",
                if t.is_empty() {
                    "请选择放到社区的区级部门或街道（镇）。".to_string()
                } else {
                    format!(
                        "主管单位“{t}”不是区级部门或本社区所属的街道（镇），请写机构代码或全称。"
                    )
                },
            )
        })
}

fn choice<T>(
    raw: &str,
    parse: impl Fn(&str) -> Option<T>,
    all: &str,
    field: &str,
) -> Result<Option<T>, ServiceError> {
    let t = raw.trim();
    if t.is_empty() {
        return Ok(None);
    }
    parse(t).map(Some).ok_or_else(|| {
        bad(
            "invalid_choice",
            format!("{field}“{t}”无法识别，可选：{all}"),
        )
    })
}

/// Parses what was typed into checked facts and the day it was found.
pub(crate) fn parse_entry(
    input: &EntryInput,
    community: &OrgCode,
    tree: &OrgTree,
    today: time::Date,
) -> Result<(EntryFacts, String), ServiceError> {
    let kind = kind_of(&input.kind)?;
    let owner = owner_of(&input.owner, Some(community), tree)?;
    let frequency = choice(
        &input.frequency,
        ReportFrequency::parse,
        &ReportFrequency::ALL.map(|f| f.label_zh()).join("、"),
        "报表频次",
    )?;
    let check_in = choice(
        &input.check_in,
        |s| {
            CheckInPurpose::parse(s).or_else(|| {
                CheckInPurpose::ALL
                    .into_iter()
                    .find(|p| p.label_zh().starts_with(s))
            })
        },
        &CheckInPurpose::ALL.map(|p| p.label_zh()).join("、"),
        "打卡用途",
    )?;
    let ranking = choice(
        &input.ranking,
        |s| {
            RankingMeasure::parse(s)
                .or_else(|| RankingMeasure::ALL.into_iter().find(|m| m.label_zh() == s))
        },
        &RankingMeasure::ALL.map(|m| m.label_zh()).join("、"),
        "排名依据",
    )?;
    let count = half_width(&input.field_count);
    let field_count = if count.is_empty() {
        None
    } else {
        Some(count.parse::<u32>().map_err(|_| {
            bad(
                "invalid_field_count",
                format!("报表字段数“{}”不是整数。", input.field_count.trim()),
            )
        })?)
    };
    let facts = check_facts(EntryFacts {
        kind,
        title: input.title.clone(),
        owner: owner.to_string(),
        law_basis: input.law_basis.clone(),
        mandate_document: Some(input.mandate_document.clone()),
        details: Details {
            frequency,
            field_count,
            check_in,
            ranking,
            screenshots: input.screenshots,
            one_vote_veto: input.one_vote_veto,
        },
    })
    .map_err(rejected)?;
    let found_on = if input.found_on.trim().is_empty() {
        format_day(today)
    } else {
        let d = parse_day(&input.found_on)
            .ok_or_else(|| rejected(InventoryError::BadDate(input.found_on.trim().into())))?;
        if d > today {
            return Err(rejected(InventoryError::FutureDate(format_day(d))));
        }
        format_day(d)
    };
    Ok((facts, found_on))
}

/// The first row and step of a new entry.
pub(crate) fn new_entry(
    community: &str,
    facts: &EntryFacts,
    found_on: String,
    note: String,
    actor: &Actor,
    now: i64,
) -> (InventoryRow, InventoryStepRow) {
    let id = uuid::Uuid::now_v7().to_string();
    let user = actor.username.clone().unwrap_or_default();
    let row = InventoryRow {
        community_code: community.to_string(),
        id: id.clone(),
        kind: facts.kind.as_str().into(),
        title: facts.title.clone(),
        owner_code: facts.owner.clone(),
        law_basis: facts.law_basis.clone(),
        mandate_document: facts.mandate_document.clone(),
        details: serde_json::to_string(&facts.details).unwrap_or_else(|_| "{}".into()),
        status: Status::Found.as_str().into(),
        found_on: found_on.clone(),
        cleared_on: None,
        steps: 1,
        confirmed_steps: 0,
        recorded_by: user.clone(),
        recorded_at: now,
        updated_at: now,
    };
    let step = InventoryStepRow {
        community_code: community.to_string(),
        entry_id: id,
        seq: 1,
        action: "record".into(),
        status: Status::Found.as_str().into(),
        note,
        on_date: Some(found_on),
        by_user: user,
        by_org: community.to_string(),
        at: now,
        confirmed_by: None,
        confirmed_at: None,
    };
    (row, step)
}

/// Work admitted through the gate that a community carries, with its access number.
#[derive(Debug, Clone, Serialize)]
pub struct GateWork {
    pub access_number: String,
    pub title: String,
    pub department_name: String,
    pub valid_to: Option<String>,
    pub path: String,
}

impl App {
    /// A community worker records something a department or street placed in the community.
    /// The owner is told, so it can answer.
    pub async fn record_inventory(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        input: &EntryInput,
    ) -> Result<EntryView, ServiceError> {
        actor.require(Permission::RecordInventory)?;
        let tree = self.org_tree().await?;
        let community = own_community(actor, &tree)?;
        let (facts, found_on) = parse_entry(input, &community, &tree, self.today())?;
        let note = crate::service::text_field::paragraph(&input.note, 2000, "说明")?;
        let (row, step) = new_entry(
            community.as_str(),
            &facts,
            found_on,
            note,
            actor,
            self.now_ms(),
        );
        let mut a = self.audit(
            actor,
            meta,
            "inventory.record",
            format!("inventory:{}/{}", row.community_code, row.id),
        );
        a.detail = serde_json::json!({"kind": row.kind, "owner": row.owner_code}).to_string();
        let told = self.told(
            actor,
            meta,
            &[Recipient::organisation(row.owner_code.clone())],
            "inventory_recorded",
            &format!("社区负担台账：{}", row.title),
            &format!(
                "{}在负担台账中登记了贵单位放到社区的{}“{}”。请查看，有法律法规或上级文件依据的请答复并写明依据。",
                tree.name_or_code(community.as_str()),
                facts.kind.label_zh(),
                row.title
            ),
            &format!("/inventory/{}/{}", row.community_code, row.id),
        );
        self.store
            .insert_inventory(
                std::slice::from_ref(&row),
                std::slice::from_ref(&step),
                &told,
                a,
            )
            .await?;
        let mandates = self.mandates_in_force(&self.today_beijing()).await?;
        view(row, &tree, &mandates)
    }

    /// Entries the actor may read: a community its own, a street its communities', a department
    /// those it placed, the district all. `owner` and `kind` narrow the list.
    pub async fn inventory(
        &self,
        actor: &Actor,
        listing: &Listing,
        owner: Option<&str>,
        kind: Option<&str>,
        unconfirmed: bool,
    ) -> Result<Paged<EntryView>, ServiceError> {
        actor.require(Permission::ViewInventory)?;
        let tree = self.org_tree().await?;
        let readers = Readers::of(actor, &tree)?;
        let list = listing.query(ListKind::Inventory, || ())?;
        let owner = owner
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|d| owner_of(d, None, &tree).map(|c| c.to_string()))
            .transpose()?;
        let kind = kind
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|k| kind_of(k).map(|k| k.as_str().to_string()))
            .transpose()?;
        let filter = match &readers {
            Readers::All => InventoryFilter {
                communities: None,
                owner,
                kind,
                unconfirmed,
                list,
            },
            Readers::Communities(c) => InventoryFilter {
                communities: Some(c.clone()),
                owner,
                kind,
                unconfirmed,
                list,
            },
            // A department's own code wins over any filter it sends.
            Readers::Owner(o) => InventoryFilter {
                communities: None,
                owner: Some(o.clone()),
                kind,
                unconfirmed,
                list,
            },
        };
        let page = read_page(filter.list.clone(), listing, |list| {
            let filter = InventoryFilter {
                list,
                ..filter.clone()
            };
            async move { self.store.list_inventory(&filter).await }
        })
        .await?;
        let mandates = self.mandates_in_force(&self.today_beijing()).await?;
        let mut items = Vec::with_capacity(page.items.len());
        for r in page.items.into_iter().filter(|r| readers.may_read(r)) {
            items.push(view(r, &tree, &mandates)?);
        }
        Ok(Paged {
            items,
            total: page.total,
            page: page.page,
            per_page: page.per_page,
        })
    }

    /// Loads an entry the actor may read; out of scope looks like missing.
    pub(crate) async fn readable_entry(
        &self,
        actor: &Actor,
        community: &str,
        id: &str,
    ) -> Result<(InventoryRow, std::sync::Arc<OrgTree>), ServiceError> {
        actor.require(Permission::ViewInventory)?;
        let tree = self.org_tree().await?;
        let readers = Readers::of(actor, &tree)?;
        let community = OrgCode::parse(community).map_err(|_| not_found())?;
        let row = self
            .store
            .inventory_entry(community.as_str(), id)
            .await?
            .filter(|r| readers.may_read(r))
            .ok_or_else(not_found)?;
        Ok((row, tree))
    }

    pub async fn inventory_entry(
        &self,
        actor: &Actor,
        community: &str,
        id: &str,
    ) -> Result<EntryDetail, ServiceError> {
        let (row, tree) = self.readable_entry(actor, community, id).await?;
        let steps = self
            .store
            .inventory_steps(&row.community_code, &row.id)
            .await?;
        let evidence = self
            .store
            .inventory_evidence_list(&row.community_code, &row.id)
            .await?;
        let history = steps
            .into_iter()
            .map(|s| step_view(s, &tree, &evidence))
            .collect();
        let own = actor.org.as_ref().map(|o| o.as_str());
        let may_record =
            actor.may(Permission::RecordInventory) && own == Some(row.community_code.as_str());
        let may_confirm = actor.may(Permission::ConfirmInventory)
            && actor.org.as_ref().is_some_and(|street| {
                OrgCode::parse(&row.community_code)
                    .is_ok_and(|c| tree.is_within(&c, street) && &c != street)
            });
        let may_answer =
            actor.may(Permission::AnswerInventory) && own == Some(row.owner_code.as_str());
        let mandates = self.mandates_in_force(&self.today_beijing()).await?;
        Ok(EntryDetail {
            entry: view(row, &tree, &mandates)?,
            history,
            may_record,
            may_confirm,
            may_answer,
        })
    }

    /// One evidence file, for readers of the entry.
    pub async fn inventory_evidence(
        &self,
        actor: &Actor,
        community: &str,
        id: &str,
        seq: i64,
    ) -> Result<(jianfu_domain::violation::EvidenceKind, Vec<u8>), ServiceError> {
        let (row, _) = self.readable_entry(actor, community, id).await?;
        let e = self
            .store
            .inventory_evidence(&row.community_code, &row.id, seq)
            .await?
            .ok_or_else(|| ServiceError::NotFound("该证据材料不存在".into()))?;
        let kind = jianfu_domain::violation::EvidenceKind::parse(&e.kind)
            .ok_or_else(|| ServiceError::Internal(format!("evidence kind {}", e.kind)))?;
        Ok((kind, e.bytes))
    }

    /// Work in force in a community that came through the gate: it is in the inventory by
    /// itself, with its access number, so the community sees in one place all it carries.
    pub async fn gate_work(
        &self,
        actor: &Actor,
        community: &str,
    ) -> Result<Vec<GateWork>, ServiceError> {
        actor.require(Permission::ViewInventory)?;
        let tree = self.org_tree().await?;
        let code = OrgCode::parse(community).map_err(|_| not_found())?;
        if !actor.scope().can_read_records_of(&code, &tree) {
            return Err(not_found());
        }
        let query = ListQuery::<i64> {
            statuses: vec!["admitted".into(), "approved".into()],
            limit: 2000,
            ..ListQuery::default()
        };
        let page = self
            .store
            .list_assignments(&AssignmentScope::CommunityInForce(code.to_string()), &query)
            .await?;
        Ok(page
            .rows
            .into_iter()
            .filter_map(|l| {
                let c = l.case;
                Some(GateWork {
                    access_number: c.access_number.clone()?,
                    path: format!("/assignments/{}/{}", c.department_code, c.id),
                    department_name: tree.name_or_code(&c.department_code),
                    title: c.title,
                    valid_to: c.valid_to,
                })
            })
            .collect())
    }

    /// The owners an entry of the actor's community may name: the district's departments and
    /// the community's own street or town.
    pub async fn inventory_owners(
        &self,
        actor: &Actor,
    ) -> Result<Vec<jianfu_domain::Org>, ServiceError> {
        let tree = self.org_tree().await?;
        let community = actor.org.clone();
        let mut v: Vec<_> = tree
            .all()
            .iter()
            .filter(|o| may_own(o, community.as_ref(), &tree))
            .cloned()
            .collect();
        v.sort_by_key(|o| (o.kind != OrgKind::Department, o.code.clone()));
        Ok(v)
    }
}
