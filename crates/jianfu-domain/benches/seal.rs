//! Verifying the seal-use log in memory: hash chain, personal-data digests, Merkle tree (every
//! stored node compared) and one signed checkpoint, over a 1,000,000-entry log.
//! Run: `cargo bench -p jianfu-domain --bench seal` (`JIANFU_SEAL_BENCH_N` changes the size).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use jianfu_domain::seal::checkpoint::{self, Checkpoint, Ed25519Signer, Ed25519Verifier};
use jianfu_domain::seal::hash::{parse_hex, to_hex};
use jianfu_domain::seal::merkle::Frontier;
use jianfu_domain::seal::{HashAlg, Personal, SealEntry, SealHead, SealReport, SealVerifier};
use std::hint::black_box;

struct Log {
    entries: Vec<SealEntry>,
    personal: Vec<Personal>,
    nodes: Vec<(i64, String)>,
    head: SealHead,
    checkpoint: Checkpoint,
}

/// A log shaped like real ones: certificate and document uses, personal data kept.
fn build(alg: HashAlg, n: i64, signer: &Ed25519Signer) -> Log {
    let h = alg.hasher();
    let mut frontier = Frontier::default();
    let mut prev = [0u8; 32];
    let mut log = Log {
        entries: Vec::with_capacity(n as usize),
        personal: Vec::with_capacity(n as usize),
        nodes: Vec::with_capacity(n as usize),
        head: SealHead::default(),
        checkpoint: checkpoint::sign(signer, 0, &prev, alg, 0),
    };
    for seq in 1..=n {
        let p = Personal {
            salt: format!("{seq:032x}"),
            applicant: "王某某".into(),
            contact: format!("138{seq:08}"),
        };
        let certificate = seq % 3 != 0;
        let e = SealEntry {
            seq,
            id: format!("0193b1c2-0000-7000-8000-{seq:012x}"),
            used_at: 1_795_000_000_000 + seq * 1000,
            community_code: format!("110115001{:03}", 901 + seq % 40),
            kind: if certificate {
                "certificate"
            } else {
                "document"
            }
            .into(),
            subject: if certificate {
                format!("certificate:ZM110115001901-2026-{seq:06}")
            } else {
                String::new()
            },
            content: if certificate {
                "居住证明（办理居住证用）".into()
            } else {
                "关于借用社区活动室开展消夏晚会的函".into()
            },
            copies: 1 + seq % 3,
            approver: "shuji".into(),
            handler: "shegong".into(),
            ..Default::default()
        }
        .seal(h, &p, &prev);
        prev = parse_hex(&e.entry_hash).unwrap();
        for node in frontier.append(h, parse_hex(&e.leaf_hash).unwrap()) {
            log.nodes.push((node.node.key(), to_hex(&node.hash)));
        }
        log.entries.push(e);
        log.personal.push(p);
    }
    log.head = SealHead {
        size: n,
        hash: to_hex(&prev),
        hash_alg: alg.as_str().into(),
        frontier: frontier.encode(),
    };
    log.checkpoint = checkpoint::sign(signer, n, &frontier.root(h), alg, 1);
    log
}

/// What `App::verify_seal_log` does per page, over the whole log at once.
fn verify(log: &Log, key: &Ed25519Verifier) -> SealReport {
    let mut v = SealVerifier::new(vec![log.checkpoint.clone()], None, Some(key));
    let mut next = 0;
    for (e, p) in log.entries.iter().zip(&log.personal) {
        let end = log.nodes[next..]
            .iter()
            .position(|n| n.0 >= (e.seq + 1) * 64)
            .map_or(log.nodes.len(), |i| next + i);
        v.push(e, Some(p), &log.nodes[next..end]);
        next = end;
    }
    v.finish(Some(&log.head))
}

fn seal(c: &mut Criterion) {
    let n: i64 = std::env::var("JIANFU_SEAL_BENCH_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let signer = Ed25519Signer::from_seed(&[7; 32]);
    let key = signer.verifier();
    let mut group = c.benchmark_group("seal_verify");
    group.sample_size(10);
    group.throughput(Throughput::Elements(n as u64));
    for alg in HashAlg::ALL {
        let log = build(alg, n, &signer);
        let r = verify(&log, &key);
        assert!(r.is_intact(), "{:?}", r.problem);
        assert_eq!((r.entries, r.checkpoints_verified), (n as u64, 1));
        group.bench_function(format!("{}_{n}_entries", alg.as_str()), |b| {
            b.iter(|| black_box(verify(black_box(&log), &key)))
        });
    }
    group.finish();
}

criterion_group!(benches, seal);
criterion_main!(benches);
