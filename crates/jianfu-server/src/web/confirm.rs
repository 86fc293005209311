//! 确认: the step before an action that cannot be undone (approve, refuse, revoke, confirm or
//! dismiss a report, issue, void). The action's form posts as usual; without `confirmed=yes` the
//! handler answers with this page instead of acting. The page says what will happen, shows what
//! was typed, and carries every field on as hidden inputs, so 返回修改 brings the form back filled
//! in and 确认 acts with exactly what was shown. Works without JavaScript.

use super::PageContext;
use askama::Template;

/// What the post asked for, read from its `confirmed` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// First post from the action's form: show the confirmation page.
    Ask,
    /// 确认 on the confirmation page: act.
    Confirmed,
    /// 返回修改: show the form again with what was typed.
    Back,
}

impl Step {
    pub fn of(fields: &[(String, String)]) -> Step {
        match fields.iter().find(|(k, _)| k == "confirmed") {
            Some((_, v)) if v == "yes" => Step::Confirmed,
            Some((_, v)) if v == "no" => Step::Back,
            _ => Step::Ask,
        }
    }
}

/// One question before an irreversible action.
pub struct Question {
    /// What is being acted on, e.g. the case title.
    pub subject: String,
    /// The question, e.g. "确认批准准入？".
    pub title: String,
    /// What will happen, in the user's words, one consequence per line.
    pub consequences: Vec<String>,
    /// What was typed that the action will use, (label, text); empty texts are left out.
    pub typed: Vec<(String, String)>,
    /// Where the form posts (the action's own URL).
    pub action: String,
    /// The confirm button, e.g. "确认批准".
    pub confirm_label: String,
    /// A red confirm button for actions that take something away.
    pub danger: bool,
}

#[derive(Template)]
#[template(path = "confirm.html")]
pub struct ConfirmPage {
    pub ctx: PageContext,
    pub q: Question,
    /// The posted fields to carry on (without `csrf` and `confirmed`).
    pub fields: Vec<(String, String)>,
}

impl ConfirmPage {
    pub fn new(ctx: PageContext, q: Question, posted: &[(String, String)]) -> Self {
        let fields = posted
            .iter()
            .filter(|(k, _)| k != "csrf" && k != "confirmed")
            .cloned()
            .collect();
        let q = Question {
            typed: q
                .typed
                .into_iter()
                .filter(|(_, t)| !t.trim().is_empty())
                .collect(),
            ..q
        };
        ConfirmPage { ctx, q, fields }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(k: &str, v: &str) -> (String, String) {
        (k.into(), v.into())
    }

    #[test]
    fn only_an_explicit_yes_acts() {
        assert_eq!(Step::of(&[f("comment", "x")]), Step::Ask);
        assert_eq!(Step::of(&[f("confirmed", "yes")]), Step::Confirmed);
        assert_eq!(Step::of(&[f("confirmed", "no")]), Step::Back);
        assert_eq!(Step::of(&[f("confirmed", "")]), Step::Ask);
        assert_eq!(Step::of(&[f("confirmed", "YES!")]), Step::Ask);
    }
}
