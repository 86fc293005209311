//! The three embedded font subsets (see fonts/make-subset.sh), parsed once per process.

use std::sync::OnceLock;

use krilla::text::{Font, GlyphId};
use skrifa::charmap::Charmap;
use skrifa::instance::{LocationRef, Size};
use skrifa::metrics::GlyphMetrics;
use skrifa::{FontRef, MetadataProvider};

use crate::PdfError;

/// Body text, 宋体 role: Noto Serif CJK SC Regular, every GBK character.
static BODY: &[u8] = include_bytes!("../fonts/NotoSerifCJKsc-Regular-GBK.otf");
/// Title, 小标宋 role: Noto Serif CJK SC Bold, GB2312 symbols and level-1 hanzi.
static TITLE: &[u8] = include_bytes!("../fonts/NotoSerifCJKsc-Bold-GB2312L1.otf");
/// Verification code: Noto Sans Mono CJK SC Bold, printable ASCII.
static MONO: &[u8] = include_bytes!("../fonts/NotoSansMonoCJKsc-Bold-ASCII.otf");

/// One face: krilla's handle for embedding, plus skrifa's tables for measuring text.
pub(crate) struct Face {
    pub(crate) font: Font,
    charmap: Charmap<'static>,
    metrics: GlyphMetrics<'static>,
    units_per_em: f32,
}

impl Face {
    fn load(data: &'static [u8], name: &str) -> Result<Face, String> {
        let font_ref = FontRef::new(data).map_err(|e| format!("{name}: {e}"))?;
        let units_per_em = f32::from(
            font_ref
                .metrics(Size::unscaled(), LocationRef::default())
                .units_per_em,
        );
        if units_per_em <= 0.0 {
            return Err(format!("{name}: units per em is 0"));
        }
        let font =
            Font::new(data.into(), 0).ok_or_else(|| format!("{name}: krilla rejected it"))?;
        Ok(Face {
            font,
            charmap: font_ref.charmap(),
            metrics: font_ref.glyph_metrics(Size::unscaled(), LocationRef::default()),
            units_per_em,
        })
    }

    /// The glyph for `c`, or `None` when the face has none (it would print as a box).
    pub(crate) fn glyph(&self, c: char) -> Option<GlyphId> {
        self.charmap.map(c).map(|g| GlyphId::new(g.to_u32()))
    }

    pub(crate) fn has(&self, c: char) -> bool {
        self.glyph(c).is_some()
    }

    /// Appends to `into` each character of `text` this face cannot draw, once, in order.
    /// Control characters are not drawn at all, so they are not "missing".
    pub(crate) fn collect_missing(&self, text: &str, into: &mut Vec<char>) {
        for c in text.chars() {
            if !c.is_control() && !self.has(c) && !into.contains(&c) {
                into.push(c);
            }
        }
    }

    /// Horizontal advance of a glyph in em (multiply by the font size for points).
    pub(crate) fn advance_em(&self, glyph: GlyphId) -> f32 {
        let id = skrifa::GlyphId::new(glyph.to_u32());
        self.metrics.advance_width(id).unwrap_or(0.0) / self.units_per_em
    }

    /// Advance of `c` in em; characters without a glyph measure one em (they are rejected before
    /// anything is drawn, this only keeps measuring total).
    pub(crate) fn char_em(&self, c: char) -> f32 {
        self.glyph(c).map_or(1.0, |g| self.advance_em(g))
    }

    /// Width of `text` in points at `size`.
    pub(crate) fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.char_em(c)).sum::<f32>() * size
    }
}

pub(crate) struct Fonts {
    pub(crate) body: Face,
    pub(crate) title: Face,
    pub(crate) mono: Face,
}

/// Parsed once: font parsing is the costly part of a render and the data never changes.
pub(crate) fn fonts() -> Result<&'static Fonts, PdfError> {
    static FONTS: OnceLock<Result<Fonts, String>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            Ok(Fonts {
                body: Face::load(BODY, "NotoSerifCJKsc-Regular")?,
                title: Face::load(TITLE, "NotoSerifCJKsc-Bold")?,
                mono: Face::load(MONO, "NotoSansMonoCJKsc-Bold")?,
            })
        })
        .as_ref()
        .map_err(|e| PdfError::Font(e.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_fonts_load_and_cover_what_they_promise() {
        let f = fonts().expect("embedded fonts parse");
        // Body: all of GBK's hanzi, e.g. a level-2 GB2312 character and a GBK-only one.
        for c in "与死亡人员关系证明，。；：、（）“”０１ABC abc 123 堃喆昇犇淼鑫禤".chars()
        {
            assert!(f.body.has(c), "body lacks {c}");
        }
        // Outside GBK (CJK Extension B): must be reported, not drawn as a box.
        assert!(!f.body.has('𠮷'));
        // Title: level-1 hanzi, including the revoked mark.
        for c in "证明已作废关系".chars() {
            assert!(f.title.has(c), "title lacks {c}");
        }
        // Mono: the code alphabet, fixed pitch.
        let a = f.mono.char_em('M');
        for c in "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ-".chars() {
            assert!(f.mono.has(c));
            assert!((f.mono.char_em(c) - a).abs() < 1e-6, "{c} not fixed pitch");
        }
        // CJK characters are one em wide: line breaking relies on it for a tidy grid.
        assert!((f.body.char_em('证') - 1.0).abs() < 1e-6);
        assert!((f.body.char_em('，') - 1.0).abs() < 1e-6);
    }
}
