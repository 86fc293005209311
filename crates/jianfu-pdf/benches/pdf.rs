//! `cargo bench -p jianfu-pdf --bench pdf`: rendering one typical certificate (target < 50 ms).

use criterion::{Criterion, criterion_group, criterion_main};
use jianfu_pdf::{CertificateDoc, render_certificate};
use std::hint::black_box;

#[path = "../examples/common/sample_doc.rs"]
mod sample_doc;

fn render(c: &mut Criterion) {
    let doc = sample_doc::sample();
    // The first call parses the embedded fonts (once per process); measure the steady state.
    render_certificate(&doc).expect("sample renders");
    c.bench_function("render_certificate (typical, 1 page)", |b| {
        b.iter(|| render_certificate(black_box(&doc)).expect("renders"))
    });
    let revoked = CertificateDoc {
        revoked: true,
        ..doc
    };
    c.bench_function("render_certificate (revoked)", |b| {
        b.iter(|| render_certificate(black_box(&revoked)).expect("renders"))
    });
}

criterion_group!(benches, render);
criterion_main!(benches);
