//! `history.parquet`: the analysis' comparison with earlier runs, one row per headline figure
//! and run, then one row per person who moved.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use polars::prelude::*;

use crate::analysis::{AdoptionFigures, RunHistory};
use crate::atomic;
use crate::error::Result;

pub const HISTORY_FILE: &str = "history.parquet";

/// The headline figures in the order they are written, by name.
fn headline_values(f: &AdoptionFigures) -> [(&'static str, f64); 5] {
    [
        ("candidates", f.candidates as f64),
        ("people_scored", f.people as f64),
        ("median_features", f.median_features),
        ("median_shortcut_share", f.median_shortcut_share),
        ("share_helping", f.share_helping),
    ]
}

/// Columns: `kind` (`headline`, `new_candidate`, `dropped_candidate`, `rising_star`,
/// `segment_up`, `segment_down`), `as_of`, `figure` (a headline figure's name, or a segment
/// move as `before -> now`), `user_id`, `value`, `change`.
fn history_frame(history: &RunHistory, as_of: NaiveDate) -> Result<DataFrame> {
    let (mut kind, mut date, mut figure, mut user, mut value, mut change) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    for (run, figures) in &history.headline {
        for (name, v) in headline_values(figures) {
            kind.push("headline");
            date.push(*run);
            figure.push(Some(name.to_string()));
            user.push(None);
            value.push(v);
            change.push(None);
        }
    }
    for m in &history.moves {
        kind.push(m.movement.name());
        date.push(as_of);
        figure.push(
            m.segments
                .map(|(before, now)| format!("{} -> {}", before.name(), now.name())),
        );
        user.push(Some(m.user_id.as_str()));
        value.push(m.score);
        change.push(m.change);
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

/// Writes `history.parquet` for the run as of `as_of`.
pub fn write_history(out: &Path, history: &RunHistory, as_of: NaiveDate) -> Result<PathBuf> {
    let mut frame = history_frame(history, as_of)?;
    let path = out.join(HISTORY_FILE);
    atomic::write_parquet(&mut frame, &path)?;
    Ok(path)
}
