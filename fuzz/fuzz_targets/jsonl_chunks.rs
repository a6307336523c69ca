//! The JSON Lines chunk reader (`adept::ingest::read_text_bytes`, as ingest reads a text file):
//! any bytes must give chunks of rows and line rejects, or a clear error; never a panic.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| common::read_and_check(data, common::Reader::Jsonl));
