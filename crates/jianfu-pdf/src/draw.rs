//! What the certificate and the survey code slips share: the page, the faces and inks, the drawing
//! operations a layout plans, wrapping text in a face, and turning planned pages into PDF bytes.

use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Transform};
use krilla::graphic::Graphic;
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, LineCap, LineJoin, Stroke, StrokeDash};
use krilla::surface::Surface;
use krilla::text::{GlyphId, KrillaGlyph};
use krilla::{Document, SerializeSettings};

use crate::PdfError;
use crate::fonts::{Face, Fonts};
use crate::linebreak::{break_lines, justify_gap, wordish};
use crate::qr::QrMatrix;

pub(crate) const MM: f32 = 72.0 / 25.4;
/// A4 portrait.
pub(crate) const PAGE_W: f32 = 210.0 * MM;
pub(crate) const PAGE_H: f32 = 297.0 * MM;

#[derive(Clone, Copy)]
pub(crate) enum FaceKind {
    Body,
    Title,
    Mono,
}

#[derive(Clone, Copy)]
pub(crate) struct Ink {
    pub(crate) rgb: (u8, u8, u8),
    pub(crate) opacity: f32,
}

pub(crate) const BLACK: Ink = Ink {
    rgb: (0, 0, 0),
    opacity: 1.0,
};
pub(crate) const GREY: Ink = Ink {
    rgb: (110, 110, 110),
    opacity: 1.0,
};

pub(crate) enum Op {
    Text {
        face: FaceKind,
        /// Fill and stroke: a bold look for a face that has no bold cut.
        synthetic_bold: bool,
        size: f32,
        x: f32,
        baseline: f32,
        text: String,
        /// Extra points after each character where a line break is allowed (justification).
        gap: Option<f32>,
        /// Extra em between all characters.
        tracking: f32,
        ink: Ink,
    },
    /// A thin grey horizontal rule.
    Rule { x1: f32, x2: f32, y: f32 },
    /// A thin grey dashed line (cut lines between slips).
    Dashed { x1: f32, y1: f32, x2: f32, y2: f32 },
    /// A thin grey dashed circle (where the seal goes).
    SealCircle { cx: f32, cy: f32, r: f32 },
    /// The document's QR code, `side` points square without its quiet zone.
    Qr { x: f32, y: f32, side: f32 },
}

impl Op {
    /// The same op moved by (`dx`, `dy`) points: a layout planned once, placed many times.
    pub(crate) fn moved(&self, dx: f32, dy: f32) -> Op {
        match self {
            Op::Text {
                face,
                synthetic_bold,
                size,
                x,
                baseline,
                text,
                gap,
                tracking,
                ink,
            } => Op::Text {
                face: *face,
                synthetic_bold: *synthetic_bold,
                size: *size,
                x: x + dx,
                baseline: baseline + dy,
                text: text.clone(),
                gap: *gap,
                tracking: *tracking,
                ink: *ink,
            },
            Op::Rule { x1, x2, y } => Op::Rule {
                x1: x1 + dx,
                x2: x2 + dx,
                y: y + dy,
            },
            Op::Dashed { x1, y1, x2, y2 } => Op::Dashed {
                x1: x1 + dx,
                y1: y1 + dy,
                x2: x2 + dx,
                y2: y2 + dy,
            },
            Op::SealCircle { cx, cy, r } => Op::SealCircle {
                cx: cx + dx,
                cy: cy + dy,
                r: *r,
            },
            Op::Qr { x, y, side } => Op::Qr {
                x: x + dx,
                y: y + dy,
                side: *side,
            },
        }
    }
}

pub(crate) fn face(f: &Fonts, kind: FaceKind) -> &Face {
    match kind {
        FaceKind::Body => &f.body,
        FaceKind::Title => &f.title,
        FaceKind::Mono => &f.mono,
    }
}

/// `preferred` when that face can draw every character of `texts`, otherwise the body face (which
/// covers far more; the caller checks the body face separately).
pub(crate) fn face_for<'t>(
    f: &Fonts,
    preferred: FaceKind,
    texts: impl IntoIterator<Item = &'t str>,
) -> FaceKind {
    let pf = face(f, preferred);
    if texts.into_iter().all(|t| t.chars().all(|c| pf.has(c))) {
        preferred
    } else {
        FaceKind::Body
    }
}

/// Baseline of a line whose slot (of height `pitch`) starts at `top`: CJK glyphs sit centred in
/// the slot (their em box runs from 0.88 em above the baseline to 0.12 em below).
pub(crate) fn baseline(top: f32, pitch: f32, size: f32) -> f32 {
    top + pitch / 2.0 + 0.38 * size
}

pub(crate) fn text_op(
    face: FaceKind,
    size: f32,
    x: f32,
    baseline: f32,
    text: &str,
    ink: Ink,
) -> Op {
    Op::Text {
        face,
        synthetic_bold: false,
        size,
        x,
        baseline,
        text: text.to_string(),
        gap: None,
        tracking: 0.0,
        ink,
    }
}

/// One wrapped line: its text, natural width in points, and justification gap.
pub(crate) type Wrapped = (String, f32, Option<f32>);

/// Lines of `text` in `face` at `size`, no wider than `width` (the first `width - indent`).
pub(crate) fn wrap(face: &Face, text: &str, size: f32, width: f32, indent: f32) -> Vec<Wrapped> {
    break_lines(text, |c| face.char_em(c) * size, width, indent)
        .into_iter()
        .map(|l| {
            let s = &text[l.range.clone()];
            let gap = if l.justify {
                justify_gap(s, l.width, l.available, size)
            } else {
                None
            };
            (s.to_string(), l.width, gap)
        })
        .collect()
}

/// A heading that needs several lines is balanced: the narrowest width giving the same number of
/// lines, so the lines come out about equal ("排列对称") instead of one full and one stub.
pub(crate) fn wrap_balanced(face: &Face, text: &str, size: f32, width: f32) -> Vec<Wrapped> {
    let mut lines = wrap(face, text, size, width, 0.0);
    if lines.len() > 1 {
        let total = face.width(text, size);
        let mut w = (total / lines.len() as f32).ceil();
        while w < width {
            let attempt = wrap(face, text, size, w, 0.0);
            if attempt.len() <= lines.len() {
                lines = attempt;
                break;
            }
            w += size / 2.0;
        }
    }
    lines
}

pub(crate) fn glyphs(
    face: &Face,
    text: &str,
    size: f32,
    gap: Option<f32>,
    tracking: f32,
) -> Vec<KrillaGlyph> {
    let mut out = Vec::with_capacity(text.len() / 2);
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        // Every character was checked against the face before layout; glyph 0 (.notdef) can
        // only appear if that check and this code disagree.
        let g = face.glyph(c).unwrap_or(GlyphId::new(0));
        let mut advance = face.advance_em(g) + tracking;
        if let (Some(gap), Some(&(_, next))) = (gap, chars.peek())
            && !(wordish(c) && wordish(next))
        {
            advance += gap / size;
        }
        out.push(KrillaGlyph::new(
            g,
            advance,
            0.0,
            0.0,
            0.0,
            i..i + c.len_utf8(),
            None,
        ));
    }
    out
}

pub(crate) fn fill(ink: Ink) -> Fill {
    let (r, g, b) = ink.rgb;
    Fill {
        paint: rgb::Color::new(r, g, b).into(),
        opacity: NormalizedF32::new(ink.opacity).unwrap_or(NormalizedF32::ONE),
        ..Default::default()
    }
}

pub(crate) fn stroke(ink: Ink, width: f32, dash: Option<StrokeDash>) -> Stroke {
    let (r, g, b) = ink.rgb;
    Stroke {
        paint: rgb::Color::new(r, g, b).into(),
        width,
        opacity: NormalizedF32::new(ink.opacity).unwrap_or(NormalizedF32::ONE),
        line_cap: LineCap::Butt,
        line_join: LineJoin::Round,
        dash,
        ..Default::default()
    }
}

fn dashed(ink: Ink, width: f32, on: f32, off: f32) -> Stroke {
    stroke(
        ink,
        width,
        Some(StrokeDash {
            array: vec![on, off],
            offset: 0.0,
        }),
    )
}

/// A circle from four cubic Béziers (the usual 0.5523 handle length).
fn circle(cx: f32, cy: f32, r: f32) -> Option<krilla::geom::Path> {
    let k = 0.552_284_8 * r;
    let mut pb = PathBuilder::new();
    pb.move_to(cx + r, cy);
    pb.cubic_to(cx + r, cy + k, cx + k, cy + r, cx, cy + r);
    pb.cubic_to(cx - k, cy + r, cx - r, cy + k, cx - r, cy);
    pb.cubic_to(cx - r, cy - k, cx - k, cy - r, cx, cy - r);
    pb.cubic_to(cx + k, cy - r, cx + r, cy - k, cx + r, cy);
    pb.close();
    pb.finish()
}

fn line(s: &mut Surface, x1: f32, y1: f32, x2: f32, y2: f32, st: Stroke) {
    let mut pb = PathBuilder::new();
    pb.move_to(x1, y1);
    pb.line_to(x2, y2);
    if let Some(path) = pb.finish() {
        s.set_fill(None);
        s.set_stroke(Some(st));
        s.draw_path(&path);
        s.set_stroke(None);
    }
}

/// The QR code drawn once as a reusable graphic at the origin: a sheet of slips shows it up to
/// 2000 times, and the PDF then holds its path once.
fn qr_graphic(s: &mut Surface, qr: &QrMatrix, side: f32) -> Graphic {
    let mut sb = s.stream_builder();
    let mut gs = sb.surface();
    gs.set_stroke(None);
    gs.set_fill(Some(fill(BLACK)));
    if let Some(path) = qr.path(0.0, 0.0, side) {
        gs.draw_path(&path);
    }
    gs.finish();
    Graphic::new(sb.finish(), false)
}

/// Writes the planned A4 pages as a PDF. `overlay` draws over each finished page (the revoked
/// mark). No creation date is written and the file ID comes from the metadata or the content, so
/// the same pages give the same bytes.
pub(crate) fn write_pdf(
    metadata: Metadata,
    pages: &[Vec<Op>],
    f: &Fonts,
    qr: &QrMatrix,
    mut overlay: impl FnMut(&mut Surface),
) -> Result<Vec<u8>, PdfError> {
    let mut document = Document::new_with(SerializeSettings::default());
    document.set_metadata(metadata);
    let settings =
        PageSettings::from_wh(PAGE_W, PAGE_H).ok_or_else(|| PdfError::Pdf("page size".into()))?;
    let mut qr_cache: Option<(f32, Graphic)> = None;
    for ops in pages {
        let mut page = document.start_page_with(settings.clone());
        let mut s = page.surface();
        for op in ops {
            match op {
                Op::Text {
                    face: kind,
                    synthetic_bold,
                    size,
                    x,
                    baseline,
                    text,
                    gap,
                    tracking,
                    ink,
                } => {
                    let fc = face(f, *kind);
                    s.set_fill(Some(fill(*ink)));
                    s.set_stroke(synthetic_bold.then(|| stroke(*ink, size * 0.035, None)));
                    let gs = glyphs(fc, text, *size, *gap, *tracking);
                    s.draw_glyphs(
                        Point::from_xy(*x, *baseline),
                        &gs,
                        fc.font.clone(),
                        text,
                        *size,
                        false,
                    );
                    s.set_stroke(None);
                }
                Op::Rule { x1, x2, y } => line(&mut s, *x1, *y, *x2, *y, stroke(GREY, 0.6, None)),
                Op::Dashed { x1, y1, x2, y2 } => {
                    line(&mut s, *x1, *y1, *x2, *y2, dashed(GREY, 0.5, 4.0, 3.0));
                }
                Op::SealCircle { cx, cy, r } => {
                    if let Some(path) = circle(*cx, *cy, *r) {
                        s.set_fill(None);
                        s.set_stroke(Some(dashed(GREY, 0.6, 3.0, 3.0)));
                        s.draw_path(&path);
                        s.set_stroke(None);
                    }
                }
                Op::Qr { x, y, side } => {
                    let graphic = match &qr_cache {
                        Some((cached, g)) if cached == side => g.clone(),
                        _ => {
                            let g = qr_graphic(&mut s, qr, *side);
                            qr_cache = Some((*side, g.clone()));
                            g
                        }
                    };
                    s.push_transform(&Transform::from_translate(*x, *y));
                    s.draw_graphic(graphic);
                    s.pop();
                }
            }
        }
        overlay(&mut s);
        s.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|e| PdfError::Pdf(format!("{e:?}")))
}
