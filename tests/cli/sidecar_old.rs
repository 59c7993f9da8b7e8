//! `--old` naming the `-wal` file beside the service's database (a tab
//! completion away while the service has it open). Just after a checkpoint
//! that file is empty, and SQLite takes an empty file for an empty
//! database: `migrate --allow-rollback-journal` with a schema of new tables
//! used to succeed, writing mig's marker, log and helper view into the
//! service's WAL (which the service's next write then overwrote, or raced).
//! Now every command refuses that path in one line naming the database, and
//! changes no file.

use rusqlite::Connection;

use super::bad_input::snapshot;
use super::harness::{Project, FAILED};

const REFUSAL: &str =
    "is the -wal file SQLite keeps beside the database old.db, not a database; pass old.db itself";

/// The service's connection: WAL mode, a write, then a checkpoint that
/// truncates its `-wal` to 0 bytes; it stays open, as a service's does.
fn service(p: &Project) -> Connection {
    let conn = Connection::open(p.path("old.db")).expect("service connection");
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         INSERT INTO Product (Code, Title, Price) VALUES ('svc-1', 'written by the service', 1.5);",
    )
    .expect("service write");
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .expect("checkpoint");
    conn
}

#[test]
fn an_old_path_naming_the_services_emptied_wal_is_refused_by_every_command_and_changes_no_file() {
    let p = Project::shop(20);
    p.write(
        "extra.sql",
        "CREATE TABLE extra (id INTEGER PRIMARY KEY, note TEXT);\n",
    );
    let _service = service(&p);
    let wal = std::fs::metadata(p.path("old.db-wal")).expect("the service's -wal");
    assert_eq!(wal.len(), 0, "the checkpoint left the -wal empty");
    let before = snapshot(&p.dir);
    let commands: [&[&str]; 6] = [
        &[
            "migrate",
            "--old",
            "old.db-wal",
            "--new",
            "new.db",
            "--schema",
            "extra.sql",
            "--allow-rollback-journal",
        ],
        &[
            "plan",
            "--old",
            "old.db-wal",
            "--new",
            "new.db",
            "--schema",
            "extra.sql",
        ],
        &["status", "--old", "old.db-wal", "--new", "new.db"],
        &["drain", "--old", "old.db-wal", "--new", "new.db"],
        &["cleanup-old", "--old", "old.db-wal"],
        &["reset", "--old", "old.db-wal", "--new", "new.db", "--yes"],
    ];
    for args in commands {
        let run = p.mig(args);
        let line = run.fails(FAILED, &format!("{} failed: ", args[0]));
        assert!(line.contains(REFUSAL), "{args:?}: {line}");
        assert_eq!(run.stderr.lines().count(), 1, "{args:?}: {run:#?}");
        assert_eq!(snapshot(&p.dir), before, "{args:?} changed a file");
    }
    assert!(!p.path("new.db").exists());
}
