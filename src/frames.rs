//! Small helpers shared by the stages that read columns out of polars frames or Parquet outputs.

use std::path::Path;

use polars::prelude::*;

use crate::error::{Error, Result};

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
