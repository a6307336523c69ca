//! Where a run's files go under an output root, and how a finished run is put in place.
//!
//! A run is written into a staging directory next to its final place; publishing renames it into
//! `runs/<as-of>` (replacing an earlier run of the same date) and then points `latest` at the
//! newest complete run. A run that fails never reaches `runs/` and never moves `latest`.

use std::fs;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use crate::error::{Error, Result};
use crate::outputs::MANIFEST_FILE;

#[derive(Debug, Clone, PartialEq)]
pub struct RunLayout {
    pub root: PathBuf,
}

impl RunLayout {
    pub fn new(root: impl Into<PathBuf>) -> RunLayout {
        RunLayout { root: root.into() }
    }

    pub fn runs(&self) -> PathBuf {
        self.root.join("runs")
    }

    pub fn run_dir(&self, as_of: NaiveDate) -> PathBuf {
        self.runs().join(as_of.to_string())
    }

    /// Where a failed run's partial outputs are kept for inspection.
    pub fn failed_dir(&self, as_of: NaiveDate) -> PathBuf {
        self.root.join("failed").join(as_of.to_string())
    }

    pub fn latest(&self) -> PathBuf {
        self.root.join("latest")
    }

    /// A fresh staging directory for a run of `as_of` (hidden, next to the runs).
    pub fn staging_dir(&self, as_of: NaiveDate) -> Result<PathBuf> {
        let runs = self.runs();
        fs::create_dir_all(&runs).map_err(|e| Error::output(&runs, e))?;
        let dir = runs.join(format!(".staging-{as_of}-{}", std::process::id()));
        if dir.exists() {
            fs::remove_dir_all(&dir).map_err(|e| Error::output(&dir, e))?;
        }
        fs::create_dir(&dir).map_err(|e| Error::output(&dir, e))?;
        Ok(dir)
    }

    /// (path, file name) of everything in `runs/`.
    fn entries(&self) -> Result<Vec<(PathBuf, String)>> {
        let runs = self.runs();
        if !runs.exists() {
            return Ok(Vec::new());
        }
        let mut entries = Vec::new();
        for entry in fs::read_dir(&runs).map_err(|e| Error::unreadable(&runs, e))? {
            let path = entry.map_err(|e| Error::unreadable(&runs, e))?.path();
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            entries.push((path, name));
        }
        Ok(entries)
    }

    /// Dates of complete runs (a manifest is written last), oldest first.
    pub fn complete_runs(&self) -> Result<Vec<NaiveDate>> {
        let mut dates = Vec::new();
        for (path, name) in self.entries()? {
            if let Ok(date) = NaiveDate::parse_from_str(&name, "%Y-%m-%d")
                && path.join(MANIFEST_FILE).exists()
            {
                dates.push(date);
            }
        }
        dates.sort();
        Ok(dates)
    }

    /// The failed runs kept under `failed/`, by as-of date.
    pub fn failed_runs(&self) -> Result<Vec<(NaiveDate, PathBuf)>> {
        let failed = self.root.join("failed");
        let mut runs = Vec::new();
        if !failed.exists() {
            return Ok(runs);
        }
        for entry in fs::read_dir(&failed).map_err(|e| Error::unreadable(&failed, e))? {
            let path = entry.map_err(|e| Error::unreadable(&failed, e))?.path();
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
            if let Some(date) = name.and_then(|n| NaiveDate::parse_from_str(&n, "%Y-%m-%d").ok()) {
                runs.push((date, path));
            }
        }
        runs.sort();
        Ok(runs)
    }

    /// Removes staging directories left by runs that were killed.
    pub fn clean_stale_staging(&self) -> Result<()> {
        for (path, name) in self.entries()? {
            if name.starts_with(".staging-") || name.starts_with(".replaced-") {
                fs::remove_dir_all(&path).map_err(|e| Error::output(&path, e))?;
            }
        }
        Ok(())
    }
}

/// Moves a finished staging directory to `runs/<as-of>` and points `latest` at the newest
/// complete run. Called with the root's lock held.
pub fn publish(layout: &RunLayout, staging: &Path, as_of: NaiveDate) -> Result<PathBuf> {
    let target = layout.run_dir(as_of);
    let replaced = layout
        .runs()
        .join(format!(".replaced-{as_of}-{}", std::process::id()));
    if target.exists() {
        fs::rename(&target, &replaced).map_err(|e| Error::output(&target, e))?;
    }
    fs::rename(staging, &target).map_err(|e| Error::output(&target, e))?;
    if replaced.exists() {
        fs::remove_dir_all(&replaced).map_err(|e| Error::output(&replaced, e))?;
    }
    let failed = layout.failed_dir(as_of);
    if failed.exists() {
        fs::remove_dir_all(&failed).map_err(|e| Error::output(&failed, e))?;
    }
    if let Some(newest) = layout.complete_runs()?.last() {
        point_latest(layout, *newest)?;
    }
    Ok(target)
}

/// `latest` -> `runs/<date>`, replaced atomically (a new link renamed over the old one).
fn point_latest(layout: &RunLayout, date: NaiveDate) -> Result<()> {
    let latest = layout.latest();
    let temp = layout.root.join(format!(".latest-{}", std::process::id()));
    let _ = fs::remove_file(&temp);
    let relative = Path::new("runs").join(date.to_string());
    #[cfg(unix)]
    std::os::unix::fs::symlink(&relative, &temp).map_err(|e| Error::output(&temp, e))?;
    #[cfg(not(unix))]
    fs::write(&temp, relative.to_string_lossy().as_bytes()).map_err(|e| Error::output(&temp, e))?;
    fs::rename(&temp, &latest).map_err(|e| Error::output(&latest, e))?;
    Ok(())
}
