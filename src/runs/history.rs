//! Reads what earlier runs under an output root published, for the analysis to compare the
//! current run with (see `analysis::history`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use chrono::NaiveDate;

use super::layout::RunLayout;
use crate::analysis::Segment;
use crate::analysis::{AdoptionRow, HISTORY_RUNS, RunSnapshot, figures};
use crate::error::Result;
use crate::features::UserStatus;
use crate::frames::OutputTable;
use crate::outputs::{FEATURES_FILE, SCORES_FILE, SEGMENTS_FILE};
use crate::score::Tier;

fn parse<T>(
    table: &OutputTable,
    column: &str,
    value: Option<&str>,
    from_name: fn(&str) -> Option<T>,
) -> Result<T> {
    value.and_then(from_name).ok_or_else(|| {
        table.error(
            column,
            format!("unexpected value `{}`", value.unwrap_or("null")),
        )
    })
}

/// A run's snapshot, read from its `scores.parquet` and `features.parquet`, without the people
/// in `left_out` (who opted out after it: the same whether or not they were already taken out
/// of its files, so that a rerun gives the same history).
pub fn load_snapshot(
    dir: &Path,
    as_of: NaiveDate,
    left_out: &BTreeSet<String>,
) -> Result<RunSnapshot> {
    let kept = |id: &Option<String>| id.as_ref().is_none_or(|id| !left_out.contains(id));
    let scores = OutputTable::read(dir, SCORES_FILE)?;
    let (ids, values, tiers) = (
        scores.strings("user_id")?,
        scores.floats("score")?,
        scores.strings("tier")?,
    );
    let mut tier_of = BTreeMap::new();
    let mut people = BTreeMap::new();
    for i in (0..scores.height()).filter(|i| kept(&ids[*i])) {
        let tier = parse(&scores, "tier", tiers[i].as_deref(), Tier::from_name)?;
        if let Some(id) = &ids[i] {
            tier_of.insert(id.clone(), tier);
            if let Some(score) = values[i] {
                people.insert(id.clone(), (score, tier));
            }
        }
    }
    let features = OutputTable::read(dir, FEATURES_FILE)?;
    let (f_ids, statuses) = (features.strings("user_id")?, features.strings("status")?);
    let (depth, shortcuts, helps) = (
        features.floats("distinct_features")?,
        features.floats("shortcut_share")?,
        features.floats("helps_given")?,
    );
    let mut rows = Vec::new();
    let mut unscored = BTreeSet::new();
    for i in (0..features.height()).filter(|i| kept(&f_ids[*i])) {
        let status = parse(
            &features,
            "status",
            statuses[i].as_deref(),
            UserStatus::from_name,
        )?;
        if status != UserStatus::Scored {
            unscored.extend(f_ids[i].clone());
            continue;
        }
        let tier = f_ids[i].as_ref().and_then(|id| tier_of.get(id));
        rows.push(AdoptionRow {
            distinct_features: depth[i].unwrap_or(f64::NAN),
            shortcut_share: shortcuts[i].unwrap_or(f64::NAN),
            helps_given: helps[i].unwrap_or(f64::NAN),
            candidate: tier == Some(&Tier::Candidate),
        });
    }
    Ok(RunSnapshot {
        as_of,
        people,
        unscored,
        headline: figures(&rows),
        segments: last_segments(dir, left_out)?,
    })
}

/// Each person's segment in the last week of a run's `segments.parquet` (none for a run from
/// before segments).
fn last_segments(dir: &Path, left_out: &BTreeSet<String>) -> Result<BTreeMap<String, Segment>> {
    if !dir.join(SEGMENTS_FILE).exists() {
        return Ok(BTreeMap::new());
    }
    let table = OutputTable::read(dir, SEGMENTS_FILE)?;
    let (ids, weeks, segments) = (
        table.strings("user_id")?,
        table.strings("week_start")?,
        table.strings("segment")?,
    );
    let Some(last) = weeks.iter().flatten().max().cloned() else {
        return Ok(BTreeMap::new());
    };
    let mut by_id = BTreeMap::new();
    for i in 0..table.height() {
        if weeks[i].as_ref() != Some(&last) {
            continue;
        }
        if let (Some(id), Some(name)) = (&ids[i], segments[i].as_deref())
            && !left_out.contains(id)
        {
            let segment = parse(&table, "segment", Some(name), Segment::from_name)?;
            by_id.insert(id.clone(), segment);
        }
    }
    Ok(by_id)
}

/// Snapshots of the last [`HISTORY_RUNS`] complete runs under `layout` before `as_of`, oldest
/// first, without the people in `left_out` (see [`load_snapshot`]).
pub fn earlier_snapshots(
    layout: &RunLayout,
    as_of: NaiveDate,
    left_out: &BTreeSet<String>,
) -> Result<Vec<RunSnapshot>> {
    let earlier: Vec<NaiveDate> = layout
        .complete_runs()?
        .into_iter()
        .filter(|d| *d < as_of)
        .collect();
    earlier[earlier.len().saturating_sub(HISTORY_RUNS)..]
        .iter()
        .map(|date| load_snapshot(&layout.run_dir(*date), *date, left_out))
        .collect()
}
