//! Opens a Parquet file as a lazy polars scan with the table's canonical column names and a
//! 1-based row number, ready for `validate`.

use polars::prelude::*;

use super::discover::SourceFile;
use super::mapping::ColumnMapping;
use super::text::LINE_COLUMN;
use crate::error::{Error, Result};

pub fn scan_parquet(file: &SourceFile, mapping: &ColumnMapping) -> Result<LazyFrame> {
    let path = &file.path;
    let size = std::fs::metadata(path)
        .map_err(|e| Error::unreadable(path, e))?
        .len();
    if size == 0 {
        return Err(Error::Input(format!(
            "`{}` is empty (0 bytes): not a Parquet file; remove the file or rewrite it",
            path.display()
        )));
    }
    let ref_path = PlRefPath::try_from_path(path).map_err(|e| Error::unreadable(path, e))?;
    let args = ScanArgsParquet {
        row_index: Some(RowIndex {
            name: LINE_COLUMN.into(),
            offset: 1,
        }),
        ..Default::default()
    };
    let mut frame =
        LazyFrame::scan_parquet(ref_path, args).map_err(|e| Error::unreadable(path, e))?;
    let schema = frame
        .collect_schema()
        .map_err(|e| Error::unreadable(path, format!("not a readable Parquet file: {e}")))?;
    let found: Vec<String> = schema
        .iter_names()
        .filter(|n| n.as_str() != LINE_COLUMN)
        .map(|n| n.to_string())
        .collect();
    let resolved = mapping.resolve(path, &found)?;
    let mut columns = vec![col(LINE_COLUMN)];
    columns.extend(
        resolved
            .into_iter()
            .map(|(canonical, index)| col(found[index].as_str()).alias(canonical)),
    );
    Ok(frame.select(columns))
}
