//! Small helpers for building input directories in tests.

use std::io::Write;
use std::path::{Path, PathBuf};

use adept::config::Config;
use adept::ingest::{IngestOptions, Ingested, ingest};
use chrono::NaiveDate;
use polars::prelude::*;

pub fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 10, 31).unwrap()
}

pub fn write(dir: &Path, name: &str, content: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, content).unwrap();
    path
}

pub fn gzip(content: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(content).unwrap();
    enc.finish().unwrap()
}

pub fn zstd(content: &[u8]) -> Vec<u8> {
    zstd::encode_all(content, 3).unwrap()
}

pub fn write_parquet(dir: &Path, name: &str, df: &mut DataFrame) -> PathBuf {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let file = std::fs::File::create(&path).unwrap();
    ParquetWriter::new(file).finish(df).unwrap();
    path
}

/// Runs `adept run` on `input` with the given configuration text; the outputs are in
/// `<returned dir>/run`.
pub fn run_adept(input: &Path, config_toml: &str) -> tempfile::TempDir {
    let out = tempfile::tempdir().unwrap();
    let config = write(out.path(), "adept.toml", config_toml);
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_adept"))
        .args(["run", "-q", "--as-of", "2026-10-31", "--input"])
        .arg(input)
        .arg("--out")
        .arg(out.path().join("run"))
        .arg("--config")
        .arg(&config)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    out
}

/// The bytes of the named files in `dir`, with their names.
pub fn file_bytes(dir: &Path, names: &[&str]) -> Vec<(String, Vec<u8>)> {
    names
        .iter()
        .map(|n| (n.to_string(), std::fs::read(dir.join(n)).unwrap()))
        .collect()
}

/// Ingests `dir` with the given configuration, keeping the accepted events in
/// `tables[Events]` for the test to look at.
pub fn ingest_with_config(dir: &Path, config_toml: &str) -> adept::Result<Ingested> {
    let config = Config::from_toml(config_toml)?;
    let mut events = adept::ingest::CollectRows::default();
    let options = IngestOptions::new(dir, as_of(), config);
    let mut ingested = ingest(&options, &mut events, &mut adept::ingest::keep_nothing)?;
    if let Some(events) = events.finish() {
        ingested
            .tables
            .insert(adept::contract::TableKind::Events, events);
    }
    Ok(ingested)
}

pub fn ingest_dir(dir: &Path) -> adept::Result<Ingested> {
    ingest_with_config(dir, "")
}

/// A column of unsigned whole numbers without missing values (such as the ledger's `line`).
pub fn whole_numbers(df: &DataFrame, column: &str) -> Vec<u64> {
    df.column(column)
        .unwrap()
        .u64()
        .unwrap()
        .into_no_null_iter()
        .collect()
}

/// A column as plain strings (null as "").
pub fn strings(df: &DataFrame, column: &str) -> Vec<String> {
    let c = df.column(column).unwrap().cast(&DataType::String).unwrap();
    c.str()
        .unwrap()
        .iter()
        .map(|v| v.unwrap_or("").to_string())
        .collect()
}

/// (reason, column, line) of every ledger row for one table.
pub fn ledger_rows(ingested: &Ingested, table: &str) -> Vec<(String, String, u64)> {
    let l = &ingested.rejects;
    let tables = strings(l, "table");
    let reasons = strings(l, "reason");
    let columns = strings(l, "column");
    let lines = whole_numbers(l, "line");
    (0..l.height())
        .filter(|&i| tables[i] == table)
        .map(|i| (reasons[i].clone(), columns[i].clone(), lines[i]))
        .collect()
}

pub const EVENTS_HEADER: &str =
    "user_id,timestamp,feature,app,trigger,count,session_id,event_id,duration_ms\n";

/// Rewrites a Parquet file with `change` applied: a run directory damaged the way a user might.
pub fn rewrite_parquet(path: &Path, change: impl FnOnce(DataFrame) -> DataFrame) {
    let frame = ParquetReader::new(std::fs::File::open(path).unwrap())
        .finish()
        .unwrap();
    let mut frame = change(frame);
    ParquetWriter::new(std::fs::File::create(path).unwrap())
        .finish(&mut frame)
        .unwrap();
}

/// The frame with `column` turned into text.
pub fn as_text(mut frame: DataFrame, column: &str) -> DataFrame {
    let text = frame
        .column(column)
        .unwrap()
        .cast(&DataType::String)
        .unwrap();
    frame.replace(column, text).unwrap();
    frame
}

/// Asserts a command failed with exit status 3 (a data error) and its message names all `words`.
pub fn assert_data_error(o: &std::process::Output, words: &[&str]) {
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{stderr}");
    for word in words {
        assert!(stderr.contains(word), "`{word}` not in: {stderr}");
    }
}

/// A Parquet file, read whole.
pub fn read_parquet(path: &Path) -> DataFrame {
    ParquetReader::new(std::fs::File::open(path).unwrap())
        .finish()
        .unwrap()
}

/// Runs the pipeline on `input` with raw ids (so labels match without a key) into a new
/// directory.
pub fn run_with_raw_ids(input: &Path) -> tempfile::TempDir {
    let out = tempfile::tempdir().unwrap();
    let mut config = Config::default();
    config.privacy.raw_ids = true;
    adept::pipeline::run(&adept::pipeline::RunOptions {
        input: input.to_path_buf(),
        out: out.path().to_path_buf(),
        as_of: as_of(),
        config,
        history: None,
        progress: false,
    })
    .unwrap();
    out
}
