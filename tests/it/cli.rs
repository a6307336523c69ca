//! The `adept` binary as a user runs it: output, files and exit statuses.

use std::path::Path;
use std::process::{Command, Output};

use polars::prelude::*;
use tempfile::tempdir;

use crate::fixtures::*;

fn adept(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_adept"));
    command.args(args);
    // A fixed key, so runs never create key files in the user's home.
    command.env("ADEPT_PSEUDONYM_KEY", "test key for adept's cli tests");
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn examples() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data/examples")
        .display()
        .to_string()
}

#[test]
fn validate_prints_the_summary_and_writes_the_ledger() {
    let out = tempdir().unwrap();
    let o = adept(
        &[
            "validate",
            "--input",
            &examples(),
            "--as-of",
            "2026-10-31",
            "--out",
            out.path().to_str().unwrap(),
        ],
        &[],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let stdout = text(&o.stdout);
    assert!(
        stdout.contains("events") && stdout.contains("opted out"),
        "{stdout}"
    );
    assert!(out.path().join("rejects.parquet").exists());
}

#[test]
fn exit_statuses_tell_usage_from_data_errors() {
    let dir = tempdir().unwrap();
    write(
        dir.path(),
        "events.csv",
        "user,timestamp,feature\nu1,2026-10-30T08:00:00Z,x\n",
    );
    let input = dir.path().to_str().unwrap();
    let o = adept(
        &["validate", "--input", input, "--as-of", "2026-10-31"],
        &[],
    );
    assert_eq!(o.status.code(), Some(3));
    assert!(text(&o.stderr).contains("`user_id`"), "{}", text(&o.stderr));

    write(dir.path(), "adept.toml", "[ingest]\nmax_reject_rat = 0.1\n");
    let config = dir.path().join("adept.toml");
    let o = adept(
        &[
            "validate",
            "--input",
            input,
            "--config",
            config.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("max_reject_rat"),
        "{}",
        text(&o.stderr)
    );

    let o = adept(&["validate", "--input", input, "--as-of", "yesterday"], &[]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn a_window_of_billions_of_days_is_a_configuration_error() {
    // It used to panic (exit 70) computing the window's first day.
    let dir = tempdir().unwrap();
    let config = write(
        dir.path(),
        "adept.toml",
        "[features]\nwindow_days = 4000000000\n",
    );
    let out = dir.path().join("out");
    let o = adept(
        &[
            "run",
            "--input",
            &examples(),
            "--out",
            out.to_str().unwrap(),
            "--as-of",
            "2026-10-31",
            "--config",
            config.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("window_days"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn run_outputs_are_byte_identical_whatever_the_thread_count() {
    let input = tempdir().unwrap();
    let params = adept::generate::GenerateParams {
        users: 300,
        days: 30,
        seed: 5,
        format: adept::generate::OutputFormat::Csv,
        end_date: as_of(),
    };
    adept::generate::generate(&params, input.path()).unwrap();
    let (a, b) = (tempdir().unwrap(), tempdir().unwrap());
    // Eight threads whatever the machine has, so that work is split even on a small one.
    for (out, threads) in [(&a, "8"), (&b, "1")] {
        let env = [
            ("RAYON_NUM_THREADS", threads),
            ("POLARS_MAX_THREADS", threads),
        ];
        let o = adept(
            &[
                "run",
                "--input",
                input.path().to_str().unwrap(),
                "--out",
                out.path().to_str().unwrap(),
                "--as-of",
                "2026-10-31",
            ],
            &env,
        );
        assert!(o.status.success(), "{}", text(&o.stderr));
        assert!(
            text(&o.stdout).contains("candidates"),
            "{}",
            text(&o.stdout)
        );
    }
    for file in [
        "features.parquet",
        "scores.parquet",
        "clusters.parquet",
        "rejects.parquet",
    ] {
        let x = std::fs::read(a.path().join(file)).unwrap();
        let y = std::fs::read(b.path().join(file)).unwrap();
        assert!(x == y, "{file} differs between 1 thread and 8");
    }

    // explain: the full breakdown of the best-ranked user.
    let scores = ParquetReader::new(std::fs::File::open(a.path().join("scores.parquet")).unwrap())
        .finish()
        .unwrap();
    let ranks = scores.column("rank").unwrap().u32().unwrap().clone();
    let ids = scores.column("user_id").unwrap().str().unwrap().clone();
    let best = (0..scores.height())
        .find(|&i| ranks.get(i) == Some(1))
        .unwrap();
    let user = ids.get(best).unwrap();
    let o = adept(
        &["explain", user, "--from", a.path().to_str().unwrap()],
        &[],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let stdout = text(&o.stdout);
    for expected in [
        "rank        1",
        "candidate",
        "contribution",
        "rarity_depth",
        "expertise_rank",
    ] {
        assert!(stdout.contains(expected), "{expected} missing:\n{stdout}");
    }
    // Each signal's row shows the weight it had in this run: contribution = 100 x weight x value.
    for signal in adept::features::Signal::ALL {
        let row: Vec<&str> = stdout
            .lines()
            .find(|l| l.starts_with(&format!("{:<12} ", signal.name())))
            .unwrap()
            .split_whitespace()
            .collect();
        if let [_, value, weight, contribution] = row[..]
            && value != "-"
            && weight != "-"
        {
            let parse = |x: &str| x.parse::<f64>().unwrap();
            let expected = 100.0 * parse(weight) * parse(value);
            assert!((expected - parse(contribution)).abs() < 0.1, "{row:?}");
        }
    }
    let o = adept(
        &["explain", "nobody", "--from", a.path().to_str().unwrap()],
        &[],
    );
    assert_eq!(o.status.code(), Some(3));
    // A raw id is found through the run's key; with another key, the command says so.
    let people = std::fs::read_to_string(input.path().join("people.csv")).unwrap();
    let raw = people.lines().nth(1).unwrap().split(',').next().unwrap();
    let from = ["explain", raw, "--from", a.path().to_str().unwrap()];
    let o = adept(&from, &[]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let o = adept(&from, &[("ADEPT_PSEUDONYM_KEY", "another key")]);
    assert_eq!(o.status.code(), Some(3));
    assert!(
        text(&o.stderr).contains("made its pseudonyms with another key (fingerprint"),
        "{}",
        text(&o.stderr)
    );

    // evaluate --format json is machine-readable.
    let truth = input.path().join("truth.csv");
    let o = adept(
        &[
            "evaluate",
            "--scores",
            a.path().to_str().unwrap(),
            "--truth",
            truth.to_str().unwrap(),
            "--format",
            "json",
        ],
        &[],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let methods: Vec<&str> = json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["method"].as_str().unwrap())
        .collect();
    assert_eq!(methods[..3], ["adept", "volume", "habitual_rule"]);
    assert!(methods.contains(&"signal_depth") && methods.contains(&"feature_distinct_features"));
    assert!(
        json["results"][0]["metrics"]["precision_at_k"]
            .as_f64()
            .unwrap()
            > 0.0
    );
}

#[test]
fn evaluate_recommendations_prints_the_runs_offline_check_against_popular_features() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample");
    let root = run_adept(&sample, "");
    let out = root.path().join("run");
    let dir = out.to_str().unwrap();
    let o = adept(&["evaluate", "--scores", dir, "--recommendations"], &[]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let said = text(&o.stdout);
    assert!(
        said.contains("hit rate@5") && said.contains("most widely known"),
        "{said}"
    );
    let recs = read_parquet(&out.join("recommendations.parquet"));
    let ranks = recs.column("rank").unwrap().u32().unwrap();
    assert!(ranks.iter().all(|r| (1..=5).contains(&r.unwrap())));
    assert!(
        strings(&recs, "why")
            .iter()
            .all(|w| w.contains("which you use"))
    );
    // Without `--truth` or `--recommendations` there is nothing to evaluate.
    let o = adept(&["evaluate", "--scores", dir], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
}
