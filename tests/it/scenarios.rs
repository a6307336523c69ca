//! Generator scenarios that break the circle between generator and scorer: each changes what it
//! says, and on every robustness scenario the default composite is not below its best signal.

use std::path::Path;

use adept::evaluate::{Evaluation, Method};
use adept::features::Signal;
use adept::generate::{GenerateParams, OutputFormat, Scenario, apply_scenario, generate};
use adept::privacy::Pseudonymizer;
use tempfile::TempDir;

use crate::fixtures::*;

/// A generated organisation (seed 23, used by no other test) changed by `scenario`.
fn organisation(scenario: Scenario) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    let params = GenerateParams {
        users: 800,
        days: 60,
        seed: 23,
        format: OutputFormat::Parquet,
        end_date: as_of(),
    };
    generate(&params, dir.path()).unwrap();
    apply_scenario(scenario, dir.path(), params.seed).unwrap();
    dir
}

fn evaluated(input: &Path) -> Evaluation {
    let out = run_with_raw_ids(input);
    adept::evaluate::evaluate(
        out.path(),
        &input.join("truth.csv"),
        None,
        &Pseudonymizer::raw_ids(),
    )
    .unwrap()
}

fn labels(dir: &Path) -> Vec<(String, bool)> {
    std::fs::read_to_string(dir.join("truth.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_string(), f[1] == "true")
        })
        .collect()
}

#[test]
fn scenarios_take_away_evidence_add_noise_or_redefine_power_users() {
    let planted = organisation(Scenario::Planted);
    let original = labels(planted.path());
    let no_triggers = organisation(Scenario::NoTriggers);
    let events = read_parquet(&no_triggers.path().join("events.parquet"));
    assert!(events.column("trigger").is_err());
    assert!(
        !organisation(Scenario::NoHelp)
            .path()
            .join("help.parquet")
            .exists()
    );
    let noisy = organisation(Scenario::LabelNoise);
    let flipped = labels(noisy.path())
        .iter()
        .zip(&original)
        .filter(|(a, b)| a.1 != b.1)
        .count();
    let share = flipped as f64 / original.len() as f64;
    assert!((0.06..0.14).contains(&share), "{share}");
    // Feature noise keeps every event and its person, and draws the feature logged.
    let planted_events = read_parquet(&planted.path().join("events.parquet"));
    let noisy_events = read_parquet(
        &organisation(Scenario::FeatureNoise)
            .path()
            .join("events.parquet"),
    );
    assert_eq!(
        noisy_events.column("user_id").unwrap(),
        planted_events.column("user_id").unwrap()
    );
    assert_ne!(
        noisy_events.column("feature").unwrap(),
        planted_events.column("feature").unwrap()
    );
    let thin = organisation(Scenario::ThinExport);
    for table in ["help.parquet", "feedback.parquet", "catalog.parquet"] {
        assert!(!thin.path().join(table).exists(), "{table}");
    }
    let thin_events = read_parquet(&thin.path().join("events.parquet"));
    assert!(thin_events.column("trigger").is_err());
    assert_eq!(
        thin_events.column("user_id").unwrap(),
        planted_events.column("user_id").unwrap()
    );
    let positives = |l: &[(String, bool)]| l.iter().filter(|x| x.1).count();
    for scenario in [Scenario::TrainersDecide, Scenario::HelpDecides] {
        let redefined = labels(organisation(scenario).path());
        assert_eq!(positives(&redefined), positives(&original), "{scenario:?}");
        assert_ne!(redefined, original, "{scenario:?}");
    }
}

#[test]
fn on_every_robustness_scenario_the_composite_is_not_below_its_best_signal() {
    for scenario in Scenario::ALL.into_iter().filter(|s| s.is_robustness()) {
        let input = organisation(scenario);
        let evaluation = evaluated(input.path());
        let composite = evaluation.get(Method::Adept).average_precision;
        let best = Signal::ALL
            .iter()
            .filter(|s| {
                evaluation
                    .results
                    .iter()
                    .any(|r| r.method == Method::Signal(**s))
            })
            .map(|s| evaluation.get(Method::Signal(*s)).average_precision)
            .fold(0.0, f64::max);
        assert!(
            composite >= best - 0.02,
            "{}: composite {composite:.3} < best signal {best:.3}\n{evaluation}",
            scenario.name()
        );
        if scenario == Scenario::NoHelp {
            // Without a help table the help features are the same for everyone: named as such,
            // not given figures that only reflect how ties were ordered.
            let helped = Method::Feature(adept::features::Feature::PeopleHelped);
            assert!(evaluation.without_spread.contains(&helped), "{evaluation}");
            assert!(evaluation.results.iter().all(|r| r.method != helped));
        }
    }
}

#[test]
fn a_signal_that_only_counts_activity_is_discounted_and_the_manifest_says_why() {
    let input = organisation(Scenario::ThinExport);
    let out = run_with_raw_ids(input.path());
    let manifest = adept::outputs::read_manifest(out.path()).unwrap();
    let record = |name: &str| {
        manifest
            .signal_weights
            .iter()
            .find(|w| w.signal == name)
            .unwrap()
            .clone()
    };
    // Features drawn at random: depth mostly counts how busy people are (volume explains more
    // than half of its ranking), so it keeps less than half its weight.
    let depth = record("depth");
    assert!(
        depth.volume_correlation.unwrap() > 0.5_f64.sqrt(),
        "{depth:?}"
    );
    assert!(depth.used < 0.5 * depth.configured, "{depth:?}");
    assert!(
        depth.note.as_deref().unwrap().contains("for volume"),
        "{depth:?}"
    );
    // Training results come from their own table: volume cannot inflate them, and they keep
    // their weight.
    let training = record("training");
    assert!(training.volume_correlation.is_none(), "{training:?}");
    assert_eq!(training.used, training.configured, "{training:?}");
    // The report tells its readers too.
    let report = std::fs::read_to_string(out.path().join("report.html")).unwrap();
    let line = report
        .split("<p")
        .map(|p| p.split("</p>").next().unwrap())
        .find(|p| p.contains("Counted for less than half"))
        .expect("the report names the discounted signals");
    assert!(
        line.contains("depth") && !line.contains("training"),
        "{line}"
    );
}
