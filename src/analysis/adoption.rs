//! How far the organisation has adopted the software: headline figures over the people scored,
//! and the same per department, with departments too small to show alone pooled together.
//!
//! Not for: withholding what is too small to publish (see `privacy`); this only groups.

use std::collections::BTreeMap;

use crate::features::{Feature, FeatureTable, UserFeatures, UserStatus};
use crate::score::{ScoreTable, Tier};
use crate::small_groups::{pooled_groups, scored_per_group};

/// Adoption figures over one group of scored people.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdoptionFigures {
    /// People scored in the group.
    pub people: u64,
    pub candidates: u64,
    /// Distinct features known by the median person (NaN when nobody has a value).
    pub median_features: f64,
    /// Median share of shortcut-capable commands triggered by shortcut (NaN without evidence).
    pub median_shortcut_share: f64,
    /// Share of people who helped a colleague at least once (NaN without help records).
    pub share_helping: f64,
}

/// The organisation's headline figures, shown in the report's summary and tracked across runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Headline {
    pub figures: AdoptionFigures,
    /// People known to the run but with too little activity to score.
    pub insufficient_data: u64,
    /// Departments with at least one candidate.
    pub departments_with_candidates: u64,
}

/// Which people a department row covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DepartmentGroup {
    /// One department; people without one form `(no department)`.
    Department(String),
    /// This many departments pooled: each smaller than the minimum group size, and, where
    /// those together are still smaller, the smallest other (`pooled_groups`).
    Pooled(usize),
}

impl DepartmentGroup {
    /// The name a reader sees.
    pub fn label(&self) -> String {
        match self {
            DepartmentGroup::Department(name) => name.clone(),
            DepartmentGroup::Pooled(n) => format!("{n} departments pooled"),
        }
    }
}

/// Adoption in one department, or in the pool of small ones.
#[derive(Debug, Clone, PartialEq)]
pub struct DepartmentAdoption {
    pub group: DepartmentGroup,
    pub figures: AdoptionFigures,
}

/// Name of the group of people with no department.
pub const NO_DEPARTMENT: &str = "(no department)";

/// The median as polars computes it (linear interpolation between the middle values), over
/// the values that are not NaN; NaN when there are none.
pub fn median(values: impl Iterator<Item = f64>) -> f64 {
    let mut v: Vec<f64> = values.filter(|x| !x.is_nan()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        return v[n / 2];
    }
    let (lower, upper) = (v[n / 2 - 1], v[n / 2]);
    if lower == upper {
        lower
    } else {
        0.5 * (upper - lower) + lower
    }
}

/// One scored person as adoption sees them.
#[derive(Debug, Clone, Copy)]
pub struct AdoptionRow {
    pub distinct_features: f64,
    pub shortcut_share: f64,
    pub helps_given: f64,
    pub candidate: bool,
}

impl AdoptionRow {
    pub fn of(user: &UserFeatures, tier: Tier) -> AdoptionRow {
        AdoptionRow {
            distinct_features: user.get(Feature::DistinctFeatures),
            shortcut_share: user.get(Feature::ShortcutShare),
            helps_given: user.get(Feature::HelpsGiven),
            candidate: tier == Tier::Candidate,
        }
    }
}

/// Adoption figures over a group of scored people.
pub fn figures(rows: &[AdoptionRow]) -> AdoptionFigures {
    let helping: Vec<f64> = rows
        .iter()
        .filter(|r| !r.helps_given.is_nan())
        .map(|r| if r.helps_given > 0.0 { 1.0 } else { 0.0 })
        .collect();
    AdoptionFigures {
        people: rows.len() as u64,
        candidates: rows.iter().filter(|r| r.candidate).count() as u64,
        median_features: median(rows.iter().map(|r| r.distinct_features)),
        median_shortcut_share: median(rows.iter().map(|r| r.shortcut_share)),
        share_helping: if helping.is_empty() {
            f64::NAN
        } else {
            helping.iter().sum::<f64>() / helping.len() as f64
        },
    }
}

/// Scored people with their department, in table order.
fn scored_rows<'a>(
    features: &'a FeatureTable,
    scores: &'a ScoreTable,
) -> impl Iterator<Item = (&'a str, AdoptionRow)> {
    features
        .users
        .iter()
        .zip(&scores.users)
        .filter(|(f, _)| f.status == UserStatus::Scored)
        .map(|(f, s)| {
            let department = f.department.as_deref().unwrap_or(NO_DEPARTMENT);
            (department, AdoptionRow::of(f, s.tier))
        })
}

/// The organisation's headline figures.
pub fn headline(features: &FeatureTable, scores: &ScoreTable) -> Headline {
    let rows: Vec<AdoptionRow> = scored_rows(features, scores).map(|(_, r)| r).collect();
    let mut with_candidates: Vec<&str> = features
        .users
        .iter()
        .zip(&scores.users)
        .filter(|(_, s)| s.tier == Tier::Candidate)
        .filter_map(|(f, _)| f.department.as_deref())
        .collect();
    with_candidates.sort_unstable();
    with_candidates.dedup();
    Headline {
        figures: figures(&rows),
        insufficient_data: (features.users.len() - rows.len()) as u64,
        departments_with_candidates: with_candidates.len() as u64,
    }
}

/// Adoption per department, sorted by name; the departments `pooled_groups` pools form one row
/// after the others.
pub fn by_department(
    features: &FeatureTable,
    scores: &ScoreTable,
    min_group_size: usize,
) -> Vec<DepartmentAdoption> {
    let mut departments: BTreeMap<&str, Vec<AdoptionRow>> = BTreeMap::new();
    for (department, row) in scored_rows(features, scores) {
        departments.entry(department).or_default().push(row);
    }
    let sizes = scored_per_group(&features.users, |u| {
        Some(u.department.as_deref().unwrap_or(NO_DEPARTMENT))
    });
    let pool = pooled_groups(&sizes, min_group_size);
    let mut pooled: Vec<AdoptionRow> = Vec::new();
    for department in &pool {
        pooled.extend(departments.remove(department).unwrap_or_default());
    }
    let pooled_count = pool.len();
    let mut shown: Vec<DepartmentAdoption> = departments
        .into_iter()
        .map(|(name, rows)| DepartmentAdoption {
            group: DepartmentGroup::Department(name.to_string()),
            figures: figures(&rows),
        })
        .collect();
    if pooled_count > 0 {
        shown.push(DepartmentAdoption {
            group: DepartmentGroup::Pooled(pooled_count),
            figures: figures(&pooled),
        });
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(features: f64, share: f64, helps: f64, candidate: bool) -> AdoptionRow {
        AdoptionRow {
            distinct_features: features,
            shortcut_share: share,
            helps_given: helps,
            candidate,
        }
    }

    #[test]
    fn the_median_interpolates_between_the_middle_values_and_skips_missing_ones() {
        assert_eq!(median([3.0, 1.0, 2.0].into_iter()), 2.0);
        assert_eq!(median([4.0, 1.0, 2.0, 3.0].into_iter()), 2.5);
        assert_eq!(median([f64::NAN, 5.0, 1.0].into_iter()), 3.0);
        assert!(median([f64::NAN].into_iter()).is_nan());
    }

    #[test]
    fn figures_count_helpers_only_among_people_with_help_evidence() {
        let f = figures(&[
            row(10.0, 0.5, 2.0, true),
            row(4.0, f64::NAN, 0.0, false),
            row(6.0, 0.1, f64::NAN, false),
        ]);
        assert_eq!((f.people, f.candidates), (3, 1));
        assert_eq!(f.median_features, 6.0);
        assert_eq!(f.median_shortcut_share, 0.30000000000000004);
        assert_eq!(f.share_helping, 0.5);
        let none = figures(&[row(1.0, f64::NAN, f64::NAN, false)]);
        assert!(none.share_helping.is_nan() && none.median_shortcut_share.is_nan());
    }
}
