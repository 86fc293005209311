//! The slow-header attack of issue 9, bounded and local: opens N sockets (default 1,100) to a
//! server on this machine, each sending half a request and then nothing, then times one normal
//! `GET /healthz` on a new connection and counts how many attack sockets the server closed.
//!
//! ```sh
//! cargo run --release -p jianfu-server --example slow_headers -- 127.0.0.1:8181 1100
//! ```

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

fn main() {
    let mut args = std::env::args().skip(1);
    let addr: SocketAddr = args
        .next()
        .unwrap_or_else(|| "127.0.0.1:8181".into())
        .parse()
        .expect("address like 127.0.0.1:8181");
    if !addr.ip().is_loopback() {
        eprintln!("only against this machine (127.0.0.1)");
        std::process::exit(2);
    }
    let n: usize = args.next().map_or(1100, |s| s.parse().expect("a count"));
    let n = n.min(20_000);
    let mut held = Vec::with_capacity(n);
    for _ in 0..n {
        match TcpStream::connect_timeout(&addr, Duration::from_secs(5)) {
            Ok(mut s) => {
                let _ = s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n");
                held.push(s);
            }
            Err(e) => {
                println!("opening attack socket {} failed: {e}", held.len() + 1);
                break;
            }
        }
    }
    println!("{} sockets sent half a request", held.len());
    let start = Instant::now();
    let answer = (|| -> std::io::Result<String> {
        let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(120))?;
        s.set_read_timeout(Some(Duration::from_secs(120)))?;
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")?;
        let mut buf = [0u8; 64];
        let got = s.read(&mut buf)?;
        Ok(String::from_utf8_lossy(&buf[..got])
            .lines()
            .next()
            .unwrap_or_default()
            .to_string())
    })();
    match answer {
        Ok(line) => println!(
            "GET /healthz: {line} after {:.3} s",
            start.elapsed().as_secs_f64()
        ),
        Err(e) => println!(
            "GET /healthz failed after {:.3} s: {e}",
            start.elapsed().as_secs_f64()
        ),
    }
    let mut open = 0;
    for s in &held {
        let _ = s.set_nonblocking(true);
        let mut b = [0u8; 1];
        match (&*s).read(&mut b) {
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => open += 1,
            _ => {}
        }
    }
    println!("{open} of {} attack sockets still open", held.len());
}
