//! Free-text fields at the service boundary, one way for every use case: the domain's
//! [`InputText`] (trimmed, no control characters, a maximum length) turned into the service's
//! error, naming the field by its label on the form. Nothing is cut short silently: text that is
//! too long is refused with its length, so the user can shorten it (their input is kept).

use crate::service::ServiceError;
use jianfu_domain::text::{InputText, TextError};

/// A one-line field (names, titles, channels, document numbers).
pub fn line(raw: &str, max: usize, field: &str) -> Result<String, ServiceError> {
    line_or(raw, max, field, "text_too_long")
}

/// A multi-line field (reasons, opinions, descriptions).
pub fn paragraph(raw: &str, max: usize, field: &str) -> Result<String, ServiceError> {
    paragraph_or(raw, max, field, "text_too_long")
}

/// As [`line`], for a field whose length error was published earlier under its own code
/// (e.g. `title_too_long`); codes are never renamed.
pub fn line_or(
    raw: &str,
    max: usize,
    field: &str,
    too_long_code: &'static str,
) -> Result<String, ServiceError> {
    refusal(InputText::line(raw, max), field, too_long_code)
}

/// As [`paragraph`], with the field's own published length code.
pub fn paragraph_or(
    raw: &str,
    max: usize,
    field: &str,
    too_long_code: &'static str,
) -> Result<String, ServiceError> {
    refusal(InputText::paragraph(raw, max), field, too_long_code)
}

fn refusal(
    t: Result<InputText, TextError>,
    field: &str,
    too_long_code: &'static str,
) -> Result<String, ServiceError> {
    t.map(InputText::into_string)
        .map_err(|e| ServiceError::Rejected {
            code: match e {
                TextError::TooLong { .. } => too_long_code,
                other => other.code(),
            },
            message: e.message(field),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(r: Result<String, ServiceError>) -> &'static str {
        match r {
            Err(ServiceError::Rejected { code, .. }) => code,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn refuses_what_the_domain_refuses_under_the_fields_code() {
        assert_eq!(line("  区民政局 ", 10, "名称").unwrap(), "区民政局");
        assert_eq!(code(line("a\u{0}b", 10, "名称")), "control_character");
        assert_eq!(code(line("a\nb", 10, "名称")), "line_break_not_allowed");
        assert_eq!(code(line("一二三", 2, "名称")), "text_too_long");
        assert_eq!(
            code(line_or("一二三", 2, "名称", "title_too_long")),
            "title_too_long"
        );
        assert_eq!(paragraph("一\r\n二", 5, "说明").unwrap(), "一\n二");
        assert_eq!(code(paragraph("一\u{7}", 5, "说明")), "control_character");
    }
}
