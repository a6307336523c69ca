//! Stage benchmarks over a grid of organisation sizes (seeded generator data), so the growth of
//! each stage's cost with users and events is visible: ingest, features, scoring, clustering.
//!
//!     cargo bench --bench stages
//!
//! The end-to-end benchmark with the I/O floor and peak memory is `benches/e2e.sh`.

use std::path::Path;

use adept::config::Config;
use adept::generate::{GenerateParams, OutputFormat, generate};
use adept::ingest::{IngestOptions, ingest};
use adept::pipeline::analyse;
use chrono::NaiveDate;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

const SIZES: [(usize, u32); 3] = [(250, 30), (1000, 30), (4000, 30)];

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 10, 31).unwrap()
}

fn organisation(dir: &Path, users: usize, days: u32) -> u64 {
    let params = GenerateParams {
        users,
        days,
        seed: 1234,
        format: OutputFormat::Parquet,
        end_date: as_of(),
    };
    generate(&params, dir).unwrap().events
}

fn stages(c: &mut Criterion) {
    let config = Config::default();
    let mut group = c.benchmark_group("stages");
    group.sample_size(10);
    for (users, days) in SIZES {
        let dir = tempfile::tempdir().unwrap();
        let events = organisation(dir.path(), users, days);
        let options = IngestOptions::new(dir.path(), as_of(), config.clone());
        group.throughput(Throughput::Elements(events));
        let label = format!("{users}u_{events}ev");
        group.bench_with_input(BenchmarkId::new("ingest", &label), &options, |b, o| {
            b.iter(|| ingest(o).unwrap())
        });
        let ingested = ingest(&options).unwrap();
        group.bench_with_input(
            BenchmarkId::new("features+score+cluster", &label),
            &ingested,
            |b, i| b.iter(|| analyse(i, &config).unwrap()),
        );
        let mut feature_params = config.features.clone();
        feature_params.timezone = Some(chrono_tz::Tz::UTC);
        group.bench_with_input(BenchmarkId::new("features", &label), &ingested, |b, i| {
            b.iter(|| adept::features::compute_features(i, &feature_params).unwrap())
        });
        let features = adept::features::compute_features(&ingested, &feature_params).unwrap();
        group.bench_with_input(BenchmarkId::new("score", &label), &features, |b, f| {
            b.iter(|| adept::score::score(f, &config.scoring).unwrap())
        });
        let scores = adept::score::score(&features, &config.scoring).unwrap();
        group.bench_with_input(BenchmarkId::new("cluster", &label), &scores, |b, s| {
            b.iter(|| adept::cluster::cluster(s, &features, &config.clustering).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
