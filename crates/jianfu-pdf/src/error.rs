//! Why a certificate or a sheet of survey code slips could not be rendered. Every message is meant
//! to be shown to the community worker as it is; `code()` is the stable machine code for APIs.

use std::fmt::Write as _;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PdfError {
    /// A required field is blank. A blank or half-filled certificate must never be printed, since
    /// the seal would then vouch for whatever is written in later.
    #[error("“{field}”为空：不能打印空白或未填写完整的证明")]
    EmptyField { field: &'static str },

    /// A control character (other than the paragraph break in the body) would print as nothing.
    #[error("“{field}”中含有不可打印的控制字符（U+{code_point:04X}），请删除后重试")]
    ControlCharacter {
        field: &'static str,
        code_point: u32,
    },

    /// Characters the embedded font cannot draw, in order of first appearance. Printing them as
    /// empty boxes would put a wrong name under the seal, so the worker must fix or handwrite them.
    #[error("{}", missing_glyphs_message(.0))]
    MissingGlyphs(Vec<char>),

    /// A field does not fit its place: a one-line field of a certificate (number, verification
    /// code), or text of a survey code slip beyond its lines (title, community, code, closing date,
    /// link, note).
    #[error("“{field}”过长，排不下，请缩短后重试")]
    TooWide { field: &'static str },

    /// The body (with the notes) would need more pages than a certificate may have.
    #[error("证明内容过长：排版需要超过 {max_pages} 页，请精简正文或说明后重试")]
    TooLong { max_pages: usize },

    /// The verification URL does not fit in a QR code.
    #[error("核验网址过长，无法生成二维码")]
    VerifyUrlTooLong,

    /// A sheet of survey code slips without a single code: there is nothing to print.
    #[error("没有可打印的入户码：请先生成入户码，再打印入户码条")]
    NoCodes,

    /// More codes than one sheet of slips may carry (one print run, 10 slips a page).
    #[error("一次最多打印 {max} 个入户码，本次有 {count} 个，请分批打印")]
    TooManyCodes { count: usize, max: usize },

    /// A required field of the survey code slips is blank (a code among them included): a slip
    /// without its survey, link or code cannot be used by the household that gets it.
    #[error("“{field}”为空：不能打印缺少内容的入户码条")]
    SlipFieldEmpty { field: &'static str },

    /// The fonts compiled into the program could not be read (a broken build, not bad input).
    #[error("内置字库无法读取（{0}），请联系系统管理员")]
    Font(String),

    /// The PDF writer failed (not expected for valid input).
    #[error("生成 PDF 文件失败（{0}），请联系系统管理员")]
    Pdf(String),
}

impl PdfError {
    /// Stable snake_case code for API responses; never renamed once published.
    pub fn code(&self) -> &'static str {
        match self {
            PdfError::EmptyField { .. } => "certificate_field_empty",
            PdfError::ControlCharacter { .. } => "certificate_control_character",
            PdfError::MissingGlyphs(_) => "certificate_missing_glyphs",
            PdfError::TooWide { .. } => "certificate_field_too_wide",
            PdfError::TooLong { .. } => "certificate_too_long",
            PdfError::VerifyUrlTooLong => "certificate_verify_url_too_long",
            PdfError::NoCodes => "survey_slips_no_codes",
            PdfError::TooManyCodes { .. } => "survey_slips_too_many_codes",
            PdfError::SlipFieldEmpty { .. } => "survey_slips_field_empty",
            PdfError::Font(_) => "certificate_font_unavailable",
            PdfError::Pdf(_) => "certificate_pdf_failed",
        }
    }
}

fn missing_glyphs_message(chars: &[char]) -> String {
    let mut listed = String::new();
    for (i, c) in chars.iter().enumerate() {
        if i > 0 {
            listed.push('、');
        }
        // The code point too: some such characters are invisible or look like a common one.
        let _ = write!(listed, "“{c}”（U+{:04X}）", *c as u32);
    }
    format!(
        "以下字符超出内置字库，无法打印：{listed}。请核对是否录入有误；确为生僻字的，请改为手工填写这些字"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_glyphs_names_each_character_with_its_code_point() {
        let msg = PdfError::MissingGlyphs(vec!['𠮷', '䶮']).to_string();
        assert!(msg.contains("“𠮷”（U+20BB7）"), "{msg}");
        assert!(msg.contains("“䶮”（U+4DAE）"), "{msg}");
        assert_eq!(
            PdfError::MissingGlyphs(vec![]).code(),
            "certificate_missing_glyphs"
        );
    }

    #[test]
    fn messages_are_chinese() {
        let e = PdfError::EmptyField {
            field: "证明正文"
        };
        assert_eq!(
            e.to_string(),
            "“证明正文”为空：不能打印空白或未填写完整的证明"
        );
        let e = PdfError::ControlCharacter {
            field: "证明标题",
            code_point: 7,
        };
        assert!(e.to_string().contains("U+0007"));
    }
}
