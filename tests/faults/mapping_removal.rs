//! The id mapping is removed after the cutover's commit, in paced
//! transactions, while the new service already writes: held between two
//! of them, the new database is ready, takes a write, and still holds
//! part of the mapping, which `mig status` explains; killed between them,
//! a second `mig cutover` removes the rest and the runbook ends equal to
//! the oracle.

use std::process::{Command, Stdio};

use rusqlite::Connection;

use super::harness::{show, Step, World};
use crate::support::writer::Writer;

const MAP: &str = "_mig_map_product";

fn mapping_rows(w: &World) -> Option<i64> {
    let conn = Connection::open(&w.new).expect("open new");
    conn.query_row(&format!("SELECT count(*) FROM \"{MAP}\""), [], |r| r.get(0))
        .ok()
}

fn status(w: &World) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_mig"))
        .args(["--old".as_ref(), w.old.as_os_str()])
        .args(["--new".as_ref(), w.new.as_os_str()])
        .arg("status")
        .env_remove("MIG_FAILPOINT")
        .output()
        .expect("run mig status");
    assert!(out.status.success(), "status: {}", show(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Migrate and drain with a writer on the old database; returns the rows
/// of the product mapping before the cutover.
fn drained(w: &World, seed: u64) -> i64 {
    let writer = Writer::start(w.old.clone(), seed);
    writer.wait_committed(10);
    w.ok(Step::Migrate);
    writer.wait_committed(writer.committed() + 20);
    let stats = writer.stop();
    assert!(stats.committed > 10, "writer: {stats:?}");
    w.ok(Step::Drain);
    let rows = mapping_rows(w).expect("the renumbered product table has an id mapping");
    assert!(rows > 100, "{rows} mapping rows: too few to pace");
    rows
}

#[test]
fn the_id_mapping_goes_after_the_cutover_commit_while_the_new_database_takes_writes() {
    let w = World::shop();
    let before = drained(&w, 150);
    let held = w.dir().join("mapping-gate");
    let mut cutover = w
        .command(Step::Cutover)
        .env(
            "MIG_FAILPOINT_GATE",
            format!("cutover.after-mapping-batch:{}", held.display()),
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn mig cutover");
    while !held.exists() {
        if cutover.try_wait().expect("try_wait").is_some() {
            let out = cutover.wait_with_output().expect("output");
            panic!(
                "cutover ended before its removal's first commit: {}",
                show(&out)
            );
        }
        // Polling a condition: mig reaching its gate.
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    // Between two removal transactions: ready, writable, mapping in part.
    let conn = Connection::open(&w.new).expect("open new");
    let ready: String = conn
        .query_row("SELECT status FROM _migration_status", [], |r| r.get(0))
        .expect("status");
    assert_eq!(ready, "ready");
    conn.execute(
        "INSERT INTO product(code, title, price_cents) VALUES ('NEW-1', 'written meanwhile', 100)",
        [],
    )
    .expect("the new service writes between two removal transactions");
    let left = mapping_rows(&w).expect("the mapping is still there");
    assert!(left > 0 && left < before, "{left} of {before} rows left");
    let text = status(&w);
    assert!(
        text.contains(&format!("id mapping: {left} rows left after the cutover")),
        "{text}"
    );
    std::fs::remove_file(&held).expect("opening the gate");
    let out = cutover.wait_with_output().expect("output");
    assert!(out.status.success(), "cutover: {}", show(&out));
    assert_eq!(w.new_mappings(), Vec::<String>::new());
    assert!(status(&w).contains("id mapping: removed"));
}

#[test]
fn a_cutover_killed_while_removing_the_id_mapping_is_finished_by_the_next_cutover() {
    let w = World::shop();
    let before = drained(&w, 151);
    w.killed_at(Step::Cutover, "cutover.after-mapping-batch@2");
    let left = mapping_rows(&w).expect("the mapping is still there");
    assert!(left > 0 && left < before, "{left} of {before} rows left");
    assert!(status(&w).contains("`mig cutover` again removes the rest"));
    w.ok(Step::Cutover);
    assert_eq!(w.new_mappings(), Vec::<String>::new());
    w.ok(Step::CleanupOld);
    w.assert_matches();
}
