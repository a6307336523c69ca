//! The TOML configuration file: where each table comes from, how its columns are named, and how
//! ingest interprets values. Parsing only; checking and resolving happen in the stage that uses it.
//!
//! ```toml
//! as_of = "2026-10-31"            # optional; flags override it
//!
//! [ingest]
//! timezone = "Europe/Berlin"      # for timestamps without an offset (default UTC)
//! epoch_unit = "auto"             # auto | seconds | milliseconds
//! max_reject_rate = 0.05          # fail when a table rejects more than this share of its rows
//!                                 # (and more than one row, or its only rows)
//! batch_rows = 262144             # rows per streamed batch; results do not depend on it
//! workers = 0                     # threads that classify and add up batches (0: one per core,
//!                                 # at most 8); results do not depend on it
//!
//! [tables.events]
//! source = "segment/*.jsonl.gz"   # a file, directory or glob, relative to the input directory
//! format = "jsonl"                # csv | tsv | jsonl | parquet (default: from the extension)
//! columns = { user_id = "userId", feature = "event" }
//! values = { trigger = { kbd = "shortcut" } }   # the export's spelling = the contract's word
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::cluster::ClusterParams;
use crate::contract::TableKind;
use crate::error::{Error, Result};
use crate::features::FeatureParams;
use crate::privacy::PrivacySettings;
use crate::score::ScoreParams;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The date the analysis is as of; events after its end are rejected.
    pub as_of: Option<NaiveDate>,
    #[serde(default)]
    pub ingest: IngestSettings,
    /// Per-table source and column mapping, keyed by table name.
    #[serde(default)]
    pub tables: BTreeMap<String, TableSettings>,
    #[serde(default)]
    pub features: FeatureParams,
    #[serde(default)]
    pub scoring: ScoreParams,
    #[serde(default)]
    pub clustering: ClusterParams,
    #[serde(default)]
    pub segments: crate::analysis::SegmentParams,
    #[serde(default)]
    pub privacy: PrivacySettings,
    #[serde(default)]
    pub output: OutputSettings,
}

/// Where scheduled runs go.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputSettings {
    /// Output root: runs land in `ROOT/runs/<as-of>/`, with `ROOT/latest` and a lock.
    pub root: Option<PathBuf>,
}

/// The most ingest workers a configuration may ask for: each holds a batch and its own aggregates.
const WORKERS_LIMIT: usize = 64;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IngestSettings {
    /// IANA time zone for timestamps written without an offset, and for the as-of date.
    pub timezone: String,
    pub epoch_unit: EpochUnit,
    /// Highest share of a table's rows that may be rejected before the run fails (0..=1).
    pub max_reject_rate: f64,
    /// Rows per batch as tables stream through ingest: memory in flight grows with it, the
    /// per-batch overhead shrinks. Results do not depend on it.
    pub batch_rows: usize,
    /// Threads that classify checked batches and add up the accepted events, each with its own
    /// aggregates (memory grows with them); 0: one per core, at most 8. Results do not depend
    /// on it.
    pub workers: usize,
}

impl Default for IngestSettings {
    fn default() -> Self {
        IngestSettings {
            timezone: "UTC".to_string(),
            epoch_unit: EpochUnit::Auto,
            max_reject_rate: 0.05,
            batch_rows: 1 << 18,
            workers: 0,
        }
    }
}

/// How integer timestamps are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EpochUnit {
    /// Seconds below 100 billion, milliseconds from there (100 billion seconds is the year 5138).
    #[default]
    Auto,
    Seconds,
    Milliseconds,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableSettings {
    /// A file, a directory or a glob; relative paths are relative to the input directory.
    pub source: Option<String>,
    /// Overrides the format guessed from the file extension.
    pub format: Option<SourceFormat>,
    /// Field delimiter for CSV (default `,`; `\t` for TSV).
    pub delimiter: Option<char>,
    /// canonical column name -> column name in the export.
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
    /// canonical column with a vocabulary -> (the export's spelling -> the vocabulary's word),
    /// e.g. `trigger = { kbd = "shortcut" }`.
    #[serde(default)]
    pub values: BTreeMap<String, BTreeMap<String, String>>,
}

/// A file format adept reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceFormat {
    Csv,
    Tsv,
    Jsonl,
    Parquet,
}

impl Config {
    /// Reads and checks a configuration file.
    pub fn from_file(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::ConfigFile {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        Config::from_toml(&text).map_err(|e| match e {
            Error::Config(message) => Error::ConfigFile {
                path: path.to_path_buf(),
                message,
            },
            other => other,
        })
    }

    /// Parses and checks configuration text. Unknown keys are an error that names the key.
    pub fn from_toml(text: &str) -> Result<Config> {
        let config: Config = toml::from_str(text).map_err(|e| Error::Config(e.to_string()))?;
        config.check()?;
        Ok(config)
    }

    fn check(&self) -> Result<()> {
        let rate = self.ingest.max_reject_rate;
        if !(0.0..=1.0).contains(&rate) {
            return Err(Error::Config(format!(
                "ingest.max_reject_rate must be between 0 and 1, got `{rate}`"
            )));
        }
        if self.ingest.workers > WORKERS_LIMIT {
            return Err(Error::Config(format!(
                "ingest.workers must be at most {WORKERS_LIMIT}, got `{}` (0: one per core, at most 8)",
                self.ingest.workers
            )));
        }
        if self.ingest.batch_rows == 0 {
            return Err(Error::Config(
                "ingest.batch_rows must be at least 1 (default 262144)".into(),
            ));
        }
        self.ingest.timezone_parsed()?;
        self.features.check()?;
        self.scoring.check()?;
        self.clustering.check()?;
        self.segments.check()?;
        self.privacy.check()?;
        let (peers, group) = (self.scoring.min_peer_group, self.privacy.min_group_size);
        if peers < group {
            // Explanations quote a peer group's median: a group smaller than the privacy minimum
            // would be described where every other output withholds it.
            return Err(Error::Config(format!(
                "scoring.min_peer_group ({peers}) must be at least privacy.min_group_size \
                 ({group}): explanations quote each peer group's median"
            )));
        }
        for (name, settings) in &self.tables {
            let table = TableKind::from_name(name).ok_or_else(|| {
                Error::Config(format!(
                    "unknown table `{name}` under [tables]; known tables: {}",
                    TableKind::ALL.map(|t| t.name()).join(", ")
                ))
            })?;
            for canonical in settings.columns.keys() {
                if table.column(canonical).is_none() {
                    let known: Vec<_> = table.columns().iter().map(|c| c.name).collect();
                    return Err(Error::Config(format!(
                        "[tables.{name}.columns] maps `{canonical}`, which is not a column of `{name}`; its columns are: {}",
                        known.join(", ")
                    )));
                }
            }
            for (column, spelt) in &settings.values {
                crate::ingest::Spellings::configured(table, column, spelt)?;
            }
        }
        Ok(())
    }

    pub fn table(&self, table: TableKind) -> TableSettings {
        self.tables.get(table.name()).cloned().unwrap_or_default()
    }
}

impl IngestSettings {
    pub fn timezone_parsed(&self) -> Result<chrono_tz::Tz> {
        self.timezone.parse().map_err(|_| {
            Error::Config(format!(
                "ingest.timezone `{}` is not an IANA time zone name (for example `UTC` or `Europe/Berlin`)",
                self.timezone
            ))
        })
    }
}

impl TableSettings {
    /// The source's path relative to `input`, if configured.
    pub fn source_in(&self, input: &Path) -> Option<PathBuf> {
        self.source.as_ref().map(|s| input.join(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_segment_style_mapping() {
        let config = Config::from_toml(
            r#"
            as_of = "2026-10-31"
            [ingest]
            timezone = "Europe/Berlin"
            [tables.events]
            source = "segment/*.jsonl.gz"
            columns = { user_id = "userId", feature = "event" }
            "#,
        )
        .unwrap();
        let events = config.table(TableKind::Events);
        assert_eq!(events.columns["user_id"], "userId");
        assert_eq!(config.as_of, NaiveDate::from_ymd_opt(2026, 10, 31));
        assert_eq!(config.ingest.max_reject_rate, 0.05);
    }

    #[test]
    fn the_shipped_example_config_parses_with_its_documented_values() {
        let text = include_str!("../docs/adept.example.toml");
        let config = Config::from_toml(text).unwrap();
        assert_eq!(
            config.table(TableKind::People).columns["department"],
            "org_unit"
        );
        assert_eq!(
            config.table(TableKind::Events).format,
            Some(SourceFormat::Jsonl)
        );
        // Every value the example calls a default is the default.
        let defaults = Config::default();
        assert_eq!(config.ingest, defaults.ingest);
        assert_eq!(config.features, defaults.features);
        assert_eq!(config.segments, defaults.segments);
        assert_eq!(config.scoring, defaults.scoring);
        assert_eq!(config.clustering, defaults.clustering);
        assert_eq!(config.privacy, defaults.privacy);
        assert_eq!(config.output.root, Some(PathBuf::from("/var/lib/adept")));
    }

    #[test]
    fn unknown_keys_tables_and_columns_are_named_in_the_error() {
        let err = Config::from_toml("[ingest]\nmax_reject_rat = 0.1\n").unwrap_err();
        assert!(err.to_string().contains("max_reject_rat"), "{err}");
        let err = Config::from_toml("[tables.evnts]\nsource = \"x\"\n").unwrap_err();
        assert!(err.to_string().contains("`evnts`"), "{err}");
        let err = Config::from_toml("[tables.events.columns]\nuser = \"u\"\n").unwrap_err();
        assert!(err.to_string().contains("`user`"), "{err}");
        let err = Config::from_toml("[ingest]\ntimezone = \"Mars/Olympus\"\n").unwrap_err();
        assert!(err.to_string().contains("Mars/Olympus"), "{err}");
        let err = Config::from_toml("[ingest]\nmax_reject_rate = 5\n").unwrap_err();
        assert!(err.to_string().contains("between 0 and 1"), "{err}");
        let err = Config::from_toml("[ingest]\nworkers = 1000\n").unwrap_err();
        assert!(err.to_string().contains("at most 64"), "{err}");
    }

    #[test]
    fn a_peer_group_may_not_be_smaller_than_the_privacy_minimum() {
        let err = Config::from_toml(
            "[scoring]
min_peer_group = 3
",
        )
        .unwrap_err();
        assert!(err.to_string().contains("min_peer_group (3)"), "{err}");
        let config = Config::from_toml(
            "[scoring]
min_peer_group = 3
[privacy]
min_group_size = 3
",
        )
        .unwrap();
        assert_eq!(config.scoring.min_peer_group, 3);
    }
}
