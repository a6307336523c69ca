//! Movement across runs: who became a candidate, who dropped off, who is rising fastest, and how
//! the organisation's headline adoption figures move. Written as `history.parquet` in each run.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::NaiveDate;
use polars::prelude::*;

use super::layout::RunLayout;
use crate::error::Result;
use crate::frames::read_output;
use crate::outputs::{FEATURES_FILE, SCORES_FILE, adoption_figures};

pub const HISTORY_FILE: &str = "history.parquet";

/// Earlier runs a run compares itself with (rising stars are measured over this span).
pub const HISTORY_RUNS: usize = 5;
/// Rising stars listed per run.
pub const RISING_STARS: usize = 10;

/// The figures of one run that history needs.
#[derive(Debug, Clone, Default)]
pub struct RunHistory {
    pub as_of: Option<NaiveDate>,
    /// user -> (score, is candidate)
    pub scores: BTreeMap<String, (f64, bool)>,
    pub headline: Vec<(&'static str, f64)>,
}

impl RunHistory {
    /// Reads a run's outputs in `dir`.
    pub fn load(dir: &Path, as_of: NaiveDate) -> Result<RunHistory> {
        let scores = read_output(&dir.join(SCORES_FILE))?;
        let features = read_output(&dir.join(FEATURES_FILE))?;
        let ids = scores.column("user_id")?.str()?.clone();
        let values = scores.column("score")?.f64()?.clone();
        let tiers = scores.column("tier")?.str()?.clone();
        let mut by_user = BTreeMap::new();
        for i in 0..scores.height() {
            if let (Some(id), Some(score)) = (ids.get(i), values.get(i)) {
                by_user.insert(id.to_string(), (score, tiers.get(i) == Some("candidate")));
            }
        }
        let headline_frame = features
            .lazy()
            .filter(col("status").eq(lit("scored")))
            .select(
                adoption_figures()
                    .into_iter()
                    .chain([len().cast(DataType::Float64).alias("people_scored")])
                    .collect::<Vec<_>>(),
            )
            .collect()?;
        let get = |name: &str| -> f64 {
            headline_frame
                .column(name)
                .ok()
                .and_then(|c| c.cast(&DataType::Float64).ok())
                .and_then(|c| c.f64().ok().and_then(|v| v.get(0)))
                .unwrap_or(f64::NAN)
        };
        let candidates = by_user.values().filter(|(_, c)| *c).count() as f64;
        Ok(RunHistory {
            as_of: Some(as_of),
            headline: vec![
                ("candidates", candidates),
                ("people_scored", get("people_scored")),
                ("median_features", get("median_features")),
                ("median_shortcut_share", get("median_shortcut_share")),
                ("share_helping", get("share_helping")),
            ],
            scores: by_user,
        })
    }
}

/// `history.parquet` for the run in `current_dir` (as of `as_of`), compared with up to
/// [`HISTORY_RUNS`] earlier complete runs under `layout`. Columns: `kind`
/// (`headline`, `new_candidate`, `dropped_candidate`, `rising_star`), `as_of`, `figure`,
/// `user_id`, `value`, `change`.
pub fn history_frame(
    layout: &RunLayout,
    current_dir: &Path,
    as_of: NaiveDate,
) -> Result<DataFrame> {
    let earlier: Vec<NaiveDate> = layout
        .complete_runs()?
        .into_iter()
        .filter(|d| *d < as_of)
        .collect();
    let earlier = &earlier[earlier.len().saturating_sub(HISTORY_RUNS)..];
    let mut runs = Vec::new();
    for date in earlier {
        runs.push(RunHistory::load(&layout.run_dir(*date), *date)?);
    }
    let current = RunHistory::load(current_dir, as_of)?;

    let (mut kind, mut date, mut figure, mut user, mut value, mut change) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    let mut push =
        |k: &str, d: NaiveDate, f: Option<&str>, u: Option<&str>, v: f64, c: Option<f64>| {
            kind.push(k.to_string());
            date.push(d);
            figure.push(f.map(str::to_string));
            user.push(u.map(str::to_string));
            value.push(v);
            change.push(c);
        };
    for run in runs.iter().chain(std::iter::once(&current)) {
        for (name, v) in &run.headline {
            push(
                "headline",
                run.as_of.unwrap_or(as_of),
                Some(name),
                None,
                *v,
                None,
            );
        }
    }
    if let Some(previous) = runs.last() {
        for (id, (score, candidate)) in &current.scores {
            let before = previous.scores.get(id);
            if *candidate && !before.is_some_and(|b| b.1) {
                push(
                    "new_candidate",
                    as_of,
                    None,
                    Some(id),
                    *score,
                    before.map(|b| score - b.0),
                );
            }
        }
        for (id, (score, candidate)) in &previous.scores {
            if *candidate && !current.scores.get(id).is_some_and(|c| c.1) {
                let now = current.scores.get(id).map(|c| c.0);
                push(
                    "dropped_candidate",
                    as_of,
                    None,
                    Some(id),
                    now.unwrap_or(f64::NAN),
                    now.map(|n| n - score),
                );
            }
        }
        let oldest = &runs[0];
        let mut gains: Vec<(f64, &String, f64)> = current
            .scores
            .iter()
            .filter_map(|(id, (score, _))| {
                oldest
                    .scores
                    .get(id)
                    .map(|(old, _)| (score - old, id, *score))
            })
            .filter(|(gain, _, _)| *gain > 0.0)
            .collect();
        gains.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
        for (gain, id, score) in gains.into_iter().take(RISING_STARS) {
            push("rising_star", as_of, None, Some(id), score, Some(gain));
        }
    }
    let height = kind.len();
    let dates = DateChunked::from_naive_date(PlSmallStr::from("as_of"), date).into_column();
    Ok(DataFrame::new(
        height,
        vec![
            Column::new("kind".into(), kind),
            dates,
            Column::new("figure".into(), figure),
            Column::new("user_id".into(), user),
            Column::new("value".into(), value),
            Column::new("change".into(), change),
        ],
    )?)
}
