//! The HTML report for leadership, rendered from a run's output files: candidates and why,
//! personas, adoption by department, a proposed power-user group, and data quality.

mod charts;
mod data;
mod escape;
mod html;

use std::path::{Path, PathBuf};

pub use data::ReportData;
pub use escape::{html as escape_html, json_in_script};

use crate::atomic;
use crate::error::Result;
use crate::outputs::{Manifest, REPORT_FILE};

/// Renders the report from the outputs in `out` and the run's manifest.
pub fn render(out: &Path, manifest: Manifest) -> Result<String> {
    Ok(html::render(&ReportData::load(out, manifest)?))
}

/// Renders and writes `report.html` atomically.
pub fn write_report(out: &Path, manifest: Manifest) -> Result<PathBuf> {
    let page = render(out, manifest)?;
    let path = out.join(REPORT_FILE);
    atomic::write_with(&path, |w| w.write_all(page.as_bytes()))?;
    Ok(path)
}
