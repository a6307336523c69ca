//! Streams tables to disk atomically: Parquet (zstd, one row group per chunk), CSV or JSONL.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use polars::prelude::*;
use rayon::prelude::*;

use super::calendar::{TimestampFormatter, push_date, push_int};
use super::params::OutputFormat;
use super::table::{Table, Values};
use crate::atomic::AtomicFile;
use crate::error::{Error, Result};

/// Rows formatted per parallel task for CSV and JSONL.
const TEXT_ROWS_PER_TASK: usize = 16_384;

enum Sink {
    /// Created on the first chunk, from its schema.
    Parquet(Option<Box<polars::io::parquet::write::BatchedWriter<File>>>),
    Text(BufWriter<File>),
}

/// A chunk converted for its format (a frame for Parquet, formatted text otherwise), so the
/// costly conversion can run while the previous chunk is being written.
pub struct Prepared {
    names: Vec<&'static str>,
    rows: usize,
    body: Body,
}

enum Body {
    Frame(DataFrame),
    Text(Vec<Vec<u8>>),
}

impl Prepared {
    pub fn new(table: &Table, format: OutputFormat) -> Result<Prepared> {
        let body = match format {
            OutputFormat::Parquet => Body::Frame(table.to_dataframe()?),
            OutputFormat::Csv | OutputFormat::Jsonl => Body::Text(
                (0..table.rows().div_ceil(TEXT_ROWS_PER_TASK))
                    .into_par_iter()
                    .map(|task| {
                        let from = task * TEXT_ROWS_PER_TASK;
                        let to = (from + TEXT_ROWS_PER_TASK).min(table.rows());
                        let mut buf = Vec::with_capacity((to - from) * 160);
                        let mut ts = TimestampFormatter::default();
                        for row in from..to {
                            match format {
                                OutputFormat::Csv => csv_row(table, row, &mut ts, &mut buf),
                                _ => json_row(table, row, &mut ts, &mut buf),
                            }
                        }
                        buf
                    })
                    .collect(),
            ),
        };
        Ok(Prepared {
            names: table.columns.iter().map(|(n, _)| *n).collect(),
            rows: table.rows(),
            body,
        })
    }
}

/// One output file being written chunk by chunk; it appears only on [`TableWriter::finish`].
pub struct TableWriter {
    file: AtomicFile,
    sink: Sink,
    format: OutputFormat,
    rows: u64,
    started: bool,
}

impl TableWriter {
    pub fn create(path: &Path, format: OutputFormat) -> Result<TableWriter> {
        let mut file = AtomicFile::create(path)?;
        let handle = file
            .file()
            .try_clone()
            .map_err(|e| Error::output(path, e))?;
        let sink = match format {
            OutputFormat::Parquet => Sink::Parquet(None),
            OutputFormat::Csv | OutputFormat::Jsonl => {
                Sink::Text(BufWriter::with_capacity(1 << 20, handle))
            }
        };
        Ok(TableWriter {
            file,
            sink,
            format,
            rows: 0,
            started: false,
        })
    }

    /// Appends the rows of `table` (every chunk must have the same columns).
    pub fn write(&mut self, table: &Table) -> Result<()> {
        let prepared = Prepared::new(table, self.format)?;
        self.write_prepared(prepared)
    }

    /// Appends a chunk made ready by [`Prepared::new`] (with this writer's format).
    pub fn write_prepared(&mut self, prepared: Prepared) -> Result<()> {
        let path = self.file.target().to_path_buf();
        match (&mut self.sink, prepared.body) {
            (Sink::Parquet(writer), Body::Frame(df)) => {
                if writer.is_none() {
                    let handle = self
                        .file
                        .file()
                        .try_clone()
                        .map_err(|e| Error::output(&path, e))?;
                    *writer = Some(Box::new(
                        ParquetWriter::new(handle)
                            .with_compression(ParquetCompression::Zstd(None))
                            .with_statistics(StatisticsOptions::default())
                            .batched(df.schema())
                            .map_err(|e| Error::output(&path, e))?,
                    ));
                }
                if df.height() > 0 {
                    let writer = writer.as_mut().expect("created above");
                    writer
                        .write_batch(&df)
                        .map_err(|e| Error::output(&path, e))?;
                }
            }
            (Sink::Text(out), Body::Text(pieces)) => {
                if !self.started && self.format == OutputFormat::Csv {
                    writeln!(out, "{}", prepared.names.join(","))
                        .map_err(|e| Error::output(&path, e))?;
                }
                for piece in pieces {
                    out.write_all(&piece).map_err(|e| Error::output(&path, e))?;
                }
            }
            _ => {
                return Err(Error::Internal(format!(
                    "a chunk prepared for another format was written to `{}`",
                    path.display()
                )));
            }
        }
        self.started = true;
        self.rows += prepared.rows as u64;
        Ok(())
    }

    /// Finishes the file and moves it into place; returns its path and row count.
    pub fn finish(self) -> Result<(PathBuf, u64)> {
        let path = self.file.target().to_path_buf();
        if !self.started {
            return Err(Error::Internal(format!(
                "nothing was written to `{}`",
                path.display()
            )));
        }
        match self.sink {
            Sink::Parquet(writer) => {
                let writer = writer.expect("created on the first write");
                writer.finish().map_err(|e| Error::output(&path, e))?;
            }
            Sink::Text(mut out) => out.flush().map_err(|e| Error::output(&path, e))?,
        }
        self.file.commit()?;
        Ok((path, self.rows))
    }
}

/// Writes one whole table to `path`.
pub fn write_table(path: &Path, format: OutputFormat, table: &Table) -> Result<(PathBuf, u64)> {
    let mut writer = TableWriter::create(path, format)?;
    writer.write(table)?;
    writer.finish()
}

fn csv_row(table: &Table, row: usize, ts: &mut TimestampFormatter, buf: &mut Vec<u8>) {
    for (i, (_, values)) in table.columns.iter().enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        match values {
            Values::Text(_) | Values::Coded { .. } => csv_text(values.text_bytes(row), buf),
            _ => scalar(values, row, ts, buf),
        }
    }
    buf.push(b'\n');
}

fn json_row(table: &Table, row: usize, ts: &mut TimestampFormatter, buf: &mut Vec<u8>) {
    for (i, (name, values)) in table.columns.iter().enumerate() {
        buf.extend_from_slice(if i == 0 { b"{\"" } else { b",\"" });
        buf.extend_from_slice(name.as_bytes());
        buf.extend_from_slice(b"\":");
        match values {
            Values::Text(_) | Values::Coded { .. } => match values.text_bytes(row) {
                b"" => buf.extend_from_slice(b"null"),
                text => json_text(text, buf),
            },
            Values::Timestamp(_) | Values::Date(_) => {
                buf.push(b'"');
                scalar(values, row, ts, buf);
                buf.push(b'"');
            }
            _ => scalar(values, row, ts, buf),
        }
    }
    buf.extend_from_slice(b"}\n");
}

/// A non-text value, formatted the same in CSV and JSON (dates and timestamps unquoted here).
fn scalar(values: &Values, row: usize, ts: &mut TimestampFormatter, buf: &mut Vec<u8>) {
    match values {
        Values::Timestamp(v) => ts.push(buf, v[row]),
        Values::Date(v) => push_date(buf, i64::from(v[row])),
        Values::Int(v) => push_int(buf, v[row]),
        Values::Float(v) => {
            let x = v[row];
            if x.is_finite() && x.fract() == 0.0 && x.abs() < 1e15 {
                let _ = write!(buf, "{x:.1}");
            } else {
                let _ = write!(buf, "{x}");
            }
        }
        Values::Bool(v) => buf.extend_from_slice(if v[row] { b"true" } else { b"false" }),
        Values::Text(_) | Values::Coded { .. } => {}
    }
}

fn csv_text(text: &[u8], buf: &mut Vec<u8>) {
    let needs_quotes = text
        .iter()
        .any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r'))
        || text.first() == Some(&b' ')
        || text.last() == Some(&b' ');
    if !needs_quotes {
        buf.extend_from_slice(text);
        return;
    }
    buf.push(b'"');
    for &b in text {
        if b == b'"' {
            buf.push(b'"');
        }
        buf.push(b);
    }
    buf.push(b'"');
}

fn json_text(text: &[u8], buf: &mut Vec<u8>) {
    buf.push(b'"');
    for &b in text {
        match b {
            b'"' => buf.extend_from_slice(b"\\\""),
            b'\\' => buf.extend_from_slice(b"\\\\"),
            b'\n' => buf.extend_from_slice(b"\\n"),
            b'\r' => buf.extend_from_slice(b"\\r"),
            b'\t' => buf.extend_from_slice(b"\\t"),
            0..=0x1f => {
                let _ = write!(buf, "\\u{b:04x}");
            }
            _ => buf.push(b),
        }
    }
    buf.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_and_json_escape_text() {
        let mut buf = Vec::new();
        csv_text(b"a,\"b\"", &mut buf);
        assert_eq!(buf, b"\"a,\"\"b\"\"\"");
        buf.clear();
        json_text(b"say \"hi\"\n", &mut buf);
        assert_eq!(buf, b"\"say \\\"hi\\\"\\n\"");
    }
}
