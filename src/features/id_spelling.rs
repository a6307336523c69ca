//! Ids of the record tables that match a person with usage only when letter case is ignored.
//! Ids are compared exactly, so such rows count for nobody with usage (a ticket tool writes
//! `Nils.Braun@x.org`, the telemetry `nils.braun@x.org`): help, training or departments are
//! then missing from the run without any row being rejected, and the run must say why.

use std::collections::{BTreeMap, BTreeSet};

use crate::contract::TableKind;
use crate::error::Result;
use crate::frames::text_column;
use crate::ingest::Ingested;

/// [`case_only_warnings`] for what ingest kept, before any feature is computed: `adept validate`
/// says what `adept run` would, over everyone with accepted events.
pub fn ingested_case_warnings(ingested: &Ingested) -> Result<Vec<String>> {
    let columns = [
        (TableKind::People, &["user_id"][..]),
        (TableKind::Help, &["helper_id", "helped_id"][..]),
        (TableKind::Training, &["user_id"][..]),
        (TableKind::Feedback, &["user_id"][..]),
    ];
    let mut ids: Vec<(&str, BTreeSet<String>)> = Vec::new();
    for (table, names) in columns {
        let Some(frame) = ingested.table(table) else {
            continue;
        };
        let mut seen = BTreeSet::new();
        for name in names.iter().filter(|n| frame.column(n).is_ok()) {
            seen.extend(text_column(frame, name)?.into_iter().flatten());
        }
        ids.push((table.name(), seen));
    }
    let tables: Vec<(&str, BTreeSet<&str>)> = ids
        .iter()
        .map(|(t, ids)| (*t, ids.iter().map(String::as_str).collect()))
        .collect();
    Ok(case_only_warnings(
        ingested.event_person_ids.iter().map(String::as_str),
        &tables,
    ))
}

/// One warning per table (in the order given) with ids that match a person with usage only
/// when letter case is ignored: how many, and whether the events write them in lower case. No
/// id is named: warnings reach the report, whose ids are pseudonyms.
pub fn case_only_warnings<'a>(
    with_usage: impl Iterator<Item = &'a str>,
    tables: &[(&str, BTreeSet<&str>)],
) -> Vec<String> {
    let mut exact = BTreeSet::new();
    let mut by_lower: BTreeMap<String, &str> = BTreeMap::new();
    for id in with_usage {
        exact.insert(id);
        by_lower.entry(id.to_lowercase()).or_insert(id);
    }
    tables
        .iter()
        .filter_map(|(table, ids)| {
            let matched: Vec<&str> = ids
                .iter()
                .filter(|id| !exact.contains(*id))
                .filter_map(|id| by_lower.get(&id.to_lowercase()).copied())
                .collect();
            if matched.is_empty() {
                return None;
            }
            let lower = if matched.iter().all(|id| *id == id.to_lowercase()) {
                ", which the events write in lower case"
            } else {
                ""
            };
            Some(format!(
                "{} id(s) in `{table}` match a person with usage only when letter case is \
                 ignored{lower}; ids are compared exactly, so those rows count for nobody with \
                 usage: write each id the same way in every table",
                matched.len()
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_spelt_in_another_case_are_counted_per_table_and_none_is_named() {
        let usage = ["ana@x.org", "nils.braun@x.org", "u3"];
        let help: BTreeSet<&str> = ["Nils.Braun@x.org", "ANA@x.org", "u3", "stranger"].into();
        let training: BTreeSet<&str> = ["ana@x.org", "u3"].into();
        let warnings =
            case_only_warnings(usage.into_iter(), &[("help", help), ("training", training)]);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].starts_with("2 id(s) in `help`")
                && warnings[0].contains("which the events write in lower case"),
            "{}",
            warnings[0]
        );
        // No id is named.
        assert!(!warnings[0].contains("@x.org"), "{}", warnings[0]);
    }
}
