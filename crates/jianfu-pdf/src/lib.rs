//! The printable A4 PDF of a resident certificate (社区出具的证明).
//!
//! One call, [`render_certificate`], turns a filled certificate into PDF bytes: Song-style body text
//! in an embedded, per-document subset of Noto Serif CJK SC (so the file is tens of KB and its text
//! stays copyable and searchable), a bold title, the number top right, the issuing community and
//! date bottom right under a dashed seal area for the physical seal, and a vector QR code with the
//! verification code for the public verification page. Output is deterministic: the same input
//! gives the same bytes. Nothing here touches the network, the clock or the file system.
//!
//! [`render_code_slips`] prints, with the same fonts and QR drawing, a sheet of one-time survey code
//! slips (入户码条) for residents' satisfaction surveys: ten slips a page between cut lines.

mod draw;
mod error;
mod fonts;
mod linebreak;
mod qr;
mod render;
mod slips;

pub use error::PdfError;
pub use render::MAX_PAGES;
pub use slips::{CodeSlips, MAX_SLIP_CODES, render_code_slips};

/// A filled certificate, ready to print. All text is shown exactly as given (after trimming);
/// body paragraphs are separated by `'\n'` and get a two-character first-line indent, so any
/// indentation typed in front of a paragraph (spaces, 全角空格) is dropped.
#[derive(Debug, Clone, Copy)]
pub struct CertificateDoc<'a> {
    /// e.g. "与死亡人员关系证明".
    pub title: &'a str,
    /// 证明编号, e.g. "ZM110115001901-2026-000001"; printed top right on every page.
    pub number: &'a str,
    /// The filled certificate text; paragraphs separated by '\n'; long lines are wrapped.
    pub body: &'a str,
    /// e.g. "北京市大兴区社会保险事业管理中心：" (may be empty).
    pub addressee: &'a str,
    /// 出具单位, e.g. "北京市大兴区兴丰街道三合南里社区居民委员会".
    pub community_name: &'a str,
    /// e.g. "2026年11月28日".
    pub issued_on: &'a str,
    /// e.g. "7KQ2-M9XD".
    pub verify_code: &'a str,
    /// Full URL encoded in the QR code, e.g. "http://127.0.0.1:8080/verify?number=…&code=…".
    /// The part before `?` is also printed for people who type it in.
    pub verify_url: &'a str,
    /// Small print at the bottom (validity, how to verify, legal basis), one paragraph each.
    pub notes: &'a [&'a str],
    /// True: a large "已作废" mark across every page.
    pub revoked: bool,
}

/// Renders `doc` as an A4 PDF. Long bodies flow onto further pages (each page carries the number
/// and "第 i 页　共 n 页"); more than [`MAX_PAGES`] pages is refused with [`PdfError::TooLong`].
/// Characters the embedded font cannot draw are refused with [`PdfError::MissingGlyphs`] naming
/// them, never printed as boxes.
pub fn render_certificate(doc: &CertificateDoc) -> Result<Vec<u8>, PdfError> {
    render::render(doc)
}

/// The characters of `text` that the embedded body font cannot draw, each once, in order of
/// appearance (line breaks ignored). Lets a form warn about a rare name character (生僻字) while
/// the worker is still typing, instead of at printing time; [`render_certificate`] refuses the same
/// characters with [`PdfError::MissingGlyphs`].
pub fn missing_glyphs(text: &str) -> Result<Vec<char>, PdfError> {
    let mut missing = Vec::new();
    fonts::fonts()?.body.collect_missing(text, &mut missing);
    Ok(missing)
}

#[cfg(test)]
mod slips_tests;
#[cfg(test)]
mod tests;
