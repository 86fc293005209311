//! Audit search for the audit administrator. Read-only: there is no way to change a record.

use super::{PageContext, render};
use crate::App;
use crate::http::error::PageError;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use jianfu_store::{AuditQuery, AuditRecord};
use serde::Deserialize;

pub fn routes() -> Router<App> {
    Router::new().route("/audit", get(search))
}

#[derive(Deserialize, Default)]
pub struct AuditFilter {
    #[serde(default)]
    pub actor: String,
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub object: String,
    /// YYYY-MM-DD, Beijing time.
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    /// Only this chain: an organisation's code, `public` or `system`.
    #[serde(default)]
    pub chain: String,
    /// Paging cursor `at:chain:seq` (the last record shown).
    pub before: Option<String>,
    pub verify: Option<String>,
}

#[derive(Template)]
#[template(path = "audit.html")]
pub struct AuditPage {
    pub ctx: PageContext,
    pub f: AuditFilter,
    pub records: Vec<AuditRecord>,
    pub older: Option<String>,
    pub verify_result: Option<(bool, String)>,
    pub error: Option<String>,
    /// Account id → username, so objects read "用户 shegong" instead of an id.
    pub usernames: std::collections::HashMap<String, String>,
}

/// Start of a Beijing calendar day, in epoch milliseconds.
fn day_start(s: &str) -> Option<i64> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    let d = time::Date::parse(s.trim(), &fmt).ok()?;
    let t = d.midnight().assume_offset(time::macros::offset!(+8));
    Some(jianfu_domain::clock::to_millis(t))
}

const PAGE: i64 = 50;

async fn search(
    State(app): State<App>,
    ctx: PageContext,
    Query(f): Query<AuditFilter>,
) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    let mut error = None;
    let parse_day = |s: &str, err: &mut Option<String>| {
        if s.trim().is_empty() {
            None
        } else {
            let d = day_start(s);
            if d.is_none() {
                *err = Some(format!("日期“{s}”格式不正确，请使用 2026-01-31 这样的格式"));
            }
            d
        }
    };
    let from = parse_day(&f.from, &mut error);
    let to = parse_day(&f.to, &mut error).map(|t| t + 86_400_000);
    let q = AuditQuery {
        actor: Some(f.actor.trim().to_string()).filter(|s| !s.is_empty()),
        action: Some(f.action.trim().to_string()).filter(|s| !s.is_empty()),
        object: Some(f.object.trim().to_string()).filter(|s| !s.is_empty()),
        from,
        to,
        chain: Some(f.chain.trim().to_ascii_uppercase())
            .filter(|s| !s.is_empty())
            .map(|s| match s.as_str() {
                "PUBLIC" | "SYSTEM" | "AUDIT" => s.to_ascii_lowercase(),
                _ => s,
            }),
        before: f.before.as_deref().and_then(|b| {
            let mut it = b.splitn(3, ':');
            let at = it.next()?.parse().ok()?;
            let chain = it.next()?.to_string();
            let seq = it.next()?.parse().ok()?;
            Some((at, chain, seq))
        }),
        limit: PAGE,
    };
    let records = app.search_audit(&actor, &q).await?;
    let verify_result = if f.verify.is_some() {
        let r = app.verify_audit(&actor).await?;
        Some(if r.problems.is_empty() {
            (
                true,
                format!(
                    "审计日志完整：共 {} 条链、{} 条记录，哈希链无断裂。",
                    r.chains, r.records
                ),
            )
        } else {
            let list: Vec<String> = r.problems.iter().map(|p| p.to_string()).collect();
            (false, format!("审计日志已被篡改：{}", list.join("；")))
        })
    } else {
        None
    };
    let older = (records.len() as i64 == PAGE).then(|| {
        let last = records
            .last()
            .map(|r| format!("{}:{}:{}", r.at, r.chain, r.seq))
            .unwrap_or_default();
        serde_urlencoded::to_string([
            ("actor", f.actor.as_str()),
            ("action", f.action.as_str()),
            ("object", f.object.as_str()),
            ("from", f.from.as_str()),
            ("to", f.to.as_str()),
            ("chain", f.chain.as_str()),
            ("before", &last),
        ])
        .unwrap_or_default()
    });
    let usernames = app.audit_usernames(&actor).await?;
    Ok(render(&AuditPage {
        ctx,
        f,
        records,
        older,
        verify_result,
        error,
        usernames,
    }))
}

impl AuditPage {
    pub fn time_of(&self, ms: &i64) -> String {
        super::when(ms)
    }

    /// Chinese name of an action code; unknown codes are shown as they are.
    pub fn action_label<'a>(&self, code: &'a str) -> &'a str {
        match code {
            "auth.login" => "登录",
            "system.restore_triggers" => "恢复只追加保护触发器",
            "auth.logout" => "退出登录",
            "auth.reset_failures" => "清除登录失败计数",
            "auth.second_factor.enrol" => "绑定验证器（第二因素）",
            "auth.second_factor.ok" => "验证码核对通过",
            "auth.second_factor.failure" => "验证码错误",
            "auth.second_factor.recovery_code" => "使用恢复码登录",
            "auth.second_factor.reset" => "重置验证器（控制台）",
            "user.create" => "新建账号",
            "user.disable" => "停用账号",
            "user.enable" => "启用账号",
            "user.reset_password" => "重置密码",
            "user.unlock" => "解除登录限制",
            "user.grant_role" => "授予角色",
            "user.withdraw_role" => "撤销角色",
            "user.change_password" => "本人设置新密码",
            "user.create_system" => "新建系统账号",
            "api_token.issue" => "签发 API 令牌",
            "api_token.revoke" => "吊销 API 令牌",
            "api_token.revoke_person_tokens" => "吊销个人账号的 API 令牌",
            "org.import" => "导入组织机构",
            "demo.load" => "载入演示数据",
            "data.import" => "导入数据库",
            "notice.send" => "发送通知",
            "catalog.seed" => "载入内置清单",
            "catalog.publish" => "发布清单新版本",
            "mandate.register" => "登记上级文件",
            "mandate.update" => "更正上级文件登记",
            "mandate.end" => "标记上级文件失效",
            "assignment.submit" => "提交准入申请",
            "assignment.review" => "街道预审",
            "assignment.approve" => "区级批准",
            "assignment.refuse" => "区级不予准入",
            "assignment.withdraw" => "撤回准入申请",
            "assignment.revoke" => "撤销准入事项",
            "assignment.escalate" => "审批超期提醒",
            "violation.report" => "举报违规下派",
            "inventory.record" => "登记负担台账条目",
            "inventory.import" => "从表格导入负担台账",
            "inventory.step" => "记录负担清理步骤",
            "inventory.answer" => "主管单位答复负担台账条目",
            "inventory.confirm" => "街道确认负担清理",
            "evaluation.register" => "登记考核评比活动",
            "shared_data.enter" => "填报或更正共享数据",
            "deliberation.topic_propose" => "提出议事协商议题",
            "deliberation.topic_support" => "附议议题",
            "deliberation.topic_accept" => "采纳议题",
            "deliberation.topic_decline" => "不采纳议题",
            "deliberation.meeting_create" => "筹备会议",
            "deliberation.meeting_notice" => "发布会议通知",
            "deliberation.meeting_open" => "开始会议",
            "deliberation.meeting_cancel" => "取消会议",
            "deliberation.attendance" => "登记会议出席",
            "deliberation.tally" => "录入现场表决票数",
            "deliberation.meeting_close" => "结束会议并判定表决结果",
            "deliberation.vote" => "网上投票",
            "deliberation.voice" => "记录会议发言",
            "deliberation.minutes_sign" => "签署会议记录",
            "deliberation.action_add" => "安排决定的落实事项",
            "deliberation.progress" => "记录落实进展",
            "deliberation.feedback" => "居民反馈落实情况",
            "deliberation.request_ask" => "请部门办理协商决定",
            "deliberation.request_answer" => "部门答复协商请求",
            "deliberation.household_set" => "登记居民门牌",
            "shared_data.propose_element" => "申请新增共享数据元",
            "shared_data.define_report" => "定义共享数据报表",
            "shared_data.withdraw_report" => "停用共享数据报表",
            "shared_data.ledger_record" => "记电子台账",
            "violation.confirm" => "确认违规并撤销",
            "violation.dismiss" => "驳回举报",
            "violation.respond" => "部门说明情况",
            "seal.use" => "登记工作用章",
            "seal.checkpoint" => "签署用印登记检查点",
            "seal.retention_purge" => "按保存期限删除用印登记个人信息",
            "certificate.apply" => "申请开具证明",
            "certificate.verify" => "核实证明申请",
            "certificate.approve" => "批准证明用印",
            "certificate.refuse" => "不予出具证明",
            "certificate.withdraw" => "撤回证明申请",
            "certificate.issue" => "出具证明",
            "certificate.revoke" => "作废证明",
            "certificate.id_viewed" => "查看完整身份证号",
            "certificate.retention_purge" => "按保存期限删除证明个人信息",
            "certificate.drafts_kept" => "暂存被退回申请表的材料文件",
            "certificate.drafts_purged" => "删除过期的暂存材料文件",
            "volunteer.register" => "登记为志愿者",
            "volunteer.confirm" => "确认志愿者登记",
            "volunteer_activity.post" => "发布志愿服务活动",
            "volunteer_activity.sign_up" => "报名志愿服务活动",
            "volunteer_activity.cancel_sign_up" => "取消志愿服务活动报名",
            "volunteer_activity.record_hours" => "记录志愿服务时间和评价",
            "volunteer_certificate.issue" => "出具志愿服务记录证明",
            other => other,
        }
    }

    pub fn role_label(&self, roles: &Option<String>) -> String {
        match roles.as_deref() {
            None => String::new(),
            Some("console") => "控制台".into(),
            Some(s) => s
                .split(',')
                .map(|r| jianfu_domain::Role::parse(r).map_or(r, |r| r.label_zh()))
                .collect::<Vec<_>>()
                .join("、"),
        }
    }

    pub fn object_label(&self, object: &str) -> String {
        match object
            .strip_prefix("user:")
            .and_then(|id| self.usernames.get(id))
        {
            Some(name) => format!("用户 {name}"),
            None => object.to_string(),
        }
    }
}
