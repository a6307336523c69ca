#!/usr/bin/env bash
# End-to-end benchmark: for each size, generate the events as Parquet, then time, side by side and
# alternating (ROUNDS rounds, medians printed), with peak resident memory (/usr/bin/time -v):
#   - the I/O floor: a bare polars scan + group-by of the events by user and feature (benches/floor.rs);
#   - the peer: the Python polars + scikit-learn script an analyst would write instead (benches/peer.py);
#   - `adept run` (its stages from the last round);
#   - with PANDAS=1, the same script in pandas (benches/peer_pandas.py), once per size, after the
#     rounds: it takes 15 to 20 s at 10M events on 2 cores.
#
#   bash benches/e2e.sh [USERS...]        default: 600 6000 (about 1M and 10M events over 90 days);
#                                         add 60000 for about 100M (needs ~15 GB for the floor,
#                                         which reads the whole file into memory, and 2.3 GB disk)
#
# Environment: PROFILE (cargo profile, default release; figures in docs/performance.md come from
# release), ROUNDS (default 3), PEER_PYTHON (a Python with benches/requirements.txt installed,
# default python3; the peer is skipped, and said so, when it lacks them), WORK (scratch directory,
# default a new temporary one), BEFORE (another adept binary, e.g. a build of an earlier commit,
# timed in the same rounds as "before"). Prints one line per size and tool, then the ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
profile=${PROFILE:-release}
rounds=${ROUNDS:-3}
python=${PEER_PYTHON:-python3}
work=${WORK:-$(mktemp -d)}
cargo build -q --profile "$profile" --bin adept
floor=$(cargo bench -q --profile "$profile" --bench floor --no-run --message-format json 2>/dev/null \
    | python3 -c "import json,sys; print([m['executable'] for m in map(json.loads, sys.stdin) if m.get('executable') and 'bench' in m['target']['kind']][-1])")
dir=$([ "$profile" = dev ] && echo debug || echo "$profile")
bin="${CARGO_TARGET_DIR:-target}/$dir/adept"
export ADEPT_PSEUDONYM_KEY=${ADEPT_PSEUDONYM_KEY:-benchmark-key}
peer=1
"$python" -c "import polars, sklearn" 2>/dev/null || { peer=0; echo "peer skipped: $python lacks polars and scikit-learn (pip install -r benches/requirements.txt)"; }
sizes=("$@"); [ ${#sizes[@]} -gt 0 ] || sizes=(600 6000)
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; profile $profile; $rounds rounds; $(date -u +%F)"

# timed LOG COMMAND...: runs COMMAND under /usr/bin/time -v, appends "seconds peak_mib cpu_seconds"
# to LOG.
timed() {
    local log=$1; shift
    /usr/bin/time -v "$@" > "$log.out" 2> "$log.time"
    local wall peak cpu
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log.time" | awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }')
    peak=$(awk -F': ' '/Maximum resident set size/ {print int($2 / 1024)}' "$log.time")
    cpu=$(awk -F': ' '/(User|System) time \(seconds\)/ {s += $2} END {print s}' "$log.time")
    echo "$wall $peak $cpu" >> "$log"
}
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

for users in "${sizes[@]}"; do
    data="$work/org-$users"
    rm -rf "$data" "$work"/*-"$users".log
    gen=$("$bin" generate --users "$users" --days 90 --seed 7 --format parquet --out "$data")
    events=$(echo "$gen" | sed -E 's/.* ([0-9]+) events.*/\1/')
    for round in $(seq "$rounds"); do
        timed "$work/floor-$users.log" "$floor" "$data/events.parquet"
        [ "$peer" = 1 ] && timed "$work/peer-$users.log" "$python" benches/peer.py "$data" "$work/peer-out-$users" 2026-10-31
        rm -rf "$work/out-$users"
        timed "$work/adept-$users.log" "$bin" run --input "$data" --out "$work/out-$users" --as-of 2026-10-31 --log-format json
        if [ -n "${BEFORE:-}" ]; then
            rm -rf "$work/before-out-$users"
            timed "$work/before-$users.log" "$BEFORE" run --input "$data" --out "$work/before-out-$users" --as-of 2026-10-31 --log-format json
        fi
    done
    if [ "${PANDAS:-0}" = 1 ]; then
        if "$python" -c "import pandas, pyarrow, sklearn" 2>/dev/null; then
            timed "$work/pandas-$users.log" "$python" benches/peer_pandas.py "$data" "$work/pandas-out-$users" 2026-10-31
        else
            echo "pandas peer skipped: $python lacks pandas, pyarrow or scikit-learn (pip install -r benches/requirements.txt)"
        fi
    fi
    stages=$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(' '.join(f'{s}={t:.2f}s' for s,t in d['timings']))" "$work/adept-$users.log.out")
    declare -A wall peak
    for tool in floor peer pandas adept before; do
        [ -f "$work/$tool-$users.log" ] || continue
        wall[$tool]=$(cut -d' ' -f1 "$work/$tool-$users.log" | median)
        peak[$tool]=$(cut -d' ' -f2 "$work/$tool-$users.log" | median)
        cpu=$(cut -d' ' -f3 "$work/$tool-$users.log" | median)
        runs=$(( $(wc -l < "$work/$tool-$users.log") ))
        echo "users=$users events=$events $tool: wall ${wall[$tool]}s (median of $runs), peak ${peak[$tool]} MiB, cpu ${cpu}s"
    done
    echo "users=$users adept stages (last round): $stages"
    ratio() { python3 -c "print(f'{$1 / $2:.2f}')"; }
    echo "users=$users adept / floor = $(ratio "${wall[adept]}" "${wall[floor]}")x$([ "$peer" = 1 ] && echo "; adept / peer = $(ratio "${wall[adept]}" "${wall[peer]}")x")$([ -n "${BEFORE:-}" ] && echo "; adept / before = $(ratio "${wall[adept]}" "${wall[before]}")x")"
    unset wall peak
done
