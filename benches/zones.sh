#!/usr/bin/env bash
# `adept run` in UTC and in a time zone with daylight saving time, on the same generated events:
# once with timestamps stored as instants (Parquet with a UTC time zone, as the generator writes
# them) and once stored as naive wall-clock times, which adept reads in `[ingest] timezone`.
# Alternating rounds, medians; with BEFORE (another adept binary) timed in the same rounds, and
# every Parquet output of the two compared byte for byte.
#
#   bash benches/zones.sh [USERS]            default 6000 (about 10M events over 90 days)
#
# Environment: ROUNDS (default 5), ZONE (default Europe/Berlin), WORK (scratch directory, default
# a new temporary one), BEFORE (optional), PYTHON (a Python with polars, to write the naive copy;
# default python3).
set -euo pipefail
cd "$(dirname "$0")/.."
users=${1:-6000}
rounds=${ROUNDS:-5}
zone=${ZONE:-Europe/Berlin}
python=${PYTHON:-python3}
work=${WORK:-$(mktemp -d)}
cargo build -q --release --bin adept
bin="${CARGO_TARGET_DIR:-target}/release/adept"
export ADEPT_PSEUDONYM_KEY=${ADEPT_PSEUDONYM_KEY:-benchmark-key}

aware="$work/aware-$users" naive="$work/naive-$users"
rm -rf "$aware" "$naive" "$work"/zones-*.log
"$bin" generate --users "$users" --days 90 --seed 7 --format parquet --out "$aware"
mkdir -p "$naive"
cp "$aware"/*.parquet "$naive"/
"$python" -c "
import sys, polars as pl
events = pl.read_parquet(sys.argv[1])
events.with_columns(pl.col('timestamp').dt.replace_time_zone(None)).write_parquet(sys.argv[2])
" "$aware/events.parquet" "$naive/events.parquet"
printf '[ingest]\ntimezone = "%s"\n' "$zone" > "$work/zone.toml"
printf '[ingest]\ntimezone = "UTC"\n' > "$work/utc.toml"
echo "machine: $(nproc) cores; $rounds rounds; zone $zone; $(date -u +%F)"

# timed LOG COMMAND...: appends "wall cpu peak_mib" to LOG.
timed() {
    local log=$1; shift
    /usr/bin/time -f "%e %U %S %M" "$@" > /dev/null 2> "$log.time"
    tail -1 "$log.time" | awk '{ printf "%s %.2f %d\n", $1, $2 + $3, $4 / 1024 }' >> "$log"
}
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

cases=("aware utc" "aware zone" "naive zone")
tools=(adept); [ -n "${BEFORE:-}" ] && tools+=(before)
for round in $(seq "$rounds"); do
    for case in "${cases[@]}"; do
        read -r input config <<< "$case"
        for tool in "${tools[@]}"; do
            exe=$bin; [ "$tool" = before ] && exe=$BEFORE
            out="$work/out-$tool-$input-$config"
            rm -rf "$out"
            timed "$work/zones-$tool-$input-$config.log" "$exe" run --input "$work/$input-$users" \
                --out "$out" --as-of 2026-10-31 --config "$work/$config.toml"
        done
    done
done
for case in "${cases[@]}"; do
    read -r input config <<< "$case"
    for tool in "${tools[@]}"; do
        log="$work/zones-$tool-$input-$config.log"
        echo "$input timestamps, $([ "$config" = zone ] && echo "$zone" || echo UTC), $tool:" \
            "wall $(cut -d' ' -f1 "$log" | median)s, cpu $(cut -d' ' -f2 "$log" | median)s," \
            "peak $(cut -d' ' -f3 "$log" | median) MiB (medians of $rounds)"
    done
    if [ -n "${BEFORE:-}" ]; then
        same=yes
        for f in "$work/out-adept-$input-$config"/*.parquet; do
            cmp -s "$f" "$work/out-before-$input-$config/$(basename "$f")" || { same=no; echo "  differs: $(basename "$f")"; }
        done
        echo "  outputs of adept and before byte for byte the same: $same"
    fi
done
