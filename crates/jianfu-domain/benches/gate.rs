//! Gate decisions per second on one core, with the shipped catalog and a small mandate register.
//! Run: `cargo bench -p jianfu-domain --bench gate`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use jianfu_domain::gate::citation::LegalCitation;
use jianfu_domain::gate::{
    Burden, BurdenKind, Catalog, CheckInPurpose, CommunityRole, Funding, GateRequest, MandateDoc,
    MandateLevel, MandateRegister, RankingMeasure, decide,
};
use std::hint::black_box;

const SHIPPED: &str = jianfu_domain::gate::shipped::SHIPPED_CATALOG_TOML;

fn request(item: Option<&str>, title: &str, burdens: Vec<Burden>) -> GateRequest {
    GateRequest {
        department: "110115-MZJ".into(),
        item_code: item.map(str::to_string),
        title: title.into(),
        description: "入户走访，登记情况，向居民宣传政策".into(),
        legal_basis: vec![LegalCitation::parse("《中华人民共和国禁毒法》第十七条").unwrap()],
        community_role: CommunityRole::Assist,
        authority: "入户联系居民、组织动员".into(),
        funding: Some(Funding {
            amount_fen: 120_000,
            channel: "区财政专项".into(),
        }),
        burdens,
        requester_level: Default::default(),
        basis_names_community: false,
    }
}

fn register() -> MandateRegister {
    MandateRegister::new(
        (1..=50)
            .map(|n| MandateDoc {
                number: format!("京办发〔2025〕{n}号"),
                issuer: "中共北京市委办公厅".into(),
                title: format!("示例文件{n}"),
                issued_on: "2025-01-01".into(),
                level: MandateLevel::Municipal,
                requires: vec![BurdenKind::Creation, BurdenKind::Ledger],
                valid_from: "2025-01-01".into(),
                valid_to: String::new(),
                summary: String::new(),
            })
            .collect(),
    )
}

fn gate(c: &mut Criterion) {
    let catalog = Catalog::from_toml(SHIPPED).unwrap();
    let mandates = register();
    let shared = jianfu_domain::shared_data::element::shipped();
    let b = |kind, doc: Option<&str>| Burden {
        kind,
        title: "附件".into(),
        mandate: None,
        mandate_document: doc.map(str::to_string),
        one_vote_veto: false,
        measure: Some(RankingMeasure::OnlineTime),
        purpose: Some(CheckInPurpose::Security),
        fields: Vec::new(),
    };
    // A mix like real traffic: list items, free text, mislabelled work, attached burdens with
    // and without registered documents, digital burdens.
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
            "协助开展养犬登记摸底并建立台账，每日打卡",
            vec![
                b(BurdenKind::Ledger, Some("京办发[2025]40号")),
                b(BurdenKind::Sign, None),
                b(BurdenKind::Creation, Some("京政发〔2024〕9号")),
                b(BurdenKind::Ranking, None),
                b(BurdenKind::CheckIn, Some("京办发〔2025〕3号")),
            ],
        ),
    ];
    let mut g = c.benchmark_group("gate");
    g.throughput(Throughput::Elements(mix.len() as u64));
    g.bench_function("decide_mix_of_5", |bench| {
        bench.iter(|| {
            for r in &mix {
                black_box(decide(black_box(r), &catalog, &mandates, &shared));
            }
        })
    });
    g.finish();
}

criterion_group!(benches, gate);
criterion_main!(benches);
