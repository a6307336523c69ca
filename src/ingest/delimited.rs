//! Reads CSV and TSV files a chunk at a time. Where one record ends depends on every quote
//! before it, so the text is split into records in order, on the reading thread (csv_core, the
//! csv crate's own parser, into one buffer for the whole chunk); turning records into columns,
//! the larger part of the work, is done in pieces on every core.

use std::collections::VecDeque;
use std::io::{ErrorKind, Read};
use std::ops::Range;

use rayon::prelude::*;

use super::discover::SourceFile;
use super::ledger::{LineReject, RejectReason, clip_raw};
use super::mapping::ColumnMapping;
use super::parse::{TimestampRules, parse_timestamp};
use super::text::{ColumnsBuilder, TEXT_CHUNK_BYTES, TextRead, stream_error};
use crate::contract::may_span_lines;
use crate::error::{Error, Result};

/// Records turned into columns together, on one core: the pieces of a chunk, and so the chunks of
/// its columns, do not depend on the number of threads.
const PIECE_ROWS: usize = 16_384;

/// Bytes read from the file at a time.
const READ_BYTES: usize = 1 << 16;

/// A delimited file being read: its header, how its fields map to columns, and where the reading
/// stands.
pub(super) struct DelimitedState {
    splitter: Splitter<LineStarts<Box<dyn Read + Send>>>,
    /// Fields in the header.
    fields: usize,
    /// (canonical column, field index) of each mapped column.
    resolved: Vec<(&'static str, usize)>,
    last_line: u64,
    /// The current chunk's records (emptied for each chunk; their room is kept).
    raw: RawRecords,
}

impl DelimitedState {
    /// Reads the header and maps its names; fails on a header that is not UTF-8 or lacks a
    /// required column.
    pub(super) fn open(
        file: &SourceFile,
        reader: Box<dyn Read + Send>,
        mapping: &ColumnMapping,
    ) -> Result<DelimitedState> {
        let path = &file.path;
        let mut splitter = Splitter::new(LineStarts::new(reader), file.delimiter);
        let mut first = RawRecords::default();
        let fields = splitter
            .next_record(&mut first)
            .map_err(|e| stream_error(path, file, 0, e))?
            .map_or(0..0, |(_, fields)| fields);
        let header: Vec<String> = fields
            .map(|f| {
                std::str::from_utf8(first.field(f))
                    .map(|s| s.trim().trim_start_matches('\u{feff}').to_string())
                    .map_err(|_| Error::unreadable(path, "the header line is not valid UTF-8"))
            })
            .collect::<Result<_>>()?;
        let resolved = mapping
            .resolve(path, &header)
            .map_err(|e| other_delimiter(e, &header, file.delimiter))?;
        Ok(DelimitedState {
            splitter,
            fields: header.len(),
            resolved,
            last_line: 1,
            raw: RawRecords::default(),
        })
    }

    /// Reads up to `chunk_rows` records (see [`DelimitedState::read_records`]); true if the file
    /// may have more.
    pub(super) fn read_chunk(
        &mut self,
        file: &SourceFile,
        chunk_rows: usize,
    ) -> Result<(TextRead, bool)> {
        let mut raw = std::mem::take(&mut self.raw);
        raw.clear();
        let more = self.read_records(file, chunk_rows, &mut raw)?;
        let shape = RecordShape {
            fields: self.fields,
            resolved: &self.resolved,
            delimiter: file.delimiter as char,
        };
        let starts: Vec<usize> = (0..raw.len().max(1)).step_by(PIECE_ROWS).collect();
        let pieces: Vec<TextRead> = starts
            .par_iter()
            .map(|&from| shape.columns(&raw, from..(from + PIECE_ROWS).min(raw.len())))
            .collect::<Result<_>>()?;
        self.raw = raw;
        let mut pieces = pieces.into_iter();
        let mut read = pieces
            .next()
            .ok_or_else(|| Error::Internal("a chunk of a delimited file without rows".into()))?;
        for piece in pieces {
            read.frame.vstack_mut_owned(piece.frame)?;
            read.rejects.extend(piece.rejects);
        }
        Ok((read, more))
    }

    /// Splits records into `raw` until it holds `chunk_rows` of them or [`TEXT_CHUNK_BYTES`] of
    /// fields and field ends (a file of many empty fields would otherwise hold 8 bytes per field
    /// for `chunk_rows` records); true if the file may have more.
    fn read_records(
        &mut self,
        file: &SourceFile,
        chunk_rows: usize,
        raw: &mut RawRecords,
    ) -> Result<bool> {
        while raw.len() < chunk_rows && raw.held() < TEXT_CHUNK_BYTES {
            let (start, fields) = match self.splitter.next_record(raw) {
                Ok(Some(record)) => record,
                Ok(None) => return Ok(false),
                Err(e) => return Err(stream_error(&file.path, file, self.last_line, e)),
            };
            let line = self.splitter.input.line_at(start);
            self.last_line = line;
            raw.records.push((line, fields.start));
        }
        Ok(true)
    }
}

/// Splits a delimited text into records as the csv crate's reader does (csv_core, with the
/// same settings: `"` quotes, a doubled quote inside quotes, `\r`, `\n` or `\r\n` ending a
/// line, blank lines skipped, a leading UTF-8 BOM dropped), each record onto the end of one
/// buffer.
struct Splitter<R> {
    core: csv_core::Reader,
    input: R,
    buf: Box<[u8]>,
    /// The bytes of `buf` not yet parsed.
    at: usize,
    filled: usize,
    /// Bytes parsed so far: where the next record starts, as the csv crate counts it.
    parsed: u64,
    eof: bool,
}

impl<R: Read> Splitter<R> {
    fn new(input: R, delimiter: u8) -> Splitter<R> {
        Splitter {
            core: csv_core::ReaderBuilder::new().delimiter(delimiter).build(),
            input,
            buf: vec![0; READ_BYTES].into_boxed_slice(),
            at: 0,
            filled: 0,
            parsed: 0,
            eof: false,
        }
    }

    /// Splits the next record's fields onto the end of `raw`: the byte it starts at and the
    /// indexes of its fields (for [`RawRecords::field`]), or None at the end of the text.
    fn next_record(
        &mut self,
        raw: &mut RawRecords,
    ) -> std::io::Result<Option<(u64, Range<usize>)>> {
        let start = self.parsed;
        let (base, first) = (raw.used, raw.ends_used);
        loop {
            if self.at == self.filled && !self.eof {
                self.fill()?;
            }
            raw.make_room();
            let (result, nin, nout, nend) = self.core.read_record(
                &self.buf[self.at..self.filled],
                &mut raw.bytes[raw.used..],
                &mut raw.ends[raw.ends_used..],
            );
            self.at += nin;
            self.parsed += nin as u64;
            raw.used += nout;
            raw.ends_used += nend;
            match result {
                csv_core::ReadRecordResult::InputEmpty
                | csv_core::ReadRecordResult::OutputFull
                | csv_core::ReadRecordResult::OutputEndsFull => {}
                csv_core::ReadRecordResult::Record => {
                    // csv_core counts a record's field ends from the record's first byte.
                    for end in &mut raw.ends[first..raw.ends_used] {
                        *end += base;
                    }
                    return Ok(Some((start, first..raw.ends_used)));
                }
                csv_core::ReadRecordResult::End => {
                    raw.used = base;
                    raw.ends_used = first;
                    return Ok(None);
                }
            }
        }
    }

    /// Reads the next bytes of the text (none at its end). The first read gets at least four
    /// bytes where the text has them: csv_core drops a leading UTF-8 BOM only when it sees all of
    /// it at once, and takes input that is empty once the BOM is dropped for the end of the text.
    fn fill(&mut self) -> std::io::Result<()> {
        let wanted = if self.parsed == 0 { 4 } else { 1 };
        (self.at, self.filled) = (0, 0);
        while self.filled < wanted {
            match self.input.read(&mut self.buf[self.filled..]) {
                Ok(0) => break,
                Ok(n) => self.filled += n,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        self.eof = self.filled == 0;
        Ok(())
    }
}

/// A chunk's records as split: every field's bytes end to end. The buffers keep their length
/// (room for the parser to write into); `used` and `ends_used` say how much holds records.
#[derive(Default)]
struct RawRecords {
    bytes: Vec<u8>,
    used: usize,
    /// Where each field ends in `bytes`.
    ends: Vec<usize>,
    ends_used: usize,
    /// Each record's line, and the index in `ends` of its first field.
    records: Vec<(u64, usize)>,
}

impl RawRecords {
    fn clear(&mut self) {
        (self.used, self.ends_used) = (0, 0);
        self.records.clear();
    }

    fn len(&self) -> usize {
        self.records.len()
    }

    /// Bytes of fields and of field ends held.
    fn held(&self) -> usize {
        self.used + self.ends_used * size_of::<usize>()
    }

    /// Makes sure the parser has room to write more of a record (it says when it needs more).
    /// The buffers grow by small steps: `Vec` still doubles its capacity, but only the pages
    /// written to take memory.
    fn make_room(&mut self) {
        if self.bytes.len() - self.used < READ_BYTES {
            self.bytes.resize(self.used + 2 * READ_BYTES, 0);
        }
        if self.ends.len() - self.ends_used < 256 {
            self.ends.resize(self.ends_used + 4096, 0);
        }
    }

    /// Record `i`'s line, and the indexes of its fields (for [`RawRecords::field`]).
    fn record(&self, i: usize) -> (u64, Range<usize>) {
        let (line, first) = self.records[i];
        let last = self.records.get(i + 1).map_or(self.ends_used, |r| r.1);
        (line, first..last)
    }

    /// Whether record `i` may hold a line end: the next record does not start on the line
    /// after it (or no next record is held).
    fn may_span_lines(&self, i: usize) -> bool {
        self.records
            .get(i + 1)
            .is_none_or(|next| next.0 != self.records[i].0 + 1)
    }

    fn field(&self, f: usize) -> &[u8] {
        let start = if f == 0 { 0 } else { self.ends[f - 1] };
        &self.bytes[start..self.ends[f]]
    }

    /// Fields `fields`, each lossily decoded (for the ledger).
    fn lossy(&self, fields: Range<usize>) -> Vec<String> {
        fields
            .map(|f| String::from_utf8_lossy(self.field(f)).into_owned())
            .collect()
    }
}

/// What turning a delimited file's records into columns needs to know of the file.
struct RecordShape<'a> {
    /// Fields in the header.
    fields: usize,
    /// (canonical column, field index) of each mapped column.
    resolved: &'a [(&'static str, usize)],
    delimiter: char,
}

impl RecordShape<'_> {
    /// The rows of `raw`'s records in `range`, and its lines that cannot be rows: a record with
    /// more or fewer fields than the header, or a mapped field that is not UTF-8.
    fn columns(&self, raw: &RawRecords, range: Range<usize>) -> Result<TextRead> {
        let mut columns = ColumnsBuilder::new(self.resolved.iter().map(|(c, _)| *c).collect());
        let mut rejects = Vec::new();
        let mut values: Vec<Option<&str>> = Vec::with_capacity(self.resolved.len());
        for i in range {
            let (line, fields) = raw.record(i);
            // Most records end on the line they start on: nothing to look for.
            let lines = if raw.may_span_lines(i) {
                self.lines_taken(raw, &fields)
            } else {
                1
            };
            if fields.len() != self.fields {
                let head = format!("expected {} fields, found {}", self.fields, fields.len());
                rejects.push(self.line_reject(raw, line, fields, lines, &head));
                continue;
            }
            if lines > 1 {
                // A quote ran on over line ends (see `lines_taken`).
                rejects.push(self.line_reject(raw, line, fields, lines, "unbalanced quote"));
                continue;
            }
            values.clear();
            let mut bad_utf8 = None;
            for (canonical, index) in self.resolved {
                match std::str::from_utf8(raw.field(fields.start + index)) {
                    Ok(v) => values.push(Some(v)),
                    Err(_) => {
                        bad_utf8 = Some((*canonical, fields.start + index));
                        break;
                    }
                }
            }
            match bad_utf8 {
                Some((canonical, at)) => rejects.push(LineReject {
                    lines: 1,
                    line,
                    column: Some(canonical.to_string()),
                    reason: RejectReason::InvalidUtf8,
                    raw: clip_raw(&String::from_utf8_lossy(raw.field(at))),
                    fields: raw.lossy(fields),
                }),
                None => columns.push_row(line, &values),
            }
        }
        Ok(TextRead::new(columns.finish()?, rejects))
    }

    /// The lines of the file a record took: 1 plus the line ends inside its values that show a
    /// quote ran on. A quote opened at the start of a value (`"sess`) and not closed runs on over
    /// the following lines, which would otherwise vanish into one value. Any line end in a value
    /// that cannot span lines (an id, a time, a number, a code) shows it; in free text, or in a
    /// column adept does not read, the line ends count once a line after one starts a record
    /// (see `starts_a_record`): prose over two lines does not.
    fn lines_taken(&self, raw: &RawRecords, fields: &Range<usize>) -> u64 {
        let mut lines = 1;
        for (k, at) in fields.clone().enumerate() {
            let value = raw.field(at);
            if !value.iter().any(|b| matches!(b, b'\n' | b'\r')) {
                continue;
            }
            let column = self.resolved.iter().find(|(_, index)| *index == k);
            let free = column.is_none_or(|(canonical, _)| may_span_lines(canonical));
            let mut later_lines = value.split(|b| matches!(b, b'\n' | b'\r')).skip(1);
            if !free || later_lines.any(|line| self.starts_a_record(line)) {
                lines += line_ends(value);
            }
        }
        lines
    }

    /// Whether a line swallowed into a value starts a record of this file: its person id
    /// (`user_id`, `helper_id`) is one word and its time (`timestamp`, `taken_at`) reads as one,
    /// where the line reaches them, and it reaches the time, or, in a table without one, has
    /// nearly the header's fields. `formulas, charts, macros` or `12 Main St, Springfield` do
    /// not; `u3,2026-10-30T09:00:00Z,x` does.
    fn starts_a_record(&self, line: &[u8]) -> bool {
        let parts: Vec<&[u8]> = line.split(|b| *b == self.delimiter as u8).collect();
        if parts.len() < 2 {
            return false;
        }
        let mut time_read = false;
        for (canonical, index) in self.resolved {
            let Some(part) = parts.get(*index) else {
                continue;
            };
            let text = String::from_utf8_lossy(part);
            let text = text.trim().trim_matches('"');
            match *canonical {
                "timestamp" | "taken_at" => {
                    if parse_timestamp(text, TimestampRules::UTC_AUTO).is_none() {
                        return false;
                    }
                    time_read = true;
                }
                "user_id" | "helper_id"
                    if text.is_empty() || text.contains(char::is_whitespace) =>
                {
                    return false;
                }
                _ => {}
            }
        }
        time_read || parts.len() + 1 >= self.fields
    }

    /// A malformed record's reject: `head`, how many lines it took, and its fields.
    fn line_reject(
        &self,
        raw: &RawRecords,
        line: u64,
        fields: Range<usize>,
        lines: u64,
        head: &str,
    ) -> LineReject {
        let fields = raw.lossy(fields);
        LineReject {
            line,
            column: None,
            reason: RejectReason::MalformedLine,
            raw: clip_raw(&format!(
                "{head}{}: {}",
                over_lines(lines),
                fields.join(&self.delimiter.to_string())
            )),
            fields,
            lines,
        }
    }
}

/// A header read as one column that another delimiter would split (`user_id;timestamp;...`
/// read with `,`): the error says which delimiter to set, not only which column is missing.
fn other_delimiter(error: Error, header: &[String], delimiter: u8) -> Error {
    let Error::MissingColumn { path, table, .. } = &error else {
        return error;
    };
    let [only] = header else {
        return error;
    };
    let splits = |d: &u8| *d != delimiter && only.as_bytes().contains(d);
    let Some(likely) = [b';', b'\t', b'|', b','].into_iter().find(splits) else {
        return error;
    };
    let shown = if likely == b'\t' {
        "\\t".to_string()
    } else {
        char::from(likely).to_string()
    };
    Error::unreadable(
        path,
        format!(
            "the header is one column, `{}`, that `{shown}` would split: the file looks \
             separated by `{shown}`; set `delimiter = \"{shown}\"` under [tables.{table}] in the \
             config file",
            clip_raw(only)
        ),
    )
}

/// Line ends in a value: `\n`, `\r\n` or a lone `\r`; one that ends the value (a quote left open
/// to the end of the file takes the last line end) starts no further line.
fn line_ends(value: &[u8]) -> u64 {
    let value = value.strip_suffix(b"\n").unwrap_or(value);
    let value = value.strip_suffix(b"\r").unwrap_or(value);
    let mut ends = 0;
    for (i, byte) in value.iter().enumerate() {
        let lone_cr = *byte == b'\r' && value.get(i + 1) != Some(&b'\n');
        if *byte == b'\n' || lone_cr {
            ends += 1;
        }
    }
    ends
}

/// How a reject's message says that a quote took `lines` lines (nothing for one line).
fn over_lines(lines: u64) -> String {
    match lines {
        1 => String::new(),
        n => format!(
            " (a quote at the start of a value runs over {n} lines, read as one record; each \
             line counts as a rejected row)"
        ),
    }
}

/// The bytes the record splitter reads, noting where lines end, so that a record gets the line
/// its first byte is on. The csv crate's own record lines count `\n` only and are taken before the
/// rest of the previous line end is skipped: a record after a `\r\n` (BurntSushi/rust-csv#395)
/// or a blank line (#208) got the line before its own, and after a bare `\r` (old Mac exports)
/// the line of the record before.
struct LineStarts<R> {
    inner: R,
    /// Bytes read so far.
    read: u64,
    /// Line ends read so far: `\n`, `\r\n` or a bare `\r`, as an editor counts them.
    ends: u64,
    /// Whether the last byte read was `\r` (a `\n` next ends the same line).
    after_cr: bool,
    /// Runs of `\r`/`\n` bytes not yet passed by [`LineStarts::line_at`]: (first byte, byte
    /// after the run, line ends up to the end of the run).
    runs: VecDeque<(u64, u64, u64)>,
    /// Line ends up to the end of the last run passed.
    passed: u64,
}

impl<R> LineStarts<R> {
    fn new(inner: R) -> Self {
        LineStarts {
            inner,
            read: 0,
            ends: 0,
            after_cr: false,
            runs: VecDeque::new(),
            passed: 0,
        }
    }

    /// The 1-based line of the first byte that is not a line end at or after `byte`, a record's
    /// position as the csv crate gives it. Each call must ask for a byte no earlier than the
    /// last, and after the record has been read (so the line ends before it have been too).
    fn line_at(&mut self, byte: u64) -> u64 {
        while let Some(&(_, end, ends)) = self.runs.front() {
            if end > byte {
                break;
            }
            self.passed = ends;
            self.runs.pop_front();
        }
        match self.runs.front() {
            // `byte` is in a run of line ends: the record starts after it.
            Some(&(start, _, ends)) if start <= byte => ends + 1,
            _ => self.passed + 1,
        }
    }
}

impl<R: Read> Read for LineStarts<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let bytes = &buf[..n];
        let mut from = 0;
        while let Some(k) = find_line_end(&bytes[from..]) {
            let at = from + k;
            let after_cr = if at == 0 {
                self.after_cr
            } else {
                bytes[at - 1] == b'\r'
            };
            if !(bytes[at] == b'\n' && after_cr) {
                self.ends += 1;
            }
            let offset = self.read + at as u64;
            match self.runs.back_mut() {
                Some(run) if run.1 == offset => {
                    run.1 += 1;
                    run.2 = self.ends;
                }
                _ => self.runs.push_back((offset, offset + 1, self.ends)),
            }
            from = at + 1;
        }
        if let Some(&last) = bytes.last() {
            self.after_cr = last == b'\r';
        }
        self.read += n as u64;
        Ok(n)
    }
}

/// The index of the first `\r` or `\n` in `bytes`, looking at eight bytes at a time: counting
/// line ends then costs about 0.5 ns a byte (0.9 a byte at a time) beside csv's 1.5 for parsing.
fn find_line_end(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    // Non-zero exactly when one of the eight bytes of `w` is zero.
    let has_zero_byte = |w: u64| w.wrapping_sub(ONES) & !w & HIGHS;
    let mut at = 0;
    for chunk in bytes.chunks_exact(8) {
        let w = u64::from_ne_bytes(chunk.try_into().expect("8 bytes"));
        if has_zero_byte(w ^ (ONES * u64::from(b'\n')))
            | has_zero_byte(w ^ (ONES * u64::from(b'\r')))
            != 0
        {
            break;
        }
        at += 8;
    }
    bytes[at..]
        .iter()
        .position(|&b| b == b'\n' || b == b'\r')
        .map(|k| at + k)
}

#[cfg(test)]
mod tests {
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::*;
    use crate::config::{SourceFormat, TableSettings};
    use crate::contract::TableKind;
    use crate::ingest::{Compression, read_text_bytes};

    /// Hands out the bytes in reads of 1 to `most` bytes (drawn), so that records, quotes and
    /// line ends are cut between reads anywhere.
    struct Trickle {
        bytes: Vec<u8>,
        at: usize,
        rng: ChaCha8Rng,
        most: usize,
    }

    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self
                .rng
                .random_range(1..=self.most)
                .min(buf.len())
                .min(self.bytes.len() - self.at);
            buf[..n].copy_from_slice(&self.bytes[self.at..self.at + n]);
            self.at += n;
            Ok(n)
        }
    }

    /// Each record's start byte and fields, as the splitter gives them.
    fn split(text: &[u8], delimiter: u8, most: usize, seed: u64) -> Vec<(u64, Vec<Vec<u8>>)> {
        let input = Trickle {
            bytes: text.to_vec(),
            at: 0,
            rng: ChaCha8Rng::seed_from_u64(seed),
            most,
        };
        let mut splitter = Splitter::new(input, delimiter);
        let mut raw = RawRecords::default();
        let mut out = Vec::new();
        while let Some((start, fields)) = splitter.next_record(&mut raw).unwrap() {
            out.push((start, fields.map(|f| raw.field(f).to_vec()).collect()));
        }
        out
    }

    /// The same, as the csv crate's reader gives them (what ingest used before).
    fn split_by_csv(text: &[u8], delimiter: u8) -> Vec<(u64, Vec<Vec<u8>>)> {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .flexible(true)
            .has_headers(false)
            .from_reader(text);
        let mut record = csv::ByteRecord::new();
        let mut out = Vec::new();
        while reader.read_byte_record(&mut record).unwrap() {
            let start = record.position().map(|p| p.byte()).unwrap();
            out.push((start, record.iter().map(<[u8]>::to_vec).collect()));
        }
        out
    }

    #[test]
    fn records_are_split_as_the_csv_crate_splits_them() {
        let tokens: [&[u8]; 13] = [
            b"a",
            b"bc",
            b",",
            b";",
            b"\"",
            b"\"\"",
            b"\r",
            b"\n",
            b"\r\n",
            b"\xef\xbb\xbf",
            b"\xff",
            b" ",
            b"\t",
        ];
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        for case in 0..3000u64 {
            let n = rng.random_range(0..60);
            let text: Vec<u8> = (0..n)
                .flat_map(|_| tokens[rng.random_range(0..tokens.len())].to_vec())
                .collect();
            for delimiter in [b',', b';'] {
                let expected = split_by_csv(&text, delimiter);
                for most in [1, 3, 1 << 20] {
                    let got = split(&text, delimiter, most, case);
                    assert_eq!(got, expected, "{:?}", String::from_utf8_lossy(&text));
                }
            }
        }
    }

    #[test]
    fn a_field_or_a_record_larger_than_the_buffers_is_split_whole() {
        // A quoted field of 300 KB with delimiters and line ends inside, then a record of 10,000
        // fields: the parser asks for more room for the bytes, then for the field ends.
        let long: Vec<u8> = (0..300_000u32)
            .map(|i| b"ab,\n\r"[i as usize % 5])
            .collect();
        let mut text = b"h1,h2\nx,\"".to_vec();
        text.extend(&long);
        text.extend(b"\"\n");
        text.extend(vec![b'1'; 10_000].iter().flat_map(|b| [*b, b',']));
        text.extend(b"\nlast,row");
        let expected = split_by_csv(&text, b',');
        assert_eq!(expected[1].1[1], long);
        assert_eq!(expected[2].1.len(), 10_001);
        assert_eq!(split(&text, b',', 1 << 20, 0), expected);
        assert_eq!(split(&text, b',', 4096, 0), expected);
    }

    /// The chunks of an events CSV, read `chunk_rows` records at a time.
    fn events_csv(text: &[u8], chunk_rows: usize) -> impl Iterator<Item = Result<TextRead>> {
        let file = SourceFile {
            path: "events.csv".into(),
            format: SourceFormat::Csv,
            compression: Compression::None,
            delimiter: b',',
        };
        let settings = TableSettings::default();
        read_text_bytes(
            &file,
            text.to_vec(),
            TableKind::Events,
            &settings,
            chunk_rows,
        )
        .unwrap()
    }

    /// The lines of the rows and of each reject of an events CSV, read in chunks of `chunk_rows`.
    fn rows_and_rejects(text: &[u8], chunk_rows: usize) -> (Vec<u64>, Vec<(u64, RejectReason)>) {
        let (mut rows, mut rejects) = (Vec::new(), Vec::new());
        for chunk in events_csv(text, chunk_rows) {
            let chunk = chunk.unwrap();
            let lines = chunk.frame.column("__line").unwrap().u64().unwrap();
            rows.extend(lines.into_no_null_iter());
            rejects.extend(chunk.rejects.iter().map(|r| (r.line, r.reason)));
        }
        (rows, rejects)
    }

    #[test]
    fn a_chunk_of_many_empty_fields_ends_by_the_room_their_ends_take() {
        // 5,000 records of 2,003 fields, nearly all empty: 80 MB of field ends if held at once
        // (found in review: the chunk counted only the fields' bytes).
        let mut text = b"user_id,timestamp,feature".to_vec();
        text.extend((0..2_000).flat_map(|i| format!(",x{i}").into_bytes()));
        text.push(b'\n');
        for i in 0..5_000 {
            text.extend(format!("u{i},t,f").as_bytes());
            text.extend(std::iter::repeat_n(b',', 2_000));
            text.push(b'\n');
        }
        let rows: Vec<usize> = events_csv(&text, usize::MAX)
            .map(|c| c.unwrap().frame.height())
            .collect();
        let most = TEXT_CHUNK_BYTES / (2_003 * size_of::<usize>()) + 1;
        assert!(rows.iter().all(|r| *r <= most), "{rows:?}");
        assert_eq!(rows.iter().sum::<usize>(), 5_000);
    }

    #[test]
    fn rows_and_rejects_keep_the_file_order_across_the_pieces_of_a_chunk() {
        // 40,000 records: more than two pieces of a chunk read whole. Every 997th has a field
        // too few, every 1,499th a feature that is not UTF-8.
        let mut text = b"user_id,timestamp,feature\n".to_vec();
        let (mut rows, mut rejects) = (Vec::new(), Vec::new());
        for i in 1..=40_000u64 {
            let line = i + 1;
            if i % 997 == 0 {
                text.extend(format!("u{i},t\n").as_bytes());
                rejects.push((line, RejectReason::MalformedLine));
            } else if i % 1499 == 0 {
                text.extend(format!("u{i},t,").as_bytes());
                text.extend(b"\xff\n");
                rejects.push((line, RejectReason::InvalidUtf8));
            } else {
                text.extend(format!("u{i},t,f{}\n", i % 7).as_bytes());
                rows.push(line);
            }
        }
        for chunk_rows in [usize::MAX, 16_384, 5_000, 1] {
            assert_eq!(
                rows_and_rejects(&text, chunk_rows),
                (rows.clone(), rejects.clone()),
                "chunks of {chunk_rows}"
            );
        }
    }

    #[test]
    fn line_ends_are_found_wherever_they_are_in_a_word() {
        for len in 0..40 {
            for at in 0..=len {
                for end in [b'\n', b'\r'] {
                    // Bytes that differ from the line ends by one bit, or only in the high bit.
                    let mut bytes: Vec<u8> = (0..len)
                        .map(|i| [b'a', 0x0b, 0x8a, 0x8d, 0x0c, 0xff][i % 6])
                        .collect();
                    if at < len {
                        bytes[at] = end;
                    }
                    let expected = (at < len).then_some(at);
                    assert_eq!(find_line_end(&bytes), expected, "{bytes:?}");
                }
            }
        }
    }

    #[test]
    fn a_header_another_delimiter_would_split_names_that_delimiter() {
        let file = SourceFile {
            path: "events.csv".into(),
            format: SourceFormat::Csv,
            compression: Compression::None,
            delimiter: b',',
        };
        let text = b"user_id;timestamp;feature\nu1;2026-10-30;copy\n".to_vec();
        let settings = TableSettings::default();
        let Err(error) = read_text_bytes(&file, text, TableKind::Events, &settings, 10) else {
            panic!("a semicolon-separated file read with commas was accepted");
        };
        let message = error.to_string();
        assert!(
            message.contains("set `delimiter = \";\"` under [tables.events]"),
            "{message}"
        );
    }

    #[test]
    fn a_quote_run_on_over_line_ends_is_one_reject_that_counts_every_line() {
        let header = "user_id,timestamp,feature,app,trigger,count,session_id,duration_ms,client\n";
        let row =
            |i: usize, session: &str| format!("u{i},2026-10-30T08:00:00Z,f,a,menu,1,{session},,\n");
        // Line 3 opens a quote that line 6 closes: lines 3 to 6 are read as one record.
        let mut text = String::from(header);
        text += &row(1, "s1");
        text += &row(2, "\"s2");
        text += &row(3, "s3");
        text += &row(4, "s4");
        text += &row(5, "s5\"");
        text += &row(6, "s6");
        let rejects: Vec<LineReject> = events_csv(text.as_bytes(), 100)
            .flat_map(|chunk| chunk.unwrap().rejects)
            .collect();
        assert_eq!(rejects.len(), 1);
        assert_eq!((rejects[0].line, rejects[0].lines), (3, 4));
        assert!(
            rejects[0].raw.starts_with("unbalanced quote"),
            "{}",
            rejects[0].raw
        );
        // A quote never closed takes every line to the end of the file, and no more.
        let mut open = String::from(header);
        open += &row(1, "\"s1");
        open += &row(2, "s2");
        let rejects: Vec<LineReject> = events_csv(open.as_bytes(), 100)
            .flat_map(|chunk| chunk.unwrap().rejects)
            .collect();
        assert_eq!(rejects.iter().map(|r| r.lines).sum::<u64>(), 2);
        // A line end inside free text (a quoted help topic) is text, not a lost line.
        assert_eq!(line_ends(b"one\r\ntwo\rthree\n"), 2);
        assert!(may_span_lines("topic") && !may_span_lines("session_id"));
        // In a column adept does not read, a line break is text, but lines swallowed whole are
        // lost rows: the quote opened on line 3 takes lines 4 and 5 (closed at the end of 5).
        let header = "user_id,timestamp,feature,comment\n";
        let text = format!(
            "{header}u1,2026-10-30T08:00:00Z,f,\"two\nlines\"\nu2,2026-10-30T08:00:00Z,f,\"open\n\
             u3,2026-10-30T08:00:00Z,f,x\nu4,2026-10-30T08:00:00Z,f,x\"\nu5,2026-10-30T08:00:00Z,f,\n"
        );
        let mut rows = Vec::new();
        let mut rejects = Vec::new();
        for chunk in events_csv(text.as_bytes(), 100) {
            let chunk = chunk.unwrap();
            rows.extend(
                chunk
                    .frame
                    .column("__line")
                    .unwrap()
                    .u64()
                    .unwrap()
                    .into_no_null_iter(),
            );
            rejects.extend(chunk.rejects.iter().map(|r| (r.line, r.lines)));
        }
        assert_eq!(rows, [2, 7]);
        assert_eq!(rejects, [(4, 3)]);
        // Prose over two lines, commas and all, is text; a quote closed partway through the
        // next record still lost that record.
        let text = format!(
            "{header}u1,2026-10-30T08:00:00Z,f,\"Love it.\nPlease add: sorting, filters, and \
             charts, too\"\nu2,2026-10-30T08:00:00Z,f,\"open\nu3,2026-10-30T09:00:00Z,\"x\"\n"
        );
        let rejects: Vec<(u64, u64)> = events_csv(text.as_bytes(), 100)
            .flat_map(|chunk| chunk.unwrap().rejects)
            .map(|r| (r.line, r.lines))
            .collect();
        assert_eq!(rejects, [(4, 2)]);
    }
}
