//! Where a migration's two files are: paths given, then what the files
//! themselves record (the old database's marker names its new database, the
//! new database's identity its old one), then the project folder's naming
//! rule. Finding a path proves nothing: [`super::MigrationState`] checks
//! that the two files found are one migration.

use std::path::{Path, PathBuf};

use crate::engine::error::{EngineError, Result};
use crate::engine::open::{self, Busy};
use crate::engine::paths::{self, DatabaseSpec};
use crate::engine::schema::SchemaFile;
use crate::engine::{new_side, record};

/// The files of one database, as far as they could be found.
#[derive(Debug, Clone, Default)]
pub struct Located {
    pub old: Option<PathBuf>,
    pub new: Option<PathBuf>,
    /// Why a side could not be found (shown when a command needs it).
    pub old_why: Option<String>,
    pub new_why: Option<String>,
    /// `new` is the project folder's name for its schema, not a path given
    /// or recorded by a migration.
    pub new_from_project: bool,
}

impl Located {
    /// Both paths of a command that names them (migrate, plan).
    pub fn pair(old: PathBuf, new: PathBuf) -> Located {
        Located {
            old: Some(old),
            new: Some(new),
            ..Located::default()
        }
    }

    pub fn old_path(&self) -> Result<&PathBuf> {
        self.old.as_ref().ok_or_else(|| {
            EngineError::File(
                self.old_why
                    .clone()
                    .unwrap_or_else(|| "no old database given; pass --old".into()),
            )
        })
    }

    pub fn new_path(&self) -> Result<&PathBuf> {
        let new = self.new.as_ref().ok_or_else(|| {
            EngineError::File(
                self.new_why
                    .clone()
                    .unwrap_or_else(|| "no new database given; pass --new".into()),
            )
        })?;
        // `mig migrate --old o.db --new n.db`, then a bare `mig cutover`: the
        // files were named by flags, not by the project folder.
        if self.new_from_project && !new.exists() {
            return Err(EngineError::File(format!(
                "no --new given, and {} (the project folder's new database for its schema.sql) does not exist; pass --new (or --old: its migration records the new database)",
                new.display()
            )));
        }
        Ok(new)
    }
}

/// Finds both files for commands that carry no schema: explicit paths,
/// then what a running migration recorded, then the project folder.
pub fn locate(spec: &DatabaseSpec, busy: Busy) -> Located {
    // A `{hash}` rule names no file until a migration records one.
    let rule = spec.new.as_deref().filter(|n| paths::is_hash_rule(n));
    let mut l = Located {
        old: spec.old.clone(),
        new: spec.new.clone().filter(|_| rule.is_none()),
        ..Default::default()
    };
    if l.new.is_none() {
        l.new = l.old.as_deref().and_then(|old| recorded_new(old, busy));
    }
    if let (None, Some(rule), Some(old)) = (&l.new, rule, &l.old) {
        // A revert (or cleanup) removed the old database's record: the
        // rule's files still say which of them came from this database.
        l.new = by_rule(rule, old, busy);
    }
    if let (None, Some(rule)) = (&l.new, rule) {
        l.new_why = Some(format!(
            "no migration has started; its new database will be {} with the schema's hash",
            rule.display()
        ));
    } else if l.new.is_none() {
        match &spec.project {
            Some(dir) => match project_schema(dir)
                .and_then(|s| s.reflect())
                .and_then(|(_, h)| paths::project_file(dir, &h))
            {
                Ok(p) => {
                    l.new = Some(p);
                    l.new_from_project = true;
                }
                Err(e) => {
                    l.new_why = Some(format!(
                        "cannot derive the new database's name: {e}; pass --new"
                    ))
                }
            },
            None => l.new_why = Some("no new database given; pass --new".into()),
        }
    }
    if l.old.is_none() {
        l.old = l.new.as_deref().and_then(|new| recorded_old(new, busy));
    }
    if l.old.is_none() {
        match &spec.project {
            Some(dir) => match paths::detect_old(dir, l.new.as_deref()) {
                Ok(p) => l.old = Some(p),
                Err(e) => l.old_why = Some(e.to_string()),
            },
            None => l.old_why = Some("no old database given; pass --old".into()),
        }
    }
    l
}

/// The new database the old one's marker names, if it can be read.
fn recorded_new(old: &Path, busy: Busy) -> Option<PathBuf> {
    if !old.exists() {
        return None;
    }
    let conn = open::old_ro(old, busy).ok()?;
    let marker = record::read_marker(&conn, "main").ok()??;
    Some(PathBuf::from(marker.new_path))
}

/// The newest file a `{hash}` rule names (any hash) whose identity says it
/// was migrated from `old`: what a database set's tenant was migrated to
/// once its old file no longer records it.
fn by_rule(rule: &Path, old: &Path, busy: Busy) -> Option<PathBuf> {
    let text = rule.to_string_lossy();
    let pattern = text
        .split(paths::HASH_PLACEHOLDER)
        .map(glob::Pattern::escape)
        .collect::<Vec<_>>()
        .join("*");
    let old = std::fs::canonicalize(old).ok()?;
    glob::glob(&pattern)
        .ok()?
        .filter_map(|entry| entry.ok())
        .filter(|new| {
            recorded_old(new, busy)
                .and_then(|o| std::fs::canonicalize(o).ok())
                .is_some_and(|o| o == old)
        })
        .max_by_key(|new| std::fs::metadata(new).and_then(|m| m.modified()).ok())
}

/// The old database the new one's identity names, if it can be read.
fn recorded_old(new: &Path, busy: Busy) -> Option<PathBuf> {
    if !new.exists() {
        return None;
    }
    let conn = open::new_ro(new, busy).ok()?;
    let id = new_side::read_identity(&conn, "main").ok()??;
    Some(PathBuf::from(id.old_path))
}

/// Finds both files for migrate and plan, whose schema names the new file.
pub fn locate_for_schema(spec: &DatabaseSpec, hash: &str) -> Result<(PathBuf, PathBuf)> {
    let new = match (&spec.new, &spec.project) {
        (Some(n), _) => paths::with_hash(n, hash),
        (None, Some(dir)) => paths::project_file(dir, hash)?,
        (None, None) => {
            return Err(EngineError::File(
                "no new database given; pass --new".into(),
            ))
        }
    };
    let old = match (&spec.old, &spec.project) {
        (Some(o), _) => o.clone(),
        (None, Some(dir)) => paths::detect_old(dir, Some(&new))?,
        (None, None) => {
            return Err(EngineError::File(
                "no old database given; pass --old".into(),
            ))
        }
    };
    if same_path(&old, &new) {
        return Err(EngineError::File(format!(
            "the old and new database are the same file ({}); pass a different --new",
            new.display()
        )));
    }
    if same_file(&old, &new) {
        return Err(EngineError::File(format!(
            "the new database {} is the old database {} under another name (a link to the same file); pass a different --new",
            new.display(),
            old.display()
        )));
    }
    if let Some(file) = sidecar_of(&old, &new) {
        return Err(EngineError::File(format!(
            "the new database {} is the old database's {file} file, which SQLite keeps beside it; pass a different --new",
            new.display()
        )));
    }
    Ok((old, new))
}

/// Which of `old`'s sidecar files `new` is, if any. A new database at one
/// of them (`--new old.db-wal`, a tab completion away) is taken for its
/// journal by the service's SQLite and overwritten, while recording was
/// already installed for it.
fn sidecar_of(old: &Path, new: &Path) -> Option<&'static str> {
    let (old, new) = (
        std::path::absolute(old).ok()?,
        std::path::absolute(new).ok()?,
    );
    paths::SIDECARS.into_iter().find(|suffix| {
        let mut side = old.clone().into_os_string();
        side.push(suffix);
        side == new.as_os_str()
    })
}

/// Two existing paths that open one file: a symbolic link (a deploy's
/// `current.db`) or a hard link (`ln old.db new.db`, `cp -l`). Taken for
/// "already exists and mig did not create it", and a hard link's check
/// left an empty `-wal` beside the old database.
#[cfg(unix)]
fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

fn same_path(a: &Path, b: &Path) -> bool {
    match (std::path::absolute(a), std::path::absolute(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// `<dir>/schema.sql`, read by the agent itself for project databases.
pub fn project_schema(dir: &Path) -> Result<SchemaFile> {
    let path = dir.join("schema.sql");
    let text = std::fs::read_to_string(&path).map_err(|e| {
        EngineError::File(format!(
            "cannot read {}: {e}; create it or pass --schema",
            path.display()
        ))
    })?;
    SchemaFile::parse("schema.sql", &text)
}

/// The absolute form of a path, as recorded in the migration tables.
pub fn absolute(p: &Path) -> Result<PathBuf> {
    std::path::absolute(p).map_err(|source| EngineError::Io {
        context: "resolving",
        path: p.to_path_buf(),
        source,
    })
}
