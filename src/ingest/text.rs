//! Reads CSV, TSV and JSON Lines files (plain, gzip or zstd) into string columns, one line at a
//! time and a chunk of rows at a time, so that a malformed line becomes a ledger entry with its
//! line number instead of failing the file, and memory follows the chunk, not the file. Typing
//! and checking values is left to `validate`.
//!
//! polars' own CSV and NDJSON readers stop at the first bad line and do not report line numbers,
//! which is why text goes through the `csv` crate and `serde_json` here; Parquet goes straight to
//! polars (see `parquet.rs`).

use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use polars::prelude::*;

use super::discover::{Compression, SourceFile};
use super::ledger::{LineReject, RejectReason, clip_raw};
use super::mapping::ColumnMapping;
use crate::config::SourceFormat;
use crate::error::{Error, Result};

/// One chunk of a text file: a frame of `__line` plus one string column per mapped canonical
/// column (CSV: those in the header; JSON Lines: all, null where a line lacks the key), and the
/// lines of the chunk that could not become rows.
pub struct TextRead {
    pub frame: DataFrame,
    pub rejects: Vec<LineReject>,
}

/// Name of the column holding each row's 1-based line (text) or row (Parquet) number.
pub const LINE_COLUMN: &str = "__line";

/// A text file read a chunk of rows at a time, so memory follows the chunk size, not the file.
pub struct TextChunks {
    file: SourceFile,
    chunk_rows: usize,
    format: TextFormat,
    finished: bool,
}

enum TextFormat {
    Delimited(DelimitedState),
    Json(JsonState),
}

struct DelimitedState {
    csv: csv::Reader<Box<dyn Read + Send>>,
    header: Vec<String>,
    resolved: Vec<(&'static str, usize)>,
    record: csv::ByteRecord,
    last_line: u64,
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
            return Err(Error::Input(format!(
                "`{}` is empty (0 bytes): a {} file needs at least a header line; remove the file or fill it",
                path.display(),
                format_name(file.format)
            )));
        }
        let raw = fs::File::open(path).map_err(|e| Error::unreadable(path, e))?;
        let reader: Box<dyn Read + Send> = match file.compression {
            Compression::None => Box::new(raw),
            Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(BufReader::new(raw))),
            Compression::Zstd => Box::new(
                zstd::stream::read::Decoder::new(raw).map_err(|e| Error::unreadable(path, e))?,
            ),
        };
        let format = match file.format {
            SourceFormat::Csv | SourceFormat::Tsv => {
                TextFormat::Delimited(DelimitedState::open(file, reader, mapping)?)
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
            Ok((read, more)) => {
                self.finished = !more;
                Some(Ok(read))
            }
            Err(e) => {
                self.finished = true;
                Some(Err(e))
            }
        }
    }
}

fn format_name(format: SourceFormat) -> &'static str {
    match format {
        SourceFormat::Csv => "CSV",
        SourceFormat::Tsv => "TSV",
        SourceFormat::Jsonl => "JSON Lines",
        SourceFormat::Parquet => "Parquet",
    }
}

fn stream_error(
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
struct ColumnsBuilder {
    names: Vec<&'static str>,
    builders: Vec<StringChunkedBuilder>,
    lines: Vec<u64>,
}

impl ColumnsBuilder {
    fn new(names: Vec<&'static str>) -> Self {
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

    fn rows(&self) -> usize {
        self.lines.len()
    }

    fn push_row(&mut self, line: u64, values: &[Option<&str>]) {
        self.lines.push(line);
        for (builder, value) in self.builders.iter_mut().zip(values) {
            builder.append_option(value.filter(|v| !v.is_empty()));
        }
    }

    fn finish(self) -> Result<DataFrame> {
        let height = self.lines.len();
        let mut columns = vec![Column::new(LINE_COLUMN.into(), self.lines)];
        columns.extend(self.builders.into_iter().map(|b| b.finish().into_column()));
        debug_assert_eq!(columns.len(), self.names.len() + 1);
        Ok(DataFrame::new(height, columns)?)
    }
}

impl DelimitedState {
    fn open(
        file: &SourceFile,
        reader: Box<dyn Read + Send>,
        mapping: &ColumnMapping,
    ) -> Result<DelimitedState> {
        let path = &file.path;
        let mut csv = csv::ReaderBuilder::new()
            .delimiter(file.delimiter)
            .flexible(true)
            .has_headers(true)
            .from_reader(reader);
        let header = csv
            .byte_headers()
            .map_err(|e| stream_error(path, file, 0, e))?
            .clone();
        let header: Vec<String> = header
            .iter()
            .map(|h| {
                std::str::from_utf8(h)
                    .map(|s| s.trim().trim_start_matches('\u{feff}').to_string())
                    .map_err(|_| Error::unreadable(path, "the header line is not valid UTF-8"))
            })
            .collect::<Result<_>>()?;
        let resolved = mapping.resolve(path, &header)?;
        Ok(DelimitedState {
            csv,
            header,
            resolved,
            record: csv::ByteRecord::new(),
            last_line: 1,
        })
    }

    /// Reads up to `chunk_rows` rows; true if the file may have more.
    fn read_chunk(&mut self, file: &SourceFile, chunk_rows: usize) -> Result<(TextRead, bool)> {
        let path = &file.path;
        let mut columns = ColumnsBuilder::new(self.resolved.iter().map(|(c, _)| *c).collect());
        let mut rejects = Vec::new();
        let record = &mut self.record;
        while columns.rows() < chunk_rows {
            match self.csv.read_byte_record(record) {
                Ok(false) => {
                    let frame = columns.finish()?;
                    return Ok((TextRead { frame, rejects }, false));
                }
                Ok(true) => {}
                Err(e) => return Err(stream_error(path, file, self.last_line, e)),
            }
            let line = record.position().map_or(self.last_line + 1, |p| p.line());
            self.last_line = line;
            if record.len() != self.header.len() {
                let fields: Vec<String> = record
                    .iter()
                    .map(|f| String::from_utf8_lossy(f).into_owned())
                    .collect();
                rejects.push(LineReject {
                    line,
                    column: None,
                    reason: RejectReason::MalformedLine,
                    raw: clip_raw(&format!(
                        "expected {} fields, found {}: {}",
                        self.header.len(),
                        record.len(),
                        fields.join(&(file.delimiter as char).to_string())
                    )),
                    fields,
                });
                continue;
            }
            let mut values: Vec<Option<&str>> = Vec::with_capacity(self.resolved.len());
            let mut bad_utf8 = None;
            for (canonical, index) in &self.resolved {
                match std::str::from_utf8(&record[*index]) {
                    Ok(v) => values.push(Some(v)),
                    Err(_) => {
                        bad_utf8 = Some((*canonical, *index));
                        break;
                    }
                }
            }
            if let Some((canonical, index)) = bad_utf8 {
                rejects.push(LineReject {
                    line,
                    column: Some(canonical.to_string()),
                    reason: RejectReason::InvalidUtf8,
                    raw: clip_raw(&String::from_utf8_lossy(&record[index])),
                    fields: record
                        .iter()
                        .map(|f| String::from_utf8_lossy(f).into_owned())
                        .collect(),
                });
                continue;
            }
            columns.push_row(line, &values);
        }
        let frame = columns.finish()?;
        Ok((TextRead { frame, rejects }, true))
    }
}

impl JsonState {
    /// Reads up to `chunk_rows` rows; true if the file may have more. At the end of the file,
    /// fails if no line had a column the table requires.
    fn read_chunk(&mut self, file: &SourceFile, chunk_rows: usize) -> Result<(TextRead, bool)> {
        let path = &file.path;
        let mut columns = ColumnsBuilder::new(self.canonical.iter().map(|(c, _)| *c).collect());
        let mut rejects = Vec::new();
        let mut texts: Vec<Option<String>> = vec![None; self.canonical.len()];
        while columns.rows() < chunk_rows {
            self.buf.clear();
            let n = self
                .reader
                .read_until(b'\n', &mut self.buf)
                .map_err(|e| stream_error(path, file, self.line, e))?;
            if n == 0 {
                self.check_required_columns(path)?;
                let frame = columns.finish()?;
                return Ok((TextRead { frame, rejects }, false));
            }
            self.line += 1;
            let line = self.line;
            let text = match std::str::from_utf8(&self.buf) {
                Ok(t) => t.trim(),
                Err(_) => {
                    let lossy = String::from_utf8_lossy(&self.buf).trim().to_string();
                    rejects.push(LineReject {
                        line,
                        column: None,
                        reason: RejectReason::InvalidUtf8,
                        raw: clip_raw(&lossy),
                        fields: vec![lossy],
                    });
                    continue;
                }
            };
            if text.is_empty() {
                continue;
            }
            let value: serde_json::Value = match serde_json::from_str(text) {
                Ok(v) => v,
                Err(e) => {
                    rejects.push(LineReject {
                        line,
                        column: None,
                        reason: RejectReason::MalformedLine,
                        raw: clip_raw(&format!("{e}: {text}")),
                        fields: vec![text.to_string()],
                    });
                    continue;
                }
            };
            let serde_json::Value::Object(object) = value else {
                rejects.push(LineReject {
                    line,
                    column: None,
                    reason: RejectReason::NotAnObject,
                    raw: clip_raw(text),
                    fields: vec![text.to_string()],
                });
                continue;
            };
            self.objects += 1;
            if self.keys_found.len() < 200 {
                for key in object.keys() {
                    if !self.keys_found.contains(key) && self.keys_found.len() < 200 {
                        self.keys_found.push(key.clone());
                    }
                }
            }
            let mut nested = None;
            for (i, (canonical_name, source)) in self.canonical.iter().enumerate() {
                texts[i] = match object.get(source.as_str()) {
                    None | Some(serde_json::Value::Null) => None,
                    Some(serde_json::Value::String(s)) => Some(s.clone()),
                    Some(serde_json::Value::Number(n)) => Some(n.to_string()),
                    Some(serde_json::Value::Bool(b)) => Some(b.to_string()),
                    Some(other) => {
                        nested = Some((*canonical_name, other.to_string()));
                        None
                    }
                };
                self.seen[i] |= object.contains_key(source.as_str());
            }
            if let Some((column, raw)) = nested {
                rejects.push(LineReject {
                    line,
                    column: Some(column.to_string()),
                    reason: RejectReason::WrongType,
                    raw: clip_raw(&raw),
                    fields: object
                        .values()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect(),
                });
                continue;
            }
            let values: Vec<Option<&str>> = texts.iter().map(|t| t.as_deref()).collect();
            columns.push_row(line, &values);
        }
        let frame = columns.finish()?;
        Ok((TextRead { frame, rejects }, true))
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
