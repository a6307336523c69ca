//! adept finds power-user candidates in an organisation from application usage telemetry,
//! training results and records of who helped whom.
//!
//! Data flows one way, and every stage is public so tests, benches and notebooks can run the
//! pipeline in one call ([`pipeline::run`]) or stage by stage:
//!
//! ```text
//!  input dir + config                         generate (synthetic data with planted truth)
//!        |
//!        v
//!  ingest: discover -> read (CSV/TSV/JSONL/Parquet, gzip/zstd) -> map columns -> type, check,
//!          dedupe, drop opt-outs; rejects ledger; the reject limit
//!        |  small tables (people, training, help, feedback, catalog) kept whole
//!        |  events stream batch by batch into the feature aggregator (features::usage_aggregator,
//!        |  a RowSink): never held whole            (pipeline::ingest_events wires the two)
//!        v
//!  features   per person, over the window (rayon)
//!        v
//!  score      robust scaling against peers, weighted composite, rank, tier, explanation
//!        v
//!  cluster    personas (k-means as linfa fits it), a table of their own
//!        v
//!  analysis   every decision about people and groups: candidates, area experts, adoption,
//!             proposed group and presenters, movement across runs (analysis::history)
//!        v
//!  privacy    pseudonyms, names, small groups withheld: once, for every output
//!        v
//!  outputs    Parquet tables, history, manifest  -->  report (HTML, rendered from the Parquet)
//! ```
//!
//! `docs/architecture.md` names the module that owns each decision.

// The stages (the diagram above gives their order).
pub mod analysis;
pub mod cluster;
pub mod features;
pub mod ingest;
pub mod outputs;
pub mod privacy;
pub mod report;
pub mod score;

// Commands and their wiring: the pipeline, scheduled runs, and the other subcommands.
pub mod calibrate;
pub mod cli;
pub mod evaluate;
pub mod explain;
pub mod generate;
pub mod pipeline;
pub mod rollup;
pub mod runs;

// Support shared by the stages.
pub mod allocator;
pub mod atomic;
pub mod config;
pub mod contract;
pub mod error;
pub(crate) mod event_codes;
pub mod frames;
pub mod small_groups;
pub mod wall_clock;

pub use error::{Error, ErrorClass, Result};
