//! End-to-end checks on sheets of survey code slips, reading the PDF back with lopdf.

use crate::tests::text_of;
use crate::{CodeSlips, MAX_SLIP_CODES, PdfError, render_code_slips};

#[path = "../examples/common/sample_slips.rs"]
pub(crate) mod sample_slips;
use sample_slips::{CLOSES_ON, COMMUNITY, NOTE, TITLE, URL, codes, sample};

/// The error, without dumping a whole PDF when there is none.
fn refused(slips: &CodeSlips) -> PdfError {
    match render_code_slips(slips) {
        Ok(_) => panic!("rendered, expected a refusal: {slips:?}"),
        Err(e) => e,
    }
}

fn pages(n: usize) -> usize {
    let codes = codes(n);
    text_of(&render_code_slips(&sample(&codes)).unwrap()).0
}

#[test]
fn ten_slips_a_page() {
    assert_eq!(pages(1), 1);
    assert_eq!(pages(10), 1);
    assert_eq!(pages(11), 2);
    assert_eq!(pages(20), 2);
    assert_eq!(pages(25), 3);
}

#[test]
fn every_code_and_every_line_of_the_slip_is_in_the_text() {
    let codes = codes(25);
    let pdf = render_code_slips(&sample(&codes)).unwrap();
    let (n, text) = text_of(&pdf);
    assert_eq!(n, 3);
    let distinct: std::collections::BTreeSet<&String> = codes.iter().collect();
    assert_eq!(distinct.len(), 25, "the sample codes are distinct");
    for code in &codes {
        // Each code exactly once: on its own slip and nowhere else.
        assert_eq!(text.matches(code.as_str()).count(), 1, "{code} in {text}");
    }
    let strip = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    // Everything else is on every slip.
    for needle in [
        TITLE.to_string(),
        COMMUNITY.to_string(),
        format!("扫码或访问：{URL}"),
        format!("请于{}前填写", strip(CLOSES_ON)),
        strip(NOTE),
        "入户码：".to_string(),
    ] {
        assert_eq!(text.matches(&needle).count(), 25, "{needle} in {text}");
    }
    for i in 1..=3 {
        assert!(text.contains(&format!("第{i}页共3页")), "{text}");
    }
}

#[test]
fn the_qr_code_is_stored_once_however_many_slips() {
    let few = codes(10);
    let many = codes(200);
    let small = render_code_slips(&sample(&few)).unwrap();
    let large = render_code_slips(&sample(&many)).unwrap();
    // 19 more pages of text, but not 190 more QR paths: the code is one reused form XObject.
    assert!(
        large.len() < small.len() + 19 * 4_000,
        "{} vs {}",
        large.len(),
        small.len()
    );
    assert!(small.len() < 60_000, "{} bytes", small.len());
}

#[test]
fn same_input_same_bytes_and_other_codes_other_bytes() {
    let codes25 = codes(25);
    let a = render_code_slips(&sample(&codes25)).unwrap();
    assert_eq!(a, render_code_slips(&sample(&codes25)).unwrap());
    let mut other = codes25.clone();
    other.swap(0, 1);
    assert_ne!(a, render_code_slips(&sample(&other)).unwrap());
}

#[test]
fn no_codes_or_too_many_are_refused() {
    let err = refused(&sample(&[]));
    assert_eq!(err, PdfError::NoCodes);
    assert_eq!(err.code(), "survey_slips_no_codes");
    assert!(err.to_string().contains("没有可打印的入户码"), "{err}");

    // The most still renders (page objects counted in the bytes: parsing 200 pages back with
    // lopdf would make this the slowest test by far).
    let most = codes(MAX_SLIP_CODES);
    let pdf = render_code_slips(&sample(&most)).unwrap();
    let page_objects = pdf.windows(11).filter(|w| w == b"/Type/Page/").count();
    assert_eq!(page_objects, MAX_SLIP_CODES / 10);
    assert!(pdf.len() < 1_000_000, "{} bytes", pdf.len());

    let too_many = codes(MAX_SLIP_CODES + 1);
    let err = refused(&sample(&too_many));
    assert_eq!(
        err,
        PdfError::TooManyCodes {
            count: 2001,
            max: 2000
        }
    );
    assert_eq!(err.code(), "survey_slips_too_many_codes");
    assert_eq!(
        err.to_string(),
        "一次最多打印 2000 个入户码，本次有 2001 个，请分批打印"
    );
}

#[test]
fn characters_outside_the_font_are_named_in_order() {
    let codes = codes(3);
    let err = refused(&CodeSlips {
        community_name: "刘䶮社区",
        note: "请𠮷家户主填写，䶮",
        ..sample(&codes)
    });
    assert_eq!(err, PdfError::MissingGlyphs(vec!['䶮', '𠮷']));
    assert_eq!(err.code(), "certificate_missing_glyphs");

    // In a code too, although codes are ASCII in practice.
    let odd = vec!["7KQ2-M9XD".to_string(), "7KQ2-𠀀".to_string()];
    assert_eq!(refused(&sample(&odd)), PdfError::MissingGlyphs(vec!['𠀀']));
    // A title the bold face lacks (喆 is not GB2312 level 1) is set in the body face instead.
    let pdf = render_code_slips(&CodeSlips {
        survey_title: "王喆小区满意度调查",
        ..sample(&codes)
    })
    .unwrap();
    assert!(text_of(&pdf).1.contains("王喆小区满意度调查"));
}

#[test]
fn blank_fields_and_codes_and_control_characters_are_refused() {
    let codes = codes(3);
    for (slips, field) in [
        (
            CodeSlips {
                survey_title: " ",
                ..sample(&codes)
            },
            "调查名称",
        ),
        (
            CodeSlips {
                community_name: "",
                ..sample(&codes)
            },
            "社区名称",
        ),
        (
            CodeSlips {
                url: "",
                ..sample(&codes)
            },
            "问卷网址",
        ),
        (
            CodeSlips {
                closes_on: "\u{3000}",
                ..sample(&codes)
            },
            "截止日期",
        ),
    ] {
        let err = refused(&slips);
        assert_eq!(err, PdfError::SlipFieldEmpty { field });
        assert_eq!(err.code(), "survey_slips_field_empty");
        assert!(err.to_string().contains("不能打印缺少内容的入户码条"));
    }
    let with_blank = vec!["7KQ2-M9XD".to_string(), "  ".to_string()];
    assert_eq!(
        refused(&sample(&with_blank)),
        PdfError::SlipFieldEmpty { field: "入户码" }
    );
    assert_eq!(
        refused(&CodeSlips {
            survey_title: "满意度\u{7}调查",
            ..sample(&codes)
        }),
        PdfError::ControlCharacter {
            field: "调查名称",
            code_point: 7
        }
    );
    // The note may be empty, or several paragraphs.
    assert!(
        render_code_slips(&CodeSlips {
            note: "",
            ..sample(&codes)
        })
        .is_ok()
    );
    assert!(
        render_code_slips(&CodeSlips {
            note: "每户一码。\n答卷匿名。",
            ..sample(&codes)
        })
        .is_ok()
    );
}

#[test]
fn text_that_does_not_fit_a_slip_is_refused_naming_the_field() {
    let codes = codes(3);
    let long_note = NOTE.repeat(8);
    let long_url = format!("{URL}?{}", "a".repeat(200));
    let long_code = vec!["7KQ2-M9XD-7KQ2-M9XD".to_string()];
    for (slips, field) in [
        (
            CodeSlips {
                survey_title: "北京市大兴区兴丰街道2026年度社区居民对社区工作和社区服务满意度调查问卷",
                ..sample(&codes)
            },
            "调查名称",
        ),
        (
            CodeSlips {
                community_name: "北京市大兴区兴丰街道三合南里社区居民委员会第一网格第二网格第三网格第四网格",
                ..sample(&codes)
            },
            "社区名称",
        ),
        (
            CodeSlips {
                closes_on: "2026年12月31日（星期四）下午五时三十分",
                ..sample(&codes)
            },
            "截止日期",
        ),
        (
            CodeSlips {
                url: &long_url,
                ..sample(&codes)
            },
            "问卷网址",
        ),
        (sample(&long_code), "入户码"),
        (
            CodeSlips {
                note: &long_note,
                ..sample(&codes)
            },
            "说明",
        ),
    ] {
        let err = refused(&slips);
        assert_eq!(err, PdfError::TooWide { field }, "{field}");
        assert!(err.to_string().contains("排不下"));
    }
    // The longest of each that still fits: two-line title and community name, two-line note.
    let note = NOTE.repeat(2);
    assert!(
        render_code_slips(&CodeSlips {
            survey_title: "兴丰街道2026年度社区居民对社区工作和服务满意度调查",
            community_name: "北京市大兴区兴丰街道三合南里社区居民委员会",
            note: &note,
            ..sample(&codes)
        })
        .is_ok()
    );
}
