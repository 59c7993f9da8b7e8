//! An old database in rollback-journal mode, through the real `mig`: refused
//! without `--allow-rollback-journal` (the reason and the fix are in the
//! table of `bad_input.rs`); with it, the whole runbook runs beside a writer
//! and the result equals the oracle, the journal mode left as it was.

use super::harness::Project;
use crate::support::oracle;
use crate::support::writer::Writer;

#[test]
fn rollback_journal_old_database_with_the_flag_migrates_beside_a_writer_and_matches_the_oracle() {
    let p = Project::shop(1_500);
    p.sql("old.db", "PRAGMA journal_mode = DELETE");
    let writer = Writer::start(p.path("old.db"), 91);
    writer.wait_committed(10);
    let files = [
        "--old",
        "old.db",
        "--new",
        "new.db",
        "--allow-rollback-journal",
    ];
    let step = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(files);
        p.mig(&all).ok();
    };
    step(&["migrate", "--schema", "schema.sql"]);
    writer.wait_committed(writer.committed() + 30);
    step(&["drain"]);
    step(&["cutover"]);
    let stats = writer.stop();
    assert!(stats.committed > 40, "{stats:?}");
    assert!(oracle::assert_matches(&p.path("old.db"), &p.path("new.db")) > 3_000);
    step(&["cleanup-old"]);
    let mode: String = rusqlite::Connection::open(p.path("old.db"))
        .and_then(|c| c.query_row("PRAGMA journal_mode", [], |r| r.get(0)))
        .expect("journal mode");
    assert_eq!(mode, "delete", "mig changed the old journal mode");
}
