//! Usage segments end to end: a hand-built organisation whose weekly use is known, its
//! `segments.parquet` and `segment_trend.parquet` (read by polars here, by pyarrow and DuckDB in
//! Python), the report's section and the movement between two nightly runs.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use polars::prelude::*;
use tempfile::tempdir;

use crate::fixtures::*;

/// Weekly pattern of each person over the 16 weeks up to 2026-10-31 (oldest first): uses per
/// active week, on the week's last day (a Saturday; weeks end on the as-of date, a Saturday).
/// `p*` use it 20 times in each of 16 weeks (power), `h*` twice a week (habitual), `n*` 5 times
/// every fourth week (novice: 1.25 a week), `q*` stop after week 4 (a non-user by the end),
/// `t*` work half time and use it 8 times a week (power at their fte), `r*` were hired 3 weeks
/// before the end (too early to judge).
fn organisation(dir: &Path, quiet_from: Option<u32>) {
    let mut events = String::from("user_id,timestamp,feature\n");
    let mut people = String::from("user_id,department,fte,hire_date\n");
    let end = chrono::NaiveDate::from_ymd_opt(2026, 10, 31).unwrap();
    for i in 0..6 {
        for (kind, fte, hire) in [
            ("p", 1.0, ""),
            ("h", 1.0, ""),
            ("n", 1.0, ""),
            ("q", 1.0, ""),
            ("t", 0.5, ""),
            ("r", 1.0, "2026-10-12"),
        ] {
            let id = format!("{kind}{i}");
            let _ = writeln!(people, "{id},Dept {},{fte},{hire}", i % 2);
            for week in 0..16u32 {
                let day = end - chrono::Duration::days(i64::from(7 * (15 - week)));
                let uses = match kind {
                    "p" => 20,
                    "h" => 2,
                    "n" if week % 4 == 3 => 5,
                    "q" if week < 4 => 20,
                    "t" => 8,
                    "r" if week >= 13 => 20,
                    _ => 0,
                };
                // The quiet person of the second run: `p0` stops using it.
                let uses = if id == "p0" && quiet_from.is_some_and(|q| week >= q) {
                    0
                } else {
                    uses
                };
                for u in 0..uses {
                    let _ = writeln!(events, "{id},{day}T10:00:00Z,f{}", u % 7);
                }
            }
        }
    }
    write(dir, "events.csv", events);
    write(dir, "people.csv", people);
}

fn read(path: &Path) -> DataFrame {
    read_parquet(path)
}

/// Each person's segment in the last week of a run.
fn last_week(out: &Path) -> Vec<(String, Option<String>)> {
    let s = read(&out.join("segments.parquet"));
    let last = s
        .lazy()
        .filter(col("week_start").eq(col("week_start").max()))
        .sort(["user_id"], Default::default())
        .collect()
        .unwrap();
    let segments = last.column("segment").unwrap().str().unwrap().clone();
    strings(&last, "user_id")
        .into_iter()
        .zip(segments.iter())
        .map(|(id, s)| (id, s.map(str::to_string)))
        .collect()
}

#[test]
fn segments_per_person_week_follow_the_use_and_the_trend_adds_up() {
    let input = tempdir().unwrap();
    organisation(input.path(), None);
    let root = run_adept(input.path(), "[privacy]\nraw_ids = true\n");
    let out = root.path().join("run");
    for (id, segment) in last_week(&out) {
        let expected = match &id[..1] {
            "p" | "t" => Some("power"),
            "h" => Some("habitual"),
            "n" => Some("novice"),
            "q" => Some("non-user"),
            _ => None,
        };
        assert_eq!(segment.as_deref(), expected, "{id}");
    }
    let s = read(&out.join("segments.parquet"));
    // 36 people x the 12 trend weeks, each judged on a full 12 weeks of look-back except the
    // recent hires.
    assert_eq!(s.height(), 36 * 12);
    let trend = read(&out.join("segment_trend.parquet"));
    let org = trend
        .lazy()
        .filter(col("scope").eq(lit("organisation")))
        .group_by([col("week_start")])
        .agg([
            col("share").sum(),
            col("people").sum(),
            col("judged").first(),
        ])
        .collect()
        .unwrap();
    assert_eq!(org.height(), 12);
    for i in 0..org.height() {
        let share = org.column("share").unwrap().f64().unwrap().get(i).unwrap();
        assert!((share - 1.0).abs() < 1e-9, "shares add to {share}");
        let people = org.column("people").unwrap().u64().unwrap().get(i);
        assert_eq!(people, org.column("judged").unwrap().u64().unwrap().get(i));
    }
    let candidates = read(&out.join("candidates.parquet"));
    assert!(candidates.column("segment").is_ok());
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("id=\"segments\"") && html.contains("Viva Insights"));
}

#[test]
fn a_nightly_run_counts_who_moved_down_a_segment_since_the_previous_run() {
    let (before, after) = (tempdir().unwrap(), tempdir().unwrap());
    organisation(before.path(), None);
    // A week later, `p0` has not used it for the last 5 of 16 weeks: no longer a habit.
    organisation(after.path(), Some(11));
    let root = tempdir().unwrap();
    for (input, date) in [(before.path(), "2026-10-24"), (after.path(), "2026-10-31")] {
        write(
            input,
            "adept.toml",
            "[privacy]\nraw_ids = true\n[ingest]\nmax_reject_rate = 1.0\n",
        );
        let o = Command::new(env!("CARGO_BIN_EXE_adept"))
            .args(["run", "-q", "--as-of", date, "--input"])
            .arg(input)
            .arg("--config")
            .arg(input.join("adept.toml"))
            .arg("--root")
            .arg(root.path())
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let history = read(&root.path().join("latest/history.parquet"));
    let moved = history
        .lazy()
        .filter(col("kind").eq(lit("segment_down")))
        .collect()
        .unwrap();
    let moves: Vec<(String, String)> = strings(&moved, "user_id")
        .into_iter()
        .zip(strings(&moved, "figure"))
        .collect();
    // p0 stopped; the q people's last active week left the look-back; nobody else moved.
    for (id, change) in &moves {
        match &id[..1] {
            "p" => assert_eq!((id.as_str(), change.as_str()), ("p0", "power -> novice")),
            "q" => assert!(change.ends_with("-> non-user"), "{id}: {change}"),
            _ => panic!("{id} moved: {change}"),
        }
    }
    assert!(moves.iter().any(|m| m.0 == "p0"), "{moves:?}");
    let html = std::fs::read_to_string(root.path().join("latest/report.html")).unwrap();
    assert!(
        html.contains("power -&gt; novice") || html.contains("power -> novice"),
        "no move in the report"
    );
}

#[test]
fn the_segment_tables_are_read_by_pyarrow_and_duckdb() {
    if std::env::var("ADEPT_SKIP_SQL_ENGINES").as_deref() == Ok("1")
        || std::env::var("ADEPT_SKIP_DUCKDB").as_deref() == Ok("1")
    {
        eprintln!("SKIPPED: segment tables in pyarrow and DuckDB: ADEPT_SKIP_SQL_ENGINES=1");
        return;
    }
    let input = tempdir().unwrap();
    organisation(input.path(), None);
    let root = run_adept(input.path(), "");
    let out = root.path().join("run");
    let script = "import sys, pyarrow.parquet as pq, duckdb\n\
        d = sys.argv[1]\n\
        s = pq.read_table(d + '/segments.parquet')\n\
        t = duckdb.sql(f\"select count(*) from '{d}/segment_trend.parquet' where scope = 'organisation'\").fetchone()[0]\n\
        print(s.num_rows, t)";
    let o = Command::new("python3")
        .args(["-c", script])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "needs pyarrow and duckdb (bash scripts/test.sh installs them): {}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "432 60");
}
