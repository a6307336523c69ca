//! Organisation-wide facts, built once before any user is looked at: feature ids, the users of
//! each feature, catalog entries, per-feature info (area, level, IDF), each user's usage rows and
//! active days, and (from [`super::records`]) people, help, training and feedback; then everyone
//! any table knows and their expertise rank.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use polars::prelude::*;

use super::aggregate::Window;
use super::catalog::{Catalog, CatalogCoverage, CatalogEntry, FeatureKey};
use super::pagerank::expertise_rank;
use super::params::FeatureParams;
use super::records::{self, Help, Person, TrainingSummary};
use super::usage::EventUsage;
use crate::contract::TableKind;
use crate::error::Result;
use crate::frames::text_column as strs;
use crate::ingest::Ingested;

/// What the organisation knows about one feature.
#[derive(Debug, Clone)]
pub(super) struct FeatureInfo {
    /// The feature's name (with its app, `app/feature`, when the events name one).
    pub name: String,
    /// The catalog's level, where it gives one.
    pub level: Option<String>,
    pub area: usize,
    pub advanced: bool,
    pub shortcut_capable: bool,
    /// ln(active users / users of the feature).
    pub idf: f64,
}

/// One aggregated usage row of a user: their uses of one (app, feature, trigger).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Use {
    /// The feature's number: its place among the features used, in (app, feature) order.
    pub feature: usize,
    pub shortcut: Option<bool>,
    pub uses: f64,
    pub late_uses: f64,
}

/// Which of the optional record tables the run was given. Where one is absent its features are
/// unknown (NaN, null in the outputs), not zero: nobody's help was recorded, which does not mean
/// nobody helped.
#[derive(Debug, Clone, Copy)]
pub(super) struct Tables {
    pub training: bool,
    pub help: bool,
    pub feedback: bool,
}

/// Everything the per-user signals share.
pub(super) struct Org<'a> {
    pub params: &'a FeatureParams,
    pub tables: Tables,
    pub window: Window,
    /// By feature id.
    pub infos: Vec<FeatureInfo>,
    /// Feature area names, by area id.
    pub areas: Vec<String>,
    /// Each user's usage rows, one per (app, feature, trigger), in that order.
    pub uses: BTreeMap<String, Vec<Use>>,
    /// Each user's active days: (local day, uses).
    pub days: BTreeMap<String, Vec<(i32, f64)>>,
    /// The first day of the window with anyone's use: where the export begins after the window
    /// does, nobody can have been seen before it, so days are expected from here on.
    pub usage_from: i32,
    pub people: BTreeMap<String, Person>,
    pub help: Help,
    pub training: BTreeMap<String, TrainingSummary>,
    /// Feedback items and ideas.
    pub feedback: BTreeMap<String, (f64, f64)>,
    /// Every user any table knows, in id order.
    pub users: Vec<String>,
    /// Expertise rank of each of `users`.
    pub ranks: Vec<f64>,
    /// How much of the use the catalog knows (None without a catalog).
    pub catalog_coverage: Option<CatalogCoverage>,
}

impl<'a> Org<'a> {
    pub fn build(
        ingested: &Ingested,
        events: EventUsage,
        params: &'a FeatureParams,
        window: Window,
    ) -> Result<Org<'a>> {
        let EventUsage {
            features,
            uses,
            days,
        } = events;
        let usage = Usage::of(features, uses);
        let people = records::people(ingested.table(TableKind::People))?;
        let help = records::help(ingested, &window)?;
        let training = records::training(ingested.table(TableKind::Training))?;
        let feedback = records::feedback(ingested.table(TableKind::Feedback), &window)?;
        let catalog = Catalog::new(catalog_entries(ingested.table(TableKind::Catalog))?);
        let (infos, areas) = feature_infos(&usage, &catalog, params);
        let catalog_coverage = catalog.coverage(&usage.uses_per_feature());
        let tables = Tables {
            training: ingested.table(TableKind::Training).is_some(),
            help: ingested.table(TableKind::Help).is_some(),
            feedback: ingested.table(TableKind::Feedback).is_some(),
        };
        let mut org = Org {
            params,
            tables,
            window,
            infos,
            areas,
            uses: usage.by_user,
            usage_from: first_day_of_use(&days, &window),
            days,
            people,
            help,
            training,
            feedback,
            users: Vec::new(),
            ranks: Vec::new(),
            catalog_coverage,
        };
        org.users = org.everyone();
        org.ranks = org.expertise_ranks();
        Ok(org)
    }

    /// The number of feature areas, at least 1.
    pub fn n_areas(&self) -> f64 {
        self.areas.len().max(1) as f64
    }

    /// Every user any table knows, in id order.
    fn everyone(&self) -> Vec<String> {
        let mut everyone: BTreeSet<String> = BTreeSet::new();
        everyone.extend(self.uses.keys().cloned());
        everyone.extend(self.people.keys().cloned());
        everyone.extend(self.help.given.keys().cloned());
        everyone.extend(self.help.received.keys().cloned());
        everyone.extend(self.training.keys().cloned());
        everyone.extend(self.feedback.keys().cloned());
        everyone.into_iter().collect()
    }

    /// Expertise rank on the asker -> helper graph (edges weighted by count), by index in `users`.
    fn expertise_ranks(&self) -> Vec<f64> {
        let index: HashMap<&str, usize> = self
            .users
            .iter()
            .enumerate()
            .map(|(i, u)| (u.as_str(), i))
            .collect();
        let mut edge_weights: BTreeMap<(usize, usize), f64> = BTreeMap::new();
        for (asker, helper) in &self.help.edges {
            *edge_weights
                .entry((index[asker.as_str()], index[helper.as_str()]))
                .or_default() += 1.0;
        }
        let edges: Vec<(usize, usize, f64)> = edge_weights
            .into_iter()
            .map(|((a, b), w)| (a, b, w))
            .collect();
        expertise_rank(self.users.len(), &edges)
    }
}

/// The first day in `window` with anyone's use (the window's first day where nobody used it).
fn first_day_of_use(days: &BTreeMap<String, Vec<(i32, f64)>>, window: &Window) -> i32 {
    days.values()
        .filter_map(|d| first_use(d, window))
        .min()
        .unwrap_or(window.first_day)
}

/// A person's first day of use in `window`, from their days in order (a day whose rows all had
/// count 0 is no use).
pub(super) fn first_use(days: &[(i32, f64)], window: &Window) -> Option<i32> {
    days.iter()
        .find(|(day, uses)| *day >= window.first_day && *uses > 0.0)
        .map(|(day, _)| *day)
}

/// The usage rows, by user, with what they tell of each feature.
struct Usage {
    /// Feature ids, in key order so they do not depend on row order.
    ids: BTreeMap<FeatureKey, usize>,
    by_user: BTreeMap<String, Vec<Use>>,
    /// Users with a use of each feature, by feature id.
    users_of_feature: Vec<usize>,
    /// Whether anyone used each feature by shortcut, by feature id.
    shortcut_seen: Vec<bool>,
}

impl Usage {
    /// Each used feature with its total uses, in feature-id order.
    fn uses_per_feature(&self) -> Vec<(FeatureKey, f64)> {
        let mut totals = vec![0.0; self.ids.len()];
        for rows in self.by_user.values() {
            for u in rows {
                totals[u.feature] += u.uses;
            }
        }
        self.ids
            .iter()
            .map(|(k, &id)| (k.clone(), totals[id]))
            .collect()
    }

    /// What the usage rows tell of each of `features` (numbered by place).
    fn of(features: Vec<FeatureKey>, by_user: BTreeMap<String, Vec<Use>>) -> Usage {
        let mut shortcut_seen = vec![false; features.len()];
        for u in by_user.values().flatten() {
            if u.shortcut == Some(true) && u.uses > 0.0 {
                shortcut_seen[u.feature] = true;
            }
        }
        Usage {
            users_of_feature: users_of_feature(&by_user, features.len()),
            ids: features
                .into_iter()
                .enumerate()
                .map(|(id, key)| (key, id))
                .collect(),
            by_user,
            shortcut_seen,
        }
    }
}

/// Users with a use of each feature, by feature id.
fn users_of_feature(by_user: &BTreeMap<String, Vec<Use>>, features: usize) -> Vec<usize> {
    let mut users = vec![0; features];
    // The last user counted for each feature, so that a user counts once per feature.
    let mut counted = vec![usize::MAX; features];
    for (person, rows) in by_user.values().enumerate() {
        for u in rows.iter().filter(|u| u.uses > 0.0) {
            if counted[u.feature] != person {
                counted[u.feature] = person;
                users[u.feature] += 1;
            }
        }
    }
    users
}

fn feature_key(app: &Option<String>, feature: &Option<String>) -> FeatureKey {
    (
        app.clone().unwrap_or_default(),
        feature.clone().unwrap_or_default(),
    )
}

/// The catalog, by (app, feature); an entry without an app has "" there.
fn catalog_entries(catalog: Option<&DataFrame>) -> Result<HashMap<FeatureKey, CatalogEntry>> {
    let mut entries = HashMap::new();
    let Some(catalog) = catalog else {
        return Ok(entries);
    };
    let apps = strs(catalog, "app")?;
    let features = strs(catalog, "feature")?;
    let areas = strs(catalog, "area")?;
    let levels = strs(catalog, "level")?;
    let shortcuts: Vec<Option<bool>> = catalog.column("has_shortcut")?.bool()?.iter().collect();
    for i in 0..catalog.height() {
        let key = feature_key(&apps[i], &features[i]);
        entries.insert(key, (areas[i].clone(), levels[i].clone(), shortcuts[i]));
    }
    Ok(entries)
}

/// Each feature's info, by feature id, and the area names, by area id. Catalog knowledge is
/// looked up by (app, feature), then by feature alone; a feature without a catalog area is in
/// its app's area, and one without a catalog level is advanced when few use it.
fn feature_infos(
    usage: &Usage,
    catalog: &Catalog,
    params: &FeatureParams,
) -> (Vec<FeatureInfo>, Vec<String>) {
    // People with a use (not only rows of count 0).
    let active_users = usage
        .by_user
        .values()
        .filter(|rows| rows.iter().any(|u| u.uses > 0.0))
        .count()
        .max(1) as f64;
    let mut area_ids: BTreeMap<String, usize> = BTreeMap::new();
    // `ids` iterates in key order, which is id order.
    let infos = usage
        .ids
        .iter()
        .map(|((app, feature), &id)| {
            let entry = catalog.get(&(app.clone(), feature.clone()));
            let (area, level, has_shortcut) = entry.cloned().unwrap_or((None, None, None));
            let place = match (catalog.is_empty(), entry.is_some()) {
                (true, _) => Placed::NoCatalog,
                (false, true) => Placed::NoArea,
                (false, false) => Placed::NotInCatalog,
            };
            let area = area.unwrap_or_else(|| app_area(app, place));
            let next = area_ids.len();
            let area = *area_ids.entry(area).or_insert(next);
            let users = usage.users_of_feature[id];
            let share = users as f64 / active_users;
            FeatureInfo {
                name: if app.is_empty() {
                    feature.clone()
                } else {
                    format!("{app}/{feature}")
                },
                level: level.clone(),
                area,
                advanced: match level.as_deref() {
                    Some(level) => level == "advanced",
                    None => share <= params.rare_share,
                },
                shortcut_capable: has_shortcut.unwrap_or(usage.shortcut_seen[id]),
                idf: (active_users / users.max(1) as f64).ln(),
            }
        })
        .collect();
    let mut areas = vec![String::new(); area_ids.len()];
    for (name, id) in area_ids {
        areas[id] = name;
    }
    (infos, areas)
}

/// The area of a feature the catalog does not place: its app; without one, "(all features)"
/// where there is no catalog, else what the catalog lacks (so that a presenter of them is not
/// read as one for everything).
fn app_area(app: &str, place: Placed) -> String {
    match (app.is_empty(), place) {
        (false, _) => app.to_string(),
        (true, Placed::NoCatalog) => "(all features)".to_string(),
        (true, Placed::NoArea) => "(features without an area in the catalog)".to_string(),
        (true, Placed::NotInCatalog) => "(features not in the catalog)".to_string(),
    }
}

/// Why a feature has no area from the catalog.
#[derive(Clone, Copy)]
enum Placed {
    NoCatalog,
    NoArea,
    NotInCatalog,
}
