//! Which rows of the weekly segment trend may be shown: groups with at least the minimum number
//! of people judged that week, and no more than leaves what is withheld that week too small to
//! be had by subtraction from the organisation's row.

use super::settings::PrivacySettings;
use crate::analysis::{DepartmentGroup, TrendRow};

/// The rows of `rows` that may be shown. Per week: the organisation's row where enough people
/// were judged; each department (or the pool) with enough; and where the people of the groups
/// withheld would number fewer than the minimum (the organisation's count less those shown
/// gives them), the smallest group shown is withheld too.
pub fn publishable_trend(rows: &[TrendRow], settings: &PrivacySettings) -> Vec<TrendRow> {
    // (week, group): one entry per group and week, with the people judged.
    let mut judged: Vec<(usize, Option<DepartmentGroup>, u64)> = Vec::new();
    for row in rows {
        if !judged
            .iter()
            .any(|(w, g, _)| *w == row.week && *g == row.group)
        {
            judged.push((row.week, row.group.clone(), row.judged));
        }
    }
    let mut withheld: Vec<(usize, Option<DepartmentGroup>)> = Vec::new();
    let mut weeks: Vec<usize> = judged.iter().map(|(w, _, _)| *w).collect();
    weeks.dedup();
    for week in weeks {
        let groups = judged.iter().filter(|(w, _, _)| *w == week);
        let mut organisation = 0;
        let mut shown: Vec<(&DepartmentGroup, u64)> = Vec::new();
        for (_, group, n) in groups {
            match group {
                None => organisation = *n,
                Some(g) if settings.shows_group_of(*n) => shown.push((g, *n)),
                Some(_) => {}
            }
            if !settings.shows_group_of(*n) {
                withheld.push((week, group.clone()));
            }
        }
        let rest = organisation.saturating_sub(shown.iter().map(|(_, n)| n).sum());
        if rest > 0 && !settings.shows_group_of(rest) {
            // The first of the smallest: rows come in the analysis's group order.
            if let Some((group, _)) = shown.iter().min_by_key(|(_, n)| *n) {
                withheld.push((week, Some((*group).clone())));
            }
        }
    }
    rows.iter()
        .filter(|r| !withheld.iter().any(|(w, g)| *w == r.week && *g == r.group))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::Segment;

    fn rows(week: usize, groups: &[(Option<&str>, u64)]) -> Vec<TrendRow> {
        groups
            .iter()
            .map(|(name, judged)| TrendRow {
                week,
                group: name.map(|n| match n {
                    "pool" => DepartmentGroup::Pooled(2),
                    n => DepartmentGroup::Department(n.to_string()),
                }),
                segment: Segment::Power,
                people: 1,
                share: 1.0 / *judged as f64,
                judged: *judged,
            })
            .collect()
    }

    fn shown(rows: &[TrendRow]) -> Vec<(usize, Option<String>)> {
        rows.iter()
            .map(|r| (r.week, r.group.as_ref().map(DepartmentGroup::label)))
            .collect()
    }

    #[test]
    fn what_is_withheld_in_a_week_cannot_be_had_by_subtraction() {
        let settings = PrivacySettings::default();
        let min = settings.min_group_size as u64;
        // Week 0: A and B shown, the pool of 2 withheld: the organisation less A and B gives
        // it, so B (the smaller) is withheld too. Week 1: the pool has enough people.
        let mut all = rows(
            0,
            &[
                (None, 2 * min + 3),
                (Some("A"), min + 1),
                (Some("B"), min),
                (Some("pool"), 2),
            ],
        );
        all.extend(rows(
            1,
            &[
                (None, 3 * min),
                (Some("A"), min),
                (Some("B"), min),
                (Some("pool"), min),
            ],
        ));
        let published = publishable_trend(&all, &settings);
        assert_eq!(
            shown(&published),
            [
                (0, None),
                (0, Some("A".to_string())),
                (1, None),
                (1, Some("A".to_string())),
                (1, Some("B".to_string())),
                (1, Some("2 departments pooled".to_string())),
            ]
        );
        // Nothing is withheld: nothing more is.
        let whole = rows(2, &[(None, 2 * min), (Some("A"), min), (Some("B"), min)]);
        assert_eq!(publishable_trend(&whole, &settings).len(), 3);
    }
}
