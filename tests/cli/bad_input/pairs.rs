//! Files that disagree about their migration: copies, backups, moved and
//! renamed files, the new file of an earlier migration put back, a cleaned
//! up old database, the wrong schema. Each refused with one line, exit 1,
//! and every file byte-identical afterwards (see the runner in
//! `bad_input.rs`). Two processes on one database and two migrations'
//! files are in `cli/identity.rs`.

use super::{Case, State, ALREADY_DONE};
use crate::cli::harness::{Project, FAILED, MIGRATE};

/// Checkpoints `db` so that its main file holds every commit (a copy of
/// the main file alone is then the whole database).
fn quiet(p: &Project, db: &str) {
    let conn = rusqlite::Connection::open(p.path(db)).expect("open");
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .expect("checkpoint");
}

fn copy(p: &Project, from: &str, to: &str) {
    quiet(p, from);
    std::fs::copy(p.path(from), p.path(to)).expect("copy");
}

fn rename(p: &Project, from: &str, to: &str) {
    quiet(p, from);
    std::fs::rename(p.path(from), p.path(to)).expect("rename");
}

/// Three writes to the old database, as the service would make them.
fn service_writes(p: &Project) {
    p.sql(
        "old.db",
        "INSERT INTO Customer(CustomerId, FirstName, LastName) VALUES (9001, 'A', 'B'), (9002, 'C', 'D'), (9003, 'E', 'F')",
    );
}

fn copy_old(p: &Project) {
    copy(p, "old.db", "copy.db");
}

/// A backup taken while recording, then the service writes, then the
/// backup is moved over the live file (a new inode at the same path).
fn backup_moved_over_old(p: &Project) {
    copy(p, "old.db", "old.bak");
    service_writes(p);
    rename(p, "old.bak", "old.db");
}

/// A backup taken while recording; writes the new database replays; the
/// backup's bytes written back into the live file (the same inode), so its
/// log ends before the new database's checkpoint.
fn backup_restored_in_place(p: &Project) {
    quiet(p, "old.db");
    let backup = std::fs::read(p.path("old.db")).expect("read old.db");
    service_writes(p);
    p.mig(&["verify", "--old", "old.db", "--new", "new.db"])
        .ok();
    quiet(p, "old.db");
    std::fs::write(p.path("old.db"), backup).expect("restore old.db");
}

/// The old database as it was before the migration: no marker, no log, no
/// triggers (dropped in place, as a restore from such a backup leaves it).
pub(in crate::cli) fn old_without_recording(p: &Project) {
    let conn = rusqlite::Connection::open(p.path("old.db")).expect("open");
    let triggers: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'trigger' AND name LIKE '\\_mig\\_%' ESCAPE '\\'")
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("names");
    for t in triggers {
        conn.execute_batch(&format!("DROP TRIGGER \"{t}\""))
            .expect("drop trigger");
    }
    conn.execute_batch("DROP TABLE _migration_log; DROP TABLE _migration_marker")
        .expect("drop recording");
}

/// `mig reset`, then the new file it deleted put back.
fn reset_new_put_back(p: &Project) {
    copy(p, "new.db", "keep.db");
    p.mig(&["reset", "--yes", "--old", "old.db", "--new", "new.db"])
        .ok();
    rename(p, "keep.db", "new.db");
}

/// `mig reset`, a second migration into the same path, then the first
/// migration's new file put back over the second's.
fn earlier_new_put_back(p: &Project) {
    copy(p, "new.db", "keep.db");
    p.mig(&["reset", "--yes", "--old", "old.db", "--new", "new.db"])
        .ok();
    p.migrate(&[]).ok();
    rename(p, "keep.db", "new.db");
}

fn other_schema(p: &Project) {
    p.write(
        "other.sql",
        &format!(
            "{}\nCREATE TABLE extra (id INTEGER PRIMARY KEY);\n",
            crate::support::fixture::NEW_SCHEMA
        ),
    );
}

macro_rules! case {
    ($name:literal, $state:ident, $prepare:expr, $args:expr, $expect:literal) => {
        case!($name, $state, $prepare, $args, $expect, FAILED)
    };
    ($name:literal, $state:ident, $prepare:expr, $args:expr, $expect:literal, $exit:expr) => {
        Case {
            name: $name,
            state: State::$state,
            files: &[],
            prepare: $prepare,
            args: $args,
            exit: $exit,
            expect: $expect,
        }
    };
}

pub(super) fn cases() -> Vec<Case> {
    vec![
        // A copy of the old database at another path carries its marker.
        case!(
            "drain of a copy of the old database",
            Recording,
            copy_old,
            &["drain", "--old", "copy.db", "--new", "new.db"],
            "copy.db is not the database new.db was migrated from"
        ),
        case!(
            "status of a copy of the old database",
            Recording,
            copy_old,
            &["status", "--old", "copy.db"],
            "copy.db is not the database "
        ),
        case!(
            "migrate from a copy of the old database",
            Recording,
            copy_old,
            &[
                "migrate",
                "--old",
                "copy.db",
                "--new",
                "new.db",
                "--schema",
                "schema.sql"
            ],
            "copy.db is not the database new.db was migrated from"
        ),
        case!(
            "reset of a copy of the old database (new.db is not deleted)",
            Recording,
            copy_old,
            &["reset", "--old", "copy.db"],
            "copy.db is not the database "
        ),
        case!(
            "migrate from a copy of the old database whose new file is gone",
            Recording,
            |p| {
                copy_old(p);
                rename(p, "new.db", "away.db")
            },
            &[
                "migrate",
                "--old",
                "copy.db",
                "--new",
                "new.db",
                "--schema",
                "schema.sql"
            ],
            "copy.db is not the file migration"
        ),
        // The old database replaced by a backup while recording.
        case!(
            "drain after a backup was moved over the old database",
            Recording,
            backup_moved_over_old,
            &["drain", "--old", "old.db", "--new", "new.db"],
            "old.db is not the file migration"
        ),
        case!(
            "verify after a backup was restored into the old database",
            Recording,
            backup_restored_in_place,
            &["verify", "--old", "old.db", "--new", "new.db"],
            "old.db's log ends at entry 0 but new.db has replayed up to entry 3"
        ),
        case!(
            "migrate after the old database lost its recording",
            Recording,
            old_without_recording,
            &MIGRATE,
            "new.db holds rows copied from old.db, but old.db records no migration"
        ),
        case!(
            "drain after the old database lost its recording",
            Recording,
            old_without_recording,
            &["drain", "--old", "old.db", "--new", "new.db"],
            "new.db holds rows copied from old.db, but old.db records no migration"
        ),
        // The new file of an earlier migration put back.
        case!(
            "migrate with the new file of a reset migration put back",
            Recording,
            reset_new_put_back,
            &MIGRATE,
            "new.db holds rows copied from old.db, but old.db records no migration"
        ),
        case!(
            "drain with an earlier migration's new file put back",
            Recording,
            earlier_new_put_back,
            &["drain", "--old", "old.db", "--new", "new.db"],
            "old.db and new.db are not one migration: old.db records migration"
        ),
        // Moved, renamed and copied files.
        case!(
            "drain of a renamed new database",
            Recording,
            |p| rename(p, "new.db", "moved.db"),
            &["drain", "--old", "old.db", "--new", "moved.db"],
            "moved.db is not where old.db recorded the new database of its migration"
        ),
        case!(
            "cutover of a renamed new database",
            Drained,
            |p| rename(p, "new.db", "moved.db"),
            &["cutover", "--new", "moved.db"],
            "moved.db is not where"
        ),
        case!(
            "drain of a renamed old database",
            Recording,
            |p| rename(p, "old.db", "moved.db"),
            &["drain", "--old", "moved.db", "--new", "new.db"],
            "moved.db is not where new.db's migration"
        ),
        case!(
            "cutover while the old database is missing",
            Drained,
            |p| rename(p, "old.db", "away.db"),
            &["cutover", "--new", "new.db"],
            "the old database new.db was migrated from, does not exist"
        ),
        case!(
            "drain into a copy of the new database",
            Recording,
            |p| copy(p, "new.db", "new-copy.db"),
            &["drain", "--old", "old.db", "--new", "new-copy.db"],
            "new-copy.db is not the new database of old.db's migration"
        ),
        // The old database of a migration already cleaned up.
        case!(
            "drain of a cleaned-up migration",
            CleanedUp,
            super::nothing,
            &["drain", "--old", "old.db", "--new", "new.db"],
            "new.db is already drained and cut over (ready); nothing to do",
            ALREADY_DONE
        ),
        case!(
            "verify of a cleaned-up migration",
            CleanedUp,
            super::nothing,
            &["verify", "--old", "old.db", "--new", "new.db"],
            "new.db is already cut over (ready); verify runs between migrate and cutover"
        ),
        case!(
            "cleanup-old of a cleaned-up migration",
            CleanedUp,
            super::nothing,
            &["cleanup-old", "--old", "old.db", "--new", "new.db"],
            "is already cleaned up (retired: 12 guard triggers refuse its writes); nothing to do",
            ALREADY_DONE
        ),
        case!(
            "migrate of a cleaned-up migration",
            CleanedUp,
            super::nothing,
            &MIGRATE,
            "new.db is already migrated and cut over (ready); nothing to do",
            ALREADY_DONE
        ),
        // The wrong schema for a migration in progress.
        case!(
            "migrate with another schema than the migration's",
            Recording,
            other_schema,
            &[
                "migrate",
                "--old",
                "old.db",
                "--new",
                "new.db",
                "--schema",
                "other.sql"
            ],
            "other.sql is not the schema of migration"
        ),
        case!(
            "plan with another schema than the migration's",
            Recording,
            other_schema,
            &[
                "plan",
                "--old",
                "old.db",
                "--new",
                "new.db",
                "--schema",
                "other.sql"
            ],
            "other.sql is not the schema of migration"
        ),
    ]
}
