//! Line breaking for Chinese text: a break is allowed between any two CJK characters, Latin words
//! and numbers stay whole, and the punctuation rules of GB/T 15834 (标点符号用法) apply: closing
//! punctuation never starts a line and opening punctuation never ends one (避头尾).

use std::ops::Range;

/// Must not start a line: it is glued to the character before it.
pub(crate) fn no_line_start(c: char) -> bool {
    matches!(
        c,
        '，' | '。'
            | '；'
            | '：'
            | '、'
            | '！'
            | '？'
            | '）'
            | '」'
            | '』'
            | '》'
            | '〉'
            | '】'
            | '〕'
            | '〗'
            | '”'
            | '’'
            | '…'
            | '—'
            | '％'
            | '‰'
            | '·'
            | '・'
            | '〞'
            | ','
            | '.'
            | ';'
            | ':'
            | '!'
            | '?'
            | ')'
            | ']'
            | '}'
            | '%'
    )
}

/// Must not end a line: it is glued to the character after it.
pub(crate) fn no_line_end(c: char) -> bool {
    matches!(
        c,
        '（' | '「'
            | '『'
            | '《'
            | '〈'
            | '【'
            | '〔'
            | '〖'
            | '“'
            | '‘'
            | '〝'
            | '('
            | '['
            | '{'
    )
}

/// Latin letters, digits and ASCII punctuation form words that are not broken inside; everything
/// from U+2000 up (CJK, full-width forms, typographic punctuation) breaks per character.
pub(crate) fn wordish(c: char) -> bool {
    c < '\u{2000}' && !c.is_whitespace()
}

/// One line of a paragraph: a byte range of the paragraph text, without the spaces at its ends.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Line {
    pub(crate) range: Range<usize>,
    /// Natural width in points.
    pub(crate) width: f32,
    /// Width available to this line (after the first-line indent).
    pub(crate) available: f32,
    /// Lines that end because the next word did not fit are justified to the full width; the last
    /// line of a paragraph and lines cut inside an over-long word are not.
    pub(crate) justify: bool,
}

struct Token {
    range: Range<usize>,
    width: f32,
    space: bool,
}

fn tokens(text: &str, advance: &impl Fn(char) -> f32) -> Vec<Token> {
    let mut toks: Vec<Token> = Vec::new();
    let mut prev: Option<char> = None;
    for (i, c) in text.char_indices() {
        let end = i + c.len_utf8();
        let w = advance(c);
        if c == ' ' {
            toks.push(Token {
                range: i..end,
                width: w,
                space: true,
            });
            prev = None;
            continue;
        }
        let join = match (prev, toks.last()) {
            (Some(p), Some(last)) if !last.space => {
                no_line_end(p) || no_line_start(c) || (wordish(p) && wordish(c))
            }
            _ => false,
        };
        match toks.last_mut() {
            Some(last) if join => {
                last.range.end = end;
                last.width += w;
            }
            _ => toks.push(Token {
                range: i..end,
                width: w,
                space: false,
            }),
        }
        prev = Some(c);
    }
    toks
}

/// Breaks one paragraph into lines no wider than `width` points (the first `width - indent`).
/// `advance` gives a character's width in points. A word longer than a whole line is cut where it
/// must be, so every line has at least one character and the loop always ends.
pub(crate) fn break_lines(
    text: &str,
    advance: impl Fn(char) -> f32,
    width: f32,
    indent: f32,
) -> Vec<Line> {
    // Half a point of tolerance: advances are sums of floats.
    const SLACK: f32 = 0.5;
    let avail = |lines: &Vec<Line>| {
        if lines.is_empty() {
            (width - indent).max(0.0)
        } else {
            width
        }
    };
    let mut lines: Vec<Line> = Vec::new();
    // The line being filled: (range, width) and the width of spaces waiting before the next word.
    let mut cur: Option<(Range<usize>, f32)> = None;
    let mut pending = 0.0f32;
    for tok in tokens(text, &advance) {
        if tok.space {
            if cur.is_some() {
                pending += tok.width;
            }
            continue;
        }
        if let Some((range, w)) = cur.as_mut() {
            if *w + pending + tok.width <= avail(&lines) + SLACK {
                range.end = tok.range.end;
                *w += pending + tok.width;
                pending = 0.0;
                continue;
            }
            let available = avail(&lines);
            lines.push(Line {
                range: range.clone(),
                width: *w,
                available,
                justify: true,
            });
            cur = None;
            pending = 0.0;
        }
        // `tok` starts a new line; cut it while it is wider than a whole line.
        let mut start = tok.range.start;
        let mut rest = tok.width;
        while rest > avail(&lines) + SLACK {
            let limit = avail(&lines) + SLACK;
            let mut w = 0.0;
            let mut end = start;
            for (i, c) in text[start..tok.range.end].char_indices() {
                let a = advance(c);
                if w + a > limit && i > 0 {
                    break;
                }
                w += a;
                end = start + i + c.len_utf8();
            }
            let available = avail(&lines);
            lines.push(Line {
                range: start..end,
                width: w,
                available,
                justify: false,
            });
            rest -= w;
            start = end;
        }
        if start < tok.range.end {
            cur = Some((start..tok.range.end, rest.max(0.0)));
        }
    }
    if let Some((range, w)) = cur {
        let available = avail(&lines);
        lines.push(Line {
            range,
            width: w,
            available,
            justify: false,
        });
    }
    lines
}

/// Extra space, in points, to add after each character of a justified line so that it fills
/// `available`: spread over the gaps where a break would be allowed (not inside Latin words).
/// `None` when the line is not to be stretched, or when the stretch would look gappy.
pub(crate) fn justify_gap(line_text: &str, natural: f32, available: f32, size: f32) -> Option<f32> {
    let extra = available - natural;
    if extra <= 0.01 {
        return None;
    }
    let chars: Vec<char> = line_text.chars().collect();
    let gaps = chars
        .windows(2)
        .filter(|w| !(wordish(w[0]) && wordish(w[1])))
        .count();
    if gaps == 0 {
        return None;
    }
    let per = extra / gaps as f32;
    // More than a quarter em between characters reads as a gap, not as justification.
    (per <= 0.25 * size).then_some(per)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// CJK is one em (10 pt here), everything else half an em.
    fn adv(c: char) -> f32 {
        if wordish(c) || c == ' ' { 5.0 } else { 10.0 }
    }

    fn lines(text: &str, width: f32, indent: f32) -> Vec<&str> {
        break_lines(text, adv, width, indent)
            .into_iter()
            .map(|l| &text[l.range])
            .collect()
    }

    #[test]
    fn cjk_breaks_per_character_within_the_width() {
        assert_eq!(
            lines("一二三四五六七", 30.0, 0.0),
            ["一二三", "四五六", "七"]
        );
        // First-line indent of two characters.
        assert_eq!(
            lines("一二三四五六七", 40.0, 20.0),
            ["一二", "三四五六", "七"]
        );
    }

    #[test]
    fn closing_punctuation_never_starts_a_line() {
        // "三，" is glued, so "三" moves down with its comma instead of the comma starting line 2.
        for (text, width) in [
            ("一二三，四五", 30.0),
            ("一二三。四五", 30.0),
            ("一二三；四五", 30.0),
            ("一二三：四五", 30.0),
            ("一二三、四五", 30.0),
            ("一二（三）四", 30.0),
            ("一二「三」四", 30.0),
            ("一二『三』四", 30.0),
        ] {
            for line in lines(text, width, 0.0) {
                let first = line.chars().next().unwrap();
                assert!(
                    !no_line_start(first),
                    "{text}: line starts with {first}: {line}"
                );
            }
        }
        assert_eq!(lines("一二三，四五", 30.0, 0.0), ["一二", "三，四", "五"]);
    }

    #[test]
    fn opening_punctuation_never_ends_a_line() {
        assert_eq!(lines("一二（三四", 30.0, 0.0), ["一二", "（三四"]);
        assert_eq!(lines("一二“三”", 30.0, 0.0), ["一二", "“三”"]);
    }

    #[test]
    fn latin_words_and_numbers_stay_whole_and_spaces_break() {
        assert_eq!(lines("编号2026001号", 40.0, 0.0), ["编号", "2026001", "号"]);
        assert_eq!(lines("编号2026001号", 50.0, 0.0), ["编号", "2026001号"]);
        assert_eq!(lines("ab cd ef", 25.0, 0.0), ["ab cd", "ef"]);
        // Too long for any line: cut, and every line still has content.
        assert_eq!(lines("abcdefghij", 20.0, 0.0), ["abcd", "efgh", "ij"]);
        // Narrower than one character: one per line, no endless loop.
        assert_eq!(lines("一二", 5.0, 0.0), ["一", "二"]);
    }

    #[test]
    fn justified_lines_fill_the_width_last_line_does_not() {
        let text = "一二ab三四五六";
        let ls = break_lines(text, adv, 45.0, 0.0);
        assert_eq!(ls.len(), 2);
        assert!(ls[0].justify && !ls[1].justify);
        // "一二ab三四" is 50 wide, too wide; "一二ab三" is 40 of 45: stretched over its 3 gaps
        // (一|二, 二|ab, ab|三), none inside "ab".
        assert_eq!(&text[ls[0].range.clone()], "一二ab三");
        let gap = justify_gap("一二ab三", ls[0].width, ls[0].available, 10.0).unwrap();
        assert!((gap - 5.0 / 3.0).abs() < 1e-4, "{gap}");
        // A 35-wide line of 4 CJK + ... with 3 gaps stretched by 5 pt in total.
        let g = justify_gap("一二三a", 35.0, 40.0, 10.0).unwrap();
        assert!((g - 5.0 / 3.0).abs() < 1e-4);
        // Inside a Latin word is not a gap.
        assert!(justify_gap("abc", 15.0, 20.0, 10.0).is_none());
        // Would be gappy (20 pt over 1 gap at 10 pt size): left as it is.
        assert!(justify_gap("一二", 20.0, 40.0, 10.0).is_none());
    }
}
