//! One application's history as its page shows it: each step, who took it (by name and role),
//! and which comes next.

use super::date_of;
use crate::App;
use crate::service::certificates::ApplicationDetail;

/// One step of the application's history, as the timeline shows it.
pub struct Step {
    pub label: &'static str,
    /// done, current, todo or stop (refused/withdrawn/revoked).
    pub state: &'static str,
    pub when: String,
    pub detail: String,
}

/// People by name and role (issue 10 §3), looked up once for a page: username → label.
type Names = std::collections::HashMap<String, String>;

pub(super) async fn names_in(app: &App, d: &ApplicationDetail) -> Names {
    let r = &d.view.row;
    let mut names = Names::new();
    for u in [&r.entered_by, &r.verified_by, &r.approved_by]
        .into_iter()
        .flatten()
    {
        if !names.contains_key(u) {
            names.insert(u.clone(), app.person_label(u).await);
        }
    }
    names
}

fn named<'a>(names: &'a Names, username: &'a str) -> &'a str {
    names.get(username).map(String::as_str).unwrap_or(username)
}

pub(super) fn timeline(d: &ApplicationDetail, names: &Names) -> Vec<Step> {
    let r = &d.view.row;
    let at = |ms: Option<i64>| ms.map(date_of).unwrap_or_default();
    let mut steps = vec![Step {
        label: "提交申请",
        state: "done",
        when: date_of(r.submitted_at),
        detail: match (&r.entered_by, r.channel.as_str()) {
            (Some(by), "window") => format!(
                "社区窗口代录（{}）；申请人已确认如实申报承诺",
                named(names, by)
            ),
            _ => "居民网上申请；申请人已确认如实申报承诺".into(),
        },
    }];
    let state = r.status.as_str();
    let stopped = |label: &'static str, detail: String| Step {
        label,
        state: "stop",
        when: at(r.decided_at),
        detail,
    };
    match state {
        "refused" => {
            if r.verified_at.is_some() {
                steps.push(verified_step(r, names));
            }
            steps.push(stopped(
                "不予出具",
                r.refusal_reason.clone().unwrap_or_default(),
            ));
            return steps;
        }
        "withdrawn" => {
            steps.push(stopped("申请人已撤回", String::new()));
            return steps;
        }
        _ => {}
    }
    // The remaining steps in order; the first not yet done is the current one.
    let done_verify = r.verified_at.is_some();
    let done_approve = r.approved_at.is_some();
    let done_issue = d.certificate.is_some();
    steps.push(if done_verify {
        verified_step(r, names)
    } else {
        Step {
            label: "社区核实情况",
            state: "current",
            when: String::new(),
            detail: format!("工作人员核实申请人情况和材料。办结期限：{}", r.due_on),
        }
    });
    steps.push(Step {
        label: "书记/主任批准用印",
        state: if done_approve {
            "done"
        } else if done_verify {
            "current"
        } else {
            "todo"
        },
        when: at(r.approved_at),
        detail: r
            .approved_by
            .as_ref()
            .map(|a| format!("批准人：{}", named(names, a)))
            .unwrap_or_default(),
    });
    steps.push(Step {
        label: "出具证明",
        state: if done_issue {
            "done"
        } else if done_approve {
            "current"
        } else {
            "todo"
        },
        when: d
            .certificate
            .as_ref()
            .map(|c| date_of(c.issued_at))
            .unwrap_or_default(),
        detail: d
            .certificate
            .as_ref()
            .map(|c| format!("证明编号 {}", c.number))
            .unwrap_or_default(),
    });
    if let Some(c) = d.certificate.as_ref().filter(|c| c.status == "revoked") {
        steps.push(Step {
            label: "证明已作废",
            state: "stop",
            when: at(c.revoked_at),
            detail: c.revoke_reason.clone().unwrap_or_default(),
        });
    }
    steps
}

fn verified_step(r: &jianfu_store::CertificateApplicationRow, names: &Names) -> Step {
    let mut detail = r
        .verified_by
        .as_ref()
        .map(|v| format!("核实人：{}", named(names, v)))
        .unwrap_or_default();
    if let Some(n) = r.verify_note.as_ref().filter(|n| !n.is_empty()) {
        detail.push_str(&format!("；核实情况：{n}"));
    }
    Step {
        label: "社区核实情况",
        state: "done",
        when: r.verified_at.map(date_of).unwrap_or_default(),
        detail,
    }
}
