//! Which groups of people (departments, roles, personas, peer groups) are too small to show
//! or to compare people within: one rule for every stage that groups people.

use std::collections::{BTreeMap, BTreeSet};

use crate::features::{UserFeatures, UserStatus};

/// People scored per group, for every group (`group` of a person; None: in none) of anyone
/// known to the run: a group whose people were all too little active to score counts 0, and so
/// is pooled (otherwise the rows that name no group would be its members).
pub fn scored_per_group<'a>(
    users: &'a [UserFeatures],
    group: impl Fn(&'a UserFeatures) -> Option<&'a str>,
) -> BTreeMap<&'a str, usize> {
    let mut sizes: BTreeMap<&str, usize> = BTreeMap::new();
    for u in users {
        if let Some(g) = group(u) {
            *sizes.entry(g).or_default() += usize::from(u.status == UserStatus::Scored);
        }
    }
    sizes
}

/// The groups (departments, roles, personas) of `sizes` (people scored per group) that go into
/// the pool of those too small to show: each with fewer than `min_group_size` people, and, when
/// the pool itself is smaller than that, the smallest other group (the first by key among
/// equals): the organisation's figures less the groups shown would otherwise give the figures,
/// and people's rows the members, of a group too small to show.
pub fn pooled_groups<K: Ord + Copy>(
    sizes: &BTreeMap<K, usize>,
    min_group_size: usize,
) -> BTreeSet<K> {
    let mut pooled: BTreeSet<K> = sizes
        .iter()
        .filter(|(_, n)| **n < min_group_size)
        .map(|(k, _)| *k)
        .collect();
    let people: usize = pooled.iter().map(|k| sizes[k]).sum();
    if !pooled.is_empty() && people < min_group_size {
        let smallest = sizes
            .iter()
            .filter(|(k, _)| !pooled.contains(*k))
            .min_by_key(|(k, n)| (**n, **k))
            .map(|(k, _)| *k);
        pooled.extend(smallest);
    }
    pooled
}
