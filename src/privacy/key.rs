//! Where the pseudonym key comes from: an environment variable, a configured key file, or a key
//! file adept creates once in the user's configuration directory and reuses, so pseudonyms stay
//! stable across nightly runs. The key never lives inside an output directory.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::settings::PrivacySettings;
use crate::error::{Error, Result};

/// Environment variable holding the key itself.
pub const KEY_ENV: &str = "ADEPT_PSEUDONYM_KEY";

/// Where the key came from, for the run's message and manifest (never the key itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    Environment,
    File(PathBuf),
    /// A new key file was created: the run says where, once.
    Created(PathBuf),
}

impl KeySource {
    pub fn describe(&self) -> String {
        match self {
            KeySource::Environment => format!("environment variable {KEY_ENV}"),
            KeySource::File(p) => format!("key file {}", p.display()),
            KeySource::Created(p) => format!("new key file {}", p.display()),
        }
    }
}

fn default_key_file() -> Result<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
        .ok_or_else(|| {
            Error::Config(format!(
                "cannot find a place for the pseudonym key: set {KEY_ENV}, HOME, or privacy.key_file"
            ))
        })?;
    Ok(base.join("adept").join("pseudonym.key"))
}

fn absolute(path: &Path) -> PathBuf {
    let path = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    // Canonicalise the longest existing ancestor so `..` and links compare correctly.
    let mut existing = path.clone();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (existing.file_name(), existing.parent()) {
            (Some(name), Some(parent)) => {
                rest.push(name.to_os_string());
                existing = parent.to_path_buf();
            }
            _ => break,
        }
    }
    let mut resolved = fs::canonicalize(&existing).unwrap_or(existing);
    for name in rest.into_iter().rev() {
        resolved.push(name);
    }
    resolved
}

/// The key to pseudonymise with, and where it came from. `out` is the output directory the key
/// must stay out of.
pub fn resolve_key(settings: &PrivacySettings, out: &Path) -> Result<(Vec<u8>, KeySource)> {
    if let Ok(key) = std::env::var(KEY_ENV)
        && !key.is_empty()
    {
        return Ok((key.into_bytes(), KeySource::Environment));
    }
    let path = match &settings.key_file {
        Some(p) => p.clone(),
        None => default_key_file()?,
    };
    if absolute(&path).starts_with(absolute(out)) {
        return Err(Error::Config(format!(
            "the pseudonym key file `{}` is inside the output directory `{}`: anyone given the outputs could reverse the pseudonyms; keep it elsewhere",
            path.display(),
            out.display()
        )));
    }
    match fs::read(&path) {
        Ok(bytes) => {
            let key: Vec<u8> = bytes.trim_ascii().to_vec();
            if key.len() < 16 {
                return Err(Error::Config(format!(
                    "the pseudonym key in `{}` is shorter than 16 bytes",
                    path.display()
                )));
            }
            Ok((key, KeySource::File(path)))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = create_key_file(&path)?;
            Ok((key, KeySource::Created(path)))
        }
        Err(e) => Err(Error::Config(format!(
            "cannot read the pseudonym key file `{}`: {e}",
            path.display()
        ))),
    }
}

fn create_key_file(path: &Path) -> Result<Vec<u8>> {
    let bytes: [u8; 32] = rand::random();
    let key: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(|e| Error::output(dir, e))?;
    }
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(mut file) => {
            file.write_all(key.as_bytes())
                .and_then(|_| file.write_all(b"\n"))
                .and_then(|_| file.sync_all())
                .map_err(|e| Error::output(path, e))?;
            Ok(key.into_bytes())
        }
        // Another run created it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => fs::read(path)
            .map(|b| b.trim_ascii().to_vec())
            .map_err(|e| Error::output(path, e)),
        Err(e) => Err(Error::output(path, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_file_is_created_once_and_reused_and_never_inside_the_outputs() {
        let dir = tempfile::tempdir().unwrap();
        let settings = PrivacySettings {
            key_file: Some(dir.path().join("keys/adept.key")),
            ..PrivacySettings::default()
        };
        let out = dir.path().join("out");
        // The environment variable, when a test runner sets it, would win; this test needs the file.
        if std::env::var(KEY_ENV).is_ok() {
            return;
        }
        let (first, source) = resolve_key(&settings, &out).unwrap();
        assert!(matches!(source, KeySource::Created(_)));
        let (second, source) = resolve_key(&settings, &out).unwrap();
        assert_eq!(first, second);
        assert!(matches!(source, KeySource::File(_)));
        let inside = PrivacySettings {
            key_file: Some(out.join("key")),
            ..PrivacySettings::default()
        };
        let err = resolve_key(&inside, &out).unwrap_err();
        assert!(
            err.to_string().contains("inside the output directory"),
            "{err}"
        );
    }
}
