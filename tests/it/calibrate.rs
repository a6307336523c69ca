//! `adept calibrate`: clear errors for bad labels with nothing written, the same weights for the
//! same inputs, and a weights file that `adept run --config` scores with exactly.

use std::path::Path;
use std::process::{Command, Output};
use std::sync::OnceLock;

use adept::features::{Feature, Signal};
use adept::generate::{GenerateParams, OutputFormat, Scenario, apply_scenario, generate};
use tempfile::TempDir;

use crate::fixtures::*;

const CONFIG: &str = "[privacy]\nraw_ids = true\n";

/// An organisation where help-giving decides who is a power user (seed 31, used by no other
/// test), run once with raw ids.
struct Run {
    input: TempDir,
    out: TempDir,
}

fn adept(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_adept"))
        .args(args)
        .output()
        .unwrap()
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn run_org() -> &'static Run {
    static RUN: OnceLock<Run> = OnceLock::new();
    RUN.get_or_init(|| {
        let input = tempfile::tempdir().unwrap();
        let params = GenerateParams {
            users: 500,
            days: 60,
            seed: 31,
            format: OutputFormat::Parquet,
            end_date: as_of(),
        };
        generate(&params, input.path()).unwrap();
        apply_scenario(Scenario::HelpDecides, input.path(), params.seed).unwrap();
        write(input.path(), "adept.toml", CONFIG);
        let out = tempfile::tempdir().unwrap();
        let o = adept(&[
            "run",
            "--input",
            path(input.path()),
            "--out",
            path(out.path()),
            "--config",
            path(&input.path().join("adept.toml")),
            "--as-of",
            "2026-10-31",
            "-q",
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        Run { input, out }
    })
}

/// The scored people of a run, in file order: id, score, and each scored feature's position
/// among peers (NaN where not used).
fn scored(dir: &Path) -> Vec<(String, f64, Vec<f64>)> {
    let scores = read_parquet(&dir.join("scores.parquet"));
    let ids = strings(&scores, "user_id");
    let column = |name: &str| -> Vec<Option<f64>> {
        scores.column(name).unwrap().f64().unwrap().iter().collect()
    };
    let score = column("score");
    let scaled: Vec<Vec<Option<f64>>> = scored_features()
        .iter()
        .map(|f| column(&format!("scaled_{}", f.name())))
        .collect();
    (0..ids.len())
        .filter_map(|i| {
            let values = scaled.iter().map(|c| c[i].unwrap_or(f64::NAN)).collect();
            score[i].map(|s| (ids[i].clone(), s, values))
        })
        .collect()
}

fn scored_features() -> Vec<Feature> {
    Feature::ALL
        .iter()
        .copied()
        .filter(|f| f.signal().is_some())
        .collect()
}

/// The score a configuration's weights give to scaled feature values: each signal the weighted
/// mean of its features, the score the weighted mean of the signals, times 100.
fn expected_score(config: &adept::config::Config, scaled: &[f64]) -> f64 {
    let (mut sum, mut total) = (0.0, 0.0);
    for signal in Signal::ALL {
        let w = config.scoring.weights.get(signal);
        let (mut s, mut t) = (0.0, 0.0);
        for (f, x) in scored_features().iter().zip(scaled) {
            let fw = config.scoring.feature_weight(*f);
            if f.signal() == Some(signal) && x.is_finite() && fw > 0.0 {
                s += fw * x;
                t += fw;
            }
        }
        if w > 0.0 && t > 0.0 {
            sum += w * s / t;
            total += w;
        }
    }
    100.0 * sum / total
}

/// Nominations: the labelled power users who were scored.
fn nominations(run: &Run) -> Vec<String> {
    let scored: Vec<String> = scored(run.out.path()).into_iter().map(|p| p.0).collect();
    std::fs::read_to_string(run.input.path().join("truth.csv"))
        .unwrap()
        .lines()
        .filter(|l| l.split(',').nth(1) == Some("true"))
        .map(|l| l.split(',').next().unwrap().to_string())
        .filter(|id| scored.contains(id))
        .collect()
}

/// People of the run with too little activity to be scored.
fn not_scored(run: &Run) -> Vec<String> {
    let scores = read_parquet(&run.out.path().join("scores.parquet"));
    let unranked = scores.column("rank").unwrap().is_null();
    strings(&scores, "user_id")
        .into_iter()
        .zip(unranked.iter())
        .filter(|(_, unranked)| *unranked == Some(true))
        .map(|(id, _)| id)
        .collect()
}

fn calibrate(labels: &str, out: &Path) -> Output {
    let run = run_org();
    let file = out.parent().unwrap().join("labels.csv");
    std::fs::write(&file, labels).unwrap();
    adept(&[
        "calibrate",
        "--from",
        path(run.out.path()),
        "--labels",
        path(&file),
        "--out",
        path(out),
    ])
}

#[test]
fn bad_labels_are_data_errors_that_say_what_is_wrong_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("weights.toml");
    let good: Vec<String> = nominations(run_org());
    let list = |ids: &[String]| format!("user_id\n{}\n", ids.join("\n"));
    let cases = [
        (
            list(&[good[..12].to_vec(), vec!["x1".into(), "x2".into()]].concat()),
            "2 id(s)",
        ),
        (
            format!(
                "user_id,label\n{}\n{},0\n",
                good[..12]
                    .iter()
                    .map(|g| format!("{g},1"))
                    .collect::<Vec<_>>()
                    .join("\n"),
                good[0]
            ),
            "labelled both ways",
        ),
        (format!("user_id,label\n{},maybe\n", good[0]), "`maybe`"),
        ("user_id\n".to_string(), "no labelled person"),
        (list(&good[..4]), "at least 10"),
        // Twelve nominations, but eight of them were not scored: four to learn from.
        (
            list(&[good[..4].to_vec(), not_scored(run_org())[..8].to_vec()].concat()),
            "4 positive(s) among the people scored (8 more had too little activity",
        ),
    ];
    for (labels, expected) in cases {
        let o = calibrate(&labels, &out);
        assert_data_error(&o, &[expected]);
        assert!(!out.exists(), "a weights file was written for: {expected}");
    }
}

#[test]
fn the_same_labels_give_the_same_weights_and_the_file_scores_a_run_exactly() {
    let run = run_org();
    let dir = tempfile::tempdir().unwrap();
    let labels = format!("user_id\n{}\n", nominations(run).join("\n"));
    // Appended to a configuration that has no weights yet; it still parses.
    let (a, b) = (dir.path().join("a.toml"), dir.path().join("b.toml"));
    for target in [&a, &b] {
        std::fs::write(target, CONFIG).unwrap();
        let o = calibrate(&labels, target);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let text = std::fs::read_to_string(&a).unwrap();
    assert_eq!(
        text,
        std::fs::read_to_string(&b).unwrap(),
        "not deterministic"
    );
    assert!(
        text.starts_with(CONFIG) && text.contains("sha256"),
        "{text}"
    );
    let config = adept::config::Config::from_toml(&text).unwrap();
    // Help decides here, and the calibration finds it.
    let help = config.scoring.weights.get(Signal::Help);
    assert!(help > 0.3, "{text}");
    // Weights learnt from labels are used as learnt, not discounted again for volume.
    assert!(!config.scoring.weights.discount_volume, "{text}");

    let out = tempfile::tempdir().unwrap();
    let o = adept(&[
        "run",
        "--input",
        path(run.input.path()),
        "--out",
        path(out.path()),
        "--config",
        path(&a),
        "--as-of",
        "2026-10-31",
        "-q",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let manifest = adept::outputs::read_manifest(out.path()).unwrap();
    assert!(
        manifest.weights_source.starts_with("adept calibrate"),
        "{}",
        manifest.weights_source
    );
    // Scaled features do not depend on weights: the new score follows from the old values.
    let before = scored(run.out.path());
    let after = scored(out.path());
    for ((id, _, scaled), (id2, score, _)) in before.iter().zip(&after) {
        assert_eq!(id, id2);
        let expected = expected_score(&config, scaled);
        assert!(
            (score - expected).abs() < 1e-9,
            "{id}: {score} vs {expected}"
        );
    }
    // A file that already has weights is not changed.
    let o = calibrate(&labels, &a);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(&a).unwrap(), text);
}

#[test]
fn labels_that_no_weighting_ranks_better_keep_the_default_weights_and_say_so() {
    let run = run_org();
    let power = nominations(run);
    // Every seventh scored person who is not a power user: labels that carry no definition.
    let arbitrary: Vec<String> = scored(run.out.path())
        .into_iter()
        .map(|p| p.0)
        .filter(|id| !power.contains(id))
        .step_by(7)
        .collect();
    assert!(arbitrary.len() >= 30, "{}", arbitrary.len());
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("weights.toml");
    let o = calibrate(&format!("user_id\n{}\n", arbitrary.join("\n")), &out);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let said = String::from_utf8_lossy(&o.stdout);
    assert!(said.contains("Kept: the default weights"), "{said}");
    let text = std::fs::read_to_string(&out).unwrap();
    let config = adept::config::Config::from_toml(&text).unwrap();
    let defaults = adept::config::Config::default().scoring;
    for s in Signal::ALL {
        assert_eq!(
            config.scoring.weights.get(s),
            defaults.weights.get(s),
            "{s}"
        );
    }
    assert!(config.scoring.feature_weights.is_empty(), "{text}");
    assert!(config.scoring.weights.discount_volume, "{text}");
    let source = config.scoring.weights.source.unwrap_or_default();
    assert!(source.ends_with("defaults kept"), "{source}");
}

#[test]
fn the_cross_validation_is_repeated_with_fresh_folds_and_says_so() {
    let run = run_org();
    let dir = tempfile::tempdir().unwrap();
    let labels = dir.path().join("labels.csv");
    std::fs::write(
        &labels,
        format!("user_id\n{}\n", nominations(run).join("\n")),
    )
    .unwrap();
    let with = |repeats: &str| {
        adept(&[
            "calibrate",
            "--from",
            path(run.out.path()),
            "--labels",
            path(&labels),
            "--repeats",
            repeats,
        ])
    };
    let o = with("3");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let said = String::from_utf8_lossy(&o.stdout);
    assert!(
        said.contains(
            "5-fold cross-validated, repeated 3 times with fresh folds, mean ± sd over the 15 folds"
        ),
        "{said}"
    );
    let o = with("0");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--repeats must be at least 1"));
}

#[test]
fn nominated_people_who_were_not_scored_are_left_out_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let scored = nominations(run_org());
    let listed = [scored.clone(), not_scored(run_org())[..3].to_vec()].concat();
    let o = calibrate(
        &format!("user_id\n{}\n", listed.join("\n")),
        &dir.path().join("weights.toml"),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let said = String::from_utf8_lossy(&o.stdout);
    let expected = format!(
        "{} positive (positives only: everyone else counts as a negative); 3 labelled people \
         had too little activity to be scored, left out",
        scored.len()
    );
    assert!(said.contains(&expected), "{said}");
}
