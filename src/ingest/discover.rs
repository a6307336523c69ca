//! Finds the files behind each table: `NAME.ext` or `NAME/` in the input directory, or the
//! configured file, directory or glob; and works out each file's format and compression.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::config::{SourceFormat, TableSettings};
use crate::contract::TableKind;
use crate::error::{Error, Result};

/// How a text file is compressed (detected from its first bytes, not its name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

/// One file to read for a table.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceFile {
    pub path: PathBuf,
    pub format: SourceFormat,
    pub compression: Compression,
    pub delimiter: u8,
}

const COMPRESSION_SUFFIXES: [&str; 3] = ["gz", "zst", "zstd"];

/// The format a file name implies, ignoring a compression suffix.
pub fn format_from_name(path: &Path) -> Option<SourceFormat> {
    let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
    let mut parts: Vec<&str> = name.split('.').collect();
    if parts.len() > 1 && COMPRESSION_SUFFIXES.contains(parts.last()?) {
        parts.pop();
    }
    if parts.len() < 2 {
        return None;
    }
    match *parts.last()? {
        "csv" => Some(SourceFormat::Csv),
        "tsv" | "tab" => Some(SourceFormat::Tsv),
        "jsonl" | "ndjson" | "json" => Some(SourceFormat::Jsonl),
        "parquet" | "pq" => Some(SourceFormat::Parquet),
        _ => None,
    }
}

/// The file's compression, from its magic bytes.
pub fn sniff_compression(path: &Path) -> Result<Compression> {
    let mut head = [0u8; 4];
    let mut file = fs::File::open(path).map_err(|e| Error::unreadable(path, e))?;
    let mut read = 0;
    while read < head.len() {
        match file.read(&mut head[read..]) {
            Ok(0) => break,
            Ok(n) => read += n,
            Err(e) => return Err(Error::unreadable(path, e)),
        }
    }
    Ok(match &head[..read] {
        [0x1f, 0x8b, ..] => Compression::Gzip,
        [0x28, 0xb5, 0x2f, 0xfd] => Compression::Zstd,
        _ => Compression::None,
    })
}

/// Whether a file in a table directory is bookkeeping rather than data (`_SUCCESS`, `.crc`, hidden).
fn is_bookkeeping(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    name.starts_with('.') || name.starts_with('_') || name.ends_with(".crc")
}

/// The files of one table, sorted by path so every run reads them in the same order.
/// `Ok(None)`: the table is absent (allowed for optional tables).
pub fn discover(
    input: &Path,
    table: TableKind,
    settings: &TableSettings,
) -> Result<Option<Vec<SourceFile>>> {
    let paths = match settings.source_in(input) {
        Some(source) => Some(configured_paths(&source, table)?),
        None => conventional_paths(input, table)?,
    };
    let Some(paths) = paths else { return Ok(None) };
    let mut files = Vec::with_capacity(paths.len());
    for path in paths {
        let format = match settings.format.or_else(|| format_from_name(&path)) {
            Some(f) => f,
            None => {
                return Err(Error::Input(format!(
                    "cannot tell the format of `{}` (table `{table}`) from its name; use .csv, .tsv, .jsonl, .parquet (optionally + .gz/.zst) or set [tables.{table}] format",
                    path.display()
                )));
            }
        };
        let compression = if format == SourceFormat::Parquet {
            Compression::None
        } else {
            sniff_compression(&path)?
        };
        let delimiter = match (settings.delimiter, format) {
            (Some(c), _) if c.is_ascii() => c as u8,
            (Some(c), _) => {
                return Err(Error::Config(format!(
                    "[tables.{table}] delimiter `{c}` must be a single ASCII character"
                )));
            }
            (None, SourceFormat::Tsv) => b'\t',
            (None, _) => b',',
        };
        files.push(SourceFile {
            path,
            format,
            compression,
            delimiter,
        });
    }
    Ok(Some(files))
}

fn configured_paths(source: &Path, table: TableKind) -> Result<Vec<PathBuf>> {
    let text = source.to_string_lossy();
    let paths = if source.is_dir() {
        directory_files(source)?
    } else if source.is_file() {
        vec![source.to_path_buf()]
    } else if text.contains(['*', '?', '[']) {
        let entries = glob::glob(&text).map_err(|e| {
            Error::Config(format!(
                "[tables.{table}] source `{text}` is not a valid glob: {e}"
            ))
        })?;
        let mut paths = Vec::new();
        for entry in entries {
            let path = entry.map_err(|e| Error::unreadable(e.path().to_path_buf(), e.error()))?;
            if path.is_file() && !is_bookkeeping(&path) {
                paths.push(path);
            }
        }
        paths.sort();
        paths
    } else {
        return Err(Error::Input(format!(
            "the source of table `{table}`, `{text}`, does not exist"
        )));
    };
    if paths.is_empty() {
        return Err(Error::Input(format!(
            "the source of table `{table}`, `{text}`, matches no data file"
        )));
    }
    Ok(paths)
}

fn directory_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut paths = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = fs::read_dir(&dir).map_err(|e| Error::unreadable(&dir, e))?;
        for entry in entries {
            let path = entry.map_err(|e| Error::unreadable(&dir, e))?.path();
            if is_bookkeeping(&path) {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else {
                paths.push(path);
            }
        }
    }
    paths.sort();
    Ok(paths)
}

/// `NAME/` or exactly one `NAME.<format>[.gz|.zst]` in the input directory.
fn conventional_paths(input: &Path, table: TableKind) -> Result<Option<Vec<PathBuf>>> {
    let dir = input.join(table.name());
    if dir.is_dir() {
        let files = directory_files(&dir)?;
        if files.is_empty() {
            return Err(Error::Input(format!(
                "the directory `{}` for table `{table}` holds no data file",
                dir.display()
            )));
        }
        return Ok(Some(files));
    }
    let entries = fs::read_dir(input).map_err(|e| Error::unreadable(input, e))?;
    let mut matches = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| Error::unreadable(input, e))?.path();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let stem = name.split('.').next().unwrap_or_default();
        if path.is_file() && stem == table.name() && format_from_name(&path).is_some() {
            matches.push(path);
        }
    }
    matches.sort();
    match matches.len() {
        0 => Ok(None),
        1 => Ok(Some(matches)),
        _ => Err(Error::Input(format!(
            "table `{table}` is ambiguous in `{}`: {}; keep one, or name it with [tables.{table}] source",
            input.display(),
            matches
                .iter()
                .map(|p| format!("`{}`", p.file_name().unwrap_or_default().to_string_lossy()))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_come_from_the_name_without_compression_suffix() {
        let f = |s: &str| format_from_name(Path::new(s));
        assert_eq!(f("events.csv"), Some(SourceFormat::Csv));
        assert_eq!(f("events.csv.gz"), Some(SourceFormat::Csv));
        assert_eq!(f("part-0001.tsv.zst"), Some(SourceFormat::Tsv));
        assert_eq!(f("events.ndjson"), Some(SourceFormat::Jsonl));
        assert_eq!(f("events.parquet"), Some(SourceFormat::Parquet));
        assert_eq!(f("events.gz"), None);
        assert_eq!(f("events.xlsx"), None);
    }
}
