//! Usage segments and lifecycle per person and week: how the whole organisation's use develops,
//! beside the ranking. The segment rule follows Microsoft Viva Insights' usage segments (Power,
//! Habitual, Novice, Low, Non-user over a trailing 12 weeks); lifecycle follows the product
//! analytics convention (new, returning, resurrecting, dormant). See docs/segments.md.
//!
//! Not for: withholding small departments (see `privacy`), or writing (see `outputs`).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::adoption::{DepartmentGroup, NO_DEPARTMENT};
use crate::error::{Error, Result};
use crate::features::{FeatureTable, UserFeatures};

/// The segment rule's thresholds (`[segments]` in the configuration).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SegmentParams {
    /// Weeks a person-week's segment looks back over, that week included.
    pub weeks: u32,
    /// Active weeks (any use) out of `weeks` that make a habit.
    pub habit_weeks: u32,
    /// Power: at least this many actions a week on average (times fte), and a habit.
    pub power_actions: f64,
    /// Novice: at least this many actions a week on average (times fte).
    pub novice_actions: f64,
    /// Weeks shown in the trend and written to `segments.parquet`, ending with the as-of date.
    pub trend_weeks: u32,
    /// A person-week is judged only on at least this many weeks of evidence (weeks since the
    /// export began and since the person was hired); fewer would judge a habit on a fortnight.
    pub min_weeks: u32,
}

impl Default for SegmentParams {
    fn default() -> Self {
        SegmentParams {
            weeks: 12,
            habit_weeks: 9,
            power_actions: 15.0,
            novice_actions: 1.0,
            trend_weeks: 12,
            min_weeks: 4,
        }
    }
}

impl SegmentParams {
    pub fn check(&self) -> Result<()> {
        let fail = |what: String| Err(Error::Config(format!("segments.{what}")));
        if !(1..=104).contains(&self.weeks) {
            return fail(format!("weeks must be 1 to 104, got `{}`", self.weeks));
        }
        if !(1..=self.weeks).contains(&self.habit_weeks) {
            return fail(format!(
                "habit_weeks must be 1 to weeks ({}), got `{}`",
                self.weeks, self.habit_weeks
            ));
        }
        if !(1..=self.weeks).contains(&self.min_weeks) {
            return fail(format!(
                "min_weeks must be 1 to weeks ({}), got `{}`",
                self.weeks, self.min_weeks
            ));
        }
        if !(1..=260).contains(&self.trend_weeks) {
            return fail(format!(
                "trend_weeks must be 1 to 260, got `{}`",
                self.trend_weeks
            ));
        }
        let ok = |x: f64| x.is_finite() && x >= 0.0;
        if !ok(self.power_actions) || !ok(self.novice_actions) {
            return fail(format!(
                "power_actions and novice_actions must be numbers >= 0, got `{}` and `{}`",
                self.power_actions, self.novice_actions
            ));
        }
        Ok(())
    }

    /// Weeks of use the features must keep per person: the trend's weeks and the look-back of
    /// the first of them.
    pub fn history_weeks(&self) -> u32 {
        self.trend_weeks + self.weeks - 1
    }
}

/// A person's usage segment in one week, from most to least engaged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Segment {
    NonUser,
    Low,
    Novice,
    Habitual,
    Power,
}

impl Segment {
    /// Most engaged first, as shown.
    pub const ALL: [Segment; 5] = [
        Segment::Power,
        Segment::Habitual,
        Segment::Novice,
        Segment::Low,
        Segment::NonUser,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Segment::Power => "power",
            Segment::Habitual => "habitual",
            Segment::Novice => "novice",
            Segment::Low => "low",
            Segment::NonUser => "non-user",
        }
    }

    pub fn from_name(name: &str) -> Option<Segment> {
        Segment::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// Where a person is in their use from one week to the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifecycle {
    /// Active for the first time in the weeks observed.
    New,
    /// Active this week and the week before.
    Returning,
    /// Active this week, not the week before, but some earlier week.
    Resurrecting,
    /// Not active this week, active the week before.
    Dormant,
}

impl Lifecycle {
    pub const ALL: [Lifecycle; 4] = [
        Lifecycle::New,
        Lifecycle::Returning,
        Lifecycle::Resurrecting,
        Lifecycle::Dormant,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Lifecycle::New => "new",
            Lifecycle::Returning => "returning",
            Lifecycle::Resurrecting => "resurrecting",
            Lifecycle::Dormant => "dormant",
        }
    }
}

/// One person in one week.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PersonWeek {
    pub uses: f64,
    /// Weeks of evidence the segment was judged on (0: not judged).
    pub weeks_judged: u32,
    /// None: too little evidence to judge (a recent hire, or an export that began recently).
    pub segment: Option<Segment>,
    /// None: inactive both weeks, or no week before to compare with.
    pub lifecycle: Option<Lifecycle>,
}

/// The first week a person can be judged on: the export's first week, or their hire week.
fn first_week(user: &UserFeatures, first_with_data: usize) -> usize {
    user.hire_week
        .map_or(first_with_data, |h| h.max(first_with_data))
}

/// The segment of week `t` for weekly `uses` (oldest first), judged on the weeks from `first`.
pub fn segment_at(
    uses: &[f64],
    t: usize,
    first: usize,
    fte: f64,
    p: &SegmentParams,
) -> (Option<Segment>, u32) {
    let look_back = p.weeks as usize;
    let start = first.max((t + 1).saturating_sub(look_back));
    if t < start || t + 1 - start < p.min_weeks as usize {
        return (None, 0);
    }
    let judged = t + 1 - start;
    let weeks = &uses[start..=t];
    let total: f64 = weeks.iter().sum();
    let active = weeks.iter().filter(|n| **n > 0.0).count();
    // Fewer weeks than the look-back: the habit count in proportion, rounded up.
    let habit = (p.habit_weeks as usize * judged).div_ceil(look_back);
    let per_week = total / judged as f64;
    let fte = if fte > 0.0 { fte.min(1.0) } else { 1.0 };
    let segment = if per_week >= p.power_actions * fte && active >= habit {
        Segment::Power
    } else if active >= habit {
        Segment::Habitual
    } else if per_week >= p.novice_actions * fte {
        Segment::Novice
    } else if total > 0.0 {
        Segment::Low
    } else {
        Segment::NonUser
    };
    (Some(segment), judged as u32)
}

/// The lifecycle state of week `t`, comparing with the weeks from `first` (`hired`: `first` is
/// the hire week, so nothing came before it).
pub fn lifecycle_at(uses: &[f64], t: usize, first: usize, hired: bool) -> Option<Lifecycle> {
    if t < first || (t == first && !hired) {
        return None;
    }
    let active = uses[t] > 0.0;
    let before = t > first && uses[t - 1] > 0.0;
    let earlier = uses[first..t].iter().any(|n| *n > 0.0);
    match (active, before, earlier) {
        (true, _, false) => Some(Lifecycle::New),
        (true, true, _) => Some(Lifecycle::Returning),
        (true, false, true) => Some(Lifecycle::Resurrecting),
        (false, true, _) => Some(Lifecycle::Dormant),
        (false, false, _) => None,
    }
}

/// Segments and lifecycle of everyone, in the trend's weeks.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Segments {
    /// First day of each trend week, oldest first.
    pub weeks: Vec<chrono::NaiveDate>,
    /// By person (feature-table order), then by trend week.
    pub people: Vec<Vec<PersonWeek>>,
}

impl Segments {
    /// A person's segment in the last week.
    pub fn current(&self, person: usize) -> Option<Segment> {
        self.people[person].last().and_then(|w| w.segment)
    }
}

/// Everyone's segments and lifecycle in the last `trend_weeks` weeks.
pub fn segments(features: &FeatureTable, p: &SegmentParams) -> Segments {
    let all = features.weeks.starts.len();
    let from = all.saturating_sub(p.trend_weeks as usize);
    let first_with_data = features.weeks.first_with_data;
    let people = features
        .users
        .iter()
        .map(|u| {
            let first = first_week(u, first_with_data);
            let hired = u.hire_week.is_some_and(|h| h >= first_with_data);
            (from..all)
                .map(|t| {
                    let (segment, weeks_judged) = segment_at(&u.weekly_uses, t, first, u.fte, p);
                    PersonWeek {
                        uses: u.weekly_uses[t],
                        weeks_judged,
                        segment,
                        lifecycle: lifecycle_at(&u.weekly_uses, t, first, hired),
                    }
                })
                .collect()
        })
        .collect();
    Segments {
        weeks: features.weeks.starts[from..].to_vec(),
        people,
    }
}

/// People in one segment in one week, overall or in one department group.
#[derive(Debug, Clone, PartialEq)]
pub struct TrendRow {
    /// Index into `Segments::weeks`.
    pub week: usize,
    /// None: the whole organisation.
    pub group: Option<DepartmentGroup>,
    pub segment: Segment,
    pub people: u64,
    /// Of the people judged in this group and week.
    pub share: f64,
    /// People judged in this group and week.
    pub judged: u64,
}

/// Segment counts and shares per week, overall and per department. Departments are those shown
/// in the adoption figures (`shown`); people of any other department are pooled, as there.
pub fn trend(features: &FeatureTable, segments: &Segments, shown: &[String]) -> Vec<TrendRow> {
    let mut pooled: BTreeSet<&str> = BTreeSet::new();
    let group_of: Vec<DepartmentGroup> = features
        .users
        .iter()
        .map(|u| {
            let name = u.department.as_deref().unwrap_or(NO_DEPARTMENT);
            if shown.iter().any(|s| s == name) {
                DepartmentGroup::Department(name.to_string())
            } else {
                pooled.insert(name);
                DepartmentGroup::Pooled(0)
            }
        })
        .collect();
    let pool = DepartmentGroup::Pooled(pooled.len());
    let mut groups: Vec<Option<DepartmentGroup>> = vec![None];
    groups.extend(
        shown
            .iter()
            .map(|s| Some(DepartmentGroup::Department(s.clone()))),
    );
    if !pooled.is_empty() {
        groups.push(Some(pool.clone()));
    }
    let mut rows = Vec::new();
    for week in 0..segments.weeks.len() {
        for group in &groups {
            let members = (0..features.users.len()).filter(|&i| match group {
                None => true,
                Some(DepartmentGroup::Pooled(_)) => group_of[i] == DepartmentGroup::Pooled(0),
                Some(g) => &group_of[i] == g,
            });
            let judged: Vec<Segment> = members
                .filter_map(|i| segments.people[i][week].segment)
                .collect();
            for segment in Segment::ALL {
                let people = judged.iter().filter(|s| **s == segment).count() as u64;
                rows.push(TrendRow {
                    week,
                    group: group.clone(),
                    segment,
                    people,
                    share: people as f64 / judged.len().max(1) as f64,
                    judged: judged.len() as u64,
                });
            }
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(uses: &[f64], first: usize, fte: f64) -> Option<Segment> {
        segment_at(uses, uses.len() - 1, first, fte, &SegmentParams::default()).0
    }

    /// Twelve weeks: `active` weeks with `each` uses (the latest ones), the rest none.
    fn weeks(active: usize, each: f64) -> Vec<f64> {
        (0..12)
            .map(|w| if w >= 12 - active { each } else { 0.0 })
            .collect()
    }

    #[test]
    fn the_segments_follow_the_rule_at_its_boundaries() {
        // 9 active weeks of 20 uses: 180 / 12 = 15 a week, exactly the power threshold.
        assert_eq!(at(&weeks(9, 20.0), 0, 1.0), Some(Segment::Power));
        // One use fewer: 179 / 12 is under 15: a habit, not power.
        let mut under = weeks(9, 20.0);
        under[11] = 19.0;
        assert_eq!(at(&under, 0, 1.0), Some(Segment::Habitual));
        // 8 of 12 weeks is no habit, however busy: novice (at least 1 a week).
        assert_eq!(at(&weeks(8, 100.0), 0, 1.0), Some(Segment::Novice));
        // Exactly 12 uses in 12 weeks is 1 a week: novice; 11 is low; none is a non-user.
        assert_eq!(at(&weeks(1, 12.0), 0, 1.0), Some(Segment::Novice));
        assert_eq!(at(&weeks(1, 11.0), 0, 1.0), Some(Segment::Low));
        assert_eq!(at(&weeks(0, 0.0), 0, 1.0), Some(Segment::NonUser));
    }

    #[test]
    fn part_timers_need_uses_in_proportion_to_their_fte_and_the_same_habit() {
        // 7.5 a week on average: power at half time, a habit at full time.
        let half = weeks(9, 10.0);
        assert_eq!(at(&half, 0, 0.5), Some(Segment::Power));
        assert_eq!(at(&half, 0, 1.0), Some(Segment::Habitual));
        // The habit is about weeks, which part-timers work too: 8 of 12 is none at any fte.
        assert_eq!(at(&weeks(8, 100.0), 0, 0.5), Some(Segment::Novice));
    }

    #[test]
    fn a_recent_hire_is_judged_only_on_the_weeks_since_joining() {
        // Hired in week 8 of 12: judged on weeks 8-11; 3 of those 4 weeks active is a habit
        // (9 of 12 in proportion), and 60 uses in 4 weeks is 15 a week.
        let uses = [0., 0., 0., 0., 0., 0., 0., 0., 0., 20., 20., 20.];
        assert_eq!(
            segment_at(&uses, 11, 8, 1.0, &SegmentParams::default()),
            (Some(Segment::Power), 4)
        );
        // Judged on all twelve weeks, the same use is a novice's.
        assert_eq!(at(&uses, 0, 1.0), Some(Segment::Novice));
        // Hired in week 9: three weeks are too few to judge.
        assert_eq!(
            segment_at(&uses, 11, 9, 1.0, &SegmentParams::default()),
            (None, 0)
        );
    }

    #[test]
    fn lifecycle_states_follow_the_weeks_before() {
        let uses = [0., 5., 5., 0., 0., 3., 0.];
        let states: Vec<Option<Lifecycle>> = (0..uses.len())
            .map(|t| lifecycle_at(&uses, t, 0, false))
            .collect();
        assert_eq!(
            states,
            [
                None, // the first week has none before it
                Some(Lifecycle::New),
                Some(Lifecycle::Returning),
                Some(Lifecycle::Dormant),
                None, // inactive twice: nothing happens
                Some(Lifecycle::Resurrecting),
                Some(Lifecycle::Dormant),
            ]
        );
        // Active in the hire week: new (nothing came before joining).
        assert_eq!(lifecycle_at(&uses, 1, 1, true), Some(Lifecycle::New));
        assert_eq!(lifecycle_at(&uses, 1, 1, false), None);
    }

    #[test]
    fn bad_thresholds_are_configuration_errors() {
        let bad = SegmentParams {
            habit_weeks: 13,
            ..SegmentParams::default()
        };
        assert!(bad.check().unwrap_err().to_string().contains("habit_weeks"));
        assert!(SegmentParams::default().check().is_ok());
    }
}
