//! Builds the feature table: turns the aggregated frames into per-user records and computes every
//! feature for every user in parallel (rayon), in user-id order.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Duration, NaiveDate};
use polars::prelude::*;
use rayon::prelude::*;

use super::aggregate::{self, EventUsage, UsageAggregator, Window};
use super::definitions::{Feature, UserStatus};
use super::pagerank::expertise_rank;
use super::params::FeatureParams;
use super::table::{FeatureTable, UserFeatures};
use crate::contract::TableKind;
use crate::error::{Error, Result};
use crate::frames::{float_column as floats, text_column as strs};
use crate::ingest::{Ingested, RowSink};

/// What the organisation knows about one feature.
#[derive(Debug, Clone)]
struct FeatureInfo {
    area: usize,
    advanced: bool,
    shortcut_capable: bool,
    /// ln(active users / users of the feature).
    idf: f64,
}

/// What the catalog says of a feature: area, level, whether it has a shortcut.
type CatalogEntry = (Option<String>, Option<String>, Option<bool>);

/// A user's latest score, improvement and courses completed.
type TrainingSummary = (Option<f64>, Option<f64>, Option<f64>);

/// One aggregated usage row of a user.
#[derive(Debug, Clone, Copy)]
struct Use {
    feature: usize,
    shortcut: Option<bool>,
    uses: f64,
    late_uses: f64,
}

#[derive(Debug, Clone, Default)]
struct Person {
    display_name: Option<String>,
    department: Option<String>,
    role: Option<String>,
    fte: Option<f64>,
    hire_day: Option<i32>,
}

#[derive(Debug, Clone, Default)]
struct HelpGiven {
    given: f64,
    people: BTreeSet<String>,
    departments: BTreeSet<String>,
    cross_department: f64,
}

fn window_for(as_of: NaiveDate, params: &FeatureParams) -> Window {
    let first = as_of - Duration::days(i64::from(params.window_days) - 1);
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date");
    Window {
        first_day: (first - epoch).num_days() as i32,
        last_day: (as_of - epoch).num_days() as i32,
        tz: params.tz(),
    }
}

/// The sink to give ingest for the events table: it reduces events to what
/// [`compute_features_with`] needs for the window ending at `as_of`.
pub fn usage_aggregator(as_of: NaiveDate, params: &FeatureParams) -> Result<UsageAggregator> {
    params.check()?;
    Ok(UsageAggregator::new(window_for(as_of, params)))
}

/// The events of an ingest that kept them ([`crate::ingest::ingest`]), reduced as
/// [`usage_aggregator`] would have during ingest.
pub fn usage_of_kept_events(ingested: &Ingested, params: &FeatureParams) -> Result<EventUsage> {
    let events = ingested.table(TableKind::Events).ok_or_else(|| {
        Error::Internal(
            "the events were not kept: use ingest_with and usage_aggregator instead".into(),
        )
    })?;
    let mut aggregator = usage_aggregator(ingested.as_of, params)?;
    aggregator.push(events.clone())?;
    aggregator.finish()
}

/// Computes every feature for every user known to any table, from an ingest that kept the
/// events ([`crate::ingest::ingest`]). For large inputs see [`usage_aggregator`].
pub fn compute_features(ingested: &Ingested, params: &FeatureParams) -> Result<FeatureTable> {
    compute_features_with(ingested, usage_of_kept_events(ingested, params)?, params)
}

/// Computes every feature for every user known to any table, with the events already reduced
/// by [`usage_aggregator`] during ingest.
pub fn compute_features_with(
    ingested: &Ingested,
    events: EventUsage,
    params: &FeatureParams,
) -> Result<FeatureTable> {
    params.check()?;
    let window = window_for(ingested.as_of, params);
    let EventUsage { usage, days } = events;

    let u_user = strs(&usage, "user_id")?;
    let u_app = strs(&usage, "app")?;
    let u_feature = strs(&usage, "feature")?;
    let u_trigger = strs(&usage, "trigger")?;
    let u_uses = floats(&usage, "uses")?;
    let u_late = floats(&usage, "late_uses")?;

    let mut feature_ids: BTreeMap<(String, String), usize> = BTreeMap::new();
    for (app, feature) in u_app.iter().zip(&u_feature) {
        let key = (
            app.clone().unwrap_or_default(),
            feature.clone().unwrap_or_default(),
        );
        let next = feature_ids.len();
        feature_ids.entry(key).or_insert(next);
    }
    // Renumber in key order so ids do not depend on row order.
    for (i, id) in feature_ids.values_mut().enumerate() {
        *id = i;
    }
    let n_features = feature_ids.len();
    let mut users_of_feature: Vec<BTreeSet<&str>> = vec![BTreeSet::new(); n_features];
    let mut shortcut_seen = vec![false; n_features];
    let mut uses_by_user: BTreeMap<String, Vec<Use>> = BTreeMap::new();
    for i in 0..usage.height() {
        let (Some(user), Some(uses)) = (&u_user[i], u_uses[i]) else {
            continue;
        };
        let key = (
            u_app[i].clone().unwrap_or_default(),
            u_feature[i].clone().unwrap_or_default(),
        );
        let feature = feature_ids[&key];
        let shortcut = u_trigger[i].as_deref().map(|t| t == "shortcut");
        if uses > 0.0 {
            users_of_feature[feature].insert(user.as_str());
        }
        if shortcut == Some(true) && uses > 0.0 {
            shortcut_seen[feature] = true;
        }
        uses_by_user.entry(user.clone()).or_default().push(Use {
            feature,
            shortcut,
            uses,
            late_uses: u_late[i].unwrap_or(0.0),
        });
    }
    let active_users = uses_by_user.len().max(1) as f64;

    // Catalog knowledge, by (app, feature), then by feature alone.
    let catalog = ingested.table(TableKind::Catalog);
    let mut catalog_entries: HashMap<(String, String), CatalogEntry> = HashMap::new();
    if let Some(catalog) = catalog {
        let apps = strs(catalog, "app")?;
        let features = strs(catalog, "feature")?;
        let areas = strs(catalog, "area")?;
        let levels = strs(catalog, "level")?;
        let shortcuts: Vec<Option<bool>> = catalog.column("has_shortcut")?.bool()?.iter().collect();
        for i in 0..catalog.height() {
            let key = (
                apps[i].clone().unwrap_or_default(),
                features[i].clone().unwrap_or_default(),
            );
            catalog_entries.insert(key, (areas[i].clone(), levels[i].clone(), shortcuts[i]));
        }
    }
    let mut area_ids: BTreeMap<String, usize> = BTreeMap::new();
    let mut infos = vec![
        FeatureInfo {
            area: 0,
            advanced: false,
            shortcut_capable: false,
            idf: 0.0
        };
        n_features
    ];
    for ((app, feature), &id) in &feature_ids {
        let entry = catalog_entries
            .get(&(app.clone(), feature.clone()))
            .or_else(|| catalog_entries.get(&(String::new(), feature.clone())));
        let (area, level, has_shortcut) = entry.cloned().unwrap_or((None, None, None));
        let area = area.unwrap_or_else(|| {
            if app.is_empty() {
                "(all)".to_string()
            } else {
                app.clone()
            }
        });
        let next = area_ids.len();
        let area = *area_ids.entry(area).or_insert(next);
        let share = users_of_feature[id].len() as f64 / active_users;
        infos[id] = FeatureInfo {
            area,
            advanced: match level.as_deref() {
                Some(level) => level == "advanced",
                None => share <= params.rare_share,
            },
            shortcut_capable: has_shortcut.unwrap_or(shortcut_seen[id]),
            idf: (active_users / users_of_feature[id].len().max(1) as f64).ln(),
        };
    }
    let n_areas = area_ids.len().max(1) as f64;

    // Active days.
    let d_user = strs(&days, "user_id")?;
    let d_day: Vec<Option<i32>> = days.column("day")?.i32()?.iter().collect();
    let d_uses = floats(&days, "uses")?;
    let mut days_by_user: BTreeMap<String, Vec<(i32, f64)>> = BTreeMap::new();
    for i in 0..days.height() {
        if let (Some(user), Some(day)) = (&d_user[i], d_day[i]) {
            days_by_user
                .entry(user.clone())
                .or_default()
                .push((day, d_uses[i].unwrap_or(0.0)));
        }
    }

    // People.
    let people_frame = ingested.table(TableKind::People);
    let mut people: BTreeMap<String, Person> = BTreeMap::new();
    if let Some(p) = people_frame {
        let ids = strs(p, "user_id")?;
        let names = strs(p, "display_name")?;
        let departments = strs(p, "department")?;
        let roles = strs(p, "role")?;
        let ftes = floats(p, "fte")?;
        let hires: Vec<Option<i32>> = p
            .column("hire_date")?
            .cast(&DataType::Int32)?
            .i32()?
            .iter()
            .collect();
        for i in 0..p.height() {
            if let Some(id) = &ids[i] {
                people.insert(
                    id.clone(),
                    Person {
                        display_name: names[i].clone(),
                        department: departments[i].clone(),
                        role: roles[i].clone(),
                        fte: ftes[i],
                        hire_day: hires[i],
                    },
                );
            }
        }
    }

    // Help.
    let help_frame = ingested.table(TableKind::Help);
    let mut help_given: BTreeMap<String, HelpGiven> = BTreeMap::new();
    let mut help_received: BTreeMap<String, f64> = BTreeMap::new();
    let mut help_edges: Vec<(String, String)> = Vec::new();
    if let Some(h) = help_frame {
        let rows = aggregate::help_in_window(h, people_frame, &window)?;
        let helpers = strs(&rows, "helper_id")?;
        let helped = strs(&rows, "helped_id")?;
        let helper_dept = strs(&rows, "helper_department")?;
        let helped_dept = strs(&rows, "helped_department")?;
        for i in 0..rows.height() {
            let Some(helper) = &helpers[i] else { continue };
            let entry = help_given.entry(helper.clone()).or_default();
            entry.given += 1.0;
            if let Some(asker) = &helped[i] {
                if asker == helper {
                    continue;
                }
                entry.people.insert(asker.clone());
                *help_received.entry(asker.clone()).or_default() += 1.0;
                help_edges.push((asker.clone(), helper.clone()));
                if let Some(dept) = &helped_dept[i] {
                    entry.departments.insert(dept.clone());
                    if helper_dept[i].as_ref().is_some_and(|d| d != dept) {
                        entry.cross_department += 1.0;
                    }
                }
            }
        }
    }

    // Training and feedback.
    let mut training: BTreeMap<String, TrainingSummary> = BTreeMap::new();
    if let Some(t) = ingested.table(TableKind::Training) {
        let per_user = aggregate::training(t)?;
        let ids = strs(&per_user, "user_id")?;
        let latest = floats(&per_user, "latest_score")?;
        let improvement = floats(&per_user, "improvement")?;
        let courses = floats(&per_user, "courses_completed")?;
        for i in 0..per_user.height() {
            if let Some(id) = &ids[i] {
                training.insert(id.clone(), (latest[i], improvement[i], courses[i]));
            }
        }
    }
    let mut feedback: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    if let Some(f) = ingested.table(TableKind::Feedback) {
        let per_user = aggregate::feedback(f, &window)?;
        let ids = strs(&per_user, "user_id")?;
        let items = floats(&per_user, "feedback_items")?;
        let ideas = floats(&per_user, "ideas")?;
        for i in 0..per_user.height() {
            if let Some(id) = &ids[i] {
                feedback.insert(
                    id.clone(),
                    (items[i].unwrap_or(0.0), ideas[i].unwrap_or(0.0)),
                );
            }
        }
    }

    // Every user any table knows, in id order.
    let mut universe: BTreeSet<String> = BTreeSet::new();
    universe.extend(uses_by_user.keys().cloned());
    universe.extend(people.keys().cloned());
    universe.extend(help_given.keys().cloned());
    universe.extend(help_received.keys().cloned());
    universe.extend(training.keys().cloned());
    universe.extend(feedback.keys().cloned());
    let universe: Vec<String> = universe.into_iter().collect();
    let index: HashMap<&str, usize> = universe
        .iter()
        .enumerate()
        .map(|(i, u)| (u.as_str(), i))
        .collect();

    let mut edge_weights: BTreeMap<(usize, usize), f64> = BTreeMap::new();
    for (asker, helper) in &help_edges {
        *edge_weights
            .entry((index[asker.as_str()], index[helper.as_str()]))
            .or_default() += 1.0;
    }
    let edges: Vec<(usize, usize, f64)> = edge_weights
        .into_iter()
        .map(|((a, b), w)| (a, b, w))
        .collect();
    let ranks = expertise_rank(universe.len(), &edges);

    let context = Context {
        params,
        window,
        infos: &infos,
        n_areas,
    };
    let no_uses: Vec<Use> = Vec::new();
    let no_days: Vec<(i32, f64)> = Vec::new();
    let users: Vec<UserFeatures> = universe
        .par_iter()
        .enumerate()
        .map(|(i, user)| {
            let person = people.get(user).cloned().unwrap_or_default();
            let mut values = vec![f64::NAN; Feature::COUNT];
            let uses = uses_by_user.get(user).unwrap_or(&no_uses);
            let days = days_by_user.get(user).unwrap_or(&no_days);
            let area_depth = context.usage_features(uses, &mut values);
            let (active_days, observed_days) =
                context.consistency_features(days, &person, &mut values);
            let per_four_weeks = 28.0 / observed_days;

            let help = help_given.get(user);
            values[Feature::HelpsGiven as usize] = help.map_or(0.0, |h| h.given);
            values[Feature::PeopleHelped as usize] = help.map_or(0.0, |h| h.people.len() as f64);
            values[Feature::DepartmentsHelped as usize] =
                help.map_or(0.0, |h| h.departments.len() as f64);
            values[Feature::CrossDepartmentHelps as usize] =
                help.map_or(0.0, |h| h.cross_department);
            values[Feature::HelpRate as usize] =
                values[Feature::HelpsGiven as usize] * per_four_weeks;
            values[Feature::HelpsReceived as usize] =
                help_received.get(user).copied().unwrap_or(0.0);
            values[Feature::ExpertiseRank as usize] = ranks[i];

            if let Some((latest, improvement, courses)) = training.get(user) {
                values[Feature::LatestScore as usize] = latest.unwrap_or(f64::NAN);
                values[Feature::Improvement as usize] = improvement.unwrap_or(f64::NAN);
                values[Feature::CoursesCompleted as usize] = courses.unwrap_or(0.0);
            } else {
                values[Feature::CoursesCompleted as usize] = 0.0;
            }
            let (items, ideas) = feedback.get(user).copied().unwrap_or((0.0, 0.0));
            values[Feature::FeedbackItems as usize] = items;
            values[Feature::Ideas as usize] = ideas;
            values[Feature::FeedbackRate as usize] = items * per_four_weeks;

            UserFeatures {
                user_id: user.clone(),
                display_name: person.display_name.clone(),
                department: person.department.clone(),
                role: person.role.clone(),
                fte: person.fte.unwrap_or(1.0),
                status: if active_days >= f64::from(params.min_active_days) {
                    UserStatus::Scored
                } else {
                    UserStatus::InsufficientData
                },
                values,
                area_depth,
            }
        })
        .collect();

    let mut areas = vec![String::new(); area_ids.len()];
    for (name, id) in &area_ids {
        areas[*id] = name.clone();
    }
    Ok(FeatureTable {
        users,
        areas,
        has_training: ingested.table(TableKind::Training).is_some(),
        has_help: help_frame.is_some(),
        has_feedback: ingested.table(TableKind::Feedback).is_some(),
    })
}

/// Organisation-wide facts the per-user computations share.
struct Context<'a> {
    params: &'a FeatureParams,
    window: Window,
    infos: &'a [FeatureInfo],
    n_areas: f64,
}

impl Context<'_> {
    /// Depth and shortcut features from a user's usage rows; returns the features known per area.
    fn usage_features(&self, uses: &[Use], values: &mut [f64]) -> Vec<(u32, u32)> {
        let mut per_feature: BTreeMap<usize, f64> = BTreeMap::new();
        let mut shortcut_features: BTreeSet<usize> = BTreeSet::new();
        let (mut capable, mut by_shortcut) = (0.0, 0.0);
        let (mut capable_late, mut shortcut_late) = (0.0, 0.0);
        for u in uses {
            *per_feature.entry(u.feature).or_default() += u.uses;
            let info = &self.infos[u.feature];
            if let Some(is_shortcut) = u.shortcut {
                if is_shortcut && u.uses > 0.0 {
                    shortcut_features.insert(u.feature);
                }
                if info.shortcut_capable {
                    capable += u.uses;
                    capable_late += u.late_uses;
                    if is_shortcut {
                        by_shortcut += u.uses;
                        shortcut_late += u.late_uses;
                    }
                }
            }
        }
        let known: Vec<(usize, f64)> = per_feature
            .iter()
            .filter(|(_, n)| **n >= self.params.min_uses as f64)
            .map(|(f, n)| (*f, *n))
            .collect();
        let distinct = known.len() as f64;
        let advanced = known
            .iter()
            .filter(|(f, _)| self.infos[*f].advanced)
            .count() as f64;
        let areas: BTreeSet<usize> = known.iter().map(|(f, _)| self.infos[*f].area).collect();
        let total: f64 = per_feature.values().sum();
        let entropy = if per_feature.len() > 1 && total > 0.0 {
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
        };
        values[Feature::DistinctFeatures as usize] = distinct;
        values[Feature::RarityDepth as usize] = known.iter().map(|(f, _)| self.infos[*f].idf).sum();
        values[Feature::AdvancedFeatures as usize] = advanced;
        values[Feature::AdvancedShare as usize] = if distinct > 0.0 {
            advanced / distinct
        } else {
            0.0
        };
        values[Feature::AreaBreadth as usize] = areas.len() as f64 / self.n_areas;
        values[Feature::Evenness as usize] = entropy;
        values[Feature::ShortcutShare as usize] = if capable > 0.0 {
            by_shortcut / capable
        } else {
            f64::NAN
        };
        values[Feature::DistinctShortcuts as usize] = shortcut_features.len() as f64;
        let capable_early = capable - capable_late;
        values[Feature::ShortcutTrend as usize] = if capable_late >= 10.0 && capable_early >= 10.0 {
            shortcut_late / capable_late - (by_shortcut - shortcut_late) / capable_early
        } else {
            f64::NAN
        };
        values[Feature::TotalUses as usize] = total;
        let mut per_area: BTreeMap<u32, u32> = BTreeMap::new();
        for (f, _) in &known {
            *per_area.entry(self.infos[*f].area as u32).or_default() += 1;
        }
        per_area.into_iter().collect()
    }

    /// Consistency features; returns the number of active days and of days observed.
    fn consistency_features(
        &self,
        days: &[(i32, f64)],
        person: &Person,
        values: &mut [f64],
    ) -> (f64, f64) {
        let w = &self.window;
        // Observed days: the window, or from the hire date when the person joined during it.
        let first_day = person
            .hire_day
            .map_or(w.first_day, |h| h.clamp(w.first_day, w.last_day));
        let observed_days = f64::from(w.last_day - first_day + 1);
        let fte = person.fte.filter(|f| *f > 0.0).unwrap_or(1.0);
        let active_days = days.len() as f64;
        let total: f64 = days.iter().map(|(_, n)| n).sum();
        let weeks: BTreeSet<i32> = days.iter().map(|(d, _)| (w.last_day - d) / 7).collect();
        let observed_weeks = (observed_days / 7.0).ceil().max(1.0);
        // Recent days weigh more (half-life `recency_half_life_days`): what someone does now
        // matters more than three months ago, and a new hire's ramp-up does not count against them.
        let weight = |day: i32| {
            0.5f64.powf(f64::from(w.last_day - day) / self.params.recency_half_life_days)
        };
        let expected: f64 = (first_day..=w.last_day).map(weight).sum::<f64>() * 5.0 / 7.0 * fte;
        let active: f64 = days.iter().map(|(d, _)| weight(*d)).sum();
        values[Feature::ActiveDays as usize] = active_days;
        values[Feature::ActiveDayRate as usize] = (active / expected.max(1e-9)).min(1.0);
        values[Feature::ActiveWeeksShare as usize] = (weeks.len() as f64 / observed_weeks).min(1.0);
        values[Feature::ActiveWeeksLast12 as usize] =
            weeks.iter().filter(|k| **k < 12).count() as f64;
        values[Feature::UsesPerActiveDay as usize] = if active_days > 0.0 {
            total / active_days
        } else {
            0.0
        };
        values[Feature::WeeklyUses as usize] = total / (observed_days / 7.0).max(1.0);
        (active_days, observed_days)
    }
}
