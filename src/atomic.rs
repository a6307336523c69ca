//! Atomic file output: write under a temporary name in the target directory, then rename.
//!
//! A reader never sees a half-written file, and a failed write leaves the previous file intact.

use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::error::{Error, Result};

/// A file being written; it appears under its final name only on [`AtomicFile::commit`].
/// Dropping it uncommitted removes the temporary file.
pub struct AtomicFile {
    target: PathBuf,
    temp: tempfile::NamedTempFile,
}

impl AtomicFile {
    pub fn create(target: impl AsRef<Path>) -> Result<AtomicFile> {
        let target = target.as_ref().to_path_buf();
        let dir = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&dir).map_err(|e| Error::output(&dir, e))?;
        let file_name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let temp = tempfile::Builder::new()
            .prefix(&format!(".{file_name}."))
            .suffix(".tmp")
            .tempfile_in(&dir)
            .map_err(|e| Error::output(&target, e))?;
        // Temporary files are private (0600); outputs are for analysts to read.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(temp.path(), fs::Permissions::from_mode(0o644))
                .map_err(|e| Error::output(&target, e))?;
        }
        Ok(AtomicFile { target, temp })
    }

    /// The open temporary file, for writers that take `&mut File`.
    pub fn file(&mut self) -> &mut fs::File {
        self.temp.as_file_mut()
    }

    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Flush to disk and move into place.
    pub fn commit(self) -> Result<()> {
        self.temp
            .as_file()
            .sync_all()
            .map_err(|e| Error::output(&self.target, e))?;
        self.temp
            .persist(&self.target)
            .map_err(|e| Error::output(&self.target, e.error))?;
        Ok(())
    }
}

/// Writes bytes produced by `write` to `target` atomically.
pub fn write_with(
    target: impl AsRef<Path>,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    let mut file = AtomicFile::create(target)?;
    let target = file.target.clone();
    {
        let mut buf = BufWriter::new(file.file());
        write(&mut buf).map_err(|e| Error::output(&target, e))?;
        buf.flush().map_err(|e| Error::output(&target, e))?;
    }
    file.commit()
}

/// Writes a frame as zstd-compressed Parquet with statistics, atomically.
pub fn write_parquet(df: &mut DataFrame, target: impl AsRef<Path>) -> Result<()> {
    let mut file = AtomicFile::create(target)?;
    let target = file.target.clone();
    ParquetWriter::new(file.file())
        .with_compression(ParquetCompression::Zstd(None))
        .with_statistics(StatisticsOptions::full())
        .finish(df)
        .map_err(|e| Error::output(&target, e))?;
    file.commit()
}
