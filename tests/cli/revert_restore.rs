//! A new database restored from a backup during the revert window (a new
//! user's report): its reverse log ends before what the old database
//! already carried back, so the writes after the restore would have been
//! skipped while `status` said "0 writes not yet carried back". Through a
//! real agent, with SQLite's own backup API (Python's `sqlite3`) taking the
//! backup while the new service writes: status names the broken window,
//! and `revert` refuses before writing anything to the old database.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::agent::TestAgent;
use crate::support::revert_case as case;
use crate::support::writer::Writer;

use super::harness::{Project, Run, FAILED};
use super::real_agent::as_who;

fn mig(p: &Project, base: &[String], args: &[&str]) -> Run {
    let mut all: Vec<&str> = base.iter().map(String::as_str).collect();
    all.extend_from_slice(args);
    p.mig(&all)
}

/// SQLite's backup API from `src` into `dst` (both real files), via Python.
fn backup(src: &std::path::Path, dst: &std::path::Path) {
    let code = "import sqlite3, sys\ns = sqlite3.connect(sys.argv[1]); d = sqlite3.connect(sys.argv[2])\ns.backup(d); d.close(); s.close()";
    let out = Command::new("python3")
        .args(["-c", code])
        .arg(src)
        .arg(dst)
        .output()
        .expect("run python3");
    assert!(out.status.success(), "backup failed: {out:?}");
}

/// Every row of every table of `db`, as SQL text (Python's `iterdump`).
fn dump(db: &std::path::Path) -> String {
    let code = "import sqlite3, sys\nprint('\\n'.join(sqlite3.connect(sys.argv[1]).iterdump()))";
    let out = Command::new("python3")
        .args(["-c", code])
        .arg(db)
        .output()
        .expect("run python3");
    assert!(out.status.success(), "dump failed: {out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn wait_status(p: &Project, base: &[String], what: &str, until: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let out = mig(p, base, &["status"]).ok().stdout;
        if until(&out) {
            return out;
        }
        assert!(
            Instant::now() < deadline,
            "status never showed {what}:\n{out}"
        );
        std::thread::yield_now();
    }
}

#[test]
fn a_new_database_restored_from_a_backup_during_the_window_is_reported_broken_and_revert_refuses() {
    let p = Project::empty("shop");
    case::create_old(&p.path("old.db"));
    p.write("schema.sql", case::SCHEMA);
    let agent = TestAgent::start(&p.dir, &[("shop", &p.path("old.db"), &p.path("new.db"))]);
    let base = as_who(&agent, "operator");
    mig(&p, &base, &["migrate", "--accept-data-loss"]).ok();
    mig(&p, &base, &["drain"]).ok();
    mig(&p, &base, &["cutover", "--revert-window", "1h"]).ok();

    let writer = Writer::start_with(p.path("new.db"), 81, case::new_workload);
    writer.wait_committed(60);
    backup(&p.path("new.db"), &p.path("backup.db"));
    writer.wait_committed(writer.committed() + 200);
    writer.stop();
    // The agent carries everything back, past what the backup holds.
    wait_status(&p, &base, "everything carried back", |s| {
        s.contains(", 0 writes not yet carried back")
    });
    backup(&p.path("backup.db"), &p.path("new.db"));
    let writer = Writer::start_with(p.path("new.db"), 82, case::new_workload);
    writer.wait_committed(30);
    writer.stop();

    let status = wait_status(&p, &base, "the broken window", |s| {
        s.contains("revert window: broken: ")
    });
    assert!(
        status.contains("restored from a backup or replaced during the window"),
        "{status}"
    );
    assert!(!status.contains("writes not yet carried back"), "{status}");
    let before = dump(&p.path("old.db"));
    let line = mig(&p, &base, &["revert"])
        .fails(FAILED, "revert failed: the revert window of ")
        .to_string();
    assert!(line.contains("is broken: its reverse log "), "{line}");
    assert!(line.contains("`mig finalize` closes the window"), "{line}");
    assert_eq!(
        before,
        dump(&p.path("old.db")),
        "revert changed the old database"
    );
    mig(&p, &base, &["revert", "--discard-conflicts"])
        .fails(FAILED, "revert failed: the revert window of ");
    assert_eq!(
        before,
        dump(&p.path("old.db")),
        "revert changed the old database"
    );
}
