//! The I/O floor for the end-to-end benchmark: a bare polars scan of an events Parquet file and a
//! group-by on user and feature, the least any tool must do to read and aggregate the events.
//!
//!     cargo bench --bench floor -- PATH/TO/events.parquet
//!
//! Prints the seconds taken and the groups found. Used by `benches/e2e.sh`.

use std::time::Instant;

use polars::prelude::*;

fn main() {
    let Some(path) = std::env::args().skip(1).find(|a| !a.starts_with("--")) else {
        eprintln!("usage: cargo bench --bench floor -- EVENTS.parquet");
        std::process::exit(2);
    };
    let started = Instant::now();
    let groups = LazyFrame::scan_parquet(PlRefPath::new(path.as_str()), ScanArgsParquet::default())
        .and_then(|lf| {
            lf.group_by([col("user_id"), col("feature")])
                .agg([col("count").sum()])
                .collect()
        })
        .unwrap_or_else(|e| {
            eprintln!("floor: {e}");
            std::process::exit(1);
        });
    println!(
        "floor_seconds={:.3} groups={}",
        started.elapsed().as_secs_f64(),
        groups.height()
    );
}
