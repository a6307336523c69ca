//! Column mapping: which column of an export holds each canonical column of a table, and how
//! it spells the words of a column with a vocabulary.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use crate::config::TableSettings;
use crate::contract::TableKind;
use crate::error::{Error, Result};

use super::spelling::Spellings;
use super::text::list_found;

/// The source column name for every canonical column of one table.
#[derive(Debug, Clone)]
pub struct ColumnMapping {
    table: TableKind,
    /// (canonical, source name, explicitly configured)
    entries: Vec<(&'static str, String, bool)>,
    /// canonical column -> (the export's spelling -> the vocabulary's word), as configured.
    values: Arc<BTreeMap<String, BTreeMap<String, String>>>,
}

impl ColumnMapping {
    pub fn new(table: TableKind, settings: &TableSettings) -> ColumnMapping {
        let entries = table
            .columns()
            .iter()
            .map(|spec| match settings.columns.get(spec.name) {
                Some(source) => (spec.name, source.clone(), true),
                None => (spec.name, spec.name.to_string(), false),
            })
            .collect();
        ColumnMapping {
            table,
            entries,
            values: Arc::new(settings.values.clone()),
        }
    }

    /// How the export spells the words of `canonical` (a column with a vocabulary).
    pub fn spellings(&self, canonical: &str) -> Result<Arc<Spellings>> {
        match self.values.get(canonical) {
            Some(spelt) => Spellings::configured(self.table, canonical, spelt),
            None => Ok(Arc::default()),
        }
    }

    pub fn table(&self) -> TableKind {
        self.table
    }

    /// (canonical, source name) pairs in canonical order.
    pub fn pairs(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.entries.iter().map(|(c, s, _)| (*c, s.as_str()))
    }

    /// A column the source must have: required by the contract, or named in the config.
    pub fn must_exist(&self, canonical: &str) -> bool {
        self.entries
            .iter()
            .any(|(c, _, explicit)| *c == canonical && *explicit)
            || self.table.column(canonical).is_some_and(|s| s.required)
    }

    /// Finds each canonical column among `found` (exact name first, then ignoring case and
    /// surrounding space). Returns (canonical, index in `found`) for the columns present.
    pub fn resolve(&self, path: &Path, found: &[String]) -> Result<Vec<(&'static str, usize)>> {
        let mut resolved = Vec::new();
        for (canonical, source) in self.pairs() {
            let index = found.iter().position(|f| f == source).or_else(|| {
                found
                    .iter()
                    .position(|f| f.trim().eq_ignore_ascii_case(source.trim()))
            });
            match index {
                Some(i) => resolved.push((canonical, i)),
                None if self.must_exist(canonical) => {
                    return Err(Error::MissingColumn {
                        path: path.to_path_buf(),
                        table: self.table.name().to_string(),
                        column: source.to_string(),
                        canonical: canonical.to_string(),
                        found: list_found(found),
                    });
                }
                None => {}
            }
        }
        Ok(resolved)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapped_and_case_insensitive_columns_resolve_and_missing_ones_are_named() {
        let mut settings = TableSettings::default();
        settings.columns.insert("user_id".into(), "userId".into());
        settings.columns.insert("feature".into(), "event".into());
        let mapping = ColumnMapping::new(TableKind::Events, &settings);
        let found: Vec<String> = ["event", "userId", "Timestamp ", "extra"]
            .map(String::from)
            .to_vec();
        let resolved = mapping.resolve(Path::new("e.csv"), &found).unwrap();
        assert_eq!(
            resolved,
            vec![("user_id", 1), ("timestamp", 2), ("feature", 0)]
        );

        let err = mapping
            .resolve(
                Path::new("e.csv"),
                &["userId".to_string(), "timestamp".to_string()],
            )
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("`event`") && err.contains("`userId`, `timestamp`"),
            "{err}"
        );
        // The config named `event` for `feature`: the advice is to correct that name.
        assert!(
            err.contains("The config maps `feature` to `event`"),
            "{err}"
        );
    }
}
