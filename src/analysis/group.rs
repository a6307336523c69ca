//! The proposed power-user group: a first cohort of candidates balanced across departments, and
//! who could present each feature area to peers.

use std::collections::{BTreeMap, BTreeSet};

use super::candidates::Candidate;
use super::experts::AreaExpert;
use crate::features::FeatureTable;
use crate::score::Tier;

/// People in the proposed group: user groups work best at about a dozen.
pub const GROUP_SIZE: usize = 12;
/// Presenters proposed per feature area.
pub const PRESENTERS_PER_AREA: usize = 2;

/// A candidate proposed to present a feature area.
#[derive(Debug, Clone, PartialEq)]
pub struct Presenter {
    pub area: String,
    /// Row in the feature and score tables.
    pub person: usize,
    pub features_known: u32,
}

/// The group and its presenters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProposedGroup {
    /// Members by rank.
    pub members: Vec<Candidate>,
    /// By area name, then by how well the presenter knows the area.
    pub presenters: Vec<Presenter>,
}

/// Picks up to `size` candidates in rank order, at most `ceil(size / departments)` from one
/// department first (people without a department count as one), then fills the remaining places
/// by rank.
pub fn balanced_group(
    candidates: &[Candidate],
    department_of: impl Fn(usize) -> Option<String>,
    size: usize,
) -> Vec<Candidate> {
    let department: Vec<Option<String>> =
        candidates.iter().map(|c| department_of(c.person)).collect();
    let departments: BTreeSet<&Option<String>> = department.iter().collect();
    let per_department = size.div_ceil(departments.len().max(1));
    let mut taken: BTreeMap<&Option<String>, usize> = BTreeMap::new();
    let mut chosen = vec![false; candidates.len()];
    let mut members = 0;
    for (i, d) in department.iter().enumerate() {
        let n = taken.entry(d).or_default();
        if *n < per_department && members < size {
            *n += 1;
            chosen[i] = true;
            members += 1;
        }
    }
    for c in chosen.iter_mut().filter(|c| !**c) {
        if members >= size {
            break;
        }
        *c = true;
        members += 1;
    }
    let mut group: Vec<Candidate> = candidates
        .iter()
        .zip(&chosen)
        .filter(|(_, c)| **c)
        .map(|(c, _)| *c)
        .collect();
    group.sort_by_key(|c| c.rank);
    group
}

/// Per area, by name, the first `per_area` candidates among the area's experts.
pub fn presenters(
    experts: &[AreaExpert],
    features: &FeatureTable,
    per_area: usize,
) -> Vec<Presenter> {
    let mut by_area: BTreeMap<&str, Vec<&AreaExpert>> = BTreeMap::new();
    for e in experts.iter().filter(|e| e.tier == Tier::Candidate) {
        by_area
            .entry(features.areas[e.area].as_str())
            .or_default()
            .push(e);
    }
    let mut out = Vec::new();
    for (area, mut experts) in by_area {
        experts.sort_by_key(|e| e.place);
        out.extend(experts.into_iter().take(per_area).map(|e| Presenter {
            area: area.to_string(),
            person: e.person,
            features_known: e.features_known,
        }));
    }
    out
}
