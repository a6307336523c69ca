//! The analyst notebooks in `notebooks/` run top to bottom against freshly built outputs.
//!
//! Needs Python 3 with `notebooks/requirements.txt` installed (`.ci/run` installs it). Set
//! `ADEPT_SKIP_NOTEBOOKS=1` to skip on a machine without them.

use std::path::{Path, PathBuf};
use std::process::Command;

use tempfile::tempdir;

use crate::fixtures::*;

const NOTEBOOKS: [&str; 4] = ["explore", "tune", "validate", "history"];
const KEY: &str = "notebook test key";

fn notebooks_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("notebooks")
}

#[test]
fn committed_notebooks_open_with_their_question_and_carry_no_outputs() {
    for name in NOTEBOOKS {
        let text = std::fs::read_to_string(notebooks_dir().join(format!("{name}.ipynb"))).unwrap();
        let nb: serde_json::Value = serde_json::from_str(&text).unwrap();
        let cells = nb["cells"].as_array().unwrap();
        assert_eq!(cells[0]["cell_type"], "markdown", "{name}");
        for cell in cells.iter().filter(|c| c["cell_type"] == "code") {
            assert!(
                cell["outputs"].as_array().unwrap().is_empty(),
                "{name} has committed outputs"
            );
        }
    }
}

#[test]
fn every_notebook_runs_against_fresh_nightly_outputs() {
    if std::env::var("ADEPT_SKIP_NOTEBOOKS").as_deref() == Ok("1") {
        return;
    }
    // Three nightly runs of the bundled sample, so history has something to show.
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample");
    let root = tempdir().unwrap();
    let config = write(
        root.path(),
        "adept.toml",
        "[ingest]\nmax_reject_rate = 1.0\n",
    );
    for date in ["2026-10-17", "2026-10-24", "2026-10-31"] {
        let o = Command::new(env!("CARGO_BIN_EXE_adept"))
            .args(["run", "-q", "--input"])
            .arg(&sample)
            .arg("--root")
            .arg(root.path().join("adept"))
            .arg("--config")
            .arg(&config)
            .args(["--as-of", date])
            .env("ADEPT_PSEUDONYM_KEY", KEY)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let runner = "import sys, nbformat, nbclient\n\
                  nb = nbformat.read(sys.argv[1], as_version=4)\n\
                  nbclient.NotebookClient(nb, timeout=300, kernel_name='python3',\n\
                      resources={'metadata': {'path': sys.argv[2]}}).execute()\n";
    for name in NOTEBOOKS {
        let o = Command::new("python3")
            .args(["-c", runner])
            .arg(notebooks_dir().join(format!("{name}.ipynb")))
            .arg(notebooks_dir())
            .env("ADEPT_ROOT", root.path().join("adept"))
            .env("ADEPT_TRUTH", sample.join("truth.csv"))
            .env("ADEPT_BIN", env!("CARGO_BIN_EXE_adept"))
            .env("ADEPT_PSEUDONYM_KEY", KEY)
            .env("MPLBACKEND", "Agg")
            .output()
            .expect("python3 is needed for the notebook tests (or set ADEPT_SKIP_NOTEBOOKS=1)");
        assert!(
            o.status.success(),
            "notebook {name} failed (pip install -r notebooks/requirements.txt?):\n{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}
