//! The certificate's page layout (plan: where every line goes), drawn by `draw::write_pdf`.
//! Planning first lets the page count be known before anything is drawn, for "第 i 页　共 n 页".

use krilla::geom::{PathBuilder, Point, Transform};

use crate::draw::{
    BLACK, FaceKind, GREY, Ink, MM, Op, PAGE_H, PAGE_W, Wrapped, baseline, face, face_for, fill,
    glyphs, stroke, text_op, wrap, wrap_balanced, write_pdf,
};
use crate::fonts::{Fonts, fonts};
use crate::qr::QrMatrix;
use crate::{CertificateDoc, PdfError};

/// A certificate is a page or two; more is a mistake in the template or the input.
pub const MAX_PAGES: usize = 5;

/// 三号 (16 pt) body text, 28 characters a line and about 22 lines a page, as in GB/T 9704.
const BODY_SIZE: f32 = 16.0;
const PITCH: f32 = 29.0;
const CONTENT_W: f32 = 28.0 * BODY_SIZE;
/// 27 mm left (a little more than right, for binding).
const LEFT: f32 = 27.0 * MM;
const RIGHT: f32 = LEFT + CONTENT_W;
/// Top of the text block (GB/T 9704: 37 mm).
const TOP: f32 = 37.0 * MM;
/// Pages other than the last end their body here.
const BODY_BOTTOM: f32 = PAGE_H - 30.0 * MM;

/// 二号 (22 pt) title.
const TITLE_SIZE: f32 = 22.0;
const TITLE_PITCH: f32 = 36.0;
/// 五号 (10.5 pt): number, seal label, verification lines.
const SMALL_SIZE: f32 = 10.5;
const SMALL_PITCH: f32 = 15.0;
/// 小五 (9 pt): notes.
const NOTE_SIZE: f32 = 9.0;
const NOTE_PITCH: f32 = 13.5;
const CODE_SIZE: f32 = 20.0;

const HEADER_BASELINE: f32 = 25.0 * MM;
const PAGE_NO_BASELINE: f32 = PAGE_H - 11.0 * MM;
const FOOTER_BOTTOM: f32 = PAGE_H - 17.0 * MM;
const QR_SIDE: f32 = 24.0 * MM;
/// Official seals of a 居民委员会 are 42 mm across; the circle shows where it goes.
const SEAL_RADIUS: f32 = 21.0 * MM;

const VERIFY_HINT: &str = "扫码或访问核验页面，输入证明编号和核验码即可查验真伪。";

/// The revoked mark: red, translucent so the text under it stays readable.
const VOID_RED: Ink = Ink {
    rgb: (200, 16, 16),
    opacity: 0.55,
};

/// The fields after trimming and splitting, checked for blanks and control characters.
struct Prepared<'a> {
    title: &'a str,
    number: &'a str,
    addressee: &'a str,
    paragraphs: Vec<String>,
    community_name: &'a str,
    issued_on: &'a str,
    verify_code: &'a str,
    verify_url: &'a str,
    notes: Vec<String>,
}

pub(crate) fn one_line<'a>(
    field: &'static str,
    value: &'a str,
    required: bool,
) -> Result<&'a str, PdfError> {
    let v = value.trim();
    if let Some(c) = v.chars().find(|c| c.is_control()) {
        return Err(PdfError::ControlCharacter {
            field,
            code_point: c as u32,
        });
    }
    if required && v.is_empty() {
        return Err(PdfError::EmptyField { field });
    }
    Ok(v)
}

/// Splits on line breaks (\n, \r\n, \r), turns tabs into spaces, drops typed indentation and
/// blank paragraphs.
pub(crate) fn paragraphs(field: &'static str, text: &str) -> Result<Vec<String>, PdfError> {
    let mut out = Vec::new();
    for raw in text.split('\n') {
        let p: String = raw
            .chars()
            .filter(|&c| c != '\r')
            .map(|c| if c == '\t' { ' ' } else { c })
            .collect();
        if let Some(c) = p.chars().find(|c| c.is_control()) {
            return Err(PdfError::ControlCharacter {
                field,
                code_point: c as u32,
            });
        }
        let p = p.trim_start_matches([' ', '\u{3000}']).trim_end();
        if !p.is_empty() {
            out.push(p.to_string());
        }
    }
    Ok(out)
}

impl<'a> Prepared<'a> {
    fn new(doc: &CertificateDoc<'a>) -> Result<Self, PdfError> {
        let prepared = Prepared {
            title: one_line("证明标题", doc.title, true)?,
            number: one_line("证明编号", doc.number, true)?,
            addressee: one_line("主送单位", doc.addressee, false)?,
            paragraphs: paragraphs("证明正文", doc.body)?,
            community_name: one_line("出具单位", doc.community_name, true)?,
            issued_on: one_line("出具日期", doc.issued_on, true)?,
            verify_code: one_line("核验码", doc.verify_code, true)?,
            verify_url: one_line("核验网址", doc.verify_url, true)?,
            notes: doc
                .notes
                .iter()
                .map(|n| paragraphs("说明", n))
                .collect::<Result<Vec<_>, _>>()?
                .into_iter()
                .flatten()
                .collect(),
        };
        if prepared.paragraphs.is_empty() {
            return Err(PdfError::EmptyField {
                field: "证明正文"
            });
        }
        Ok(prepared)
    }

    /// The part of the URL a person would type: without the query that carries number and code.
    fn verify_page(&self) -> &'a str {
        match self.verify_url.split_once('?') {
            Some((base, _)) if !base.is_empty() => base,
            _ => self.verify_url,
        }
    }
}

/// Which face sets the title and the code: the preferred one when it has every character,
/// otherwise the body face (which covers far more); missing characters are collected in order.
struct FaceChoice {
    title: FaceKind,
    code: FaceKind,
}

fn choose_faces(p: &Prepared, f: &Fonts) -> Result<FaceChoice, PdfError> {
    let mut missing: Vec<char> = Vec::new();
    let title = face_for(f, FaceKind::Title, [p.title]);
    let code = face_for(f, FaceKind::Mono, [p.verify_code]);
    let mut fields: Vec<&str> = vec![
        p.title,
        p.number,
        p.addressee,
        p.community_name,
        p.issued_on,
        p.verify_code,
        p.verify_page(),
    ];
    fields.extend(p.paragraphs.iter().map(String::as_str));
    fields.extend(p.notes.iter().map(String::as_str));
    for field in fields {
        f.body.collect_missing(field, &mut missing);
    }
    if missing.is_empty() {
        Ok(FaceChoice { title, code })
    } else {
        Err(PdfError::MissingGlyphs(missing))
    }
}

struct Planner<'f> {
    fonts: &'f Fonts,
    pages: Vec<Vec<Op>>,
    /// Top of the next line slot on the current page.
    y: f32,
}

impl<'f> Planner<'f> {
    fn new_page(&mut self) -> Result<(), PdfError> {
        if self.pages.len() >= MAX_PAGES {
            return Err(PdfError::TooLong {
                max_pages: MAX_PAGES,
            });
        }
        self.pages.push(Vec::new());
        self.y = TOP;
        Ok(())
    }

    fn push(&mut self, op: Op) {
        if let Some(page) = self.pages.last_mut() {
            page.push(op);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn text(
        &mut self,
        kind: FaceKind,
        size: f32,
        x: f32,
        baseline: f32,
        text: &str,
        gap: Option<f32>,
        ink: Ink,
    ) {
        self.push(Op::Text {
            face: kind,
            synthetic_bold: false,
            size,
            x,
            baseline,
            text: text.to_string(),
            gap,
            tracking: 0.0,
            ink,
        });
    }

    fn width(&self, kind: FaceKind, text: &str, size: f32) -> f32 {
        face(self.fonts, kind).width(text, size)
    }

    /// Wrapped lines of `text` in `kind` at `size`: (line text, natural width, justification gap).
    fn wrap(&self, kind: FaceKind, text: &str, size: f32, width: f32, indent: f32) -> Vec<Wrapped> {
        wrap(face(self.fonts, kind), text, size, width, indent)
    }
}

/// A body-text line waiting to be placed.
struct BodyLine {
    text: String,
    x: f32,
    gap: Option<f32>,
}

fn plan(p: &Prepared, f: &Fonts, faces: &FaceChoice) -> Result<Vec<Vec<Op>>, PdfError> {
    let mut pl = Planner {
        fonts: f,
        pages: Vec::new(),
        y: TOP,
    };
    pl.new_page()?;

    // Title, centred; a title set in the body face is drawn with a stroke to look bold. Short
    // titles are spaced out ("证　明", "居 住 证 明"), as official documents set them.
    let tracking = match p.title.chars().count() {
        2 => 1.0,
        3 | 4 => 0.5,
        _ => 0.0,
    };
    // A title that needs several lines is balanced (lines about equal, not one full and a stub).
    let title_lines = wrap_balanced(face(f, faces.title), p.title, TITLE_SIZE, CONTENT_W);
    for (line, w, _) in title_lines {
        let b = baseline(pl.y, TITLE_PITCH, TITLE_SIZE);
        let spaced = w + tracking * TITLE_SIZE * (line.chars().count() as f32 - 1.0);
        pl.push(Op::Text {
            face: faces.title,
            synthetic_bold: matches!(faces.title, FaceKind::Body),
            size: TITLE_SIZE,
            x: LEFT + (CONTENT_W - spaced) / 2.0,
            baseline: b,
            text: line,
            gap: None,
            tracking,
            ink: BLACK,
        });
        pl.y += TITLE_PITCH;
    }
    pl.y += PITCH / 2.0;

    for (line, _, gap) in pl.wrap(FaceKind::Body, p.addressee, BODY_SIZE, CONTENT_W, 0.0) {
        let b = baseline(pl.y, PITCH, BODY_SIZE);
        pl.text(FaceKind::Body, BODY_SIZE, LEFT, b, &line, gap, BLACK);
        pl.y += PITCH;
    }

    let mut body: Vec<BodyLine> = Vec::new();
    let indent = 2.0 * BODY_SIZE;
    for para in &p.paragraphs {
        for (i, (text, _, gap)) in pl
            .wrap(FaceKind::Body, para, BODY_SIZE, CONTENT_W, indent)
            .into_iter()
            .enumerate()
        {
            body.push(BodyLine {
                text,
                x: if i == 0 { LEFT + indent } else { LEFT },
                gap,
            });
        }
    }

    // Signature block: community name (wrapped if very long) over the date, the pair centred on
    // each other and set two characters in from the right margin (GB/T 9704 style).
    let mut sig: Vec<(String, f32)> = pl
        .wrap(FaceKind::Body, p.community_name, BODY_SIZE, CONTENT_W, 0.0)
        .into_iter()
        .map(|(s, w, _)| (s, w))
        .collect();
    for (s, w, _) in pl.wrap(FaceKind::Body, p.issued_on, BODY_SIZE, CONTENT_W, 0.0) {
        sig.push((s, w));
    }
    let block_w = sig.iter().map(|(_, w)| *w).fold(0.0, f32::max);
    let mut block_right = RIGHT - 2.0 * BODY_SIZE;
    if block_right - block_w < LEFT {
        block_right = RIGHT;
    }
    let block_cx = block_right - block_w / 2.0;
    // From the top of the slot after the last body line: two empty lines, then the block; the
    // circle is centred just above the middle of name and date so they sit in its lower half, and
    // its bottom may reach below the date.
    let sig_first_top = 2.0 * PITCH;
    let name_baseline = sig_first_top + baseline(0.0, PITCH, BODY_SIZE);
    let seal_cy = name_baseline - 2.0;
    let sig_height = (sig_first_top + sig.len() as f32 * PITCH).max(seal_cy + SEAL_RADIUS + 4.0);

    // Footer, anchored to the bottom of the last page: rule, QR code with the code and how to
    // verify beside it, notes in small print.
    let text_x = LEFT + QR_SIDE + 14.0;
    let text_w = RIGHT - text_x;
    let code_label = "核验码：";
    let code_label_w = pl.width(FaceKind::Body, code_label, SMALL_SIZE);
    let code_w = face(f, faces.code).width(p.verify_code, CODE_SIZE) * 1.08;
    if code_label_w + code_w > text_w {
        return Err(PdfError::TooWide { field: "核验码" });
    }
    let mut side_lines: Vec<String> = Vec::new();
    for part in [
        VERIFY_HINT.to_string(),
        format!("核验页面：{}", p.verify_page()),
        format!("证明编号：{}", p.number),
    ] {
        side_lines.extend(
            pl.wrap(FaceKind::Body, &part, SMALL_SIZE, text_w, 0.0)
                .into_iter()
                .map(|(s, _, _)| s),
        );
    }
    let code_row = 30.0;
    let side_h = code_row + side_lines.len() as f32 * SMALL_PITCH;
    let block_h = QR_SIDE.max(side_h);
    let notes: Vec<(String, Option<f32>)> = p
        .notes
        .iter()
        .flat_map(|n| pl.wrap(FaceKind::Body, n, NOTE_SIZE, CONTENT_W, 0.0))
        .map(|(s, _, g)| (s, g))
        .collect();
    let notes_h = if notes.is_empty() {
        0.0
    } else {
        8.0 + notes.len() as f32 * NOTE_PITCH
    };
    let footer_top = FOOTER_BOTTOM - (10.0 + block_h + notes_h);

    // Flow the body. The last two lines stay with the signature (a seal must never stand on a
    // page without certificate text), and that tail must end above the footer.
    let keep = body.len().min(2);
    let split = body.len() - keep;
    let place = |pl: &mut Planner, line: &BodyLine| {
        let b = baseline(pl.y, PITCH, BODY_SIZE);
        pl.text(
            FaceKind::Body,
            BODY_SIZE,
            line.x,
            b,
            &line.text,
            line.gap,
            BLACK,
        );
        pl.y += PITCH;
    };
    for line in &body[..split] {
        if pl.y + PITCH > BODY_BOTTOM {
            pl.new_page()?;
        }
        place(&mut pl, line);
    }
    let tail_h = keep as f32 * PITCH + sig_height;
    if pl.y + tail_h > footer_top - 6.0 {
        pl.new_page()?;
        if pl.y + tail_h > footer_top - 6.0 {
            // Only possible when the notes alone fill the page.
            return Err(PdfError::TooLong {
                max_pages: MAX_PAGES,
            });
        }
    }
    for line in &body[split..] {
        place(&mut pl, line);
    }

    let sig_top = pl.y;
    pl.push(Op::SealCircle {
        cx: block_cx,
        cy: sig_top + seal_cy,
        r: SEAL_RADIUS,
    });
    pl.text(
        FaceKind::Body,
        SMALL_SIZE,
        block_cx - pl.width(FaceKind::Body, "（盖章）", SMALL_SIZE) / 2.0,
        sig_top + seal_cy - SEAL_RADIUS * 0.5,
        "（盖章）",
        None,
        GREY,
    );
    for (i, (s, w)) in sig.iter().enumerate() {
        let b = sig_top + sig_first_top + baseline(i as f32 * PITCH, PITCH, BODY_SIZE);
        pl.text(
            FaceKind::Body,
            BODY_SIZE,
            block_cx - w / 2.0,
            b,
            s,
            None,
            BLACK,
        );
    }

    pl.push(Op::Rule {
        x1: LEFT,
        x2: RIGHT,
        y: footer_top,
    });
    let row_top = footer_top + 10.0;
    pl.push(Op::Qr {
        x: LEFT,
        y: row_top,
        side: QR_SIDE,
    });
    let code_baseline = row_top + 20.0;
    pl.text(
        FaceKind::Body,
        SMALL_SIZE,
        text_x,
        code_baseline,
        code_label,
        None,
        BLACK,
    );
    pl.push(Op::Text {
        face: faces.code,
        synthetic_bold: matches!(faces.code, FaceKind::Body),
        size: CODE_SIZE,
        x: text_x + code_label_w,
        baseline: code_baseline,
        text: p.verify_code.to_string(),
        gap: None,
        // A little air between the characters so "M" and "N" read apart when copied by hand.
        tracking: 0.08,
        ink: BLACK,
    });
    for (i, s) in side_lines.iter().enumerate() {
        let b = row_top + code_row + baseline(i as f32 * SMALL_PITCH, SMALL_PITCH, SMALL_SIZE);
        pl.text(FaceKind::Body, SMALL_SIZE, text_x, b, s, None, BLACK);
    }
    let notes_top = row_top + block_h + 8.0;
    for (i, (s, gap)) in notes.iter().enumerate() {
        let b = notes_top + baseline(i as f32 * NOTE_PITCH, NOTE_PITCH, NOTE_SIZE);
        pl.text(FaceKind::Body, NOTE_SIZE, LEFT, b, s, *gap, GREY);
    }

    // What every page carries: the number top right (so pages cannot be swapped between
    // certificates), the page count when there is more than one page, and the revoked mark.
    let header = format!("编号：{}", p.number);
    let header_w = pl.width(FaceKind::Body, &header, SMALL_SIZE);
    if header_w > CONTENT_W {
        return Err(PdfError::TooWide {
            field: "证明编号"
        });
    }
    let n = pl.pages.len();
    for (i, page) in pl.pages.iter_mut().enumerate() {
        page.push(text_op(
            FaceKind::Body,
            SMALL_SIZE,
            RIGHT - header_w,
            HEADER_BASELINE,
            &header,
            GREY,
        ));
        if n > 1 {
            let label = format!("第 {} 页　共 {} 页", i + 1, n);
            let w = f.body.width(&label, SMALL_SIZE);
            page.push(text_op(
                FaceKind::Body,
                SMALL_SIZE,
                (PAGE_W - w) / 2.0,
                PAGE_NO_BASELINE,
                &label,
                GREY,
            ));
        }
    }
    Ok(pl.pages)
}

fn rect_outline(x: f32, y: f32, w: f32, h: f32) -> Option<krilla::geom::Path> {
    let mut pb = PathBuilder::new();
    pb.move_to(x, y);
    pb.line_to(x + w, y);
    pb.line_to(x + w, y + h);
    pb.line_to(x, y + h);
    pb.close();
    pb.finish()
}

pub(crate) fn render(doc: &CertificateDoc) -> Result<Vec<u8>, PdfError> {
    let p = Prepared::new(doc)?;
    let f = fonts()?;
    let faces = choose_faces(&p, f)?;
    let qr = QrMatrix::encode(p.verify_url)?;
    let pages = plan(&p, f, &faces)?;

    let mut title = p.title.to_string();
    if doc.revoked {
        title.push_str("（已作废）");
    }
    // No creation date, and the file ID derives from the number: same input, same bytes.
    let metadata = krilla::metadata::Metadata::new()
        .title(title)
        .creator("jianfu 减负".to_string())
        .language("zh-CN".to_string())
        .document_id(p.number.to_string());
    write_pdf(metadata, &pages, f, &qr, |s| {
        if doc.revoked {
            draw_void_mark(s, f);
        }
    })
}

/// "已作废" in large red type inside a double frame, tilted across the middle of the page.
fn draw_void_mark(s: &mut krilla::surface::Surface, f: &Fonts) {
    const SIZE: f32 = 96.0;
    let text = "已作废";
    let w = f.title.width(text, SIZE);
    let (cx, cy) = (PAGE_W / 2.0, PAGE_H / 2.0);
    s.push_transform(&Transform::from_rotate_at(-28.0, cx, cy));
    s.set_fill(None);
    s.set_stroke(Some(stroke(VOID_RED, 5.0, None)));
    let (bw, bh) = (w + 60.0, SIZE + 56.0);
    if let Some(path) = rect_outline(cx - bw / 2.0, cy - bh / 2.0, bw, bh) {
        s.draw_path(&path);
    }
    s.set_stroke(Some(stroke(VOID_RED, 1.5, None)));
    if let Some(path) = rect_outline(
        cx - bw / 2.0 + 9.0,
        cy - bh / 2.0 + 9.0,
        bw - 18.0,
        bh - 18.0,
    ) {
        s.draw_path(&path);
    }
    s.set_stroke(None);
    s.set_fill(Some(fill(VOID_RED)));
    let gs = glyphs(&f.title, text, SIZE, None, 0.0);
    s.draw_glyphs(
        Point::from_xy(cx - w / 2.0, cy + 0.38 * SIZE),
        &gs,
        f.title.font.clone(),
        text,
        SIZE,
        false,
    );
    s.pop();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linebreak::no_line_start;

    use crate::CertificateDoc;
    use crate::tests::sample_doc;

    fn planned(doc: &CertificateDoc) -> Vec<Vec<Op>> {
        let p = Prepared::new(doc).unwrap();
        let f = fonts().unwrap();
        let faces = choose_faces(&p, f).unwrap();
        plan(&p, f, &faces).unwrap()
    }

    /// (text, x, baseline, size) of every text op on a page.
    fn texts(page: &[Op]) -> Vec<(&str, f32, f32, f32)> {
        page.iter()
            .filter_map(|op| match op {
                Op::Text {
                    text,
                    x,
                    baseline,
                    size,
                    ..
                } => Some((text.as_str(), *x, *baseline, *size)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn body_lines_never_start_with_closing_punctuation_and_stay_in_the_margins() {
        // Commas and full stops land at every position of the line across these variants.
        for shift in 0..6 {
            let body = format!(
                "{}兹证明张三，李四、王五；赵六：钱七。（孙八）「周九」『吴十』，郑十一。",
                "甲".repeat(shift)
            )
            .repeat(4);
            let doc = CertificateDoc {
                body: &body,
                ..sample_doc::sample()
            };
            let f = fonts().unwrap();
            for page in planned(&doc) {
                for (text, x, _, size) in texts(&page) {
                    if size == BODY_SIZE {
                        let first = text.chars().next().unwrap();
                        assert!(!no_line_start(first), "line starts with {first}: {text}");
                        let w = f.body.width(text, size);
                        assert!(
                            x >= LEFT - 0.01 && x + w <= RIGHT + 0.5,
                            "{text} outside margins"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn the_seal_area_sits_under_the_text_above_the_footer_on_a_page_with_body_text() {
        let pages = planned(&sample_doc::sample());
        let last = pages.last().unwrap();
        let (cx, cy) = last
            .iter()
            .find_map(|op| match op {
                Op::SealCircle { cx, cy, .. } => Some((*cx, *cy)),
                _ => None,
            })
            .unwrap();
        let rule_y = last
            .iter()
            .find_map(|op| match op {
                Op::Rule { y, .. } => Some(*y),
                _ => None,
            })
            .unwrap();
        assert!(cy + SEAL_RADIUS < rule_y, "seal area runs into the footer");
        let t = texts(last);
        let special = t.iter().find(|(s, ..)| *s == "特此证明。").unwrap();
        assert!(
            special.2 < cy - SEAL_RADIUS,
            "seal area covers the body text"
        );
        // Name and date lie inside the circle's band, in its lower half.
        let name = t.iter().find(|(s, ..)| s.contains("居民委员会")).unwrap();
        let date = t.iter().find(|(s, ..)| *s == "2026年11月28日").unwrap();
        assert!(name.2 > cy - 4.0 && date.2 < cy + SEAL_RADIUS);
        assert!(cx > LEFT + SEAL_RADIUS && cx + SEAL_RADIUS <= RIGHT);
    }

    #[test]
    fn a_long_title_is_split_into_balanced_lines_and_short_ones_are_spaced() {
        let doc = CertificateDoc {
            title: "关于北京市大兴区兴丰街道三合南里社区居民王喆同志及其家庭成员居住情况的证明",
            ..sample_doc::sample()
        };
        let pages = planned(&doc);
        let titles: Vec<usize> = texts(&pages[0])
            .into_iter()
            .filter(|t| t.3 == TITLE_SIZE)
            .map(|t| t.0.chars().count())
            .collect();
        assert_eq!(titles.len(), 2);
        assert!(titles[0].abs_diff(titles[1]) <= 2, "{titles:?}");

        let doc = CertificateDoc {
            title: "证明",
            ..sample_doc::sample()
        };
        let pages = planned(&doc);
        let spaced = pages[0].iter().any(
            |op| matches!(op, Op::Text { text, tracking, .. } if text == "证明" && *tracking > 0.0),
        );
        assert!(spaced);
    }
}
