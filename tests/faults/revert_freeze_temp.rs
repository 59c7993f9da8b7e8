//! Revert's freeze changes no temporary schema: every `CREATE` or `DROP` of
//! a temporary table on the reverting connection expires every statement
//! prepared on it and runs SQLite's own statements, once per table the
//! tail touches, all while the new service's writes are refused. The
//! service writes to every table while `mig revert` is held between its
//! last check and its freeze (`revert.before-freeze`), so the freeze's tail
//! replays those writes and checks them by key; the reverting connection's
//! `PRAGMA temp.schema_version` at the freeze's start and at its end
//! (`MIG_FREEZE_TEMP_SCHEMA`, a `failpoints` build) must be the same.

use rand::rngs::StdRng;
use rand::SeedableRng;

use super::harness::{show, Step, World};
use crate::support::revert_case as case;
use crate::support::writer::Writer;

#[test]
fn reverts_freeze_over_writes_to_every_table_changes_no_temporary_schema() {
    let w = World::revert_case();
    let writer = Writer::start_with(w.old.clone(), 360, case::old_workload);
    writer.wait_committed(10);
    w.ok(Step::Migrate);
    writer.wait_committed(writer.committed() + 20);
    w.ok(Step::Drain);
    writer.stop();
    w.ok(Step::CutoverWindow);
    case::snapshot(&w.old, &w.new, w.dir());
    let new_service = Writer::start_with(w.new.clone(), 361, case::new_workload);
    new_service.wait_committed(100);
    new_service.stop();

    let held = w.dir().join("failpoint-gate");
    let trace = w.dir().join("freeze-temp-schema");
    let mut revert = w
        .command(Step::Revert)
        .env(
            "MIG_FAILPOINT_GATE",
            format!("revert.before-freeze:{}", held.display()),
        )
        .env("MIG_FREEZE_TEMP_SCHEMA", &trace)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn mig revert");
    while !held.exists() {
        if revert.try_wait().expect("try_wait").is_some() {
            let out = revert.wait_with_output().expect("mig output");
            panic!("revert ended before its gate: {}", show(&out));
        }
        // Polling a condition: the process reaching its gate.
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    let written = write_the_tail(&w.new);
    std::fs::remove_file(&held).expect("opening the gate");
    let out = revert.wait_with_output().expect("revert output");
    assert!(out.status.success(), "revert failed: {}", show(&out));

    let trace = std::fs::read_to_string(&trace).expect("the freeze's trace");
    let sections: Vec<(i64, i64)> = trace
        .lines()
        .map(|l| {
            let (a, b) = l.split_once(' ').expect("two versions");
            (a.parse().expect("a version"), b.parse().expect("a version"))
        })
        .collect();
    assert_eq!(sections.len(), 1, "one frozen section: {trace}");
    assert_eq!(
        sections[0].0, sections[0].1,
        "the temporary schema changed under revert's freeze (version at its start, at its end)"
    );
    let compared = case::assert_old_is_inverse(&w.old, &w.new, w.dir());
    assert!(compared > 300, "compared {compared} rows");
    assert!(written >= 40, "the tail held {written} writes");
}

/// The new service's writes while revert waits before its freeze: the
/// revert case's workload (every table, inserts beyond each table's verify,
/// updates, key changes, deletes), committed one by one; returns how many.
fn write_the_tail(new: &std::path::Path) -> u32 {
    let mut conn = rusqlite::Connection::open(new).expect("open new");
    let mut rng = StdRng::seed_from_u64(362);
    let mut written = 0;
    for _ in 0..60 {
        let tx = conn.transaction().expect("begin");
        case::new_workload(&tx, &mut rng).expect("the new service's write");
        tx.commit().expect("commit");
        written += 1;
    }
    written
}
