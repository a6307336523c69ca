//! A column-oriented table in the generator's own compact form, and its conversion to polars.
//!
//! Text is kept either packed (one byte buffer plus ends) or dictionary-coded (shared words plus
//! codes), so millions of event rows cost no per-value allocation. An empty text is a missing
//! value: null in Parquet and JSONL, an empty field in CSV.

use std::sync::Arc;

use polars::prelude::*;

use crate::contract::TableKind;
use crate::error::{Error, Result};

/// Packed strings.
#[derive(Debug, Clone, Default)]
pub struct TextColumn {
    data: Vec<u8>,
    ends: Vec<usize>,
}

impl TextColumn {
    pub fn with_capacity(rows: usize, bytes: usize) -> TextColumn {
        TextColumn {
            data: Vec::with_capacity(bytes),
            ends: Vec::with_capacity(rows),
        }
    }

    pub fn push(&mut self, value: &str) {
        self.data.extend_from_slice(value.as_bytes());
        self.ends.push(self.data.len());
    }

    /// Appends one value built by `build` from bytes it pushes (must be valid UTF-8).
    pub fn push_with(&mut self, build: impl FnOnce(&mut Vec<u8>)) {
        build(&mut self.data);
        self.ends.push(self.data.len());
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn bytes(&self, row: usize) -> &[u8] {
        let start = if row == 0 { 0 } else { self.ends[row - 1] };
        &self.data[start..self.ends[row]]
    }

    /// Every value as text (the buffer is checked to be UTF-8 once).
    pub fn texts(&self) -> impl Iterator<Item = &str> + Clone {
        let all = std::str::from_utf8(&self.data).unwrap_or("");
        let mut start = 0;
        self.ends.iter().map(move |&end| {
            let text = all.get(start..end).unwrap_or("");
            start = end;
            text
        })
    }
}

/// The values of one column.
#[derive(Debug, Clone)]
pub enum Values {
    Text(TextColumn),
    /// Dictionary-coded text: row `i` holds `words[codes[i]]`.
    Coded {
        words: Arc<Vec<String>>,
        codes: Vec<u32>,
    },
    /// UTC milliseconds since 1970.
    Timestamp(Vec<i64>),
    /// Days since 1970-01-01.
    Date(Vec<i32>),
    Int(Vec<i64>),
    Float(Vec<f64>),
    Bool(Vec<bool>),
}

impl Values {
    pub fn len(&self) -> usize {
        match self {
            Values::Text(t) => t.len(),
            Values::Coded { codes, .. } => codes.len(),
            Values::Timestamp(v) | Values::Int(v) => v.len(),
            Values::Date(v) => v.len(),
            Values::Float(v) => v.len(),
            Values::Bool(v) => v.len(),
        }
    }

    /// The text at `row` as bytes (text columns only; empty otherwise).
    pub fn text_bytes(&self, row: usize) -> &[u8] {
        match self {
            Values::Text(t) => t.bytes(row),
            Values::Coded { words, codes } => words[codes[row] as usize].as_bytes(),
            _ => b"",
        }
    }

    fn to_series(&self, name: &str) -> Series {
        let name = PlSmallStr::from_str(name);
        match self {
            Values::Text(t) => text_series(name, t.texts()),
            Values::Coded { words, codes } => {
                text_series(name, codes.iter().map(|&c| words[c as usize].as_str()))
            }
            Values::Timestamp(v) => Int64Chunked::from_vec(name, v.clone())
                .into_datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC))
                .into_series(),
            Values::Date(v) => Int32Chunked::from_vec(name, v.clone())
                .into_date()
                .into_series(),
            Values::Int(v) => Int64Chunked::from_vec(name, v.clone()).into_series(),
            Values::Float(v) => Float64Chunked::from_vec(name, v.clone()).into_series(),
            Values::Bool(v) => BooleanChunked::from_slice(name, v).into_series(),
        }
    }
}

/// A string series; empty texts become nulls.
fn text_series<'a>(name: PlSmallStr, texts: impl Iterator<Item = &'a str> + Clone) -> Series {
    if texts.clone().any(str::is_empty) {
        StringChunked::from_iter_options(name, texts.map(|t| (!t.is_empty()).then_some(t)))
            .into_series()
    } else {
        StringChunked::from_iter_values(name, texts).into_series()
    }
}

/// Named columns of equal length.
#[derive(Debug, Clone)]
pub struct Table {
    pub columns: Vec<(&'static str, Values)>,
}

impl Table {
    /// A table of `kind`, checked to have exactly the contract's columns in the contract's order.
    pub fn for_contract(kind: TableKind, columns: Vec<(&'static str, Values)>) -> Result<Table> {
        let names: Vec<&str> = columns.iter().map(|(n, _)| *n).collect();
        let expected: Vec<&str> = kind.columns().iter().map(|c| c.name).collect();
        if names != expected {
            return Err(Error::Internal(format!(
                "generated `{kind}` columns {names:?} differ from the contract's {expected:?}"
            )));
        }
        Table::new(columns)
    }

    pub fn new(columns: Vec<(&'static str, Values)>) -> Result<Table> {
        let rows = columns.first().map_or(0, |(_, v)| v.len());
        if let Some((name, _)) = columns.iter().find(|(_, v)| v.len() != rows) {
            return Err(Error::Internal(format!(
                "generated column `{name}` has a different length from the others"
            )));
        }
        Ok(Table { columns })
    }

    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, |(_, v)| v.len())
    }

    /// The table as a polars frame (columns converted in parallel).
    pub fn to_dataframe(&self) -> Result<DataFrame> {
        use rayon::prelude::*;
        let columns: Vec<Column> = self
            .columns
            .par_iter()
            .map(|(name, values)| values.to_series(name).into_column())
            .collect();
        Ok(DataFrame::new(self.rows(), columns)?)
    }
}
