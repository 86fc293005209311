//! Writes a sample certificate to look at:
//! `cargo run -p jianfu-pdf --example sample -- /tmp/cert.pdf [revoked|long]`
//! (`long` repeats the body to show how it flows onto a second page)
//! then e.g. `pdftoppm -png -r 80 /tmp/cert.pdf /tmp/cert`.

use jianfu_pdf::{CertificateDoc, render_certificate};

#[path = "common/sample_doc.rs"]
mod sample_doc;

fn main() {
    let mut args = std::env::args().skip(1);
    let out = args.next().unwrap_or_else(|| "cert.pdf".to_string());
    let mode = args.next().unwrap_or_default();
    let long_body = [sample_doc::BODY; 6].join("\n");
    let mut doc = sample_doc::sample();
    match mode.as_str() {
        "revoked" => doc.revoked = true,
        "long" => doc.body = &long_body,
        _ => {}
    }
    match render_certificate(&doc) {
        Ok(pdf) => {
            if let Err(e) = std::fs::write(&out, &pdf) {
                eprintln!("写入 {out} 失败：{e}");
                std::process::exit(1);
            }
            println!("{out}: {} 字节", pdf.len());
        }
        Err(e) => {
            eprintln!("{e}（{}）", e.code());
            std::process::exit(1);
        }
    }
}
