//! Reads CSV, TSV and JSON Lines files (plain, gzip or zstd) into string columns, one line at a
//! time and a chunk of rows at a time, so that a malformed line becomes a ledger entry with its
//! line number instead of failing the file, and memory follows the chunk, not the file. Typing
//! and checking values is left to `validate`.
//!
//! polars' own CSV and NDJSON readers stop at the first bad line and do not report line numbers,
//! which is why text goes through csv_core (the `csv` crate's parser; `delimited.rs`) and
//! `serde_json` (`json_line.rs`) here; Parquet goes straight to polars (see `parquet.rs`).

use std::collections::HashSet;
use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use polars::prelude::*;
use rayon::prelude::*;

use super::delimited::DelimitedState;
use super::discover::{Compression, SourceFile};
use super::json_line::{JsonLine, Picked, Wanted, read_line};
use super::ledger::LineReject;
use super::mapping::ColumnMapping;
use crate::config::{SourceFormat, TableSettings};
use crate::contract::TableKind;
use crate::error::{Error, Result};

/// One chunk of a text file: a frame of `__line` plus one string column per mapped canonical
/// column (CSV: those in the header; JSON Lines: all, null where a line lacks the key), and the
/// lines of the chunk that could not become rows.
pub struct TextRead {
    pub frame: DataFrame,
    pub rejects: Vec<LineReject>,
    /// How far reading has gone: bytes of the file read so far, and its size, both as stored
    /// (compressed where it is); (0, 0) where the size is not known.
    pub progress: (u64, u64),
}

impl TextRead {
    pub(super) fn new(frame: DataFrame, rejects: Vec<LineReject>) -> TextRead {
        TextRead {
            frame,
            rejects,
            progress: (0, 0),
        }
    }
}

/// About how many rows (and malformed lines) a text file holds in all, from `rows` met in the
/// first `progress.0` of its `progress.1` bytes; None before any byte is read.
pub(super) fn estimated_rows(rows: usize, progress: (u64, u64)) -> Option<usize> {
    let (read, size) = progress;
    (read > 0).then(|| {
        let estimate = u128::from(size.max(read)) * rows as u128 / u128::from(read);
        usize::try_from(estimate).unwrap_or(usize::MAX)
    })
}

/// A file's bytes, counted as they are read (before any decompression).
struct Counted {
    inner: Box<dyn Read + Send>,
    read: Arc<AtomicU64>,
}

impl Read for Counted {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// A text chunk stops growing past this many bytes: lines of a few KiB (an analytics export's
/// nested context) would otherwise hold hundreds of MiB of text per chunk.
pub(super) const TEXT_CHUNK_BYTES: usize = 32 << 20;
/// The most keys a missing-column error lists.
const MAX_KEYS_LISTED: usize = 200;

/// Name of the column holding each row's 1-based line (text) or row (Parquet) number.
pub const LINE_COLUMN: &str = "__line";

/// A text file read a chunk of rows at a time, so memory follows the chunk size, not the file.
/// A chunk holds at most `chunk_rows` records (rows and malformed lines), and ends after about
/// [`TEXT_CHUNK_BYTES`] of text, so a reader that wants the whole file reads every chunk.
pub struct TextChunks {
    file: SourceFile,
    chunk_rows: usize,
    format: TextFormat,
    finished: bool,
    /// Bytes of the file read so far, and its size.
    read: Arc<AtomicU64>,
    size: u64,
}

enum TextFormat {
    Delimited(Box<DelimitedState>),
    Json(JsonState),
}

struct JsonState {
    reader: BufReader<Box<dyn Read + Send>>,
    mapping: ColumnMapping,
    /// (canonical name, key in the file).
    canonical: Vec<(&'static str, String)>,
    seen: Vec<bool>,
    keys_found: Vec<String>,
    objects: u64,
    buf: Vec<u8>,
    line: u64,
}

impl TextChunks {
    /// Opens a text file and reads its header (CSV/TSV); fails early on an empty file, a
    /// header that is not UTF-8 or a missing required column.
    pub fn open(file: &SourceFile, mapping: &ColumnMapping, chunk_rows: usize) -> Result<Self> {
        let path = &file.path;
        let size = fs::metadata(path)
            .map_err(|e| Error::unreadable(path, e))?
            .len();
        if size == 0 {
            return Err(empty_file(file));
        }
        let raw = fs::File::open(path).map_err(|e| Error::unreadable(path, e))?;
        TextChunks::from_reader(file, Box::new(raw), size, mapping, chunk_rows)
    }

    /// [`TextChunks::open`] after the file is open: `raw` is its (possibly compressed) bytes,
    /// `size` of them.
    fn from_reader(
        file: &SourceFile,
        raw: Box<dyn Read + Send>,
        size: u64,
        mapping: &ColumnMapping,
        chunk_rows: usize,
    ) -> Result<Self> {
        let path = &file.path;
        let read = Arc::new(AtomicU64::new(0));
        let raw: Box<dyn Read + Send> = Box::new(Counted {
            inner: raw,
            read: read.clone(),
        });
        let reader: Box<dyn Read + Send> = match file.compression {
            Compression::None => raw,
            Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(BufReader::new(raw))),
            Compression::Zstd => Box::new(
                zstd::stream::read::Decoder::new(raw).map_err(|e| Error::unreadable(path, e))?,
            ),
        };
        let format = match file.format {
            SourceFormat::Csv | SourceFormat::Tsv => {
                TextFormat::Delimited(Box::new(DelimitedState::open(file, reader, mapping)?))
            }
            SourceFormat::Jsonl => TextFormat::Json(JsonState {
                reader: BufReader::with_capacity(1 << 16, reader),
                canonical: mapping
                    .pairs()
                    .map(|(c, source)| (c, source.to_string()))
                    .collect(),
                seen: vec![false; mapping.pairs().count()],
                mapping: mapping.clone(),
                keys_found: Vec::new(),
                objects: 0,
                buf: Vec::new(),
                line: 0,
            }),
            SourceFormat::Parquet => {
                return Err(Error::Internal(format!(
                    "TextChunks::open called for Parquet file `{}`",
                    path.display()
                )));
            }
        };
        Ok(TextChunks {
            file: file.clone(),
            chunk_rows: chunk_rows.max(1),
            format,
            finished: false,
            read,
            size,
        })
    }
}

impl Iterator for TextChunks {
    type Item = Result<TextRead>;

    /// The next chunk; a file yields at least one (possibly empty) chunk.
    fn next(&mut self) -> Option<Result<TextRead>> {
        if self.finished {
            return None;
        }
        let read = match &mut self.format {
            TextFormat::Delimited(state) => state.read_chunk(&self.file, self.chunk_rows),
            TextFormat::Json(state) => state.read_chunk(&self.file, self.chunk_rows),
        };
        match read {
            Ok((mut read, more)) => {
                self.finished = !more;
                read.progress = (self.read.load(Ordering::Relaxed), self.size);
                Some(Ok(read))
            }
            Err(e) => {
                self.finished = true;
                Some(Err(e))
            }
        }
    }
}

/// Reads a CSV, TSV or JSON Lines file held in memory with the chunk reader that
/// [`ingest`](super::ingest) uses for text files on disk: the same header checks, the same
/// chunks of at most `chunk_rows` records (string columns plus `__line`) and the same line
/// rejects. `file` describes the bytes as [`discover`](super::discover) would describe a file
/// (format, compression, delimiter); its path only names it in messages.
///
/// An entry point for the fuzz targets in `fuzz/` and for tests, which need the reader without
/// a file on disk; ingest itself does not use it.
pub fn read_text_bytes(
    file: &SourceFile,
    bytes: Vec<u8>,
    table: TableKind,
    settings: &TableSettings,
    chunk_rows: usize,
) -> Result<impl Iterator<Item = Result<TextRead>> + Send + use<>> {
    if bytes.is_empty() {
        return Err(empty_file(file));
    }
    let mapping = ColumnMapping::new(table, settings);
    let size = bytes.len() as u64;
    TextChunks::from_reader(
        file,
        Box::new(std::io::Cursor::new(bytes)),
        size,
        &mapping,
        chunk_rows,
    )
}

fn empty_file(file: &SourceFile) -> Error {
    let needs = match file.format {
        SourceFormat::Jsonl => "at least one object",
        _ => "at least a header line",
    };
    Error::Input(format!(
        "`{}` is empty (0 bytes): a {} file needs {needs}; remove the file or fill it",
        file.path.display(),
        format_name(file.format)
    ))
}

fn format_name(format: SourceFormat) -> &'static str {
    match format {
        SourceFormat::Csv => "CSV",
        SourceFormat::Tsv => "TSV",
        SourceFormat::Jsonl => "JSON Lines",
        SourceFormat::Parquet => "Parquet",
    }
}

pub(super) fn stream_error(
    path: &Path,
    file: &SourceFile,
    after_line: u64,
    err: impl std::fmt::Display,
) -> Error {
    let hint = match file.compression {
        Compression::Gzip => " (a truncated or corrupt gzip file?)",
        Compression::Zstd => " (a truncated or corrupt zstd file?)",
        Compression::None => "",
    };
    Error::unreadable(
        path,
        format!("reading stopped after line {after_line}: {err}{hint}"),
    )
}

/// Collects string columns for the mapped canonical columns a file has.
pub(super) struct ColumnsBuilder {
    names: Vec<&'static str>,
    builders: Vec<StringChunkedBuilder>,
    lines: Vec<u64>,
}

impl ColumnsBuilder {
    pub(super) fn new(names: Vec<&'static str>) -> Self {
        let builders = names
            .iter()
            .map(|n| StringChunkedBuilder::new((*n).into(), 1024))
            .collect();
        ColumnsBuilder {
            names,
            builders,
            lines: Vec::new(),
        }
    }

    pub(super) fn push_row(&mut self, line: u64, values: &[Option<&str>]) {
        self.lines.push(line);
        for (builder, value) in self.builders.iter_mut().zip(values) {
            builder.append_option(value.filter(|v| !v.is_empty()));
        }
    }

    pub(super) fn finish(self) -> Result<DataFrame> {
        let height = self.lines.len();
        let mut columns = vec![Column::new(LINE_COLUMN.into(), self.lines)];
        columns.extend(self.builders.into_iter().map(|b| b.finish().into_column()));
        debug_assert_eq!(columns.len(), self.names.len() + 1);
        Ok(DataFrame::new(height, columns)?)
    }
}

impl JsonState {
    /// Reads up to `chunk_rows` lines (fewer where they pass [`TEXT_CHUNK_BYTES`]), then reads
    /// them as JSON in parallel; true if the file may have more. At the end of the file, fails if
    /// no line had a column the table requires.
    fn read_chunk(&mut self, file: &SourceFile, chunk_rows: usize) -> Result<(TextRead, bool)> {
        let path = &file.path;
        let mut bytes = std::mem::take(&mut self.buf);
        bytes.clear();
        // (line number, first byte, byte after the line).
        let mut spans: Vec<(u64, usize, usize)> = Vec::new();
        let mut more = true;
        while spans.len() < chunk_rows && bytes.len() < TEXT_CHUNK_BYTES {
            let start = bytes.len();
            let n = self
                .reader
                .read_until(b'\n', &mut bytes)
                .map_err(|e| stream_error(path, file, self.line, e))?;
            if n == 0 {
                more = false;
                break;
            }
            self.line += 1;
            spans.push((self.line, start, bytes.len()));
        }
        let known: Option<HashSet<String>> = (self.keys_found.len() < MAX_KEYS_LISTED)
            .then(|| self.keys_found.iter().cloned().collect());
        let wanted = Wanted::new(&self.canonical, known.as_ref());
        let lines: Vec<JsonLine> = spans
            .par_iter()
            .map(|&(line, start, end)| read_line(&bytes[start..end], line, &wanted))
            .collect();
        drop(wanted);

        let mut columns = ColumnsBuilder::new(self.canonical.iter().map(|(c, _)| *c).collect());
        let mut rejects = Vec::new();
        for ((line, _, _), read) in spans.iter().zip(lines) {
            match read {
                JsonLine::Empty => {}
                JsonLine::Reject(reject) => rejects.push(reject),
                JsonLine::WrongType(picked, reject) => {
                    self.note_object(&picked);
                    rejects.push(reject);
                }
                JsonLine::Row(picked) => {
                    self.note_object(&picked);
                    let values: Vec<Option<&str>> =
                        picked.values.iter().map(|v| v.as_deref()).collect();
                    columns.push_row(*line, &values);
                }
            }
        }
        self.buf = bytes;
        if !more {
            self.check_required_columns(path)?;
        }
        let frame = columns.finish()?;
        Ok((TextRead::new(frame, rejects), more))
    }

    /// Counts an object, the mapped keys it has and the keys not met before.
    fn note_object(&mut self, picked: &Picked) {
        self.objects += 1;
        for key in &picked.new_keys {
            if self.keys_found.len() >= MAX_KEYS_LISTED {
                break;
            }
            if !self.keys_found.contains(key) {
                self.keys_found.push(key.clone());
            }
        }
        for (i, seen) in self.seen.iter_mut().enumerate() {
            *seen |= picked.present & (1 << i) != 0;
        }
    }

    fn check_required_columns(&self, path: &Path) -> Result<()> {
        if self.objects == 0 {
            return Ok(());
        }
        for (i, (canonical_name, source)) in self.canonical.iter().enumerate() {
            if !self.seen[i] && self.mapping.must_exist(canonical_name) {
                return Err(Error::MissingColumn {
                    path: path.to_path_buf(),
                    table: self.mapping.table().name().to_string(),
                    column: source.to_string(),
                    canonical: canonical_name.to_string(),
                    found: list_found(&self.keys_found),
                });
            }
        }
        Ok(())
    }
}

pub fn list_found(names: &[String]) -> String {
    if names.is_empty() {
        "(none)".to_string()
    } else {
        names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn csv_file() -> SourceFile {
        SourceFile {
            path: PathBuf::from("events.csv"),
            format: SourceFormat::Csv,
            compression: Compression::None,
            delimiter: b',',
        }
    }

    /// Hands out one byte per read: every run of line ends is split between reads.
    struct OneByte(std::io::Cursor<Vec<u8>>);

    impl Read for OneByte {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let end = buf.len().min(1);
            self.0.read(&mut buf[..end])
        }
    }

    /// The lines of the rows and of the line rejects of an events CSV, read whole and one byte
    /// at a time (which must agree).
    fn lines_of(text: &str, chunk_rows: usize) -> (Vec<u64>, Vec<u64>) {
        let settings = TableSettings::default();
        let whole = read_text_bytes(
            &csv_file(),
            text.as_bytes().to_vec(),
            TableKind::Events,
            &settings,
            chunk_rows,
        )
        .unwrap();
        let mapping = ColumnMapping::new(TableKind::Events, &settings);
        let bytes = OneByte(std::io::Cursor::new(text.as_bytes().to_vec()));
        let size = text.len() as u64;
        let by_byte =
            TextChunks::from_reader(&csv_file(), Box::new(bytes), size, &mapping, chunk_rows);
        let collect = |chunks: &mut dyn Iterator<Item = Result<TextRead>>| {
            let (mut rows, mut rejects) = (Vec::new(), Vec::new());
            for chunk in chunks {
                let chunk = chunk.unwrap();
                let lines = chunk.frame.column(LINE_COLUMN).unwrap().u64().unwrap();
                rows.extend(lines.into_no_null_iter());
                rejects.extend(chunk.rejects.iter().map(|r| r.line));
            }
            (rows, rejects)
        };
        let lines = collect(&mut whole.into_iter());
        assert_eq!(collect(&mut by_byte.unwrap()), lines, "{text:?}");
        lines
    }

    // Found while writing fuzz/csv_chunks' checks (every row and line reject has a line of its
    // own): the csv crate's line numbers were one short after a `\r\n` or a blank line, and
    // after a bare `\r` every row had line 1, so the ledger showed one row's raw value for
    // another's.
    #[test]
    fn every_record_gets_the_line_it_starts_on_whatever_ends_the_lines() {
        let rows = ["user_id,timestamp,feature", "u1,t,a", "u2,t", "u3,t,c", ""];
        for end in ["\n", "\r\n", "\r"] {
            assert_eq!(
                lines_of(&rows.join(end), 1),
                (vec![2, 4], vec![3]),
                "{end:?}"
            );
        }
        // Blank lines, mixed line ends, a quoted field over two lines (free text in a column
        // adept does not read: an id, time or code over two lines is a quote run on), no final
        // line end.
        let text = "user_id,timestamp,feature,note\r\n\r\nu1,t,a,\n\n\r\r\nu2,t,b,\ru3,t,c,\"c\r\nc\"\r\nu4,t,d,";
        assert_eq!(lines_of(text, 64), (vec![3, 7, 8, 10], vec![]));
    }

    #[test]
    fn a_file_is_expected_to_hold_its_rows_in_proportion_to_its_bytes() {
        // 250,000 rows in the first 30 MB of a 600 MB file: about 5M in all.
        assert_eq!(
            estimated_rows(250_000, (30 << 20, 600 << 20)),
            Some(5_000_000)
        );
        // All read: the rows met are all there are.
        assert_eq!(estimated_rows(1_234, (5_000, 5_000)), Some(1_234));
        // Nothing read yet, or a size the file has outgrown since it was measured.
        assert_eq!(estimated_rows(0, (0, 1_000)), None);
        assert_eq!(estimated_rows(10, (2_000, 1_000)), Some(10));
        // No overflow on very large files.
        assert_eq!(estimated_rows(usize::MAX, (1, u64::MAX)), Some(usize::MAX));

        // Each chunk says how far reading went; the last, all of the file.
        let text = "user_id,timestamp,feature\nu1,t,a\nu2,t,b\nu3,t,c\n";
        let chunks = read_text_bytes(
            &csv_file(),
            text.as_bytes().to_vec(),
            TableKind::Events,
            &TableSettings::default(),
            1,
        )
        .unwrap();
        let progress: Vec<(u64, u64)> = chunks.map(|c| c.unwrap().progress).collect();
        let size = text.len() as u64;
        assert!(
            progress.iter().all(|p| p.1 == size && p.0 > 0),
            "{progress:?}"
        );
        assert_eq!(progress.last(), Some(&(size, size)));
    }

    #[test]
    fn bytes_in_memory_read_as_a_file_would() {
        let text = "user_id,timestamp,feature\nu1,t,a\nu2,t\n";
        assert_eq!(lines_of(text, usize::MAX), (vec![2], vec![3]));
        let err = read_text_bytes(
            &csv_file(),
            Vec::new(),
            TableKind::Events,
            &TableSettings::default(),
            1,
        )
        .err()
        .unwrap();
        assert!(err.to_string().contains("`events.csv` is empty"), "{err}");
    }
}
