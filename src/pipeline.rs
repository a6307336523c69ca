//! The whole job in one call: ingest (with events reduced to usage as they stream) -> features
//! -> score -> cluster -> analysis -> privacy -> outputs and report. Each stage is public on its
//! own; this only wires them together and times them.

use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::NaiveDate;

use crate::analysis::{self, Analysis, RunSnapshot};
use crate::cluster::{self, Clustering};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::features::{self, EventUsage, FeatureParams, FeatureTable, UserStatus};
use crate::ingest::{self, IngestOptions, Ingested, KeepLedger, LedgerOf};
use crate::outputs::{self, InputFile, Manifest};
use crate::privacy::{self, KeySource, Pseudonymizer, Published, resolve_key};
use crate::report;
use crate::runs::{
    OptedOut, RootLock, RunLayout, Withdrawn, earlier_snapshots, publish, withdraw_opted_out,
};
use crate::score::{self, ScoreTable};
use indicatif::{ProgressBar, ProgressStyle};

/// What `adept run` needs.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub input: PathBuf,
    pub out: PathBuf,
    pub as_of: NaiveDate,
    pub config: Config,
    /// Earlier runs to compare with (`history.parquet`), when running under an output root.
    pub history: Option<RunLayout>,
    /// Show a spinner with the current stage on stderr (drawn only when stderr is a terminal).
    pub progress: bool,
}

/// The stage spinner: hidden unless asked for; indicatif draws nothing when stderr is not a
/// terminal, so logs of scheduled runs stay clean.
fn spinner(enabled: bool) -> ProgressBar {
    if !enabled {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}

/// Everything a run produced, for callers that want more than the files.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    pub ingested: Ingested,
    pub stages: Stages,
    /// What the privacy pass let out.
    pub published: Published,
    /// (stage, seconds)
    pub timings: Vec<(&'static str, f64)>,
    pub written: Vec<PathBuf>,
    /// Where the pseudonym key came from (None with raw ids).
    pub key_source: Option<KeySource>,
    /// The directory the outputs are in.
    pub out: PathBuf,
    /// The people who opted out, for clearing earlier runs of them.
    pub opted_out: OptedOut,
    /// What was taken out of the earlier runs under the root (nothing with `--out`).
    pub withdrawn: Withdrawn,
}

/// What the stages after ingest produce, before the privacy pass.
#[derive(Debug, Clone)]
pub struct Stages {
    pub features: FeatureTable,
    pub scores: ScoreTable,
    pub clustering: Clustering,
    pub analysis: Analysis,
    /// (stage, seconds)
    pub timings: Vec<(&'static str, f64)>,
}

/// The feature parameters a configuration gives (the features use ingest's timezone).
pub fn feature_params(config: &Config) -> Result<FeatureParams> {
    let mut params = config.features.clone();
    params.timezone = Some(config.ingest.timezone_parsed()?);
    params.history_weeks = config.segments.history_weeks();
    Ok(params)
}

/// Ingests `input`, reducing the events to what the features need as they stream (they are
/// never held whole): the one way events enter the pipeline. `keep_ledger` receives the ledger
/// before the reject limit is checked.
pub fn ingest_events(
    input: &Path,
    as_of: NaiveDate,
    config: &Config,
    keep_ledger: KeepLedger,
) -> Result<(Ingested, EventUsage)> {
    let mut usage = features::usage_aggregator(as_of, &feature_params(config)?)?;
    let options = IngestOptions::new(input, as_of, config.clone());
    let ingested = ingest::ingest(&options, &mut usage, keep_ledger)?;
    Ok((ingested, usage.finish()))
}

/// Features, scores, personas and the analysis of an ingested input; no I/O.
pub fn analyse(ingested: &Ingested, usage: EventUsage, config: &Config) -> Result<Stages> {
    let mut timings = Vec::new();
    let mut clock = Instant::now();
    let mut lap = |name: &'static str, timings: &mut Vec<(&'static str, f64)>| {
        timings.push((name, clock.elapsed().as_secs_f64()));
        clock = Instant::now();
    };
    let features = features::compute_features(ingested, usage, &feature_params(config)?)?;
    lap("features", &mut timings);
    let scores = score::score(&features, &config.scoring)?;
    lap("score", &mut timings);
    let clustering = cluster::cluster(
        &scores,
        &features,
        &config.clustering,
        config.privacy.min_group_size,
    )?;
    lap("cluster", &mut timings);
    let analysis = analysis::analyse(
        &features,
        &scores,
        config.privacy.min_group_size,
        &config.segments,
    );
    lap("analysis", &mut timings);
    Ok(Stages {
        features,
        scores,
        clustering,
        analysis,
        timings,
    })
}

/// The pseudonymiser the configuration asks for, and where its key came from.
pub fn pseudonymizer(config: &Config, out: &Path) -> Result<(Pseudonymizer, Option<KeySource>)> {
    if config.privacy.raw_ids {
        return Ok((Pseudonymizer::raw_ids(), None));
    }
    let (key, source) = resolve_key(&config.privacy, out)?;
    Ok((Pseudonymizer::with_key(&key), Some(source)))
}

/// Publishes the rejects ledger into `out` (ids pseudonymised): the [`KeepLedger`] of runs and
/// of `adept validate`.
pub fn write_ledger(
    out: &Path,
    ingested: &Ingested,
    pseudonyms: &Pseudonymizer,
) -> Result<PathBuf> {
    let mut ledger = privacy::publish_ledger(&ingested.rejects, pseudonyms, &ingested.person_ids)?;
    outputs::write_rejects(out, &mut ledger)
}

/// This run as later runs will see it: published ids, scores and tiers, headline figures.
fn snapshot(as_of: NaiveDate, stages: &Stages, published: &Published) -> RunSnapshot {
    let (scored, unscored): (Vec<_>, Vec<_>) = stages
        .scores
        .users
        .iter()
        .zip(&published.people)
        .partition(|(s, _)| s.status == UserStatus::Scored);
    let people = scored
        .into_iter()
        .map(|(s, p)| (p.id.clone(), (s.score, s.tier)))
        .collect();
    let unscored = unscored.into_iter().map(|(_, p)| p.id.clone()).collect();
    let segments = published
        .people
        .iter()
        .enumerate()
        .filter_map(|(i, p)| Some((p.id.clone(), stages.analysis.segments.current(i)?)))
        .collect();
    RunSnapshot {
        as_of,
        people,
        unscored,
        headline: published.headline.figures,
        segments,
    }
}

/// The run's manifest, without timings and outputs (filled in last).
fn manifest(
    options: &RunOptions,
    ingested: &Ingested,
    inputs: Vec<InputFile>,
    stages: &Stages,
    published: &Published,
    pseudonyms: &Pseudonymizer,
    key_source: Option<&KeySource>,
) -> Result<Manifest> {
    let config = &options.config;
    let headline = &stages.analysis.headline;
    Ok(Manifest {
        adept_version: env!("CARGO_PKG_VERSION").to_string(),
        as_of: options.as_of,
        config: config.clone(),
        inputs,
        ingest: Manifest::ingest_value(&ingested.summary),
        seed: config.clustering.seed,
        pseudonymised: pseudonyms.is_active(),
        key_source: key_source.map(KeySource::describe),
        key_fingerprint: pseudonyms.fingerprint(),
        users: stages.features.users.len(),
        scored: headline.figures.people as usize,
        candidates: stages.analysis.candidates.len(),
        departments_with_candidates: published.headline.departments_with_candidates as usize,
        personas: stages.clustering.k,
        signal_weights: stages.scores.weights.clone(),
        weights_source: config.scoring.weights.provenance(),
        catalog_coverage: stages.features.catalog.clone(),
        people_coverage: stages.features.people.clone(),
        data_warnings: stages.features.data_warnings.clone(),
        recommendation_check: Some(stages.analysis.recommendation_check),
        timings: Vec::new(),
        outputs: Vec::new(),
        withdrawn: Vec::new(),
    })
}

/// Runs the pipeline and writes everything into `options.out`: the rejects ledger first (so it
/// can be inspected when a reject rate over the limit fails the run), then the tables, the
/// report, and the manifest last.
pub fn run(options: &RunOptions) -> Result<RunOutcome> {
    let started = Instant::now();
    let progress = spinner(options.progress);
    let config = &options.config;
    let (pseudonyms, key_source) = pseudonymizer(config, &options.out)?;
    progress.set_message("reading and checking the input");
    let mut written = Vec::new();
    let earlier_run = options.out.join(outputs::MANIFEST_FILE).exists();
    let (ingested, usage) = ingest_events(
        &options.input,
        options.as_of,
        config,
        &mut |ingested, of| {
            if of == LedgerOf::FailedRun && earlier_run {
                let apart = options.out.join(FAILED_RUN_DIR);
                std::fs::create_dir_all(&apart).map_err(|e| Error::output(&apart, e))?;
                return Ok(Some(write_ledger(&apart, ingested, &pseudonyms)?));
            }
            let path = write_ledger(&options.out, ingested, &pseudonyms)?;
            written.push(path.clone());
            Ok(Some(path))
        },
    )
    .map_err(|e| beside_an_earlier_run(e, earlier_run, &options.out))?;
    let ingest_seconds = started.elapsed().as_secs_f64();
    progress.set_message("computing features, scores and personas");
    // The manifest's input checksums read every input file again: that runs on its own thread
    // meanwhile, mostly while the features are built on one core.
    let (stages, inputs) = std::thread::scope(|scope| {
        let inputs = scope.spawn(|| Manifest::inputs_of(&ingested.summary));
        let stages = analyse(&ingested, usage, config);
        let inputs = inputs
            .join()
            .map_err(|_| Error::Internal("checksumming the inputs panicked".into()));
        (stages, inputs)
    });
    let mut stages = stages?;
    let inputs = inputs??;
    let opted_out = OptedOut {
        ids: ingested.opted_out.clone(),
        pseudonyms: pseudonyms.clone(),
    };
    let published = privacy::publish(
        &stages.features,
        &stages.clustering,
        &stages.analysis,
        &config.privacy,
        &pseudonyms,
    );
    progress.set_message("writing the outputs");
    let mut timings = std::mem::take(&mut stages.timings);
    timings.insert(0, ("ingest", ingest_seconds));
    let clock = Instant::now();
    written.extend(outputs::write_tables(
        &options.out,
        &stages.features,
        &stages.scores,
        &stages.analysis,
        &published,
        &config.privacy,
    )?);
    if let Some(layout) = &options.history {
        // People who opted out are left out of earlier runs' figures here, as they are taken
        // out of those runs' files once this run is published (`withdraw_opted_out`).
        let earlier = earlier_snapshots(layout, options.as_of, &opted_out.every_spelling())?;
        let current = snapshot(options.as_of, &stages, &published);
        let history = analysis::history(&earlier, &current);
        written.push(outputs::write_history(
            &options.out,
            &history,
            options.as_of,
        )?);
    }
    timings.push(("write tables", clock.elapsed().as_secs_f64()));

    let clock = Instant::now();
    let mut manifest = manifest(
        options,
        &ingested,
        inputs,
        &stages,
        &published,
        &pseudonyms,
        key_source.as_ref(),
    )?;
    written.push(report::write_report(&options.out, manifest.clone())?);
    timings.push(("report", clock.elapsed().as_secs_f64()));
    manifest.timings = timings.iter().map(|(s, t)| (s.to_string(), *t)).collect();
    manifest.outputs = written
        .iter()
        .chain(std::iter::once(&options.out.join(outputs::MANIFEST_FILE)))
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    written.push(outputs::write_manifest(&options.out, &manifest)?);
    // An earlier failed run's ledger, kept apart, is of no more use beside a complete run.
    let _ = std::fs::remove_dir_all(options.out.join(FAILED_RUN_DIR));
    progress.finish_and_clear();
    Ok(RunOutcome {
        ingested,
        stages,
        published,
        timings,
        written,
        key_source,
        out: options.out.clone(),
        opted_out,
        withdrawn: Withdrawn::default(),
    })
}

/// Where a run over the reject limit into a directory holding an earlier run's outputs keeps its
/// rejects ledger: apart, so that the directory stays that earlier run's, whole. The next run
/// that completes there removes it.
pub const FAILED_RUN_DIR: &str = "failed-run";

/// A run over the reject limit into a directory holding an earlier run's outputs has kept its
/// ledger apart and written nothing else: the error says that the outputs there are untouched.
fn beside_an_earlier_run(err: Error, earlier_run: bool, out: &Path) -> Error {
    if !earlier_run {
        return err;
    }
    err.with_ledger(|ledger| {
        format!(
            "{ledger} (the outputs in `{}` are still an earlier run's, untouched)",
            out.display()
        )
    })
}

/// A scheduled run under an output root: takes the root's lock (failing at once if another run
/// holds it), writes into a staging directory, and publishes it as `runs/<as-of>` with `latest`
/// moved only once everything is written. On failure the previous runs and `latest` are
/// untouched, and what the failed run wrote is kept in `ROOT/failed/<as-of>/`.
pub fn run_in_root(
    root: &Path,
    input: &Path,
    as_of: NaiveDate,
    config: &Config,
    progress: bool,
) -> Result<RunOutcome> {
    let _lock = RootLock::acquire(root)?;
    let layout = RunLayout::new(root);
    layout.clean_stale_staging()?;
    let staging = layout.staging_dir(as_of)?;
    let result = run(&RunOptions {
        input: input.to_path_buf(),
        out: staging.clone(),
        as_of,
        config: config.clone(),
        history: Some(layout.clone()),
        progress,
    });
    match result {
        Ok(mut outcome) => {
            let target = publish(&layout, &staging, as_of)?;
            // After publishing: a run that fails leaves the earlier runs as they were. What
            // cannot be done is warned of; the run itself has succeeded.
            outcome.withdrawn = withdraw_opted_out(&layout, as_of, &outcome.opted_out)
                .unwrap_or_else(|e| Withdrawn {
                    not_done: vec![(as_of, format!("the runs under the root: {e}"))],
                    ..Withdrawn::default()
                });
            outcome.written = outcome
                .written
                .iter()
                .filter_map(|p| p.file_name().map(|n| target.join(n)))
                .collect();
            outcome.out = target;
            Ok(outcome)
        }
        Err(err) => {
            // Keep what the failed run wrote (the rejects ledger, say) for inspection, apart
            // from the runs: ROOT/failed/<as-of>/.
            let failed = layout.failed_dir(as_of);
            let _ = std::fs::remove_dir_all(&failed);
            let kept = failed
                .parent()
                .is_some_and(|p| std::fs::create_dir_all(p).is_ok())
                && std::fs::rename(&staging, &failed).is_ok();
            if !kept {
                let _ = std::fs::remove_dir_all(&staging);
            }
            Err(if kept {
                err.with_ledger(|_| format!(" `{}`", failed.join(outputs::REJECTS_FILE).display()))
            } else {
                err
            })
        }
    }
}

/// The directory a run's outputs are in, for messages.
pub fn describe_outputs(out: &Path, written: &[PathBuf]) -> String {
    let names: Vec<String> = written
        .iter()
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    format!("outputs in {}: {}", out.display(), names.join(", "))
}
