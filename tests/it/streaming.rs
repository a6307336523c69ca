//! Events stream through ingest in batches, handed out to worker threads: how the rows are cut
//! into batches and how many workers share them must not change any output, and a duplicate is
//! found wherever its first copy was (another batch, another worker, another file).

use std::path::Path;

use polars::prelude::*;
use tempfile::tempdir;

use crate::fixtures::*;

/// The outputs that must not depend on the batch size or the workers, and the manifest's ingest
/// accounting.
fn run_outputs(
    input: &Path,
    batch_rows: Option<usize>,
    workers: Option<usize>,
) -> (Vec<(String, Vec<u8>)>, String) {
    let mut config = "[privacy]\nraw_ids = true\n[ingest]\nmax_reject_rate = 1.0\n".to_string();
    if let Some(rows) = batch_rows {
        config.push_str(&format!("batch_rows = {rows}\n"));
    }
    if let Some(workers) = workers {
        config.push_str(&format!("workers = {workers}\n"));
    }
    let out = run_adept(input, &config);
    let run = out.path().join("run");
    let files = file_bytes(
        &run,
        &[
            "features.parquet",
            "scores.parquet",
            "clusters.parquet",
            "candidates.parquet",
            "rejects.parquet",
        ],
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run.join("manifest.json")).unwrap()).unwrap();
    (files, manifest["ingest"].to_string())
}

#[test]
fn batch_size_and_workers_change_no_output_and_duplicates_are_found_across_batches_and_files() {
    let generated = tempdir().unwrap();
    let params = adept::generate::GenerateParams {
        users: 40,
        days: 21,
        seed: 5,
        format: adept::generate::OutputFormat::Parquet,
        end_date: as_of(),
    };
    adept::generate::generate(&params, generated.path()).unwrap();

    // The events split over four files: the second repeats the last 50 rows of the first, the
    // third (CSV) and fourth (JSON Lines) each repeat one event and add a bad line.
    let input = tempdir().unwrap();
    for entry in std::fs::read_dir(generated.path()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name.ends_with(".parquet") && name != "events.parquet" {
            std::fs::copy(&path, input.path().join(&name)).unwrap();
        }
    }
    let path = PlRefPath::try_from_path(&generated.path().join("events.parquet")).unwrap();
    let events = LazyFrame::scan_parquet(path, Default::default())
        .unwrap()
        .collect()
        .unwrap();
    let half = events.height() as i64 / 2;
    write_parquet(
        input.path(),
        "events/part-0.parquet",
        &mut events.slice(0, half as usize),
    );
    write_parquet(
        input.path(),
        "events/part-1.parquet",
        &mut events.slice(half - 50, usize::MAX),
    );
    let people_path = PlRefPath::try_from_path(&generated.path().join("people.parquet")).unwrap();
    let people = LazyFrame::scan_parquet(people_path, Default::default())
        .unwrap()
        .filter(col("opt_out"))
        .collect()
        .unwrap();
    let opted_out = strings(&people, "user_id");
    let users = strings(&events, "user_id");
    let kept = |row: usize| !opted_out.contains(&users[row]);
    let row = (0..events.height()).find(|&r| kept(r)).unwrap();
    let first_user = users[row].clone();
    let first_event = strings(&events, "event_id")[row].clone();
    let expected_duplicates = 2
        + (half as usize - 50..half as usize)
            .filter(|&r| kept(r))
            .count() as u64;
    write(
        input.path(),
        "events/part-2.csv",
        format!(
            "{EVENTS_HEADER}\
             {first_user},2026-10-20T09:00:00Z,copy,crm,menu,1,s,{first_event},5\n\
             {first_user},2026-10-20T09:00:00Z,pivot,crm,menu,-3,s,fresh-1,5\n\
             {first_user},2026-10-20T09:00:00Z,pivot\n"
        ),
    );

    write(
        input.path(),
        "events/part-3.jsonl",
        format!(
            "{{\"user_id\":\"{first_user}\",\"timestamp\":\"2026-10-21T09:00:00Z\",\"feature\":\"copy\",\"event_id\":\"{first_event}\"}}\n\
             [1,2]\n\
             {{\"user_id\":\"{first_user}\",\"timestamp\":\"2026-10-21T10:00:00Z\",\"feature\":\"pivot\",\"event_id\":\"fresh-2\"}}\n"
        ),
    );

    let (default, default_ingest) = run_outputs(input.path(), None, Some(1));
    for (batch_rows, workers) in [(Some(1), 1), (Some(7), 3), (Some(1000), 1), (None, 4)] {
        let (other, other_ingest) = run_outputs(input.path(), batch_rows, Some(workers));
        let setting = format!("batch_rows = {batch_rows:?}, workers = {workers}");
        for ((name, a), (_, b)) in default.iter().zip(&other) {
            assert!(a == b, "{name} differs with {setting}");
        }
        assert_eq!(default_ingest, other_ingest, "{setting}");
    }

    let ingest: serde_json::Value = serde_json::from_str(&default_ingest).unwrap();
    let events_summary = ingest["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["table"] == "events")
        .unwrap();
    let totals = &events_summary["totals"];
    // The 50 repeated rows (those of opted-out people count as opted out) and the two copies.
    assert_eq!(totals["duplicates"], expected_duplicates, "{totals}");
    assert_eq!(totals["rejected"], 3, "{totals}");
    let read = totals["read"].as_u64().unwrap();
    assert_eq!(read, events.height() as u64 + 50 + 3 + 3);
}
