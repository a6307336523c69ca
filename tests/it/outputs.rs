//! The output set of `adept run`: manifest, pseudonyms, suppression of small groups, atomic
//! writes and re-rendering the report.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};

use polars::prelude::*;
use tempfile::tempdir;

use crate::fixtures::*;

fn adept_run(input: &Path, out: &Path, config: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_adept"));
    command
        .args(["run", "--input"])
        .arg(input)
        .arg("--out")
        .arg(out)
        .args(["--as-of", "2026-10-31"])
        .env("ADEPT_PSEUDONYM_KEY", "outputs test key");
    if let Some(text) = config {
        let path = input.join("adept.toml");
        std::fs::write(&path, text).unwrap();
        command.arg("--config").arg(path);
    }
    command.output().unwrap()
}

fn adept_validate(input: &Path, out: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_adept"))
        .args(["validate", "--input"])
        .arg(input)
        .arg("--out")
        .arg(out)
        .args(["--as-of", "2026-10-31"])
        .env("ADEPT_PSEUDONYM_KEY", "outputs test key")
        .output()
        .unwrap()
}

fn generated(users: usize, days: u32, format: adept::generate::OutputFormat) -> tempfile::TempDir {
    let dir = tempdir().unwrap();
    let params = adept::generate::GenerateParams {
        users,
        days,
        seed: 3,
        format,
        end_date: as_of(),
    };
    adept::generate::generate(&params, dir.path()).unwrap();
    dir
}

/// Every string value in every Parquet file, the report and the manifest of a run.
fn all_text(out: &Path) -> Vec<String> {
    let mut text = Vec::new();
    for entry in std::fs::read_dir(out).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name.ends_with(".parquet") {
            let frame = ParquetReader::new(std::fs::File::open(&path).unwrap())
                .finish()
                .unwrap();
            for column in frame.columns() {
                if column.dtype() == &DataType::String {
                    text.extend(column.str().unwrap().iter().flatten().map(str::to_string));
                }
            }
        } else {
            text.push(std::fs::read_to_string(&path).unwrap());
        }
    }
    text
}

#[test]
fn the_manifest_accounts_for_every_input_row_and_file() {
    let input = generated(120, 21, adept::generate::OutputFormat::Csv);
    let out = tempdir().unwrap();
    let o = adept_run(input.path(), out.path(), None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("manifest.json")).unwrap())
            .unwrap();
    for table in manifest["ingest"]["tables"].as_array().unwrap() {
        let name = table["table"].as_str().unwrap();
        let lines = std::fs::read_to_string(input.path().join(format!("{name}.csv")))
            .unwrap()
            .lines()
            .count() as u64
            - 1;
        assert_eq!(table["totals"]["read"].as_u64().unwrap(), lines, "{name}");
        let t = &table["totals"];
        let sum: u64 = ["accepted", "rejected", "duplicates", "opted_out"]
            .iter()
            .map(|k| t[*k].as_u64().unwrap())
            .sum();
        assert_eq!(sum, lines, "{name}");
    }
    let inputs = manifest["inputs"].as_array().unwrap();
    assert_eq!(inputs.len(), 6);
    for file in inputs {
        let path = Path::new(file["path"].as_str().unwrap());
        let bytes = std::fs::read(path).unwrap();
        assert_eq!(file["bytes"].as_u64().unwrap(), bytes.len() as u64);
        assert_eq!(
            file["sha256"].as_str().unwrap(),
            adept::outputs::sha256_hex(&bytes)
        );
    }
    let outputs: BTreeSet<&str> = manifest["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for name in [
        "features.parquet",
        "scores.parquet",
        "candidates.parquet",
        "clusters.parquet",
        "adoption.parquet",
        "power_user_group.parquet",
        "segments.parquet",
        "segment_trend.parquet",
        "recommendations.parquet",
        "programme.parquet",
        "rejects.parquet",
        "report.html",
        "manifest.json",
    ] {
        assert!(outputs.contains(name), "{name} not listed");
        assert!(out.path().join(name).exists(), "{name} not written");
    }
    assert_eq!(manifest["as_of"], "2026-10-31");
    assert_eq!(manifest["pseudonymised"], true);
    assert!(
        manifest["config"]["scoring"]["weights"]["depth"]
            .as_f64()
            .is_some()
    );
}

#[test]
fn no_raw_user_id_appears_in_any_output_unless_raw_ids_are_enabled() {
    let input = generated(80, 14, adept::generate::OutputFormat::Parquet);
    // A malformed line and a bad value carry ids into the rejects ledger too.
    let raw_ids: Vec<String> = (1..=80).map(|i| format!("u{i:06}")).collect();
    write(
        input.path(),
        "feedback.csv",
        format!(
            "user_id,timestamp,kind\n{},not a date,idea\n{},2026-10-01T00:00:00Z\n",
            raw_ids[0], raw_ids[1]
        ),
    );
    std::fs::remove_file(input.path().join("feedback.parquet")).unwrap();
    let out = tempdir().unwrap();
    let o = adept_run(
        input.path(),
        out.path(),
        Some("[ingest]\nmax_reject_rate = 1.0\n"),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = all_text(out.path());
    for id in &raw_ids {
        assert!(
            !text.iter().any(|t| t.contains(id.as_str())),
            "{id} appears in the outputs"
        );
    }
    // The ledger still says what was wrong, with the pseudonym.
    let ledger =
        ParquetReader::new(std::fs::File::open(out.path().join("rejects.parquet")).unwrap())
            .finish()
            .unwrap();
    assert_eq!(ledger.height(), 2);

    // The switch for analysts keeps raw ids: the check above would have caught them.
    let raw_out = tempdir().unwrap();
    let o = adept_run(
        input.path(),
        raw_out.path(),
        Some("[ingest]\nmax_reject_rate = 1.0\n[privacy]\nraw_ids = true\n"),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = all_text(raw_out.path());
    assert!(text.iter().any(|t| t.contains(raw_ids[0].as_str())));
}

#[test]
fn departments_smaller_than_the_minimum_group_are_not_shown_alone() {
    // 30 people in Big, 3 in Tiny: Tiny's figures must not appear, alone or as a pool.
    let dir = tempdir().unwrap();
    let mut people = String::from("user_id,department\n");
    let mut events = String::from("user_id,timestamp,feature,app,trigger,count\n");
    let departments: Vec<(&str, usize)> = vec![("Big", 30), ("Tiny", 3)];
    let mut u = 0;
    for (department, size) in &departments {
        for _ in 0..*size {
            people += &format!("u{u},{department}\n");
            for day in 1..=10 {
                // Tiny's people use fewest features: never candidates, never named in the report.
                let features = if *department == "Tiny" { 2 } else { 3 + u % 7 };
                for f in 0..features {
                    events += &format!("u{u},2026-10-{day:02}T09:00:00Z,f{f},app,menu,2\n");
                }
            }
            u += 1;
        }
    }
    write(dir.path(), "people.csv", people);
    write(dir.path(), "events.csv", events);
    let out = tempdir().unwrap();
    let o = adept_run(dir.path(), out.path(), None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = std::fs::read_to_string(out.path().join("report.html")).unwrap();
    assert!(
        !html.contains("Tiny"),
        "a department of 3 appears in the report"
    );
    // The pool of one small department (3 people) is itself too small to show, and Big shown
    // alone would give it by subtraction from the organisation's figures, and its members as the
    // rows that name no department: Big joins the pool, and no row names it either.
    assert!(!html.contains(">Big<"), "Big named beside a withheld Tiny");
    for file in ["features.parquet", "segments.parquet"] {
        let departments = read_parquet(&out.path().join(file));
        let column = departments.column("department").unwrap();
        assert_eq!(column.null_count(), column.len(), "{file}");
    }
    let adoption = read_parquet(&out.path().join("adoption.parquet"));
    let groups: Vec<(Option<&str>, Option<u64>)> = adoption
        .column("department")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .zip(adoption.column("people").unwrap().u64().unwrap().iter())
        .collect();
    assert_eq!(
        groups,
        [(None, Some(33)), (Some("2 departments pooled"), Some(33))]
    );

    // With a minimum of 3, Tiny is shown.
    let out3 = tempdir().unwrap();
    let o = adept_run(
        dir.path(),
        out3.path(),
        Some("[privacy]\nmin_group_size = 3\n"),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        std::fs::read_to_string(out3.path().join("report.html"))
            .unwrap()
            .contains(">Tiny<")
    );
}

#[test]
fn no_row_or_explanation_tells_the_members_of_a_withheld_group() {
    // Big: 18 clerks and 10 in sales; Mid: 30 analysts; Tiny: 3 in sales, the busiest; Ghost:
    // 3 people too little active to score. People are compared within their department.
    let dir = tempdir().unwrap();
    let mut people = String::from("user_id,department,role\n");
    let mut events = String::from("user_id,timestamp,feature,app,trigger,count\n");
    for u in 0..64 {
        let (department, role, features, days) = match u {
            0..18 => ("Big", "clerk", 3 + u % 5, 12),
            18..28 => ("Big", "sales", 3 + u % 5, 12),
            28..58 => ("Mid", "analyst", 3 + u % 6, 12),
            58..61 => ("Tiny", "sales", 20, 12),
            _ => ("Ghost", "actuary", 4, 2),
        };
        people += &format!("u{u},{department},{role}\n");
        for day in 1..=days {
            for f in 0..features {
                events += &format!("u{u},2026-10-{day:02}T09:00:00Z,f{f},app,menu,2\n");
            }
        }
    }
    write(dir.path(), "people.csv", people);
    write(dir.path(), "events.csv", events);
    let out = tempdir().unwrap();
    let config = "[privacy]\nmin_group_size = 12\n[scoring]\npeer_group = \"department\"\n";
    let o = adept_run(dir.path(), out.path(), Some(config));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let features = read_parquet(&out.path().join("features.parquet"));
    let shown: Vec<(Option<&str>, Option<&str>)> = features
        .column("department")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .zip(features.column("role").unwrap().str().unwrap().iter())
        .collect();
    // Tiny (3) and Ghost (nobody scored) are too small, and so is their pool: Big, the
    // smallest other, is withheld with them, so the rows naming no department are not Ghost's
    // or Tiny's alone; and Tiny's people are not told apart from Big's by their role.
    for (department, role) in &shown {
        assert!(
            !matches!(department, Some("Big" | "Tiny" | "Ghost")),
            "{shown:?}"
        );
        assert!(department.is_some() == role.is_some(), "{shown:?}");
    }
    assert_eq!(shown.iter().filter(|(d, _)| d.is_none()).count(), 34);
    // Departments with a candidate are counted as the rows show them: the withheld ones as
    // one pool, so that the count does not tell that Tiny has a candidate.
    let shown_with_candidates: std::collections::BTreeSet<String> =
        cells(out.path(), "candidates.parquet", "department")
            .into_iter()
            .collect();
    let candidates = read_parquet(&out.path().join("candidates.parquet"));
    let pooled = candidates.column("department").unwrap().null_count() > 0;
    let manifest = adept::outputs::read_manifest(out.path()).unwrap();
    assert!(pooled, "Tiny's busiest are candidates");
    assert_eq!(
        manifest.departments_with_candidates,
        shown_with_candidates.len() + 1
    );
    // Big is compared with everyone, not within a department its explanations would name.
    let explanations = cells(out.path(), "scores.parquet", "explanation");
    assert!(explanations.iter().any(|t| t.contains("peers in Mid")));
    for text in &explanations {
        assert!(!text.contains("peers in Big"), "{text}");
    }
}

#[test]
fn report_from_outputs_renders_the_same_page() {
    let input = generated(100, 14, adept::generate::OutputFormat::Parquet);
    let out = tempdir().unwrap();
    assert!(adept_run(input.path(), out.path(), None).status.success());
    let first = std::fs::read(out.path().join("report.html")).unwrap();
    std::fs::remove_file(out.path().join("report.html")).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_adept"))
        .args(["report", "--from"])
        .arg(out.path())
        .env("ADEPT_PSEUDONYM_KEY", "outputs test key")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        std::fs::read(out.path().join("report.html")).unwrap(),
        first
    );
}

#[test]
fn a_run_killed_while_writing_leaves_no_half_written_file_visible() {
    let input = generated(400, 30, adept::generate::OutputFormat::Csv);
    // Kill the run at different moments; whatever is visible under a final name must be complete.
    for delay_ms in [150u64, 400, 800, 1300, 2000] {
        let out = tempdir().unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_adept"))
            .args(["run", "--input"])
            .arg(input.path())
            .arg("--out")
            .arg(out.path())
            .args(["--as-of", "2026-10-31"])
            .env("ADEPT_PSEUDONYM_KEY", "outputs test key")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        for entry in std::fs::read_dir(out.path()).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            if name.starts_with('.') {
                continue; // a temporary file: not visible under an output's name
            }
            if name.ends_with(".parquet") {
                let read = ParquetReader::new(std::fs::File::open(&path).unwrap()).finish();
                assert!(
                    read.is_ok(),
                    "{name} is not a complete Parquet file after a kill at {delay_ms} ms"
                );
            } else if name == "manifest.json" {
                let text = std::fs::read_to_string(&path).unwrap();
                assert!(serde_json::from_str::<serde_json::Value>(&text).is_ok());
            } else if name == "report.html" {
                assert!(
                    std::fs::read_to_string(&path)
                        .unwrap()
                        .trim_end()
                        .ends_with("</html>")
                );
            }
        }
        // The manifest, written last, means every other output is there.
        if out.path().join("manifest.json").exists() {
            for name in ["features.parquet", "scores.parquet", "report.html"] {
                assert!(out.path().join(name).exists());
            }
        }
    }
}

fn read(path: &Path) -> DataFrame {
    ParquetReader::new(std::fs::File::open(path).unwrap())
        .finish()
        .unwrap()
}

/// Every cell of a text column, nulls left out.
fn cells(dir: &Path, file: &str, column: &str) -> Vec<String> {
    let frame = read(&dir.join(file));
    let Ok(c) = frame.column(column) else {
        return Vec::new();
    };
    c.str()
        .unwrap()
        .iter()
        .flatten()
        .map(str::to_string)
        .collect()
}

#[test]
fn a_department_role_and_persona_under_the_minimum_are_withheld_the_same_way_everywhere() {
    // 28 people in Big (role "clerk"), 12 in Mid ("analyst"); 3 in Tiny (role "actuary"), who
    // use the most features, so one of them is a candidate and their department and role would
    // otherwise be named. With a minimum of 12, Tiny is too small, and so is a pool of Tiny
    // alone: Mid, the smallest other, joins it and is withheld too.
    let dir = tempdir().unwrap();
    let mut people = String::from("user_id,department,role\n");
    let mut events = String::from("user_id,timestamp,feature,app,trigger,count\n");
    for u in 0..43 {
        let tiny = u >= 40;
        let (department, role) = match u {
            40.. => ("Tiny", "actuary"),
            28.. => ("Mid", "analyst"),
            _ => ("Big", "clerk"),
        };
        people += &format!("u{u},{department},{role}\n");
        let features = if tiny { 30 } else { 3 + u % 9 };
        for day in 1..=12 {
            for f in 0..features {
                events += &format!("u{u},2026-10-{day:02}T09:00:00Z,f{f},app,menu,2\n");
            }
        }
    }
    write(dir.path(), "people.csv", people);
    write(dir.path(), "events.csv", events);
    // A minimum of 12 withholds several personas too, whatever k-means makes of 43 people.
    let out = tempdir().unwrap();
    let o = adept_run(
        dir.path(),
        out.path(),
        Some("[privacy]\nmin_group_size = 12\n"),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = out.path();
    let html = std::fs::read_to_string(o.join("report.html")).unwrap();
    for name in ["Tiny", "actuary", "Mid", "analyst"] {
        for (file, column) in [
            ("features.parquet", "department"),
            ("features.parquet", "role"),
            ("candidates.parquet", "department"),
            ("candidates.parquet", "role"),
            ("adoption.parquet", "department"),
            ("segments.parquet", "department"),
            ("segment_trend.parquet", "department"),
            ("programme.parquet", "department"),
        ] {
            assert!(
                !cells(o, file, column).contains(&name.to_string()),
                "{name} in {file}"
            );
        }
        assert!(!html.contains(name), "{name} in the report");
    }
    assert!(cells(o, "candidates.parquet", "department").is_empty() || html.contains(">Big<"));
    assert!(cells(o, "features.parquet", "role").contains(&"clerk".to_string()));

    // Personas: those withheld in clusters.parquet keep a row without a name or a figure; every
    // persona named in a person's row or in the report is one shown, with its size.
    let clusters = read(&o.join("clusters.parquet"));
    let names: Vec<Option<String>> = clusters
        .column("persona")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|n| n.map(str::to_string))
        .collect();
    let sizes: Vec<Option<u64>> = clusters
        .column("size")
        .unwrap()
        .u64()
        .unwrap()
        .iter()
        .collect();
    let withheld = sizes.iter().filter(|s| s.is_none()).count();
    assert!(withheld > 0, "no persona under 12: {sizes:?}");
    let means = clusters.column("mean_score").unwrap().null_count();
    assert_eq!(means, withheld);
    let in_scores = cells(o, "scores.parquet", "persona");
    for (name, size) in names.iter().zip(&sizes) {
        match (name, size) {
            (None, None) => {}
            (Some(name), Some(size)) => {
                let members = in_scores.iter().filter(|p| *p == name).count() as u64;
                assert_eq!(members, *size, "{name}");
                assert!(
                    html.contains(&format!(">{name}<")),
                    "{name} not in the report"
                );
            }
            other => panic!("a persona named without its figures, or the reverse: {other:?}"),
        }
    }
    let shown: Vec<&String> = names.iter().flatten().collect();
    let not_clustered = adept::privacy::NOT_CLUSTERED.to_string();
    for named in in_scores
        .iter()
        .chain(&cells(o, "candidates.parquet", "persona"))
    {
        assert!(shown.contains(&named) || *named == not_clustered, "{named}");
    }
}

#[test]
fn a_run_directory_with_a_missing_or_mistyped_column_is_a_data_error_naming_file_and_column() {
    let input = generated(60, 14, adept::generate::OutputFormat::Parquet);
    let out = tempdir().unwrap();
    assert!(adept_run(input.path(), out.path(), None).status.success());
    let report = || {
        Command::new(env!("CARGO_BIN_EXE_adept"))
            .args(["report", "--from"])
            .arg(out.path())
            .env("ADEPT_PSEUDONYM_KEY", "outputs test key")
            .output()
            .unwrap()
    };
    // `persona` missing from clusters.parquet, then `score` as text in candidates.parquet.
    rewrite_parquet(&out.path().join("clusters.parquet"), |f| {
        f.drop("persona").unwrap()
    });
    assert_data_error(&report(), &["clusters.parquet", "`persona`"]);
    rewrite_parquet(&out.path().join("candidates.parquet"), |f| {
        as_text(f, "score")
    });
    assert_data_error(&report(), &["candidates.parquet", "`score`"]);
}

#[test]
fn on_thin_data_the_report_leaves_out_what_has_no_evidence_and_says_what_would_add_it() {
    // Events without triggers, no help table: as many real exports are.
    let dir = tempdir().unwrap();
    let mut events = String::from("user_id,timestamp,feature,app\n");
    for u in 0..30 {
        for day in 1..=12 {
            for f in 0..(2 + u % 9) {
                events += &format!("u{u},2026-10-{day:02}T09:00:00Z,f{f},app\n");
            }
        }
    }
    write(dir.path(), "events.csv", events);
    let out = tempdir().unwrap();
    let o = adept_run(dir.path(), out.path(), None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = std::fs::read_to_string(out.path().join("report.html")).unwrap();
    for absent in [
        "Shortcut share",
        "shortcut share",
        "helped a colleague",
        "Helped someone",
        // No people table: nobody's department is known, so nothing said by department.
        "departments with a candidate",
        "balanced across departments",
        "By department, week",
        "from different departments",
    ] {
        assert!(!html.contains(absent), "`{absent}` shown without evidence");
    }
    assert!(html.contains("Nobody's department is known"));
    assert!(
        html.contains("No evidence in this run"),
        "no line on what is missing"
    );
    assert!(html.contains("`trigger` column") && html.contains("`help` table"));
    // A help table with too little in it: the report says so, and does not ask for the table.
    write(
        dir.path(),
        "help.csv",
        "helper_id,helped_id,timestamp\nu1,u2,2026-10-03T10:00:00Z\n",
    );
    let thin_help = tempdir().unwrap();
    assert!(
        adept_run(dir.path(), thin_help.path(), None)
            .status
            .success()
    );
    let with_help = std::fs::read_to_string(thin_help.path().join("report.html")).unwrap();
    assert!(
        !with_help.contains("`help` table"),
        "asks for a table it has"
    );
    assert!(with_help.contains("help (fewer than"), "no reason for help");
    std::fs::remove_file(dir.path().join("help.csv")).unwrap();
    // What candidates were scored on names only what had evidence (everyone was active on the
    // same days, so consistency tells nobody apart either).
    assert!(
        html.contains("(3 of 30, rounded up to whole people) on feature depth, each compared"),
        "{}",
        html.split("Candidates are")
            .nth(1)
            .unwrap_or("")
            .split("</p>")
            .next()
            .unwrap_or("")
    );
    // With triggers and help, they are back.
    let full = generated(60, 14, adept::generate::OutputFormat::Parquet);
    let out = tempdir().unwrap();
    assert!(adept_run(full.path(), out.path(), None).status.success());
    let html = std::fs::read_to_string(out.path().join("report.html")).unwrap();
    assert!(html.contains("Shortcut share") && html.contains("helped a colleague"));
    assert!(!html.contains("`trigger` column") && !html.contains("`help` table"));
    let scored_on = html
        .split("whole people) on ")
        .nth(1)
        .unwrap()
        .split(", each")
        .next()
        .unwrap();
    assert!(
        scored_on.contains("shortcut use") && scored_on.contains("help given"),
        "{scored_on}"
    );
}

#[test]
fn a_run_that_scores_nobody_says_so_on_stderr() {
    // A stale export: every event long before the window.
    let dir = tempdir().unwrap();
    let mut events = String::from("user_id,timestamp,feature\n");
    for u in 0..5 {
        for day in 1..=8 {
            events += &format!("u{u},2025-01-{day:02}T09:00:00Z,f\n");
        }
    }
    write(dir.path(), "events.csv", events);
    let out = tempdir().unwrap();
    let o = adept_run(dir.path(), out.path(), None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("warning: nobody was scored")
            && stderr.contains("accepted events: 40, dated 2025-01-01 to 2025-01-08"),
        "{stderr}"
    );
}

#[test]
fn help_counts_an_export_does_not_record_are_null_not_zero() {
    let dir = tempdir().unwrap();
    let mut events = String::from("user_id,timestamp,feature\n");
    for u in 0..12 {
        for day in 1..=8 {
            // Two to four features each: the others have features to learn, so a session.
            events += &format!("u{u},2026-10-{day:02}T09:00:00Z,f{}\n", day % (2 + u % 3));
        }
    }
    write(dir.path(), "events.csv", events);
    let pain_point = |help: &str| {
        write(dir.path(), "help.csv", help);
        let out = tempdir().unwrap();
        let o = adept_run(dir.path(), out.path(), None);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let programme = read_parquet(&out.path().join("programme.parquet"));
        let topic = programme
            .clone()
            .lazy()
            .filter(col("topic").eq(lit("printing")))
            .collect()
            .unwrap();
        let count = |name: &str| topic.column(name).unwrap().u64().unwrap().get(0);
        // No topic names the one area ("(all features)", no catalog or app): its help counts are
        // unknown, not 0 while the topics list unresolved requests.
        let session = programme
            .lazy()
            .filter(col("kind").eq(lit("session")))
            .collect()
            .unwrap();
        assert_eq!(session.column("help_requests").unwrap().null_count(), 1);
        (count("help_requests"), count("unresolved_help"))
    };
    let rows = "u1,u2,2026-10-03T10:00:00Z,printing\nu3,u2,2026-10-04T10:00:00Z,printing\n";
    // No `resolved` column: how many were resolved is unknown, not none.
    let without = pain_point(&format!("helper_id,helped_id,timestamp,topic\n{rows}"));
    assert_eq!(without, (Some(2), None));
    let with = format!(
        "helper_id,helped_id,timestamp,topic,resolved\n{}",
        rows.replace('\n', ",false\n")
    );
    assert_eq!(pain_point(&with), (Some(2), Some(2)));
}

#[test]
fn a_people_table_whose_ids_match_few_users_is_reported_loudly() {
    // Usage by e-mail, the people table by employee number: one id in common.
    let dir = tempdir().unwrap();
    let events = twelve_people("u", "@x.org");
    write(dir.path(), "events.csv", events);
    let mut people = String::from("user_id,department,opt_out\nu0@x.org,Sales,false\n");
    for u in 1..12 {
        people += &format!("E{u:04},Sales,{}\n", u == 3);
    }
    write(dir.path(), "people.csv", people);
    let out = tempdir().unwrap();
    let o = adept_run(dir.path(), out.path(), None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("warning: the people table knows 1 of 12 people with usage"),
        "{stderr}"
    );
    let manifest = adept::outputs::read_manifest(out.path()).unwrap();
    let coverage = manifest.people_coverage.unwrap();
    assert_eq!((coverage.known, coverage.with_usage), (1, 12));
    let html = std::fs::read_to_string(out.path().join("report.html")).unwrap();
    assert!(html.contains("<b>Warning:</b> the people table knows 1 of 12"));
}

#[test]
fn an_event_id_that_repeats_for_most_events_is_reported_loudly() {
    // The export numbers events within each person's day: `event_id` repeats across people and
    // days, so all but the first of each number is dropped as a duplicate.
    let dir = tempdir().unwrap();
    let mut events = String::from("user_id,timestamp,feature,event_id\n");
    for u in 0..12 {
        for day in 1..=8 {
            for n in 0..3 {
                events += &format!("u{u},2026-10-{day:02}T09:0{n}:00Z,f{n},{n}\n");
            }
        }
    }
    write(dir.path(), "events.csv", events);
    let out = tempdir().unwrap();
    let o = adept_run(dir.path(), out.path(), None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stderr = String::from_utf8_lossy(&o.stderr);
    let said = "warning: 285 of 288 valid rows of `";
    assert!(stderr.contains(said), "{stderr}");
    assert!(
        stderr.contains("events.csv` (99%) repeat the `event_id`"),
        "{stderr}"
    );
    assert!(stderr.contains("[tables.events.columns]"), "{stderr}");
    let html = std::fs::read_to_string(out.path().join("report.html")).unwrap();
    assert!(html.contains("<b>Warning:</b> 285 of 288 valid rows of"));
    // `adept validate`, run before a first run, says it as well.
    let o = adept_validate(dir.path(), out.path());
    assert!(String::from_utf8_lossy(&o.stderr).contains(said));

    // A replayed export repeats a few: no warning.
    let mut events = String::from("user_id,timestamp,feature,event_id\n");
    for u in 0..12 {
        for day in 1..=8 {
            events += &format!("u{u},2026-10-{day:02}T09:00:00Z,f{day},e{u}-{day}\n");
        }
    }
    events += "u0,2026-10-01T09:00:00Z,f1,e0-1\n";
    write(dir.path(), "events.csv", events.clone());
    let out = tempdir().unwrap();
    let o = adept_run(dir.path(), out.path(), None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!String::from_utf8_lossy(&o.stderr).contains("duplicates"));

    // Daily exports that overlap by design: the second file repeats the first whole. No warning.
    let days = tempdir().unwrap();
    std::fs::create_dir(days.path().join("events")).unwrap();
    write(&days.path().join("events"), "day-1.csv", &events);
    write(&days.path().join("events"), "day-2.csv", &events);
    let o = adept_run(days.path(), out.path(), None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!String::from_utf8_lossy(&o.stderr).contains("duplicates"));
}

/// Events of twelve people (`{prefix}0{suffix}` ..), each on 1 to 8 October, three features.
fn twelve_people(prefix: &str, suffix: &str) -> String {
    let mut events = String::from("user_id,timestamp,feature\n");
    for u in 0..12 {
        for day in 1..=8 {
            events += &format!(
                "{prefix}{u}{suffix},2026-10-{day:02}T09:00:00Z,f{}\n",
                day % 3
            );
        }
    }
    events
}

/// The plain files directly in `dir` and their bytes, by name.
fn files_in(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect();
    files.sort();
    files
}

#[test]
fn a_failed_run_into_an_earlier_runs_directory_leaves_that_run_whole() {
    let dir = tempdir().unwrap();
    let mut events = twelve_people("u", "");
    write(dir.path(), "events.csv", &events);
    let out = tempdir().unwrap();
    let o = adept_run(dir.path(), out.path(), None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // The next export has a time nobody can read on every other line: over the reject limit.
    events += &"u0,yesterday,f1\n".repeat(200);
    write(dir.path(), "events.csv", &events);
    let before: Vec<(String, Vec<u8>)> = files_in(out.path());
    let o = adept_run(dir.path(), out.path(), None);
    assert_eq!(o.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("still an earlier run's, untouched"),
        "{stderr}"
    );
    assert!(stderr.contains("e.g. `yesterday`"), "{stderr}");
    // The earlier run's outputs are all as they were, its ledger included; the failed run's
    // ledger is apart, where the error says, and holds the unreadable times.
    let apart = out
        .path()
        .join(adept::pipeline::FAILED_RUN_DIR)
        .join("rejects.parquet");
    assert!(stderr.contains(&apart.display().to_string()), "{stderr}");
    let after: Vec<(String, Vec<u8>)> = files_in(out.path());
    assert_eq!(before, after);
    assert_eq!(read_parquet(&apart).height(), 200);
    // The next complete run removes it.
    events.truncate(events.len() - "u0,yesterday,f1\n".len() * 200);
    write(dir.path(), "events.csv", &events);
    let o = adept_run(dir.path(), out.path(), None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!apart.parent().unwrap().exists());
    // Into a directory of its own, nothing to say about earlier files.
    let fresh = tempdir().unwrap();
    let o = adept_run(dir.path(), fresh.path(), None);
    assert!(!String::from_utf8_lossy(&o.stderr).contains("earlier run"));
}

#[test]
fn a_catalog_that_matches_little_is_reported_loudly_with_its_likely_cause() {
    let dir = tempdir().unwrap();
    let mut events = String::from("user_id,timestamp,feature\n");
    for u in 0..20 {
        for day in 1..=8 {
            for f in 0..(2 + u % 5) {
                events += &format!("u{u},2026-10-{day:02}T09:00:00Z,Cmd.{f}\n");
            }
        }
    }
    write(dir.path(), "events.csv", events);
    // The catalog names the application; the command log does not. Matched by name alone.
    let mut catalog = String::from("app,feature,area,level,has_shortcut\n");
    for f in 0..7 {
        catalog += &format!("VS,Cmd.{f},Edit,basic,true\n");
    }
    write(dir.path(), "catalog.csv", &catalog);
    let out = tempdir().unwrap();
    let o = adept_run(dir.path(), out.path(), None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let manifest = adept::outputs::read_manifest(out.path()).unwrap();
    let coverage = manifest.catalog_coverage.unwrap();
    assert_eq!((coverage.features_known, coverage.features_used), (6, 6));
    assert!(coverage.warning.is_none());
    assert!(String::from_utf8_lossy(&o.stdout).contains("catalog: knows 6 of 6 features used"));
    let experts = read_parquet(&out.path().join("area_experts.parquet"));
    assert!(strings(&experts, "area").iter().all(|a| a == "Edit"));

    // A catalog whose feature names differ: a warning on stderr, in the manifest and the report.
    write(
        dir.path(),
        "catalog.csv",
        catalog.replace("Cmd.", "Command "),
    );
    let out = tempdir().unwrap();
    let o = adept_run(dir.path(), out.path(), None);
    assert!(o.status.success());
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("warning: the catalog knows 0 of 6 features used"),
        "{stderr}"
    );
    assert!(
        stderr.contains("6 of the 6 features used have a name the catalog does not have"),
        "{stderr}"
    );
    let manifest = adept::outputs::read_manifest(out.path()).unwrap();
    assert!(manifest.catalog_coverage.unwrap().warning.is_some());
    let html = std::fs::read_to_string(out.path().join("report.html")).unwrap();
    assert!(html.contains("<b>Warning:</b> the catalog knows 0 of 6"));
}

#[test]
fn questions_filed_as_feedback_are_not_called_help_in_an_export_without_a_help_table() {
    let dir = tempdir().unwrap();
    write(dir.path(), "events.csv", twelve_people("u", ""));
    let mut feedback = String::from("user_id,timestamp,kind\n");
    for u in 0..3 {
        feedback += &format!("u{u},2026-10-02T09:00:00Z,question\n");
    }
    write(dir.path(), "feedback.csv", feedback);
    let out = tempdir().unwrap();
    let o = adept_run(dir.path(), out.path(), None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = std::fs::read_to_string(out.path().join("report.html")).unwrap();
    assert!(
        html.contains(
            "Questions filed as feedback (which have no topic), for the group's agenda. Each \
             question counts once."
        ),
        "{html}"
    );
    for wrong in [
        "Help topics",
        "help table counts",
        "No help topic",
        "Times helped",
    ] {
        assert!(!html.contains(wrong), "{wrong}");
    }
}

#[test]
fn ids_spelt_in_another_case_in_a_record_table_are_warned_of_in_the_run_and_the_report() {
    let dir = tempdir().unwrap();
    let events = twelve_people("user", "@x.org");
    write(dir.path(), "events.csv", &events);
    // The ticket tool capitalises the names: its help counts for nobody with usage.
    let mut help = String::from("helper_id,helped_id,timestamp\n");
    for u in 1..12 {
        help += &format!("User0@x.org,User{u}@x.org,2026-10-05T10:00:00Z\n");
    }
    write(dir.path(), "help.csv", &help);
    let out = tempdir().unwrap();
    let o = adept_run(dir.path(), out.path(), None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let said = "12 id(s) in `help` match a person with usage only when letter case is ignored, \
                which the events write in lower case";
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains(said), "{stderr}");
    let report = std::fs::read_to_string(out.path().join("report.html")).unwrap();
    assert!(report.contains(&said.replace('`', "&#96;")) || report.contains(said));
    assert!(!report.contains("User0@x.org") && !stderr.contains("User0@x.org"));
    // `adept validate` says it before any run.
    let o = adept_validate(dir.path(), out.path());
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success() && stderr.contains(said), "{stderr}");
    // Spelt alike, nothing to say.
    write(dir.path(), "help.csv", help.replace("User", "user"));
    let o = adept_run(dir.path(), out.path(), None);
    assert!(!String::from_utf8_lossy(&o.stderr).contains("letter case"));
}
