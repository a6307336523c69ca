//! Per-user records read once from the optional tables: people, help given and received (with
//! the asker -> helper edges), and training and feedback summaries.

use std::collections::{BTreeMap, BTreeSet};

use polars::prelude::*;

use super::aggregate::{self, Window};
use crate::contract::TableKind;
use crate::error::Result;
use crate::frames::{float_column as floats, text_column as strs};
use crate::ingest::Ingested;

/// A user's `people` row.
#[derive(Debug, Clone, Default)]
pub(super) struct Person {
    pub display_name: Option<String>,
    pub department: Option<String>,
    pub role: Option<String>,
    pub fte: Option<f64>,
    pub hire_day: Option<i32>,
}

/// The help one user gave in the window.
#[derive(Debug, Clone, Default)]
pub(super) struct HelpGiven {
    /// Every help row with this helper, except those where the helper is the person helped (a
    /// forum's answer to one's own question is not help to a colleague).
    pub given: f64,
    pub people: BTreeSet<String>,
    /// Departments of the people helped, where the people table knows them.
    pub departments: BTreeSet<String>,
    /// Helps to someone in another department, where both departments are known.
    pub cross_department: f64,
    /// Whether any help's departments were known: without, the two above are unknown, not 0.
    pub departments_known: bool,
}

/// The help in the window, by user.
#[derive(Debug, Clone, Default)]
pub(super) struct Help {
    pub given: BTreeMap<String, HelpGiven>,
    pub received: BTreeMap<String, f64>,
    /// (asker, helper), one per help between two people, in row order.
    pub edges: Vec<(String, String)>,
}

/// A user's latest score, improvement and courses completed.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct TrainingSummary {
    /// Mean percentage over every assessment.
    pub level: Option<f64>,
    pub latest: Option<f64>,
    pub improvement: Option<f64>,
    pub courses: Option<f64>,
}

/// Each person, by user id.
pub(super) fn people(people: Option<&DataFrame>) -> Result<BTreeMap<String, Person>> {
    let mut by_id = BTreeMap::new();
    let Some(p) = people else {
        return Ok(by_id);
    };
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
            let person = Person {
                display_name: names[i].clone(),
                department: departments[i].clone(),
                role: roles[i].clone(),
                fte: ftes[i],
                hire_day: hires[i],
            };
            by_id.insert(id.clone(), person);
        }
    }
    Ok(by_id)
}

/// The help in the window, with both people's departments from `people` where known.
pub(super) fn help(ingested: &Ingested, window: &Window) -> Result<Help> {
    let mut help = Help::default();
    let Some(h) = ingested.table(TableKind::Help) else {
        return Ok(help);
    };
    let rows = aggregate::help_in_window(h, ingested.table(TableKind::People), window)?;
    let helpers = strs(&rows, "helper_id")?;
    let helped = strs(&rows, "helped_id")?;
    let helper_dept = strs(&rows, "helper_department")?;
    let helped_dept = strs(&rows, "helped_department")?;
    for i in 0..rows.height() {
        let Some(helper) = &helpers[i] else { continue };
        if helped[i].as_ref() == Some(helper) {
            continue;
        }
        let entry = help.given.entry(helper.clone()).or_default();
        entry.given += 1.0;
        let Some(asker) = &helped[i] else { continue };
        entry.people.insert(asker.clone());
        *help.received.entry(asker.clone()).or_default() += 1.0;
        help.edges.push((asker.clone(), helper.clone()));
        if let Some(dept) = &helped_dept[i] {
            entry.departments_known = true;
            entry.departments.insert(dept.clone());
            if helper_dept[i].as_ref().is_some_and(|d| d != dept) {
                entry.cross_department += 1.0;
            }
        }
    }
    Ok(help)
}

/// Each trained user's summary, from all training up to the as-of date.
pub(super) fn training(training: Option<&DataFrame>) -> Result<BTreeMap<String, TrainingSummary>> {
    let mut by_id = BTreeMap::new();
    let Some(t) = training else {
        return Ok(by_id);
    };
    let per_user = aggregate::training(t)?;
    let ids = strs(&per_user, "user_id")?;
    let level = floats(&per_user, "training_level")?;
    let latest = floats(&per_user, "latest_score")?;
    let improvement = floats(&per_user, "improvement")?;
    let courses = floats(&per_user, "courses_completed")?;
    for i in 0..per_user.height() {
        if let Some(id) = &ids[i] {
            let summary = TrainingSummary {
                level: level[i],
                latest: latest[i],
                improvement: improvement[i],
                courses: courses[i],
            };
            by_id.insert(id.clone(), summary);
        }
    }
    Ok(by_id)
}

/// Each user's feedback items and ideas in the window.
pub(super) fn feedback(
    feedback: Option<&DataFrame>,
    window: &Window,
) -> Result<BTreeMap<String, (f64, f64)>> {
    let mut by_id = BTreeMap::new();
    let Some(f) = feedback else {
        return Ok(by_id);
    };
    let per_user = aggregate::feedback(f, window)?;
    let ids = strs(&per_user, "user_id")?;
    let items = floats(&per_user, "feedback_items")?;
    let ideas = floats(&per_user, "ideas")?;
    for i in 0..per_user.height() {
        if let Some(id) = &ids[i] {
            by_id.insert(
                id.clone(),
                (items[i].unwrap_or(0.0), ideas[i].unwrap_or(0.0)),
            );
        }
    }
    Ok(by_id)
}
