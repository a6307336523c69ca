//! Shared by the chunk-reader targets: how the first two bytes of an input choose the table,
//! the chunk size, the delimiter and the column mapping, and the checks every read must pass.

use std::collections::BTreeMap;
use std::path::PathBuf;

use adept::config::{SourceFormat, TableSettings};
use adept::contract::TableKind;
use adept::ingest::{Compression, SourceFile, read_text_bytes};
use polars::prelude::*;

/// Chunk sizes: one row, a few, a typical small batch, and "the whole file" (how `people` is read).
const CHUNK_ROWS: [usize; 4] = [1, 3, 64, usize::MAX];

/// Delimiters: the defaults, common alternatives, and ASCII characters the config accepts that
/// clash with CSV syntax (quote, line ends, space).
const DELIMITERS: [u8; 8] = [b',', b'\t', b';', b'|', b' ', b'"', b'\n', b'\r'];

/// Which reader a target drives.
#[allow(dead_code)] // each target uses one variant
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    Delimited,
    Jsonl,
}

/// Reads `data` as a text file and checks the result. `data[0]`: table (bits 0-2, modulo 6),
/// chunk size (bits 3-4), renamed columns (bit 5); `data[1]`: delimiter (bits 0-2, CSV/TSV
/// only); the rest: the file's bytes, compressed when they start with gzip or zstd magic (as
/// discovery decides).
pub fn read_and_check(data: &[u8], reader: Reader) {
    let [a, b, bytes @ ..] = data else { return };
    let table = TableKind::ALL[usize::from(a & 7) % TableKind::ALL.len()];
    let chunk_rows = CHUNK_ROWS[usize::from((a >> 3) & 3)];
    let mut settings = TableSettings::default();
    if a & 0x20 != 0 {
        // A mapping: the first two canonical columns under other names.
        let columns: BTreeMap<String, String> = table
            .columns()
            .iter()
            .take(2)
            .enumerate()
            .map(|(i, c)| (c.name.to_string(), format!("Col {i}")))
            .collect();
        settings.columns = columns;
    }
    let (format, delimiter) = match reader {
        Reader::Jsonl => (SourceFormat::Jsonl, b','),
        Reader::Delimited => {
            let d = DELIMITERS[usize::from(b & 7)];
            (
                if d == b'\t' {
                    SourceFormat::Tsv
                } else {
                    SourceFormat::Csv
                },
                d,
            )
        }
    };
    let compression = match bytes {
        [0x1f, 0x8b, ..] => Compression::Gzip,
        [0x28, 0xb5, 0x2f, 0xfd, ..] => Compression::Zstd,
        _ => Compression::None,
    };
    let file = SourceFile {
        path: PathBuf::from("fuzz-input"),
        format,
        compression,
        delimiter,
    };

    let chunks = match read_text_bytes(&file, bytes.to_vec(), table, &settings, chunk_rows) {
        Ok(chunks) => chunks,
        Err(e) => {
            assert!(!e.to_string().is_empty());
            return;
        }
    };
    let mut failed = false;
    let mut last_line = 0u64;
    let mut chunk_count = 0usize;
    for chunk in chunks {
        assert!(!failed, "a chunk came after an error");
        chunk_count += 1;
        let read = match chunk {
            Ok(read) => read,
            Err(e) => {
                assert!(!e.to_string().is_empty());
                failed = true;
                continue;
            }
        };
        let frame = &read.frame;
        assert!(frame.height() <= chunk_rows, "chunk over its size");
        let names = frame.get_column_names();
        assert_eq!(names[0].as_str(), "__line");
        for name in &names[1..] {
            let column = frame.column(name.as_str()).unwrap();
            assert!(
                table.column(name.as_str()).is_some(),
                "unknown column {name}"
            );
            assert_eq!(column.dtype(), &DataType::String, "{name}");
        }
        // Every row and every line reject has its own line, after those of earlier chunks.
        let mut lines: Vec<u64> = frame
            .column("__line")
            .unwrap()
            .u64()
            .unwrap()
            .into_no_null_iter()
            .collect();
        lines.extend(read.rejects.iter().map(|r| r.line));
        lines.sort_unstable();
        for &line in &lines {
            assert!(line > last_line, "line {line} not after line {last_line}");
            last_line = line;
        }
        for reject in &read.rejects {
            assert!(reject.raw.chars().count() <= 501, "raw value not clipped");
            assert!(reject.line >= 1);
        }
    }
    assert!(chunk_count >= 1, "no chunk at all");
}
