//! The recipes in `docs/recipes/`: every config runs on its example export as its page says,
//! reads the users and rows the page quotes, and shows the one thing its page is about.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use adept::contract::TableKind;
use polars::prelude::*;
use serde_json::{Value, json};

use crate::fixtures::{assert_data_error, ingest_with_config, read_parquet, strings};

const AS_OF: &str = "2026-10-02";

fn recipes() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/recipes")
}

fn adept<S: AsRef<OsStr>>(args: &[S]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_adept"))
        .args(args)
        // A fixed key, so runs never create key files in the user's home.
        .env("ADEPT_PSEUDONYM_KEY", "test key for adept's recipe tests")
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// One recipe run as its page says:
/// `adept run --input docs/recipes/NAME --config docs/recipes/NAME.toml --out OUT --as-of 2026-10-02 -q`.
struct Run {
    name: &'static str,
    _dir: tempfile::TempDir,
    out: PathBuf,
    manifest: Value,
}

fn run_recipe(name: &'static str) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = adept(&[
        OsStr::new("run"),
        OsStr::new("--input"),
        recipes().join(name).as_os_str(),
        OsStr::new("--config"),
        recipes().join(format!("{name}.toml")).as_os_str(),
        OsStr::new("--out"),
        out.as_os_str(),
        OsStr::new("--as-of"),
        OsStr::new(AS_OF),
        OsStr::new("-q"),
    ]);
    assert!(o.status.success(), "recipe `{name}`: {}", text(&o.stderr));
    assert!(o.stdout.is_empty(), "{}", text(&o.stdout));
    let manifest =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    Run {
        name,
        _dir: dir,
        out,
        manifest,
    }
}

impl Run {
    fn table(&self, table: &str) -> &Value {
        self.manifest["ingest"]["tables"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["table"] == table)
            .unwrap_or_else(|| panic!("{}: no table `{table}` in the manifest", self.name))
    }

    /// read, accepted, rejected, duplicates, opted out.
    fn totals(&self, table: &str) -> [u64; 5] {
        let t = &self.table(table)["totals"];
        ["read", "accepted", "rejected", "duplicates", "opted_out"].map(|k| t[k].as_u64().unwrap())
    }

    fn features(&self) -> DataFrame {
        read_parquet(&self.out.join("features.parquet"))
    }

    /// What every recipe shows: the rows and users its page quotes, and uses in
    /// `features.parquet` that add up to the accepted events.
    fn assert_read(&self, events: [u64; 5], users: usize) {
        assert_eq!(self.totals("events"), events, "{}", self.name);
        let features = self.features();
        assert_eq!(features.height(), users, "{}", self.name);
        let uses: f64 = floats(&features, "total_uses").iter().sum();
        assert_eq!(uses, events[1] as f64, "{}", self.name);
        self.assert_page_quotes(events, users);
    }

    /// The page's "What to expect" block quotes these counts, and the page shows the config
    /// file's lines.
    fn assert_page_quotes(&self, events: [u64; 5], users: usize) {
        let page = std::fs::read_to_string(recipes().join(format!("{}.md", self.name))).unwrap();
        let expect = &page[page.find("## What to expect").unwrap()..];
        let line = expect.lines().find(|l| l.starts_with("events ")).unwrap();
        let quoted: Vec<u64> = line
            .split_whitespace()
            .skip(1)
            .take(5)
            .map(|n| n.parse().unwrap())
            .collect();
        assert_eq!(quoted, events, "{}.md: {line}", self.name);
        assert!(
            expect.contains(&format!("\n{users} users, ")),
            "{}.md does not quote {users} users",
            self.name
        );
        let config =
            std::fs::read_to_string(recipes().join(format!("{}.toml", self.name))).unwrap();
        let block = &page[page.find("```toml\n").unwrap() + 8..];
        for line in block[..block.find("```").unwrap()].lines() {
            assert!(
                config.lines().any(|c| c == line),
                "{}.md shows a line that {}.toml lacks: {line}",
                self.name,
                self.name
            );
        }
    }
}

fn floats(frame: &DataFrame, column: &str) -> Vec<f64> {
    frame
        .column(column)
        .unwrap()
        .f64()
        .unwrap()
        .into_no_null_iter()
        .collect()
}

/// Every line of every file under `dir`, parsed.
fn json_lines(dir: &Path) -> Vec<Value> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    paths
        .iter()
        .flat_map(|p| {
            std::fs::read_to_string(p)
                .unwrap()
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect::<Vec<Value>>()
        })
        .collect()
}

#[test]
fn segment_reads_the_track_calls_and_rejects_the_other_calls() {
    let run = run_recipe("segment");
    run.assert_read([75, 72, 3, 0, 0], 5);
    // The identify and the page call have no `event`; the anonymous track call has no `userId`.
    let rejects = read_parquet(&run.out.join("rejects.parquet"));
    let mut got: Vec<(String, String)> = strings(&rejects, "reason")
        .into_iter()
        .zip(strings(&rejects, "column"))
        .collect();
    got.sort();
    let want = [
        ("missing_value", "feature"),
        ("missing_value", "feature"),
        ("missing_value", "user_id"),
    ]
    .map(|(r, c)| (r.to_string(), c.to_string()));
    assert_eq!(got, want);
    // All four gzipped objects under segment-logs/<source>/<day>/ were read.
    let inputs = run.manifest["inputs"].as_array().unwrap();
    assert_eq!(inputs.iter().filter(|i| i["table"] == "events").count(), 4);
}

#[test]
fn amplitude_keeps_every_event_because_event_id_is_mapped_to_uuid() {
    let run = run_recipe("amplitude");
    run.assert_read([61, 61, 0, 0, 0], 5);
    // Amplitude's own `event_id` is a counter per user: without the recipe's mapping adept reads
    // it by name and drops most events as duplicates (the page quotes the figures).
    let config = std::fs::read_to_string(recipes().join("amplitude.toml")).unwrap();
    let without = config.replace(", event_id = \"uuid\"", "");
    assert_ne!(without, config);
    let ingested = ingest_with_config(&recipes().join("amplitude"), &without).unwrap();
    let totals = ingested.summary.table(TableKind::Events).unwrap().totals;
    assert_eq!((totals.accepted, totals.duplicates), (18, 43));
}

#[test]
fn mixpanel_needs_flattening_and_then_reads_unix_seconds() {
    let dir = recipes().join("mixpanel");
    // The raw export nests the user and the time in `properties`; adept says so up front.
    let tmp = tempfile::tempdir().unwrap();
    let config = std::fs::read_to_string(recipes().join("mixpanel.toml")).unwrap();
    let raw_config = tmp.path().join("raw.toml");
    std::fs::write(
        &raw_config,
        config.replace("source = \"events.jsonl\"", "source = \"export.jsonl\""),
    )
    .unwrap();
    let o = adept(&[
        OsStr::new("validate"),
        OsStr::new("--input"),
        dir.as_os_str(),
        OsStr::new("--config"),
        raw_config.as_os_str(),
        OsStr::new("--as-of"),
        OsStr::new(AS_OF),
    ]);
    assert_data_error(
        &o,
        &[
            "no column `distinct_id`",
            "Columns found: `event`, `properties`",
        ],
    );

    // events.jsonl is what the page's jq command makes of export.jsonl.
    let raw: Vec<Value> = std::fs::read_to_string(dir.join("export.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let flattened: Vec<Value> = raw
        .iter()
        .map(|e| {
            let p = &e["properties"];
            json!({"event": e["event"], "time": p["time"], "distinct_id": p["distinct_id"],
                   "insert_id": p["$insert_id"]})
        })
        .collect();
    let committed = |path: &Path| -> Vec<Value> {
        std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    assert_eq!(committed(&dir.join("events.jsonl")), flattened);
    // And the command itself, where jq is installed.
    let page = std::fs::read_to_string(recipes().join("mixpanel.md")).unwrap();
    let jq = page.lines().find(|l| l.starts_with("jq -c ")).unwrap();
    if Command::new("jq").arg("--version").output().is_ok() {
        std::fs::copy(dir.join("export.jsonl"), tmp.path().join("export.jsonl")).unwrap();
        let o = Command::new("sh")
            .args(["-c", jq])
            .current_dir(tmp.path())
            .output()
            .unwrap();
        assert!(o.status.success(), "{jq}: {}", text(&o.stderr));
        assert_eq!(committed(&tmp.path().join("events.jsonl")), flattened);
    }

    let run = run_recipe("mixpanel");
    run.assert_read([55, 55, 0, 0, 0], 6);
    // Unix seconds land on the right instants.
    let times: Vec<i64> = flattened
        .iter()
        .map(|e| e["time"].as_i64().unwrap())
        .collect();
    let iso = |s: i64| {
        chrono::DateTime::from_timestamp(s, 0)
            .unwrap()
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
    };
    let events = run.table("events");
    assert_eq!(events["first_timestamp"], iso(*times.iter().min().unwrap()));
    assert_eq!(events["last_timestamp"], iso(*times.iter().max().unwrap()));
    assert_eq!(events["first_timestamp"], "2026-10-01T07:14:22Z");
}

#[test]
fn posthog_counts_its_own_dollar_events_as_features() {
    let run = run_recipe("posthog");
    run.assert_read([57, 57, 0, 0, 0], 5);
    // Features known per person (used at least twice), from the export itself: `$pageview` and
    // `$autocapture` count like any event.
    let events = json_lines(&recipes().join("posthog/posthog-events"));
    let known = |keep: &dyn Fn(&str) -> bool| -> Vec<f64> {
        let mut uses: std::collections::BTreeMap<(&str, &str), u32> = Default::default();
        for e in &events {
            let event = e["event"].as_str().unwrap();
            if keep(event) {
                *uses
                    .entry((e["distinct_id"].as_str().unwrap(), event))
                    .or_default() += 1;
            }
        }
        let mut per_person: std::collections::BTreeMap<&str, f64> = Default::default();
        for e in &events {
            per_person.insert(e["distinct_id"].as_str().unwrap(), 0.0);
        }
        for ((person, _), n) in uses {
            if n >= 2 {
                *per_person.get_mut(person).unwrap() += 1.0;
            }
        }
        let mut counts: Vec<f64> = per_person.into_values().collect();
        counts.sort_by(f64::total_cmp);
        counts
    };
    let mut got = floats(&run.features(), "distinct_features");
    got.sort_by(f64::total_cmp);
    assert_eq!(got, known(&|_| true));
    assert_eq!(got, [1.0, 1.0, 3.0, 3.0, 4.0]);
    assert_ne!(got, known(&|e| !e.starts_with('$')));
}

#[test]
fn ide_log_is_fully_covered_by_its_command_list() {
    let run = run_recipe("ide");
    run.assert_read([80, 80, 0, 0, 0], 6);
    assert_eq!(run.totals("catalog"), [17, 17, 0, 0, 0]);
    let coverage = &run.manifest["catalog_coverage"];
    assert_eq!(coverage["features_used"], 13);
    assert_eq!(coverage["features_known"], 13);
    assert_eq!(coverage["share_of_uses"], 1.0);
    assert!(coverage["warning"].is_null());
    // The log's local Berlin time (09:09:54.463, summer time) is stored as UTC.
    assert_eq!(
        run.table("events")["first_timestamp"],
        "2026-10-01T07:09:54.463Z"
    );
}

#[test]
fn m365_drops_the_record_delivered_twice_and_shows_no_address() {
    let run = run_recipe("m365");
    run.assert_read([57, 56, 0, 1, 0], 5);
    // The duplicate is the second pull's copy of the first pull's last record.
    let files = run.table("events")["files"].as_array().unwrap();
    let duplicates: Vec<u64> = files
        .iter()
        .map(|f| f["counts"]["duplicates"].as_u64().unwrap())
        .collect();
    assert_eq!(duplicates, [0, 1]);
    // The ids are email addresses; no output shows one.
    for file in ["features.parquet", "scores.parquet"] {
        let ids = strings(&read_parquet(&run.out.join(file)), "user_id");
        assert_eq!(ids.len(), 5);
        assert!(ids.iter().all(|id| !id.contains('@')), "{file}: {ids:?}");
    }
    for file in ["report.html", "manifest.json"] {
        let content = std::fs::read_to_string(run.out.join(file)).unwrap();
        assert!(!content.contains("@contoso.example"), "{file}");
    }
}
