//! What the irreversible steps of a certificate do, in words, asked before they are taken
//! (issue 10 §3): issuing writes the district seal log, which nothing removes; refusing and
//! withdrawing end the application; voiding is shown to everyone who verifies the certificate.

use super::confirm::Question;
use crate::service::certificates::ApplicationView;
use jianfu_store::CertificateRow;

/// Actions on an application that cannot be taken back once done: they ask first.
pub fn is_irreversible(action: &str) -> bool {
    matches!(action, "issue" | "refuse" | "withdraw")
}

/// The question before `action` on the application `a`; `reason` is what was typed into it.
pub fn question(action: &str, a: &ApplicationView, reason: &str) -> Question {
    let base = format!("/certificates/a/{}/{}", a.community_code, a.id);
    let (title, consequences, label, danger): (_, Vec<String>, _, _) = match action {
        "issue" => (
            "确认出具证明？",
            vec![
                format!(
                    "为{}出具“{}”，分配证明编号。",
                    a.applicant_name, a.item_name
                ),
                "出具记入区级用印登记簿，登记不能删除、修改；出错只能作废后重新申请。".into(),
                "出具后请下载 PDF 打印，加盖社区印章后交给申请人。".into(),
            ],
            "确认出具",
            false,
        ),
        "refuse" => (
            "确认不予出具？",
            vec![
                "申请办结，不再出具这份证明。".into(),
                "申请人会看到不予出具的说明；情况变化后可以重新申请。".into(),
            ],
            "确认不予出具",
            true,
        ),
        _ => (
            "确认撤回申请？",
            vec!["申请撤回后不再办理，不能恢复；还需要时请重新申请。".into()],
            "确认撤回",
            true,
        ),
    };
    Question {
        subject: format!(
            "{}：{}（{}）",
            a.item_name, a.applicant_name, a.community_name
        ),
        title: title.into(),
        consequences,
        typed: vec![("不予出具的说明".into(), reason.into())],
        action: format!("{base}/{action}"),
        confirm_label: label.into(),
        danger,
    }
}

/// The question before voiding (作废) an issued certificate.
pub fn revoke_question(c: &CertificateRow, reason: &str) -> Question {
    Question {
        subject: format!("{}（编号 {}）", c.title, c.number),
        title: "确认作废这份证明？".into(),
        consequences: vec![
            "证明作废，不能恢复。".into(),
            "任何人扫码或在核验页查询时，都会看到“已作废”和作废原因。".into(),
            "作废记入审计日志；用印登记簿里的出具记录保留不变。".into(),
        ],
        typed: vec![("作废原因".into(), reason.into())],
        action: format!("/certificates/c/{}/revoke", c.number),
        confirm_label: "确认作废".into(),
        danger: true,
    }
}
