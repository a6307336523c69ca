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

use rayon::prelude::*;
use serde::Serialize;

pub use cv::{CvResult, FoldFigures, Spread, cross_validate, folds, repeated_folds};
pub use fit::fit_non_negative;
use labels::enough_positives;
pub use labels::{Labels, MIN_POSITIVES, read_labels};

use crate::error::{Error, Result};
use crate::features::{Feature, Signal};
use crate::frames::OutputTable;
use crate::outputs::{Manifest, SCORES_FILE, read_manifest, sha256_file};
use crate::privacy::Pseudonymizer;

/// What `adept calibrate` needs.
#[derive(Debug, Clone)]
pub struct CalibrateOptions {
    /// A run's output directory.
    pub from: PathBuf,
    pub labels: PathBuf,
    pub folds: usize,
    /// How many times the K-fold split is made afresh (at least 1).
    pub repeats: usize,
    pub seed: u64,
}

/// The calibrated weights and how they compare, cross-validated.
#[derive(Debug, Clone, Serialize)]
pub struct Calibration {
    /// Weight per signal (summing to 1; 0 for a signal not used or not rewarded by the labels).
    pub weights: Vec<(String, f64)>,
    /// Weight of each scored feature within its signal, when the chosen weighting is over
    /// features (empty otherwise).
    pub feature_weights: Vec<(String, f64)>,
    /// Default weights, calibrated signal and feature weights, each signal alone, each feature
    /// alone.
    pub results: Vec<CvResult>,
    pub people: usize,
    pub positives: usize,
    pub positives_only: bool,
    /// Labelled people with too little activity to be scored: left out of the calibration.
    pub labelled_not_scored: usize,
    pub folds: usize,
    pub repeats: usize,
    pub labels: PathBuf,
    pub labels_sha256: String,
    /// The share of people in the run's top tier (its candidates): the top tier of each
    /// held-out fold is its top `top_tier_share`.
    pub top_tier_share: f64,
    /// The row of `results` whose weights were chosen (0: the defaults were kept).
    pub chosen: usize,
    pub why: Choice,
    /// Whether runs with these weights discount them for volume: where the defaults are kept, as
    /// the calibrated run did; never for weights learnt from labels (they are used as learnt).
    pub discount_volume: bool,
}

/// The people scored in a run: published id, the value of each signal used and of each scored
/// feature used (its position among peers, as the score saw it).
struct RunSignals {
    /// Everyone in the run, scored or not.
    known: BTreeSet<String>,
    ids: Vec<String>,
    signals: Vec<Signal>,
    rows: Vec<Vec<f64>>,
    features: Vec<Feature>,
    feature_rows: Vec<Vec<f64>>,
}

/// The columns among `names` that have a value for someone scored, and each scored row of them.
fn used_columns<T: Copy>(
    table: &OutputTable,
    scored: &[usize],
    names: impl Iterator<Item = (T, String)>,
) -> Result<(Vec<T>, Vec<Vec<f64>>)> {
    let mut used = Vec::new();
    let mut columns = Vec::new();
    for (item, name) in names {
        if !table.has(&name) {
            continue;
        }
        let values = table.floats(&name)?;
        if scored.iter().any(|&i| values[i].is_some()) {
            used.push(item);
            columns.push(values);
        }
    }
    let rows = scored
        .iter()
        .map(|&i| columns.iter().map(|c| c[i].unwrap_or(0.5)).collect())
        .collect();
    Ok((used, rows))
}

fn run_signals(from: &Path) -> Result<RunSignals> {
    let scores = OutputTable::read(from, SCORES_FILE)?;
    let (ids, ranks) = (scores.strings("user_id")?, scores.floats("rank")?);
    let scored: Vec<usize> = (0..scores.height())
        .filter(|&i| ranks[i].is_some() && ids[i].is_some())
        .collect();
    let signal_names = Signal::ALL.into_iter().map(|s| (s, format!("signal_{s}")));
    let (signals, rows) = used_columns(&scores, &scored, signal_names)?;
    let feature_names = Feature::ALL
        .iter()
        .filter(|f| f.signal().is_some())
        .map(|f| (*f, format!("scaled_{}", f.name())));
    let (features, feature_rows) = used_columns(&scores, &scored, feature_names)?;
    Ok(RunSignals {
        known: ids.iter().flatten().cloned().collect(),
        ids: scored.iter().filter_map(|&i| ids[i].clone()).collect(),
        signals,
        rows,
        features,
        feature_rows,
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

/// One way of weighting, over the signals or over the scored features, fixed or fitted.
struct Weighting {
    name: String,
    over_features: bool,
    /// None: fitted on the labels.
    fixed: Option<Vec<f64>>,
}

impl Weighting {
    fn unit(name: String, over_features: bool, n: usize, j: usize) -> Weighting {
        let fixed = (0..n).map(|c| f64::from(c == j)).collect();
        Weighting {
            name,
            over_features,
            fixed: Some(fixed),
        }
    }
}

/// The weightings compared: the defaults, fitted signal and feature weights, each signal alone
/// and each scored feature alone.
fn weightings(run: &RunSignals, default: Vec<f64>) -> Vec<Weighting> {
    let mut all = vec![
        Weighting {
            name: "default weights".into(),
            over_features: false,
            fixed: Some(default),
        },
        Weighting {
            name: "calibrated signal weights".into(),
            over_features: false,
            fixed: None,
        },
        Weighting {
            name: "calibrated feature weights".into(),
            over_features: true,
            fixed: None,
        },
    ];
    for (j, s) in run.signals.iter().enumerate() {
        all.push(Weighting::unit(
            format!("signal {s} alone"),
            false,
            run.signals.len(),
            j,
        ));
    }
    for (j, f) in run.features.iter().enumerate() {
        let name = format!("feature {} alone", f.name());
        all.push(Weighting::unit(name, true, run.features.len(), j));
    }
    if run.features.is_empty() {
        all.remove(2);
    }
    all
}

/// The default weights of the run's signals: as used, else as configured.
fn default_weights(manifest: &Manifest, run: &RunSignals) -> Vec<f64> {
    run.signals
        .iter()
        .map(|s| {
            let used = manifest
                .signal_weights
                .iter()
                .find(|w| w.signal == s.name());
            used.map_or(manifest.config.scoring.weights.get(*s), |w| w.used)
        })
        .collect()
}

/// Weights by signal or feature name.
type Named = Vec<(String, f64)>;

/// Signal weights (summing to 1) and, for a weighting over features, each scored feature's
/// weight within its signal.
fn as_config(run: &RunSignals, over_features: bool, w: &[f64]) -> (Named, Named) {
    if !over_features {
        let w = normalised(w);
        let signals = Signal::ALL
            .iter()
            .map(|s| {
                (
                    s.name().to_string(),
                    run.signals
                        .iter()
                        .position(|x| x == s)
                        .map_or(0.0, |j| w[j]),
                )
            })
            .collect();
        return (signals, Vec::new());
    }
    let beta = |f: Feature| {
        run.features
            .iter()
            .position(|x| *x == f)
            .map_or(0.0, |j| w[j])
    };
    let members = |s: Signal| {
        Feature::ALL
            .iter()
            .copied()
            .filter(move |f| f.signal() == Some(s))
    };
    let totals: Vec<f64> = Signal::ALL
        .iter()
        .map(|s| members(*s).map(beta).sum::<f64>())
        .collect();
    let totals = normalised(&totals);
    let raw: Vec<f64> = Signal::ALL
        .iter()
        .map(|s| members(*s).map(beta).sum::<f64>())
        .collect();
    let signals = Signal::ALL
        .iter()
        .zip(&totals)
        .map(|(s, t)| (s.name().to_string(), *t))
        .collect();
    let features = Signal::ALL
        .iter()
        .zip(&raw)
        .filter(|(_, total)| **total > 0.0)
        .flat_map(|(s, total)| members(*s).map(move |f| (f.name().to_string(), beta(f) / total)))
        .collect();
    (signals, features)
}

/// Why a weighting was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Choice {
    /// A fitted weighting (over signals or features), the best by [`choose`]'s order.
    Fitted,
    /// One signal or feature alone, the best by [`choose`]'s order.
    Part,
    /// The defaults, the best by [`choose`]'s order: no fit and no part alone put more of the
    /// labelled people in the top tier of the held-out folds.
    DefaultsBest,
    /// The defaults, which the best alternative puts a few more positives in the top tier
    /// than, within the spread, but which beat it in ROC AUC by more than the spread.
    DefaultsBetter,
    /// The defaults, because no fit and no part alone ranks the labelled people above chance
    /// beyond the spread: the labels define nothing the data can learn from (the defaults,
    /// learnt from nothing, may still rank them above chance; they are kept either way).
    LabelsAtChance,
}

/// Chooses a weighting from the cross-validated results (over every fold of every repeat): among
/// the defaults, the fits and each signal or feature alone, the one that puts the largest share
/// of the labelled people in the top tier of the held-out folds (what a run lists as
/// candidates), ties broken by ROC AUC, then by the order of `results` (the defaults first). The
/// defaults also come back when they beat the best other weighting by more than the spread over
/// folds ([`beats`]; level in top-tier recall, they may still be clearly ahead in ROC AUC), or
/// when no fit and no part alone ranks the labelled people above chance by more than the spread
/// in ROC AUC (labels that define nothing the data can learn from).
///
/// The defaults compete on the same folds as every other weighting: until 2026-12-02 they were
/// left out of the comparison and kept only when clearly better, so noisy nominations replaced
/// them with a fit that these very figures ranked below them (label noise on the generator,
/// docs/scoring.md).
///
/// Both measures are fair with nominations, where the unlabelled people count as negatives: when
/// nominations are a random share of the power users, the share of them in the top tier is, on
/// average, the share of all power users there, and ROC AUC is an affine function of the AUC
/// against the full truth; average precision is neither. The top tier comes first because it is
/// what the run is used for: ROC AUC weighs the order of the people far below it as much, and on
/// the generator's scenarios a near-tie in it hid a difference of up to 0.165 in precision at the
/// top (docs/scoring.md).
///
/// Measured on the same scenarios with the choice by ROC AUC, two stricter rules did worse:
/// keeping the defaults unless beaten beyond the spread, and preferring the fits to one part
/// alone unless beaten beyond the spread, each lost 0.07 to 0.12 in precision@k where the truth
/// is one signal or where 52 nominations cannot resolve a gain that is there.
fn choose(results: &[CvResult], candidates: &[Weighting]) -> (usize, Choice) {
    let best = |range: std::ops::Range<usize>| {
        range.max_by(|&a, &b| better_first(&results[b], &results[a]).then(b.cmp(&a)))
    };
    let alternative = best(1..results.len()).unwrap_or(0);
    let above_chance = (1..results.len())
        .map(|i| results[i].roc_auc)
        .any(|auc| auc.mean - 0.5 > auc.sd);
    if !above_chance {
        (0, Choice::LabelsAtChance)
    } else if best(0..results.len()) == Some(0) {
        (0, Choice::DefaultsBest)
    } else if beats(&results[0], &results[alternative]) {
        (0, Choice::DefaultsBetter)
    } else if candidates[alternative].fixed.is_none() {
        (alternative, Choice::Fitted)
    } else {
        (alternative, Choice::Part)
    }
}

/// [`choose`]'s order, best first: more top-tier recall, then more ROC AUC (means over folds).
/// Means that differ only by rounding are level: the same hits dealt to other folds sum to
/// means a last bit apart, and that must not decide over ROC AUC.
fn better_first(a: &CvResult, b: &CvResult) -> std::cmp::Ordering {
    let key = |r: &CvResult| (r.top_tier_recall.mean, r.roc_auc.mean);
    let ((top_a, auc_a), (top_b, auc_b)) = (key(a), key(b));
    level_or(top_b, top_a).then(level_or(auc_b, auc_a))
}

/// `a` against `b`, with means within rounding of each other taken as equal.
fn level_or(a: f64, b: f64) -> std::cmp::Ordering {
    if (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0) {
        std::cmp::Ordering::Equal
    } else {
        a.total_cmp(&b)
    }
}

/// Whether `a` beats `b` by more than the spread over folds, compared fold by fold on the same
/// folds: in top-tier recall, or, where neither does so in that, in ROC AUC.
fn beats(a: &CvResult, b: &CvResult) -> bool {
    let top = |r: &CvResult| -> Vec<f64> { r.per_fold.iter().map(|f| f.top_tier_recall).collect() };
    let auc = |r: &CvResult| -> Vec<f64> { r.per_fold.iter().map(|f| f.roc_auc).collect() };
    if above_by_more_than_spread(&top(a), &top(b)) {
        true
    } else if above_by_more_than_spread(&top(b), &top(a)) {
        false
    } else {
        above_by_more_than_spread(&auc(a), &auc(b))
    }
}

/// Whether `a` is above `b` by more than the spread of their differences, fold by fold (folds
/// where either has no figure, such as no positive held out, left out as in the means).
fn above_by_more_than_spread(a: &[f64], b: &[f64]) -> bool {
    let diff: Vec<f64> = a
        .iter()
        .zip(b)
        .map(|(x, y)| x - y)
        .filter(|d| d.is_finite())
        .collect();
    if diff.is_empty() {
        return false;
    }
    let n = diff.len() as f64;
    let mean = diff.iter().sum::<f64>() / n;
    let sd = (diff.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0)).sqrt();
    mean > sd
}

/// The weights the run was configured with (before the evidence rule and the discount for
/// volume, which later runs apply again to their own data), as signal and feature weights, and
/// whether the run applied the discount.
fn configured_defaults(manifest: Manifest) -> (Named, Named, bool) {
    // A run from before the discount records no correlation: its weights were used undiscounted.
    let discounted = manifest
        .signal_weights
        .iter()
        .any(|w| w.volume_correlation.is_some());
    let scoring = manifest.config.scoring;
    let signals = Signal::ALL
        .iter()
        .map(|s| (s.name().to_string(), scoring.weights.get(*s)))
        .collect();
    let discount = scoring.weights.discount_volume && discounted;
    (
        signals,
        scoring.feature_weights.into_iter().collect(),
        discount,
    )
}

/// Calibrates the weights of the run in `options.from` on the labels in `options.labels`.
pub fn calibrate(options: &CalibrateOptions, ids: &Pseudonymizer) -> Result<Calibration> {
    let (k, repeats) = (options.folds, options.repeats);
    if repeats == 0 {
        return Err(Error::Config(
            "--repeats must be at least 1, got `0`".into(),
        ));
    }
    let run = run_signals(&options.from)?;
    let labels = read_labels(&options.labels, &run.known, ids)?;
    // Unlabelled people count as negatives: nominations name some power users, not all.
    let y: Vec<bool> = run
        .ids
        .iter()
        .map(|id| labels.by_id.get(id).copied().unwrap_or(false))
        .collect();
    let scored: BTreeSet<&String> = run.ids.iter().collect();
    let not_scored: Vec<bool> = labels
        .by_id
        .iter()
        .filter(|(id, _)| !scored.contains(id))
        .map(|(_, label)| *label)
        .collect();
    // Only the people scored take part: the folds and the minimum count their positives.
    let positives = y.iter().filter(|l| **l).count();
    enough_positives(
        &options.labels,
        positives,
        not_scored.iter().filter(|l| **l).count(),
    )?;
    if !(2..=positives).contains(&k) {
        return Err(Error::Config(format!(
            "--folds must be between 2 and the number of positives among the people scored \
             ({positives}), got `{k}`"
        )));
    }
    let manifest = read_manifest(&options.from)?;
    let candidates = weightings(&run, default_weights(&manifest, &run));
    let top_share = manifest.config.scoring.top_tier_share;
    let fit = |over_features: bool, rows: &[usize]| {
        let data = if over_features {
            &run.feature_rows
        } else {
            &run.rows
        };
        let x: Vec<Vec<f64>> = rows.iter().map(|&i| data[i].clone()).collect();
        let labels: Vec<bool> = rows.iter().map(|&i| y[i]).collect();
        fit_non_negative(&x, &labels)
    };
    let assignments = repeated_folds(&y, k, repeats, options.seed);
    let results: Vec<CvResult> = candidates
        .par_iter()
        .map(|c| {
            let data = if c.over_features {
                &run.feature_rows
            } else {
                &run.rows
            };
            cross_validate(&c.name, data, &y, &assignments, k, top_share, |train| {
                c.fixed
                    .clone()
                    .unwrap_or_else(|| fit(c.over_features, train))
            })
        })
        .collect();
    let (chosen, why) = choose(&results, &candidates);
    let (weights, feature_weights, discount_volume) = if chosen == 0 {
        configured_defaults(manifest)
    } else {
        let c = &candidates[chosen];
        let all: Vec<usize> = (0..y.len()).collect();
        let w = c
            .fixed
            .clone()
            .unwrap_or_else(|| fit(c.over_features, &all));
        if w.iter().all(|x| *x == 0.0) {
            return Err(Error::Input(format!(
                "no signal ranks the people labelled in `{}` above the others: keep the default weights",
                options.labels.display()
            )));
        }
        let (weights, mut feature_weights) = as_config(&run, c.over_features, &w);
        if !c.over_features {
            // The signals were measured as the run built them, with its feature weights: the
            // weights file keeps those, so a run with it scores what was validated.
            feature_weights = manifest
                .config
                .scoring
                .feature_weights
                .clone()
                .into_iter()
                .collect();
        }
        (weights, feature_weights, false)
    };
    Ok(Calibration {
        chosen,
        why,
        weights,
        feature_weights,
        discount_volume,
        results,
        top_tier_share: top_share,
        people: y.len(),
        positives,
        positives_only: !labels.has_negatives,
        labelled_not_scored: not_scored.len(),
        folds: k,
        repeats,
        labels_sha256: sha256_file(&options.labels)?,
        labels: options.labels.clone(),
    })
}

impl Calibration {
    /// Whether the chosen weights beat the defaults by more than the spread over folds.
    pub fn beats_defaults(&self) -> bool {
        beats(&self.results[self.chosen], &self.results[0])
    }

    /// The other weightings (the defaults aside) that the chosen one does not beat by more than
    /// the spread over folds ([`beats`]), best first by [`choose`]'s order: these labels cannot
    /// tell them apart from it, though they may rank the top people differently.
    pub fn close_alternatives(&self) -> Vec<&str> {
        if matches!(self.why, Choice::DefaultsBetter | Choice::LabelsAtChance) {
            return Vec::new();
        }
        let chosen = &self.results[self.chosen];
        let mut close: Vec<&CvResult> = (1..self.results.len())
            .filter(|&i| i != self.chosen)
            .map(|i| &self.results[i])
            .filter(|r| !beats(chosen, r))
            .collect();
        close.sort_by(|a, b| better_first(a, b));
        close.into_iter().map(|r| r.method.as_str()).collect()
    }

    /// A line naming the close alternatives (at most three by name), or nothing.
    fn close_line(&self) -> String {
        let close = self.close_alternatives();
        if close.is_empty() {
            return String::new();
        }
        let named = close.iter().take(3).copied().collect::<Vec<_>>().join(", ");
        let more = match close.len().saturating_sub(3) {
            0 => String::new(),
            n => format!(" and {n} more"),
        };
        format!(
            "Not told apart from it by these labels (top-tier recall and ROC AUC within the \
             spread over folds): \
             {named}{more}. They may rank the top people differently; more nominations would \
             decide between them.\n"
        )
    }

    /// The cross-validated figures, one line per method.
    pub fn table(&self) -> String {
        let repeated = match self.repeats {
            1 => String::new(),
            r => format!(", repeated {r} times with fresh folds"),
        };
        let tier = format!("top {}%", (self.top_tier_share * 100.0).round());
        let width = self
            .results
            .iter()
            .map(|r| r.method.len())
            .max()
            .unwrap_or(0);
        let left_out = match self.labelled_not_scored {
            0 => String::new(),
            n => format!(
                "; {n} labelled {} too little activity to be scored, left out",
                if n == 1 { "person had" } else { "people had" }
            ),
        };
        let mut text = format!(
            "{}-fold cross-validated{repeated}, mean ± sd over the {} folds; {} people scored, {} positive{}{left_out}\n\
             {tier}: the share of a held-out fold's positives in its top tier (its top {}%, as a \
             run's candidates are)\n{:<width$} {:>15} {:>15} {:>15} {:>15}\n",
            self.folds,
            self.folds * self.repeats,
            self.people,
            self.positives,
            if self.positives_only {
                " (positives only: everyone else counts as a negative)"
            } else {
                ""
            },
            (self.top_tier_share * 100.0).round(),
            "method",
            tier,
            "roc_auc",
            "avg_prec",
            "prec@k"
        );
        for r in &self.results {
            let s = |x: Spread| format!("{:.3} ± {:.3}", x.mean, x.sd);
            let _ = writeln!(
                text,
                "{:<width$} {:>15} {:>15} {:>15} {:>15}",
                r.method,
                s(r.top_tier_recall),
                s(r.roc_auc),
                s(r.average_precision),
                s(r.precision_at_k)
            );
        }
        let chosen = &self.results[self.chosen].method;
        let spread = if self.chosen == 0 || self.beats_defaults() {
            String::new()
        } else {
            let change = self.results[self.chosen].top_tier_recall.mean
                - self.results[0].top_tier_recall.mean;
            format!(
                " Its difference from the default weights ({change:+.3} in top-tier recall) is \
                 within the spread over folds: it may be chance."
            )
        };
        let verdict = match self.why {
            Choice::Fitted | Choice::Part => format!(
                "Chosen: {chosen}, which puts the most positives in the top tier, ties broken by \
                 ROC AUC (both measured fairly with nominations; chosen on these folds, so its \
                 figures flatter it a little).{spread}\n{}",
                self.close_line()
            ),
            Choice::DefaultsBest => format!(
                "Kept: the default weights, which put the most positives in the top tier, ties \
                 broken by ROC AUC: no fit and no signal or feature alone did better on these \
                 folds.\n{}",
                self.close_line()
            ),
            Choice::DefaultsBetter => "Kept: the default weights. The best alternative put \
                 a few more positives in the top tier, by less than the spread over folds, and \
                 the defaults beat it in ROC AUC by more than that spread.\n"
                .to_string(),
            Choice::LabelsAtChance => "Kept: the default weights. No fit and no signal or \
                 feature alone ranks the labelled people above chance by more than the spread \
                 over folds, so these labels give nothing to learn from.\n"
                .to_string(),
        };
        text + &verdict
    }

    /// The weights as a `[scoring.weights]` section, with a header recording where they came
    /// from.
    pub fn to_toml(&self, date: &str) -> String {
        let mut text = format!(
            "# adept calibrate, {date}: weights {} `{}` (sha256 {})\n",
            if self.chosen == 0 {
                "checked against"
            } else {
                "learnt from"
            },
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
        if !self.discount_volume {
            text.push_str("discount_volume = false\n");
        }
        let _ = writeln!(
            text,
            "source = \"adept calibrate {date} on {} positives, labels sha256 {}{}\"",
            self.positives,
            self.labels_sha256,
            if self.chosen == 0 {
                ": defaults kept"
            } else {
                ""
            }
        );
        if !self.feature_weights.is_empty() {
            text.push_str("[scoring.feature_weights]\n");
            for (feature, w) in &self.feature_weights {
                let _ = writeln!(text, "{feature} = {w:.6}");
            }
        }
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
    let scoring = table.get("scoring");
    let has_weights = ["weights", "feature_weights"]
        .iter()
        .any(|k| scoring.and_then(|s| s.get(k)).is_some());
    if has_weights {
        return Err(Error::Config(format!(
            "`{}` already has [scoring.weights] or [scoring.feature_weights]: remove them, or write the calibration to a new file",
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Figures with `auc` per fold and a top-tier recall of 0.5 in every fold.
    fn result(method: &str, auc: &[f64]) -> CvResult {
        with_top(method, &vec![0.5; auc.len()], auc)
    }

    fn with_top(method: &str, top: &[f64], auc: &[f64]) -> CvResult {
        let spread = |v: &[f64]| Spread {
            mean: v.iter().sum::<f64>() / v.len() as f64,
            sd: 0.01,
        };
        CvResult {
            method: method.into(),
            average_precision: spread(auc),
            roc_auc: spread(auc),
            precision_at_k: spread(auc),
            top_tier_recall: spread(top),
            per_fold: top
                .iter()
                .zip(auc)
                .map(|(&top_tier_recall, &roc_auc)| FoldFigures {
                    top_tier_recall,
                    roc_auc,
                })
                .collect(),
        }
    }

    fn calibration(results: Vec<CvResult>, chosen: usize, why: Choice) -> Calibration {
        Calibration {
            weights: Vec::new(),
            feature_weights: Vec::new(),
            results,
            people: 500,
            positives: 40,
            positives_only: true,
            labelled_not_scored: 0,
            folds: 5,
            repeats: 1,
            labels: PathBuf::from("nominations.csv"),
            labels_sha256: String::new(),
            top_tier_share: 0.1,
            chosen,
            why,
            discount_volume: chosen == 0,
        }
    }

    /// The defaults, then `choices`, then a part that every choice beats in every fold by far
    /// more than the differences vary.
    fn results_with(choices: Vec<CvResult>) -> Vec<CvResult> {
        let mut all = vec![result("default weights", &[0.80, 0.82, 0.81, 0.79, 0.80])];
        all.extend(choices);
        all.push(result("signal help alone", &[0.70, 0.69, 0.72, 0.70, 0.71]));
        all
    }

    #[test]
    fn a_choice_that_the_labels_cannot_tell_from_others_names_them() {
        let results = results_with(vec![
            result(
                "calibrated feature weights",
                &[0.96, 0.95, 0.97, 0.96, 0.96],
            ),
            // Better in some folds, worse in others: not told apart.
            result(
                "feature training_level alone",
                &[0.97, 0.94, 0.96, 0.97, 0.95],
            ),
        ]);
        let c = calibration(results, 1, Choice::Fitted);
        assert_eq!(c.close_alternatives(), ["feature training_level alone"]);
        let table = c.table();
        assert!(
            table.contains("Not told apart from it by these labels")
                && table.contains("feature training_level alone. They may rank"),
            "{table}"
        );
        assert!(!table.contains("signal help alone."), "{table}");
    }

    #[test]
    fn a_clear_choice_or_kept_defaults_name_no_alternatives() {
        let clear = results_with(vec![result(
            "calibrated signal weights",
            &[0.96, 0.95, 0.97, 0.96, 0.96],
        )]);
        let c = calibration(clear.clone(), 1, Choice::Fitted);
        assert!(c.close_alternatives().is_empty());
        assert!(!c.table().contains("Not told apart"));
        let kept = calibration(clear, 0, Choice::DefaultsBetter);
        assert!(kept.close_alternatives().is_empty());
        assert!(!kept.table().contains("Not told apart"));
    }

    /// The weightings of `results` in order: the defaults, the two fits, then parts alone.
    fn candidates(results: &[CvResult]) -> Vec<Weighting> {
        results
            .iter()
            .enumerate()
            .map(|(i, r)| Weighting {
                name: r.method.clone(),
                over_features: false,
                fixed: (!(1..=2).contains(&i)).then(|| vec![1.0]),
            })
            .collect()
    }

    #[test]
    fn more_labelled_people_in_the_top_tier_outweigh_a_higher_roc_auc() {
        let auc_high = [0.96, 0.95, 0.96, 0.95, 0.96];
        let auc_lower = [0.95, 0.95, 0.95, 0.94, 0.95];
        let results = vec![
            with_top("default weights", &[0.3, 0.4, 0.3, 0.3, 0.4], &[0.8; 5]),
            with_top(
                "calibrated signal weights",
                &[0.6, 0.6, 0.7, 0.6, 0.6],
                &auc_high,
            ),
            with_top(
                "calibrated feature weights",
                &[0.6, 0.7, 0.6, 0.6, 0.6],
                &auc_high,
            ),
            // Orders every pair best, but fewer of the labelled in the top tier.
            with_top("signal help alone", &[0.6, 0.7, 0.6, 0.7, 0.6], &[0.97; 5]),
            with_top(
                "feature people_helped alone",
                &[0.8, 0.9, 0.8, 0.9, 0.8],
                &auc_lower,
            ),
        ];
        let chosen = choose(&results, &candidates(&results));
        assert_eq!(chosen, (4, Choice::Part));
        // Level in the top tier: ROC AUC decides.
        let mut level = results.clone();
        level[4] = with_top(
            "feature people_helped alone",
            &[0.6, 0.7, 0.6, 0.7, 0.6],
            &auc_lower,
        );
        assert_eq!(choose(&level, &candidates(&level)), (3, Choice::Part));
    }

    #[test]
    fn defaults_that_put_the_most_in_the_top_tier_are_kept() {
        // Better in some folds and worse in others, but the most in the top tier on average.
        let results = vec![
            with_top("default weights", &[0.9, 0.5, 0.8, 0.4, 0.6], &[0.90; 5]),
            with_top(
                "calibrated signal weights",
                &[0.6, 0.6, 0.7, 0.6, 0.6],
                &[0.95; 5],
            ),
            with_top(
                "calibrated feature weights",
                &[0.6, 0.7, 0.6, 0.6, 0.5],
                &[0.95; 5],
            ),
        ];
        let chosen = choose(&results, &candidates(&results));
        assert_eq!(chosen, (0, Choice::DefaultsBest));
        let kept = calibration(results.clone(), chosen.0, chosen.1);
        assert_eq!(
            kept.close_alternatives(),
            ["calibrated signal weights", "calibrated feature weights"]
        );
        let table = kept.table();
        assert!(
            table.contains("Kept: the default weights, which put the most positives")
                && table.contains("Not told apart from it by these labels"),
            "{table}"
        );
        // Fewer in the top tier on average than the fit, though not beyond the spread: the fit.
        let mut behind = results;
        behind[0] = with_top("default weights", &[0.9, 0.5, 0.7, 0.4, 0.5], &[0.90; 5]);
        assert_eq!(choose(&behind, &candidates(&behind)), (1, Choice::Fitted));
    }

    /// The defaults and two fits level in the top tier (the fits a little ahead on average,
    /// within the spread), the defaults clearly ahead in ROC AUC; `nan` for the last fold's
    /// figures (no positive held out), or a figure.
    fn defaults_ahead_in_roc_auc(last: f64) -> Vec<CvResult> {
        // Means over the folds that have figures, as the cross-validation takes them.
        let finite_means = |mut r: CvResult| {
            let mean = |f: &dyn Fn(&FoldFigures) -> f64| {
                let v: Vec<f64> = r.per_fold.iter().map(f).filter(|x| x.is_finite()).collect();
                v.iter().sum::<f64>() / v.len() as f64
            };
            (r.top_tier_recall.mean, r.roc_auc.mean) =
                (mean(&|f| f.top_tier_recall), mean(&|f| f.roc_auc));
            r
        };
        [
            (
                "default weights",
                [0.6, 0.6, 0.6, 0.6],
                [0.95, 0.96, 0.95, 0.94],
            ),
            ("calibrated signal weights", [0.6, 0.7, 0.6, 0.6], [0.85; 4]),
            (
                "calibrated feature weights",
                [0.6, 0.6, 0.6, 0.7],
                [0.84; 4],
            ),
        ]
        .into_iter()
        .map(|(name, top, auc)| {
            let (mut top, mut auc) = (top.to_vec(), auc.to_vec());
            top.push(if last.is_nan() { last } else { 0.6 });
            auc.push(if last.is_nan() { last } else { auc[0] });
            finite_means(with_top(name, &top, &auc))
        })
        .collect()
    }

    #[test]
    fn defaults_level_in_the_top_tier_and_clearly_ahead_in_roc_auc_are_kept() {
        let results = defaults_ahead_in_roc_auc(0.6);
        assert!(results[1].top_tier_recall.mean > results[0].top_tier_recall.mean);
        let chosen = choose(&results, &candidates(&results));
        assert_eq!(chosen, (0, Choice::DefaultsBetter));
        let kept = calibration(results, chosen.0, chosen.1);
        assert!(kept.close_alternatives().is_empty());
        assert!(
            kept.table()
                .contains("the defaults beat it in ROC AUC by more than that spread")
        );
    }

    #[test]
    fn folds_without_a_figure_do_not_stop_the_defaults_from_being_kept() {
        // One fold has no figures (no positive held out); the means and the fold-by-fold
        // comparison leave it out.
        let results = defaults_ahead_in_roc_auc(f64::NAN);
        let chosen = choose(&results, &candidates(&results));
        assert_eq!(chosen, (0, Choice::DefaultsBetter));
    }

    #[test]
    fn labels_that_nothing_ranks_above_chance_keep_the_defaults() {
        let chance = [0.52, 0.47, 0.55, 0.49, 0.51];
        let results = vec![
            with_top("default weights", &[0.1; 5], &chance),
            with_top(
                "calibrated signal weights",
                &[0.3, 0.1, 0.0, 0.2, 0.1],
                &chance,
            ),
            with_top("calibrated feature weights", &[0.1; 5], &chance),
        ];
        let chosen = choose(&results, &candidates(&results));
        assert_eq!(chosen, (0, Choice::LabelsAtChance));
    }

    #[test]
    fn defaults_level_with_the_best_are_kept() {
        // Level in the top tier, the defaults ahead in ROC AUC only within the spread.
        let results = vec![
            with_top(
                "default weights",
                &[0.6; 5],
                &[0.91, 0.89, 0.93, 0.88, 0.92],
            ),
            with_top(
                "calibrated signal weights",
                &[0.6; 5],
                &[0.90, 0.91, 0.89, 0.90, 0.90],
            ),
            with_top("calibrated feature weights", &[0.5; 5], &[0.95; 5]),
        ];
        assert!(!beats(&results[0], &results[1]));
        let chosen = choose(&results, &candidates(&results));
        assert_eq!(chosen, (0, Choice::DefaultsBest));
        let kept = calibration(results.clone(), chosen.0, chosen.1);
        assert_eq!(kept.close_alternatives(), ["calibrated signal weights"]);
        // The same figures exactly: the defaults.
        let mut tie = results;
        tie[1] = with_top(
            "calibrated signal weights",
            &[0.6; 5],
            &[0.91, 0.89, 0.93, 0.88, 0.92],
        );
        assert_eq!(choose(&tie, &candidates(&tie)), (0, Choice::DefaultsBest));
    }

    #[test]
    fn labels_at_chance_keep_the_defaults_whatever_their_top_tier() {
        let chance = [0.52, 0.47, 0.55, 0.49, 0.51];
        let results = vec![
            with_top("default weights", &[0.4; 5], &chance),
            with_top("calibrated signal weights", &[0.1; 5], &chance),
            with_top("calibrated feature weights", &[0.2; 5], &chance),
        ];
        let chosen = choose(&results, &candidates(&results));
        assert_eq!(chosen, (0, Choice::LabelsAtChance));
        let table = calibration(results, chosen.0, chosen.1).table();
        assert!(table.contains("No fit and no signal or feature alone ranks the labelled"));
    }

    #[test]
    fn fits_at_chance_keep_the_defaults_even_where_a_fit_has_more_in_the_top_tier() {
        // The defaults rank the labelled above chance; nothing learnt from them does, though
        // a fit's top tier is ahead by luck.
        let chance = [0.52, 0.47, 0.55, 0.49, 0.51];
        let results = vec![
            with_top("default weights", &[0.2; 5], &[0.80; 5]),
            with_top("calibrated signal weights", &[0.4; 5], &chance),
            with_top("calibrated feature weights", &[0.1; 5], &chance),
        ];
        let chosen = choose(&results, &candidates(&results));
        assert_eq!(chosen, (0, Choice::LabelsAtChance));
        let table = calibration(results, chosen.0, chosen.1).table();
        assert!(
            table.contains("Kept: the default weights. No fit and no signal"),
            "{table}"
        );
    }

    #[test]
    fn the_same_hits_dealt_to_other_folds_are_a_tie_that_roc_auc_decides() {
        // 17 of 50 in the top tier either way; summed in another order, the means differ in
        // the last bit.
        let results = vec![
            with_top("default weights", &[0.1; 5], &[0.80; 5]),
            with_top(
                "calibrated signal weights",
                &[0.3, 0.1, 0.7, 0.0, 0.6],
                &[0.90; 5],
            ),
            with_top(
                "calibrated feature weights",
                &[0.6, 0.1, 0.7, 0.3, 0.0],
                &[0.95; 5],
            ),
        ];
        assert_ne!(
            results[1].top_tier_recall.mean,
            results[2].top_tier_recall.mean
        );
        let chosen = choose(&results, &candidates(&results));
        assert_eq!(chosen, (2, Choice::Fitted));
    }
}
