#!/usr/bin/env bash
# End-to-end benchmark: for each size, generate the events as Parquet, time `adept run` per stage
# with peak resident memory (/usr/bin/time -v), and in the same run the I/O floor (a bare polars
# scan + group-by of the same file by user and feature, benches/floor.rs).
#
#   bash benches/e2e.sh [USERS...]        default: 600 6000 (about 1M and 10M events over 90 days);
#                                         add 60000 for about 100M (needs ~15 GB for the floor,
#                                         which reads the whole file into memory, and 2.3 GB disk)
#
# Environment: PROFILE (cargo profile, default dev: dependencies optimised, see Cargo.toml),
# WORK (scratch directory, default a new temporary one). Prints one line per size.
set -euo pipefail
cd "$(dirname "$0")/.."
profile=${PROFILE:-dev}
work=${WORK:-$(mktemp -d)}
cargo build -q --profile "$profile" --bin adept
cargo bench -q --profile "$profile" --bench floor --no-run 2>/dev/null || true
dir=$([ "$profile" = dev ] && echo debug || echo "$profile")
bin="${CARGO_TARGET_DIR:-target}/$dir/adept"
export ADEPT_PSEUDONYM_KEY=${ADEPT_PSEUDONYM_KEY:-benchmark-key}
sizes=("$@"); [ ${#sizes[@]} -gt 0 ] || sizes=(600 6000)
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; profile $profile; $(date -u +%F)"
for users in "${sizes[@]}"; do
    data="$work/org-$users"; out="$work/out-$users"
    rm -rf "$data" "$out"
    gen=$("$bin" generate --users "$users" --days 90 --seed 7 --format parquet --out "$data")
    events=$(echo "$gen" | sed -E 's/.* ([0-9]+) events.*/\1/')
    floor=$(cargo bench -q --profile "$profile" --bench floor -- "$data/events.parquet" | sed -E 's/floor_seconds=([0-9.]+).*/\1/')
    /usr/bin/time -v "$bin" run --input "$data" --out "$out" --as-of 2026-10-31 --log-format json \
        > "$work/run-$users.json" 2> "$work/time-$users.txt"
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/time-$users.txt")
    peak_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time-$users.txt")
    stages=$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(' '.join(f'{s}={t:.2f}s' for s,t in d['timings']))" "$work/run-$users.json")
    total=$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(f\"{sum(t for _,t in d['timings']):.2f}\")" "$work/run-$users.json")
    rate=$(python3 -c "print(f'{$events / $total:,.0f}')")
    echo "users=$users events=$events floor=${floor}s adept=${total}s (wall $wall) events/s=$rate peak=$((peak_kb / 1024))MiB $stages"
done
