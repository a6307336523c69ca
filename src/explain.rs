//! `adept explain`: the full breakdown of one user's score, read back from a run's outputs.

use std::fmt::Write as _;
use std::path::Path;

use polars::prelude::*;

use crate::error::{Error, Result};
use crate::features::{Feature, Signal};
use crate::outputs::{FEATURES_FILE, SCORES_FILE};

fn one_row(path: &Path, user: &str) -> Result<DataFrame> {
    let ref_path = PlRefPath::try_from_path(path).map_err(|e| Error::unreadable(path, e))?;
    if !path.exists() {
        return Err(Error::Input(format!(
            "`{}` does not exist: is this the output directory of `adept run`?",
            path.display()
        )));
    }
    LazyFrame::scan_parquet(ref_path, ScanArgsParquet::default())
        .and_then(|lf| lf.filter(col("user_id").eq(lit(user))).collect())
        .map_err(|e| Error::unreadable(path, e))
}

fn value(frame: &DataFrame, column: &str) -> String {
    match frame.column(column).ok().and_then(|c| c.get(0).ok()) {
        Some(AnyValue::Null) | None => "-".to_string(),
        Some(AnyValue::Float64(v)) => format!("{v:.3}"),
        Some(AnyValue::String(s)) => s.to_string(),
        Some(AnyValue::StringOwned(s)) => s.to_string(),
        Some(other) => other.to_string(),
    }
}

/// Each signal's value, its share of the score's weight in this run (so contribution = 100 x
/// share x value) and contribution, then why any weight differs from the configured one.
fn signal_table(text: &mut String, scores: &DataFrame, outputs: &Path) {
    // A run written before weights were recorded has no shares to show.
    let weights = crate::outputs::read_manifest(outputs)
        .map(|m| m.signal_weights)
        .unwrap_or_default();
    let total: f64 = weights.iter().map(|w| w.used).sum();
    let share = |signal: Signal| {
        weights
            .iter()
            .find(|w| w.signal == signal.name() && w.used > 0.0 && total > 0.0)
            .map_or("-".to_string(), |w| format!("{:.3}", w.used / total))
    };
    let _ = writeln!(
        text,
        "\n{:<12} {:>8} {:>8} {:>13}",
        "signal", "value", "weight", "contribution"
    );
    for signal in Signal::ALL {
        let _ = writeln!(
            text,
            "{:<12} {:>8} {:>8} {:>13}",
            signal.name(),
            value(scores, &format!("signal_{signal}")),
            share(signal),
            value(scores, &format!("contribution_{signal}"))
        );
    }
    for w in &weights {
        if let Some(note) = &w.note {
            let _ = writeln!(text, "  {}: {note}", w.signal);
        }
    }
}

/// The breakdown as text: score, rank, tier, persona, explanation, each signal's value and
/// contribution, and every feature.
pub fn explain_user(outputs: &Path, user: &str) -> Result<String> {
    let scores = one_row(&outputs.join(SCORES_FILE), user)?;
    if scores.height() == 0 {
        return Err(Error::Input(format!(
            "user `{user}` is not in `{}` (ids in the outputs may be pseudonymised)",
            outputs.join(SCORES_FILE).display()
        )));
    }
    let features = one_row(&outputs.join(FEATURES_FILE), user)?;
    let mut text = String::new();
    let _ = writeln!(text, "user        {user}");
    for column in ["score", "rank", "tier", "persona", "explanation"] {
        let _ = writeln!(text, "{column:<11} {}", value(&scores, column));
    }
    signal_table(&mut text, &scores, outputs);
    let _ = writeln!(text, "\n{:<24} {:>10}  meaning", "feature", "value");
    for column in ["department", "role", "fte", "status"] {
        let _ = writeln!(text, "{column:<24} {:>10}", value(&features, column));
    }
    for feature in Feature::ALL {
        let _ = writeln!(
            text,
            "{:<24} {:>10}  {}",
            feature.name(),
            value(&features, feature.name()),
            feature.description()
        );
    }
    Ok(text)
}
