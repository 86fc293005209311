//! Load generator for certificate issuance (with the seal-log append) on SQLite, and a server for
//! measuring public verification with wrk. Not a test: run it in release mode.
//!
//! ```text
//! cargo run --release -p jianfu-server --example certificate_load -- 2000 32
//! # then, while it serves: wrk -t2 -c64 -d10s '<the URL it prints>'
//! # or every certificate in turn (first requests miss the proof cache):
//! # wrk -t2 -c64 -d5s -s crates/jianfu-server/examples/verify_paths.lua http://<addr> -- <paths file>
//! ```

use jianfu_domain::SystemClock;
use jianfu_server::service::auth::SessionKind;
use jianfu_server::service::certificates::{ApplicationInput, Upload};
use jianfu_server::service::{Actor, RequestMeta};
use jianfu_server::{App, Config};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0";

async fn actor(app: &App, user: &str) -> Actor {
    let meta = RequestMeta::console();
    let ok = app
        .login(
            user,
            jianfu_server::service::demo::DEMO_PASSWORD,
            SessionKind::Api,
            &meta,
        )
        .await
        .expect("demo login");
    app.authenticate(&ok.token).await.expect("token").actor
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(2000);
    let concurrency: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(32);
    let dir = std::env::temp_dir().join(format!("jianfu-cert-load-{}", std::process::id()));
    let url = jianfu_store::DatabaseUrl::parse(&format!("sqlite:{}", dir.join("j.db").display()))
        .expect("url");
    let store = jianfu_store::open(&url).await.expect("open");
    let config = Config {
        data_dir: dir.clone(),
        ..Config::default()
    };
    let app = App::new(store, Arc::new(SystemClock), config);
    let meta = RequestMeta::console();
    app.load_demo(&meta).await.expect("demo");
    let resident = actor(&app, "jumin").await;
    let worker = actor(&app, "shegong").await;
    let director = actor(&app, "shuji").await;

    eprintln!("preparing {n} approved applications…");
    let input = ApplicationInput {
        // C05 亲属关系证明（仅限公证）: the inheritance goes through the notary.
        item_code: "C05".into(),
        applicant_name: "王小明".into(),
        id_number: "11010519491231002X".into(),
        phone: "13800138000".into(),
        household_community: "110115001901".into(),
        reason: "父亲去世，继承其名下住房".into(),
        purpose: "到公证处办理继承公证".into(),
        asking_unit: "北京市大兴区公证处".into(),
        asking_article: "《中华人民共和国公证法》第十一条".into(),
        pledge: true,
        ..Default::default()
    };
    let facts: BTreeMap<String, String> = [
        ("关系人", "王大山"),
        ("关系人身份证号", "110105194012310016"),
        ("关系", "父子"),
        ("公证机构", "北京市大兴区公证处"),
        ("公证事项", "继承权"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let mut ids = Vec::with_capacity(n);
    for _ in 0..n {
        let uploads = ["id_card", "hukou", "evidence"]
            .map(|m| Upload {
                material: m.into(),
                bytes: PNG.to_vec(),
            })
            .to_vec();
        let id = app
            .apply_certificate(&resident, &meta, &input, uploads, None)
            .await
            .expect("apply")
            .id;
        app.verify_certificate_application(
            &worker,
            &meta,
            "110115001901",
            &id,
            facts.clone(),
            true,
            "",
        )
        .await
        .expect("verify");
        app.approve_certificate_application(&director, &meta, "110115001901", &id)
            .await
            .expect("approve");
        ids.push(id);
    }

    eprintln!("issuing {n} certificates with {concurrency} concurrent clerks…");
    let queue = Arc::new(std::sync::Mutex::new(ids));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (app, worker, queue) = (app.clone(), worker.clone(), queue.clone());
        tasks.push(tokio::spawn(async move {
            let mut issued = Vec::new();
            loop {
                let Some(id) = queue.lock().unwrap().pop() else {
                    return issued;
                };
                let c = app
                    .issue_certificate(
                        &worker,
                        &RequestMeta::console(),
                        "110115001901",
                        &id,
                        &format!("load-{id}"),
                    )
                    .await
                    .expect("issue");
                issued.push(c.number);
            }
        }));
    }
    let mut numbers = Vec::with_capacity(n);
    for t in tasks {
        numbers.extend(t.await.expect("task"));
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "issued {n} certificates in {secs:.2} s: {:.0} certificates/s (SQLite, seal-log append and audit included)",
        n as f64 / secs
    );
    app.make_seal_checkpoint(&Actor::console(), &meta, false)
        .await
        .expect("checkpoint");

    let number = numbers.last().cloned().expect("issued one");
    let code = app.certificate_code(&worker, &number).await.expect("code");
    // Every certificate's verification path, for a wrk script that never asks twice in a row.
    let mut paths = String::new();
    for number in &numbers {
        let code = app.certificate_code(&worker, number).await.expect("code");
        paths.push_str(&format!(
            "/api/v1/certificates/verify?number={number}&code={code}\n"
        ));
    }
    let paths_file = dir.join("verify-paths.txt");
    std::fs::write(&paths_file, paths).expect("paths file");
    println!("paths: {}", paths_file.display());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    println!("verify: http://{addr}/api/v1/certificates/verify?number={number}&code={code}");
    axum::serve(
        listener,
        jianfu_server::router(app).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .await
    .unwrap();
}
