//! Honours an opt-out in the runs already published under a root: a person who opts out after
//! earlier nightly runs named them is taken out of those runs too. Their rows leave every table
//! with a row per person, and the HTML report is rendered again from what is left, saying so
//! (or, where it cannot be, replaced by a notice). Figures over groups stay as published: each
//! group was at least the minimum size.

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
    Withdrawal, read_manifest,
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
    found.extend(named.iter().cloned());
    if found.is_empty() {
        return Ok(None);
    }
    let withdrawal = Withdrawal {
        by_run_of: current,
        people: found.len(),
        rows,
        report_replaced: !named.is_empty(),
    };
    if withdrawal.report_replaced {
        let page = rendered_again(dir, &withdrawal, ids)
            .unwrap_or_else(|| notice(date, current, named.len()));
        write_with(&report, |w| w.write_all(page.as_bytes()))?;
    }
    Ok(Some(withdrawal))
}

/// The run's report rendered again from its tables, now without the people, and saying so;
/// None where that cannot be done (a manifest this version of adept cannot read) or the page
/// would still name one of them.
fn rendered_again(dir: &Path, w: &Withdrawal, ids: &BTreeSet<String>) -> Option<String> {
    let mut manifest = read_manifest(dir).ok()?;
    manifest.withdrawn.push(w.clone());
    let page = crate::report::render(dir, manifest).ok()?;
    mentioned(&page, ids).is_empty().then_some(page)
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

/// What replaces a report that named someone who has opted out since, where it cannot be
/// rendered again.
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

#[cfg(test)]
mod tests {
    use super::*;

    fn write_table(dir: &Path, name: &str, column: &str, values: &[&str]) {
        let mut frame = DataFrame::new(
            values.len(),
            vec![Column::new(column.into(), values.to_vec())],
        )
        .unwrap();
        write_parquet(&mut frame, dir.join(name)).unwrap();
    }

    fn column(dir: &Path, name: &str, column: &str) -> Vec<String> {
        let frame = read_output(&dir.join(name)).unwrap();
        let values = frame.column(column).unwrap().str().unwrap().clone();
        values.iter().map(|v| v.unwrap_or("").to_string()).collect()
    }

    /// A run with raw ids and a manifest this version cannot read as its own.
    fn old_run(layout: &RunLayout, date: &str, manifest: &str) -> std::path::PathBuf {
        let dir = layout.run_dir(date.parse().unwrap());
        std::fs::create_dir_all(&dir).unwrap();
        write_table(&dir, SCORES_FILE, "user_id", &["ana", "bo", "bob"]);
        write_table(&dir, REJECTS_FILE, "raw_value", &["bo,x,1", "bob,y,2", "z"]);
        std::fs::write(dir.join(REPORT_FILE), "<td>bo</td><td>bob</td>").unwrap();
        std::fs::write(dir.join(MANIFEST_FILE), manifest).unwrap();
        dir
    }

    #[test]
    fn an_earlier_run_loses_the_opted_out_once_and_a_run_of_another_key_is_named() {
        let root = tempfile::tempdir().unwrap();
        let layout = RunLayout::new(root.path());
        let raw = old_run(&layout, "2026-10-29", r#"{"pseudonymised": false}"#);
        let keyed = old_run(
            &layout,
            "2026-10-30",
            r#"{"pseudonymised": true, "key_fingerprint": "00000000"}"#,
        );
        let opted = OptedOut {
            ids: BTreeSet::from(["bo".to_string()]),
            pseudonyms: Pseudonymizer::raw_ids(),
        };
        let current = "2026-10-31".parse().unwrap();
        let done = withdraw_opted_out(&layout, current, &opted).unwrap();
        assert_eq!(done.other_key, ["2026-10-30".parse().unwrap()]);
        let [(date, w)] = done.runs.as_slice() else {
            panic!("{done:?}")
        };
        assert_eq!(date.to_string(), "2026-10-29");
        assert_eq!((w.people, w.rows, w.report_replaced), (1, 2, true));
        // Ids are whole words: `bob` stays.
        assert_eq!(column(&raw, SCORES_FILE, "user_id"), ["ana", "bob"]);
        assert_eq!(column(&raw, REJECTS_FILE, "raw_value"), ["bob,y,2", "z"]);
        let report = std::fs::read_to_string(raw.join(REPORT_FILE)).unwrap();
        assert!(report.contains("Report of 2026-10-29 withdrawn") && !report.contains(">bo<"));
        let manifest = read_json(&raw.join(MANIFEST_FILE)).unwrap();
        assert_eq!(manifest["withdrawn"][0]["by_run_of"], "2026-10-31");
        // The run of another key is untouched; a second pass changes nothing.
        assert_eq!(column(&keyed, SCORES_FILE, "user_id"), ["ana", "bo", "bob"]);
        let again = withdraw_opted_out(&layout, current, &opted).unwrap();
        assert!(again.runs.is_empty());
        let manifest = read_json(&raw.join(MANIFEST_FILE)).unwrap();
        assert_eq!(manifest["withdrawn"].as_array().unwrap().len(), 1);
    }
}
