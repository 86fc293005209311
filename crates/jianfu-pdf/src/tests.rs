//! End-to-end checks on the PDF bytes, reading them back with lopdf (dev-dependency only).

use crate::{CertificateDoc, MAX_PAGES, PdfError, missing_glyphs, render_certificate};

#[path = "../examples/common/sample_doc.rs"]
pub(crate) mod sample_doc;
use sample_doc::{BODY, sample};

/// All text of all pages, whitespace removed (extraction inserts spaces and breaks freely).
pub(crate) fn text_of(pdf: &[u8]) -> (usize, String) {
    let doc = lopdf::Document::load_mem(pdf).expect("lopdf parses the output");
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    let text = doc.extract_text(&pages).expect("text extracts");
    (
        pages.len(),
        text.chars().filter(|c| !c.is_whitespace()).collect(),
    )
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn is_a_small_complete_pdf_with_an_embedded_subset_font() {
    let pdf = render_certificate(&sample()).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let end = pdf.trim_ascii_end();
    assert!(end.ends_with(b"%%EOF"));
    // The body font alone is 6.8 MB: under 200 KB means it was subset to the glyphs used.
    assert!(pdf.len() < 200_000, "{} bytes", pdf.len());
    assert!(contains(&pdf, "/FontFile"), "no embedded font program");
    assert!(
        contains(&pdf, "+NotoSerifCJKsc-Regular"),
        "body font not a tagged subset"
    );
    assert!(contains(&pdf, "+NotoSerifCJKsc-Bold"), "title font missing");
    assert!(
        contains(&pdf, "+NotoSansMonoCJKsc-Bold"),
        "code font missing"
    );
    assert!(contains(&pdf, "/ToUnicode"), "text would not be copyable");
    // The QR code is vector, not a picture.
    assert!(!contains(&pdf, "/Subtype/Image") && !contains(&pdf, "/Subtype /Image"));
}

#[test]
fn text_is_extractable() {
    let pdf = render_certificate(&sample()).unwrap();
    let (pages, text) = text_of(&pdf);
    assert_eq!(pages, 1);
    for needle in [
        "与死亡人员关系证明",
        "ZM110115001901-2026-000001",
        "北京市大兴区兴丰街道三合南里社区居民委员会",
        "2026年11月28日",
        "7KQ2-M9XD",
        "北京市大兴区社会保险事业管理中心：",
        "特此证明。",
        "（盖章）",
        "扫码或访问核验页面，输入证明编号和核验码即可查验真伪",
        "http://127.0.0.1:8080/verify",
        "本证明自出具之日起三个月内有效",
    ] {
        assert!(text.contains(needle), "missing {needle} in {text}");
    }
    assert!(!text.contains("已作废"));
    // The whole body survives wrapping, character for character.
    let body: String = BODY.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(text.contains(&body), "{text}");
}

#[test]
fn same_input_same_bytes() {
    assert_eq!(
        render_certificate(&sample()).unwrap(),
        render_certificate(&sample()).unwrap()
    );
}

#[test]
fn revoked_certificate_carries_the_mark() {
    let plain = render_certificate(&sample()).unwrap();
    let revoked = render_certificate(&CertificateDoc {
        revoked: true,
        ..sample()
    })
    .unwrap();
    assert_ne!(plain, revoked);
    let (_, text) = text_of(&revoked);
    assert!(text.contains("已作废"), "{text}");
    assert!(text.contains("与死亡人员关系证明"));
}

#[test]
fn characters_outside_the_font_are_named_not_boxed() {
    let body = "兹证明刘䶮与张𠮷系母子关系，刘䶮户籍在本社区。";
    let err = render_certificate(&CertificateDoc { body, ..sample() }).unwrap_err();
    // Each once, in order of appearance.
    assert_eq!(err, PdfError::MissingGlyphs(vec!['䶮', '𠮷']));
    assert!(err.to_string().contains("“䶮”"));

    // The same answer up front, for a form to warn while typing.
    assert_eq!(missing_glyphs(body).unwrap(), vec!['䶮', '𠮷']);
    assert_eq!(missing_glyphs("王喆\n张犇").unwrap(), Vec::<char>::new());

    let err = render_certificate(&CertificateDoc {
        addressee: "𠀀𠀀单位：",
        ..sample()
    })
    .unwrap_err();
    assert_eq!(err, PdfError::MissingGlyphs(vec!['𠀀']));
}

#[test]
fn a_title_beyond_the_title_font_falls_back_to_the_body_face() {
    // 喆 is not in GB2312, so not in the bold title subset, but the body face has it.
    let pdf = render_certificate(&CertificateDoc {
        title: "关于王喆同志居住情况的证明",
        ..sample()
    })
    .unwrap();
    let (_, text) = text_of(&pdf);
    assert!(text.contains("关于王喆同志居住情况的证明"), "{text}");
}

#[test]
fn long_bodies_flow_onto_further_pages_and_absurd_ones_are_refused() {
    let para = "经社区入户核实，该户家庭成员情况如下，所列人员均在本社区实际居住并办理了居住登记，情况属实。";
    let long: String = (1..=30)
        .map(|i| format!("{i}. {para}"))
        .collect::<Vec<_>>()
        .join("\n");
    let pdf = render_certificate(&CertificateDoc {
        body: &long,
        ..sample()
    })
    .unwrap();
    let (pages, text) = text_of(&pdf);
    assert!(pages >= 2, "{pages} pages");
    assert!(text.contains(&format!("第1页共{pages}页")), "{text}");
    assert!(text.contains(&format!("第{pages}页共{pages}页")));
    // The number heads every page (and appears once more beside the QR code).
    assert_eq!(
        text.matches("编号：ZM110115001901-2026-000001").count(),
        pages + 1
    );
    assert!(text.contains("30."));

    let absurd = long.repeat(10);
    assert_eq!(
        render_certificate(&CertificateDoc {
            body: &absurd,
            ..sample()
        })
        .unwrap_err(),
        PdfError::TooLong {
            max_pages: MAX_PAGES
        }
    );
}

#[test]
fn blank_or_unprintable_fields_are_refused() {
    for (doc, field) in [
        (
            CertificateDoc {
                body: " \n　\n",
                ..sample()
            },
            "证明正文",
        ),
        (
            CertificateDoc {
                community_name: "  ",
                ..sample()
            },
            "出具单位",
        ),
        (
            CertificateDoc {
                verify_code: "",
                ..sample()
            },
            "核验码",
        ),
        (
            CertificateDoc {
                title: "",
                ..sample()
            },
            "证明标题",
        ),
    ] {
        assert_eq!(
            render_certificate(&doc).unwrap_err(),
            PdfError::EmptyField { field }
        );
    }
    assert_eq!(
        render_certificate(&CertificateDoc {
            title: "证明\u{7}",
            ..sample()
        })
        .unwrap_err(),
        PdfError::ControlCharacter {
            field: "证明标题",
            code_point: 7
        }
    );
    // Tabs, CRLF and typed indentation in the body are fine.
    assert!(
        render_certificate(&CertificateDoc {
            body: "　　兹证明\t张三\r\n    特此证明。",
            addressee: "",
            notes: &[],
            ..sample()
        })
        .is_ok()
    );
}

#[test]
fn oversized_one_line_fields_are_refused_clearly() {
    let code = "ABCD-".repeat(10);
    assert_eq!(
        render_certificate(&CertificateDoc {
            verify_code: &code,
            ..sample()
        })
        .unwrap_err(),
        PdfError::TooWide { field: "核验码" }
    );
    let url = format!("http://127.0.0.1/verify?x={}", "a".repeat(4000));
    assert_eq!(
        render_certificate(&CertificateDoc {
            verify_url: &url,
            ..sample()
        })
        .unwrap_err(),
        PdfError::VerifyUrlTooLong
    );
}
