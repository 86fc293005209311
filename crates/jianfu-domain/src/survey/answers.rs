//! A submitted form read against the questionnaire it answers. Fields are named `q1`, `q2`, … (the
//! question's number); a multiple choice repeats its field. A question whose condition is not met
//! is not asked, so whatever came for it is dropped; a required question that is asked must be
//! answered; every value must be one the question offers.

use super::questionnaire::{QUESTION_MAX, Question, QuestionKind, Questionnaire};
use crate::text::{InputText, TextError};

/// The longest free-text answer.
pub const TEXT_ANSWER_MAX: usize = 1_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Option index (from 0).
    Choice(usize),
    /// Option indexes, ascending, each once.
    Choices(Vec<usize>),
    /// 1..=scale
    Rating(u8),
    Text(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnswerError {
    Required {
        number: usize,
    },
    /// A value the question does not offer (a forged form or a stale page).
    OutOfRange {
        number: usize,
        value: String,
    },
    /// A single choice or a rating given twice.
    OneValueOnly {
        number: usize,
    },
    UnknownQuestion {
        field: String,
    },
    Text {
        number: usize,
        error: TextError,
    },
}

impl AnswerError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Required { .. } => "answer_required",
            Self::OutOfRange { .. } => "answer_out_of_range",
            Self::OneValueOnly { .. } => "one_value_only",
            Self::UnknownQuestion { .. } => "unknown_question",
            Self::Text { error, .. } => error.code(),
        }
    }
    pub fn message(&self) -> String {
        match self {
            Self::Required { number } => format!("第 {number} 题还没有回答。"),
            Self::OutOfRange { number, value } => {
                let value: String = value.chars().take(QUESTION_MAX).collect();
                format!("第 {number} 题没有“{value}”这个选项，请重新选择。")
            }
            Self::OneValueOnly { number } => format!("第 {number} 题只能选一项。"),
            Self::UnknownQuestion { field } => {
                let field: String = field.chars().take(40).collect();
                format!("问卷里没有“{field}”这道题，页面可能已过期，请刷新后再填。")
            }
            Self::Text { number, error } => error.message(&format!("第 {number} 题")),
        }
    }
    /// The question the error is about, for putting the message next to it.
    pub fn number(&self) -> Option<usize> {
        match self {
            Self::Required { number }
            | Self::OutOfRange { number, .. }
            | Self::OneValueOnly { number }
            | Self::Text { number, .. } => Some(*number),
            Self::UnknownQuestion { .. } => None,
        }
    }
}

/// The question number a field name stands for (`q3` → 3).
pub fn field_number(name: &str) -> Option<usize> {
    name.strip_prefix('q')?.parse().ok().filter(|n| *n >= 1)
}

/// Whether question `i` is asked, given the answers so far.
fn asked(q: &Question, answers: &[Option<Answer>]) -> bool {
    let Some(c) = q.show_if else { return true };
    match answers.get(c.question) {
        Some(Some(Answer::Choice(o))) => *o == c.option,
        Some(Some(Answer::Choices(os))) => os.contains(&c.option),
        _ => false,
    }
}

fn read_one(number: usize, q: &Question, values: &[&str]) -> Result<Option<Answer>, AnswerError> {
    let values: Vec<&str> = values
        .iter()
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .collect();
    if values.is_empty() {
        return Ok(None);
    }
    let out_of_range = |v: &str| AnswerError::OutOfRange {
        number,
        value: v.to_string(),
    };
    let option = |v: &str| {
        v.parse::<usize>()
            .ok()
            .filter(|o| *o < q.options.len())
            .ok_or_else(|| out_of_range(v))
    };
    Ok(Some(match q.kind {
        QuestionKind::Single | QuestionKind::Rating if values.len() > 1 => {
            return Err(AnswerError::OneValueOnly { number });
        }
        QuestionKind::Single => Answer::Choice(option(values[0])?),
        QuestionKind::Multiple => {
            let mut os = values
                .iter()
                .map(|v| option(v))
                .collect::<Result<Vec<_>, _>>()?;
            os.sort_unstable();
            os.dedup();
            Answer::Choices(os)
        }
        QuestionKind::Rating => Answer::Rating(
            values[0]
                .parse::<u8>()
                .ok()
                .filter(|v| (1..=q.scale).contains(v))
                .ok_or_else(|| out_of_range(values[0]))?,
        ),
        QuestionKind::Text => {
            let text = values.join("\n");
            let t = InputText::paragraph(&text, TEXT_ANSWER_MAX)
                .map_err(|error| AnswerError::Text { number, error })?;
            Answer::Text(t.into_string())
        }
    }))
}

/// Reads `fields` (name, value) against `q`. Answers come back by question index; a question not
/// asked or left blank is `None`. The first problem found is returned, numbered as the resident
/// sees the questions.
pub fn check_answers(
    q: &Questionnaire,
    fields: &[(String, String)],
) -> Result<Vec<Option<Answer>>, AnswerError> {
    for (name, _) in fields {
        if field_number(name).is_none_or(|n| n > q.questions.len()) {
            return Err(AnswerError::UnknownQuestion {
                field: name.clone(),
            });
        }
    }
    let mut answers: Vec<Option<Answer>> = Vec::with_capacity(q.questions.len());
    for (i, question) in q.questions.iter().enumerate() {
        let number = i + 1;
        if !asked(question, &answers) {
            answers.push(None);
            continue;
        }
        let values: Vec<&str> = fields
            .iter()
            .filter(|(n, _)| field_number(n) == Some(number))
            .map(|(_, v)| v.as_str())
            .collect();
        let answer = read_one(number, question, &values)?;
        if answer.is_none() && question.required {
            return Err(AnswerError::Required { number });
        }
        answers.push(answer);
    }
    Ok(answers)
}

/// One response's satisfaction, 0–100: the mean of its ratings, each put on 0–100
/// (1 → 0, scale → 100). `None` when it rated nothing.
pub fn response_score(q: &Questionnaire, answers: &[Option<Answer>]) -> Option<f64> {
    let ratings: Vec<f64> = q
        .questions
        .iter()
        .zip(answers)
        .filter_map(|(question, a)| match a {
            Some(Answer::Rating(v)) => {
                Some(f64::from(v - 1) / f64::from(question.scale - 1) * 100.0)
            }
            _ => None,
        })
        .collect();
    (!ratings.is_empty()).then(|| ratings.iter().sum::<f64>() / ratings.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::super::questionnaire::standard_template;
    use super::*;

    fn f(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn a_full_answer_reads_back() {
        let q = standard_template(2026);
        let a = check_answers(
            &q,
            &f(&[
                ("q1", "0"),
                ("q2", "4"),
                ("q3", "5"),
                ("q4", "3"),
                ("q5", "1"),
                ("q6", "2"),
                ("q6", "0"),
                ("q7", " 停车难 "),
            ]),
        )
        .unwrap();
        assert_eq!(a[0], Some(Answer::Choice(0)));
        assert_eq!(a[5], Some(Answer::Choices(vec![0, 2])));
        assert_eq!(a[6], Some(Answer::Text("停车难".into())));
        // (3 + 4 + 2 + 0) / 4 quarters of the scale = 56.25
        assert_eq!(response_score(&q, &a), Some(56.25));
    }

    #[test]
    fn a_question_not_asked_is_dropped_and_not_required() {
        let q = standard_template(2026);
        // q2 is asked only of those who did business at the community (q1 = 0).
        let a = check_answers(
            &q,
            &f(&[
                ("q1", "1"),
                ("q2", "5"),
                ("q3", "5"),
                ("q4", "5"),
                ("q5", "5"),
            ]),
        )
        .unwrap();
        assert_eq!(a[1], None, "the hidden answer is not counted");
        let missing = check_answers(
            &q,
            &f(&[("q1", "0"), ("q3", "5"), ("q4", "5"), ("q5", "5")]),
        );
        assert_eq!(missing, Err(AnswerError::Required { number: 2 }));
    }

    #[test]
    fn values_outside_the_question_are_refused() {
        let q = standard_template(2026);
        let with = |over: (&'static str, &'static str)| {
            let mut v = vec![("q1", "1"), ("q3", "5"), ("q4", "5"), ("q5", "5")];
            v.retain(|(n, _)| *n != over.0);
            v.push(over);
            check_answers(&q, &f(&v)).unwrap_err().code()
        };
        assert_eq!(with(("q3", "6")), "answer_out_of_range");
        assert_eq!(with(("q3", "0")), "answer_out_of_range");
        assert_eq!(with(("q3", "很好")), "answer_out_of_range");
        assert_eq!(with(("q6", "9")), "answer_out_of_range");
        assert_eq!(with(("q9", "1")), "unknown_question");
        assert_eq!(with(("q7", "a\u{0}b")), "control_character");
        let twice = check_answers(
            &q,
            &f(&[
                ("q1", "1"),
                ("q1", "0"),
                ("q3", "5"),
                ("q4", "5"),
                ("q5", "5"),
            ]),
        );
        assert_eq!(twice.unwrap_err().code(), "one_value_only");
    }

    #[test]
    fn a_response_without_ratings_has_no_score() {
        let q = standard_template(2026);
        assert_eq!(response_score(&q, &[None, None, None]), None);
    }
}
