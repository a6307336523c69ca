//! One function per signal (depth, shortcuts, consistency, help, training, feedback): each sets
//! that signal's features, and the context-only features beside them, for one user.

use std::collections::{BTreeMap, BTreeSet};

use super::definitions::Feature;
use super::org::{FeatureInfo, Org, Use};
use super::records::{HelpGiven, Person};

/// How long a user was observed in the window, and on how many days they were active.
#[derive(Debug, Clone, Copy)]
pub(super) struct Observed {
    pub active_days: f64,
    pub observed_days: f64,
}

impl Observed {
    /// Scales a count over the days observed to a rate per four weeks.
    pub fn per_four_weeks(&self) -> f64 {
        28.0 / self.observed_days
    }
}

/// The features a user knows (used at least `min_uses` times), by id, and whether each was
/// first used in the window's second half (every use of it falls there).
pub(super) fn known(org: &Org, uses: &[Use]) -> Vec<(u32, bool)> {
    let mut per_feature: BTreeMap<usize, (f64, f64)> = BTreeMap::new();
    for u in uses {
        let entry = per_feature.entry(u.feature).or_default();
        entry.0 += u.uses;
        entry.1 += u.late_uses;
    }
    per_feature
        .into_iter()
        .filter(|(_, (n, _))| *n >= org.params.min_uses as f64)
        .map(|(f, (n, late))| (f as u32, late >= n))
        .collect()
}

/// Depth: the features known (used at least `min_uses` times), how rare and advanced they are,
/// the share of areas they span and how evenly use spreads; also total uses. Returns the
/// features known per area, by area id.
pub(super) fn depth(org: &Org, uses: &[Use], values: &mut [f64]) -> Vec<(u32, u32)> {
    let infos = &org.infos;
    let mut per_feature: BTreeMap<usize, f64> = BTreeMap::new();
    for u in uses {
        *per_feature.entry(u.feature).or_default() += u.uses;
    }
    let known: Vec<usize> = per_feature
        .iter()
        .filter(|(_, n)| **n >= org.params.min_uses as f64)
        .map(|(f, _)| *f)
        .collect();
    let distinct = known.len() as f64;
    let advanced = known.iter().filter(|f| infos[**f].advanced).count() as f64;
    let areas: BTreeSet<usize> = known.iter().map(|f| infos[*f].area).collect();
    // Folded from +0.0: a float `sum` of nothing is -0.0, which the outputs would print.
    let total: f64 = per_feature.values().fold(0.0, |t, n| t + n);
    values[Feature::DistinctFeatures as usize] = distinct;
    values[Feature::RarityDepth as usize] = known.iter().fold(0.0, |t, f| t + infos[*f].idf);
    values[Feature::AdvancedFeatures as usize] = advanced;
    values[Feature::AdvancedShare as usize] = if distinct > 0.0 {
        advanced / distinct
    } else {
        0.0
    };
    values[Feature::AreaBreadth as usize] = areas.len() as f64 / org.n_areas();
    values[Feature::Evenness as usize] = evenness(&per_feature, total);
    values[Feature::TotalUses as usize] = total;
    known_per_area(infos, &known)
}

/// Normalised entropy of the uses per feature: 1 when spread evenly, 0 for one feature.
fn evenness(per_feature: &BTreeMap<usize, f64>, total: f64) -> f64 {
    if per_feature.len() > 1 && total > 0.0 {
        let h: f64 = per_feature
            .values()
            .filter(|n| **n > 0.0)
            .map(|n| {
                let p = n / total;
                -p * p.ln()
            })
            .sum();
        h / (per_feature.len() as f64).ln()
    } else {
        0.0
    }
}

/// (area id, features known in it), by area id.
fn known_per_area(infos: &[FeatureInfo], known: &[usize]) -> Vec<(u32, u32)> {
    let mut per_area: BTreeMap<u32, u32> = BTreeMap::new();
    for f in known {
        *per_area.entry(infos[*f].area as u32).or_default() += 1;
    }
    per_area.into_iter().collect()
}

/// Shortcuts: the share of uses of shortcut-capable features made by shortcut, its trend from
/// the first half of the window to the second, and the distinct features used by shortcut.
pub(super) fn shortcuts(org: &Org, uses: &[Use], values: &mut [f64]) {
    let mut shortcut_features: BTreeSet<usize> = BTreeSet::new();
    let (mut capable, mut by_shortcut) = (0.0, 0.0);
    let (mut capable_late, mut shortcut_late) = (0.0, 0.0);
    let mut triggers_known = false;
    for u in uses {
        let Some(is_shortcut) = u.shortcut else {
            continue;
        };
        triggers_known = true;
        if is_shortcut && u.uses > 0.0 {
            shortcut_features.insert(u.feature);
        }
        if org.infos[u.feature].shortcut_capable {
            capable += u.uses;
            capable_late += u.late_uses;
            if is_shortcut {
                by_shortcut += u.uses;
                shortcut_late += u.late_uses;
            }
        }
    }
    values[Feature::ShortcutShare as usize] = if capable > 0.0 {
        by_shortcut / capable
    } else {
        f64::NAN
    };
    // Without a use whose trigger is known, no evidence either way (as the share).
    values[Feature::DistinctShortcuts as usize] = if triggers_known {
        shortcut_features.len() as f64
    } else {
        f64::NAN
    };
    let capable_early = capable - capable_late;
    values[Feature::ShortcutTrend as usize] = if capable_late >= 10.0 && capable_early >= 10.0 {
        shortcut_late / capable_late - (by_shortcut - shortcut_late) / capable_early
    } else {
        f64::NAN
    };
}

/// Consistency: active days against the working days expected (since hire, times fte, recent
/// days weighted more), active weeks, and use per active day and per week.
pub(super) fn consistency(
    org: &Org,
    days: &[(i32, f64)],
    person: &Person,
    values: &mut [f64],
) -> Observed {
    let w = &org.window;
    // A day whose rows all have count 0 had no use: a usage report that lists every licensed
    // person every day says so with a 0.
    let days: Vec<(i32, f64)> = days.iter().copied().filter(|(_, n)| *n > 0.0).collect();
    // Observed days: the window from the export's first day of use, or from the hire date when
    // the person joined later; but never after their own first use (a hire date after it, or
    // after the as-of date, is wrong, and would make a few days look like every day).
    let start = org.usage_from.clamp(w.first_day, w.last_day);
    let own_first = days.first().map_or(w.last_day, |(d, _)| *d);
    let first_day = person.hire_day.map_or(start, |h| {
        h.clamp(start, w.last_day).min(own_first).max(start)
    });
    let observed_days = f64::from(w.last_day - first_day + 1);
    let fte = person.fte.filter(|f| *f > 0.0).unwrap_or(1.0);
    let active_days = days.len() as f64;
    // Folded from +0.0: a float `sum` of nothing is -0.0, which the outputs would print.
    let total: f64 = days.iter().fold(0.0, |t, (_, n)| t + n);
    let weeks: BTreeSet<i32> = days.iter().map(|(d, _)| (w.last_day - d) / 7).collect();
    let observed_weeks = (observed_days / 7.0).ceil().max(1.0);
    // Recent days weigh more (half-life `recency_half_life_days`): what someone does now
    // matters more than three months ago, and a new hire's ramp-up does not count against them.
    let weight =
        |day: i32| 0.5f64.powf(f64::from(w.last_day - day) / org.params.recency_half_life_days);
    let expected: f64 = (first_day..=w.last_day).map(weight).sum::<f64>() * 5.0 / 7.0 * fte;
    let active: f64 = days.iter().fold(0.0, |t, (d, _)| t + weight(*d));
    values[Feature::ActiveDays as usize] = active_days;
    values[Feature::ActiveDayRate as usize] = (active / expected.max(1e-9)).min(1.0);
    values[Feature::ActiveWeeksShare as usize] = (weeks.len() as f64 / observed_weeks).min(1.0);
    values[Feature::ActiveWeeksLast12 as usize] = weeks.iter().filter(|k| **k < 12).count() as f64;
    values[Feature::UsesPerActiveDay as usize] = if active_days > 0.0 {
        total / active_days
    } else {
        0.0
    };
    values[Feature::WeeklyUses as usize] = total / (observed_days / 7.0).max(1.0);
    Observed {
        active_days,
        observed_days,
    }
}

/// Help: helps given (and their rate per four weeks observed), people and departments helped,
/// helps received, and the expertise rank (`rank`).
pub(super) fn help(org: &Org, user: &str, rank: f64, observed: Observed, values: &mut [f64]) {
    let given = org.help.given.get(user);
    values[Feature::HelpsGiven as usize] = given.map_or(0.0, |h| h.given);
    values[Feature::PeopleHelped as usize] = given.map_or(0.0, |h| h.people.len() as f64);
    // Without anyone's department, how many departments someone helped is unknown, not 0.
    let departments = |h: &HelpGiven, n: f64| {
        if h.departments_known || h.people.is_empty() {
            n
        } else {
            f64::NAN
        }
    };
    values[Feature::DepartmentsHelped as usize] =
        given.map_or(0.0, |h| departments(h, h.departments.len() as f64));
    values[Feature::CrossDepartmentHelps as usize] =
        given.map_or(0.0, |h| departments(h, h.cross_department));
    values[Feature::HelpRate as usize] =
        values[Feature::HelpsGiven as usize] * observed.per_four_weeks();
    values[Feature::HelpsReceived as usize] = org.help.received.get(user).copied().unwrap_or(0.0);
    values[Feature::ExpertiseRank as usize] = rank;
}

/// Training: the level over every result and the improvement (NaN without training records),
/// the latest score, courses completed.
pub(super) fn training(org: &Org, user: &str, values: &mut [f64]) {
    if let Some(t) = org.training.get(user) {
        values[Feature::TrainingLevel as usize] = t.level.unwrap_or(f64::NAN);
        values[Feature::LatestScore as usize] = t.latest.unwrap_or(f64::NAN);
        values[Feature::Improvement as usize] = t.improvement.unwrap_or(f64::NAN);
        values[Feature::CoursesCompleted as usize] = t.courses.unwrap_or(0.0);
    } else {
        values[Feature::CoursesCompleted as usize] = 0.0;
    }
}

/// Feedback: items filed (and their rate per four weeks observed) and ideas.
pub(super) fn feedback(org: &Org, user: &str, observed: Observed, values: &mut [f64]) {
    let (items, ideas) = org.feedback.get(user).copied().unwrap_or((0.0, 0.0));
    values[Feature::FeedbackItems as usize] = items;
    values[Feature::Ideas as usize] = ideas;
    values[Feature::FeedbackRate as usize] = items * observed.per_four_weeks();
}
