//! What a questionnaire may hold. A questionnaire is built as a draft and checked here before it
//! is published; once published it is frozen (a change makes a new version), so every answer is
//! read against the exact questions it was given.

use crate::text::{InputText, TextError};
use serde::{Deserialize, Serialize};

pub const MAX_QUESTIONS: usize = 40;
pub const MAX_OPTIONS: usize = 12;
pub const MIN_SCALE: u8 = 3;
pub const MAX_SCALE: u8 = 10;
pub const DEFAULT_SCALE: u8 = 5;
/// A question's text, an option, the title.
pub const QUESTION_MAX: usize = 200;
pub const INTRO_MAX: usize = 1_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    /// 单选
    Single,
    /// 多选
    Multiple,
    /// 满意度评分 (1..=scale); every rating counts towards the satisfaction score.
    Rating,
    /// 意见建议 (free text)
    Text,
}

impl QuestionKind {
    pub const ALL: [QuestionKind; 4] = [Self::Single, Self::Multiple, Self::Rating, Self::Text];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Single => "single",
            Self::Multiple => "multiple",
            Self::Rating => "rating",
            Self::Text => "text",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s || k.label_zh() == s)
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Single => "单选",
            Self::Multiple => "多选",
            Self::Rating => "满意度评分",
            Self::Text => "意见建议（文字）",
        }
    }
    pub fn is_choice(self) -> bool {
        matches!(self, Self::Single | Self::Multiple)
    }
}

/// Ask this question only when an earlier choice question got this option.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShowIf {
    /// Index (from 0) of the earlier question.
    pub question: usize,
    /// Index (from 0) of its option.
    pub option: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    pub text: String,
    pub kind: QuestionKind,
    /// Choice questions only.
    #[serde(default)]
    pub options: Vec<String>,
    /// Rating questions only: the top of the scale (1 = 很不满意 … scale = 很满意).
    #[serde(default)]
    pub scale: u8,
    pub required: bool,
    #[serde(default)]
    pub show_if: Option<ShowIf>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Questionnaire {
    pub title: String,
    pub intro: String,
    pub questions: Vec<Question>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuestionnaireError {
    TitleMissing,
    NoQuestions,
    NoRating,
    TooManyQuestions,
    QuestionTextMissing {
        number: usize,
    },
    TooFewOptions {
        number: usize,
    },
    TooManyOptions {
        number: usize,
    },
    DuplicateOption {
        number: usize,
        option: String,
    },
    ScaleOutOfRange {
        number: usize,
        scale: u8,
    },
    /// The condition names a later question, itself, a question that is not a choice, or an
    /// option it does not have.
    BadCondition {
        number: usize,
    },
    Text {
        field: String,
        error: TextError,
    },
}

impl QuestionnaireError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::TitleMissing => "title_missing",
            Self::NoQuestions => "no_questions",
            Self::NoRating => "no_rating_question",
            Self::TooManyQuestions => "too_many_questions",
            Self::QuestionTextMissing { .. } => "question_text_missing",
            Self::TooFewOptions { .. } => "too_few_options",
            Self::TooManyOptions { .. } => "too_many_options",
            Self::DuplicateOption { .. } => "duplicate_option",
            Self::ScaleOutOfRange { .. } => "scale_out_of_range",
            Self::BadCondition { .. } => "bad_condition",
            Self::Text { error, .. } => error.code(),
        }
    }

    /// The policy a refusal rests on, where one does: a questionnaire without a rating cannot
    /// give the satisfaction score the policy makes the main standard.
    pub fn citation(&self) -> Option<crate::Citation> {
        matches!(self, Self::NoRating).then_some(super::CITE_SATISFACTION)
    }

    pub fn message(&self) -> String {
        match self {
            Self::TitleMissing => "请填写问卷名称。".into(),
            Self::NoQuestions => "问卷还没有题目。".into(),
            Self::NoRating => {
                "问卷至少要有一道满意度评分题：居民满意度是评价社区工作的主要标准，得分由评分题算出。"
                    .into()
            }
            Self::TooManyQuestions => {
                format!("一份问卷最多 {MAX_QUESTIONS} 道题，题目太多居民答不完。")
            }
            Self::QuestionTextMissing { number } => format!("第 {number} 题没有题目文字。"),
            Self::TooFewOptions { number } => {
                format!("第 {number} 题是选择题，至少要有 2 个选项（每行一个）。")
            }
            Self::TooManyOptions { number } => {
                format!("第 {number} 题最多 {MAX_OPTIONS} 个选项。")
            }
            Self::DuplicateOption { number, option } => {
                format!("第 {number} 题的选项“{option}”重复了。")
            }
            Self::ScaleOutOfRange { number, scale } => format!(
                "第 {number} 题的评分档数是 {scale}，应在 {MIN_SCALE} 到 {MAX_SCALE} 之间（常用 5 档）。"
            ),
            Self::BadCondition { number } => format!(
                "第 {number} 题的显示条件只能指向它前面的一道选择题及其中一个选项。"
            ),
            Self::Text { field, error } => error.message(field),
        }
    }
}

fn line(raw: &str, max: usize, field: &str) -> Result<String, QuestionnaireError> {
    InputText::line(raw, max)
        .map(InputText::into_string)
        .map_err(|error| QuestionnaireError::Text {
            field: field.into(),
            error,
        })
}

/// A question as typed: text trimmed and checked, options one per line (blank lines dropped),
/// the scale defaulted for a rating.
pub fn question_from_input(
    text: &str,
    kind: QuestionKind,
    options_text: &str,
    scale: Option<u8>,
    required: bool,
    show_if: Option<ShowIf>,
) -> Result<Question, QuestionnaireError> {
    let text = line(text, QUESTION_MAX, "题目")?;
    let options = if kind.is_choice() {
        options_text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|l| line(l, QUESTION_MAX, "选项"))
            .collect::<Result<Vec<_>, _>>()?
    } else {
        Vec::new()
    };
    Ok(Question {
        text,
        kind,
        options,
        scale: if kind == QuestionKind::Rating {
            scale.unwrap_or(DEFAULT_SCALE)
        } else {
            0
        },
        required,
        show_if,
    })
}

/// Everything a questionnaire must satisfy before it is published.
pub fn check_questionnaire(q: &Questionnaire) -> Result<(), QuestionnaireError> {
    line(&q.title, QUESTION_MAX, "问卷名称")?;
    if q.title.trim().is_empty() {
        return Err(QuestionnaireError::TitleMissing);
    }
    InputText::paragraph(&q.intro, INTRO_MAX).map_err(|error| QuestionnaireError::Text {
        field: "说明".into(),
        error,
    })?;
    if q.questions.is_empty() {
        return Err(QuestionnaireError::NoQuestions);
    }
    if q.questions.len() > MAX_QUESTIONS {
        return Err(QuestionnaireError::TooManyQuestions);
    }
    for (i, question) in q.questions.iter().enumerate() {
        check_question(&q.questions[..i], i + 1, question)?;
    }
    if !q.questions.iter().any(|x| x.kind == QuestionKind::Rating) {
        return Err(QuestionnaireError::NoRating);
    }
    Ok(())
}

/// One question, given those before it (a condition may only look back).
pub fn check_question(
    earlier: &[Question],
    number: usize,
    q: &Question,
) -> Result<(), QuestionnaireError> {
    if q.text.trim().is_empty() {
        return Err(QuestionnaireError::QuestionTextMissing { number });
    }
    line(&q.text, QUESTION_MAX, "题目")?;
    if q.kind.is_choice() {
        if q.options.len() < 2 {
            return Err(QuestionnaireError::TooFewOptions { number });
        }
        if q.options.len() > MAX_OPTIONS {
            return Err(QuestionnaireError::TooManyOptions { number });
        }
        for (i, o) in q.options.iter().enumerate() {
            line(o, QUESTION_MAX, "选项")?;
            if q.options[..i].iter().any(|p| p.trim() == o.trim()) {
                return Err(QuestionnaireError::DuplicateOption {
                    number,
                    option: o.trim().into(),
                });
            }
        }
    }
    if q.kind == QuestionKind::Rating && !(MIN_SCALE..=MAX_SCALE).contains(&q.scale) {
        return Err(QuestionnaireError::ScaleOutOfRange {
            number,
            scale: q.scale,
        });
    }
    if let Some(c) = q.show_if {
        let ok = earlier
            .get(c.question)
            .is_some_and(|e| e.kind.is_choice() && c.option < e.options.len());
        if !ok {
            return Err(QuestionnaireError::BadCondition { number });
        }
    }
    Ok(())
}

impl Questionnaire {
    /// For a conditional question: the number (from 1) of the question it follows and the
    /// option that makes it asked.
    pub fn condition_of(&self, q: &Question) -> Option<(usize, String)> {
        let c = q.show_if?;
        let option = self.questions.get(c.question)?.options.get(c.option)?;
        Some((c.question + 1, option.clone()))
    }
}

/// The words of a rating's two ends and middle, for the form.
pub fn scale_label(value: u8, scale: u8) -> &'static str {
    if value == 1 {
        "很不满意"
    } else if value == scale {
        "很满意"
    } else if scale % 2 == 1 && value == scale / 2 + 1 {
        "一般"
    } else {
        ""
    }
}

/// A starting point for the district: the usual questions of a 社区居民满意度调查.
pub fn standard_template(year: i32) -> Questionnaire {
    let rating = |text: &str| Question {
        text: text.into(),
        kind: QuestionKind::Rating,
        options: Vec::new(),
        scale: DEFAULT_SCALE,
        required: true,
        show_if: None,
    };
    Questionnaire {
        title: format!("{year}年度社区居民满意度调查"),
        intro: "本问卷匿名填写，不记录您的姓名、门牌号、手机号和IP地址。每户一码，只能提交一次。"
            .into(),
        questions: vec![
            Question {
                text: "过去一年，您或家人是否到社区办过事？".into(),
                kind: QuestionKind::Single,
                options: vec!["办过".into(), "没有办过".into()],
                scale: 0,
                required: true,
                show_if: None,
            },
            Question {
                text: "您对社区办事的方便程度是否满意？".into(),
                kind: QuestionKind::Rating,
                options: Vec::new(),
                scale: DEFAULT_SCALE,
                required: true,
                show_if: Some(ShowIf {
                    question: 0,
                    option: 0,
                }),
            },
            rating("您对社区工作人员的服务态度是否满意？"),
            rating("您对小区环境卫生和秩序是否满意？"),
            rating("您对社区组织的文化体育活动是否满意？"),
            Question {
                text: "您最希望社区改进哪些方面？（可多选）".into(),
                kind: QuestionKind::Multiple,
                options: vec![
                    "办事效率".into(),
                    "环境卫生".into(),
                    "停车管理".into(),
                    "养老助老".into(),
                    "儿童活动".into(),
                ],
                scale: 0,
                required: false,
                show_if: None,
            },
            Question {
                text: "您对社区还有什么意见和建议？".into(),
                kind: QuestionKind::Text,
                options: Vec::new(),
                scale: 0,
                required: false,
                show_if: None,
            },
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choice(options: &[&str]) -> Question {
        Question {
            text: "是否办过事".into(),
            kind: QuestionKind::Single,
            options: options.iter().map(|s| s.to_string()).collect(),
            scale: 0,
            required: true,
            show_if: None,
        }
    }

    #[test]
    fn the_standard_template_is_publishable() {
        assert_eq!(check_questionnaire(&standard_template(2026)), Ok(()));
    }

    #[test]
    fn a_questionnaire_without_a_rating_cannot_be_published() {
        let q = Questionnaire {
            title: "调查".into(),
            intro: String::new(),
            questions: vec![choice(&["是", "否"])],
        };
        assert_eq!(check_questionnaire(&q), Err(QuestionnaireError::NoRating));
        let cited = QuestionnaireError::NoRating.citation().unwrap().to_string();
        assert!(
            cited.contains("二(二)") && cited.contains("三(三)"),
            "{cited}"
        );
    }

    #[test]
    fn choices_need_two_distinct_options() {
        let mut q = standard_template(2026);
        q.questions[0] = choice(&["是"]);
        assert_eq!(
            check_questionnaire(&q).unwrap_err().code(),
            "too_few_options"
        );
        q.questions[0] = choice(&["是", " 是"]);
        assert_eq!(
            check_questionnaire(&q).unwrap_err().code(),
            "duplicate_option"
        );
    }

    #[test]
    fn a_condition_may_only_look_back_at_a_choice_and_one_of_its_options() {
        let mut q = standard_template(2026);
        q.questions[1].show_if = Some(ShowIf {
            question: 0,
            option: 2,
        });
        assert_eq!(
            check_questionnaire(&q),
            Err(QuestionnaireError::BadCondition { number: 2 })
        );
        q.questions[1].show_if = Some(ShowIf {
            question: 1,
            option: 0,
        });
        assert!(
            check_questionnaire(&q).is_err(),
            "a question cannot depend on itself"
        );
        q.questions[3].show_if = Some(ShowIf {
            question: 2,
            option: 0,
        });
        q.questions[1].show_if = None;
        assert!(
            check_questionnaire(&q).is_err(),
            "question 3 is a rating, not a choice"
        );
    }

    #[test]
    fn rating_scales_run_from_three_to_ten() {
        let mut q = standard_template(2026);
        q.questions[2].scale = 2;
        assert_eq!(
            check_questionnaire(&q).unwrap_err().code(),
            "scale_out_of_range"
        );
        q.questions[2].scale = 10;
        assert_eq!(check_questionnaire(&q), Ok(()));
    }

    #[test]
    fn options_are_typed_one_per_line() {
        let q = question_from_input(
            " 停车 ",
            QuestionKind::Multiple,
            "甲\n\n 乙 \r\n丙",
            None,
            false,
            None,
        )
        .unwrap();
        assert_eq!(q.options, ["甲", "乙", "丙"]);
        assert_eq!(q.text, "停车");
        let r = question_from_input("满意吗", QuestionKind::Rating, "", None, true, None).unwrap();
        assert_eq!(r.scale, DEFAULT_SCALE);
    }

    #[test]
    fn scale_words_mark_both_ends_and_the_middle() {
        assert_eq!(scale_label(1, 5), "很不满意");
        assert_eq!(scale_label(3, 5), "一般");
        assert_eq!(scale_label(5, 5), "很满意");
        assert_eq!(scale_label(2, 4), "");
    }
}
