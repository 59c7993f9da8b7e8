//! A revert asked for after the operator closed the window with
//! `cleanup-old --close-revert-window` (what cleanup-old's own refusal
//! suggests while a window is open): the refusal says what to do instead.
//! The bug it guards: it said only "a revert is no longer possible". And a
//! window asked for over a change no window can carry back (a split table):
//! the refusal says what works instead of naming `mig:revert` lines.

use crate::support::revert_case as case;
use crate::support::writer::Writer;

use super::harness::{Project, FAILED};

const FILES: [&str; 4] = ["--old", "old.db", "--new", "new.db"];

fn run(p: &Project, args: &[&str]) -> super::harness::Run {
    let mut all = args.to_vec();
    all.extend_from_slice(&FILES);
    p.mig(&all)
}

#[test]
fn revert_after_cleanup_old_closed_the_window_says_what_to_do_instead() {
    let p = Project::empty("shop");
    case::create_old(&p.path("old.db"));
    p.write("schema.sql", case::SCHEMA);
    run(&p, &["migrate", "--accept-data-loss"]).ok();
    run(&p, &["drain", "--cutover", "--revert-window", "1h"]).ok();
    let writer = Writer::start_with(p.path("new.db"), 73, case::new_workload);
    writer.wait_committed(20);
    writer.stop();
    run(&p, &["cleanup-old"]).fails(
        FAILED,
        "cleanup-old failed: refusing to close the revert window of new.db",
    );
    run(&p, &["cleanup-old", "--close-revert-window"]).ok();
    let line = run(&p, &["revert"])
        .fails(
            FAILED,
            "revert failed: the revert window of new.db was closed (cleanup-old at ",
        )
        .to_string();
    assert!(
        line.ends_with("a revert is no longer possible: stay on new.db, or go back to the old schema with a new migration from new.db (its schema file the old one)"),
        "{line}"
    );
}

/// An old table split into two new ones has no way back through a window:
/// `drain --cutover --revert-window` is refused before its freeze with what
/// to do instead (not the `mig:revert` lines, which cannot merge a split),
/// and the migration stays as it was: recording, the old database serving.
#[test]
fn a_revert_window_over_a_split_table_is_refused_with_the_way_that_works() {
    let p = Project::empty("people");
    let old = p.path("old.db");
    let conn = rusqlite::Connection::open(&old).expect("open");
    conn.execute_batch(
        "PRAGMA journal_mode=WAL;
         CREATE TABLE person(id INTEGER PRIMARY KEY, name TEXT NOT NULL, bio TEXT);
         INSERT INTO person VALUES (1, 'ada', 'maths'), (2, 'alan', 'logic');",
    )
    .expect("old");
    drop(conn);
    p.write(
        "schema.sql",
        "-- mig:from person\nCREATE TABLE person(id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n\
         -- mig:from person\nCREATE TABLE person_bio(id INTEGER PRIMARY KEY, bio TEXT);\n",
    );
    run(&p, &["migrate"]).ok();
    let line = run(&p, &["drain", "--cutover", "--revert-window", "30m"])
        .fails(FAILED, "drain failed: cannot open a revert window: ")
        .to_string();
    assert!(
        line.contains("feeds several new tables")
            && line.ends_with("mig cannot carry writes back through this change, so cut over without --revert-window (a backup of the old database taken before cutover is then the way back)")
            && !line.contains("mig:revert"),
        "{line}"
    );
    run(&p, &["status"]).ok().has_line("phase: recording");
    run(&p, &["drain", "--cutover"]).ok();
    // The split as plain SQL on the old rows.
    let new = rusqlite::Connection::open(p.path("new.db")).expect("new");
    new.execute("ATTACH ?1 AS old", [old.display().to_string()])
        .expect("attach");
    let differ: i64 = new
        .query_row(
            "SELECT (SELECT count(*) FROM (SELECT id, name FROM old.person EXCEPT SELECT id, name FROM person))
                  + (SELECT count(*) FROM (SELECT id, bio FROM old.person EXCEPT SELECT id, bio FROM person_bio))
                  + (SELECT count(*) FROM person) + (SELECT count(*) FROM person_bio) - 4",
            [],
            |r| r.get(0),
        )
        .expect("compare");
    assert_eq!(
        differ, 0,
        "the split copied every row as the old one held it"
    );
}
