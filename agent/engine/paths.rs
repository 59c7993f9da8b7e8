//! Where the old and new database files are: given explicitly, recorded by
//! a running migration, or found in a project folder by the runbook's
//! naming rule (`<dir>/<dir-name>-<schema-hash>.sqlite`).

use std::path::{Path, PathBuf};

use super::error::{EngineError, Result};
use super::schema::short_hash;

/// The files SQLite keeps beside a database, by the suffix of their name.
pub const SIDECARS: [&str; 3] = ["-wal", "-shm", "-journal"];

/// When `path` is one of the files SQLite keeps beside a database that
/// exists (`old.db-wal` beside `old.db`): which suffix, and that database.
pub fn sidecar_beside(path: &Path) -> Option<(&'static str, PathBuf)> {
    let name = path.file_name()?.to_str()?;
    SIDECARS.into_iter().find_map(|suffix| {
        let stem = name.strip_suffix(suffix).filter(|s| !s.is_empty())?;
        let db = path.with_file_name(stem);
        db.is_file().then_some((suffix, db))
    })
}

/// How a database was configured: explicit paths, a project folder, or both
/// (explicit paths win).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DatabaseSpec {
    pub old: Option<PathBuf>,
    pub new: Option<PathBuf>,
    pub project: Option<PathBuf>,
}

/// In a configured `new` path, replaced by the schema's short hash: the new
/// file is then named when a migration starts (database sets use it).
pub const HASH_PLACEHOLDER: &str = "{hash}";

/// Whether a configured `new` path waits for a schema hash.
pub fn is_hash_rule(new: &Path) -> bool {
    new.to_string_lossy().contains(HASH_PLACEHOLDER)
}

/// A configured `new` path with its `{hash}` filled in (unchanged without).
pub fn with_hash(new: &Path, hash: &str) -> PathBuf {
    PathBuf::from(
        new.to_string_lossy()
            .replace(HASH_PLACEHOLDER, short_hash(hash)),
    )
}

/// The file name of a project's database for a schema hash.
pub fn project_file(dir: &Path, hash: &str) -> Result<PathBuf> {
    Ok(dir.join(format!("{}-{}.sqlite", dir_name(dir)?, short_hash(hash))))
}

fn dir_name(dir: &Path) -> Result<String> {
    let abs = std::path::absolute(dir).map_err(|source| EngineError::Io {
        context: "resolving",
        path: dir.to_path_buf(),
        source,
    })?;
    abs.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| {
            EngineError::File(format!(
                "{} has no folder name to derive database names from; pass --old and --new",
                dir.display()
            ))
        })
}

/// The single `<dir-name>-<hex>.sqlite` in `dir` other than `exclude`.
pub fn detect_old(dir: &Path, exclude: Option<&Path>) -> Result<PathBuf> {
    let name = dir_name(dir)?;
    let prefix = format!("{name}-");
    let entries = std::fs::read_dir(dir).map_err(|source| EngineError::Io {
        context: "listing",
        path: dir.to_path_buf(),
        source,
    })?;
    let exclude_name = exclude
        .and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned());
    let mut found: Vec<String> = Vec::new();
    // `<name>-v1.sqlite` looks right to a person but is not a hash.
    let mut not_hex: Vec<String> = Vec::new();
    for e in entries.flatten() {
        let file = e.file_name().to_string_lossy().into_owned();
        let Some(hash) = file
            .strip_prefix(&prefix)
            .and_then(|r| r.strip_suffix(".sqlite"))
        else {
            continue;
        };
        if hash.is_empty() || !hash.chars().all(|c| c.is_ascii_hexdigit()) {
            not_hex.push(file);
            continue;
        }
        if exclude_name.as_deref() == Some(file.as_str()) {
            continue;
        }
        found.push(file);
    }
    found.sort();
    match found.as_slice() {
        [one] => Ok(dir.join(one)),
        [] => {
            not_hex.sort();
            let near = not_hex
                .first()
                .map(|f| {
                    format!(" ({f} does not count: the part after `{name}-` must be hex digits)")
                })
                .unwrap_or_default();
            Err(EngineError::File(format!(
                "no old database found in {}: expected exactly one file named {name}-<hex hash>.sqlite besides the target{near}; pass --old",
                dir.display()
            )))
        }
        many => {
            // An earlier migration's old database refuses writes (retired,
            // or a standby in a revert window): the service's database is
            // the one that took over.
            let live: Vec<&String> = many.iter().filter(|f| !retired(&dir.join(f))).collect();
            if let [one] = live.as_slice() {
                return Ok(dir.join(one));
            }
            Err(EngineError::File(format!(
                "several candidate old databases in {}: {}; pass --old to choose one",
                dir.display(),
                many.join(", ")
            )))
        }
    }
}

/// Whether an earlier migration left `path` refusing writes (its guard).
fn retired(path: &Path) -> bool {
    super::open::old_ro(path, super::open::Busy::default())
        .and_then(|c| super::guard::count(&c, "main"))
        .is_ok_and(|n| n > 0)
}
