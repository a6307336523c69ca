//! The rollup path: scores from raw events equal scores from the rollup, whether `adept rollup`
//! produced it or `sql/rollup.sql` run by DuckDB, Apache Spark (local mode) or Apache DataFusion.
//!
//! The SQL engines run through `sql/run_rollup.py` and need Python with `tests/requirements.txt`
//! installed (`scripts/test.sh` does it, into `.venv/`, first on the `PATH`); Spark also needs
//! Java 17 or newer. `ADEPT_SKIP_SQL_ENGINES=1` skips all three engines (the old name
//! `ADEPT_SKIP_DUCKDB=1` does the same), `ADEPT_SKIP_SPARK=1` only Spark; a skipped engine is
//! reported on stderr even when cargo captures test output.

use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use polars::prelude::*;
use tempfile::tempdir;

use crate::fixtures::*;

fn run_scores(input: &Path) -> Vec<(String, Vec<u8>)> {
    let out = run_adept(input, "[privacy]\nraw_ids = true\n");
    file_bytes(
        &out.path().join("run"),
        &[
            "features.parquet",
            "scores.parquet",
            "clusters.parquet",
            "candidates.parquet",
        ],
    )
}

/// A copy of `from` with its events replaced by `events`: a Parquet file (becomes
/// `events.parquet`) or a directory of Parquet files as an engine writes them (becomes `events/`,
/// bookkeeping files such as `_SUCCESS` and `.crc` included, as adept finds them there).
fn with_events(from: &Path, events: &Path) -> tempfile::TempDir {
    let dir = tempdir().unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name.ends_with(".parquet") && name != "events.parquet" {
            std::fs::copy(&path, dir.path().join(&name)).unwrap();
        }
    }
    if events.is_dir() {
        let target = dir.path().join("events");
        std::fs::create_dir(&target).unwrap();
        for entry in std::fs::read_dir(events).unwrap() {
            let path = entry.unwrap().path();
            std::fs::copy(&path, target.join(path.file_name().unwrap())).unwrap();
        }
    } else {
        std::fs::copy(events, dir.path().join("events.parquet")).unwrap();
    }
    dir
}

/// `adept rollup` of `input` into `out`, as of 2026-10-31.
fn adept_rollup(input: &Path, out: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_adept"))
        .args(["rollup", "--as-of", "2026-10-31", "--input"])
        .arg(input)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap()
}

/// A generated organisation (raw events) and adept's scores from it.
fn raw_and_reference() -> (tempfile::TempDir, Vec<(String, Vec<u8>)>) {
    let raw = tempdir().unwrap();
    let params = adept::generate::GenerateParams {
        users: 200,
        days: 30,
        seed: 21,
        format: adept::generate::OutputFormat::Parquet,
        end_date: as_of(),
    };
    adept::generate::generate(&params, raw.path()).unwrap();
    let reference = run_scores(raw.path());
    (raw, reference)
}

fn assert_same_scores(reference: &[(String, Vec<u8>)], got: &[(String, Vec<u8>)], producer: &str) {
    assert_eq!(reference.len(), got.len());
    for ((name, expected), (_, got)) in reference.iter().zip(got) {
        assert!(
            expected == got,
            "{name} differs between raw events and {producer}'s rollup"
        );
    }
}

#[test]
fn scores_from_raw_events_equal_scores_from_the_rollup() {
    let (raw, reference) = raw_and_reference();
    let rolled = tempdir().unwrap();
    let o = adept_rollup(raw.path(), rolled.path());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let rows = |p: &Path| {
        ParquetReader::new(std::fs::File::open(p).unwrap())
            .finish()
            .unwrap()
            .height()
    };
    let (raw_n, rollup_n) = (
        rows(&raw.path().join("events.parquet")),
        rows(&rolled.path().join("events.parquet")),
    );
    assert!(
        rollup_n < raw_n,
        "the rollup ({rollup_n} rows) should be smaller than the events ({raw_n})"
    );
    let from_adept =
        run_scores(with_events(raw.path(), &rolled.path().join("events.parquet")).path());
    assert_same_scores(&reference, &from_adept, "adept");
}

#[test]
fn counts_whose_sum_passes_the_largest_whole_number_saturate_instead_of_failing() {
    // A "count" of i64::MAX is a sentinel some exports write; two of them must not crash.
    let dir = tempdir().unwrap();
    let max = i64::MAX;
    write(
        dir.path(),
        "events.csv",
        format!(
            "user_id,timestamp,feature,count\nu1,2026-10-30T08:00:00Z,f,{max}\n\
             u1,2026-10-30T09:00:00Z,f,{max}\n"
        ),
    );
    let rolled = tempdir().unwrap();
    let o = adept_rollup(dir.path(), rolled.path());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let events = read_parquet(&rolled.path().join("events.parquet"));
    assert_eq!(
        events.column("count").unwrap().i64().unwrap().get(0),
        Some(max)
    );
}

/// Says on stderr, past cargo's output capture, that a part of the suite did not run and why.
fn skip(what: &str, why: &str) {
    let _ = writeln!(std::io::stderr(), "SKIPPED: {what}: {why}");
}

fn set(var: &str) -> bool {
    std::env::var(var).as_deref() == Ok("1")
}

/// Runs `sql/rollup.sql` on `engine` through `sql/run_rollup.py` (with `extra` arguments) and
/// checks that adept scores its rollup exactly as it scores the raw events.
fn sql_rollup_gives_the_same_scores(engine: &str, extra: &[&str]) {
    let what = format!("sql/rollup.sql on {engine} (tests/it/rollup.rs)");
    for var in ["ADEPT_SKIP_SQL_ENGINES", "ADEPT_SKIP_DUCKDB"] {
        if set(var) {
            return skip(&what, &format!("{var}=1"));
        }
    }
    if engine == "spark" && set("ADEPT_SKIP_SPARK") {
        return skip(&what, "ADEPT_SKIP_SPARK=1");
    }
    let (raw, reference) = raw_and_reference();
    let runner = Path::new(env!("CARGO_MANIFEST_DIR")).join("sql/run_rollup.py");
    let out = tempdir().unwrap();
    let rollup = out.path().join("rollup");
    let started = Instant::now();
    let o = Command::new("python3")
        .arg(&runner)
        .arg(engine)
        .arg(raw.path().join("events.parquet"))
        .arg(&rollup)
        .args(extra)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "{what}: cannot start python3 ({e}); install tests/requirements.txt \
                 (bash scripts/test.sh does it) or set ADEPT_SKIP_SQL_ENGINES=1"
            )
        });
    assert!(
        o.status.success(),
        "{what} failed; is tests/requirements.txt installed in the python3 first on the PATH \
         (bash scripts/test.sh does it){}? Set ADEPT_SKIP_SQL_ENGINES=1 to skip.\n{}",
        if engine == "spark" {
            ", and Java 17+ (ADEPT_SKIP_SPARK=1 skips Spark)"
        } else {
            ""
        },
        String::from_utf8_lossy(&o.stderr)
    );
    eprintln!(
        "{engine}: rollup in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let got = run_scores(with_events(raw.path(), &rollup).path());
    assert_same_scores(&reference, &got, engine);
}

#[test]
fn scores_from_duckdb_running_the_rollup_sql_are_the_same() {
    sql_rollup_gives_the_same_scores("duckdb", &[]);
}

#[test]
fn scores_from_datafusion_running_the_rollup_sql_are_the_same() {
    sql_rollup_gives_the_same_scores("datafusion", &[]);
}

#[test]
fn scores_from_spark_running_the_rollup_sql_are_the_same() {
    // Local mode, kept small: two threads, two shuffle partitions, no web UI, and a JVM tuned to
    // start fast rather than to run long (C1 compiler only, serial GC).
    sql_rollup_gives_the_same_scores(
        "spark",
        &[
            "--spark-master",
            "local[2]",
            "--conf",
            "spark.ui.enabled=false",
            "--conf",
            "spark.ui.showConsoleProgress=false",
            "--conf",
            "spark.sql.shuffle.partitions=2",
            "--conf",
            "spark.driver.extraJavaOptions=-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
        ],
    );
}
