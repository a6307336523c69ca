#!/usr/bin/env bash
# Thread scaling: generates USERS people over 90 days (60000: about 100M events) as Parquet, then
# runs `adept run` on at most 16, 8, 4, 2 and 1 cores (benches/measure.py pins each run and sets
# polars' and rayon's pools), and the peer (benches/peer.py) and a Python polars floor (a scan and
# a group-by by person and feature) on all cores, in ROUNDS rounds. Prints one JSON line per run,
# checks that every run wrote the same tables (SHA-256 of each Parquet file) and prints the
# medians.
#
#   bash benches/scaling.sh [USERS]        default 60000; needs about 17 GB of memory for the peer
#
# Environment: ADEPT_BIN (a release build; default: built here), PEER_PYTHON (a Python with
# benches/requirements.txt; the peer and floor are skipped without it), THREADS (default
# "16 8 4 2 1"), ROUNDS (default 3, for the most threads, the peer and the floor; 1 for the rest),
# WORK (scratch directory; default a new temporary one).
set -euo pipefail
cd "$(dirname "$0")/.."
users=${1:-60000}
threads=(${THREADS:-16 8 4 2 1})
rounds=${ROUNDS:-3}
python=${PEER_PYTHON:-python3}
work=${WORK:-$(mktemp -d)}
bin=${ADEPT_BIN:-}
if [ -z "$bin" ]; then
    cargo build -q --release --bin adept
    bin="${CARGO_TARGET_DIR:-target}/release/adept"
fi
log="$work/scaling.jsonl"
rm -f "$log" "$work/hashes.txt"
export ADEPT_PSEUDONYM_KEY=${ADEPT_PSEUDONYM_KEY:-benchmark-key}
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(date -u +%F)"
"$bin" generate --users "$users" --days 90 --seed 7 --format parquet --out "$work/org"
peer=1
"$python" -c "import polars, sklearn" 2>/dev/null || { peer=0; echo "peer and floor skipped: $python lacks polars and scikit-learn"; }

adept() {
    rm -rf "$work/out-$1"
    python3 benches/measure.py adept "$1" "$log" -- "$bin" run --input "$work/org" \
        --out "$work/out-$1" --as-of 2026-10-31 --log-format json
    (cd "$work/out-$1" && sha256sum ./*.parquet) >> "$work/hashes.txt"
}
others() {
    [ "$peer" = 1 ] || return 0
    rm -rf "$work/peer-out"
    python3 benches/measure.py peer "$1" "$log" -- "$python" benches/peer.py "$work/org" "$work/peer-out" 2026-10-31
    python3 benches/measure.py floor "$1" "$log" -- "$python" -c "import sys, polars as pl
pl.scan_parquet(sys.argv[1]).group_by(['user_id', 'feature']).agg(pl.col('count').sum()).collect()" "$work/org/events.parquet"
}
most=${threads[0]}
for round in $(seq "$rounds"); do
    adept "$most"
    others "$most"
    if [ "$round" = 1 ]; then
        for n in "${threads[@]:1}"; do adept "$n"; done
    fi
done
python3 - "$log" "$work/hashes.txt" <<'PY'
import collections, json, statistics, sys
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    row = json.loads(line)
    runs[(row["label"], row["threads"])].append(row)
for (label, threads), rows in sorted(runs.items(), key=lambda kv: (kv[0][0], -kv[0][1])):
    median = lambda key: round(statistics.median(r[key] for r in rows), 2)
    print(f"{label} on {threads} threads: wall {median('wall')} s, cpu {median('cpu')} s, "
          f"peak {median('peak_mib')} MiB (median of {len(rows)})")
digests = collections.defaultdict(set)
for line in open(sys.argv[2]):
    digest, name = line.split()
    digests[name].add(digest)
differ = [name for name, d in digests.items() if len(d) > 1]
print("tables: the same in every run" if not differ else f"tables that differ between runs: {differ}")
PY
