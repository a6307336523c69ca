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
    }
}
