//! One writer per output root: an advisory lock on `ROOT/.adept.lock`, released when the process
//! ends however it ends (the operating system drops it), so a crash never leaves a stale lock.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Holds the root's lock until dropped.
#[derive(Debug)]
pub struct RootLock {
    _file: File,
    pub path: PathBuf,
}

impl RootLock {
    /// Takes the lock or fails at once with [`Error::LockHeld`]; never waits.
    pub fn acquire(root: &Path) -> Result<RootLock> {
        std::fs::create_dir_all(root).map_err(|e| Error::output(root, e))?;
        let path = root.join(".adept.lock");
        let mut file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::output(&path, e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let holder = std::fs::read_to_string(&path).unwrap_or_default();
                return Err(Error::LockHeld {
                    path,
                    holder: holder.trim().to_string(),
                });
            }
            Err(TryLockError::Error(e)) => return Err(Error::output(&path, e)),
        }
        // Say who holds it, for the message another run prints.
        let _ = file.set_len(0);
        let _ = writeln!(file, "pid {}", std::process::id());
        Ok(RootLock { _file: file, path })
    }
}
