//! A full volume under the new database, simulated by capping its page count
//! (`MIG_NEW_DB_MAX_PAGES`, honoured only with the `failpoints` feature):
//! `migrate` fails with one line saying disk full, which file, about how
//! much more it needs and that re-running resumes; the old database keeps
//! recording (writes flow and are logged); once space is freed the same
//! command resumes and the runbook ends equal to the oracle.

use std::path::Path;

use rusqlite::Connection;

use super::harness::{show, Step, World};
use crate::support::writer::Writer;

/// The old database's page count and recording state.
fn old_state(old: &Path) -> (i64, String, i64, i64) {
    let c = Connection::open(old).expect("open old");
    let pages: i64 = c
        .query_row("PRAGMA page_count", [], |r| r.get(0))
        .expect("page_count");
    let marker: String = c
        .query_row(
            "SELECT coalesce((SELECT status FROM _migration_marker), 'none')",
            [],
            |r| r.get(0),
        )
        .unwrap_or_else(|_| "none".into());
    let triggers: i64 = c
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'trigger' AND name LIKE '\\_mig\\_%' ESCAPE '\\'",
            [],
            |r| r.get(0),
        )
        .expect("triggers");
    let log: i64 = c
        .query_row(
            "SELECT coalesce(max(seq), 0) FROM _migration_log",
            [],
            |r| r.get(0),
        )
        .unwrap_or(0);
    (pages, marker, triggers, log)
}

/// Runs `migrate` with the new database capped at `pages`; returns its one
/// stderr line after checking the exit code (1: RESOURCE_EXHAUSTED).
fn migrate_on_full_volume(w: &World, pages: i64) -> String {
    let out = w
        .command(Step::Migrate)
        .env("MIG_NEW_DB_MAX_PAGES", pages.to_string())
        .output()
        .expect("run mig");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert_eq!(stderr.lines().count(), 1, "one line: {}", show(&out));
    stderr.trim_end().to_string()
}

#[test]
fn disk_full_during_the_copy_says_how_much_is_needed_keeps_recording_and_resumes() {
    let w = World::shop();
    let writer = Writer::start(w.old.clone(), 41);
    writer.wait_committed(10);
    let (old_pages, _, _, _) = old_state(&w.old);
    // Room for the schema and part of the rows, not all of them.
    let line = migrate_on_full_volume(&w, old_pages / 2);
    eprintln!("{line}");
    let new = w.new.display().to_string();
    assert!(
        line.starts_with(&format!(
            "migrate failed: disk full writing the new database {new}: about "
        )) && line.contains(" MiB more needed (old database is ")
            && line.ends_with("free space and re-run `mig migrate` — it resumes"),
        "{line}"
    );
    // The old database still records, and writes still flow into it.
    let (_, marker, triggers, log) = old_state(&w.old);
    assert_eq!(marker, "recording");
    assert!(triggers > 0, "recording triggers were removed");
    writer.wait_committed(writer.committed() + 30);
    let (_, _, _, log_later) = old_state(&w.old);
    assert!(log_later > log, "writes after the failure were not logged");
    // Space freed: the same command resumes and the runbook completes.
    w.ok(Step::Migrate);
    writer.wait_committed(writer.committed() + 20);
    w.ok(Step::Drain);
    w.ok(Step::Cutover);
    let stats = writer.stop();
    assert!(stats.committed > 60, "{stats:?}");
    assert!(w.assert_matches() > 2 * super::harness::ROWS as usize);
    w.ok(Step::CleanupOld);
}

#[test]
fn disk_full_while_creating_the_new_database_leaves_no_file_and_no_recording() {
    let w = World::shop();
    let writer = Writer::start(w.old.clone(), 42);
    writer.wait_committed(10);
    // Two pages: not even the schema fits.
    let line = migrate_on_full_volume(&w, 2);
    assert!(
        line.contains("disk full writing the new database")
            && line.contains("re-run `mig migrate`"),
        "{line}"
    );
    let dir = w.new.parent().expect("folder");
    let left: Vec<String> = std::fs::read_dir(dir)
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("new.db"))
        .collect();
    assert!(left.is_empty(), "files left behind: {left:?}");
    assert_eq!(old_state(&w.old).1, "none", "recording started anyway");
    w.ok(Step::Migrate);
    writer.wait_committed(writer.committed() + 20);
    w.ok(Step::Drain);
    w.ok(Step::Cutover);
    writer.stop();
    w.assert_matches();
}
