//! Stage benchmarks over a grid of organisation sizes (seeded generator data), so the growth of
//! each stage's cost with users and events is visible: ingest (streaming the events into the
//! feature aggregates, as `adept run` does), features, scoring, clustering.
//!
//!     cargo bench --bench stages
//!
//! The end-to-end benchmark with the I/O floor and peak memory is `benches/e2e.sh`.

use std::path::Path;

use adept::config::Config;
use adept::generate::{GenerateParams, OutputFormat, generate};
use adept::pipeline::{analyse, feature_params, ingest_events};
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
        group.throughput(Throughput::Elements(events));
        let label = format!("{users}u_{events}ev");
        let params = feature_params(&config).unwrap();
        let streamed = || {
            let keep = &mut adept::ingest::keep_nothing;
            ingest_events(dir.path(), as_of(), &config, keep).unwrap()
        };
        group.bench_function(BenchmarkId::new("ingest", &label), |b| b.iter(streamed));
        let (ingested, usage) = streamed();
        group.bench_function(BenchmarkId::new("features..analysis", &label), |b| {
            b.iter(|| analyse(&ingested, usage.clone(), &config).unwrap())
        });
        group.bench_function(BenchmarkId::new("features", &label), |b| {
            b.iter(|| adept::features::compute_features(&ingested, usage.clone(), &params).unwrap())
        });
        let features =
            adept::features::compute_features(&ingested, usage.clone(), &params).unwrap();
        group.bench_with_input(BenchmarkId::new("score", &label), &features, |b, f| {
            b.iter(|| adept::score::score(f, &config.scoring).unwrap())
        });
        let scores = adept::score::score(&features, &config.scoring).unwrap();
        group.bench_with_input(BenchmarkId::new("cluster", &label), &scores, |b, s| {
            b.iter(|| {
                adept::cluster::cluster(
                    s,
                    &features,
                    &config.clustering,
                    config.privacy.min_group_size,
                )
                .unwrap()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
