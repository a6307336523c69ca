//! `adept calibrate`: learns signal weights from nominations (people an organisation already
//! knows to be power users), so that the score follows what this organisation means by a power
//! user. The weights stay non-negative, so scores keep contributions that add up, and the
//! cross-validated figures say plainly whether they beat the defaults and each signal alone.
//!
//! Not for: scoring (a calibrated weights file is used by `adept run --config`, like any other).

mod cv;
mod fit;
mod labels;

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;

pub use cv::{CvResult, Spread, cross_validate, folds};
pub use fit::fit_non_negative;
pub use labels::{Labels, MIN_POSITIVES, read_labels};

use crate::error::{Error, Result};
use crate::features::Signal;
use crate::frames::OutputTable;
use crate::outputs::{SCORES_FILE, read_manifest, sha256_file};
use crate::privacy::Pseudonymizer;

/// What `adept calibrate` needs.
#[derive(Debug, Clone)]
pub struct CalibrateOptions {
    /// A run's output directory.
    pub from: PathBuf,
    pub labels: PathBuf,
    pub folds: usize,
    pub seed: u64,
}

/// The calibrated weights and how they compare, cross-validated.
#[derive(Debug, Clone, Serialize)]
pub struct Calibration {
    /// Weight per signal (summing to 1; 0 for a signal not used or not rewarded by the labels).
    pub weights: Vec<(String, f64)>,
    /// Default weights, calibrated weights, then each signal alone.
    pub results: Vec<CvResult>,
    pub people: usize,
    pub positives: usize,
    pub positives_only: bool,
    /// Labelled people with too little activity to be scored: left out of the calibration.
    pub labelled_not_scored: usize,
    pub folds: usize,
    pub labels: PathBuf,
    pub labels_sha256: String,
    /// The row of `results` whose weights were chosen.
    pub chosen: usize,
}

/// The people scored in a run: published id and the value of each signal used.
struct RunSignals {
    /// Everyone in the run, scored or not.
    known: BTreeSet<String>,
    ids: Vec<String>,
    signals: Vec<Signal>,
    rows: Vec<Vec<f64>>,
}

fn run_signals(from: &Path) -> Result<RunSignals> {
    let scores = OutputTable::read(from, SCORES_FILE)?;
    let (ids, ranks) = (scores.strings("user_id")?, scores.floats("rank")?);
    let scored: Vec<usize> = (0..scores.height())
        .filter(|&i| ranks[i].is_some() && ids[i].is_some())
        .collect();
    let mut signals = Vec::new();
    let mut columns = Vec::new();
    for signal in Signal::ALL {
        let values = scores.floats(&format!("signal_{signal}"))?;
        if scored.iter().any(|&i| values[i].is_some()) {
            signals.push(signal);
            columns.push(values);
        }
    }
    let rows = scored
        .iter()
        .map(|&i| columns.iter().map(|c| c[i].unwrap_or(0.5)).collect())
        .collect();
    Ok(RunSignals {
        known: ids.iter().flatten().cloned().collect(),
        ids: scored.iter().filter_map(|&i| ids[i].clone()).collect(),
        signals,
        rows,
    })
}

/// Weights normalised to sum 1 (all zero stays all zero).
fn normalised(w: &[f64]) -> Vec<f64> {
    let total: f64 = w.iter().sum();
    if total > 0.0 {
        w.iter().map(|x| x / total).collect()
    } else {
        w.to_vec()
    }
}

/// Calibrates the weights of the run in `options.from` on the labels in `options.labels`.
pub fn calibrate(options: &CalibrateOptions, ids: &Pseudonymizer) -> Result<Calibration> {
    let k = options.folds;
    let run = run_signals(&options.from)?;
    let labels = read_labels(&options.labels, &run.known, ids)?;
    if !(2..=labels.positives).contains(&k) {
        return Err(Error::Config(format!(
            "--folds must be between 2 and the number of positives ({}), got `{k}`",
            labels.positives
        )));
    }
    // Unlabelled people count as negatives: nominations name some power users, not all.
    let y: Vec<bool> = run
        .ids
        .iter()
        .map(|id| labels.by_id.get(id).copied().unwrap_or(false))
        .collect();
    let scored: BTreeSet<&String> = run.ids.iter().collect();
    let not_scored = labels
        .by_id
        .keys()
        .filter(|id| !scored.contains(id))
        .count();
    let manifest = read_manifest(&options.from)?;
    let default: Vec<f64> = run
        .signals
        .iter()
        .map(|s| {
            let used = manifest
                .signal_weights
                .iter()
                .find(|w| w.signal == s.name());
            used.map_or(manifest.config.scoring.weights.get(*s), |w| w.used)
        })
        .collect();
    let fit_rows = |rows: &[usize]| {
        let x: Vec<Vec<f64>> = rows.iter().map(|&i| run.rows[i].clone()).collect();
        let labels: Vec<bool> = rows.iter().map(|&i| y[i]).collect();
        fit_non_negative(&x, &labels)
    };
    let fitted = normalised(&fit_rows(&(0..y.len()).collect::<Vec<_>>()));
    if fitted.iter().all(|w| *w == 0.0) {
        return Err(Error::Input(format!(
            "no signal ranks the people labelled in `{}` above the others: keep the default weights",
            options.labels.display()
        )));
    }
    let fold = folds(&y, k, options.seed);
    let mut results = vec![
        cross_validate("default weights", &run.rows, &y, &fold, k, |_| {
            default.clone()
        }),
        cross_validate("calibrated weights", &run.rows, &y, &fold, k, fit_rows),
    ];
    for (j, signal) in run.signals.iter().enumerate() {
        let alone: Vec<f64> = (0..run.signals.len()).map(|c| f64::from(c == j)).collect();
        let name = format!("signal {signal} alone");
        results.push(cross_validate(&name, &run.rows, &y, &fold, k, |_| {
            alone.clone()
        }));
    }
    // The fit minimises log-loss, not ranking error: where one signal alone ranks the labelled
    // people better on held-out folds, that signal is the better weighting.
    let chosen = (1..results.len())
        .max_by(|&a, &b| {
            let ap = |i: usize| results[i].average_precision.mean;
            ap(a).total_cmp(&ap(b)).then(b.cmp(&a))
        })
        .unwrap_or(1);
    let weights: Vec<f64> = if chosen == 1 {
        fitted
    } else {
        (0..run.signals.len())
            .map(|c| f64::from(c + 2 == chosen))
            .collect()
    };
    Ok(Calibration {
        chosen,
        weights: Signal::ALL
            .iter()
            .map(|s| {
                let w = run
                    .signals
                    .iter()
                    .position(|x| x == s)
                    .map_or(0.0, |j| weights[j]);
                (s.name().to_string(), w)
            })
            .collect(),
        results,
        people: y.len(),
        positives: y.iter().filter(|l| **l).count(),
        positives_only: !labels.has_negatives,
        labelled_not_scored: not_scored,
        folds: k,
        labels_sha256: sha256_file(&options.labels)?,
        labels: options.labels.clone(),
    })
}

impl Calibration {
    /// Whether the calibrated weights beat the defaults by more than the spread over folds of
    /// the difference in average precision.
    pub fn gain_beyond_spread(&self) -> bool {
        let diff: Vec<f64> = self.results[self.chosen]
            .per_fold
            .iter()
            .zip(&self.results[0].per_fold)
            .map(|(c, d)| c - d)
            .collect();
        let n = diff.len() as f64;
        let mean = diff.iter().sum::<f64>() / n;
        let sd = (diff.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0)).sqrt();
        mean > sd
    }

    /// The cross-validated figures, one line per method.
    pub fn table(&self) -> String {
        let mut text = format!(
            "{}-fold cross-validated, mean ± sd over folds; {} people scored, {} positive{}\n{:<28} {:>15} {:>15} {:>15}\n",
            self.folds,
            self.people,
            self.positives,
            if self.positives_only {
                " (positives only: everyone else counts as a negative)"
            } else {
                ""
            },
            "method",
            "avg_prec",
            "roc_auc",
            "prec@k"
        );
        for r in &self.results {
            let s = |x: Spread| format!("{:.3} ± {:.3}", x.mean, x.sd);
            let _ = writeln!(
                text,
                "{:<28} {:>15} {:>15} {:>15}",
                r.method,
                s(r.average_precision),
                s(r.roc_auc),
                s(r.precision_at_k)
            );
        }
        let _ = writeln!(
            text,
            "Chosen: {} (the best cross-validated average precision; chosen on these folds, so \
             its figure flatters it a little).",
            self.results[self.chosen].method
        );
        let verdict = if self.gain_beyond_spread() {
            "It beats the default weights by more than the spread over folds."
        } else {
            "Its gain over the default weights is within the spread over folds: it may be chance."
        };
        text + verdict + "\n"
    }

    /// The weights as a `[scoring.weights]` section, with a header recording where they came
    /// from.
    pub fn to_toml(&self, date: &str) -> String {
        let mut text = format!(
            "# adept calibrate, {date}: weights learnt from `{}` (sha256 {})\n",
            self.labels.display(),
            self.labels_sha256
        );
        for line in self.table().lines() {
            let _ = writeln!(text, "# {line}");
        }
        text.push_str("[scoring.weights]\n");
        for (signal, w) in &self.weights {
            let _ = writeln!(text, "{signal} = {w:.6}");
        }
        let _ = writeln!(
            text,
            "source = \"adept calibrate {date} on {} positives, labels sha256 {}\"",
            self.positives, self.labels_sha256
        );
        text
    }
}

/// Writes the weights to `out`: a new file, or appended to a configuration file that has no
/// `[scoring.weights]` yet (the result must still parse).
pub fn write_weights(out: &Path, fragment: &str) -> Result<()> {
    let existing = match std::fs::read_to_string(out) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(Error::unreadable(out, e)),
    };
    let table: toml::Table = existing.parse().map_err(|e| Error::ConfigFile {
        path: out.to_path_buf(),
        message: format!("{e}"),
    })?;
    let has_weights = table
        .get("scoring")
        .and_then(|s| s.get("weights"))
        .is_some();
    if has_weights {
        return Err(Error::Config(format!(
            "`{}` already has [scoring.weights]: remove them, or write the calibration to a new file",
            out.display()
        )));
    }
    let joined = if existing.is_empty() {
        fragment.to_string()
    } else {
        format!("{}\n\n{fragment}", existing.trim_end())
    };
    crate::config::Config::from_toml(&joined).map_err(|e| Error::Config(format!(
        "`{}` with the weights appended does not parse ({e}); write the calibration to a new file",
        out.display()
    )))?;
    crate::atomic::write_with(out, |w| w.write_all(joined.as_bytes()))
}
