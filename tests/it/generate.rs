//! Integration tests of the synthetic organisation generator: determinism, the files and columns
//! it writes, and the behaviour planted in each persona.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use adept::Error;
use adept::contract::{TRIGGERS, TableKind};
use adept::generate::{GenerateParams, OutputFormat, Persona, generate};
use chrono::{NaiveDate, NaiveDateTime};
use polars::prelude::*;

fn small(format: OutputFormat, seed: u64) -> GenerateParams {
    GenerateParams {
        users: 60,
        days: 14,
        seed,
        format,
        end_date: NaiveDate::from_ymd_opt(2026, 10, 31).unwrap(),
    }
}

/// Every file of a run, name -> bytes.
fn files_of(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, fs::read(&p).unwrap())
        })
        .collect()
}

fn run(params: &GenerateParams) -> (tempfile::TempDir, BTreeMap<String, Vec<u8>>) {
    let dir = tempfile::tempdir().unwrap();
    generate(params, dir.path()).unwrap();
    let files = files_of(dir.path());
    (dir, files)
}

/// A CSV file as a header and rows of strings.
fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header = reader.headers().unwrap().iter().map(String::from).collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

fn contract_names(kind: TableKind) -> Vec<String> {
    kind.columns().iter().map(|c| c.name.to_string()).collect()
}

#[test]
fn same_seed_gives_identical_bytes_in_every_format() {
    for format in [
        OutputFormat::Parquet,
        OutputFormat::Csv,
        OutputFormat::Jsonl,
    ] {
        let (_a, first) = run(&small(format, 7));
        let (_b, second) = run(&small(format, 7));
        assert_eq!(first.len(), 7, "{format:?}: {:?}", first.keys());
        assert_eq!(
            first.keys().collect::<Vec<_>>(),
            second.keys().collect::<Vec<_>>()
        );
        for (name, bytes) in &first {
            assert!(
                bytes == &second[name],
                "{format:?}: {name} differs between runs"
            );
        }
    }
}

#[test]
fn a_different_seed_gives_different_events() {
    let (_a, first) = run(&small(OutputFormat::Csv, 1));
    let (_b, second) = run(&small(OutputFormat::Csv, 2));
    assert_ne!(first["events.csv"], second["events.csv"]);
    assert_ne!(first["truth.csv"], second["truth.csv"]);
}

#[test]
fn the_thread_count_does_not_change_the_output() {
    let params = small(OutputFormat::Parquet, 11);
    let (_a, default_pool) = run(&params);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let (_b, one_thread) = pool.install(|| run(&params));
    assert_eq!(default_pool, one_thread);
}

#[test]
fn csv_tables_carry_the_contract_columns() {
    let dir = tempfile::tempdir().unwrap();
    let summary = generate(&small(OutputFormat::Csv, 3), dir.path()).unwrap();
    assert_eq!(summary.files.len(), 7);
    assert!(summary.events > 0);
    for kind in TableKind::ALL {
        let path = dir.path().join(format!("{kind}.csv"));
        assert!(
            summary.files.contains(&path),
            "{kind} missing from the summary"
        );
        let (header, rows) = read_csv(&path);
        assert_eq!(header, contract_names(kind), "{kind}");
        let reported = summary.rows.iter().find(|(k, _)| *k == kind).unwrap().1;
        assert_eq!(rows.len() as u64, reported, "{kind}");
    }
    let (header, rows) = read_csv(&dir.path().join("truth.csv"));
    assert_eq!(header, ["user_id", "is_power_user", "persona"]);
    assert_eq!(rows.len(), 60);
}

#[test]
fn jsonl_lines_are_objects_with_the_contract_keys() {
    let dir = tempfile::tempdir().unwrap();
    generate(&small(OutputFormat::Jsonl, 3), dir.path()).unwrap();
    for kind in TableKind::ALL {
        let text = fs::read_to_string(dir.path().join(format!("{kind}.jsonl"))).unwrap();
        let mut lines = 0;
        for line in text.lines() {
            let value: serde_json::Value = serde_json::from_str(line).unwrap();
            let keys: BTreeSet<String> = value.as_object().unwrap().keys().cloned().collect();
            let expected: BTreeSet<String> = contract_names(kind).into_iter().collect();
            assert_eq!(keys, expected, "{kind}");
            lines += 1;
        }
        if kind == TableKind::Events || kind == TableKind::People {
            assert!(lines > 0, "{kind} is empty");
        }
    }
}

#[test]
fn parquet_tables_carry_the_contract_columns_and_types() {
    let dir = tempfile::tempdir().unwrap();
    let summary = generate(&small(OutputFormat::Parquet, 3), dir.path()).unwrap();
    for kind in TableKind::ALL {
        let file = fs::File::open(dir.path().join(format!("{kind}.parquet"))).unwrap();
        let df = ParquetReader::new(file).finish().unwrap();
        let names: Vec<String> = df
            .get_column_names()
            .iter()
            .map(|n| n.to_string())
            .collect();
        assert_eq!(names, contract_names(kind), "{kind}");
        if kind == TableKind::Events {
            assert_eq!(df.height() as u64, summary.events);
            assert_eq!(
                df.column("timestamp").unwrap().dtype(),
                &DataType::Datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC))
            );
            assert_eq!(df.column("user_id").unwrap().dtype(), &DataType::String);
            assert!(df.column("count").unwrap().dtype().is_integer());
        }
        if kind == TableKind::People {
            assert_eq!(df.column("hire_date").unwrap().dtype(), &DataType::Date);
            assert!(df.column("fte").unwrap().dtype().is_float());
            assert_eq!(df.column("opt_out").unwrap().dtype(), &DataType::Boolean);
        }
    }
}

/// Per-user statistics from a CSV run.
#[derive(Default)]
struct UserStats {
    events: u64,
    features: BTreeSet<String>,
    shortcut_capable: u64,
    by_shortcut: u64,
}

struct Run {
    _dir: tempfile::TempDir,
    dir: PathBuf,
    params: GenerateParams,
}

fn moderate_run() -> Run {
    let params = GenerateParams {
        users: 400,
        days: 21,
        seed: 5,
        format: OutputFormat::Csv,
        end_date: NaiveDate::from_ymd_opt(2026, 10, 31).unwrap(),
    };
    let dir = tempfile::tempdir().unwrap();
    generate(&params, dir.path()).unwrap();
    Run {
        dir: dir.path().to_path_buf(),
        _dir: dir,
        params,
    }
}

fn personas(dir: &Path) -> BTreeMap<String, Persona> {
    let (_, rows) = read_csv(&dir.join("truth.csv"));
    rows.into_iter()
        .map(|r| {
            let persona = Persona::from_name(&r[2]).unwrap();
            assert_eq!(r[1] == "true", persona.is_power_user(), "{r:?}");
            (r[0].clone(), persona)
        })
        .collect()
}

fn user_stats(dir: &Path) -> BTreeMap<String, UserStats> {
    let (_, catalog) = read_csv(&dir.join("catalog.csv"));
    let shortcuts: BTreeSet<String> = catalog
        .into_iter()
        .filter(|r| r[4] == "true")
        .map(|r| r[1].clone())
        .collect();
    let (header, rows) = read_csv(&dir.join("events.csv"));
    let at = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (user, feature, trigger) = (at("user_id"), at("feature"), at("trigger"));
    let mut stats: BTreeMap<String, UserStats> = BTreeMap::new();
    for row in rows {
        let s = stats.entry(row[user].clone()).or_default();
        s.events += 1;
        if shortcuts.contains(&row[feature]) {
            s.shortcut_capable += 1;
            s.by_shortcut += u64::from(row[trigger] == "shortcut");
        }
        s.features.insert(row[feature].clone());
    }
    stats
}

/// Mean of `f` over the users of `persona` that have events.
fn mean_over(
    personas: &BTreeMap<String, Persona>,
    stats: &BTreeMap<String, UserStats>,
    persona: Persona,
    f: impl Fn(&UserStats) -> f64,
) -> f64 {
    let values: Vec<f64> = personas
        .iter()
        .filter(|(_, p)| **p == persona)
        .filter_map(|(u, _)| stats.get(u))
        .map(f)
        .collect();
    assert!(!values.is_empty(), "no active {persona:?}");
    values.iter().sum::<f64>() / values.len() as f64
}

#[test]
fn personas_behave_as_planted() {
    let run = moderate_run();
    let personas = personas(&run.dir);
    let present: BTreeSet<Persona> = personas.values().copied().collect();
    assert_eq!(present.len(), Persona::ALL.len(), "{present:?}");

    let stats = user_stats(&run.dir);
    let events = |s: &UserStats| s.events as f64;
    let distinct = |s: &UserStats| s.features.len() as f64;
    let shortcut_share = |s: &UserStats| s.by_shortcut as f64 / s.shortcut_capable.max(1) as f64;

    let busy = Persona::BusyShallow;
    let power = Persona::PowerUser;
    assert!(
        mean_over(&personas, &stats, busy, events) > mean_over(&personas, &stats, power, events)
    );
    assert!(
        mean_over(&personas, &stats, busy, distinct)
            < mean_over(&personas, &stats, power, distinct)
    );
    assert!(
        mean_over(&personas, &stats, power, shortcut_share)
            > mean_over(&personas, &stats, busy, shortcut_share)
    );
    assert!(
        mean_over(&personas, &stats, power, distinct)
            > mean_over(&personas, &stats, Persona::Casual, distinct)
    );

    // Helpers and power users give more help than casual users.
    let (header, rows) = read_csv(&run.dir.join("help.csv"));
    assert_eq!(header[0], "helper_id");
    let mut given: BTreeMap<&str, u64> = BTreeMap::new();
    for row in &rows {
        *given.entry(row[0].as_str()).or_default() += 1;
    }
    let help_per_user = |persona: Persona| {
        let users: Vec<&String> = personas
            .iter()
            .filter(|(_, p)| **p == persona)
            .map(|(u, _)| u)
            .collect();
        let total: u64 = users
            .iter()
            .map(|u| given.get(u.as_str()).copied().unwrap_or(0))
            .sum();
        total as f64 / users.len() as f64
    };
    assert!(help_per_user(Persona::Helper) > help_per_user(Persona::Casual));
    assert!(help_per_user(Persona::PowerUser) > help_per_user(Persona::QuietExpert));
    let _ = &run.params;
}

#[test]
fn events_lie_in_the_window_with_valid_values() {
    let run = moderate_run();
    let (header, rows) = read_csv(&run.dir.join("events.csv"));
    let at = |name: &str| header.iter().position(|h| h == name).unwrap();
    let first = run.params.start_date();
    let last = run.params.end_date;
    let mut ids = BTreeSet::new();
    for row in &rows {
        let ts = NaiveDateTime::parse_from_str(&row[at("timestamp")], "%Y-%m-%dT%H:%M:%SZ")
            .unwrap_or_else(|e| panic!("{}: {e}", row[at("timestamp")]));
        assert!(ts.date() >= first && ts.date() <= last, "{ts}");
        assert!(TRIGGERS.words.contains(&row[at("trigger")].as_str()));
        let count: i64 = row[at("count")].parse().unwrap();
        assert!((1..=5).contains(&count));
        let duration: i64 = row[at("duration_ms")].parse().unwrap();
        assert!(duration > 0);
        assert!(row[at("user_id")].starts_with('u') && row[at("user_id")].len() == 7);
        assert!(!row[at("session_id")].is_empty());
        assert!(
            ids.insert(row[at("event_id")].clone()),
            "duplicate event id"
        );
    }
    assert!(!rows.is_empty());

    // People: managers exist, part-time experts are part-time, opt-outs are booleans.
    let (header, people) = read_csv(&run.dir.join("people.csv"));
    let at = |name: &str| header.iter().position(|h| h == name).unwrap();
    let users: BTreeSet<&str> = people.iter().map(|r| r[at("user_id")].as_str()).collect();
    let personas = personas(&run.dir);
    for row in &people {
        let manager = row[at("manager_id")].as_str();
        assert!(manager.is_empty() || users.contains(manager), "{manager}");
        let fte: f64 = row[at("fte")].parse().unwrap();
        assert!(fte > 0.0 && fte <= 1.0);
        if personas[&row[at("user_id")]] == Persona::PartTimeExpert {
            assert!(fte <= 0.6);
        }
        assert!(["true", "false"].contains(&row[at("opt_out")].as_str()));
        NaiveDate::parse_from_str(&row[at("hire_date")], "%Y-%m-%d").unwrap();
    }
    let departments: BTreeSet<&str> = people
        .iter()
        .map(|r| r[at("department")].as_str())
        .collect();
    assert!(departments.len() >= 8, "{departments:?}");
}

#[test]
fn a_tiny_organisation_still_writes_every_table() {
    for format in [
        OutputFormat::Parquet,
        OutputFormat::Csv,
        OutputFormat::Jsonl,
    ] {
        for users in [1, 3] {
            let dir = tempfile::tempdir().unwrap();
            let params = GenerateParams {
                users,
                days: 1,
                ..small(format, 9)
            };
            let summary = generate(&params, dir.path()).unwrap();
            assert_eq!(summary.users, users);
            assert_eq!(summary.files.len(), 7);
            for file in &summary.files {
                assert!(file.is_file(), "{}", file.display());
            }
            if format == OutputFormat::Parquet {
                let file = fs::File::open(dir.path().join("events.parquet")).unwrap();
                let df = ParquetReader::new(file).finish().unwrap();
                assert_eq!(df.height() as u64, summary.events);
                assert_eq!(df.width(), TableKind::Events.columns().len());
            }
        }
    }
}

#[test]
fn bad_params_are_config_errors() {
    let dir = tempfile::tempdir().unwrap();
    for params in [
        GenerateParams {
            users: 0,
            ..GenerateParams::default()
        },
        GenerateParams {
            days: 0,
            ..GenerateParams::default()
        },
    ] {
        assert!(matches!(params.check(), Err(Error::Config(_))));
        assert!(matches!(
            generate(&params, dir.path()),
            Err(Error::Config(_))
        ));
    }
    assert!(GenerateParams::default().check().is_ok());
    assert!(fs::read_dir(dir.path()).unwrap().next().is_none());
}
