//! The command line: clap definitions, resolution of flags + config file into stage options, and
//! dispatch. Flag doc comments are the `--help` text. No pipeline logic lives here.

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use clap::{Parser, Subcommand, ValueEnum};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::evaluate;
use crate::explain;
use crate::generate::{self, GenerateParams, OutputFormat};
use crate::ingest::{self, IngestOptions};
use crate::outputs;
use crate::pipeline::{self, RunOptions};
use crate::privacy::{KeySource, Pseudonymizer};
use crate::report;

/// adept: find power-user candidates from application telemetry, training results and help records.
#[derive(Debug, Parser)]
#[command(name = "adept", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read and check an input directory: print a per-table summary and write the rejects ledger.
    Validate(ValidateArgs),
    /// Run the pipeline: ingest, features, scores, personas; write the Parquet tables.
    Run(RunArgs),
    /// Show the full breakdown of one user's score from a run's outputs.
    Explain(ExplainArgs),
    /// Compare the ranking (and two common rules) with labels such as manager nominations.
    Evaluate(EvaluateArgs),
    /// Render report.html again from a run's Parquet outputs, without recomputing.
    Report(ReportArgs),
    /// Aggregate events to uses per user x day x app x feature x trigger (ordinary events input).
    Rollup(RollupArgs),
    /// Write a synthetic organisation's tables with planted power users (and truth.csv).
    Generate(GenerateArgs),
    /// Learn signal weights from nominations and write them as a [scoring.weights] section.
    Calibrate(CalibrateArgs),
}

#[derive(Debug, clap::Args)]
pub struct CalibrateArgs {
    /// Output directory of `adept run` whose people the labels name.
    #[arg(long, value_name = "DIR")]
    pub from: PathBuf,
    /// CSV with `user_id` (raw id or pseudonym) and an optional `label` (1/0, true/false); a file
    /// of nominations (positives only) is enough.
    #[arg(long, value_name = "FILE")]
    pub labels: PathBuf,
    /// Folds of the cross-validation.
    #[arg(long, default_value_t = 5)]
    pub folds: usize,
    /// How many times the cross-validation is repeated with fresh folds: one split of a few
    /// dozen nominations leaves the choice of weights partly to chance; repeats steady it.
    #[arg(long, default_value_t = 5)]
    pub repeats: usize,
    /// Seed of the fold assignments (one random stream for all repeats).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Write the weights here (a new file, or appended to a config file without
    /// [scoring.weights]); default: print them.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Directory holding the tables (events.csv, events.parquet, events/, ...).
    #[arg(long, value_name = "DIR", required_unless_present = "show_config")]
    pub input: Option<PathBuf>,
    /// Directory for the outputs of this one run (default `adept-out`, unless an output root is set).
    #[arg(long, value_name = "DIR", conflicts_with = "root")]
    pub out: Option<PathBuf>,
    /// Output root for scheduled runs: writes ROOT/runs/<as-of>/ and moves ROOT/latest on success,
    /// under a lock. Overrides `[output] root`.
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Print the resolved configuration (file + flags + defaults) as TOML and exit.
    #[arg(long)]
    pub show_config: bool,
    /// Print nothing on success (errors still go to stderr).
    #[arg(long, short)]
    pub quiet: bool,
    /// How the run reports what it did: text for people, json (one object) for schedulers.
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    #[command(flatten)]
    pub settings: SettingsArgs,
}

/// The flags every command that reads input shares.
#[derive(Debug, clap::Args)]
pub struct SettingsArgs {
    /// TOML configuration file (column mappings, time zone, reject limit, window, weights, ...).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Analyse as of this date (YYYY-MM-DD): the window ends with it and later timestamps are
    /// rejected. Default: the config's `as_of`, else today (UTC).
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<NaiveDate>,
}

impl SettingsArgs {
    /// The configuration file (or defaults) with the flags applied, and the as-of date.
    fn resolve(self) -> Result<(Config, NaiveDate)> {
        let mut config = load_config(self.config.as_deref())?;
        if let Some(date) = self.as_of {
            config.as_of = Some(date);
        }
        let as_of = config
            .as_of
            .unwrap_or_else(|| chrono::Utc::now().date_naive());
        Ok((config, as_of))
    }
}

#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// The user id: the pseudonym in the outputs, or the raw id (pseudonymised with the run's key).
    pub user: String,
    /// Output directory of `adept run`.
    #[arg(long, value_name = "DIR", default_value = "adept-out")]
    pub from: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct RollupArgs {
    /// Directory holding the events table (other tables are read and checked too).
    #[arg(long, value_name = "DIR")]
    pub input: PathBuf,
    /// Directory for the rolled-up `events.parquet`.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    #[command(flatten)]
    pub settings: SettingsArgs,
}

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// Output directory of `adept run`.
    #[arg(long, value_name = "DIR", default_value = "adept-out")]
    pub from: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ReportFormat {
    Text,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct EvaluateArgs {
    /// Output directory of `adept run`.
    #[arg(long, value_name = "DIR")]
    pub scores: PathBuf,
    /// CSV with `user_id` and `is_power_user` (e.g. the generator's truth.csv, or nominations).
    #[arg(long, value_name = "FILE", required_unless_present = "recommendations")]
    pub truth: Option<PathBuf>,
    /// Instead: the recommender's offline check in that run (features people found in the
    /// window's second half, hidden and recommended from the rest, against the most popular).
    #[arg(long)]
    pub recommendations: bool,
    /// Cut-off for precision, recall and NDCG. Default: the number of labelled power users.
    #[arg(long)]
    pub k: Option<usize>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
}

#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// Directory holding the tables (events.csv, events.parquet, events/, ...).
    #[arg(long, value_name = "DIR")]
    pub input: PathBuf,
    /// Directory for rejects.parquet.
    #[arg(long, value_name = "DIR", default_value = "adept-out")]
    pub out: PathBuf,
    #[command(flatten)]
    pub settings: SettingsArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatArg {
    Parquet,
    Csv,
    Jsonl,
}

#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    /// Number of people in the organisation.
    #[arg(long, default_value_t = 500)]
    pub users: usize,
    /// Number of days of telemetry, ending at --end.
    #[arg(long, default_value_t = 90)]
    pub days: u32,
    /// Random seed: the same seed gives byte-identical files.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// File format of the tables.
    #[arg(long, value_enum, default_value_t = FormatArg::Parquet)]
    pub format: FormatArg,
    /// Last day of telemetry (YYYY-MM-DD).
    #[arg(long, value_name = "DATE", default_value = "2026-10-31")]
    pub end: NaiveDate,
    /// Output directory.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Change the organisation after generating it (Parquet only): take evidence away or add
    /// noise (no-triggers, no-help, noisy-feedback, label-noise, feature-noise, thin-export), or
    /// change what makes a power user (trainers-decide, help-decides).
    #[arg(long, value_parser = scenario_named, default_value = "planted")]
    pub scenario: generate::Scenario,
}

/// A scenario by the name `adept generate --help` lists.
fn scenario_named(name: &str) -> std::result::Result<generate::Scenario, String> {
    generate::Scenario::ALL
        .into_iter()
        .find(|s| s.name() == name)
        .ok_or_else(|| {
            let names: Vec<&str> = generate::Scenario::ALL.iter().map(|s| s.name()).collect();
            format!("`{name}` is not a scenario; one of: {}", names.join(", "))
        })
}

/// Parses arguments and runs the command. Clap's own errors (and --help) exit inside.
pub fn run<I, T>(args: I) -> Result<()>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = Cli::parse_from(args);
    match cli.command {
        Command::Validate(args) => validate(args),
        Command::Run(args) => run_cmd(args),
        Command::Explain(args) => explain_cmd(args),
        Command::Evaluate(args) => evaluate_cmd(args),
        Command::Report(args) => report_cmd(args),
        Command::Rollup(args) => rollup_cmd(args),
        Command::Generate(args) => generate_cmd(args),
        Command::Calibrate(args) => calibrate_cmd(args),
    }
}

fn load_config(path: Option<&Path>) -> Result<Config> {
    match path {
        Some(p) => Config::from_file(p),
        None => Ok(Config::default()),
    }
}

/// Prints to stdout; a closed pipe (`adept ... | head`) is not an error.
fn say(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::output("<stdout>", e)),
        _ => Ok(()),
    }
}

fn validate(args: ValidateArgs) -> Result<()> {
    let ValidateArgs {
        input,
        out,
        settings,
    } = args;
    let (config, as_of) = settings.resolve()?;
    let (pseudonyms, key_source) = pipeline::pseudonymizer(&config, &out)?;
    // Only the accounting and the ledger are wanted: events are checked and counted, not kept.
    // The summary and the ledger come before ingest's verdict on the reject limit.
    ingest::ingest(
        &IngestOptions::new(input, as_of, config),
        &mut ingest::DiscardRows,
        &mut |ingested, _| {
            say(&format!("as of {as_of}\n{}", ingested.summary))?;
            for t in &ingested.summary.tables {
                for warning in t.warnings() {
                    eprintln!("warning: {warning}");
                }
            }
            for warning in crate::features::ingested_case_warnings(ingested)? {
                eprintln!("warning: {warning}");
            }
            announce_key(key_source.as_ref())?;
            let ledger = pipeline::write_ledger(&out, ingested, &pseudonyms)?;
            say(&format!(
                "rejects ledger: {} ({} rows)\n",
                ledger.display(),
                ingested.rejects.height()
            ))?;
            Ok(Some(ledger))
        },
    )?;
    Ok(())
}

fn generate_cmd(args: GenerateArgs) -> Result<()> {
    let GenerateArgs {
        users,
        days,
        seed,
        format,
        end,
        out,
        scenario,
    } = args;
    if scenario != generate::Scenario::Planted && !matches!(format, FormatArg::Parquet) {
        return Err(Error::Config(format!(
            "--scenario `{}` works on Parquet output: drop `--format` or pass `--format parquet`",
            scenario.name()
        )));
    }
    let params = GenerateParams {
        users,
        days,
        seed,
        format: match format {
            FormatArg::Parquet => OutputFormat::Parquet,
            FormatArg::Csv => OutputFormat::Csv,
            FormatArg::Jsonl => OutputFormat::Jsonl,
        },
        end_date: end,
    };
    params.check()?;
    let started = std::time::Instant::now();
    let summary = generate::generate(&params, &out)?;
    generate::apply_scenario(scenario, &out, seed)?;
    let secs = started.elapsed().as_secs_f64();
    say(&format!(
        "wrote {} users, {} events to {} in {secs:.1} s ({:.0} events/s)\n",
        summary.users,
        summary.events,
        out.display(),
        summary.events as f64 / secs.max(1e-9)
    ))
}

fn run_cmd(args: RunArgs) -> Result<()> {
    let RunArgs {
        input,
        out,
        root,
        show_config,
        quiet,
        log_format,
        settings,
    } = args;
    // Flags override the file.
    let (mut config, as_of) = settings.resolve()?;
    if root.is_some() {
        config.output.root = root;
    }
    if show_config {
        let text = toml::to_string_pretty(&config).map_err(|e| Error::Internal(e.to_string()))?;
        return say(&text);
    }
    let input = input.ok_or_else(|| Error::Config("--input is required".into()))?;
    let progress = !quiet && log_format == LogFormat::Text;
    let (window_days, min_active_days) =
        (config.features.window_days, config.features.min_active_days);
    let outcome = match (&out, &config.output.root) {
        (None, Some(root)) => pipeline::run_in_root(root, &input, as_of, &config, progress)?,
        _ => pipeline::run(&RunOptions {
            input,
            out: out.unwrap_or_else(|| PathBuf::from("adept-out")),
            as_of,
            config,
            history: None,
            progress,
        })?,
    };
    announce_key(outcome.key_source.as_ref())?;
    // Loud even with --quiet: each says the run, though it succeeded, should be looked at.
    for warning in run_warnings(&outcome, as_of, window_days, min_active_days) {
        eprintln!("warning: {warning}");
    }
    if quiet {
        return Ok(());
    }
    let stages = &outcome.stages;
    let candidates = stages.analysis.candidates.len();
    let scored = stages.analysis.headline.figures.people;
    match log_format {
        LogFormat::Json => {
            let summary = serde_json::json!({
                "status": "ok",
                "as_of": as_of.to_string(),
                "out": outcome.out.display().to_string(),
                "users": stages.features.users.len(),
                "scored": scored,
                "candidates": candidates,
                "personas": stages.clustering.k,
                "signal_weights": stages.scores.weights,
                "catalog_coverage": stages.features.catalog,
                "people_coverage": stages.features.people,
                "ingest": outcome.ingested.summary,
                "withdrawn": outcome.withdrawn.runs.iter().map(|(run, w)| serde_json::json!({
                    "run": run.to_string(),
                    "people": w.people,
                    "rows": w.rows,
                    "report_replaced": w.report_replaced,
                })).collect::<Vec<_>>(),
                "timings": outcome.timings.iter().map(|(s, t)| (s.to_string(), *t)).collect::<Vec<_>>(),
            });
            say(&format!("{summary}\n"))
        }
        LogFormat::Text => {
            let timings: Vec<String> = outcome
                .timings
                .iter()
                .map(|(stage, s)| format!("{stage} {s:.2}s"))
                .collect();
            say(&format!(
                "as of {as_of}\n{}{} users, {scored} scored, {candidates} candidates, {} personas\n{}{}\ntimings: {}\n",
                outcome.ingested.summary,
                stages.features.users.len(),
                stages.clustering.k,
                coverage_lines(&stages.features)
                    + &signal_notes(&stages.scores.weights)
                    + &withdrawn_line(&outcome.withdrawn),
                pipeline::describe_outputs(&outcome.out, &outcome.written),
                timings.join(", ")
            ))
        }
    }
}

/// What was taken out of earlier runs under the root, as a line of the summary (empty where
/// nothing was).
fn withdrawn_line(withdrawn: &crate::runs::Withdrawn) -> String {
    if withdrawn.runs.is_empty() {
        return String::new();
    }
    let runs: Vec<String> = withdrawn
        .runs
        .iter()
        .map(|(date, w)| {
            let report = if w.report_replaced {
                ", report rendered again"
            } else {
                ""
            };
            let people = if w.people == 1 { "person" } else { "people" };
            let rows = if w.rows == 1 { "row" } else { "rows" };
            format!("{date} ({} {people}, {} {rows}{report})", w.people, w.rows)
        })
        .collect();
    format!(
        "opted out since: taken out of {} other run(s): {}\n",
        runs.len(),
        runs.join("; ")
    )
}

/// Says where a newly created pseudonym key is, once: pseudonyms depend on it.
fn announce_key(source: Option<&KeySource>) -> Result<()> {
    if let Some(KeySource::Created(path)) = source {
        eprintln!(
            "note: created the pseudonym key {}; keep it (and back it up): the same key gives the same pseudonyms in every run",
            path.display()
        );
    }
    Ok(())
}

/// The pseudonymiser a finished run used, from its manifest's configuration, and a warning
/// where the key found now is not the one the run used (raw ids then match none of its
/// pseudonyms, though pseudonyms given as they are still do).
fn run_pseudonymizer(outputs_dir: &Path) -> Result<(Pseudonymizer, Option<String>)> {
    let manifest = outputs::read_manifest(outputs_dir)?;
    if !manifest.pseudonymised {
        return Ok((Pseudonymizer::raw_ids(), None));
    }
    let (ids, source) = pipeline::pseudonymizer(&manifest.config, outputs_dir)?;
    let warning = match (&manifest.key_fingerprint, ids.fingerprint()) {
        (Some(run), Some(now)) if *run != now => Some(format!(
            "the run in `{}` made its pseudonyms with another key (fingerprint {run}) than the \
             one found now ({}, fingerprint {now}): raw ids match none of its pseudonyms. Set \
             {} or privacy.key_file to the run's key",
            outputs_dir.display(),
            source.map_or("?".to_string(), |s| s.describe()),
            crate::privacy::KEY_ENV,
        )),
        _ => None,
    };
    Ok((ids, warning))
}

fn explain_cmd(args: ExplainArgs) -> Result<()> {
    let ExplainArgs { user, from } = args;
    match explain::explain_user(&from, &user) {
        Ok(text) => say(&text),
        Err(Error::Input(message)) => {
            // Perhaps a raw id: try its pseudonym.
            let (ids, key_warning) = run_pseudonymizer(&from)?;
            let pseudonym = ids.id(&user);
            if pseudonym == user {
                return Err(Error::Input(message));
            }
            match explain::explain_user(&from, &pseudonym) {
                Err(Error::Input(_)) => Err(Error::Input(format!(
                    "user `{user}` is not in `{}`, as it is or as its pseudonym `{pseudonym}` \
                     under the key found now{}",
                    from.join(outputs::SCORES_FILE).display(),
                    key_warning.map(|w| format!("; {w}")).unwrap_or_default()
                ))),
                result => say(&result?),
            }
        }
        Err(other) => Err(other),
    }
}

/// [`run_pseudonymizer`], saying on stderr when the key is not the run's.
fn run_ids_warning_of_key(outputs_dir: &Path) -> Result<Pseudonymizer> {
    let (ids, warning) = run_pseudonymizer(outputs_dir)?;
    if let Some(warning) = warning {
        eprintln!("warning: {warning}");
    }
    Ok(ids)
}

fn rollup_cmd(args: RollupArgs) -> Result<()> {
    let RollupArgs {
        input,
        out,
        settings,
    } = args;
    let (config, as_of) = settings.resolve()?;
    let tz = config.ingest.timezone_parsed()?;
    let mut rollup = crate::rollup::DailyRollup::new(tz);
    let ingested = ingest::ingest(
        &IngestOptions::new(input, as_of, config),
        &mut rollup,
        &mut ingest::keep_nothing,
    )?;
    let mut rolled = rollup.finish()?;
    let path = crate::rollup::write_rollup(&out, &mut rolled)?;
    let events = ingested
        .summary
        .table(crate::contract::TableKind::Events)
        .map_or(0, |t| t.totals.accepted);
    say(&format!(
        "{events} accepted events -> {} rollup rows in {}\n",
        rolled.height(),
        path.display()
    ))
}

/// What a run that succeeded should still be looked at for: a catalog or people table that
/// matches little of the input (every feature area, opt-out and department depends on them), and
/// nobody scored (a stale export, or timestamps misread).
fn run_warnings(
    outcome: &pipeline::RunOutcome,
    as_of: NaiveDate,
    window_days: u32,
    min_active_days: u32,
) -> Vec<String> {
    let features = &outcome.stages.features;
    let mut warnings: Vec<String> = [
        features.catalog.as_ref().and_then(|c| c.warning.clone()),
        features.people.as_ref().and_then(|c| c.warning.clone()),
    ]
    .into_iter()
    .flatten()
    .chain(features.data_warnings.iter().cloned())
    .collect();
    let tables = &outcome.ingested.summary.tables;
    warnings.extend(tables.iter().flat_map(|t| t.warnings()));
    if !outcome.withdrawn.other_key.is_empty() {
        let dates: Vec<String> = outcome
            .withdrawn
            .other_key
            .iter()
            .map(|d| d.to_string())
            .collect();
        warnings.push(format!(
            "{} other run(s) under the root ({}) have pseudonyms of another key (or pseudonyms \
             while this run has raw ids): the people who have opted out cannot be found in them, \
             and may still be there. Remove those runs, or rerun them with this key",
            dates.len(),
            dates.join(", ")
        ));
    }
    for (date, why) in &outcome.withdrawn.not_done {
        warnings.push(format!(
            "the people who have opted out were not taken out of the run of {date}: {why}"
        ));
    }
    if outcome.stages.analysis.headline.figures.people == 0 {
        let summary = &outcome.ingested.summary;
        let events = summary.table(crate::contract::TableKind::Events);
        let range = events
            .and_then(|t| summary.dates(t))
            .map_or("none".to_string(), |(a, b)| format!("{a} to {b}"));
        warnings.push(format!(
            "nobody was scored: nobody was active on {min_active_days} or more days in the \
             {window_days} days up to {as_of} (accepted events: {}, dated {range}). Check \
             --as-of and how the timestamps were read",
            events.map_or(0, |t| t.totals.accepted)
        ));
    }
    warnings
}

/// How much of the use the catalog knows, and of the people the people table, for the run
/// summary.
fn coverage_lines(features: &crate::features::FeatureTable) -> String {
    let catalog = features
        .catalog
        .as_ref()
        .map(|c| format!("catalog: {}\n", c.summary()));
    let people = features
        .people
        .as_ref()
        .map(|c| format!("{}\n", c.summary()));
    catalog.unwrap_or_default() + &people.unwrap_or_default()
}

/// One line per signal left out of the score or scored on fewer features, with the reason.
fn signal_notes(weights: &[crate::score::SignalWeight]) -> String {
    weights
        .iter()
        .filter_map(|w| {
            let note = w.note.as_ref()?;
            let what = if w.used > 0.0 { "scored;" } else { "left out:" };
            Some(format!("signal {}: {what} {note}\n", w.signal))
        })
        .collect()
}

/// Prints the recommender's offline check a run recorded in its manifest.
fn recommendation_check(run: &std::path::Path, format: ReportFormat) -> Result<()> {
    let manifest = outputs::read_manifest(run)?;
    let Some(c) = manifest.recommendation_check else {
        return Err(Error::Input(format!(
            "`{}` has no recommendation check: it was written by an adept before recommendations; run it again",
            run.display()
        )));
    };
    match format {
        ReportFormat::Text => say(&format!(
            "{} people had at least 3 features before the window's second half and found 1 or more in it.\n\
             Those found later were hidden, and recommended from the rest:\n\
             hit rate@{k} (a hidden feature among the first {k}): {:.3}\n\
             the {k} most widely known features they did not know yet: {:.3}\n",
            c.people,
            c.hit_rate,
            c.popular_hit_rate,
            k = c.k
        )),
        ReportFormat::Json => say(&format!(
            "{}\n",
            serde_json::to_string_pretty(&c).map_err(|e| Error::Internal(e.to_string()))?
        )),
    }
}

fn calibrate_cmd(args: CalibrateArgs) -> Result<()> {
    let CalibrateArgs {
        from,
        labels,
        folds,
        repeats,
        seed,
        out,
    } = args;
    let ids = run_ids_warning_of_key(&from)?;
    let options = crate::calibrate::CalibrateOptions {
        from,
        labels,
        folds,
        repeats,
        seed,
    };
    let calibration = crate::calibrate::calibrate(&options, &ids)?;
    let date = chrono::Local::now().date_naive().to_string();
    let fragment = calibration.to_toml(&date);
    match out {
        Some(path) => {
            crate::calibrate::write_weights(&path, &fragment)?;
            say(&format!(
                "{}weights written to {}\n",
                calibration.table(),
                path.display()
            ))
        }
        None => say(&fragment),
    }
}

fn report_cmd(args: ReportArgs) -> Result<()> {
    let ReportArgs { from } = args;
    let manifest = outputs::read_manifest(&from)?;
    let path = report::write_report(&from, manifest)?;
    say(&format!("wrote {}\n", path.display()))
}

fn evaluate_cmd(args: EvaluateArgs) -> Result<()> {
    let EvaluateArgs {
        scores,
        truth,
        recommendations,
        k,
        format,
    } = args;
    let truth = match (truth, recommendations) {
        (Some(truth), false) => truth,
        _ => return recommendation_check(&scores, format),
    };
    let ids = run_ids_warning_of_key(&scores)?;
    let evaluation = evaluate::evaluate(&scores, &truth, k, &ids)?;
    match format {
        ReportFormat::Text => say(&evaluation.to_string()),
        ReportFormat::Json => say(&format!(
            "{}\n",
            serde_json::to_string_pretty(&evaluation)
                .map_err(|e| Error::Internal(e.to_string()))?
        )),
    }
}
