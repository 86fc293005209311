//! What each action on a case does, in words: the question asked before an irreversible one and
//! the line shown after it (issue 10 §3). Who is told is what the service tells
//! (`service::assignments`): the department on a decision, the department and every target
//! community on a revocation.

use super::confirm::Question;
use crate::service::assignments::CaseOut;

/// Actions that cannot be taken back once done: they ask first.
pub fn is_irreversible(action: &str) -> bool {
    matches!(action, "approve" | "refuse" | "withdraw" | "revoke")
}

fn communities(c: &CaseOut) -> String {
    if c.all_communities {
        "全部社区".into()
    } else {
        format!("{} 个社区", c.communities.len())
    }
}

/// The question before `action` on `c`, with what was typed into it.
pub fn question(action: &str, c: &CaseOut, comment: &str) -> Question {
    let dept = &c.department_name;
    let path = crate::service::assignments::case_path(&c.department, &c.id);
    let (title, consequences, label, typed_label, danger): (_, Vec<String>, _, _, _) = match action
    {
        "approve" => (
            "确认批准准入？",
            vec![
                format!(
                    "发放准入编号，这项工作交给{}承担（{} 至 {}）。",
                    communities(c),
                    c.period_from,
                    c.period_to
                ),
                match (c.funding_fen, &c.funding_channel) {
                    (Some(f), Some(ch)) if f > 0 => format!(
                        "经费随事转：每个社区 {} 元（{ch}），记入经费台账。",
                        jianfu_domain::assignment::format_fen(f)
                    ),
                    _ => "这项工作没有附带经费。".into(),
                },
                format!("通知{dept}。批准后只能撤销准入，不能退回重审。"),
            ],
            "确认批准",
            "审批意见",
            false,
        ),
        "refuse" => (
            "确认不予准入？",
            vec![
                "这项工作不会交给社区。".into(),
                format!("不予准入的理由会通知{dept}；部门修改后可以另行提交。"),
            ],
            "确认不予准入",
            "理由",
            true,
        ),
        "withdraw" => (
            "确认撤回申请？",
            vec![
                "申请撤回后不再审批，这项工作不会交给社区。".into(),
                "撤回后不能恢复；还需要时请重新提交。".into(),
            ],
            "确认撤回",
            "说明",
            true,
        ),
        _ => (
            "确认撤销准入？",
            vec![
                format!(
                    "准入编号 {} 作废，{}不再承担这项工作。",
                    c.access_number.as_deref().unwrap_or("—"),
                    communities(c)
                ),
                format!("撤销理由会通知{dept}和各目标社区。"),
            ],
            "确认撤销",
            "撤销理由",
            true,
        ),
    };
    Question {
        subject: c.title.clone(),
        title: title.into(),
        consequences,
        typed: vec![(typed_label.into(), comment.into())],
        action: format!("{path}/{action}"),
        confirm_label: label.into(),
        danger,
    }
}

/// What an action did, in words ("已办理。" said nothing): the outcome, the access number, and
/// who was told.
pub fn done_message(action: &str, c: &CaseOut) -> String {
    let dept = &c.department_name;
    match action {
        "approve" => format!(
            "已批准准入，准入编号 {}，已通知{dept}。",
            c.access_number.as_deref().unwrap_or("（未分配）")
        ),
        "refuse" => format!("已决定不予准入，理由已通知{dept}。"),
        "review" => "街道预审意见已记录，区级审批时会看到。".into(),
        "withdraw" => "申请已撤回，这件事项不会交给社区。".into(),
        "revoke" => format!("准入已撤销，已通知{dept}和各目标社区，社区不再承担这项工作。"),
        _ => "已办理。".into(),
    }
}
