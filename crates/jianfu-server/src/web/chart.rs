//! Charts drawn by the server as inline SVG: readable without JavaScript, at phone width (the
//! drawing scales with its box), and offline. Each chart has a title and a text description for
//! screen readers; the same numbers are always in a table beside it.

use std::fmt::Write;

/// Escapes text for SVG/XML.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One bar pair: a label, the "before" and "after" counts.
pub struct BarPair<'a> {
    pub label: &'a str,
    pub before: i64,
    pub after: i64,
}

// About a phone's width in CSS pixels, so text drawn at 13 stays readable when the picture is
// scaled to the screen (and is at most 1.4 times larger on a desktop).
const WIDTH: f64 = 400.0;
const LABEL_W: f64 = 116.0;
const ROW_H: f64 = 34.0;

/// Horizontal bars, one pair per row: "before" in grey, "after" in the accent colour over it.
pub fn before_after_bars(id: &str, title: &str, rows: &[BarPair]) -> String {
    let max = rows
        .iter()
        .map(|r| r.before.max(r.after))
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let plot = WIDTH - LABEL_W - 52.0;
    let height = 36.0 + ROW_H * rows.len() as f64;
    let mut desc = String::new();
    for r in rows {
        let _ = write!(desc, "{}：清理前 {}，现有 {}。", r.label, r.before, r.after);
    }
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="{id}-t {id}-d" xmlns="http://www.w3.org/2000/svg"><title id="{id}-t">{}</title><desc id="{id}-d">{}</desc>"#,
        esc(title),
        esc(&desc)
    );
    let _ = write!(
        s,
        r##"<g font-size="13"><rect x="{LABEL_W}" y="6" width="14" height="10" fill="#b8c0cc"/><text x="{}" y="15">清理前</text><rect x="{}" y="6" width="14" height="10" fill="#1f6f8b"/><text x="{}" y="15">现有</text></g>"##,
        LABEL_W + 18.0,
        LABEL_W + 80.0,
        LABEL_W + 98.0
    );
    for (i, r) in rows.iter().enumerate() {
        let y = 30.0 + ROW_H * i as f64;
        let wb = plot * r.before as f64 / max;
        let wa = plot * r.after as f64 / max;
        let label: String = r.label.chars().take(8).collect();
        let _ = write!(
            s,
            r##"<g font-size="13"><text x="{}" y="{}" text-anchor="end">{}</text><rect x="{LABEL_W}" y="{y}" width="{wb:.1}" height="22" fill="#b8c0cc"/><rect x="{LABEL_W}" y="{}" width="{wa:.1}" height="12" fill="#1f6f8b"/><text x="{:.1}" y="{}">{} → {}</text></g>"##,
            LABEL_W - 8.0,
            y + 16.0,
            esc(&label),
            y + 5.0,
            LABEL_W + wb.max(wa) + 6.0,
            y + 16.0,
            r.before,
            r.after
        );
    }
    s.push_str("</svg>");
    s
}

/// `2026-03` as 3月; the first point and each January also name the year (2026年1月).
fn month_label(m: &str, first: bool) -> String {
    let (y, mo) = m.split_once('-').unwrap_or((m, ""));
    let mo = mo.trim_start_matches('0');
    if first || mo == "1" {
        format!("{}年{mo}月", y.get(2..).unwrap_or(y))
    } else {
        format!("{mo}月")
    }
}

/// A month series: entries carried (accent) and cleared (green) at each month's end.
pub fn month_lines(id: &str, title: &str, points: &[(String, i64, i64)]) -> String {
    let height = 200.0;
    let (left, right, top, bottom) = (36.0, 14.0, 28.0, 36.0);
    let plot_w = WIDTH - left - right;
    let plot_h = height - top - bottom;
    let max = points
        .iter()
        .map(|p| p.1.max(p.2))
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let n = points.len().max(2) as f64 - 1.0;
    let x = |i: usize| left + plot_w * i as f64 / n;
    let y = |v: i64| top + plot_h * (1.0 - v as f64 / max);
    let mut desc = String::new();
    for (m, carried, cleared) in points {
        let _ = write!(desc, "{m}：现有 {carried}，已清理 {cleared}。");
    }
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="{id}-t {id}-d" xmlns="http://www.w3.org/2000/svg"><title id="{id}-t">{}</title><desc id="{id}-d">{}</desc>"#,
        esc(title),
        esc(&desc)
    );
    let _ = write!(
        s,
        r##"<g stroke="#d5dbe3"><line x1="{left}" y1="{top}" x2="{left}" y2="{}"/><line x1="{left}" y1="{}" x2="{}" y2="{}"/></g><g font-size="13"><text x="{}" y="{}" text-anchor="end">{}</text><text x="{}" y="{}" text-anchor="end">0</text></g>"##,
        top + plot_h,
        top + plot_h,
        left + plot_w,
        top + plot_h,
        left - 6.0,
        top + 5.0,
        max as i64,
        left - 6.0,
        top + plot_h + 4.0
    );
    for (series, colour, label, lx) in [
        (1usize, "#1f6f8b", "现有", left),
        (2, "#2e7d32", "已清理", left + 64.0),
    ] {
        let pts: Vec<String> = points
            .iter()
            .enumerate()
            .map(|(i, p)| format!("{:.1},{:.1}", x(i), y(if series == 1 { p.1 } else { p.2 })))
            .collect();
        let _ = write!(
            s,
            r#"<polyline fill="none" stroke="{colour}" stroke-width="3" points="{}"/><rect x="{lx}" y="6" width="14" height="10" fill="{colour}"/><text x="{}" y="15" font-size="13">{label}</text>"#,
            pts.join(" "),
            lx + 18.0
        );
    }
    // Every other month labelled, so twelve fit at phone width.
    for (i, (m, ..)) in points
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 2 == 0 || points.len() <= 6)
    {
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{}" font-size="13" text-anchor="middle">{}</text>"#,
            x(i),
            height - 14.0,
            esc(&month_label(m, i == 0))
        );
    }
    s.push_str("</svg>");
    s
}

/// A QR code of `text` as inline SVG (one path of unit squares, 4 modules of quiet zone); the
/// page's CSS sizes it. Empty when the text does not fit a QR code.
pub fn qr_svg(text: &str, label: &str) -> String {
    use qrcode::{Color, EcLevel, QrCode};
    let Ok(code) = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M) else {
        return String::new();
    };
    let w = code.width();
    let colors = code.to_colors();
    let mut d = String::new();
    for (i, c) in colors.iter().enumerate() {
        if *c == Color::Dark {
            let _ = write!(d, "M{} {}h1v1h-1z", i % w + 4, i / w + 4);
        }
    }
    let side = w + 8;
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {side} {side}\" \
         role=\"img\" aria-label=\"{}\" shape-rendering=\"crispEdges\">\
         <rect width=\"{side}\" height=\"{side}\" fill=\"#fff\"/>\
         <path d=\"{d}\" fill=\"#000\"/></svg>",
        esc(label)
    )
}

/// One bar of a distribution: a label, a count and its share in percent.
pub struct Share<'a> {
    pub label: &'a str,
    pub count: u64,
    pub percent: f64,
}

/// Horizontal bars of shares (0–100%), one per row, each with its count and percentage.
pub fn share_bars(id: &str, title: &str, rows: &[Share]) -> String {
    let plot = WIDTH - LABEL_W - 92.0;
    let height = 8.0 + ROW_H * rows.len() as f64;
    let mut desc = String::new();
    for r in rows {
        let _ = write!(desc, "{}：{} 人，{:.1}%。", r.label, r.count, r.percent);
    }
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="{id}-t {id}-d" xmlns="http://www.w3.org/2000/svg"><title id="{id}-t">{}</title><desc id="{id}-d">{}</desc>"#,
        esc(title),
        esc(&desc)
    );
    for (i, r) in rows.iter().enumerate() {
        let y = 4.0 + ROW_H * i as f64;
        let w = plot * r.percent.clamp(0.0, 100.0) / 100.0;
        let label: String = r.label.chars().take(8).collect();
        let _ = write!(
            s,
            r##"<g font-size="13"><text x="{}" y="{}" text-anchor="end">{}</text><rect x="{LABEL_W}" y="{y}" width="{plot:.1}" height="22" fill="#eef1f5"/><rect x="{LABEL_W}" y="{y}" width="{w:.1}" height="22" fill="#1f6f8b"/><text x="{:.1}" y="{}">{} · {:.1}%</text></g>"##,
            LABEL_W - 8.0,
            y + 16.0,
            esc(&label),
            LABEL_W + plot + 6.0,
            y + 16.0,
            r.count,
            r.percent
        );
    }
    s.push_str("</svg>");
    s
}

/// Horizontal bars of amounts, scaled to the largest, each with its number and `unit`.
pub fn value_bars(id: &str, title: &str, unit: &str, rows: &[(&str, i64)]) -> String {
    let plot = WIDTH - LABEL_W - 92.0;
    let height = 8.0 + ROW_H * rows.len() as f64;
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1) as f64;
    let mut desc = String::new();
    for (label, v) in rows {
        let _ = write!(desc, "{label}：{v} {unit}。");
    }
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="{id}-t {id}-d" xmlns="http://www.w3.org/2000/svg"><title id="{id}-t">{}</title><desc id="{id}-d">{}</desc>"#,
        esc(title),
        esc(&desc)
    );
    for (i, (label, v)) in rows.iter().enumerate() {
        let y = 4.0 + ROW_H * i as f64;
        let w = plot * (*v).max(0) as f64 / max;
        let label: String = label.chars().take(8).collect();
        let _ = write!(
            s,
            r##"<g font-size="13"><text x="{}" y="{}" text-anchor="end">{}</text><rect x="{LABEL_W}" y="{y}" width="{plot:.1}" height="22" fill="#eef1f5"/><rect x="{LABEL_W}" y="{y}" width="{w:.1}" height="22" fill="#1f6f8b"/><text x="{:.1}" y="{}">{}</text></g>"##,
            LABEL_W - 8.0,
            y + 16.0,
            esc(&label),
            LABEL_W + plot + 6.0,
            y + 16.0,
            v
        );
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped_and_every_number_is_in_the_description() {
        let svg = before_after_bars(
            "b",
            "各街道",
            &[BarPair {
                label: "<script>",
                before: 12,
                after: 3,
            }],
        );
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("&lt;script&gt;：清理前 12，现有 3。"));
        let svg = month_lines(
            "m",
            "近 12 个月",
            &[("2026-01".into(), 5, 1), ("2026-02".into(), 4, 2)],
        );
        assert!(svg.contains("2026-02：现有 4，已清理 2。"));
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
    }

    #[test]
    fn shares_draw_their_numbers_and_qr_codes_their_link() {
        let svg = share_bars(
            "s",
            "办事方便吗",
            &[Share {
                label: "很满意",
                count: 4,
                percent: 80.0,
            }],
        );
        assert!(
            svg.contains("4 · 80.0%") && svg.contains("很满意：4 人，80.0%。"),
            "{svg}"
        );
        let qr = qr_svg("http://127.0.0.1:8080/s/K7Q2M9XD/110115001901", "二维码");
        assert!(qr.starts_with("<svg") && qr.contains("aria-label=\"二维码\""));
    }

    #[test]
    fn an_empty_chart_still_draws() {
        assert!(before_after_bars("b", "空", &[]).ends_with("</svg>"));
        assert!(month_lines("m", "空", &[]).ends_with("</svg>"));
    }
}
