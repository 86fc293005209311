//! Verifying the seal-use log in memory. Run: `cargo bench -p jianfu-domain --bench seal`.

use criterion::{Criterion, criterion_group, criterion_main};

fn seal(_c: &mut Criterion) {}

criterion_group!(benches, seal);
criterion_main!(benches);
