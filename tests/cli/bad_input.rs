//! Every malformed input an operator can give the real `mig` binary, one row
//! each: missing and unreadable files, files that are not (or no longer)
//! SQLite, schema syntax errors and every kind of bad `mig:` directive,
//! phases in the wrong order, unknown flags. Each row expects its exit code,
//! exactly one stderr line holding a specific fragment, and every file in
//! the folder byte-identical afterwards (-wal/-shm included; none created).
//! Schema files are in `bad_input/schema.rs`, files that disagree about
//! their migration in `bad_input/pairs.rs`.

pub(super) mod pairs;
mod schema;

use std::collections::BTreeMap;
use std::path::Path;

use sha2::{Digest, Sha256};

use super::harness::{Project, FAILED, USAGE};

/// Rows in the shop fixture's old database (a quick migrate).
const ROWS: i64 = 30;

/// A completed step run again: exit 0 and its one line on stdout, and, as
/// for every case, no file changed.
pub(crate) const ALREADY_DONE: i32 = 0;

/// The folder a case starts from.
#[derive(Debug, Clone, Copy)]
enum State {
    /// `old.db` and `schema.sql`, nothing migrated.
    Fresh,
    /// After `mig migrate`: the old database records.
    Recording,
    /// After migrate and drain.
    Drained,
    /// After migrate, drain and cutover.
    CutOver,
    /// After migrate, drain, cutover and cleanup-old.
    CleanedUp,
}

struct Case {
    name: &'static str,
    state: State,
    /// Extra files (name, content) written before the run.
    files: &'static [(&'static str, &'static [u8])],
    /// Prepares anything else (a corrupt copy, a directory, a journal mode).
    prepare: fn(&Project),
    args: &'static [&'static str],
    exit: i32,
    /// A fragment the one stderr line must contain.
    expect: &'static str,
}

fn nothing(_: &Project) {}

/// The new database (and its WAL) removed, as a careless cleanup would.
fn remove_new(p: &Project) {
    for f in ["new.db", "new.db-wal", "new.db-shm"] {
        let _ = std::fs::remove_file(p.path(f));
    }
}

/// `migrate --old old.db --new new.db --schema <file>`.
macro_rules! migrate_with {
    ($schema:expr) => {
        &[
            "migrate", "--old", "old.db", "--new", "new.db", "--schema", $schema,
        ]
    };
}

fn cases() -> Vec<Case> {
    vec![
        // Files that are missing, unreadable or not databases.
        Case {
            name: "old database missing",
            state: State::Fresh,
            files: &[],
            prepare: nothing,
            args: &["migrate", "--old", "missing.db", "--new", "new.db", "--schema", "schema.sql"],
            exit: FAILED,
            expect: "old database missing.db does not exist; check the path",
        },
        Case {
            name: "migrate into a folder that does not exist (a typo in --new)",
            state: State::Fresh,
            files: &[],
            prepare: nothing,
            args: &["migrate", "--old", "old.db", "--new", "nwe/new.db", "--schema", "schema.sql"],
            exit: FAILED,
            expect: "the folder of the new database nwe/new.db does not exist: nwe; check the --new path",
        },
        Case {
            name: "old database is a directory",
            state: State::Fresh,
            files: &[],
            prepare: |p| std::fs::create_dir(p.path("dir.db")).expect("mkdir"),
            args: &["migrate", "--old", "dir.db", "--new", "new.db", "--schema", "schema.sql"],
            exit: FAILED,
            expect: "old database dir.db is not a file",
        },
        Case {
            name: "new database under a file, not a folder",
            state: State::Fresh,
            files: &[("afile", b"not a folder\n")],
            prepare: nothing,
            args: &["migrate", "--old", "old.db", "--new", "afile/new.db", "--schema", "schema.sql"],
            exit: FAILED,
            expect: "afile is a file, not a folder; choose another --new path",
        },
        Case {
            name: "schema file missing",
            state: State::Fresh,
            files: &[],
            prepare: nothing,
            args: migrate_with!("missing.sql"),
            exit: FAILED,
            expect: "schema file missing.sql does not exist",
        },
        Case {
            name: "schema file unreadable (a directory)",
            state: State::Fresh,
            files: &[],
            prepare: |p| std::fs::create_dir(p.path("dir.sql")).expect("mkdir"),
            args: migrate_with!("dir.sql"),
            exit: FAILED,
            expect: "schema file dir.sql is a folder, not a file: pass the .sql file",
        },
        Case {
            name: "schema file not UTF-8",
            state: State::Fresh,
            files: &[("bin.sql", b"CREATE TABLE t(a);\xff\xfe\n")],
            prepare: nothing,
            args: migrate_with!("bin.sql"),
            exit: FAILED,
            expect: "cannot read schema file bin.sql: it is not UTF-8 text; pass the schema.sql",
        },
        Case {
            name: "schema file is a database (arguments swapped)",
            state: State::Fresh,
            files: &[],
            prepare: |p| {
                std::fs::copy(p.path("old.db"), p.path("copy.db")).expect("copy");
            },
            args: migrate_with!("copy.db"),
            exit: FAILED,
            expect: "cannot read schema file copy.db: it is a SQLite database, not SQL text; pass the database as --old",
        },
        Case {
            name: "old database is not SQLite",
            state: State::Fresh,
            files: &[("text.db", b"name,email\nzoe,z@example.com\n")],
            prepare: nothing,
            args: &["migrate", "--old", "text.db", "--new", "new.db", "--schema", "schema.sql"],
            exit: FAILED,
            expect: "text.db: the file is not a SQLite database",
        },
        Case {
            name: "old database corrupt (valid header, garbage pages)",
            state: State::Fresh,
            files: &[],
            prepare: corrupt_copy,
            args: &["migrate", "--old", "corrupt.db", "--new", "new.db", "--schema", "schema.sql"],
            exit: FAILED,
            expect: "corrupt.db: the database file is corrupt",
        },
        Case {
            name: "status of a corrupt old database",
            state: State::Fresh,
            files: &[],
            prepare: corrupt_copy,
            args: &["status", "--old", "corrupt.db", "--new", "new.db"],
            exit: FAILED,
            expect: "the database file is corrupt",
        },
        Case {
            name: "new database exists and is not mig's",
            state: State::Fresh,
            files: &[("new.db", b"")],
            prepare: nothing,
            args: migrate_with!("schema.sql"),
            exit: FAILED,
            expect: "the new database new.db already exists and mig did not create it; pass another --new (remove it only if nothing uses it",
        },
        Case {
            name: "old and new are the same file",
            state: State::Fresh,
            files: &[],
            prepare: nothing,
            args: &["migrate", "--old", "old.db", "--new", "old.db", "--schema", "schema.sql"],
            exit: FAILED,
            expect: "the old and new database are the same file",
        },
        Case {
            name: "old database in rollback-journal mode",
            state: State::Fresh,
            files: &[],
            prepare: |p| p.sql("old.db", "PRAGMA journal_mode = DELETE"),
            args: migrate_with!("schema.sql"),
            exit: FAILED,
            expect: "uses journal_mode=delete: every copy chunk would block the service's writers; switch it to WAL",
        },
        // Phases in the wrong order.
        Case {
            name: "drain before migrate",
            state: State::Fresh,
            files: &[],
            prepare: nothing,
            args: &["drain", "--old", "old.db", "--new", "new.db"],
            exit: FAILED,
            expect: "has no migration tables (_migration_marker is missing); verify the command order",
        },
        Case {
            name: "cutover before migrate",
            state: State::Fresh,
            files: &[],
            prepare: nothing,
            args: &["cutover", "--old", "old.db", "--new", "new.db"],
            exit: FAILED,
            expect: "the new database new.db does not exist and the old database has no migration: run `mig migrate` first",
        },
        Case {
            name: "cutover of a new database that is not there, old one unknown",
            state: State::Fresh,
            files: &[],
            prepare: nothing,
            args: &["cutover", "--new", "new.db"],
            exit: FAILED,
            expect: "the new database new.db does not exist: run `mig migrate` first (it creates it), or, if migrate ran, check the path",
        },
        Case {
            name: "cutover after the new database was deleted",
            state: State::Drained,
            files: &[],
            prepare: remove_new,
            args: &["cutover", "--old", "old.db", "--new", "new.db"],
            exit: FAILED,
            expect: "the new database new.db does not exist, though the old database records for it (deleted or moved?)",
        },
        Case {
            name: "cutover with a typo in --new after migrate",
            state: State::Drained,
            files: &[],
            prepare: nothing,
            args: &["cutover", "--old", "old.db", "--new", "nwe.db"],
            exit: FAILED,
            expect: "not into nwe.db: pass --new ",
        },
        Case {
            name: "cleanup-old before migrate",
            state: State::Fresh,
            files: &[],
            prepare: nothing,
            args: &["cleanup-old", "--old", "old.db", "--new", "new.db"],
            exit: FAILED,
            expect: "has no migration tables (already cleaned up, or never migrated)",
        },
        Case {
            name: "cutover before drain",
            state: State::Recording,
            files: &[],
            prepare: nothing,
            args: &["cutover", "--old", "old.db", "--new", "new.db"],
            exit: FAILED,
            expect: "drain has not run: the old database is still recording writes; run `mig drain` first (it verifies if needed), then `mig cutover`",
        },
        Case {
            name: "cleanup-old while recording",
            state: State::Recording,
            files: &[],
            prepare: nothing,
            args: &["cleanup-old", "--old", "old.db", "--new", "new.db"],
            exit: FAILED,
            expect: "recording",
        },
        Case {
            name: "second migrate into another file while recording",
            state: State::Recording,
            files: &[],
            prepare: nothing,
            args: &["migrate", "--old", "old.db", "--new", "other.db", "--schema", "schema.sql"],
            exit: FAILED,
            expect: "old.db is already recording a migration (",
        },
        Case {
            name: "reset after cutover",
            state: State::CutOver,
            files: &[],
            prepare: nothing,
            args: &["reset", "--old", "old.db", "--new", "new.db"],
            exit: FAILED,
            expect: "cut over",
        },
        Case {
            name: "drain after cutover",
            state: State::CutOver,
            files: &[],
            prepare: nothing,
            args: &["drain", "--old", "old.db", "--new", "new.db"],
            exit: ALREADY_DONE,
            expect: "is already drained and cut over (ready); nothing to do",
        },
        Case {
            name: "migrate after cutover",
            state: State::CutOver,
            files: &[],
            prepare: nothing,
            args: migrate_with!("schema.sql"),
            exit: ALREADY_DONE,
            expect: "new.db is already migrated and cut over (ready); nothing to do",
        },
        Case {
            name: "cutover twice",
            state: State::CutOver,
            files: &[],
            prepare: nothing,
            args: &["cutover", "--old", "old.db", "--new", "new.db"],
            exit: ALREADY_DONE,
            expect: "is already drained and cut over (ready); nothing to do",
        },
        // Flags.
        Case {
            name: "unknown flag",
            state: State::Fresh,
            files: &[],
            prepare: nothing,
            args: &["migrate", "--frobnicate"],
            exit: USAGE,
            expect: "unexpected argument '--frobnicate'",
        },
        Case {
            name: "unknown command",
            state: State::Fresh,
            files: &[],
            prepare: nothing,
            args: &["frobnicate"],
            exit: USAGE,
            expect: "unrecognized subcommand 'frobnicate'",
        },
        Case {
            name: "no command",
            state: State::Fresh,
            files: &[],
            prepare: nothing,
            args: &[],
            exit: USAGE,
            expect: "mig: a command is required; see `mig --help`",
        },
        Case {
            name: "bad flag value",
            state: State::Fresh,
            files: &[],
            prepare: nothing,
            args: &["drain", "--on-timeout", "never"],
            exit: USAGE,
            expect: "invalid value 'never' for '--on-timeout <POLICY>' (possible values: retry, stop)",
        },
        Case {
            name: "non-numeric busy timeout",
            state: State::Fresh,
            files: &[],
            prepare: nothing,
            args: &["migrate", "--busy-timeout-ms", "soon"],
            exit: USAGE,
            expect: "invalid value 'soon' for '--busy-timeout-ms",
        },
        // A minus sign read as a flag gave "unexpected argument '-5'",
        // naming neither the flag nor what it takes.
        Case {
            name: "negative revert window",
            state: State::Fresh,
            files: &[],
            prepare: nothing,
            args: &["cutover", "--new", "new.db", "--revert-window", "-5m"],
            exit: USAGE,
            expect: "invalid value '-5m' for '--revert-window <DURATION>': expected number at 0; write a duration such as 30m, 2h or 0 (none)",
        },
        Case {
            name: "negative busy timeout",
            state: State::Fresh,
            files: &[],
            prepare: nothing,
            args: &["migrate", "--busy-timeout-ms", "-5"],
            exit: USAGE,
            expect: "invalid value '-5' for '--busy-timeout-ms <MS>'",
        },
        Case {
            name: "flag without its value",
            state: State::Fresh,
            files: &[],
            prepare: nothing,
            args: &["migrate", "--schema"],
            exit: USAGE,
            expect: "a value is required for '--schema",
        },
    ]
}

/// A copy of `old.db` whose header is intact and whose pages after the
/// first 100 bytes are garbage.
fn corrupt_copy(p: &Project) {
    let mut bytes = std::fs::read(p.path("old.db")).expect("read old.db");
    let mut x: u32 = 0x2545_f491;
    for b in bytes.iter_mut().skip(100) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        *b = x as u8;
    }
    std::fs::write(p.path("corrupt.db"), bytes).expect("write corrupt.db");
}

/// Every file under `dir` (recursively) and the SHA-256 of its bytes; a
/// file removed while it is listed (an agent's `-shm` as a read ends) is
/// left out.
pub(super) fn snapshot(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("list") {
            let path = e.expect("entry").path();
            let name = path
                .strip_prefix(dir)
                .expect("inside")
                .display()
                .to_string();
            if path.is_dir() {
                out.insert(format!("{name}/"), String::new());
                stack.push(path);
            } else {
                match std::fs::read(&path) {
                    Ok(bytes) => {
                        out.insert(name, hex::encode(Sha256::digest(&bytes)));
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => panic!("read {}: {e}", path.display()),
                }
            }
        }
    }
    out
}

/// The SHA-256 of an empty file.
const EMPTY: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// [`snapshot`] without what a reader open at that moment keeps beside a
/// database and removes when it closes: a `-shm` and an empty `-wal` (an
/// agent's own look at its databases, at start or between calls, may
/// overlap either snapshot). A `-wal` holding frames still counts.
pub(super) fn snapshot_beside_readers(dir: &Path) -> BTreeMap<String, String> {
    let mut all = snapshot(dir);
    all.retain(|name, digest| {
        !(name.ends_with("-shm") || (name.ends_with("-wal") && digest == EMPTY))
    });
    all
}

/// Leaves every database closed the way a stopped service leaves it: no
/// `-wal` or `-shm` beside it.
fn settle(p: &Project) {
    for db in ["old.db", "new.db"] {
        if p.path(db).exists() {
            let conn = rusqlite::Connection::open(p.path(db)).expect("open");
            conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
                .expect("checkpoint");
        }
    }
}

fn setup(case: &Case) -> Project {
    let p = Project::shop(ROWS);
    let run = |args: &[&str]| {
        let mut full = args.to_vec();
        full.extend(["--old", "old.db", "--new", "new.db"]);
        p.mig(&full).ok();
    };
    match case.state {
        State::Fresh => {}
        State::Recording => run(&["migrate", "--schema", "schema.sql"]),
        State::Drained | State::CutOver | State::CleanedUp => {
            run(&["migrate", "--schema", "schema.sql"]);
            run(&["drain"]);
        }
    }
    if matches!(case.state, State::CutOver | State::CleanedUp) {
        run(&["cutover"]);
    }
    if matches!(case.state, State::CleanedUp) {
        run(&["cleanup-old"]);
    }
    for (name, content) in case.files {
        std::fs::write(p.path(name), content).expect("write case file");
    }
    (case.prepare)(&p);
    settle(&p);
    p
}

#[test]
fn bad_input_each_fails_with_one_line_and_changes_no_file() {
    let mut cases = cases();
    cases.extend(schema::cases());
    cases.extend(pairs::cases());
    let mut failures = Vec::new();
    for case in &cases {
        let p = setup(case);
        let before = snapshot(&p.dir);
        let run = p.mig(case.args);
        let after = snapshot(&p.dir);
        let said = if case.exit == ALREADY_DONE {
            &run.stdout
        } else {
            &run.stderr
        };
        let lines: Vec<&str> = said.lines().collect();
        let mut wrong = Vec::new();
        if run.code != case.exit {
            wrong.push(format!("exit {} (expected {})", run.code, case.exit));
        }
        if lines.len() != 1 {
            wrong.push(format!("{} lines", lines.len()));
        }
        if !said.contains(case.expect) {
            wrong.push(format!("no `{}`", case.expect));
        }
        if before != after {
            wrong.push(format!("files changed: {before:?} -> {after:?}"));
        }
        if !wrong.is_empty() {
            failures.push(format!(
                "{}: {}\n  stderr: {}",
                case.name,
                wrong.join("; "),
                run.stderr.trim_end()
            ));
        }
    }
    eprintln!("bad inputs tried: {}", cases.len());
    assert!(
        failures.is_empty(),
        "{} of {} bad inputs misbehaved:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
