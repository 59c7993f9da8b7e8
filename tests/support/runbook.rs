//! Running engine operations from tests: a [`Ctx`] whose sink hands every
//! event to a test hook (and prints it when `MIG_TEST_TRACE` is set), the
//! explicit-paths spec the runbook uses, and a revert test's start (old and
//! new databases cut over with a window) with the rows it compares.

use std::path::{Path, PathBuf};

use rusqlite::types::Value;

use mig::engine::error::EngineError;
use mig::engine::ops::{self, CutoverOptions, DrainOptions, MigrateOptions};
use mig::engine::paths::DatabaseSpec;
use mig::engine::schema::SchemaFile;
use mig::engine::{Control, Ctx, Event};

/// Runs `f` with a context that only traces events.
pub fn run<T>(f: impl FnOnce(&mut Ctx<'_>) -> T) -> T {
    run_with(|_| {}, f)
}

/// Runs `f` with a context whose sink calls `hook` on every event, on the
/// engine's own thread, between the engine's transactions.
pub fn run_with<T>(mut hook: impl FnMut(&Event) + Send, f: impl FnOnce(&mut Ctx<'_>) -> T) -> T {
    let control = Control::default();
    let trace = std::env::var_os("MIG_TEST_TRACE").is_some();
    let mut sink = |e: Event| {
        if trace {
            eprintln!("{e:?}");
        }
        hook(&e);
    };
    let mut ctx = Ctx {
        control: &control,
        sink: &mut sink,
    };
    f(&mut ctx)
}

/// `--old OLD --new NEW`, as the runbook passes them.
pub fn spec(old: &Path, new: &Path) -> DatabaseSpec {
    DatabaseSpec {
        old: Some(old.to_path_buf()),
        new: Some(new.to_path_buf()),
        project: None,
    }
}

/// Migrates to `schema` (accepting data loss), drains, and cuts over with
/// a one-hour revert window: where a revert test starts. Only the cutover's
/// refusal is returned (a window some plans cannot have).
pub fn cut_over_keeping_a_window(spec: &DatabaseSpec, schema: &str) -> Result<(), EngineError> {
    let schema = SchemaFile::parse("schema.sql", schema).expect("schema");
    let opts = MigrateOptions {
        accept_data_loss: true,
        ..Default::default()
    };
    run(|ctx| ops::migrate(spec, &schema, &opts, ctx)).expect("migrate");
    run(|ctx| ops::drain(spec, &DrainOptions::default(), ctx)).expect("drain");
    let opts = CutoverOptions {
        revert_window_secs: 3600,
        ..Default::default()
    };
    ops::cutover(spec, &opts).map(|_| ())
}

/// Old and new databases cut over with a revert window, in a folder that
/// lives as long as it.
pub struct Window {
    pub _dir: tempfile::TempDir,
    pub old: PathBuf,
    pub new: PathBuf,
    pub spec: DatabaseSpec,
}

/// `old_sql` creates and fills the old database (WAL), then it is cut over
/// to `schema` keeping a window ([`cut_over_keeping_a_window`]).
pub fn window_over(old_sql: &str, schema: &str) -> Result<Window, EngineError> {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = (dir.path().join("old.db"), dir.path().join("new.db"));
    rusqlite::Connection::open(&old)
        .and_then(|c| c.execute_batch(&format!("PRAGMA journal_mode = WAL; {old_sql}")))
        .expect("old database");
    let spec = spec(&old, &new);
    cut_over_keeping_a_window(&spec, schema)?;
    Ok(Window {
        _dir: dir,
        old,
        new,
        spec,
    })
}

/// Every row `sql` reads from `db`.
pub fn rows(db: &Path, sql: &str) -> Vec<Vec<Value>> {
    let conn = rusqlite::Connection::open(db).expect("open");
    let mut st = conn.prepare(sql).expect("prepare");
    let n = st.column_count();
    st.query_map([], |r| (0..n).map(|i| r.get(i)).collect())
        .expect("query")
        .collect::<rusqlite::Result<_>>()
        .expect("rows")
}

/// The names of mig's own objects (`_mig…`) left in a database.
pub fn mig_objects(db: &Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(db).expect("open");
    let mut stmt = conn
        .prepare(
            "SELECT name FROM sqlite_schema WHERE name LIKE '\\_mig%' ESCAPE '\\' ORDER BY name",
        )
        .expect("prepare");
    let names = stmt
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<Vec<String>, _>>()
        .expect("rows");
    names
}
