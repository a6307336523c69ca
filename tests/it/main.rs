//! adept's integration tests: one binary, one module per area.

mod browser;
mod calibrate;
mod cli;
mod features;
mod fixtures;
mod generate;
mod ingest;
mod nightly;
mod notebooks;
mod outputs;
mod recipes;
mod rollup;
mod scenarios;
mod scheduling;
mod scoring;
mod segments;
mod streaming;
