//! The whole job in one call: ingest -> features -> score -> cluster -> output tables. Each stage
//! is public on its own; this only wires them together and times them.

use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::NaiveDate;

use crate::cluster::{self, Clustering};
use crate::config::Config;
use crate::error::Result;
use crate::features::{self, FeatureTable};
use crate::ingest::{self, IngestOptions, Ingested};
use crate::outputs;
use crate::score::{self, ScoreTable};

/// What `adept run` needs.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub input: PathBuf,
    pub out: PathBuf,
    pub as_of: NaiveDate,
    pub config: Config,
}

/// Everything a run produced, for callers that want more than the files.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    pub ingested: Ingested,
    pub features: FeatureTable,
    pub scores: ScoreTable,
    pub clustering: Clustering,
    /// (stage, seconds)
    pub timings: Vec<(&'static str, f64)>,
    pub written: Vec<PathBuf>,
}

/// Scores an ingested input: features, scores and personas, no I/O.
pub fn analyse(
    ingested: &Ingested,
    config: &Config,
) -> Result<(
    FeatureTable,
    ScoreTable,
    Clustering,
    Vec<(&'static str, f64)>,
)> {
    let mut timings = Vec::new();
    let mut clock = Instant::now();
    let mut lap = |name: &'static str, timings: &mut Vec<(&'static str, f64)>| {
        timings.push((name, clock.elapsed().as_secs_f64()));
        clock = Instant::now();
    };
    let mut feature_params = config.features.clone();
    feature_params.timezone = Some(config.ingest.timezone_parsed()?);
    let features = features::compute_features(ingested, &feature_params)?;
    lap("features", &mut timings);
    let mut scores = score::score(&features, &config.scoring)?;
    lap("score", &mut timings);
    let clustering = cluster::cluster(&scores, &features, &config.clustering)?;
    cluster::apply_personas(&mut scores, &clustering);
    lap("cluster", &mut timings);
    Ok((features, scores, clustering, timings))
}

/// Runs the pipeline and writes its tables into `options.out`. The rejects ledger is written
/// before a reject rate over the limit fails the run, so it can be inspected.
pub fn run(options: &RunOptions) -> Result<RunOutcome> {
    let started = Instant::now();
    let ingested = ingest::ingest(&IngestOptions::new(
        &options.input,
        options.as_of,
        options.config.clone(),
    ))?;
    let ingest_seconds = started.elapsed().as_secs_f64();
    let ledger = outputs::write_rejects(&options.out, &ingested.rejects)?;
    if let Some(err) = ingested.reject_rate_error(Some(&ledger)) {
        return Err(err);
    }
    let (features, scores, clustering, mut timings) = analyse(&ingested, &options.config)?;
    timings.insert(0, ("ingest", ingest_seconds));
    let clock = Instant::now();
    let mut written = vec![ledger];
    written.extend(outputs::write_tables(
        &options.out,
        &features,
        &scores,
        &clustering,
    )?);
    timings.push(("write", clock.elapsed().as_secs_f64()));
    Ok(RunOutcome {
        ingested,
        features,
        scores,
        clustering,
        timings,
        written,
    })
}

/// The directory a run's outputs are in, for messages.
pub fn describe_outputs(out: &Path, written: &[PathBuf]) -> String {
    let names: Vec<String> = written
        .iter()
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    format!("outputs in {}: {}", out.display(), names.join(", "))
}
