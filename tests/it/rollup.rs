//! The rollup path: scores from raw events equal scores from the rollup, whether `adept rollup`
//! or DuckDB running `sql/rollup.sql` produced it.
//!
//! The DuckDB half needs Python with `tests/requirements.txt` installed (`.ci/run` does it); set
//! `ADEPT_SKIP_DUCKDB=1` to skip it on a machine without them.

use std::path::Path;
use std::process::Command;

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

/// A copy of `from` with its events replaced by `events`.
fn with_events(from: &Path, events: &Path) -> tempfile::TempDir {
    let dir = tempdir().unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name.ends_with(".parquet") && name != "events.parquet" {
            std::fs::copy(&path, dir.path().join(&name)).unwrap();
        }
    }
    std::fs::copy(events, dir.path().join("events.parquet")).unwrap();
    dir
}

#[test]
fn scores_from_raw_events_equal_scores_from_the_rollup() {
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

    // adept rollup.
    let rolled = tempdir().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_adept"))
        .args(["rollup", "--as-of", "2026-10-31", "--input"])
        .arg(raw.path())
        .arg("--out")
        .arg(rolled.path())
        .output()
        .unwrap();
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
    for ((name, expected), (_, got)) in reference.iter().zip(&from_adept) {
        assert!(
            expected == got,
            "{name} differs between raw events and adept's rollup"
        );
    }

    // DuckDB running sql/rollup.sql.
    if std::env::var("ADEPT_SKIP_DUCKDB").as_deref() == Ok("1") {
        return;
    }
    let sql = Path::new(env!("CARGO_MANIFEST_DIR")).join("sql/rollup.sql");
    let duck_out = tempdir().unwrap();
    let target = duck_out.path().join("events.parquet");
    let script = "import sys, duckdb\n\
                  con = duckdb.connect()\n\
                  con.execute(\"SET TimeZone = 'UTC'\")\n\
                  con.execute(f\"CREATE VIEW events AS SELECT * FROM read_parquet('{sys.argv[1]}')\")\n\
                  query = open(sys.argv[2]).read()\n\
                  con.execute(f\"COPY ({query}) TO '{sys.argv[3]}' (FORMAT parquet)\")\n";
    let o = Command::new("python3")
        .args(["-c", script])
        .arg(raw.path().join("events.parquet"))
        .arg(&sql)
        .arg(&target)
        .output()
        .expect("python3 with duckdb is needed (pip install -r tests/requirements.txt), or set ADEPT_SKIP_DUCKDB=1");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let from_duckdb = run_scores(with_events(raw.path(), &target).path());
    for ((name, expected), (_, got)) in reference.iter().zip(&from_duckdb) {
        assert!(
            expected == got,
            "{name} differs between raw events and DuckDB's rollup"
        );
    }
}
