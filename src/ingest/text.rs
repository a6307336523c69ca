//! Reads CSV, TSV and JSON Lines files (plain, gzip or zstd) into string columns, one line at a
//! time, so that a malformed line becomes a ledger entry with its line number instead of failing
//! the file. Typing and checking values is left to `validate`.
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

/// What a text file yielded: a frame of `__line` plus one string column per mapped canonical
/// column found in the file, and the lines that could not become rows.
pub struct TextRead {
    pub frame: DataFrame,
    pub rejects: Vec<LineReject>,
}

/// Name of the column holding each row's 1-based line (text) or row (Parquet) number.
pub const LINE_COLUMN: &str = "__line";

pub fn read_text(file: &SourceFile, mapping: &ColumnMapping) -> Result<TextRead> {
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
    let reader: Box<dyn Read> = match file.compression {
        Compression::None => Box::new(raw),
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(BufReader::new(raw))),
        Compression::Zstd => {
            Box::new(zstd::stream::read::Decoder::new(raw).map_err(|e| Error::unreadable(path, e))?)
        }
    };
    match file.format {
        SourceFormat::Csv | SourceFormat::Tsv => read_delimited(path, reader, file, mapping),
        SourceFormat::Jsonl => read_json_lines(path, reader, file, mapping),
        SourceFormat::Parquet => Err(Error::Internal(format!(
            "read_text called for Parquet file `{}`",
            path.display()
        ))),
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

fn read_delimited(
    path: &Path,
    reader: Box<dyn Read>,
    file: &SourceFile,
    mapping: &ColumnMapping,
) -> Result<TextRead> {
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
    let mut columns = ColumnsBuilder::new(resolved.iter().map(|(c, _)| *c).collect());
    let mut rejects = Vec::new();
    let mut record = csv::ByteRecord::new();
    let mut last_line = 1;
    loop {
        match csv.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(stream_error(path, file, last_line, e)),
        }
        let line = record.position().map_or(last_line + 1, |p| p.line());
        last_line = line;
        if record.len() != header.len() {
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
                    header.len(),
                    record.len(),
                    fields.join(&(file.delimiter as char).to_string())
                )),
                fields,
            });
            continue;
        }
        let mut values: Vec<Option<&str>> = Vec::with_capacity(resolved.len());
        let mut bad_utf8 = None;
        for (canonical, index) in &resolved {
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
    Ok(TextRead {
        frame: columns.finish()?,
        rejects,
    })
}

fn read_json_lines(
    path: &Path,
    reader: Box<dyn Read>,
    file: &SourceFile,
    mapping: &ColumnMapping,
) -> Result<TextRead> {
    let mut reader = BufReader::with_capacity(1 << 16, reader);
    let canonical: Vec<(&'static str, &str)> = mapping.pairs().collect();
    let mut columns = ColumnsBuilder::new(canonical.iter().map(|(c, _)| *c).collect());
    let mut seen = vec![false; canonical.len()];
    let mut keys_found: Vec<String> = Vec::new();
    let mut objects = 0u64;
    let mut rejects = Vec::new();
    let mut buf = Vec::new();
    let mut texts: Vec<Option<String>> = vec![None; canonical.len()];
    let mut line = 0u64;
    loop {
        buf.clear();
        let n = reader
            .read_until(b'\n', &mut buf)
            .map_err(|e| stream_error(path, file, line, e))?;
        if n == 0 {
            break;
        }
        line += 1;
        let text = match std::str::from_utf8(&buf) {
            Ok(t) => t.trim(),
            Err(_) => {
                let lossy = String::from_utf8_lossy(&buf).trim().to_string();
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
        objects += 1;
        if keys_found.len() < 200 {
            for key in object.keys() {
                if !keys_found.contains(key) && keys_found.len() < 200 {
                    keys_found.push(key.clone());
                }
            }
        }
        let mut nested = None;
        for (i, (canonical_name, source)) in canonical.iter().enumerate() {
            texts[i] = match object.get(*source) {
                None | Some(serde_json::Value::Null) => None,
                Some(serde_json::Value::String(s)) => Some(s.clone()),
                Some(serde_json::Value::Number(n)) => Some(n.to_string()),
                Some(serde_json::Value::Bool(b)) => Some(b.to_string()),
                Some(other) => {
                    nested = Some((*canonical_name, other.to_string()));
                    None
                }
            };
            seen[i] |= object.contains_key(*source);
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
    if objects > 0 {
        for (i, (canonical_name, source)) in canonical.iter().enumerate() {
            if !seen[i] && mapping.must_exist(canonical_name) {
                return Err(Error::MissingColumn {
                    path: path.to_path_buf(),
                    table: mapping.table().name().to_string(),
                    column: source.to_string(),
                    found: list_found(&keys_found),
                });
            }
        }
    }
    // Columns no line had are left out, as a CSV file without them would.
    let mut frame = columns.finish()?;
    for (i, (canonical_name, _)) in canonical.iter().enumerate() {
        if !seen[i] {
            frame.drop_in_place(canonical_name)?;
        }
    }
    Ok(TextRead { frame, rejects })
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
