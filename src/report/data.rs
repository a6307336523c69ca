//! Everything the report shows, read back from a run's output files (so `adept report` and
//! `adept run` render the same page), with small groups suppressed.

use std::collections::BTreeMap;
use std::path::Path;

use polars::prelude::*;

use crate::error::Result;
use crate::frames::{float_column as floats, read_output, text_column as strings};
use crate::ingest::IngestSummary;
use crate::outputs::{
    AREA_EXPERTS_FILE, CANDIDATES_FILE, CLUSTERS_FILE, FEATURES_FILE, Manifest, SCORES_FILE,
    adoption_figures,
};
use crate::runs::HISTORY_FILE;

#[derive(Debug, Clone)]
pub struct Candidate {
    pub rank: u32,
    pub user: String,
    pub name: Option<String>,
    pub department: Option<String>,
    pub role: Option<String>,
    pub persona: String,
    pub score: f64,
    pub explanation: String,
}

#[derive(Debug, Clone)]
pub struct PersonaRow {
    pub name: String,
    /// None when below the minimum group size.
    pub size: Option<u64>,
    pub profile: Option<Vec<f64>>,
}

/// Adoption figures of one department (or of the pooled small departments).
#[derive(Debug, Clone)]
pub struct Department {
    pub name: String,
    pub people: u64,
    pub candidates: u64,
    pub median_features: f64,
    pub median_shortcut_share: f64,
    pub share_helping: f64,
}

#[derive(Debug, Clone)]
pub struct ReportData {
    pub manifest: Manifest,
    pub ingest: IngestSummary,
    pub candidates: Vec<Candidate>,
    pub personas: Vec<PersonaRow>,
    pub dimensions: Vec<String>,
    pub departments: Vec<Department>,
    /// Departments too small to show on their own, pooled.
    pub pooled_departments: usize,
    /// area -> (user, features known) of candidates, best first.
    pub presenters: BTreeMap<String, Vec<(String, u32)>>,
    pub scored: u64,
    pub insufficient: u64,
    pub median_features: f64,
    pub median_shortcut_share: f64,
    pub share_helping: f64,
    pub min_group_size: usize,
    /// Movement across runs, when the run had earlier runs to compare with.
    pub history: Option<History>,
}

/// From `history.parquet`.
#[derive(Debug, Clone, Default)]
pub struct History {
    /// Dates of the runs compared, oldest first.
    pub dates: Vec<String>,
    /// figure -> value per date
    pub headline: BTreeMap<String, Vec<f64>>,
    /// (kind, user, score, change)
    pub people: Vec<(String, String, f64, Option<f64>)>,
}

fn load_history(out: &Path) -> Result<Option<History>> {
    let path = out.join(HISTORY_FILE);
    if !path.exists() {
        return Ok(None);
    }
    let h = read(out, HISTORY_FILE)?;
    let (kinds, dates, figures, users) = (
        strings(&h, "kind")?,
        strings(&h, "as_of")?,
        strings(&h, "figure")?,
        strings(&h, "user_id")?,
    );
    let (values, changes) = (floats(&h, "value")?, floats(&h, "change")?);
    let mut history = History::default();
    for i in 0..h.height() {
        let date = dates[i].clone().unwrap_or_default();
        if !history.dates.contains(&date) && kinds[i].as_deref() == Some("headline") {
            history.dates.push(date.clone());
        }
    }
    history.dates.sort();
    for i in 0..h.height() {
        let kind = kinds[i].clone().unwrap_or_default();
        if kind == "headline" {
            let figure = figures[i].clone().unwrap_or_default();
            let position = history
                .dates
                .iter()
                .position(|d| Some(d) == dates[i].as_ref());
            let row = history
                .headline
                .entry(figure)
                .or_insert_with(|| vec![f64::NAN; history.dates.len()]);
            if let Some(p) = position {
                row[p] = values[i].unwrap_or(f64::NAN);
            }
        } else {
            history.people.push((
                kind,
                users[i].clone().unwrap_or_default(),
                values[i].unwrap_or(f64::NAN),
                changes[i],
            ));
        }
    }
    Ok(Some(history))
}

fn read(out: &Path, name: &str) -> Result<DataFrame> {
    read_output(&out.join(name))
}

fn first_f64(frame: &DataFrame, name: &str) -> Result<f64> {
    Ok(floats(frame, name)?
        .first()
        .copied()
        .flatten()
        .unwrap_or(f64::NAN))
}

impl ReportData {
    pub fn load(out: &Path, manifest: Manifest) -> Result<ReportData> {
        let min_group_size = manifest.config.privacy.min_group_size;
        let ingest: IngestSummary =
            serde_json::from_value(manifest.ingest.clone()).unwrap_or_default();

        let c = read(out, CANDIDATES_FILE)?;
        let names = if c
            .get_column_names()
            .iter()
            .any(|n| n.as_str() == "display_name")
        {
            strings(&c, "display_name")?
        } else {
            vec![None; c.height()]
        };
        let (ranks, users, departments, roles, personas, scores, explanations) = (
            floats(&c, "rank")?,
            strings(&c, "user_id")?,
            strings(&c, "department")?,
            strings(&c, "role")?,
            strings(&c, "persona")?,
            floats(&c, "score")?,
            strings(&c, "explanation")?,
        );
        let candidates = (0..c.height())
            .map(|i| Candidate {
                rank: ranks[i].unwrap_or(0.0) as u32,
                user: users[i].clone().unwrap_or_default(),
                name: names[i].clone(),
                department: departments[i].clone(),
                role: roles[i].clone(),
                persona: personas[i].clone().unwrap_or_default(),
                score: scores[i].unwrap_or(f64::NAN),
                explanation: explanations[i].clone().unwrap_or_default(),
            })
            .collect();

        let k = read(out, CLUSTERS_FILE)?;
        let dimensions: Vec<String> = k
            .get_column_names()
            .iter()
            .filter_map(|n| n.strip_prefix("centroid_").map(str::to_string))
            .collect();
        let sizes = floats(&k, "size")?;
        let names = strings(&k, "persona")?;
        let centroid: Vec<Vec<Option<f64>>> = dimensions
            .iter()
            .map(|d| floats(&k, &format!("centroid_{d}")))
            .collect::<Result<_>>()?;
        let personas = (0..k.height())
            .map(|i| {
                let size = sizes[i].unwrap_or(0.0) as u64;
                let visible = size as usize >= min_group_size;
                PersonaRow {
                    name: names[i].clone().unwrap_or_default(),
                    size: visible.then_some(size),
                    profile: visible.then(|| {
                        centroid
                            .iter()
                            .map(|col| col[i].unwrap_or(f64::NAN))
                            .collect()
                    }),
                }
            })
            .collect();

        // Adoption per department, over scored people only.
        let features = read(out, FEATURES_FILE)?;
        let scores = read(out, SCORES_FILE)?.select(["user_id", "tier"])?;
        let scored = features
            .clone()
            .lazy()
            .filter(col("status").eq(lit("scored")))
            .join(
                scores.lazy(),
                [col("user_id")],
                [col("user_id")],
                JoinArgs::new(JoinType::Left),
            );
        let aggregates = || {
            let mut exprs = vec![
                len().cast(DataType::UInt64).alias("people"),
                col("tier")
                    .eq(lit("candidate"))
                    .cast(DataType::UInt64)
                    .sum()
                    .alias("candidates"),
            ];
            exprs.extend(adoption_figures());
            exprs
        };
        let overall = scored.clone().select(aggregates()).collect()?;
        let by_department = scored
            .clone()
            .with_column(col("department").fill_null(lit("(no department)")))
            .group_by([col("department")])
            .agg(aggregates())
            .sort(["department"], SortMultipleOptions::default())
            .collect()?;
        let d_names = strings(&by_department, "department")?;
        let d_people = floats(&by_department, "people")?;
        let d_candidates = floats(&by_department, "candidates")?;
        let d_features = floats(&by_department, "median_features")?;
        let d_shortcuts = floats(&by_department, "median_shortcut_share")?;
        let d_helping = floats(&by_department, "share_helping")?;
        let mut departments = Vec::new();
        let mut small = Vec::new();
        for i in 0..by_department.height() {
            let people = d_people[i].unwrap_or(0.0) as u64;
            let name = d_names[i].clone().unwrap_or_default();
            if (people as usize) < min_group_size {
                small.push(name);
                continue;
            }
            departments.push(Department {
                name,
                people,
                candidates: d_candidates[i].unwrap_or(0.0) as u64,
                median_features: d_features[i].unwrap_or(f64::NAN),
                median_shortcut_share: d_shortcuts[i].unwrap_or(f64::NAN),
                share_helping: d_helping[i].unwrap_or(f64::NAN),
            });
        }
        // Small departments are shown pooled, and only if the pool itself is large enough.
        let pooled_departments = small.len();
        if !small.is_empty() {
            let names = Series::new("small".into(), small);
            let pooled = scored
                .with_column(col("department").fill_null(lit("(no department)")))
                .filter(col("department").is_in(lit(names).implode(true), false))
                .select(aggregates())
                .collect()?;
            let people = first_f64(&pooled, "people")? as u64;
            if people as usize >= min_group_size {
                departments.push(Department {
                    name: format!("{pooled_departments} smaller departments"),
                    people,
                    candidates: first_f64(&pooled, "candidates")? as u64,
                    median_features: first_f64(&pooled, "median_features")?,
                    median_shortcut_share: first_f64(&pooled, "median_shortcut_share")?,
                    share_helping: first_f64(&pooled, "share_helping")?,
                });
            }
        }

        let experts = read(out, AREA_EXPERTS_FILE)?;
        let (areas, e_users, known, tiers) = (
            strings(&experts, "area")?,
            strings(&experts, "user_id")?,
            floats(&experts, "features_known")?,
            strings(&experts, "tier")?,
        );
        let mut presenters: BTreeMap<String, Vec<(String, u32)>> = BTreeMap::new();
        for i in 0..experts.height() {
            if tiers[i].as_deref() != Some("candidate") {
                continue;
            }
            let (Some(area), Some(user)) = (&areas[i], &e_users[i]) else {
                continue;
            };
            presenters
                .entry(area.clone())
                .or_default()
                .push((user.clone(), known[i].unwrap_or(0.0) as u32));
        }

        let statuses = strings(&features, "status")?;
        let scored_count = statuses
            .iter()
            .filter(|s| s.as_deref() == Some("scored"))
            .count() as u64;
        Ok(ReportData {
            ingest,
            candidates,
            personas,
            dimensions,
            departments,
            pooled_departments,
            presenters,
            scored: scored_count,
            insufficient: statuses.len() as u64 - scored_count,
            median_features: first_f64(&overall, "median_features")?,
            median_shortcut_share: first_f64(&overall, "median_shortcut_share")?,
            share_helping: first_f64(&overall, "share_helping")?,
            min_group_size,
            history: load_history(out)?,
            manifest,
        })
    }
}
