//! Text that comes in from outside (forms, JSON, spreadsheets): one type, [`InputText`], for every
//! free-text field.
//!
//! - Control characters are refused (U+0000–U+001F, U+007F–U+009F), except tab and line feed in
//!   multi-line fields (a carriage return before a line feed is dropped). PostgreSQL cannot store
//!   U+0000 in text at all: it answered 500 and an SQLite export would not import. Others are
//!   invisible on screen and in printed certificates, so they can hide what a text says.
//! - Leading and trailing white space is trimmed.
//! - Every field has a maximum length in characters.
//!
//! The same check, [`find_control`], is run over every JSON body, form and query string at the
//! HTTP boundary, so no field escapes it even before a service parses it.

use crate::citation::{Citation, GBT_22239};

pub const INPUT_TEXT_CITATION: Citation = Citation {
    document: GBT_22239,
    clause: "8.1.4.4 e) 应提供数据有效性检验功能，保证通过人机接口输入或通过通信接口输入的内容符合系统设定要求",
};

/// A one-line field: names, titles, numbers, units (200 characters unless said otherwise).
pub const LINE_MAX: usize = 200;
/// A paragraph field: reasons, descriptions, opinions (5,000 characters unless said otherwise).
pub const PARAGRAPH_MAX: usize = 5_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextError {
    /// A control character at this position (counted in characters, from 1).
    ControlCharacter {
        position: usize,
        code_point: u32,
    },
    /// A line break in a one-line field.
    LineBreak,
    TooLong {
        max: usize,
        got: usize,
    },
}

impl TextError {
    /// Stable API error codes.
    pub fn code(&self) -> &'static str {
        match self {
            Self::ControlCharacter { .. } => "control_character",
            Self::LineBreak => "line_break_not_allowed",
            Self::TooLong { .. } => "text_too_long",
        }
    }

    /// The Chinese message, naming the field (its label on the form).
    pub fn message(&self, field: &str) -> String {
        match self {
            Self::ControlCharacter {
                position,
                code_point,
            } => format!(
                "“{field}”第 {position} 个字符是不可见的控制字符（U+{code_point:04X}），请删除后重新提交（常见于从其他软件复制的文字）"
            ),
            Self::LineBreak => format!("“{field}”只能填一行，请去掉换行"),
            Self::TooLong { max, got } => {
                format!("“{field}”最多 {max} 个字符，现有 {got} 个，请精简")
            }
        }
    }
}

/// Full-width ASCII (Ａ, １, （, ／) → half-width; the ideographic space → a space. Chinese
/// keyboards type digits and codes this way; names keep what was typed, so callers use this only
/// where a code, number or date is read.
pub fn half_width(c: char) -> char {
    match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// [`half_width`] over a whole text, trimmed.
pub fn half_width_text(s: &str) -> String {
    s.chars()
        .map(half_width)
        .collect::<String>()
        .trim()
        .to_string()
}

/// Free text that passed the checks: trimmed, no control characters, within its length.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InputText(String);

impl InputText {
    /// A one-line field of at most `max` characters.
    pub fn line(raw: &str, max: usize) -> Result<Self, TextError> {
        let t = raw.trim();
        if t.contains(['\n', '\r']) {
            return Err(TextError::LineBreak);
        }
        Self::checked(t.to_string(), false, max)
    }

    /// A multi-line field of at most `max` characters; CRLF becomes LF.
    pub fn paragraph(raw: &str, max: usize) -> Result<Self, TextError> {
        let t = raw.trim();
        let t = if t.contains('\r') {
            t.replace("\r\n", "\n")
        } else {
            t.to_string()
        };
        Self::checked(t, true, max)
    }

    fn checked(t: String, multiline: bool, max: usize) -> Result<Self, TextError> {
        if let Some((position, c)) = find_control(&t, multiline) {
            return Err(TextError::ControlCharacter {
                position,
                code_point: c as u32,
            });
        }
        let got = t.chars().count();
        if got > max {
            return Err(TextError::TooLong { max, got });
        }
        Ok(Self(t))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::ops::Deref for InputText {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for InputText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Is `c` refused? Tab, line feed and carriage return are allowed when `multiline` (the boundary
/// check does not know the field, so it allows them; [`InputText::line`] refuses line breaks).
pub fn is_refused(c: char, multiline: bool) -> bool {
    c.is_control() && !(multiline && matches!(c, '\t' | '\n' | '\r'))
}

/// The first refused character and its position (from 1), if any.
pub fn find_control(s: &str, multiline: bool) -> Option<(usize, char)> {
    s.chars()
        .enumerate()
        .find(|(_, c)| is_refused(*c, multiline))
        .map(|(i, c)| (i + 1, c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_and_other_control_characters_are_refused() {
        for bad in ["a\u{0}b", "\u{1b}[31m红", "x\u{7f}", "x\u{85}y", "x\u{8}"] {
            let e = InputText::line(bad, LINE_MAX).unwrap_err();
            assert_eq!(e.code(), "control_character", "{bad:?}");
            assert!(e.message("标题").contains("标题"));
            assert!(InputText::paragraph(bad, PARAGRAPH_MAX).is_err(), "{bad:?}");
        }
        assert_eq!(
            InputText::line("ab\u{0}", 10),
            Err(TextError::ControlCharacter {
                position: 3,
                code_point: 0
            })
        );
    }

    #[test]
    fn paragraphs_keep_tabs_and_line_breaks_lines_do_not() {
        let p = InputText::paragraph("  第一行\r\n\t第二行  ", 100).unwrap();
        assert_eq!(p.as_str(), "第一行\n\t第二行");
        assert_eq!(
            InputText::line("第一行\n第二行", 100),
            Err(TextError::LineBreak)
        );
        assert_eq!(
            InputText::line("名称\t规格", 100).unwrap_err().code(),
            "control_character"
        );
    }

    #[test]
    fn text_is_trimmed_and_bounded_in_characters() {
        assert_eq!(InputText::line("  社区  ", 2).unwrap().as_str(), "社区");
        let long = "字".repeat(201);
        assert_eq!(
            InputText::line(&long, LINE_MAX),
            Err(TextError::TooLong { max: 200, got: 201 })
        );
        assert!(InputText::line(&"字".repeat(200), LINE_MAX).is_ok());
    }

    #[test]
    fn ordinary_chinese_text_passes_unchanged() {
        let t = "关于开展“文明城区”创建工作的通知（京兴政办发〔2026〕12号）";
        assert_eq!(InputText::line(t, LINE_MAX).unwrap().as_str(), t);
        assert_eq!(find_control(t, false), None);
    }

    #[test]
    fn the_rule_cites_its_clause() {
        assert!(INPUT_TEXT_CITATION.clause.starts_with("8.1.4.4"));
    }
}
