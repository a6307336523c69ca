//! Nomination files for calibration: `user_id` (raw id or pseudonym) and an optional `label`
//! (1/0, true/false). A file of positives only is the common case: everyone else in the run is
//! taken as not (yet) a power user.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::error::{Error, Result};
use crate::ingest::parse_bool;
use crate::privacy::Pseudonymizer;

/// The fewest positives a calibration accepts.
pub const MIN_POSITIVES: usize = 10;

/// Labels by the ids the run published.
#[derive(Debug, Clone, PartialEq)]
pub struct Labels {
    /// Published id -> label; people of the run not listed are unlabelled.
    pub by_id: BTreeMap<String, bool>,
    /// Whether the file gave any negative label (otherwise: positives only).
    pub has_negatives: bool,
}

/// Refuses fewer than [`MIN_POSITIVES`] positives among the people a calibration can use;
/// `not_scored` positives were left out for too little activity.
pub fn enough_positives(path: &Path, positives: usize, not_scored: usize) -> Result<()> {
    if positives >= MIN_POSITIVES {
        return Ok(());
    }
    let left_out = match not_scored {
        0 => String::new(),
        n => format!(
            " among the people scored ({n} more had too little activity to be scored, so the \
             run holds nothing to learn from about them)"
        ),
    };
    Err(bad(
        path,
        format!(
            "{positives} positive(s){left_out}: at least {MIN_POSITIVES} are needed. With fewer, \
             a held-out fold holds one or two power users, and every figure would swing by whole \
             tenths on a single person"
        ),
    ))
}

fn bad(path: &Path, message: String) -> Error {
    Error::Input(format!("labels `{}`: {message}", path.display()))
}

/// Reads and checks a labels file against the ids of everyone in a run (`run_ids`, as published), mapping
/// raw ids with the run's pseudonymiser.
pub fn read_labels(path: &Path, run_ids: &BTreeSet<String>, ids: &Pseudonymizer) -> Result<Labels> {
    let mut reader = csv::Reader::from_path(path).map_err(|e| Error::unreadable(path, e))?;
    let headers = reader
        .headers()
        .map_err(|e| Error::unreadable(path, e))?
        .clone();
    let column = |name: &str| headers.iter().position(|h| h.trim() == name);
    let id_col = column("user_id").ok_or_else(|| {
        bad(
            path,
            format!(
                "no `user_id` column (columns found: {})",
                headers.iter().collect::<Vec<_>>().join(", ")
            ),
        )
    })?;
    let label_col = column("label");
    let mut by_id: BTreeMap<String, bool> = BTreeMap::new();
    let mut unknown: Vec<String> = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| Error::unreadable(path, e))?;
        let line = i + 2;
        let raw = record.get(id_col).unwrap_or("").trim();
        let label = match label_col.map(|c| record.get(c).unwrap_or("").trim()) {
            None => true,
            Some(text) => parse_bool(text).ok_or_else(|| {
                bad(
                    path,
                    format!("line {line}: `label` must be 1/0 or true/false, got `{text}`"),
                )
            })?,
        };
        let id = ids.published(raw, |id| run_ids.contains(id));
        if !run_ids.contains(&id) {
            unknown.push(raw.to_string());
            continue;
        }
        if by_id
            .insert(id, label)
            .is_some_and(|before| before != label)
        {
            return Err(bad(
                path,
                format!("line {line}: `{raw}` is labelled both ways"),
            ));
        }
    }
    if !unknown.is_empty() {
        let first: Vec<String> = unknown.iter().take(3).map(|u| format!("`{u}`")).collect();
        return Err(bad(
            path,
            format!(
                "{} id(s) are not among the people of the run, e.g. {}: are they from \
                 another organisation, or opted out?",
                unknown.len(),
                first.join(", ")
            ),
        ));
    }
    let positives = by_id.values().filter(|l| **l).count();
    if by_id.is_empty() {
        return Err(bad(path, "no labelled person".into()));
    }
    enough_positives(path, positives, 0)?;
    let has_negatives = by_id.values().any(|l| !l);
    Ok(Labels {
        by_id,
        has_negatives,
    })
}
