//! Small helpers shared by the stages that read columns out of polars frames, and the reader of
//! adept's own Parquet outputs, whose problems are the user's data errors (a wrong directory, a
//! file from another version) that name the file and the column.

use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::error::{Error, Result};

/// Whether row `row` of one of a column's arrays holds a value.
pub fn holds_value<A: StaticArray>(array: &A, row: usize) -> bool {
    array.is_valid(row)
}

/// Whether one of a column's arrays has missing values (if not, no row needs [`holds_value`]).
pub fn has_missing<A: StaticArray>(array: &A) -> bool {
    array.null_count() > 0
}

/// A column as optional strings (any type, cast to text).
pub fn text_column(frame: &DataFrame, name: &str) -> Result<Vec<Option<String>>> {
    Ok(frame
        .column(name)?
        .cast(&DataType::String)?
        .str()?
        .iter()
        .map(|v| v.map(str::to_string))
        .collect())
}

/// A column as optional floats (any numeric type).
pub fn float_column(frame: &DataFrame, name: &str) -> Result<Vec<Option<f64>>> {
    Ok(frame
        .column(name)?
        .cast(&DataType::Float64)?
        .f64()?
        .iter()
        .collect())
}

/// One of adept's own Parquet outputs, read back.
#[derive(Debug, Clone)]
pub struct OutputTable {
    pub path: PathBuf,
    pub frame: DataFrame,
}

impl OutputTable {
    /// Reads `dir/name`; a missing file is a data error with a hint.
    pub fn read(dir: &Path, name: &str) -> Result<OutputTable> {
        let path = dir.join(name);
        Ok(OutputTable {
            frame: read_output(&path)?,
            path,
        })
    }

    pub fn height(&self) -> usize {
        self.frame.height()
    }

    /// A data error about `column` of this file.
    pub fn error(&self, column: &str, message: impl Into<String>) -> Error {
        Error::OutputColumn {
            path: self.path.clone(),
            column: column.to_string(),
            message: message.into(),
        }
    }

    pub fn has(&self, column: &str) -> bool {
        self.frame.column(column).is_ok()
    }

    fn column(&self, name: &str, want: &DataType) -> Result<Series> {
        let column = self.frame.column(name).map_err(|_| Error::OutputColumn {
            path: self.path.clone(),
            column: name.to_string(),
            message: format!(
                "no such column (columns found: {})",
                self.frame
                    .get_column_names()
                    .iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })?;
        let wrong = |e: PolarsError| Error::OutputColumn {
            path: self.path.clone(),
            column: name.to_string(),
            message: format!("expected {want}, found {} ({e})", column.dtype()),
        };
        let numeric = column.dtype().is_primitive_numeric() || column.dtype().is_bool();
        if want.is_float() && !numeric {
            return Err(wrong(PolarsError::SchemaMismatch("not a number".into())));
        }
        column
            .as_materialized_series()
            .strict_cast(want)
            .map_err(wrong)
    }

    /// A column as optional strings.
    pub fn strings(&self, name: &str) -> Result<Vec<Option<String>>> {
        let series = self.column(name, &DataType::String)?;
        let values = series.str()?;
        Ok(values.iter().map(|v| v.map(str::to_string)).collect())
    }

    /// A numeric column as optional floats.
    pub fn floats(&self, name: &str) -> Result<Vec<Option<f64>>> {
        let series = self.column(name, &DataType::Float64)?;
        Ok(series.f64()?.iter().collect())
    }
}

/// Reads one of adept's own Parquet outputs; a missing file is a user error with a hint.
pub fn read_output(path: &Path) -> Result<DataFrame> {
    let file = std::fs::File::open(path).map_err(|e| {
        Error::Input(format!(
            "cannot open `{}` ({e}): is this the output directory of `adept run`?",
            path.display()
        ))
    })?;
    ParquetReader::new(file)
        .finish()
        .map_err(|e| Error::unreadable(path, e))
}
