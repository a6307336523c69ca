//! Honours an opt-out in the runs already published under a root: a person who opts out after
//! earlier nightly runs named them is taken out of those runs too. Their rows leave every table
//! with a row per person, and the HTML report, which cannot be redacted row by row, is replaced
//! by a notice. Figures over groups stay as published: each group was at least the minimum size.

use std::collections::BTreeSet;
use std::path::Path;

use chrono::NaiveDate;
use polars::prelude::*;

use super::layout::RunLayout;
use crate::atomic::{write_parquet, write_with};
use crate::error::{Error, Result};
use crate::frames::read_output;
use crate::outputs::{
    AREA_EXPERTS_FILE, CANDIDATES_FILE, FEATURES_FILE, GROUP_FILE, HISTORY_FILE, MANIFEST_FILE,
    PROGRAMME_FILE, RECOMMENDATIONS_FILE, REJECTS_FILE, REPORT_FILE, SCORES_FILE, SEGMENTS_FILE,
    Withdrawal,
};
use crate::privacy::{Pseudonymizer, is_id_char};

/// The tables of a run with a `user_id` per row: a withdrawn person's rows leave them.
const PERSON_TABLES: [&str; 9] = [
    FEATURES_FILE,
    SCORES_FILE,
    CANDIDATES_FILE,
    AREA_EXPERTS_FILE,
    GROUP_FILE,
    PROGRAMME_FILE,
    RECOMMENDATIONS_FILE,
    SEGMENTS_FILE,
    HISTORY_FILE,
];

/// The people the current run found opted out, and how it publishes ids.
#[derive(Debug, Clone)]
pub struct OptedOut {
    /// Their ids as the input writes them.
    pub ids: BTreeSet<String>,
    pub pseudonyms: Pseudonymizer,
}

/// What a run withdrew from the runs before it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Withdrawn {
    /// Each run changed, by its as-of date.
    pub runs: Vec<(NaiveDate, Withdrawal)>,
    /// Runs made with another pseudonym key (or with raw ids while this one pseudonymises):
    /// their rows of these people cannot be found.
    pub other_key: Vec<NaiveDate>,
}

/// Takes the people in `opted` out of every complete run under `layout` other than `current`'s.
/// Each file is rewritten atomically, the manifest last; a run with nobody to withdraw is left
/// untouched, so that the next night's pass changes nothing.
pub fn withdraw_opted_out(
    layout: &RunLayout,
    current: NaiveDate,
    opted: &OptedOut,
) -> Result<Withdrawn> {
    let mut withdrawn = Withdrawn::default();
    if opted.ids.is_empty() {
        return Ok(withdrawn);
    }
    for date in layout.complete_runs()? {
        if date == current {
            continue;
        }
        let dir = layout.run_dir(date);
        let mut manifest = read_json(&dir.join(MANIFEST_FILE))?;
        let Some(ids) = published_ids(&manifest, opted) else {
            withdrawn.other_key.push(date);
            continue;
        };
        if let Some(w) = withdraw_from(&dir, date, current, &ids)? {
            record(&dir, &mut manifest, &w)?;
            withdrawn.runs.push((date, w));
        }
    }
    Ok(withdrawn)
}

/// The opted-out people's ids as a run published them, or None where this run's key cannot
/// tell: the run used another key, or raw ids while this run has no key.
fn published_ids(manifest: &serde_json::Value, opted: &OptedOut) -> Option<BTreeSet<String>> {
    let pseudonymised = manifest["pseudonymised"].as_bool().unwrap_or(true);
    if !pseudonymised {
        return Some(opted.ids.clone());
    }
    if !opted.pseudonyms.is_active() {
        return None;
    }
    // A run from before fingerprints were recorded is tried with this key.
    if let Some(run) = manifest["key_fingerprint"].as_str()
        && opted.pseudonyms.fingerprint().as_deref() != Some(run)
    {
        return None;
    }
    Some(opted.ids.iter().map(|id| opted.pseudonyms.id(id)).collect())
}

/// Takes the people out of one run's files; None where the run holds none of them.
fn withdraw_from(
    dir: &Path,
    date: NaiveDate,
    current: NaiveDate,
    ids: &BTreeSet<String>,
) -> Result<Option<Withdrawal>> {
    let mut found = BTreeSet::new();
    let mut rows = 0;
    for name in PERSON_TABLES {
        let path = dir.join(name);
        if path.exists() {
            rows += drop_rows(&path, "user_id", ids, &mut found, |id, ids| {
                ids.contains(id)
            })?;
        }
    }
    let ledger = dir.join(REJECTS_FILE);
    if ledger.exists() {
        rows += drop_rows(&ledger, "raw_value", ids, &mut found, |text, ids| {
            !mentioned(text, ids).is_empty()
        })?;
    }
    let report = dir.join(REPORT_FILE);
    let named = match std::fs::read_to_string(&report) {
        Ok(text) => mentioned(&text, ids),
        Err(_) => BTreeSet::new(),
    };
    let report_replaced = !named.is_empty();
    if report_replaced {
        write_with(&report, |w| {
            w.write_all(notice(date, current, named.len()).as_bytes())
        })?;
    }
    found.extend(named);
    if found.is_empty() {
        return Ok(None);
    }
    Ok(Some(Withdrawal {
        by_run_of: current,
        people: found.len(),
        rows,
        report_replaced,
    }))
}

/// Drops the rows of a Parquet file whose `column` `hits` the ids, rewriting it only where
/// there are some; adds the ids met to `found` and returns how many rows went.
fn drop_rows(
    path: &Path,
    column: &str,
    ids: &BTreeSet<String>,
    found: &mut BTreeSet<String>,
    hits: fn(&str, &BTreeSet<String>) -> bool,
) -> Result<usize> {
    let mut frame = read_output(path)?;
    let Ok(values) = frame.column(column).and_then(|c| c.str().cloned()) else {
        return Ok(0);
    };
    let mut keep = Vec::with_capacity(values.len());
    for value in values.iter() {
        let hit = value.is_some_and(|v| hits(v, ids));
        if hit {
            found.extend(mentioned(value.unwrap_or_default(), ids));
        }
        keep.push(!hit);
    }
    let dropped = keep.iter().filter(|k| !**k).count();
    if dropped > 0 {
        frame = frame.filter(&BooleanChunked::from_slice("keep".into(), &keep))?;
        write_parquet(&mut frame, path)?;
    }
    Ok(dropped)
}

/// The ids in `text`, read as words of id characters (as pseudonyms are put into free text).
fn mentioned(text: &str, ids: &BTreeSet<String>) -> BTreeSet<String> {
    text.split(|c: char| !is_id_char(c))
        .filter(|word| ids.contains(*word))
        .map(str::to_string)
        .collect()
}

/// What replaces a report that named someone who has opted out since.
fn notice(date: NaiveDate, current: NaiveDate, people: usize) -> String {
    let who = if people == 1 {
        "1 person it named has"
    } else {
        "people it named have"
    };
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>adept report \
         of {date}: withdrawn</title></head><body><h1>Report of {date} withdrawn</h1><p>{who} \
         opted out of analysis since. The run of {current} took their rows out of this run's \
         tables and withdrew this report, which cannot be redacted row by row. Figures over \
         groups in the tables are as published (every group at least the minimum size).</p>\
         </body></html>\n"
    )
}

fn read_json(path: &Path) -> Result<serde_json::Value> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::unreadable(path, e))?;
    serde_json::from_str(&text).map_err(|e| Error::unreadable(path, e))
}

/// Adds the withdrawal to the run's manifest (its `withdrawn` list), written last.
fn record(dir: &Path, manifest: &mut serde_json::Value, w: &Withdrawal) -> Result<()> {
    let path = dir.join(MANIFEST_FILE);
    let entry = serde_json::to_value(w).map_err(|e| Error::Internal(e.to_string()))?;
    match manifest.get_mut("withdrawn").and_then(|v| v.as_array_mut()) {
        Some(list) => list.push(entry),
        None => manifest["withdrawn"] = serde_json::Value::Array(vec![entry]),
    }
    let text =
        serde_json::to_string_pretty(manifest).map_err(|e| Error::Internal(e.to_string()))?;
    write_with(&path, |w| {
        w.write_all(text.as_bytes())
            .and_then(|_| w.write_all(b"\n"))
    })
}
