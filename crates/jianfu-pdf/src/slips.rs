//! A sheet of one-time survey code slips (入户码条) for residents' satisfaction surveys: A4
//! portrait, 2 × 5 slips a page between dashed cut lines, each with the survey, the community, one
//! household code in large type, a QR code of the survey link, the link, the closing date and a
//! short note. One slip is laid out once and placed for every code; only the code differs.

use crate::PdfError;
use crate::draw::{
    BLACK, FaceKind, GREY, MM, Op, PAGE_H, PAGE_W, Wrapped, baseline, face, face_for, text_op,
    wrap, wrap_balanced, write_pdf,
};
use crate::fonts::{Fonts, fonts};
use crate::qr::QrMatrix;
use crate::render::{one_line, paragraphs};

/// Most codes one sheet may carry (200 pages): a community's households in one print run.
/// More is refused with [`PdfError::TooManyCodes`]; print in batches.
pub const MAX_SLIP_CODES: usize = 2000;

/// What a sheet of survey code slips shows. Every slip carries the same text except its code.
/// Text is shown as given after trimming; none of it may be blank except `note`.
#[derive(Debug, Clone, Copy)]
pub struct CodeSlips<'a> {
    /// e.g. "2026年度社区居民满意度调查"; bold, at most two lines.
    pub survey_title: &'a str,
    /// e.g. "三合南里社区"; at most two lines.
    pub community_name: &'a str,
    /// The public survey link for this community, e.g. "https://jianfu.example.cn/s/110115001901";
    /// encoded in each slip's QR code and printed in small type for people who type it in.
    pub url: &'a str,
    /// One-time household codes (入户码), e.g. "7KQ2-M9XD", one slip each, in this order.
    pub codes: &'a [String],
    /// Last day to answer, e.g. "2026年12月31日"; printed as "请于 … 前填写".
    pub closes_on: &'a str,
    /// Small print on every slip, e.g. "每户一码，仅能使用一次。答卷匿名，不记录您的姓名、门牌号或IP。"
    /// Line breaks start a new paragraph; may be empty.
    pub note: &'a str,
}

const COLS: usize = 2;
const ROWS: usize = 5;
const PER_PAGE: usize = COLS * ROWS;

/// The grid of slips: 10 mm from the page edges at top and sides (inside what any printer can
/// print), the page number under it.
const GRID_LEFT: f32 = 10.0 * MM;
const GRID_TOP: f32 = 10.0 * MM;
const SLIP_W: f32 = (PAGE_W - 2.0 * GRID_LEFT) / COLS as f32;
const SLIP_H: f32 = 54.5 * MM;
const PAGE_NO_BASELINE: f32 = PAGE_H - 7.0 * MM;
const PAGE_NO_SIZE: f32 = 8.0;

/// Inside a slip: the margin to the cut lines.
const PAD_X: f32 = 5.0 * MM;
const PAD_Y: f32 = 4.0 * MM;
const INNER_W: f32 = SLIP_W - 2.0 * PAD_X;
const INNER_H: f32 = SLIP_H - 2.0 * PAD_Y;

/// About 25 mm: scannable by any phone at arm's length.
const QR_SIDE: f32 = 25.0 * MM;
const TITLE_SIZE: f32 = 11.0;
const TITLE_PITCH: f32 = 14.5;
const TEXT_SIZE: f32 = 9.0;
const TEXT_PITCH: f32 = 12.5;
const CODE_SIZE: f32 = 18.0;
const CODE_PITCH: f32 = 26.0;
/// Letter spacing of the code, in em: "M" and "N", "2" and "Z" read apart when typed in.
const CODE_TRACKING: f32 = 0.15;
const URL_SIZE: f32 = 7.0;
const URL_PITCH: f32 = 9.0;
const NOTE_SIZE: f32 = 7.5;
const NOTE_PITCH: f32 = 10.0;

const CODE_LABEL: &str = "入户码：";
const URL_LABEL: &str = "扫码或访问：";

/// The fields after trimming, checked for blanks, control characters and the font.
struct Prepared<'a> {
    title: &'a str,
    community: &'a str,
    url: &'a str,
    closes: String,
    notes: Vec<String>,
    codes: Vec<&'a str>,
}

fn required<'a>(field: &'static str, value: &'a str) -> Result<&'a str, PdfError> {
    let v = one_line(field, value, false)?;
    if v.is_empty() {
        return Err(PdfError::SlipFieldEmpty { field });
    }
    Ok(v)
}

impl<'a> Prepared<'a> {
    fn new(s: &CodeSlips<'a>, f: &Fonts) -> Result<Self, PdfError> {
        // The count first: cheap, and the most likely mistake in a batch.
        if s.codes.is_empty() {
            return Err(PdfError::NoCodes);
        }
        if s.codes.len() > MAX_SLIP_CODES {
            return Err(PdfError::TooManyCodes {
                count: s.codes.len(),
                max: MAX_SLIP_CODES,
            });
        }
        let p = Prepared {
            title: required("调查名称", s.survey_title)?,
            community: required("社区名称", s.community_name)?,
            url: required("问卷网址", s.url)?,
            closes: format!("请于 {} 前填写", required("截止日期", s.closes_on)?),
            notes: paragraphs("说明", s.note)?,
            codes: s
                .codes
                .iter()
                .map(|c| required("入户码", c))
                .collect::<Result<_, _>>()?,
        };
        let mut missing = Vec::new();
        for text in [p.title, p.community, p.url, &p.closes]
            .into_iter()
            .chain(p.notes.iter().map(String::as_str))
            .chain(p.codes.iter().copied())
        {
            f.body.collect_missing(text, &mut missing);
        }
        if missing.is_empty() {
            Ok(p)
        } else {
            Err(PdfError::MissingGlyphs(missing))
        }
    }
}

/// One slip, planned once relative to the top left of its inner area.
struct Slip {
    /// Everything but the code.
    ops: Vec<Op>,
    code_face: FaceKind,
    code_x: f32,
    code_baseline: f32,
    /// Pushes the content down so it sits in the middle of the slip.
    top: f32,
}

fn at_most(lines: Vec<Wrapped>, n: usize, field: &'static str) -> Result<Vec<Wrapped>, PdfError> {
    if lines.len() > n {
        Err(PdfError::TooWide { field })
    } else {
        Ok(lines)
    }
}

fn plan_slip(p: &Prepared, f: &Fonts, qr_modules: usize) -> Result<Slip, PdfError> {
    // The QR code sits top right; a quiet zone of at least 4 modules keeps text off it.
    let quiet = (4.0 * QR_SIDE / qr_modules as f32).max(4.0 * MM);
    let col_w = INNER_W - QR_SIDE - quiet;
    let mut ops = vec![Op::Qr {
        x: INNER_W - QR_SIDE,
        y: 0.0,
        side: QR_SIDE,
    }];
    let mut y = 0.0;

    // Left of it, top down: title, community, code, closing date.
    let title_face = face_for(f, FaceKind::Title, [p.title]);
    let title = wrap_balanced(face(f, title_face), p.title, TITLE_SIZE, col_w);
    for (line, _, _) in at_most(title, 2, "调查名称")? {
        ops.push(Op::Text {
            face: title_face,
            // The body face, used when the bold face lacks a character, is stroked to look bold.
            synthetic_bold: matches!(title_face, FaceKind::Body),
            size: TITLE_SIZE,
            x: 0.0,
            baseline: baseline(y, TITLE_PITCH, TITLE_SIZE),
            text: line,
            gap: None,
            tracking: 0.0,
            ink: BLACK,
        });
        y += TITLE_PITCH;
    }
    let community = wrap_balanced(&f.body, p.community, TEXT_SIZE, col_w);
    for (line, _, _) in at_most(community, 2, "社区名称")? {
        let b = baseline(y, TEXT_PITCH, TEXT_SIZE);
        ops.push(text_op(FaceKind::Body, TEXT_SIZE, 0.0, b, &line, BLACK));
        y += TEXT_PITCH;
    }
    y += 3.0;

    let code_face = face_for(f, FaceKind::Mono, p.codes.iter().copied());
    let label_w = f.body.width(CODE_LABEL, TEXT_SIZE);
    for code in &p.codes {
        let w = face(f, code_face).width(code, CODE_SIZE)
            + CODE_TRACKING * CODE_SIZE * (code.chars().count() as f32 - 1.0);
        if label_w + w > col_w {
            return Err(PdfError::TooWide { field: "入户码" });
        }
    }
    let code_baseline = baseline(y, CODE_PITCH, CODE_SIZE);
    ops.push(text_op(
        FaceKind::Body,
        TEXT_SIZE,
        0.0,
        code_baseline,
        CODE_LABEL,
        BLACK,
    ));
    y += CODE_PITCH;

    let closes = wrap(&f.body, &p.closes, TEXT_SIZE, col_w, 0.0);
    for (line, _, _) in at_most(closes, 1, "截止日期")? {
        let b = baseline(y, TEXT_PITCH, TEXT_SIZE);
        ops.push(text_op(FaceKind::Body, TEXT_SIZE, 0.0, b, &line, BLACK));
        y += TEXT_PITCH;
    }

    // Across the whole slip, under the QR code's quiet zone: the link, then the note.
    y = (y + 3.0).max(QR_SIDE + quiet - (URL_PITCH - URL_SIZE) / 2.0);
    let url = wrap(
        &f.body,
        &format!("{URL_LABEL}{}", p.url),
        URL_SIZE,
        INNER_W,
        0.0,
    );
    for (line, _, _) in at_most(url, 2, "问卷网址")? {
        let b = baseline(y, URL_PITCH, URL_SIZE);
        ops.push(text_op(FaceKind::Body, URL_SIZE, 0.0, b, &line, BLACK));
        y += URL_PITCH;
    }
    y += 2.0;
    for note in &p.notes {
        for (line, _, gap) in wrap(&f.body, note, NOTE_SIZE, INNER_W, 0.0) {
            let b = baseline(y, NOTE_PITCH, NOTE_SIZE);
            ops.push(Op::Text {
                face: FaceKind::Body,
                synthetic_bold: false,
                size: NOTE_SIZE,
                x: 0.0,
                baseline: b,
                text: line,
                gap,
                tracking: 0.0,
                ink: GREY,
            });
            y += NOTE_PITCH;
        }
    }
    // Only the note can make a slip this tall: everything above it is limited to a few lines.
    if y > INNER_H + 0.5 {
        return Err(PdfError::TooWide { field: "说明" });
    }
    Ok(Slip {
        ops,
        code_face,
        code_x: label_w,
        code_baseline,
        top: ((INNER_H - y) / 2.0).max(0.0),
    })
}

/// Dashed cut lines around the first `n` slips of a page (filled row by row): every edge of a slip,
/// each line drawn once from its start so the dashes of neighbouring slips line up.
fn cut_lines(n: usize) -> Vec<Op> {
    let cols_in_row = |row: usize| n.saturating_sub(row * COLS).min(COLS);
    let rows_in_col = |col: usize| (n + COLS - 1 - col) / COLS;
    let rows = rows_in_col(0);
    let mut ops = Vec::new();
    for edge in 0..=rows {
        let above = if edge > 0 { cols_in_row(edge - 1) } else { 0 };
        let cols = above.max(cols_in_row(edge));
        let y = GRID_TOP + edge as f32 * SLIP_H;
        ops.push(Op::Dashed {
            x1: GRID_LEFT,
            y1: y,
            x2: GRID_LEFT + cols as f32 * SLIP_W,
            y2: y,
        });
    }
    for edge in 0..=COLS {
        let left = if edge > 0 { rows_in_col(edge - 1) } else { 0 };
        let rows = left.max(if edge < COLS { rows_in_col(edge) } else { 0 });
        if rows == 0 {
            continue;
        }
        let x = GRID_LEFT + edge as f32 * SLIP_W;
        ops.push(Op::Dashed {
            x1: x,
            y1: GRID_TOP,
            x2: x,
            y2: GRID_TOP + rows as f32 * SLIP_H,
        });
    }
    ops
}

fn plan(p: &Prepared, f: &Fonts, qr_modules: usize) -> Result<Vec<Vec<Op>>, PdfError> {
    let slip = plan_slip(p, f, qr_modules)?;
    let n_pages = p.codes.len().div_ceil(PER_PAGE);
    let mut pages = Vec::with_capacity(n_pages);
    for (i, codes) in p.codes.chunks(PER_PAGE).enumerate() {
        let mut ops = cut_lines(codes.len());
        for (k, code) in codes.iter().enumerate() {
            let dx = GRID_LEFT + (k % COLS) as f32 * SLIP_W + PAD_X;
            let dy = GRID_TOP + (k / COLS) as f32 * SLIP_H + PAD_Y + slip.top;
            ops.extend(slip.ops.iter().map(|op| op.moved(dx, dy)));
            ops.push(Op::Text {
                face: slip.code_face,
                synthetic_bold: matches!(slip.code_face, FaceKind::Body),
                size: CODE_SIZE,
                x: dx + slip.code_x,
                baseline: dy + slip.code_baseline,
                text: code.to_string(),
                gap: None,
                tracking: CODE_TRACKING,
                ink: BLACK,
            });
        }
        let label = format!("第 {} 页　共 {} 页", i + 1, n_pages);
        let w = f.body.width(&label, PAGE_NO_SIZE);
        ops.push(text_op(
            FaceKind::Body,
            PAGE_NO_SIZE,
            (PAGE_W - w) / 2.0,
            PAGE_NO_BASELINE,
            &label,
            GREY,
        ));
        pages.push(ops);
    }
    Ok(pages)
}

/// Renders a sheet of one-time survey code slips as an A4 PDF: 10 slips a page (2 columns, 5 rows)
/// between dashed cut lines, one per code in the order given, pages numbered "第 i 页　共 n 页".
/// Each slip shows the survey title, the community, the code in large spaced type, a QR code of
/// `url` (25 mm), `url` in small type, "请于 … 前填写" and the note. The same input gives the same
/// bytes.
///
/// Refused: no codes ([`PdfError::NoCodes`]), more than [`MAX_SLIP_CODES`]
/// ([`PdfError::TooManyCodes`]), a blank field or code ([`PdfError::SlipFieldEmpty`]), control
/// characters ([`PdfError::ControlCharacter`]), characters the embedded font cannot draw
/// ([`PdfError::MissingGlyphs`], naming them), and text that does not fit a slip
/// ([`PdfError::TooWide`]: a title or community name over two lines, a code or closing date over
/// one, a link over two, or a note too long for the slip).
pub fn render_code_slips(s: &CodeSlips) -> Result<Vec<u8>, PdfError> {
    let f = fonts()?;
    let p = Prepared::new(s, f)?;
    let qr = QrMatrix::encode(p.url).map_err(|_| PdfError::TooWide {
        field: "问卷网址"
    })?;
    let pages = plan(&p, f, qr.width)?;
    // No creation date and no document ID: krilla derives the file ID from the content, so the
    // same input gives the same bytes.
    let metadata = krilla::metadata::Metadata::new()
        .title(format!("{}（{}）入户码", p.title, p.community))
        .creator("jianfu 减负".to_string())
        .language("zh-CN".to_string());
    write_pdf(metadata, &pages, f, &qr, |_| {})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::slips_tests::sample_slips::{NOTE, codes, sample};

    fn planned(s: &CodeSlips) -> Vec<Vec<Op>> {
        let f = fonts().unwrap();
        let p = Prepared::new(s, f).unwrap();
        let qr = QrMatrix::encode(p.url).unwrap();
        plan(&p, f, qr.width).unwrap()
    }

    /// The slip (column, row) a point lies in, and that slip's top-left corner.
    fn cell(x: f32, y: f32) -> ((usize, usize), (f32, f32)) {
        let col = ((x - GRID_LEFT) / SLIP_W).floor() as usize;
        let row = ((y - GRID_TOP) / SLIP_H).floor() as usize;
        assert!(col < COLS && row < ROWS, "({x}, {y}) is off the grid");
        let (cx, cy) = (
            GRID_LEFT + col as f32 * SLIP_W,
            GRID_TOP + row as f32 * SLIP_H,
        );
        ((col, row), (cx, cy))
    }

    #[test]
    fn everything_on_a_slip_stays_inside_its_margins_and_off_the_qr_code() {
        let codes = codes(10);
        let note = NOTE.repeat(2);
        for slips in [
            sample(&codes),
            // The longest that fits (see the refusal tests in slips_tests.rs).
            CodeSlips {
                survey_title: "兴丰街道2026年度社区居民对社区工作和服务满意度调查",
                community_name: "北京市大兴区兴丰街道三合南里社区居民委员会",
                note: &note,
                ..sample(&codes)
            },
        ] {
            let f = fonts().unwrap();
            let pages = planned(&slips);
            assert_eq!(pages.len(), 1);
            let mut qrs = Vec::new();
            let mut texts = 0;
            for op in &pages[0] {
                match op {
                    Op::Qr { x, y, side } => {
                        let (_, (cx, cy)) = cell(*x, *y);
                        assert!((x + side - (cx + SLIP_W - PAD_X)).abs() < 0.01);
                        assert!(*y >= cy + PAD_Y - 0.01 && y + side <= cy + SLIP_H - PAD_Y);
                        qrs.push((*x, *y));
                    }
                    Op::Text {
                        face: kind,
                        size,
                        x,
                        baseline,
                        text,
                        tracking,
                        ..
                    } if *size != PAGE_NO_SIZE => {
                        let w = face(f, *kind).width(text, *size)
                            + tracking * size * (text.chars().count() as f32 - 1.0);
                        let (_, (cx, cy)) = cell(*x, *baseline);
                        assert!(*x >= cx + PAD_X - 0.01, "{text} left of the margin");
                        assert!(x + w <= cx + SLIP_W - PAD_X + 0.5, "{text} right of it");
                        assert!(
                            baseline - 0.88 * size >= cy + PAD_Y - 0.5,
                            "{text} too high"
                        );
                        assert!(
                            baseline + 0.12 * size <= cy + SLIP_H - PAD_Y + 0.5,
                            "{text} low"
                        );
                        texts += 1;
                    }
                    Op::Text { baseline, .. } => assert!(*baseline > GRID_TOP + 5.0 * SLIP_H),
                    _ => {}
                }
            }
            assert_eq!(qrs.len(), 10, "one QR code a slip");
            assert!(texts >= 10 * 7);
            // The code and the lines beside the QR code keep its quiet zone clear.
            for op in &pages[0] {
                if let Op::Text {
                    face: kind,
                    size,
                    x,
                    baseline,
                    text,
                    tracking,
                    ..
                } = op
                    && *size != PAGE_NO_SIZE
                {
                    let (_, (cx, _)) = cell(*x, *baseline);
                    let w = face(f, *kind).width(text, *size)
                        + tracking * size * (text.chars().count() as f32 - 1.0);
                    for (qx, qy) in &qrs {
                        let beside = *baseline > *qy && baseline - 0.88 * size < qy + QR_SIDE;
                        if beside && (qx - cx) < SLIP_W && *qx > cx {
                            assert!(
                                x + w + 4.0 * MM <= *qx + 0.5,
                                "{text} runs into the QR code"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn cut_lines_frame_exactly_the_slips_on_the_page() {
        // (horizontal lengths in slips, vertical lengths in slips)
        let shape = |n: usize| {
            let mut h = Vec::new();
            let mut v = Vec::new();
            for op in cut_lines(n) {
                if let Op::Dashed { x1, y1, x2, y2 } = op {
                    if y1 == y2 {
                        h.push(((x2 - x1) / SLIP_W).round() as usize);
                    } else {
                        assert_eq!(x1, x2);
                        v.push(((y2 - y1) / SLIP_H).round() as usize);
                    }
                }
            }
            (h, v)
        };
        assert_eq!(shape(10), (vec![2; 6], vec![5, 5, 5]));
        assert_eq!(shape(1), (vec![1, 1], vec![1, 1]));
        assert_eq!(shape(2), (vec![2, 2], vec![1, 1, 1]));
        assert_eq!(shape(5), (vec![2, 2, 2, 1], vec![3, 3, 2]));
        // The grid ends above the page number, inside the page.
        assert!(GRID_TOP + ROWS as f32 * SLIP_H < PAGE_NO_BASELINE - PAGE_NO_SIZE - 2.0);
        assert!(GRID_LEFT + COLS as f32 * SLIP_W <= PAGE_W - 10.0 * MM + 0.01);
    }
}
