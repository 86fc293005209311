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
use jianfu_domain::permission::Permission;
use jianfu_domain::{OrgKind, Role};

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
    let is_text = !value.chars().all(|c| c.is_ascii_digit());
    Card {
        value,
        is_text,
        label: label.to_string(),
        href,
    }
}

async fn home(State(app): State<App>, ctx: PageContext) -> Result<Response, PageError> {
    let caller = ctx.require_caller()?;
    let actor = caller.actor.clone();
    let tree = app.org_tree().await?;
    let scope = actor.scope();
    let visible = scope.visible_orgs(&tree);
    let count = |k: OrgKind| visible.iter().filter(|o| o.kind == k).count();
    let users = app.store.list_users().await?;
    let now = app.now_ms();
    let in_scope: Vec<_> = users
        .iter()
        .filter(|u| {
            jianfu_domain::OrgCode::parse(&u.org_code)
                .map(|c| scope.can_read_records_of(&c, &tree))
                .unwrap_or(false)
        })
        .collect();
    let mut sections = Vec::new();
    for role in &actor.roles {
        let title = format!("{}工作台", role.label_zh());
        let (cards, coming): (Vec<Card>, Vec<&'static str>) = match role {
            Role::Resident => (
                vec![card(&ctx.org_name, "我所在的社区", None)],
                vec![
                    "申请开具证明",
                    "参与满意度调查",
                    "参与议事协商与志愿服务",
                    "查验证明真伪",
                ],
            ),
            Role::CommunityWorker | Role::CommunityDirector => (
                vec![
                    card(&ctx.org_name, "本社区", Some("/orgs")),
                    card(
                        in_scope
                            .iter()
                            .filter(|u| u.role_list().contains(&Role::Resident))
                            .count(),
                        "本社区居民账号",
                        None,
                    ),
                    card(in_scope.len(), "本社区账号总数", None),
                ],
                if *role == Role::CommunityDirector {
                    vec!["审批用印", "组织议事协商", "查看本社区准入事项"]
                } else {
                    vec![
                        "查看本社区准入事项",
                        "举报违规下派工作",
                        "办理居民证明",
                        "一次采集、多方共享",
                    ]
                },
            ),
            Role::StreetOfficer => (
                vec![
                    card(&ctx.org_name, "本街道(镇)", Some("/orgs")),
                    card(count(OrgKind::Community), "辖区社区", Some("/orgs")),
                    card(in_scope.len(), "辖区账号", None),
                ],
                vec!["准入事项街道初审", "推荐社区参加综合考评"],
            ),
            Role::DepartmentClerk => (
                vec![
                    card(&ctx.org_name, "本部门", Some("/orgs")),
                    card(count(OrgKind::Community), "可申请下派的社区", Some("/orgs")),
                ],
                vec![
                    "提交社区工作准入申请（附经费与依据）",
                    "定义报表（从共享数据生成）",
                    "申请居民证明",
                ],
            ),
            Role::DistrictApprover | Role::Supervisor => (
                vec![
                    card(count(OrgKind::Street), "街道", Some("/orgs")),
                    card(count(OrgKind::Town), "镇", Some("/orgs")),
                    card(count(OrgKind::Community), "社区", Some("/orgs")),
                    card(count(OrgKind::Department), "区级部门", Some("/orgs")),
                ],
                if *role == Role::Supervisor {
                    vec!["社区负担指标", "部门评议排名", "违规下派核查"]
                } else {
                    vec!["审批清单外事项（15 个工作日内）", "核定经费与依据"]
                },
            ),
            Role::SystemAdmin => {
                let tokens = app.store.list_api_tokens().await?;
                (
                    vec![
                        card(users.len(), "账号总数", Some("/users")),
                        card(
                            users.iter().filter(|u| u.disabled).count(),
                            "已停用账号",
                            Some("/users"),
                        ),
                        card(
                            tokens.iter().filter(|t| t.revoked_at.is_none()).count(),
                            "有效 API 令牌",
                            Some("/tokens"),
                        ),
                        card(tree.all().len(), "组织机构", Some("/orgs")),
                    ],
                    vec![],
                )
            }
            Role::SecurityAdmin => (
                vec![
                    card(
                        users
                            .iter()
                            .filter(|u| u.locked_until.is_some_and(|t| t > now))
                            .count(),
                        "当前锁定的账号",
                        Some("/users"),
                    ),
                    card(
                        users.iter().filter(|u| u.failed_logins > 0).count(),
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
            Role::AuditAdmin => {
                let (seq, _) = app.store.audit_head().await?;
                (
                    vec![
                        card(seq, "审计记录总数", Some("/audit")),
                        card("可校验", "哈希链完整性", Some("/audit?verify=1")),
                    ],
                    vec![],
                )
            }
        };
        sections.push(Section {
            title,
            cards,
            coming,
        });
    }
    debug_assert!(actor.may(Permission::ViewOrgs) || actor.roles.is_empty());
    Ok(render(&HomePage { ctx, sections }))
}
