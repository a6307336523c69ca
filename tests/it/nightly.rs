//! Scheduled runs under an output root: layout, idempotent reruns, `latest`, the lock, failures
//! that leave earlier runs intact, and every documented exit status.

use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use tempfile::tempdir;

use crate::fixtures::*;

const KEY: &str = "nightly test key";

fn adept(args: &[&str], root_or_out: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_adept"))
        .args(args)
        .arg(root_or_out)
        .env("ADEPT_PSEUDONYM_KEY", KEY)
        .output()
        .unwrap()
}

/// A generated organisation ending 2026-10-31, and a config that accepts events after earlier
/// as-of dates (they are rejected by design) so the same input serves several nightly dates.
fn org() -> tempfile::TempDir {
    let dir = tempdir().unwrap();
    let params = adept::generate::GenerateParams {
        users: 150,
        days: 30,
        seed: 9,
        format: adept::generate::OutputFormat::Parquet,
        end_date: as_of(),
    };
    adept::generate::generate(&params, dir.path()).unwrap();
    write(
        dir.path(),
        "adept.toml",
        "[ingest]\nmax_reject_rate = 1.0\n",
    );
    dir
}

fn nightly(input: &Path, date: &str, root: &Path) -> Output {
    let i = input.to_str().unwrap();
    let config = input.join("adept.toml");
    adept(
        &[
            "run",
            "--input",
            i,
            "--config",
            config.to_str().unwrap(),
            "--as-of",
            date,
            "-q",
            "--root",
        ],
        root,
    )
}

fn latest(root: &Path) -> String {
    std::fs::read_link(root.join("latest"))
        .unwrap()
        .display()
        .to_string()
}

const PARQUET: [&str; 13] = [
    "features.parquet",
    "scores.parquet",
    "candidates.parquet",
    "clusters.parquet",
    "area_experts.parquet",
    "adoption.parquet",
    "power_user_group.parquet",
    "rejects.parquet",
    "history.parquet",
    "segments.parquet",
    "segment_trend.parquet",
    "recommendations.parquet",
    "programme.parquet",
];

#[test]
fn three_nightly_runs_a_byte_identical_rerun_and_latest_moving_only_forward() {
    let input = org();
    let root = tempdir().unwrap();
    for date in ["2026-10-29", "2026-10-30", "2026-10-31"] {
        let o = nightly(input.path(), date, root.path());
        assert!(
            o.status.success(),
            "{date}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(o.stdout.is_empty(), "--quiet printed something");
        assert_eq!(latest(root.path()), format!("runs/{date}"));
    }
    let middle = root.path().join("runs/2026-10-30");
    let before: Vec<Vec<u8>> = PARQUET
        .iter()
        .map(|f| std::fs::read(middle.join(f)).unwrap())
        .collect();
    let o = nightly(input.path(), "2026-10-30", root.path());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for (file, bytes) in PARQUET.iter().zip(&before) {
        assert!(
            &std::fs::read(middle.join(file)).unwrap() == bytes,
            "{file} changed on rerun"
        );
    }
    // A rerun of an older date does not move `latest` back.
    assert_eq!(latest(root.path()), "runs/2026-10-31");
    // History compares with earlier runs.
    use polars::prelude::*;
    let history = ParquetReader::new(
        std::fs::File::open(root.path().join("latest/history.parquet")).unwrap(),
    )
    .finish()
    .unwrap();
    let kinds: std::collections::BTreeSet<String> = strings(&history, "kind").into_iter().collect();
    assert!(kinds.contains("headline"));
    let dates: std::collections::BTreeSet<String> =
        strings(&history, "as_of").into_iter().collect();
    assert_eq!(dates.len(), 3, "{dates:?}");
    let html = std::fs::read_to_string(root.path().join("latest/report.html")).unwrap();
    assert!(html.contains("Trends across runs"));
}

#[test]
fn a_failed_or_killed_run_leaves_earlier_runs_and_latest_alone() {
    let input = org();
    let root = tempdir().unwrap();
    assert!(
        nightly(input.path(), "2026-10-30", root.path())
            .status
            .success()
    );
    let kept = std::fs::read(root.path().join("runs/2026-10-30/scores.parquet")).unwrap();

    // Bad data for the next night: too many rejects.
    let strict = tempdir().unwrap();
    for entry in std::fs::read_dir(input.path()).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, strict.path().join(path.file_name().unwrap())).unwrap();
    }
    write(
        strict.path(),
        "adept.toml",
        "[ingest]\nmax_reject_rate = 0.0\n",
    );
    let o = nightly(strict.path(), "2026-10-29", root.path());
    assert_eq!(
        o.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(latest(root.path()), "runs/2026-10-30");
    assert!(!root.path().join("runs/2026-10-29").exists());
    assert!(
        root.path()
            .join("failed/2026-10-29/rejects.parquet")
            .exists()
    );

    // Killed at different moments while computing and writing the next night.
    for delay_ms in [100u64, 400, 900] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_adept"))
            .args(["run", "--input"])
            .arg(input.path())
            .arg("--config")
            .arg(input.path().join("adept.toml"))
            .args(["--as-of", "2026-10-31", "-q", "--root"])
            .arg(root.path())
            .env("ADEPT_PSEUDONYM_KEY", KEY)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let status = child.wait().unwrap();
        assert!(
            status.success() || status.signal() == Some(9),
            "the run failed on its own: {status:?}"
        );
        let now = latest(root.path());
        // A kill that lands after the run moved into runs/ (before or after `latest` was
        // pointed at it, while it checks earlier runs for opt-outs, or prints its summary)
        // finds a complete run there.
        let published = root.path().join("runs/2026-10-31");
        let finished = status.success() || published.exists();
        if finished {
            assert!(
                published.join("manifest.json").exists(),
                "an incomplete run was published"
            );
            assert!(
                now == "runs/2026-10-31" || (now == "runs/2026-10-30" && !status.success()),
                "latest points at {now}"
            );
        } else {
            assert_eq!(now, "runs/2026-10-30", "latest moved for a killed run");
            assert!(
                !root.path().join("runs/2026-10-31").exists(),
                "a killed run was published"
            );
        }
        assert_eq!(
            std::fs::read(root.path().join("runs/2026-10-30/scores.parquet")).unwrap(),
            kept
        );
        if finished {
            break; // the run beat the kill: later kills would start from a different state
        }
    }
    // The next run cleans up what killed runs left and completes.
    assert!(
        nightly(input.path(), "2026-10-31", root.path())
            .status
            .success()
    );
    assert_eq!(latest(root.path()), "runs/2026-10-31");
    let leftovers: Vec<_> = std::fs::read_dir(root.path().join("runs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_second_run_on_a_locked_root_exits_at_once_with_its_own_status() {
    let input = org();
    let root = tempdir().unwrap();
    let lock = adept::runs::RootLock::acquire(root.path()).unwrap();
    let started = std::time::Instant::now();
    let o = nightly(input.path(), "2026-10-31", root.path());
    assert_eq!(
        o.status.code(),
        Some(5),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("Another adept run"));
    assert!(!root.path().join("latest").exists());
    drop(lock);
    let _ = started;
    assert!(
        nightly(input.path(), "2026-10-31", root.path())
            .status
            .success()
    );
}

/// `adept run --input INPUT [--config CONFIG] --out OUT`, asserting its exit status.
fn run_expecting(status: i32, input: &Path, config: Option<&Path>, out: &Path) {
    let mut args = vec![
        "run".to_string(),
        "--input".into(),
        input.display().to_string(),
    ];
    if let Some(config) = config {
        args.extend(["--config".into(), config.display().to_string()]);
    }
    args.push("--out".into());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = adept(&args, out);
    assert_eq!(
        o.status.code(),
        Some(status),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn every_documented_exit_status_is_produced() {
    let input = org();
    let lenient = input.path().join("adept.toml");
    let out = tempdir().unwrap();
    // 0: success.
    run_expecting(0, input.path(), Some(&lenient), out.path());
    // 2: usage or configuration.
    let bad = write(
        input.path(),
        "bad.toml",
        "[scoring]\nweights = { depth = -1 }\n",
    );
    run_expecting(2, input.path(), Some(&bad), out.path());
    // 3: bad or missing input.
    let empty = tempdir().unwrap();
    run_expecting(3, empty.path(), None, out.path());
    // 4: output not writable (a file stands where the output directory should be).
    let blocker = write(out.path(), "not-a-dir", "x");
    run_expecting(4, input.path(), Some(&lenient), &blocker.join("sub"));
    // 5: lock held.
    let root = tempdir().unwrap();
    let _lock = adept::runs::RootLock::acquire(root.path()).unwrap();
    assert_eq!(
        nightly(input.path(), "2026-10-31", root.path())
            .status
            .code(),
        Some(5)
    );
    // 70: an internal error (a bug) is reported, not a crash.
    let o = Command::new(env!("CARGO_BIN_EXE_adept"))
        .args(["validate", "--input"])
        .arg(input.path())
        .env("ADEPT_DEBUG_PANIC", "1")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(70));
    assert!(String::from_utf8_lossy(&o.stderr).contains("probably a bug"));
}

#[test]
fn show_config_prints_the_resolved_configuration_with_flags_over_the_file() {
    let dir = tempdir().unwrap();
    let config = write(
        dir.path(),
        "adept.toml",
        "as_of = \"2026-01-01\"\n[features]\nwindow_days = 60\n",
    );
    let o = Command::new(env!("CARGO_BIN_EXE_adept"))
        .args([
            "run",
            "--show-config",
            "--as-of",
            "2026-10-31",
            "--root",
            "/srv/adept",
            "--config",
        ])
        .arg(&config)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    let shown = adept::config::Config::from_toml(&text).unwrap();
    assert_eq!(shown.as_of, Some(as_of()));
    assert_eq!(shown.features.window_days, 60);
    assert_eq!(shown.output.root.as_deref(), Some(Path::new("/srv/adept")));
    assert_eq!(shown.scoring, adept::score::ScoreParams::default());
}

#[test]
fn an_earlier_run_with_a_mistyped_column_is_a_data_error_naming_file_and_column() {
    let input = org();
    let root = tempdir().unwrap();
    assert!(
        nightly(input.path(), "2026-10-30", root.path())
            .status
            .success()
    );
    let path = root.path().join("runs/2026-10-30/scores.parquet");
    rewrite_parquet(&path, |f| as_text(f, "score"));
    let o = nightly(input.path(), "2026-10-31", root.path());
    assert_data_error(&o, &["2026-10-30", "scores.parquet", "`score`"]);
}

#[test]
fn a_candidate_who_opts_out_is_not_named_by_the_next_run_and_leaves_the_earlier_one() {
    use polars::prelude::*;
    let input = org();
    let root = tempdir().unwrap();
    let o = nightly(input.path(), "2026-10-30", root.path());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // The first run's top candidate, by raw id.
    let ids = adept::privacy::Pseudonymizer::with_key(KEY.as_bytes());
    let candidates = read_parquet(&root.path().join("runs/2026-10-30/candidates.parquet"));
    let top = strings(&candidates, "user_id")[0].clone();
    let mut people = read_parquet(&input.path().join("people.parquet"));
    let raw: Vec<String> = strings(&people, "user_id");
    let who = raw.iter().position(|id| ids.id(id) == top).unwrap();
    let before: Vec<bool> = people
        .column("opt_out")
        .unwrap()
        .bool()
        .unwrap()
        .iter()
        .map(|v| v == Some(true))
        .collect();
    let opted: Vec<bool> = before
        .iter()
        .enumerate()
        .map(|(i, b)| *b || i == who)
        .collect();
    people
        .with_column(Column::new("opt_out".into(), opted))
        .unwrap();
    write_parquet(input.path(), "people.parquet", &mut people);

    let o = nightly(input.path(), "2026-10-31", root.path());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let latest = root.path().join("runs/2026-10-31");
    let names_nobody = |dir: &Path| {
        for file in PARQUET {
            let table = read_parquet(&dir.join(file));
            if let Ok(column) = table.column("user_id") {
                let column = column.cast(&DataType::String).unwrap();
                let ids = column.str().unwrap();
                assert!(
                    ids.iter().all(|id| id != Some(top.as_str())),
                    "{file} of {} names the person who opted out",
                    dir.display()
                );
            }
        }
    };
    names_nobody(&latest);
    let html = std::fs::read_to_string(latest.join("report.html")).unwrap();
    assert!(
        !html.contains(&top),
        "the report names the person who opted out"
    );

    // The earlier run no longer holds them either: rows out of its tables, its report withdrawn.
    let earlier = root.path().join("runs/2026-10-30");
    let rows = |dir: &Path| -> Vec<usize> {
        PARQUET
            .iter()
            .map(|f| read_parquet(&dir.join(f)).height())
            .collect()
    };
    names_nobody(&earlier);
    let html = std::fs::read_to_string(earlier.join("report.html")).unwrap();
    assert!(
        !html.contains(&top),
        "the earlier report names the person who opted out"
    );
    assert!(
        html.contains(
            "<b>Note:</b> 1 person who opted out after this run was taken out of this report \
             and its tables later (last by the run of 2026-10-31)"
        ),
        "the earlier report does not say it was rendered again"
    );
    // Its counts are the run's, as the note says, though its shortlist is one shorter.
    let figure = format!("<b>{}</b>candidates", candidates.height());
    assert!(html.contains(&figure), "no {figure}");
    // Its shortlist is the earlier run's, less that person.
    let shortlist = read_parquet(&earlier.join("candidates.parquet"));
    assert_eq!(shortlist.height(), candidates.height() - 1);
    let manifest = adept::outputs::read_manifest(&earlier).unwrap();
    let withdrawn = &manifest.withdrawn;
    assert_eq!(withdrawn.len(), 1, "{withdrawn:?}");
    let w = &withdrawn[0];
    assert_eq!(w.by_run_of.to_string(), "2026-10-31");
    assert!(w.people == 1 && w.rows > 3 && w.report_replaced, "{w:?}");
    // A rerun finds nothing more to take out, leaves the earlier run as it is, and writes the
    // same history: the first run left the person out of the earlier figures already.
    let (counts, report) = (rows(&earlier), html);
    let history = std::fs::read(latest.join("history.parquet")).unwrap();
    let o = nightly(input.path(), "2026-10-31", root.path());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(rows(&earlier), counts);
    assert!(std::fs::read(latest.join("history.parquet")).unwrap() == history);
    assert_eq!(
        std::fs::read_to_string(earlier.join("report.html")).unwrap(),
        report
    );
    assert_eq!(
        adept::outputs::read_manifest(&earlier)
            .unwrap()
            .withdrawn
            .len(),
        1
    );

    // A run made with another key cannot be searched: the run says so, even with --quiet.
    let o = Command::new(env!("CARGO_BIN_EXE_adept"))
        .args(["run", "--input"])
        .arg(input.path())
        .args(["--config"])
        .arg(input.path().join("adept.toml"))
        .args(["--as-of", "2026-10-29", "-q", "--root"])
        .arg(root.path())
        .env("ADEPT_PSEUDONYM_KEY", "another nightly test key")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains(
            "2 other run(s) under the root (2026-10-30, 2026-10-31) have pseudonyms of \
             another key"
        ),
        "{stderr}"
    );
}
