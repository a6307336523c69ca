//! The rejects ledger as it may be published: person ids in raw values become pseudonyms, and so
//! does every known id inside a malformed line.

use std::collections::HashSet;

use polars::prelude::*;

use super::pseudonym::Pseudonymizer;
use crate::error::Result;

/// Columns of the ledger that hold a person's id as their raw value.
const PERSON_COLUMNS: [&str; 4] = ["user_id", "helper_id", "helped_id", "manager_id"];

/// The ledger with ids replaced (unchanged with raw ids).
pub fn publish_ledger(
    rejects: &DataFrame,
    p: &Pseudonymizer,
    known_ids: &HashSet<String>,
) -> Result<DataFrame> {
    let mut ledger = rejects.clone();
    if !p.is_active() || ledger.height() == 0 {
        return Ok(ledger);
    }
    let columns = ledger.column("column")?.str()?.clone();
    let raws = ledger.column("raw_value")?.str()?.clone();
    let cleaned: StringChunked = columns
        .iter()
        .zip(raws.iter())
        .map(|(column, raw)| {
            raw.map(|raw| match column {
                Some(c) if PERSON_COLUMNS.contains(&c) => p.id(raw.trim()),
                _ => p.text(raw, |t| known_ids.contains(t)),
            })
        })
        .collect();
    ledger.replace(
        "raw_value",
        cleaned.with_name("raw_value".into()).into_column(),
    )?;
    Ok(ledger)
}
