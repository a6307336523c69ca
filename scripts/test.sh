#!/usr/bin/env bash
# The README's test command: installs what the tests need, then runs the whole suite.
#   - Chromium (Debian's package) for the report tests, with apt-get when run as root;
#   - Java 17 or newer (Debian's default-jre-headless) for the Spark half of the rollup tests,
#     with apt-get when run as root;
#   - the Python packages of tests/requirements.txt and notebooks/requirements.txt into a
#     project-local virtual environment (.venv/), first on the PATH while the tests run;
# then `cargo test` with any arguments given here. Without root, it says what it cannot install
# and how, and the tests that need it are skipped (never silently).
set -uo pipefail
cd "$(dirname "$0")/.."

# Builds are shared across clones and CI runs unless told otherwise.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/adept/target}"
mkdir -p "$CARGO_TARGET_DIR"
missing=()

as_root() { [ "$(id -u)" -eq 0 ]; }
apt_install() {
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -qq && apt-get install -y -qq "$@"; } >/dev/null 2>&1
}

# Chromium for the browser tests.
if [ "${ADEPT_SKIP_BROWSER:-}" != 1 ] && ! command -v chromium >/dev/null 2>&1; then
    if as_root && command -v apt-get >/dev/null 2>&1; then
        echo "installing Chromium (apt-get install chromium) for the report tests..."
        apt_install chromium || echo "apt-get install chromium failed"
    fi
    if ! command -v chromium >/dev/null 2>&1; then
        missing+=("Chromium: run \`sudo apt-get install chromium\` (the report tests are skipped)")
        export ADEPT_SKIP_BROWSER=1
    fi
fi

# Java for Spark (pyspark starts a local JVM): 17 or newer, as Spark 4 needs.
java_major() {
    java -version 2>&1 | sed -nE 's/.* version "([0-9]+).*/\1/p' | head -n 1
}
if [ "${ADEPT_SKIP_SPARK:-}" != 1 ] && [ "${ADEPT_SKIP_SQL_ENGINES:-}" != 1 ]; then
    if ! command -v java >/dev/null 2>&1 && as_root && command -v apt-get >/dev/null 2>&1; then
        echo "installing Java (apt-get install default-jre-headless) for the Spark rollup test..."
        apt_install default-jre-headless || echo "apt-get install default-jre-headless failed"
    fi
    java_version=$(java_major 2>/dev/null)
    if ! command -v java >/dev/null 2>&1; then
        missing+=("Java 17+: run \`sudo apt-get install default-jre-headless\` (the Spark rollup test is skipped)")
        export ADEPT_SKIP_SPARK=1
    elif [ "${java_version:-0}" -lt 17 ]; then
        missing+=("Java 17+: \`java\` is $(java -version 2>&1 | grep -m 1 version); install Java 17 or newer and put it first on the PATH (the Spark rollup test is skipped)")
        export ADEPT_SKIP_SPARK=1
    fi
fi

# Python packages in .venv/, reinstalled only when a requirements file changes.
venv=.venv
stamp="$venv/.requirements.sha256"
wanted=$(cat tests/requirements.txt notebooks/requirements.txt | sha256sum | cut -d' ' -f1)
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv" 2>/dev/null || {
        rm -rf "$venv"
        if as_root && command -v apt-get >/dev/null 2>&1; then
            apt_install python3-venv && python3 -m venv "$venv"
        fi
    }
fi
if [ -x "$venv/bin/python" ]; then
    if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
        echo "installing the tests' Python packages into $venv/..."
        if "$venv/bin/python" -m pip install -q --disable-pip-version-check \
            -r tests/requirements.txt -r notebooks/requirements.txt; then
            echo "$wanted" > "$stamp"
        else
            missing+=("Python packages: \`$venv/bin/pip install -r tests/requirements.txt -r notebooks/requirements.txt\` failed")
        fi
    fi
    export PATH="$PWD/$venv/bin:$PATH"
else
    missing+=("a Python virtual environment: run \`sudo apt-get install python3-venv\` (the notebook tests and the rollup tests on DuckDB, Spark and DataFusion are skipped)")
fi
if [ ! -f "$stamp" ]; then
    export ADEPT_SKIP_NOTEBOOKS=1 ADEPT_SKIP_SQL_ENGINES=1
fi

for m in "${missing[@]}"; do echo "not installed: $m"; done
cargo test --locked "$@"
status=$?
for m in "${missing[@]}"; do echo "not installed: $m"; done
exit $status
