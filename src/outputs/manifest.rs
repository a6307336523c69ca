//! `manifest.json`: what a run read, how, and what it wrote, so a result can be traced and
//! reproduced. Written last: its presence means the run completed.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::atomic;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::ingest::IngestSummary;

use super::tables::MANIFEST_FILE;

/// One input file: where it was, how big, and its content hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputFile {
    pub table: String,
    pub path: PathBuf,
    pub bytes: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub adept_version: String,
    pub as_of: NaiveDate,
    /// The resolved configuration (file + flags + defaults).
    pub config: Config,
    pub inputs: Vec<InputFile>,
    /// Rows read, accepted, rejected (by reason), duplicate and opted out, per table and file.
    pub ingest: serde_json::Value,
    /// The seed of everything random in the run (k-means initialisation).
    pub seed: u64,
    /// Whether user ids in the outputs are pseudonyms, and where the key came from.
    pub pseudonymised: bool,
    pub key_source: Option<String>,
    /// Which key made the pseudonyms (`Pseudonymizer::fingerprint`), never the key itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_fingerprint: Option<String>,
    pub users: usize,
    pub scored: usize,
    pub candidates: usize,
    /// Departments with at least one candidate.
    #[serde(default)]
    pub departments_with_candidates: usize,
    pub personas: usize,
    /// How each signal took part in the score: configured and used weight, and why a signal or
    /// some of its features were left out.
    #[serde(default)]
    pub signal_weights: Vec<crate::score::SignalWeight>,
    /// Where the configured weights came from: `defaults`, `configured`, or the record an
    /// `adept calibrate` weights file carries.
    #[serde(default)]
    pub weights_source: String,
    /// How much of the use the catalog knows, with a warning when it is low (None without a
    /// catalog).
    #[serde(default)]
    pub catalog_coverage: Option<crate::features::CatalogCoverage>,
    /// How many of the people with usage the `people` table knows (None without one).
    #[serde(default)]
    pub people_coverage: Option<crate::features::PeopleCoverage>,
    /// How the tables fit together, where they do not: ids of a record table that match a
    /// person with usage only when letter case is ignored; hire dates after people's use.
    /// Always written, empty where there is none, so that a reader can count on the key.
    #[serde(default)]
    pub data_warnings: Vec<String>,
    /// The recommender's offline check (features found in the window's second half, hidden).
    #[serde(default)]
    pub recommendation_check: Option<crate::analysis::RecommendationCheck>,
    /// Seconds per stage.
    pub timings: Vec<(String, f64)>,
    pub outputs: Vec<String>,
    /// What later runs took out of this one, of people who opted out after it
    /// (`runs::withdraw_opted_out`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub withdrawn: Vec<Withdrawal>,
}

/// What one earlier run lost, recorded in its `manifest.json` under `withdrawn`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Withdrawal {
    /// The run (its as-of date) that did it.
    pub by_run_of: NaiveDate,
    /// People found in the run who have since opted out.
    pub people: usize,
    /// Rows taken out of its tables, the rejects ledger included.
    pub rows: usize,
    /// Whether its report named one of them and was rendered again without them (or, where it
    /// could not be, replaced by a notice).
    pub report_replaced: bool,
}

/// SHA-256 of bytes, as lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// SHA-256 of a file's content, streamed.
pub fn sha256_file(path: &Path) -> Result<String> {
    let mut file = fs::File::open(path).map_err(|e| Error::unreadable(path, e))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file
            .read(&mut buf)
            .map_err(|e| Error::unreadable(path, e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

impl Manifest {
    /// Input files from the ingest summary, hashed.
    pub fn inputs_of(summary: &IngestSummary) -> Result<Vec<InputFile>> {
        let mut inputs = Vec::new();
        for table in &summary.tables {
            for file in &table.files {
                let bytes = fs::metadata(&file.path)
                    .map_err(|e| Error::unreadable(&file.path, e))?
                    .len();
                inputs.push(InputFile {
                    table: table.table.clone(),
                    path: file.path.clone(),
                    bytes,
                    sha256: sha256_file(&file.path)?,
                });
            }
        }
        Ok(inputs)
    }

    pub fn ingest_value(summary: &IngestSummary) -> serde_json::Value {
        serde_json::to_value(summary).unwrap_or(serde_json::Value::Null)
    }
}

pub fn write_manifest(out: &Path, manifest: &Manifest) -> Result<PathBuf> {
    let path = out.join(MANIFEST_FILE);
    let text =
        serde_json::to_string_pretty(manifest).map_err(|e| Error::Internal(e.to_string()))?;
    atomic::write_with(&path, |w| {
        w.write_all(text.as_bytes())
            .and_then(|_| w.write_all(b"\n"))
    })?;
    Ok(path)
}

pub fn read_manifest(out: &Path) -> Result<Manifest> {
    let path = out.join(MANIFEST_FILE);
    let text = fs::read_to_string(&path).map_err(|e| {
        Error::Input(format!(
            "cannot read `{}` ({e}): is this the output directory of a completed `adept run`?",
            path.display()
        ))
    })?;
    serde_json::from_str(&text).map_err(|e| Error::unreadable(&path, e))
}
