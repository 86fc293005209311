//! Writes a sample sheet of survey code slips to look at:
//! `cargo run -p jianfu-pdf --example slips -- /tmp/slips.pdf [number of codes, default 25] [long]`
//! (`long`: the longest title, community name and note a slip takes, to check the fit)
//! then e.g. `pdftoppm -png -r 80 /tmp/slips.pdf /tmp/slips`.

use jianfu_pdf::{CodeSlips, render_code_slips};

#[path = "common/sample_slips.rs"]
mod sample_slips;

fn main() {
    let mut args = std::env::args().skip(1);
    let out = args.next().unwrap_or_else(|| "slips.pdf".to_string());
    let n = args.next().and_then(|s| s.parse().ok()).unwrap_or(25);
    let long = args.next().as_deref() == Some("long");
    let codes = sample_slips::codes(n);
    let mut slips: CodeSlips = sample_slips::sample(&codes);
    let note = format!("{0}{0}", sample_slips::NOTE);
    if long {
        slips.survey_title = "兴丰街道2026年度社区居民对社区工作和服务满意度调查";
        slips.community_name = "北京市大兴区兴丰街道三合南里社区居民委员会";
        slips.note = &note;
    }
    match render_code_slips(&slips) {
        Ok(pdf) => {
            if let Err(e) = std::fs::write(&out, &pdf) {
                eprintln!("写入 {out} 失败：{e}");
                std::process::exit(1);
            }
            println!("{out}: {n} 个入户码，{} 字节", pdf.len());
        }
        Err(e) => {
            eprintln!("{e}（{}）", e.code());
            std::process::exit(1);
        }
    }
}
