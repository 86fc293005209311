//! The element register in force, and a department's proposal of a new element. A new element
//! is a new data-collection burden (三(二), 三(六)), so the proposal is submitted to the access
//! gate as a request with a 信息采集 burden naming the field; the element is in force once the
//! district has approved that request (its state is read, never copied).

use crate::service::assignments::{
    BurdenInput, CommunitiesInput, FundingInput, PeriodInput, RequestInput,
};
use crate::service::{Actor, App, RequestMeta, ServiceError, text_field};
use jianfu_domain::permission::Permission;
use jianfu_domain::shared_data::element::{DataElement, shipped};
use jianfu_domain::shared_data::similarity::{Overlap, Similar, overlap};
use jianfu_domain::shared_data::value::parse_value;
use jianfu_domain::shared_data::{Aggregation, ElementRegistry, PeriodType, ValueType};
use jianfu_store::{ElementRow, ProposedElement};
use serde::{Deserialize, Serialize};

/// The register in force at start: `<data_dir>/shared_data/elements.toml` when the district has
/// put its own there (a versioned data file like the shipped one), else the shipped register. A
/// file that does not read is reported and the shipped register is used.
pub fn load_register(data_dir: &std::path::Path) -> ElementRegistry {
    let path = data_dir.join("shared_data").join("elements.toml");
    match std::fs::read_to_string(&path) {
        Ok(text) => match ElementRegistry::from_toml(&text) {
            Ok(r) => r,
            Err(e) => {
                tracing::error!("共享数据元登记 {} 有误，改用内置登记：{e}", path.display());
                shipped()
            }
        },
        Err(_) => shipped(),
    }
}

/// Gate states in which a proposed element may be demanded.
const IN_FORCE: [&str; 2] = ["admitted", "approved"];

fn element_of(r: &ElementRow) -> Option<DataElement> {
    Some(DataElement {
        code: r.code.clone(),
        name: r.name.clone(),
        definition: r.definition.clone(),
        unit: r.unit.clone(),
        value_type: ValueType::parse(&r.value_type)?,
        scale: r.scale.max(0) as u32,
        period: PeriodType::parse(&r.period_type)?,
        aggregation: Aggregation::parse(&r.aggregation)?,
        owner: r.owner.clone(),
        legal_basis: r.legal_basis.clone(),
        min: r.min_value,
        max: r.max_value,
        rules: Vec::new(),
    })
}

/// One element as the register page and the API show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ElementView {
    pub code: String,
    pub name: String,
    pub definition: String,
    pub unit: String,
    /// `count` 整数计数、`decimal` 数值。
    pub value_type: String,
    pub scale: u32,
    /// `monthly`、`quarterly`、`yearly`。
    pub period: String,
    /// `stock` 存量、`flow` 流量。
    pub aggregation: String,
    /// 主管部门机构代码及名称。
    pub owner: String,
    pub owner_name: String,
    pub legal_basis: String,
    /// `in_force` 在用；`pending_approval` 待区级审批；`refused` 未准入（含撤回、撤销）。
    pub status: String,
    /// 新增数据元的准入申请（部门代码/编号）。
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignment: Option<String>,
    /// 登记时标出的相近数据元，供审批人判断是否重复。
    pub similar: Vec<SimilarView>,
    /// 一致性规则，如“不能大于 常住人口数”。
    pub rules: Vec<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SimilarView {
    pub code: String,
    pub name: String,
    pub percent: u32,
}

/// An element's consistency rules as a reader sees them: 不能大于“常住人口数”.
pub(crate) fn rules_of(e: &DataElement, reg: &ElementRegistry) -> Vec<String> {
    e.rules
        .iter()
        .map(|r| {
            let other = reg
                .get(&r.other)
                .map_or(r.other.as_str(), |o| o.name.as_str());
            r.relation.describe(other)
        })
        .collect()
}

fn view(e: &DataElement, reg: &ElementRegistry, tree: &jianfu_domain::org::OrgTree) -> ElementView {
    ElementView {
        code: e.code.clone(),
        name: e.name.clone(),
        definition: e.definition.clone(),
        unit: e.unit.clone(),
        value_type: e.value_type.as_str().into(),
        scale: e.scale,
        period: e.period.as_str().into(),
        aggregation: e.aggregation.as_str().into(),
        owner: e.owner.clone(),
        owner_name: tree.name_or_code(&e.owner),
        legal_basis: e.legal_basis.clone(),
        status: "in_force".into(),
        assignment: None,
        similar: Vec::new(),
        rules: rules_of(e, reg),
    }
}

/// A department's new element, as typed.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ElementInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub definition: String,
    #[serde(default)]
    pub unit: String,
    /// `count` 或 `decimal`。
    #[serde(default)]
    pub value_type: String,
    /// 小数位数（`decimal`，0–4）。
    #[serde(default)]
    pub scale: u32,
    /// `monthly`、`quarterly`、`yearly`。
    #[serde(default)]
    pub period: String,
    /// `stock` 或 `flow`。
    #[serde(default)]
    pub aggregation: String,
    /// 取值下限、上限（按单位填写，可空）。
    #[serde(default)]
    pub min: String,
    #[serde(default)]
    pub max: String,
    /// 法律依据，如 `《中华人民共和国统计法》第七条`（准入申请的依据）。
    #[serde(default)]
    pub legal_basis: String,
    /// 为什么现有数据元不够用（写进准入申请）。
    #[serde(default)]
    pub reason: String,
    /// 给每个社区的经费（元）及来源（费随事转）。
    #[serde(default)]
    pub amount_yuan: String,
    #[serde(default)]
    pub channel: String,
}

/// What a proposal came to.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProposalOutcome {
    pub code: String,
    /// 准入申请：部门代码/编号。
    pub assignment: String,
    /// 准入申请的状态：`pending_approval` 待区级审批、`refused` 不予准入。
    pub status: String,
    pub similar: Vec<SimilarView>,
}

fn similar_view(s: &Similar) -> SimilarView {
    SimilarView {
        code: s.code.clone(),
        name: s.name.clone(),
        percent: s.percent,
    }
}

impl App {
    /// The register in force: the shipped file plus proposals the gate admitted.
    pub async fn shared_elements(&self) -> Result<ElementRegistry, ServiceError> {
        let proposed = self.store.proposed_elements().await?;
        Ok(self.element_register.with(
            proposed
                .iter()
                .filter(|p| {
                    p.assignment_status
                        .as_deref()
                        .is_some_and(|s| IN_FORCE.contains(&s))
                })
                .filter_map(|p| element_of(&p.element)),
        ))
    }

    /// Every element, in force or proposed, for the register page (any staff member).
    pub async fn element_views(&self, actor: &Actor) -> Result<Vec<ElementView>, ServiceError> {
        actor.require(Permission::ViewSharedData)?;
        let tree = self.org_tree().await?;
        let reg = self.shared_elements().await?;
        let mut out: Vec<ElementView> = self
            .element_register
            .elements
            .iter()
            .map(|e| view(e, &reg, &tree))
            .collect();
        let proposed: Vec<ProposedElement> = self.store.proposed_elements().await?;
        for p in &proposed {
            let Some(e) = element_of(&p.element) else {
                continue;
            };
            let mut v = view(&e, &reg, &tree);
            v.status = match p.assignment_status.as_deref() {
                Some(s) if IN_FORCE.contains(&s) => "in_force",
                Some("pending_approval" | "submitted") => "pending_approval",
                _ => "refused",
            }
            .into();
            v.assignment = p.element.assignment_id.as_ref().map(|id| {
                format!(
                    "{}/{id}",
                    p.element.assignment_department.clone().unwrap_or_default()
                )
            });
            v.similar = serde_json::from_str::<Vec<Similar>>(&p.element.similar_json)
                .unwrap_or_default()
                .iter()
                .map(similar_view)
                .collect();
            out.push(v);
        }
        Ok(out)
    }

    /// A department proposes a new element: refused if it duplicates one (same name in other
    /// words); otherwise submitted to the gate as a data-collection burden, with similar
    /// elements flagged for the approver. Nothing can demand it until the district approves.
    pub async fn propose_element(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        input: &ElementInput,
    ) -> Result<ProposalOutcome, ServiceError> {
        actor.require(Permission::DefineReports)?;
        let department = actor.org.clone().ok_or(ServiceError::Forbidden)?;
        let name = text_field::line(&input.name, 40, "数据元名称")?;
        if name.is_empty() {
            return Err(ServiceError::rejected(
                "element_name_required",
                "请填写数据元名称。".into(),
            ));
        }
        let definition = text_field::paragraph(&input.definition, 500, "定义")?;
        if definition.chars().count() < 8 {
            return Err(ServiceError::rejected(
                "element_definition_required",
                "请写清定义（至少 8 个字）：统计谁、截至何时、含不含什么，社区才能填得一致。"
                    .into(),
            ));
        }
        let unit = text_field::line(&input.unit, 10, "单位")?;
        if unit.is_empty() {
            return Err(ServiceError::rejected(
                "element_unit_required",
                "请填写单位，如 人、户、个。".into(),
            ));
        }
        let value_type = ValueType::parse(&input.value_type).ok_or_else(|| {
            ServiceError::rejected(
                "invalid_value_type",
                "类型只能是 count（整数计数）或 decimal（数值）。".into(),
            )
        })?;
        let scale = if value_type == ValueType::Decimal {
            input.scale.min(4)
        } else {
            0
        };
        let period = PeriodType::parse(&input.period).ok_or_else(|| {
            ServiceError::rejected(
                "invalid_period_type",
                "统计期只能是 monthly（按月）、quarterly（按季度）或 yearly（按年）。".into(),
            )
        })?;
        let aggregation = Aggregation::parse(&input.aggregation).ok_or_else(|| {
            ServiceError::rejected(
                "invalid_aggregation",
                "跨期汇总方式只能是 stock（存量）或 flow（流量）。".into(),
            )
        })?;
        let bound = |t: &str, what: &str| -> Result<Option<i64>, ServiceError> {
            if t.trim().is_empty() {
                return Ok(None);
            }
            parse_value(t, value_type, scale)
                .map(Some)
                .map_err(|e| ServiceError::rejected("invalid_range", format!("{what}：{e}")))
        };
        let (min, max) = (bound(&input.min, "下限")?, bound(&input.max, "上限")?);
        if let (Some(lo), Some(hi)) = (min, max)
            && lo > hi
        {
            return Err(ServiceError::rejected(
                "invalid_range",
                "下限大于上限。".into(),
            ));
        }
        let legal_basis = text_field::line(&input.legal_basis, 200, "法律依据")?;
        let reason = text_field::paragraph(&input.reason, 1000, "理由")?;
        let registry = self.shared_elements().await?;
        let similar = match overlap(&registry, &name, &definition) {
            Overlap::Duplicate(s) => {
                return Err(ServiceError::rejected(
                    "element_duplicate",
                    format!(
                        "“{name}”与已有的共享数据元“{}”（{}）是同一项：请直接在报表里用它，不要让社区再填一遍。",
                        s.name, s.code
                    ),
                ));
            }
            Overlap::Flagged(f) => f,
        };
        // Also against proposals still waiting: two departments asking for the same new field.
        let pending: Vec<DataElement> = self
            .store
            .proposed_elements()
            .await?
            .iter()
            .filter(|p| {
                matches!(
                    p.assignment_status.as_deref(),
                    Some("pending_approval" | "submitted")
                )
            })
            .filter_map(|p| element_of(&p.element))
            .collect();
        let waiting = ElementRegistry {
            version: String::new(),
            effective: String::new(),
            elements: pending,
        };
        if let Overlap::Duplicate(s) = overlap(&waiting, &name, &definition) {
            return Err(ServiceError::rejected(
                "element_duplicate",
                format!(
                    "“{name}”与正在审批的新增数据元“{}”（{}）是同一项，请等待其审批结果。",
                    s.name, s.code
                ),
            ));
        }
        let code = format!("SX{}", &crate::service::short_id()?[..6]);
        let flagged = if similar.is_empty() {
            String::new()
        } else {
            format!(
                "（系统标出相近的已有数据元：{}，请审批人核对是否重复。）",
                similar
                    .iter()
                    .map(|s| format!("{}（{}，相似度 {}%）", s.name, s.code, s.percent))
                    .collect::<Vec<_>>()
                    .join("、")
            )
        };
        let today = jianfu_domain::assignment::working_days::format_date(self.today());
        // A standing collection: the case runs five calendar years (it expires like any admitted
        // work, and the element with it; the department asks again to go on collecting).
        let year_end = format!("{}-12-31", self.today().year() + 4);
        let request = RequestInput {
            department: department.to_string(),
            item_code: None,
            title: format!("新增共享数据元：{name}"),
            description: Some(format!(
                "请社区按{}填报“{name}”（{unit}）：{definition}{}{flagged}",
                period.label_zh(),
                if reason.is_empty() {
                    String::new()
                } else {
                    format!("理由：{reason}")
                }
            )),
            legal_basis: if legal_basis.is_empty() {
                vec![]
            } else {
                vec![legal_basis.clone()]
            },
            community_role: "assist".into(),
            communities: CommunitiesInput::All("all".into()),
            period: PeriodInput {
                from: today,
                to: year_end,
            },
            funding: (!input.amount_yuan.trim().is_empty() || !input.channel.trim().is_empty())
                .then(|| FundingInput {
                    amount_yuan: serde_json::Value::String(input.amount_yuan.trim().to_string()),
                    channel: input.channel.clone(),
                }),
            burdens: vec![BurdenInput {
                kind: "data_collection".into(),
                title: name.clone(),
                mandate_document: None,
                mandate: None,
                one_vote_veto: false,
                measure: None,
                purpose: None,
                fields: vec![code.clone()],
            }],
            authority: Some(format!(
                "社区按{}在平台填报该数据元一次，各部门从共享数据取用",
                period.label_zh()
            )),
            basis_names_community: false,
        };
        let submitted = self.submit_assignment(actor, meta, &request).await?;
        if submitted.status == "refused" {
            return Err(ServiceError::rejected(
                "element_refused",
                format!(
                    "准入检查不予准入，申请已存为“不予准入”（{}/{}），理由和要修改之处见该准入事项页；改好后可以重新申请。",
                    submitted.department, submitted.id
                ),
            ));
        }
        let row = ElementRow {
            code: code.clone(),
            name,
            definition,
            unit,
            value_type: value_type.as_str().into(),
            scale: scale as i32,
            period_type: period.as_str().into(),
            aggregation: aggregation.as_str().into(),
            min_value: min,
            max_value: max,
            owner: department.to_string(),
            legal_basis,
            similar_json: serde_json::to_string(&similar).unwrap_or_else(|_| "[]".into()),
            assignment_department: Some(submitted.department.clone()),
            assignment_id: Some(submitted.id.clone()),
            proposed_by: actor.username.clone().unwrap_or_default(),
            proposed_at: self.now_ms(),
        };
        let mut audit = self.audit(
            actor,
            meta,
            "shared_data.propose_element",
            format!("element:{code}"),
        );
        audit.detail = serde_json::json!({
            "assignment": format!("{}/{}", submitted.department, submitted.id),
            "similar": similar.iter().map(|s| &s.code).collect::<Vec<_>>(),
        })
        .to_string();
        self.store.propose_element(&row, audit).await?;
        Ok(ProposalOutcome {
            code,
            assignment: format!("{}/{}", submitted.department, submitted.id),
            status: submitted.status,
            similar: similar.iter().map(similar_view).collect(),
        })
    }
}
