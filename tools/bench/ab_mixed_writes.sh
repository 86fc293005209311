#!/bin/bash
# Alternating measurement of several jianfu binaries on the PostgreSQL mixed-write load
# (docs/performance.md, 议题 14). Each binary is copied to /tmp/jf-<name> beforehand; the
# database is one made by `jianfu generate --communities 1000` (jf_mixed), pgbench's is jf_pgbench.
#   VERSIONS="base head" ROUNDS=3 CONNS=16,64 tools/bench/ab_mixed_writes.sh
# Each run: pgbench -N first (the same minute's yardstick), then the load generator.
set -u
cd "$(dirname "$0")/../.."
for round in $(seq 1 "${ROUNDS:-2}"); do
  for v in ${VERSIONS:?name the binaries, e.g. VERSIONS="base head"}; do
    pkill -f "serve --database-url"; sleep 1
    if pgrep -f "serve --database-url" >/dev/null; then echo "a server is still running"; exit 1; fi
    (RUST_LOG=warn "/tmp/jf-$v" serve --database-url postgres://postgres@127.0.0.1:5432/jf_mixed \
      --data-dir /tmp/jf-mixed-data --bind 127.0.0.1:8190 > "/tmp/serve-$v.log" 2>&1 &)
    sleep 3
    # A server that could not bind would leave the previous one answering: check it is this one.
    pgrep -f "jf-$v serve" >/dev/null || { echo "jf-$v did not start"; tail -2 "/tmp/serve-$v.log"; exit 1; }
    P=$(pgbench -h 127.0.0.1 -U postgres -N -c 16 -j 2 -T 10 jf_pgbench 2>/dev/null | grep -oE "tps = [0-9.]+")
    R=$(./target/release/examples/mixed_writes --base http://127.0.0.1:8190 --password 'Synth@City2026x' \
      --communities 1000 --connections "${CONNS:-16,64}" --seconds 15 2>&1 | grep 个连接)
    echo "round $round $v pgbench $P"; echo "$R"
  done
done
pkill -f "serve --database-url"
