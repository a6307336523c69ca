//! Writes the run's tables as zstd Parquet, each atomically: features, scores, clusters and the
//! rejects ledger.

use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::atomic;
use crate::cluster::Clustering;
use crate::error::Result;
use crate::features::FeatureTable;
use crate::score::ScoreTable;

pub const FEATURES_FILE: &str = "features.parquet";
pub const SCORES_FILE: &str = "scores.parquet";
pub const CLUSTERS_FILE: &str = "clusters.parquet";
pub const REJECTS_FILE: &str = "rejects.parquet";

pub fn write_rejects(out: &Path, rejects: &DataFrame) -> Result<PathBuf> {
    let path = out.join(REJECTS_FILE);
    atomic::write_parquet(&mut rejects.clone(), &path)?;
    Ok(path)
}

/// `clusters.parquet`: persona id, name, size, mean score and the centroid per dimension.
pub fn clusters_frame(clustering: &Clustering) -> Result<DataFrame> {
    let p = &clustering.personas;
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
            p.iter().map(|c| c.mean_score).collect::<Vec<_>>(),
        ),
    ];
    for (d, name) in clustering.dimensions.iter().enumerate() {
        columns.push(Column::new(
            format!("centroid_{name}").into(),
            p.iter().map(|c| c.centroid[d]).collect::<Vec<_>>(),
        ));
    }
    Ok(DataFrame::new(p.len(), columns)?)
}

pub fn write_tables(
    out: &Path,
    features: &FeatureTable,
    scores: &ScoreTable,
    clustering: &Clustering,
) -> Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    for (name, mut frame) in [
        (FEATURES_FILE, features.to_frame()?),
        (SCORES_FILE, scores.to_frame()?),
        (CLUSTERS_FILE, clusters_frame(clustering)?),
    ] {
        let path = out.join(name);
        atomic::write_parquet(&mut frame, &path)?;
        written.push(path);
    }
    Ok(written)
}
