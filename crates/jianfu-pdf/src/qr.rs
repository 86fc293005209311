//! The verification QR code as vector rectangles: sharp at any printer resolution.

use krilla::geom::{Path, PathBuilder, Rect};
use qrcode::{Color, EcLevel, QrCode};

use crate::PdfError;

/// The dark modules of a QR code, row by row.
pub(crate) struct QrMatrix {
    pub(crate) width: usize,
    dark: Vec<bool>,
}

impl QrMatrix {
    /// Error correction level M (15 %) keeps the code small enough to stay scannable at 25 mm
    /// while surviving a crease or a smudge.
    pub(crate) fn encode(url: &str) -> Result<QrMatrix, PdfError> {
        let code = QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M)
            .map_err(|_| PdfError::VerifyUrlTooLong)?;
        let dark = code
            .to_colors()
            .into_iter()
            .map(|c| c == Color::Dark)
            .collect();
        Ok(QrMatrix {
            width: code.width(),
            dark,
        })
    }

    pub(crate) fn is_dark(&self, x: usize, y: usize) -> bool {
        self.dark.get(y * self.width + x).copied().unwrap_or(false)
    }

    /// One path for the whole code, each horizontal run of dark modules as one rectangle (fewer
    /// seams between neighbouring modules than one rectangle each). `side` is the size in points of
    /// the code without its quiet zone; the caller keeps 4 modules of white around it.
    pub(crate) fn path(&self, x: f32, y: f32, side: f32) -> Option<Path> {
        let m = side / self.width as f32;
        let mut pb = PathBuilder::new();
        for row in 0..self.width {
            let mut col = 0;
            while col < self.width {
                if !self.is_dark(col, row) {
                    col += 1;
                    continue;
                }
                let start = col;
                while col < self.width && self.is_dark(col, row) {
                    col += 1;
                }
                let rect = Rect::from_xywh(
                    x + start as f32 * m,
                    y + row as f32 * m,
                    (col - start) as f32 * m,
                    m,
                )?;
                pb.push_rect(rect);
            }
        }
        pb.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_a_verification_url_and_rejects_an_absurd_one() {
        let q = QrMatrix::encode(
            "http://127.0.0.1:8080/verify?number=ZM110115001901-2026-000001&code=7KQ2-M9XD",
        )
        .unwrap();
        assert!(q.width >= 21 && (q.width - 21).is_multiple_of(4));
        // Finder pattern: the top-left corner module is dark, the one inside its ring is light.
        assert!(q.is_dark(0, 0) && !q.is_dark(1, 1) && q.is_dark(2, 2));
        assert!(q.path(0.0, 0.0, 70.0).is_some());
        let huge = "x".repeat(5000);
        assert_eq!(
            QrMatrix::encode(&huge).err(),
            Some(PdfError::VerifyUrlTooLong)
        );
    }
}
