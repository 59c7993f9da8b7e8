//! The new database's file for `migrate`: built under a temporary name
//! with its schema, mig's tables and the migrating guards, then renamed
//! into place (synced on its own only when no unsynced window answers for
//! it: `unsynced.rs`); and the deletion of a database's files.

use std::path::{Path, PathBuf};

use rusqlite::Connection;

use crate::engine::error::{EngineError, Result, SqlContext};
use crate::engine::guard::{self, GuardKind};
use crate::engine::new_side;
use crate::engine::open::{self, Busy};
use crate::engine::plan::Plan;
use crate::engine::schema::SchemaFile;
use crate::engine::unsynced::{self, Durability};

/// Builds the new database under a temporary name and renames it into
/// place, so a crash never leaves a half-created file at the real path.
pub(super) fn create_new_db(
    new: &Path,
    old: &Connection,
    schema: &SchemaFile,
    plan: &Plan,
    id: &new_side::Identity,
    how: NewDb,
) -> Result<()> {
    let tmp = tmp_path(new);
    remove_db_files(&tmp)?;
    // A failure (a full volume, a schema SQLite refuses) leaves no file.
    if let Err(e) = create_like(&tmp, Path::new(&id.old_path))
        .and_then(|()| build_new_db(&tmp, old, schema, plan, id, how.busy))
    {
        // The build's error is the one to act on; a temporary file left
        // behind is removed by the next attempt.
        let _ = remove_db_files(&tmp);
        return Err(e);
    }
    // Inside the unsynced window its marker answers for the file: an OS
    // crash before the final sync discards it, whatever reached the disk.
    let synced = how.durability == Durability::EveryCommit;
    if synced {
        sync_file(&tmp)?;
    }
    // Nothing is at `new` (Fresh or Recreate), so a `-wal`, `-shm` or
    // `-journal` there is the orphan of a deleted database (a reset killed
    // between files): SQLite would replay it into the file renamed in.
    remove_files(new, &["-wal", "-shm", "-journal"])?;
    std::fs::rename(&tmp, new).map_err(|source| EngineError::Io {
        context: "moving the new database into place at",
        path: new.to_path_buf(),
        source,
    })?;
    if synced {
        sync_file(
            new.parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new(".")),
        )?;
    }
    Ok(())
}

/// How `create_new_db` writes the new database.
#[derive(Debug, Clone, Copy)]
pub(super) struct NewDb {
    pub busy: Busy,
    /// Deferred: the unsynced window's marker answers for the file, so it
    /// is not synced on its own.
    pub durability: Durability,
}

/// Before `migrate` opens its unsynced window (whose marker goes beside the
/// new database): the folder exists (created when a rule names one per
/// schema) and takes files; a refusal names the folder and leaves no file.
pub(super) fn prepare_folder(new: &Path, folder: Folder) -> Result<()> {
    let tmp = tmp_path(new);
    create_folder(new, folder)?;
    require_writable(new, &tmp)?;
    remove_db_files(&tmp)
}

/// Where the new database is built before the rename publishes it.
fn tmp_path(new: &Path) -> PathBuf {
    PathBuf::from(format!("{}.mig-tmp", new.display()))
}

/// Proves the new database's folder takes files by creating the temporary
/// one (a read-only folder or volume would otherwise fail later, on a
/// cleanup, with a message about a file the user never named).
fn require_writable(new: &Path, tmp: &Path) -> Result<()> {
    let created = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(tmp);
    created.map(drop).map_err(|e| {
        let folder = new
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        EngineError::File(format!(
            "cannot create the new database {} in folder {}: {e}; choose a --new path in a folder mig can write to",
            new.display(),
            folder.display()
        ))
    })
}

/// Whether `migrate` may create the new database's folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Folder {
    /// A `{hash}` rule names a folder per schema: created on first use.
    Create,
    /// A path the operator typed: a missing folder is a typo until shown
    /// otherwise, refused without creating anything.
    MustExist,
}

impl Folder {
    /// `Create` for a `{hash}` rule's folder, `MustExist` for a typed path.
    pub(super) fn for_spec(spec: &crate::engine::paths::DatabaseSpec) -> Folder {
        if spec
            .new
            .as_deref()
            .is_some_and(crate::engine::paths::is_hash_rule)
        {
            Folder::Create
        } else {
            Folder::MustExist
        }
    }
}

/// Why `migrate` would refuse the new database's folder before creating
/// anything.
pub(super) enum FolderRefusal {
    /// A file stands where a folder of the path should be.
    NotAFolder(String),
    /// A typed path's folder is missing (`Folder::MustExist`).
    Missing(String),
}

/// Whether the folder `new` goes in stops `migrate` (`plan` reports the same
/// line as a blocker); `None` if it exists or may be created.
pub(super) fn folder_refusal(new: &Path, folder: Folder) -> Option<FolderRefusal> {
    let dir = new.parent().filter(|d| !d.as_os_str().is_empty())?;
    if dir.is_dir() {
        return None;
    }
    if let Some(file) = dir.ancestors().find(|a| a.exists() && !a.is_dir()) {
        return Some(FolderRefusal::NotAFolder(format!(
            "the new database {} would go in folder {}, but {} is a file, not a folder; choose another --new path",
            new.display(),
            dir.display(),
            file.display()
        )));
    }
    (folder == Folder::MustExist).then(|| {
        FolderRefusal::Missing(format!(
            "the folder of the new database {} does not exist: {}; check the --new path, or create the folder first",
            new.display(),
            dir.display()
        ))
    })
}

/// Creates the new database's folder when a rule names one per schema
/// (`{dir}-{hash}/`), and syncs its parent so the folder survives a crash.
fn create_folder(new: &Path, folder: Folder) -> Result<()> {
    let Some(dir) = new.parent().filter(|d| !d.as_os_str().is_empty()) else {
        return Ok(());
    };
    if dir.is_dir() {
        return Ok(());
    }
    match folder_refusal(new, folder) {
        Some(FolderRefusal::NotAFolder(why)) => return Err(EngineError::Precondition(why)),
        Some(FolderRefusal::Missing(why)) => return Err(EngineError::File(why)),
        None => {}
    }
    std::fs::create_dir_all(dir).map_err(|source| EngineError::Io {
        context: "creating the new database's folder",
        path: dir.to_path_buf(),
        source,
    })?;
    match dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(parent) => sync_file(parent),
        None => Ok(()),
    }
}

/// Creates the empty file the new database is built in with the old
/// database's permission bits, exactly (not narrowed by the umask: a
/// group-shared database stays writable by its service's group; not
/// widened: a private one stays private), the owner's read and write
/// added, and its owner and group where the agent may set them (as root;
/// otherwise the group, if the agent is in it). SQLite gives the WAL,
/// shared-memory and journal files the database file's mode and owner.
fn create_like(tmp: &Path, old: &Path) -> Result<()> {
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
    let io = |context, path: &Path, source| EngineError::Io {
        context,
        path: path.to_path_buf(),
        source,
    };
    let meta = std::fs::metadata(old).map_err(|e| io("reading the mode of", old, e))?;
    // Private until its mode is set: never readable by more than `old` is.
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(tmp)
        .map_err(|e| io("creating", tmp, e))?;
    let (uid, gid) = (meta.uid(), meta.gid());
    if std::os::unix::fs::fchown(&file, Some(uid), Some(gid)).is_err() {
        // Not root: the group alone, which needs the agent in that group;
        // when it is not, the file stays the agent's (docs/security.md).
        let _ = std::os::unix::fs::fchown(&file, None, Some(gid));
    }
    let mode = (meta.mode() & 0o777) | 0o600;
    file.set_permissions(std::fs::Permissions::from_mode(mode))
        .map_err(|e| io("setting the mode of", tmp, e))
}

/// Flushes a file (or a folder's entries) to the disk.
fn sync_file(path: &Path) -> Result<()> {
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(|source| EngineError::Io {
            context: "syncing",
            path: path.to_path_buf(),
            source,
        })
}

/// The new database's schema, identity and status, at `tmp`.
fn build_new_db(
    tmp: &Path,
    old: &Connection,
    schema: &SchemaFile,
    plan: &Plan,
    id: &new_side::Identity,
    busy: Busy,
) -> Result<()> {
    let conn = open::create_new(tmp, busy)?;
    // No sync per statement while the file is private: it is synced once,
    // before the rename publishes it.
    conn.pragma_update(None, "synchronous", "OFF")
        .ctx(|| "setting synchronous".into())?;
    // Its rollback journal in memory: a failed statement still rolls back,
    // and the schema's statements create and delete no journal file.
    conn.pragma_update(None, "journal_mode", "MEMORY")
        .ctx(|| "setting the journal mode".into())?;
    // Same encoding, page size and vacuum mode as the old database unless
    // the schema file says otherwise (its PRAGMAs run after these).
    for pragma in ["encoding", "page_size", "auto_vacuum"] {
        let v: rusqlite::types::Value = old
            .pragma_query_value(None, pragma, |r| r.get(0))
            .ctx(|| format!("reading PRAGMA {pragma}"))?;
        conn.pragma_update(None, pragma, v)
            .ctx(|| format!("setting PRAGMA {pragma}"))?;
    }
    schema.apply(&conn, crate::engine::schema::Indexes::Deferred)?;
    let mut id = id.clone();
    id.created_at = conn
        .query_row("SELECT strftime('%Y-%m-%dT%H:%M:%fZ','now')", [], |r| {
            r.get(0)
        })
        .ctx(|| "reading the clock".into())?;
    conn.execute_batch("BEGIN")
        .ctx(|| "starting the new database".into())?;
    new_side::create(&conn, plan.key_width, &id)?;
    crate::engine::mapping::create(&conn, &plan.tables)?;
    // Until cutover, only mig writes here (its connections run without
    // triggers): a service started too early is refused, not overwritten.
    guard::install_in(&conn, GuardKind::Migrating, &id.old_path)?;
    conn.execute_batch("COMMIT")
        .ctx(|| "committing the new database".into())?;
    Ok(())
}

/// Deletes a database file and its journal, WAL and shared-memory files.
pub(crate) fn remove_db_files(path: &Path) -> Result<()> {
    remove_files(path, &["", "-wal", "-shm", "-journal", unsynced::SUFFIX])
}

/// Deletes `path` + each suffix that exists, in order.
fn remove_files(path: &Path, suffixes: &[&str]) -> Result<()> {
    for suffix in suffixes {
        let p = PathBuf::from(format!("{}{suffix}", path.display()));
        match std::fs::remove_file(&p) {
            Ok(()) => crate::engine::failpoint::hit("reset.mid-delete"),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => {
                return Err(EngineError::Io {
                    context: "removing",
                    path: p,
                    source,
                })
            }
        }
    }
    Ok(())
}
