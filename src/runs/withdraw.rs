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

impl OptedOut {
    /// Their ids both as the input writes them and as this run's key makes them.
    pub fn every_spelling(&self) -> BTreeSet<String> {
        let mut ids = self.ids.clone();
        if self.pseudonyms.is_active() {
            ids.extend(self.ids.iter().map(|id| self.pseudonyms.id(id)));
        }
        ids
    }
}

/// What a run withdrew from the runs before it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Withdrawn {
    /// Each run changed, by its as-of date.
    pub runs: Vec<(NaiveDate, Withdrawal)>,
    /// Runs whose ids this run cannot make: pseudonyms of another key, or pseudonyms while this
    /// run has raw ids. Those people may still be in them.
    pub other_key: Vec<NaiveDate>,
    /// Runs left as they were, and why: so many of their people would go that a mistake in the
    /// `opt_out` column is likelier than so many opt-outs, or a file could not be read or
    /// written.
    pub not_done: Vec<(NaiveDate, String)>,
}

/// A run loses nobody when more than this share of its people (and more than
/// [`MASS_MINIMUM`]) would go: an `opt_out` column mapped to the wrong column, or filled in
/// wrongly, would otherwise empty every earlier run for good.
const MASS_SHARE: f64 = 0.2;
const MASS_MINIMUM: usize = 10;

/// What became of one earlier run.
enum Fate {
    Withdrawn(Withdrawal),
    Untouched,
    OtherKey,
    TooMany(String),
}

/// Takes the people in `opted` out of every complete run under `layout` other than `current`'s,
/// and out of the rejects ledgers of failed runs kept there. Each file is rewritten atomically,
/// the manifest last; a run with nobody to withdraw is left untouched, so that the next night's
/// pass changes nothing. A run that cannot be done is said in [`Withdrawn::not_done`]; the
/// others are still done.
pub fn withdraw_opted_out(
    layout: &RunLayout,
    current: NaiveDate,
    opted: &OptedOut,
) -> Result<Withdrawn> {
    let mut withdrawn = Withdrawn::default();
    if opted.ids.is_empty() {
        return Ok(withdrawn);
    }
    // A ledger may hold an id as the input wrote it, in a line that could not be read.
    let ledger_ids = opted.every_spelling();
    for date in layout.complete_runs()? {
        if date == current {
            continue;
        }
        match withdraw_run(&layout.run_dir(date), date, current, opted, &ledger_ids) {
            Ok(Fate::Withdrawn(w)) => withdrawn.runs.push((date, w)),
            Ok(Fate::Untouched) => {}
            Ok(Fate::OtherKey) => withdrawn.other_key.push(date),
            Ok(Fate::TooMany(why)) => withdrawn.not_done.push((date, why)),
            Err(e) => withdrawn.not_done.push((date, e.to_string())),
        }
    }
    for (date, dir) in layout.failed_runs()? {
        if let Err(e) = drop_rows(
            &dir.join(REJECTS_FILE),
            "raw_value",
            &ledger_ids,
            &mut BTreeSet::new(),
            mentions,
        ) {
            withdrawn.not_done.push((date, e.to_string()));
        }
    }
    Ok(withdrawn)
}

fn withdraw_run(
    dir: &Path,
    date: NaiveDate,
    current: NaiveDate,
    opted: &OptedOut,
    ledger_ids: &BTreeSet<String>,
) -> Result<Fate> {
    let mut manifest = read_json(&dir.join(MANIFEST_FILE))?;
    let Some(ids) = published_ids(&manifest, opted) else {
        return Ok(Fate::OtherKey);
    };
    if let Some(why) = too_many(dir, &ids)? {
        return Ok(Fate::TooMany(why));
    }
    let Some(w) = withdraw_from(dir, date, current, &ids, ledger_ids)? else {
        return Ok(Fate::Untouched);
    };
    record(dir, &mut manifest, &w)?;
    Ok(Fate::Withdrawn(w))
}

/// Why the run must not lose these people: more than [`MASS_SHARE`] of its people.
fn too_many(dir: &Path, ids: &BTreeSet<String>) -> Result<Option<String>> {
    let path = dir.join(FEATURES_FILE);
    if !path.exists() {
        return Ok(None);
    }
    let people = user_ids(&path, "user_id")?;
    let going = people
        .iter()
        .flatten()
        .filter(|id| ids.contains(*id))
        .count();
    let limit = (MASS_SHARE * people.len() as f64).max(MASS_MINIMUM as f64);
    Ok((going as f64 > limit).then(|| {
        format!(
            "{going} of its {} people have opted out since, too many to be likely: check the \
             `opt_out` column of `people` (and its mapping); if they did, remove the run",
            people.len()
        )
    }))
}

/// The ids of the opted-out people as a run published them, or None where this run cannot make
/// them: the run has pseudonyms of another key, or pseudonyms while this run has raw ids. A run
/// from before keys' fingerprints were recorded is tried with this run's key.
fn published_ids(manifest: &serde_json::Value, opted: &OptedOut) -> Option<BTreeSet<String>> {
    let pseudonymised = manifest["pseudonymised"].as_bool().unwrap_or(true);
    if !pseudonymised {
        return Some(opted.ids.clone());
    }
    if !opted.pseudonyms.is_active() {
        return None;
    }
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
    ledger_ids: &BTreeSet<String>,
) -> Result<Option<Withdrawal>> {
    let mut found = BTreeSet::new();
    let mut rows = 0;
    for name in PERSON_TABLES {
        rows += drop_rows(&dir.join(name), "user_id", ids, &mut found, is_one_of)?;
    }
    // People are counted by the ids the run published; a raw id met in the ledger is the same
    // person as its pseudonym.
    let mut in_ledger = BTreeSet::new();
    rows += drop_rows(
        &dir.join(REJECTS_FILE),
        "raw_value",
        ledger_ids,
        &mut in_ledger,
        mentions,
    )?;
    found.extend(in_ledger.into_iter().filter(|id| ids.contains(id)));
    let report = dir.join(REPORT_FILE);
    let named = match std::fs::read_to_string(&report) {
        Ok(text) => mentioned(&text, ids),
        Err(_) => BTreeSet::new(),
    };
    found.extend(named.iter().cloned());
    if rows == 0 && named.is_empty() {
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
/// there are some; adds the ids met to `found` and returns how many rows went. A file that is
/// not there, or has no such column, has no rows to drop.
fn drop_rows(
    path: &Path,
    column: &str,
    ids: &BTreeSet<String>,
    found: &mut BTreeSet<String>,
    hits: fn(&str, &BTreeSet<String>) -> Vec<String>,
) -> Result<usize> {
    if !path.exists() {
        return Ok(0);
    }
    let values = user_ids(path, column)?;
    let mut keep = Vec::with_capacity(values.len());
    for value in &values {
        let hit = value.as_deref().map(|v| hits(v, ids)).unwrap_or_default();
        keep.push(hit.is_empty());
        found.extend(hit);
    }
    let dropped = keep.iter().filter(|k| !**k).count();
    if dropped > 0 {
        let mut frame =
            read_output(path)?.filter(&BooleanChunked::from_slice("keep".into(), &keep))?;
        write_parquet(&mut frame, path)?;
    }
    Ok(dropped)
}

/// A column of a run's file as text (empty where the file has no such column).
fn user_ids(path: &Path, column: &str) -> Result<Vec<Option<String>>> {
    let frame = read_output(path)?;
    let Ok(values) = frame.column(column) else {
        return Ok(Vec::new());
    };
    let text = values.cast(&DataType::String)?;
    Ok(text.str()?.iter().map(|v| v.map(str::to_string)).collect())
}

/// The value itself, where it is one of the ids.
fn is_one_of(value: &str, ids: &BTreeSet<String>) -> Vec<String> {
    if ids.contains(value) {
        vec![value.to_string()]
    } else {
        Vec::new()
    }
}

/// The ids a text names as words.
fn mentions(text: &str, ids: &BTreeSet<String>) -> Vec<String> {
    mentioned(text, ids).into_iter().collect()
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
    use std::path::PathBuf;

    use super::*;

    fn write_table(dir: &Path, name: &str, column: &str, values: &[&str]) {
        std::fs::create_dir_all(dir).unwrap();
        let mut frame = DataFrame::new(
            values.len(),
            vec![Column::new(column.into(), values.to_vec())],
        )
        .unwrap();
        write_parquet(&mut frame, dir.join(name)).unwrap();
    }

    fn column(dir: &Path, name: &str, column: &str) -> Vec<String> {
        let values = user_ids(&dir.join(name), column).unwrap();
        values.into_iter().map(Option::unwrap_or_default).collect()
    }

    /// A run with raw ids, and a manifest this version cannot read as its own.
    fn old_run(layout: &RunLayout, date: &str, manifest: &str, people: &[&str]) -> PathBuf {
        let dir = layout.run_dir(date.parse().unwrap());
        write_table(&dir, FEATURES_FILE, "user_id", people);
        write_table(&dir, SCORES_FILE, "user_id", &["ana", "bo", "bob", "c d"]);
        write_table(&dir, REJECTS_FILE, "raw_value", &["bo,x,1", "bob,y,2", "z"]);
        std::fs::write(dir.join(REPORT_FILE), "<td>bo</td><td>bob</td>").unwrap();
        std::fs::write(dir.join(MANIFEST_FILE), manifest).unwrap();
        dir
    }

    fn opted(ids: &[&str]) -> OptedOut {
        OptedOut {
            ids: ids.iter().map(|id| id.to_string()).collect(),
            pseudonyms: Pseudonymizer::raw_ids(),
        }
    }

    #[test]
    fn an_earlier_run_loses_the_opted_out_once_and_a_run_of_another_key_is_named() {
        let root = tempfile::tempdir().unwrap();
        let layout = RunLayout::new(root.path());
        let everyone: Vec<String> = (0..20).map(|i| format!("p{i}")).collect();
        let everyone: Vec<&str> = everyone.iter().map(String::as_str).collect();
        let raw = old_run(
            &layout,
            "2026-10-29",
            r#"{"pseudonymised": false}"#,
            &everyone,
        );
        let keyed = old_run(
            &layout,
            "2026-10-30",
            r#"{"pseudonymised": true, "key_fingerprint": "00000000"}"#,
            &everyone,
        );
        let failed = layout.failed_dir("2026-10-27".parse().unwrap());
        write_table(&failed, REJECTS_FILE, "raw_value", &["bo,x", "ana,y"]);
        let current = "2026-10-31".parse().unwrap();
        let done = withdraw_opted_out(&layout, current, &opted(&["bo", "c d"])).unwrap();
        assert_eq!(done.other_key, ["2026-10-30".parse().unwrap()]);
        let [(date, w)] = done.runs.as_slice() else {
            panic!("{done:?}")
        };
        assert_eq!(date.to_string(), "2026-10-29");
        // An id is a whole word (`bob` stays) or a whole value (`c d`, which is no word).
        assert_eq!((w.people, w.rows, w.report_replaced), (2, 3, true));
        assert_eq!(column(&raw, SCORES_FILE, "user_id"), ["ana", "bob"]);
        assert_eq!(column(&raw, REJECTS_FILE, "raw_value"), ["bob,y,2", "z"]);
        assert_eq!(column(&failed, REJECTS_FILE, "raw_value"), ["ana,y"]);
        let report = std::fs::read_to_string(raw.join(REPORT_FILE)).unwrap();
        assert!(report.contains("Report of 2026-10-29 withdrawn") && !report.contains(">bo<"));
        let manifest = read_json(&raw.join(MANIFEST_FILE)).unwrap();
        assert_eq!(manifest["withdrawn"][0]["by_run_of"], "2026-10-31");
        // The run of another key is untouched; a second pass changes nothing.
        assert_eq!(column(&keyed, SCORES_FILE, "user_id").len(), 4);
        let again = withdraw_opted_out(&layout, current, &opted(&["bo", "c d"])).unwrap();
        assert!(again.runs.is_empty() && again.not_done.is_empty());
        let manifest = read_json(&raw.join(MANIFEST_FILE)).unwrap();
        assert_eq!(manifest["withdrawn"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn a_run_would_lose_so_many_people_that_it_is_left_as_it_is_and_said() {
        let root = tempfile::tempdir().unwrap();
        let layout = RunLayout::new(root.path());
        let people: Vec<String> = (0..40).map(|i| format!("p{i}")).collect();
        let names: Vec<&str> = people.iter().map(String::as_str).collect();
        let dir = old_run(&layout, "2026-10-29", r#"{"pseudonymised": false}"#, &names);
        let current = "2026-10-31".parse().unwrap();
        // 11 of 40 is over a fifth of its people.
        let done = withdraw_opted_out(&layout, current, &opted(&names[..11])).unwrap();
        assert!(done.runs.is_empty(), "{done:?}");
        let [(_, why)] = done.not_done.as_slice() else {
            panic!("{done:?}")
        };
        assert!(
            why.starts_with("11 of its 40 people have opted out since"),
            "{why}"
        );
        assert_eq!(column(&dir, FEATURES_FILE, "user_id").len(), 40);
        // Ten always may go, whatever the run's size.
        let done = withdraw_opted_out(&layout, current, &opted(&names[..8])).unwrap();
        assert_eq!(done.runs.len(), 1, "{done:?}");
    }
}
