//! Gate decisions per second on one core, with the shipped catalog.
//! Run: `cargo bench -p jianfu-domain --bench gate`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use jianfu_domain::gate::citation::LegalCitation;
use jianfu_domain::gate::{
    Burden, BurdenKind, Catalog, CommunityRole, Funding, GateRequest, Mandate, decide,
};
use std::hint::black_box;

const SHIPPED: &str = jianfu_domain::gate::shipped::SHIPPED_CATALOG_TOML;

fn request(item: Option<&str>, title: &str, burdens: Vec<Burden>) -> GateRequest {
    GateRequest {
        department: "110115-MZJ".into(),
        item_code: item.map(str::to_string),
        title: title.into(),
        legal_basis: vec![LegalCitation::parse("《中华人民共和国禁毒法》第十七条").unwrap()],
        community_role: CommunityRole::Assist,
        authority: "入户联系居民、组织动员".into(),
        funding: Some(Funding {
            amount_fen: 120_000,
            channel: "区财政专项".into(),
        }),
        burdens,
    }
}

fn gate(c: &mut Criterion) {
    let catalog = Catalog::from_toml(SHIPPED).unwrap();
    let b = |kind, mandate| Burden {
        kind,
        title: "附件".into(),
        mandate,
        one_vote_veto: false,
    };
    // A mix like real traffic: list items, free text, mislabelled work, attached burdens.
    let mix = vec![
        request(Some("D07"), "调解邻里纠纷", vec![]),
        request(
            Some("A03"),
            "禁毒宣传进社区",
            vec![b(BurdenKind::Report, None)],
        ),
        request(None, "协助开展招商引资工作", vec![]),
        request(
            None,
            "社区负责违建拆除",
            vec![b(BurdenKind::ResponsibilityLetter, None)],
        ),
        request(
            None,
            "协助开展养犬登记摸底并建立台账",
            vec![
                b(BurdenKind::Ledger, None),
                b(BurdenKind::Sign, Some(Mandate::District)),
                b(BurdenKind::Evaluation, Some(Mandate::Central)),
            ],
        ),
    ];
    let mut g = c.benchmark_group("gate");
    g.throughput(Throughput::Elements(mix.len() as u64));
    g.bench_function("decide_mix_of_5", |bench| {
        bench.iter(|| {
            for r in &mix {
                black_box(decide(black_box(r), &catalog));
            }
        })
    });
    g.finish();
}

criterion_group!(benches, gate);
criterion_main!(benches);
