//! The scheduling examples in `docs/scheduling/` are valid: the systemd units verify, and every
//! adept command line they contain is accepted by adept.

use std::path::{Path, PathBuf};
use std::process::Command;

use tempfile::tempdir;

fn docs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/scheduling")
}

/// The adept arguments of a documented command line (after `adept`, before any `2>&1`).
fn adept_args(line: &str) -> Vec<String> {
    let start = line.find("adept run").expect("an adept run command");
    // Airflow's template for the run date stands for a date.
    let line = line.replace("{{ ds }}", "2026-10-31");
    line[start + "adept".len()..]
        .split("2>&1")
        .next()
        .unwrap()
        .split_whitespace()
        .map(|s| s.trim_matches('"').to_string())
        .collect()
}

/// Runs the documented arguments with `--show-config`, the example config in place of
/// /etc/adept/adept.toml, and checks adept accepts them.
fn accepts(args: &[String]) {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/adept.example.toml");
    let args: Vec<String> = args
        .iter()
        .map(|a| {
            if a == "/etc/adept/adept.toml" {
                example.display().to_string()
            } else {
                a.clone()
            }
        })
        .collect();
    let o = Command::new(env!("CARGO_BIN_EXE_adept"))
        .args(&args)
        .arg("--show-config")
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn the_crontab_line_has_a_schedule_a_user_and_a_valid_adept_command() {
    let text = std::fs::read_to_string(docs().join("adept.crontab")).unwrap();
    let line = text
        .lines()
        .find(|l| !l.starts_with('#') && !l.trim().is_empty())
        .unwrap();
    let fields: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(&fields[..5], &["30", "2", "*", "*", "*"]);
    assert_eq!(fields[5], "adept", "cron.d lines name the user");
    accepts(&adept_args(line));
}

#[test]
fn the_systemd_units_verify_and_run_a_valid_adept_command() {
    let service = std::fs::read_to_string(docs().join("adept-nightly.service")).unwrap();
    let exec = service
        .lines()
        .find(|l| l.starts_with("ExecStart="))
        .unwrap();
    accepts(&adept_args(exec));
    let Ok(version) = Command::new("systemd-analyze").arg("--version").output() else {
        eprintln!("systemd-analyze not installed: unit verification skipped");
        return;
    };
    assert!(version.status.success());
    // Point ExecStart at this build so `verify` can check the executable exists.
    let dir = tempdir().unwrap();
    let unit = dir.path().join("adept-nightly.service");
    std::fs::write(
        &unit,
        service.replace("/usr/local/bin/adept", env!("CARGO_BIN_EXE_adept")),
    )
    .unwrap();
    let timer = dir.path().join("adept-nightly.timer");
    std::fs::copy(docs().join("adept-nightly.timer"), &timer).unwrap();
    let o = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&unit)
        .arg(&timer)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn the_airflow_dag_compiles_and_runs_a_valid_adept_command() {
    let dag = docs().join("adept_dag.py");
    let text = std::fs::read_to_string(&dag).unwrap();
    let start = text.find("\"adept run").unwrap();
    let command: String = text[start..]
        .split(')')
        .next()
        .unwrap()
        .split('"')
        .filter(|s| !s.trim().is_empty() && !s.contains('\n'))
        .collect();
    accepts(&adept_args(&command));
    let o = Command::new("python3")
        .args(["-m", "py_compile"])
        .arg(&dag)
        .output();
    if let Ok(o) = o {
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
}
