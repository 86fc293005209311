//! A department's request as it arrives (API JSON and the web form both produce a
//! [`RequestInput`]) and its parsing at the edge into the gate's [`GateRequest`]: every bad input
//! gets its own stable code and a Chinese message naming the field, and nothing typed is lost
//! (the page re-renders the input). The gate itself judges nothing here.

use super::{Actor, ServiceError, text_field};
use jianfu_domain::assignment::working_days::{format_date, parse_date};
use jianfu_domain::assignment::{self as case, AmountError};
use jianfu_domain::gate::citation::LegalCitation;
use jianfu_domain::gate::{
    Burden, BurdenKind, Catalog, CheckInPurpose, CommunityRole, Funding, GateRequest, ItemKind,
    RankingMeasure, RequesterLevel,
};
use jianfu_domain::org::OrgTree;
use jianfu_domain::scope::Scope;
use jianfu_domain::{Org, OrgCode, OrgKind};
use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::ToSchema;

/// 一份准入申请，与 `POST /api/v1/gate/evaluate` 的请求体相同。
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestInput {
    /// 申请单位的机构代码（区级部门或街道），须为调用者本人所在单位，例如 `110115-MZJ`。
    #[serde(default)]
    pub department: String,
    /// 清单事项编码（如 `A03`）；清单外事项填 `null`。
    #[serde(default)]
    pub item_code: Option<String>,
    /// 工作事项名称。系统会对名称做文本甄别，不以标题为准。
    #[serde(default)]
    pub title: String,
    /// 工作内容说明（可选，最多 2000 字）。与名称一样接受文本甄别。
    #[serde(default)]
    pub description: Option<String>,
    /// 法律依据（可选），每条写明法律名称和条款，例如 `《中华人民共和国禁毒法》第十七条`。
    /// 清单外事项不论有无法律依据都须经区级审批；写了的，审批人核对。
    #[serde(default)]
    pub legal_basis: Vec<String>,
    /// 社区角色：`assist`（协助）或 `responsible`（责任主体）。
    #[serde(default)]
    pub community_role: String,
    /// 目标社区的机构代码列表，或字符串 `"all"`（本单位可下达的全部社区）。
    #[serde(default)]
    pub communities: CommunitiesInput,
    /// 工作期限。
    #[serde(default)]
    pub period: PeriodInput,
    /// 每个社区的经费及来源渠道；没有经费填 `null`。
    #[serde(default)]
    pub funding: Option<FundingInput>,
    /// 附带要求（台账、报表、挂牌、考核评比等）。
    #[serde(default)]
    pub burdens: Vec<BurdenInput>,
    /// 交给社区的职责权限（权随责走）；不填视为空。协助事项和清单外事项缺了它不予准入。
    #[serde(default)]
    pub authority: Option<String>,
    /// 申请单位认为所引条款规定了社区的这项职责（清单外事项）：审批人核实后可把它列入下一版清单草稿。
    /// 为 `true` 时必须填写法律依据（否则 `candidate_needs_citation`）。
    #[serde(default)]
    pub basis_names_community: bool,
}

/// `"all"` 或机构代码列表。
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum CommunitiesInput {
    /// 只能是 `"all"`。
    All(String),
    List(Vec<String>),
}

impl Default for CommunitiesInput {
    fn default() -> Self {
        CommunitiesInput::List(vec![])
    }
}

/// 工作期限（含首尾两天），日期格式 `YYYY-MM-DD`。
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PeriodInput {
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
}

/// 经费：每个社区的金额（元，最多两位小数）及经费渠道。
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FundingInput {
    /// 每个社区的金额，单位元，例如 `1200` 或 `1200.50`（也接受字符串）。
    #[schema(value_type = f64)]
    #[serde(default)]
    pub amount_yuan: serde_json::Value,
    /// 经费渠道，例如“区财政专项”。
    #[serde(default)]
    pub channel: String,
}

/// 一项附带要求。
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BurdenInput {
    /// 类型：`ledger` 业务台账、`report` 报表、`sign` 挂牌、`institution` 工作机构、`premises` 专门场所、
    /// `staff` 专职人员、`responsibility_letter` 责任书、`evaluation` 部门考核评比或检查、
    /// `creation` 达标/检查评比/示范创建活动、`data_collection` 信息采集、`secondment` 借调社区工作人员、
    /// `gov_app` 政务App（安装、注册、向居民推广）、`work_group` 工作群、`check_in` 打卡签到、
    /// `ranking` 排名通报、`compulsory_upload` 强制拍照/视频/定位上传。
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub title: String,
    /// 所依据的上级文件文号，例如 `中办发〔2010〕33号`：须是区级上级文件登记（`GET /api/v1/mandates`）
    /// 中的文件；已登记且要求社区承担这类事项的，适用“中央、市委市政府明确要求”的例外；写了但未登记的，
    /// 报区级审批核对；不写则按一般规则。
    #[serde(default)]
    pub mandate_document: Option<String>,
    /// 已停用：以前自报的依据层级（`central` 等）。现在只认登记的文件，只填层级不填文号的返回
    /// `mandate_needs_document`。
    #[serde(default)]
    pub mandate: Option<String>,
    /// 是否设“一票否决”（标题里写了“一票否决”也算）。
    #[serde(default)]
    pub one_vote_veto: bool,
    /// 排名（`ranking`）按什么排：`activity` 活跃度、`online_time` 在线时长、`mileage` 里程、
    /// `likes` 点赞转发、`points` 积分、`installs` 下载安装量、`usage_rate` 使用率、`other` 其他。
    #[serde(default)]
    pub measure: Option<String>,
    /// 打卡（`check_in`）的用途：`security` 安保、`emergency` 应急、`other` 其他。
    #[serde(default)]
    pub purpose: Option<String>,
    /// 报表（`report`）或信息采集（`data_collection`）的字段：共享数据元的代码或名称（`GET
    /// /api/v1/shared-data/elements`）。字段全部是共享数据元的，从共享数据生成、予以准入；有不是
    /// 共享数据元的字段，属于新增采集，须经区级审批；不列字段的也报区级审批。最多 200 个。
    #[serde(default)]
    pub fields: Vec<String>,
}

/// Fields typed into one box: split at 、 , ， ; ； and line breaks.
pub fn split_fields(typed: &str) -> Vec<String> {
    typed
        .split(['、', ',', '，', ';', '；', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// A stored request as its department typed it: the inverse of [`parse_request`], so a refused
/// or withdrawn request can start a new one with everything filled in (issue 10 §2).
pub fn input_of(
    req: &GateRequest,
    communities: CommunitiesInput,
    period: PeriodInput,
) -> RequestInput {
    RequestInput {
        department: req.department.clone(),
        item_code: req.item_code.clone(),
        title: req.title.clone(),
        description: Some(req.description.clone()).filter(|d| !d.is_empty()),
        legal_basis: req.legal_basis.iter().map(|c| c.to_string()).collect(),
        community_role: wire_name(&req.community_role),
        communities,
        period,
        funding: req.funding.as_ref().map(|f| FundingInput {
            amount_yuan: serde_json::Value::String(case::format_fen(f.amount_fen)),
            channel: f.channel.clone(),
        }),
        burdens: req
            .burdens
            .iter()
            .map(|b| BurdenInput {
                kind: b.kind.as_str().into(),
                title: b.title.clone(),
                mandate_document: b.mandate_document.clone(),
                mandate: None,
                one_vote_veto: b.one_vote_veto,
                measure: b.measure.map(|m| m.as_str().into()),
                purpose: b.purpose.map(|p| p.as_str().into()),
                fields: b.fields.clone(),
            })
            .collect(),
        authority: Some(req.authority.clone()),
        basis_names_community: req.basis_names_community,
    }
}

/// The name a value has in the API (its serde name).
fn wire_name<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// A request after parsing: the gate's input plus what the gate does not judge.
#[derive(Debug, Clone)]
pub struct ParsedRequest {
    pub gate: GateRequest,
    pub department: Org,
    pub communities: Vec<Org>,
    pub all: bool,
    pub from: Date,
    pub to: Date,
}

fn rejected(code: &'static str, message: impl Into<String>) -> ServiceError {
    ServiceError::Rejected {
        code,
        message: message.into(),
    }
}

/// Work periods outside these years are typing mistakes (a year 20266 or 1026), not plans.
const MIN_YEAR: i32 = 2000;
const MAX_YEAR: i32 = 2100;
const MAX_BURDENS: usize = 20;
const MAX_TITLE: usize = 200;
/// Fields one report may list.
const MAX_FIELDS: usize = 200;
const MAX_TEXT: usize = 2000;
/// 文号 such as 京政办发〔2016〕12号 are short; 60 leaves room for a joint number.
const MAX_DOCUMENT_NUMBER: usize = 60;

/// The communities a department (or street) may address: a street only its own communities,
/// a district department every community of the district.
pub fn reachable_communities<'a>(tree: &'a OrgTree, department: &Org) -> Vec<&'a Org> {
    tree.all()
        .iter()
        .filter(|o| o.kind == OrgKind::Community)
        .filter(|o| match department.kind {
            OrgKind::Street | OrgKind::Town => tree.is_within(&o.code, &department.code),
            _ => true,
        })
        .collect()
}

/// One problem in a request, with the field it is in: the form's input id (`title`,
/// `period_from`, `communities`, `burden-2` for the second requirement sent, …).
#[derive(Debug)]
pub struct RequestProblem {
    pub field: String,
    pub error: ServiceError,
}

/// Parses a request at the edge. `for_any_department`: a district-wide reader (the approver)
/// may dry-run on behalf of any department; submissions are always in the actor's own name.
/// The first problem, in the order of the fields; [`request_problems`] gives them all.
pub fn parse_request(
    actor: &Actor,
    input: &RequestInput,
    tree: &OrgTree,
    cat: &Catalog,
    for_any_department: bool,
) -> Result<ParsedRequest, ServiceError> {
    parse_all(actor, input, tree, cat, for_any_department)
        .map_err(|mut problems| problems.swap_remove(0).error)
}

/// Every problem of a request, each with its field, in the order of the fields (a form shows
/// them all at once, each beside its field: issue 10 §2). Empty when the request parses.
pub fn request_problems(
    actor: &Actor,
    input: &RequestInput,
    tree: &OrgTree,
    cat: &Catalog,
) -> Vec<RequestProblem> {
    parse_all(actor, input, tree, cat, false)
        .err()
        .unwrap_or_default()
}

/// Records a field's problem and goes on with the next field.
fn keep<T>(
    problems: &mut Vec<RequestProblem>,
    field: &str,
    r: Result<T, ServiceError>,
) -> Option<T> {
    r.map_err(|error| {
        problems.push(RequestProblem {
            field: field.into(),
            error,
        })
    })
    .ok()
}

fn parse_all(
    actor: &Actor,
    input: &RequestInput,
    tree: &OrgTree,
    cat: &Catalog,
    for_any_department: bool,
) -> Result<ParsedRequest, Vec<RequestProblem>> {
    let department = parse_department(actor, input, tree, for_any_department).map_err(|error| {
        vec![RequestProblem {
            field: "department".into(),
            error,
        }]
    })?;
    let mut p = Vec::new();
    let title = keep(
        &mut p,
        "title",
        text_field::line_or(&input.title, MAX_TITLE, "工作事项名称", "title_too_long").and_then(
            |t| {
                if t.is_empty() {
                    Err(rejected("empty_title", "请填写工作事项名称"))
                } else {
                    Ok(t)
                }
            },
        ),
    );
    let item_code = keep(&mut p, "item_code", parse_item(input, cat));
    let legal_basis = keep(&mut p, "legal_basis", parse_legal_basis(input));
    let community_role = keep(
        &mut p,
        "community_role",
        match input.community_role.trim() {
            "assist" => Ok(CommunityRole::Assist),
            "responsible" => Ok(CommunityRole::Responsible),
            _ => Err(rejected("invalid_role", "社区角色只能是“协助”或“责任主体”")),
        },
    );
    let targets = keep(
        &mut p,
        "communities",
        parse_communities(input, tree, &department),
    );
    let from = keep(
        &mut p,
        "period_from",
        parse_day(&input.period.from, "开始日期"),
    );
    let to = keep(&mut p, "period_to", parse_day(&input.period.to, "结束日期"));
    if let (Some(from), Some(to)) = (from, to)
        && to < from
    {
        keep::<()>(
            &mut p,
            "period_to",
            Err(rejected(
                "period_reversed",
                format!(
                    "工作期限的结束日期 {} 早于开始日期 {}，请检查",
                    format_date(to),
                    format_date(from)
                ),
            )),
        );
    }
    let funding = match &input.funding {
        None => Some(None),
        Some(f) => {
            let amount_fen = keep(&mut p, "amount_yuan", parse_amount(&f.amount_yuan));
            let channel = keep(
                &mut p,
                "channel",
                text_field::line(&f.channel, MAX_TITLE, "经费渠道"),
            );
            amount_fen.zip(channel).map(|(amount_fen, channel)| {
                Some(Funding {
                    amount_fen,
                    channel,
                })
            })
        }
    };
    let mut burdens = Some(Vec::new());
    if input.burdens.len() > MAX_BURDENS {
        burdens = keep(
            &mut p,
            "burdens",
            Err(rejected(
                "too_many_burdens",
                format!("附带要求最多 {MAX_BURDENS} 项"),
            )),
        );
    } else {
        for (i, b) in input.burdens.iter().enumerate() {
            let one = keep(&mut p, &format!("burden-{}", i + 1), parse_burden(i, b));
            burdens = burdens.zip(one).map(|(mut all, one)| {
                all.push(one);
                all
            });
        }
    }
    let description = keep(
        &mut p,
        "description",
        text_field::paragraph_or(
            input.description.as_deref().unwrap_or(""),
            MAX_TEXT,
            "工作内容说明",
            "description_too_long",
        ),
    );
    if input.basis_names_community && legal_basis.as_ref().is_some_and(Vec::is_empty) {
        keep::<()>(
            &mut p,
            "legal_basis",
            Err(rejected(
                "candidate_needs_citation",
                "勾选了“所引条款规定了社区的这项职责”，请在法律依据中写明具体条款（如《……》第……条），审批人据此核实",
            )),
        );
    }
    let authority = keep(
        &mut p,
        "authority",
        text_field::paragraph(
            input.authority.as_deref().unwrap_or(""),
            MAX_TEXT,
            "交给社区的职责权限",
        ),
    );
    let (
        Some(title),
        Some(item_code),
        Some(legal_basis),
        Some(community_role),
        Some((communities, all)),
        Some(from),
        Some(to),
        Some(funding),
        Some(burdens),
        Some(description),
        Some(authority),
        true,
    ) = (
        title,
        item_code,
        legal_basis,
        community_role,
        targets,
        from,
        to,
        funding,
        burdens,
        description,
        authority,
        p.is_empty(),
    )
    else {
        return Err(p);
    };
    Ok(ParsedRequest {
        gate: GateRequest {
            department: department.code.to_string(),
            item_code,
            title,
            legal_basis,
            community_role,
            authority,
            funding,
            burdens,
            description,
            requester_level: match department.kind {
                OrgKind::Street | OrgKind::Town => RequesterLevel::BelowCounty,
                _ => RequesterLevel::County,
            },
            basis_names_community: input.basis_names_community,
        },
        department,
        communities,
        all,
        from,
        to,
    })
}

/// The requesting department: it must exist, be a department or a street/town, and be the
/// actor's own (or any, for a district-wide dry run).
fn parse_department(
    actor: &Actor,
    input: &RequestInput,
    tree: &OrgTree,
    for_any_department: bool,
) -> Result<Org, ServiceError> {
    let shown_dept: String = input.department.trim().chars().take(40).collect();
    let department = OrgCode::parse(&input.department)
        .ok()
        .and_then(|c| tree.get(&c))
        .filter(|o| {
            matches!(
                o.kind,
                OrgKind::Department | OrgKind::Street | OrgKind::Town
            )
        })
        .cloned()
        .ok_or_else(|| {
            rejected(
                "unknown_department",
                if shown_dept.is_empty() {
                    "请填写申请单位的机构代码，例如 110115-MZJ".to_string()
                } else {
                    format!("申请单位“{shown_dept}”不存在，或不是区级部门、街道（镇）")
                },
            )
        })?;
    let may_act_for_any =
        actor.is_console() || (for_any_department && actor.scope() == Scope::District);
    if !may_act_for_any && actor.org.as_ref() != Some(&department.code) {
        let own = actor
            .org
            .as_ref()
            .and_then(|c| tree.get(c))
            .map(|o| o.name.clone())
            .unwrap_or_else(|| "（无）".into());
        return Err(rejected(
            "department_mismatch",
            format!(
                "只能以本单位名义提出申请：您属于“{own}”，申请中填写的是“{}”",
                department.name
            ),
        ));
    }
    Ok(department)
}

fn parse_item(input: &RequestInput, cat: &Catalog) -> Result<Option<String>, ServiceError> {
    match input.item_code.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(code) => match cat.item(code) {
            Some(it) => Ok(Some(it.code.clone())),
            None => {
                let shown: String = code.chars().take(40).collect();
                Err(rejected(
                    "unknown_item",
                    format!(
                        "清单（版本 {}）中没有编码为“{shown}”的事项。请从清单中选择，或不选事项、按清单外事项申请",
                        cat.version.id
                    ),
                ))
            }
        },
    }
}

fn parse_legal_basis(input: &RequestInput) -> Result<Vec<LegalCitation>, ServiceError> {
    let mut legal_basis = Vec::new();
    for (i, line) in input.legal_basis.iter().enumerate() {
        let line = text_field::line(line, MAX_TITLE, &format!("法律依据第 {} 条", i + 1))?;
        if line.is_empty() {
            continue;
        }
        let c = LegalCitation::parse(&line).map_err(|e| rejected(e.code(), e.to_string()))?;
        legal_basis.push(c);
    }
    Ok(legal_basis)
}

/// The target communities, and whether they are all the department may address.
fn parse_communities(
    input: &RequestInput,
    tree: &OrgTree,
    department: &Org,
) -> Result<(Vec<Org>, bool), ServiceError> {
    let reachable = reachable_communities(tree, department);
    let (communities, all) = match &input.communities {
        CommunitiesInput::All(s) if s.trim().eq_ignore_ascii_case("all") => (
            reachable.iter().map(|o| (*o).clone()).collect::<Vec<_>>(),
            true,
        ),
        CommunitiesInput::All(s) => (
            vec![find_community(tree, department, &reachable, s)?],
            false,
        ),
        CommunitiesInput::List(list) => {
            let mut out: Vec<Org> = Vec::new();
            for s in list {
                let o = find_community(tree, department, &reachable, s)?;
                // A code twice is a mistake in what was sent, not something to merge silently.
                if out.iter().any(|x| x.code == o.code) {
                    return Err(rejected(
                        "duplicate_community",
                        format!("社区“{}”选了两次，请每个社区只选一次", o.name),
                    ));
                }
                out.push(o);
            }
            (out, false)
        }
    };
    if communities.is_empty() {
        return Err(rejected(
            "no_communities",
            "请至少选择一个社区，或选择“全部社区”",
        ));
    }
    Ok((communities, all))
}

/// A day of the work's period, within the years the system plans for.
fn parse_day(s: &str, which: &str) -> Result<Date, ServiceError> {
    let d = parse_date(s).ok_or_else(|| {
        let shown: String = s.trim().chars().take(20).collect();
        rejected(
            "invalid_date",
            if shown.is_empty() {
                format!("请填写工作期限的{which}，格式 YYYY-MM-DD，例如 2026-01-01")
            } else {
                format!("{which}“{shown}”不是有效日期，应为 YYYY-MM-DD，例如 2026-01-01")
            },
        )
    })?;
    if !(MIN_YEAR..=MAX_YEAR).contains(&d.year()) {
        return Err(rejected(
            "date_out_of_range",
            format!(
                "工作期限的{which} {} 超出合理范围（{MIN_YEAR}—{MAX_YEAR} 年），请检查年份",
                format_date(d)
            ),
        ));
    }
    Ok(d)
}

/// Yuan per community, as a number or a string, into fen.
fn parse_amount(amount: &serde_json::Value) -> Result<i64, ServiceError> {
    let text = match amount {
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    };
    case::parse_yuan(&text).map_err(|e| match e {
        AmountError::Negative => rejected("negative_amount", "经费金额不能为负数"),
        AmountError::Invalid => {
            let shown: String = text.chars().take(30).collect();
            rejected(
                e.code(),
                format!(
                    "经费金额“{shown}”无效：请填写以元为单位的数字，最多两位小数，例如 1200 或 1200.50"
                ),
            )
        }
    })
}

/// Every burden kind, for messages that list the ones that exist.
pub fn burden_kinds_listed() -> String {
    BurdenKind::ALL
        .iter()
        .map(|k| format!("{}（{}）", k.as_str(), k.label_zh()))
        .collect::<Vec<_>>()
        .join("、")
}

fn parse_burden(i: usize, b: &BurdenInput) -> Result<Burden, ServiceError> {
    let n = i + 1;
    let shown = |s: &str| s.trim().chars().take(30).collect::<String>();
    let kind = BurdenKind::parse(&b.kind).ok_or_else(|| {
        rejected(
            "invalid_burden_kind",
            if b.kind.trim().is_empty() {
                format!(
                    "第 {n} 项附带要求没有选择类型。可选：{}",
                    burden_kinds_listed()
                )
            } else {
                format!(
                    "第 {n} 项附带要求的类型“{}”不存在。可选：{}",
                    shown(&b.kind),
                    burden_kinds_listed()
                )
            },
        )
    })?;
    let mandate_document = Some(text_field::line(
        b.mandate_document.as_deref().unwrap_or(""),
        MAX_DOCUMENT_NUMBER,
        &format!("第 {n} 项附带要求的文件文号"),
    )?)
    .filter(|s| !s.is_empty());
    if mandate_document.is_none() && b.mandate.as_deref().is_some_and(|m| !m.trim().is_empty()) {
        return Err(rejected(
            "mandate_needs_document",
            format!(
                "第 {n} 项附带要求写了依据层级“{}”，但没有写文件文号：“中央、市委市政府明确要求”须以区级登记的上级文件为准，请在 mandate_document 中写明文号（如 中办发〔2010〕33号）",
                shown(b.mandate.as_deref().unwrap_or(""))
            ),
        ));
    }
    let measure = match b
        .measure
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(m) => Some(RankingMeasure::parse(m).ok_or_else(|| {
            rejected(
                "invalid_measure",
                format!(
                    "第 {n} 项附带要求的排名依据“{}”不存在。可选：{}",
                    shown(m),
                    RankingMeasure::ALL
                        .iter()
                        .map(|x| format!("{}（{}）", x.as_str(), x.label_zh()))
                        .collect::<Vec<_>>()
                        .join("、")
                ),
            )
        })?),
    };
    let purpose = match b.purpose.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(p) => Some(CheckInPurpose::parse(p).ok_or_else(|| {
            rejected(
                "invalid_purpose",
                format!(
                    "第 {n} 项附带要求的打卡用途“{}”不存在。可选：security（安保）、emergency（应急）、other（其他）",
                    shown(p)
                ),
            )
        })?),
    };
    let title = text_field::line(&b.title, MAX_TITLE, &format!("第 {n} 项附带要求的名称"))?;
    if b.fields.len() > MAX_FIELDS {
        return Err(rejected(
            "too_many_fields",
            format!(
                "第 {n} 项附带要求列了 {} 个字段，最多 {MAX_FIELDS} 个。",
                b.fields.len()
            ),
        ));
    }
    let mut fields = Vec::new();
    for f in &b.fields {
        let f = text_field::line(f, 60, &format!("第 {n} 项附带要求的字段"))?;
        if !f.is_empty() && !fields.contains(&f) {
            fields.push(f);
        }
    }
    Ok(Burden {
        kind,
        title: if title.is_empty() {
            kind.label_zh().to_string()
        } else {
            title
        },
        mandate: None,
        mandate_document,
        one_vote_veto: b.one_vote_veto,
        measure: (kind == BurdenKind::Ranking).then_some(measure).flatten(),
        purpose: (kind == BurdenKind::CheckIn).then_some(purpose).flatten(),
        fields: if matches!(kind, BurdenKind::Report | BurdenKind::DataCollection) {
            fields
        } else {
            Vec::new()
        },
    })
}

fn find_community(
    tree: &OrgTree,
    department: &Org,
    reachable: &[&Org],
    s: &str,
) -> Result<Org, ServiceError> {
    let shown: String = s.trim().chars().take(40).collect();
    let org = OrgCode::parse(s)
        .ok()
        .and_then(|c| tree.get(&c))
        .filter(|o| o.kind == OrgKind::Community)
        .ok_or_else(|| {
            rejected(
                "unknown_community",
                format!("“{shown}”不是本区的社区代码，请从社区列表中选择"),
            )
        })?;
    if !reachable.iter().any(|o| o.code == org.code) {
        return Err(rejected(
            "unknown_community",
            format!(
                "社区“{}”不属于{}，街道（镇）只能向本辖区的社区提出工作事项",
                org.name, department.name
            ),
        ));
    }
    Ok(org.clone())
}

/// Funding must reach every community for assist work, for work off the lists, and for items the
/// catalog marks as needing it (费随事转).
pub fn requires_funding(req: &GateRequest, cat: &Catalog) -> bool {
    match req.item_code.as_deref().and_then(|c| cat.item(c)) {
        None => true,
        Some(it) => it.kind == ItemKind::Assist || it.funding_required,
    }
}
