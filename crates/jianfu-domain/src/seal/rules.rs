//! What a recorded use of the seal must say: what was sealed (never a blank document), how many
//! copies, who handled it, and for whom. Each refusal has a stable code and a Chinese message.

use super::POLICY;
use crate::citation::Citation;
use thiserror::Error;

pub const MAX_CONTENT_CHARS: usize = 500;
pub const MAX_COPIES: i64 = 1000;
pub const MAX_PERSON_CHARS: usize = 50;
pub const MAX_CONTACT_CHARS: usize = 50;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SealUseError {
    #[error("请写明用印的文件名称和事由：不能在空白或未填写内容的文件上盖章")]
    BlankContent,
    #[error("用印事由不能超过 {MAX_CONTENT_CHARS} 个字")]
    ContentTooLong,
    #[error("份数须为 1 到 {MAX_COPIES} 之间的整数")]
    BadCopies,
    #[error("请从本社区的工作人员中选择经办人")]
    NoHandler,
    #[error("申请人姓名或单位不能超过 {MAX_PERSON_CHARS} 个字")]
    ApplicantTooLong,
    #[error("联系方式不能超过 {MAX_CONTACT_CHARS} 个字")]
    ContactTooLong,
}

impl SealUseError {
    pub fn code(&self) -> &'static str {
        match self {
            SealUseError::BlankContent => "blank_document",
            SealUseError::ContentTooLong => "content_too_long",
            SealUseError::BadCopies => "invalid_copies",
            SealUseError::NoHandler => "unknown_handler",
            SealUseError::ApplicantTooLong => "applicant_too_long",
            SealUseError::ContactTooLong => "contact_too_long",
        }
    }
    pub fn citation(&self) -> Citation {
        POLICY
    }
}

/// A use of the seal as checked: text trimmed, copies parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealUse {
    pub content: String,
    pub copies: i64,
    pub handler: String,
    pub applicant: String,
    pub contact: String,
}

/// Checks a use of the seal for a work document as typed. `copies` is the text of the field, so
/// "两份" or "-1" get the same clear refusal as a missing number.
pub fn check_use(
    content: &str,
    copies: &str,
    handler: &str,
    applicant: &str,
    contact: &str,
) -> Result<SealUse, SealUseError> {
    let content = content.trim();
    if content.is_empty() {
        return Err(SealUseError::BlankContent);
    }
    if content.chars().count() > MAX_CONTENT_CHARS {
        return Err(SealUseError::ContentTooLong);
    }
    let copies: i64 = copies.trim().parse().map_err(|_| SealUseError::BadCopies)?;
    if !(1..=MAX_COPIES).contains(&copies) {
        return Err(SealUseError::BadCopies);
    }
    let handler = handler.trim();
    if handler.is_empty() {
        return Err(SealUseError::NoHandler);
    }
    let applicant = applicant.trim();
    if applicant.chars().count() > MAX_PERSON_CHARS {
        return Err(SealUseError::ApplicantTooLong);
    }
    let contact = contact.trim();
    if contact.chars().count() > MAX_CONTACT_CHARS {
        return Err(SealUseError::ContactTooLong);
    }
    Ok(SealUse {
        content: content.to_string(),
        copies,
        handler: handler.to_string(),
        applicant: applicant.to_string(),
        contact: contact.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_complete_use_passes_trimmed() {
        let u = check_use(
            " 关于开展消夏晚会的场地申请函 ",
            " 2 ",
            "shegong",
            " 王某 ",
            "13800001111",
        )
        .unwrap();
        assert_eq!(u.content, "关于开展消夏晚会的场地申请函");
        assert_eq!(u.copies, 2);
        assert_eq!(u.applicant, "王某");
        // Applicant and contact are optional for work documents.
        assert!(check_use("工作函", "1", "shegong", "", "").is_ok());
    }

    #[test]
    fn each_requirement_has_its_code() {
        let cases = [
            (check_use("  ", "1", "a", "", ""), "blank_document"),
            (
                check_use(&"字".repeat(501), "1", "a", "", ""),
                "content_too_long",
            ),
            (check_use("函", "0", "a", "", ""), "invalid_copies"),
            (check_use("函", "两份", "a", "", ""), "invalid_copies"),
            (check_use("函", "1001", "a", "", ""), "invalid_copies"),
            (check_use("函", "1", " ", "", ""), "unknown_handler"),
            (
                check_use("函", "1", "a", &"名".repeat(51), ""),
                "applicant_too_long",
            ),
            (
                check_use("函", "1", "a", "", &"1".repeat(51)),
                "contact_too_long",
            ),
        ];
        for (r, code) in cases {
            let e = r.unwrap_err();
            assert_eq!(e.code(), code);
            assert!(
                e.to_string()
                    .chars()
                    .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
            );
            assert_eq!(e.citation(), POLICY);
        }
    }
}
