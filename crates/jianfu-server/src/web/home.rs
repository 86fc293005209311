//! The home page: for each role the viewer holds, the figures that matter to it, counted from the
//! database within the viewer's scope.

use super::{PageContext, render};
use crate::App;
use crate::http::error::PageError;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use jianfu_domain::Role;

pub fn routes() -> Router<App> {
    Router::new().route("/", get(home))
}

pub struct Card {
    pub value: String,
    /// Names (not figures) are shown smaller.
    pub is_text: bool,
    pub label: String,
    pub href: Option<&'static str>,
}

pub struct Section {
    pub title: String,
    pub cards: Vec<Card>,
    /// What this role will do here once the later modules land.
    pub coming: Vec<&'static str>,
}

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    pub ctx: PageContext,
    pub sections: Vec<Section>,
}

fn card(value: impl ToString, label: &str, href: Option<&'static str>) -> Card {
    let value = value.to_string();
    let is_text = !value.chars().all(|c| c.is_ascii_digit() || c == '.');
    Card {
        value,
        is_text,
        label: label.to_string(),
        href,
    }
}

async fn home(State(app): State<App>, ctx: PageContext) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    let d = app.dashboard(&actor).await?;
    let here = ctx.org_name.clone();
    let mut sections = Vec::new();
    let n = |v: Option<usize>| v.unwrap_or_default();
    let yuan = |fen: Option<i64>| {
        let f = fen.unwrap_or_default();
        format!("{}.{:02}", f / 100, f % 100)
    };
    let certs = |key: &str| d.certificates(key);
    for role in &actor.roles {
        let (cards, coming): (Vec<Card>, Vec<&'static str>) = match role {
            Role::Resident => (
                vec![
                    card(&here, "我所在的社区", None),
                    card(
                        certs("open"),
                        "证明申请·办理中",
                        Some("/certificates?status=open"),
                    ),
                    card(
                        certs("issued"),
                        "证明·已出具",
                        Some("/certificates?status=issued"),
                    ),
                    card("申请", "开具证明", Some("/certificates/apply")),
                    card("核验", "证明真伪", Some("/verify")),
                    card("查看", "社区工作清单（公开）", Some("/catalog")),
                ],
                vec!["参与满意度调查", "参与议事协商与志愿服务"],
            ),
            Role::CommunityWorker | Role::CommunityDirector => (
                vec![
                    card(&here, "本社区", Some("/orgs")),
                    card(
                        n(d.work_in_force),
                        "本社区准入事项",
                        Some("/assignments?status=in_force"),
                    ),
                    card(yuan(d.funding_fen), "随事下达经费（元）", Some("/funding")),
                    card(
                        n(d.violations_open),
                        "违规下派举报·待核实",
                        Some("/violations?status=reported"),
                    ),
                    card(
                        n(d.violations_confirmed),
                        "违规下派·已撤销",
                        Some("/violations?status=confirmed"),
                    ),
                    card(
                        certs("submitted"),
                        "证明申请·待核实",
                        Some("/certificates?status=submitted"),
                    ),
                    card(
                        certs("verified"),
                        "证明申请·待审批用印",
                        Some("/certificates?status=verified"),
                    ),
                    card(
                        certs("approved"),
                        "证明申请·待出具",
                        Some("/certificates?status=approved"),
                    ),
                    card(
                        certs("overdue"),
                        "证明申请·已超期",
                        Some("/certificates?status=overdue"),
                    ),
                    card(d.residents_in_scope, "本社区居民账号", None),
                    card(d.accounts_in_scope, "本社区账号总数", None),
                ],
                if *role == Role::CommunityDirector {
                    vec!["组织议事协商"]
                } else {
                    vec!["一次采集、多方共享"]
                },
            ),
            Role::StreetOfficer => (
                vec![
                    card(&here, "本街道(镇)", Some("/orgs")),
                    card(d.communities, "辖区社区", Some("/orgs")),
                    card(
                        n(d.work_pending),
                        "待区级审批（可预审）",
                        Some("/assignments?status=pending_approval"),
                    ),
                    card(
                        n(d.work_in_force),
                        "辖区准入事项",
                        Some("/assignments?status=in_force"),
                    ),
                    card(yuan(d.funding_fen), "随事下达经费（元）", Some("/funding")),
                    card(d.accounts_in_scope, "辖区账号", None),
                ],
                vec!["推荐社区参加综合考评"],
            ),
            Role::DepartmentClerk => (
                vec![
                    card(&here, "本部门", Some("/orgs")),
                    card(
                        n(d.work_in_force),
                        "已准入事项",
                        Some("/assignments?status=in_force"),
                    ),
                    card(
                        n(d.work_pending),
                        "待区级审批",
                        Some("/assignments?status=pending_approval"),
                    ),
                    card(
                        n(d.work_refused),
                        "未予准入",
                        Some("/assignments?status=refused"),
                    ),
                    card(
                        n(d.violations_confirmed),
                        "经核实的违规下派",
                        Some("/violations?status=confirmed"),
                    ),
                    card(yuan(d.funding_fen), "已承诺经费（元）", Some("/funding")),
                    card(d.communities, "可申请下派的社区", Some("/orgs")),
                ],
                vec!["定义报表（从共享数据生成）", "申请居民证明"],
            ),
            Role::DistrictApprover => (
                vec![
                    card(
                        n(d.work_pending),
                        "待审批",
                        Some("/assignments?status=pending_approval"),
                    ),
                    card(
                        n(d.work_overdue),
                        "已超过审批期限",
                        Some("/assignments?status=overdue"),
                    ),
                    card(
                        n(d.work_in_force),
                        "已准入事项",
                        Some("/assignments?status=in_force"),
                    ),
                    card(yuan(d.funding_fen), "随事下达经费（元）", Some("/funding")),
                    card(d.communities, "社区", Some("/orgs")),
                    card("发布", "社区工作清单新版本", Some("/catalog/publish")),
                ],
                vec![],
            ),
            Role::Supervisor => (
                vec![
                    card(
                        n(d.violations_open),
                        "违规下派举报·待核实",
                        Some("/violations?status=reported"),
                    ),
                    card(
                        n(d.violations_confirmed),
                        "已确认并撤销",
                        Some("/violations?status=confirmed"),
                    ),
                    card(
                        n(d.work_overdue),
                        "审批超期事项",
                        Some("/assignments?status=overdue"),
                    ),
                    card(
                        n(d.work_in_force),
                        "全区准入事项",
                        Some("/assignments?status=in_force"),
                    ),
                    card(d.streets, "街道", Some("/orgs")),
                    card(d.towns, "镇", Some("/orgs")),
                    card(d.communities, "社区", Some("/orgs")),
                    card(d.departments, "区级部门", Some("/orgs")),
                ],
                vec!["社区负担指标", "部门评议排名", "居民满意度"],
            ),
            Role::SystemAdmin => (
                vec![
                    card(d.accounts_in_scope, "账号总数", Some("/users")),
                    card(n(d.accounts_disabled), "已停用账号", Some("/users")),
                    card(n(d.active_api_tokens), "有效 API 令牌", Some("/tokens")),
                    card(d.orgs_total, "组织机构", Some("/orgs")),
                ],
                vec![],
            ),
            Role::SecurityAdmin => (
                vec![
                    card(n(d.accounts_locked), "当前锁定的账号", Some("/users")),
                    card(
                        n(d.accounts_with_failures),
                        "近期有登录失败的账号",
                        Some("/users"),
                    ),
                    card(app.config.lockout_max_failures, "连续失败锁定次数", None),
                    card(
                        format!("{} 分钟", app.config.session_idle_minutes),
                        "会话空闲超时",
                        None,
                    ),
                ],
                vec![],
            ),
            Role::AuditAdmin => (
                vec![
                    card(
                        d.audit_records.unwrap_or_default(),
                        "审计记录总数",
                        Some("/audit"),
                    ),
                    card("校验", "哈希链完整性", Some("/audit?verify=1")),
                ],
                vec![],
            ),
        };
        sections.push(Section {
            title: format!("{}工作台", role.label_zh()),
            cards,
            coming,
        });
    }
    // The frame already counted them for the navigation's figure.
    if ctx.unread_notices > 0
        && let Some(first) = sections.first_mut()
    {
        first.cards.insert(
            0,
            card(
                ctx.unread_notices,
                "未读通知",
                Some("/notices?status=unread"),
            ),
        );
    }
    Ok(render(&HomePage { ctx, sections }))
}
