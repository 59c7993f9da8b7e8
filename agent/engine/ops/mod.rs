//! The runbook's operations, each a function over a [`DatabaseSpec`]:
//! locate the files, check the phase, do the work, report.

mod catchup;
mod drain;
mod finish;
mod migrate;
mod verify;

pub use catchup::{catch_up_slice, recorded_schema, CatchUp};
pub use drain::{drain, DrainOptions, DrainSummary, TimeoutPolicy, VerifyFirst, VerifyStage};
pub use finish::{
    cleanup_old, cutover, reset, CutoverOptions, CutoverReport, ResetReport, Verification,
};
pub use migrate::{migrate, plan, MigrateOptions, MigrateSummary, PlanOutcome};
pub use verify::{verify, QueryFile, VerifyOptions, VerifySummary, CHUNK_ROWS};

use std::path::PathBuf;

use super::error::{EngineError, Result};
use super::open::{self, Busy};
use super::paths::{self, DatabaseSpec};
use super::schema::SchemaFile;
use super::{meta, record};

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
    let mut l = Located {
        old: spec.old.clone(),
        new: spec.new.clone(),
        ..Default::default()
    };
    if l.new.is_none() {
        if let Some(old) = l.old.as_ref().filter(|p| p.exists()) {
            if let Ok(conn) = open::old_ro(old, busy) {
                if let Ok(Some(m)) = record::read_marker(&conn, "main") {
                    l.new = Some(PathBuf::from(m.new_path));
                }
            }
        }
    }
    if l.new.is_none() {
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
        if let Some(new) = l.new.as_ref().filter(|p| p.exists()) {
            if let Ok(conn) = open::new_ro(new, busy) {
                if let Ok(Some(id)) = meta::read_identity(&conn, "main") {
                    l.old = Some(PathBuf::from(id.old_path));
                }
            }
        }
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

/// Finds both files for migrate and plan, whose schema names the new file.
pub fn locate_for_schema(spec: &DatabaseSpec, hash: &str) -> Result<(PathBuf, PathBuf)> {
    let new = match (&spec.new, &spec.project) {
        (Some(n), _) => n.clone(),
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
    if same_file(&old, &new) {
        return Err(EngineError::File(format!(
            "the old and new database are the same file ({}); pass a different --new",
            new.display()
        )));
    }
    Ok((old, new))
}

fn same_file(a: &std::path::Path, b: &std::path::Path) -> bool {
    match (std::path::absolute(a), std::path::absolute(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// `<dir>/schema.sql`, read by the agent itself for project databases.
pub fn project_schema(dir: &std::path::Path) -> Result<SchemaFile> {
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
pub fn absolute(p: &std::path::Path) -> Result<PathBuf> {
    std::path::absolute(p).map_err(|source| EngineError::Io {
        context: "resolving",
        path: p.to_path_buf(),
        source,
    })
}

/// The plan a migration in progress was built from: its recorded schema,
/// re-planned against the old database.
pub(crate) fn recorded_plan(
    work: &rusqlite::Connection,
    id: &meta::Identity,
) -> Result<super::plan::Plan> {
    let schema = SchemaFile::parse(&id.schema_file, &id.schema_sql)?;
    let (scratch, hash) = schema.reflect()?;
    let old_path: String = work
        .query_row(
            "SELECT file FROM pragma_database_list WHERE name = 'old'",
            [],
            |r| r.get(0),
        )
        .map_err(|e| super::error::classify("locating the attached old database".into(), e))?;
    open::attach_old(&scratch, std::path::Path::new(&old_path))?;
    let plan = super::plan::build(&scratch, &schema, &hash, false)?;
    if !plan.blockers.is_empty() {
        return Err(EngineError::Drift(format!(
            "the recorded schema no longer maps onto the old database: {}; run `mig reset` and migrate again",
            plan.blockers.join("; ")
        )));
    }
    Ok(plan)
}
