//! The run's Parquet tables: features, scores, candidates, personas, area experts and the rejects
//! ledger, with user ids pseudonymised on the way out.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::atomic;
use crate::cluster::Clustering;
use crate::error::Result;
use crate::features::FeatureTable;
use crate::privacy::{PrivacySettings, Pseudonymizer};
use crate::score::{ScoreTable, Tier};

pub const FEATURES_FILE: &str = "features.parquet";
pub const SCORES_FILE: &str = "scores.parquet";
pub const CANDIDATES_FILE: &str = "candidates.parquet";
pub const CLUSTERS_FILE: &str = "clusters.parquet";
pub const AREA_EXPERTS_FILE: &str = "area_experts.parquet";
pub const REJECTS_FILE: &str = "rejects.parquet";
pub const REPORT_FILE: &str = "report.html";
pub const MANIFEST_FILE: &str = "manifest.json";

/// Columns of the ledger that hold a person's id as their raw value.
const PERSON_COLUMNS: [&str; 4] = ["user_id", "helper_id", "helped_id", "manager_id"];

fn pseudonymise_column(frame: &mut DataFrame, column: &str, p: &Pseudonymizer) -> Result<()> {
    if !p.is_active() {
        return Ok(());
    }
    let ids: StringChunked = frame
        .column(column)?
        .str()?
        .iter()
        .map(|v| v.map(|id| p.id(id)))
        .collect();
    frame.replace(column, ids.with_name(column.into()).into_column())?;
    Ok(())
}

/// Writes the rejects ledger. Raw values of person columns become pseudonyms, and so does every
/// known id inside a malformed line.
pub fn write_rejects(
    out: &Path,
    rejects: &DataFrame,
    p: &Pseudonymizer,
    known_ids: &HashSet<String>,
) -> Result<PathBuf> {
    let mut ledger = rejects.clone();
    if p.is_active() && ledger.height() > 0 {
        let columns = ledger.column("column")?.str()?.clone();
        let raws = ledger.column("raw_value")?.str()?.clone();
        let cleaned: StringChunked = columns
            .iter()
            .zip(raws.iter())
            .map(|(column, raw)| {
                raw.map(|raw| match column {
                    Some(c) if PERSON_COLUMNS.contains(&c) => p.id(raw.trim()),
                    _ => p.text(raw, |t| known_ids.contains(t)),
                })
            })
            .collect();
        ledger.replace(
            "raw_value",
            cleaned.with_name("raw_value".into()).into_column(),
        )?;
    }
    let path = out.join(REJECTS_FILE);
    atomic::write_parquet(&mut ledger, &path)?;
    Ok(path)
}

/// `clusters.parquet`: persona id, name, size, mean score and the centroid per dimension. The
/// centroid of a persona smaller than `min_group_size` is withheld: it would be an average over
/// too few people.
pub fn clusters_frame(clustering: &Clustering, min_group_size: usize) -> Result<DataFrame> {
    let p = &clustering.personas;
    let small = |size: usize| size < min_group_size;
    let mut columns = vec![
        Column::new("cluster".into(), p.iter().map(|c| c.id).collect::<Vec<_>>()),
        Column::new(
            "persona".into(),
            p.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
        ),
        Column::new(
            "size".into(),
            p.iter().map(|c| c.size as u64).collect::<Vec<_>>(),
        ),
        Column::new(
            "mean_score".into(),
            p.iter()
                .map(|c| (!small(c.size)).then_some(c.mean_score))
                .collect::<Vec<_>>(),
        ),
    ];
    for (d, name) in clustering.dimensions.iter().enumerate() {
        columns.push(Column::new(
            format!("centroid_{name}").into(),
            p.iter()
                .map(|c| (!small(c.size)).then_some(c.centroid[d]))
                .collect::<Vec<_>>(),
        ));
    }
    Ok(DataFrame::new(p.len(), columns)?)
}

/// `candidates.parquet`: the top tier, best first, with what a person reading it needs.
fn candidates_frame(
    features: &FeatureTable,
    scores: &ScoreTable,
    privacy: &PrivacySettings,
) -> Result<DataFrame> {
    let mut rows: Vec<usize> = (0..scores.users.len())
        .filter(|&i| scores.users[i].tier == Tier::Candidate)
        .collect();
    rows.sort_by_key(|&i| scores.users[i].rank);
    let s = |i: usize| &scores.users[i];
    let f = |i: usize| &features.users[i];
    let mut columns = vec![
        Column::new(
            "rank".into(),
            rows.iter().map(|&i| s(i).rank).collect::<Vec<_>>(),
        ),
        Column::new(
            "user_id".into(),
            rows.iter()
                .map(|&i| s(i).user_id.as_str())
                .collect::<Vec<_>>(),
        ),
    ];
    if privacy.show_names {
        columns.push(Column::new(
            "display_name".into(),
            rows.iter()
                .map(|&i| f(i).display_name.as_deref())
                .collect::<Vec<_>>(),
        ));
    }
    columns.extend([
        Column::new(
            "department".into(),
            rows.iter()
                .map(|&i| f(i).department.as_deref())
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "role".into(),
            rows.iter()
                .map(|&i| f(i).role.as_deref())
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "persona".into(),
            rows.iter()
                .map(|&i| s(i).persona.as_str())
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "score".into(),
            rows.iter().map(|&i| s(i).score).collect::<Vec<_>>(),
        ),
        Column::new(
            "explanation".into(),
            rows.iter()
                .map(|&i| s(i).explanation.as_str())
                .collect::<Vec<_>>(),
        ),
    ]);
    Ok(DataFrame::new(rows.len(), columns)?)
}

/// How many users per area `area_experts.parquet` keeps.
const EXPERTS_PER_AREA: usize = 10;

/// `area_experts.parquet`: per feature area, the scored users who know most features in it
/// (ties by score, then id), with their tier: who could present the area to peers.
fn area_experts_frame(features: &FeatureTable, scores: &ScoreTable) -> Result<DataFrame> {
    let (mut area, mut user, mut place, mut known, mut tier) =
        (vec![], vec![], vec![], vec![], vec![]);
    for (a, name) in features.areas.iter().enumerate() {
        let mut ranked: Vec<(u32, usize)> = features
            .users
            .iter()
            .enumerate()
            .filter(|(i, _)| scores.users[*i].rank.is_some())
            .filter_map(|(i, u)| {
                u.area_depth
                    .iter()
                    .find(|(id, _)| *id as usize == a)
                    .map(|(_, n)| (*n, i))
            })
            .collect();
        ranked.sort_by(|x, y| {
            y.0.cmp(&x.0)
                .then(scores.users[y.1].score.total_cmp(&scores.users[x.1].score))
                .then(scores.users[x.1].user_id.cmp(&scores.users[y.1].user_id))
        });
        for (position, (n, i)) in ranked.into_iter().take(EXPERTS_PER_AREA).enumerate() {
            area.push(name.clone());
            user.push(scores.users[i].user_id.clone());
            place.push(position as u32 + 1);
            known.push(n);
            tier.push(scores.users[i].tier.name());
        }
    }
    let height = area.len();
    Ok(DataFrame::new(
        height,
        vec![
            Column::new("area".into(), area),
            Column::new("user_id".into(), user),
            Column::new("place".into(), place),
            Column::new("features_known".into(), known),
            Column::new("tier".into(), tier),
        ],
    )?)
}

/// Writes features, scores, candidates, clusters and area experts.
pub fn write_tables(
    out: &Path,
    features: &FeatureTable,
    scores: &ScoreTable,
    clustering: &Clustering,
    privacy: &PrivacySettings,
    p: &Pseudonymizer,
) -> Result<Vec<PathBuf>> {
    let mut features_frame = features.to_frame()?;
    let mut scores_frame = scores.to_frame()?;
    let mut candidates = candidates_frame(features, scores, privacy)?;
    let mut experts = area_experts_frame(features, scores)?;
    for (frame, column) in [
        (&mut features_frame, "user_id"),
        (&mut scores_frame, "user_id"),
        (&mut candidates, "user_id"),
        (&mut experts, "user_id"),
    ] {
        pseudonymise_column(frame, column, p)?;
    }
    let mut written = Vec::new();
    for (name, mut frame) in [
        (FEATURES_FILE, features_frame),
        (SCORES_FILE, scores_frame),
        (CANDIDATES_FILE, candidates),
        (
            CLUSTERS_FILE,
            clusters_frame(clustering, privacy.min_group_size)?,
        ),
        (AREA_EXPERTS_FILE, experts),
    ] {
        let path = out.join(name);
        atomic::write_parquet(&mut frame, &path)?;
        written.push(path);
    }
    Ok(written)
}
