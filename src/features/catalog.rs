//! Matching used features to the catalog, and how much of the use the catalog covers. Real
//! exports often name features or apps differently from their catalog; a catalog that matches
//! nothing must say so, loudly, with the likely cause and the fix, instead of silently leaving
//! every feature unplaced.

use std::collections::{BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

/// (app, feature); "" for a missing app.
pub(super) type FeatureKey = (String, String);

/// What the catalog says of a feature: area, level, whether it has a shortcut.
pub(super) type CatalogEntry = (Option<String>, Option<String>, Option<bool>);

/// Below this share of used features known to the catalog, a run warns.
pub const LOW_COVERAGE: f64 = 0.5;

/// How much of the use in the window the catalog knows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogCoverage {
    pub features_used: usize,
    pub features_known: usize,
    /// Share of all uses that are of features the catalog knows.
    pub share_of_uses: f64,
    /// Of `features_known`, those whose names differ from the catalog's only in letter case,
    /// spaces, `_` or `-` (`Report Exported` and `report_exported`).
    #[serde(default)]
    pub known_by_loose_name: usize,
    /// When coverage is low: the likely cause and the fix.
    pub warning: Option<String>,
}

impl CatalogCoverage {
    /// "knows 6 of 8 features used (91% of uses)", and how many by loose names.
    pub fn summary(&self) -> String {
        let loose = match self.known_by_loose_name {
            0 => String::new(),
            n => format!("; {n} by names that differ only in letter case, spaces, `_`, `-` or `.`"),
        };
        format!(
            "knows {} of {} features used ({:.0}% of uses{loose})",
            self.features_known,
            self.features_used,
            100.0 * self.share_of_uses + 0.0
        )
    }

    pub fn share_of_features(&self) -> f64 {
        self.features_known as f64 / self.features_used.max(1) as f64
    }
}

/// A name as exports tend to vary it: letter case, and spaces, `_`, `-` and `.` between words
/// (`Report Exported`, `report_exported`, `report-exported` and `report.exported` are one name).
fn loose(name: &str) -> String {
    name.split(|c: char| c.is_whitespace() || matches!(c, '_' | '-' | '.'))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Catalog rows by one spelling of their names: each key with its entry, `None` where two rows
/// with different entries share it; and by feature alone, `None` where two rows share it.
#[derive(Default)]
struct Names {
    keys: HashMap<FeatureKey, Option<CatalogEntry>>,
    unique: HashMap<String, Option<CatalogEntry>>,
}

impl Names {
    fn of(entries: &HashMap<FeatureKey, CatalogEntry>, spell: fn(&str) -> String) -> Names {
        let mut names = Names::default();
        for ((app, feature), entry) in entries {
            let differs = |e: &mut Option<CatalogEntry>| {
                if e.as_ref() != Some(entry) {
                    *e = None;
                }
            };
            names
                .keys
                .entry((spell(app), spell(feature)))
                .and_modify(differs)
                .or_insert_with(|| Some(entry.clone()));
            names
                .unique
                .entry(spell(feature))
                .and_modify(|e| *e = None)
                .or_insert_with(|| Some(entry.clone()));
        }
        names
    }

    /// By (app, feature), by feature alone for rows without an app, and by feature alone for
    /// events without an app where only one catalog row has that feature.
    fn get(&self, app: String, feature: String) -> Option<&CatalogEntry> {
        let known = |key: &FeatureKey| self.keys.get(key).and_then(Option::as_ref);
        let no_app = app.is_empty();
        known(&(app, feature.clone()))
            .or_else(|| known(&(String::new(), feature.clone())))
            .or_else(|| {
                no_app
                    .then(|| self.unique.get(&feature).and_then(Option::as_ref))
                    .flatten()
            })
    }
}

/// The catalog, looked up by names as written, and failing that by loose names ([`loose`]).
pub(super) struct Catalog {
    entries: HashMap<FeatureKey, CatalogEntry>,
    exact: Names,
    loose: Names,
}

impl Catalog {
    pub fn new(entries: HashMap<FeatureKey, CatalogEntry>) -> Catalog {
        Catalog {
            exact: Names::of(&entries, str::to_string),
            loose: Names::of(&entries, loose),
            entries,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn get(&self, key: &FeatureKey) -> Option<&CatalogEntry> {
        self.exact_get(key)
            .or_else(|| self.loose.get(loose(&key.0), loose(&key.1)))
    }

    fn exact_get(&self, (app, feature): &FeatureKey) -> Option<&CatalogEntry> {
        self.exact.get(app.clone(), feature.clone())
    }

    /// Coverage of the used features (with their total uses); None without a catalog.
    pub fn coverage(&self, used: &[(FeatureKey, f64)]) -> Option<CatalogCoverage> {
        if self.is_empty() {
            return None;
        }
        let known: Vec<bool> = used.iter().map(|(k, _)| self.get(k).is_some()).collect();
        let total: f64 = used.iter().map(|(_, u)| u).sum();
        let covered: f64 = used
            .iter()
            .zip(&known)
            .filter(|(_, k)| **k)
            .map(|((_, u), _)| u)
            .sum();
        let mut coverage = CatalogCoverage {
            features_used: used.len(),
            features_known: known.iter().filter(|k| **k).count(),
            known_by_loose_name: used
                .iter()
                .zip(&known)
                .filter(|((k, _), known)| **known && self.exact_get(k).is_none())
                .count(),
            share_of_uses: if total > 0.0 {
                covered / total
            } else {
                f64::NAN
            },
            warning: None,
        };
        // With no use at all there is nothing the catalog could fail to know.
        if !used.is_empty() && coverage.share_of_features() < LOW_COVERAGE {
            coverage.warning = Some(self.likely_cause(used, &coverage));
        }
        Some(coverage)
    }

    /// Where most used features' names are not in the catalog: examples of each side, in a
    /// fixed order (the most used first), and what can be done.
    fn names_differ(
        &self,
        head: &str,
        used: &[(FeatureKey, f64)],
        named: &dyn Fn(&str) -> bool,
    ) -> String {
        let mut missing: Vec<&(FeatureKey, f64)> =
            used.iter().filter(|((_, f), _)| !named(f)).collect();
        missing.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        // A name used in two apps is one example.
        let mut seen = BTreeSet::new();
        let missing_names: Vec<&str> = missing
            .iter()
            .map(|((_, f), _)| f.as_str())
            .filter(|f| seen.insert(*f))
            .collect();
        let used_names: BTreeSet<String> = used.iter().map(|((_, f), _)| loose(f)).collect();
        let unused: BTreeSet<&str> = self
            .entries
            .keys()
            .map(|(_, f)| f.as_str())
            .filter(|f| !used_names.contains(&loose(f)))
            .collect();
        let quoted = |names: &mut dyn Iterator<Item = &str>| -> String {
            names
                .take(3)
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let others = if unused.is_empty() {
            String::new()
        } else {
            format!(
                "; {} of the catalog's names no event uses (e.g. {})",
                unused.len(),
                quoted(&mut unused.iter().copied())
            )
        };
        format!(
            "{head}: {} of the {} features used have a name the catalog does not have (e.g. {}){others}. \
             Names that differ only in case, spaces, `_`, `-` or `.` are matched already. If the \
             catalog has a column with the names the events use, map it as `feature` under \
             [tables.catalog] columns; otherwise add those names to the catalog",
            missing.len(),
            used.len(),
            quoted(&mut missing_names.into_iter()),
        )
    }

    fn likely_cause(&self, used: &[(FeatureKey, f64)], c: &CatalogCoverage) -> String {
        let head = format!("the catalog {}", c.summary());
        let apps = |keys: &mut dyn Iterator<Item = &FeatureKey>| -> BTreeSet<String> {
            keys.map(|(a, _)| a.clone())
                .filter(|a| !a.is_empty())
                .collect()
        };
        let event_apps = apps(&mut used.iter().map(|(k, _)| k));
        let catalog_apps = apps(&mut self.entries.keys());
        let named = |f: &str| self.loose.unique.contains_key(&loose(f));
        let first = |set: &BTreeSet<String>| set.iter().next().cloned().unwrap_or_default();
        if (used.iter().filter(|((_, f), _)| named(f)).count() as f64)
            < LOW_COVERAGE * used.len() as f64
        {
            return self.names_differ(&head, used, &named);
        }
        if event_apps.is_empty() {
            return format!(
                "{head}: the events have no `app`, and their feature names are in several of the \
                 catalog's apps; map the events' app column under [tables.events] columns"
            );
        }
        format!(
            "{head}: the events' `app` values (e.g. `{}`) are not the catalog's (e.g. `{}`); make them \
             agree, or drop `app` from the catalog",
            first(&event_apps),
            first(&catalog_apps)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(app: &str, feature: &str) -> FeatureKey {
        (app.to_string(), feature.to_string())
    }

    fn catalog(keys: &[FeatureKey]) -> Catalog {
        let entry = (Some("area".to_string()), None, None);
        Catalog::new(keys.iter().map(|k| (k.clone(), entry.clone())).collect())
    }

    #[test]
    fn events_without_an_app_match_a_catalog_with_apps_by_unambiguous_feature_name() {
        let c = catalog(&[
            key("ide", "Build"),
            key("ide", "Debug"),
            key("web", "Debug"),
        ]);
        assert!(c.get(&key("", "Build")).is_some());
        // `Debug` is in two apps: ambiguous without an app.
        assert!(c.get(&key("", "Debug")).is_none());
        assert!(c.get(&key("web", "Debug")).is_some());
    }

    #[test]
    fn low_coverage_names_the_likely_cause() {
        // The same features under another app name.
        let c = catalog(&[key("excel", "a"), key("excel", "b")]);
        let renamed = [(key("Excel 365", "a"), 10.0), (key("Excel 365", "b"), 30.0)];
        let coverage = c.coverage(&renamed).unwrap();
        assert_eq!((coverage.features_known, coverage.features_used), (0, 2));
        let warning = coverage.warning.unwrap();
        assert!(
            warning.contains("`Excel 365`") && warning.contains("`excel`"),
            "{warning}"
        );
        // Other names altogether.
        let used = [
            (key("", "a"), 10.0),
            (key("", "x"), 30.0),
            (key("", "y"), 5.0),
        ];
        let other = catalog(&[key("", "p"), key("", "q")]);
        let warning = other.coverage(&used).unwrap().warning.unwrap();
        assert!(
            warning.contains(
                "3 of the 3 features used have a name the catalog does not have \
                              (e.g. `x`, `a`, `y`); 2 of the catalog's names no event uses \
                              (e.g. `p`, `q`)"
            ),
            "{warning}"
        );
        // A name used in two apps is given once.
        let two_apps = [
            (key("a1", "x"), 30.0),
            (key("a2", "x"), 20.0),
            (key("", "y"), 5.0),
        ];
        let warning = other.coverage(&two_apps).unwrap().warning.unwrap();
        assert!(
            warning.contains(
                "3 of the 3 features used have a name the catalog does not have \
                              (e.g. `x`, `y`)"
            ),
            "{warning}"
        );
        // Two of three known: no warning.
        let fine = catalog(&[key("", "a"), key("", "x")])
            .coverage(&used)
            .unwrap();
        assert!(fine.warning.is_none());
        assert!((fine.share_of_uses - 40.0 / 45.0).abs() < 1e-12);
        // Names that differ only in case, spaces, `_` or `-` are the same feature, and said so.
        let spelt = catalog(&[
            key("Insights", "report_exported"),
            key("", "Filter-Applied"),
            key("", "Audit Log"),
        ]);
        let used = [
            (key("insights", "Report Exported"), 10.0),
            (key("Insights", "filter applied"), 5.0),
            (key("", "audit.log"), 5.0),
        ];
        let c = spelt.coverage(&used).unwrap();
        assert_eq!((c.features_known, c.known_by_loose_name), (3, 3));
        assert!(c.warning.is_none() && c.summary().contains("3 by names"));
        // The warning's examples do not depend on the order the catalog was read in: a used
        // feature it does not name, and the first of its names no event uses.
        let names = ["m", "b", "k", "a", "z"];
        let keys: Vec<FeatureKey> = names.iter().map(|n| key("", n)).collect();
        let mut reversed = keys.clone();
        reversed.reverse();
        let used = [
            (key("", "a"), 1.0),
            (key("", "q"), 1.0),
            (key("", "r"), 1.0),
        ];
        let warnings: BTreeSet<String> = (0..8)
            .flat_map(|_| [catalog(&keys), catalog(&reversed)])
            .map(|c| c.coverage(&used).unwrap().warning.unwrap())
            .collect();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        let warning = warnings.first().unwrap();
        assert!(
            warning.contains(
                "(e.g. `q`, `r`); 4 of the catalog's names no event uses (e.g. `b`, `k`, `m`)"
            ),
            "{warning}"
        );
        // No use at all (an events file with a header only): nothing to warn about.
        let nothing = catalog(&[key("", "a")]).coverage(&[]).unwrap();
        assert!(nothing.warning.is_none());
    }
}
