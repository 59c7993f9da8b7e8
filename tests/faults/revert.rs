//! The revert window's failpoints: the old side's standby setup after the
//! cutover commit, reverse replay, revert's freeze and flip, finalize. Each
//! kills the real `mig` with the old service's writes recorded and the new
//! service's writes in the window, re-runs the command, and checks the
//! old database against the hand-written inverse (or, finalized, retired).

use super::harness::{Step, World};
use crate::support::revert_case as case;
use crate::support::writer::Writer;

/// (command killed, `MIG_FAILPOINT` value).
pub const SCENARIOS: &[(Step, &str)] = &[
    (Step::CutoverWindow, "standby.before-commit"),
    (Step::CutoverWindow, "window.seed-after-chunk@2"),
    (Step::CutoverWindow, "window.before-seed-delta"),
    (Step::Revert, "revert.mid-batch"),
    (Step::Revert, "revert.after-batch"),
    (Step::Revert, "revert.before-freeze"),
    (Step::Revert, "revert.after-freeze"),
    (Step::Revert, "revert.before-flip"),
    (Step::Revert, "revert.after-flip"),
    (Step::Revert, "revert.mid-mark"),
    (Step::Finalize, "finalize.after-close"),
];

fn crash_and_finish(step: Step, failpoint: &str, seed: u64) {
    let mut w = World::revert_case();
    // The revert maps seeded a few rows per transaction: a kill between two.
    w.env.push(("MIG_SEED_CHUNK_ROWS", "7"));
    let writer = Writer::start_with(w.old.clone(), seed, case::old_workload);
    writer.wait_committed(10);
    w.ok(Step::Migrate);
    writer.wait_committed(writer.committed() + 20);
    w.ok(Step::Drain);
    writer.stop();
    if step == Step::CutoverWindow {
        w.killed_at(step, failpoint);
    }
    // A re-run after the commit does only the old side.
    w.ok(Step::CutoverWindow);
    case::snapshot(&w.old, &w.new, w.dir());
    let new_service = Writer::start_with(w.new.clone(), seed + 1, case::new_workload);
    new_service.wait_committed(150);
    new_service.stop();
    if step == Step::Finalize {
        w.killed_at(step, failpoint);
        w.ok(Step::Finalize);
        let conn = rusqlite::Connection::open(&w.old).expect("open");
        let e = conn
            .execute("DELETE FROM Note", [])
            .expect_err("a finalized window leaves the old database retired");
        assert!(e.to_string().contains("retired"), "{e}");
        return;
    }
    if step == Step::Revert {
        w.killed_at(step, failpoint);
    }
    w.ok(Step::Revert);
    case::assert_old_is_inverse(&w.old, &w.new, w.dir());
    let conn = rusqlite::Connection::open(&w.old).expect("open");
    conn.execute(
        "INSERT INTO Note(Body) VALUES ('the old service again')",
        [],
    )
    .expect("the old database accepts writes after revert");
}

macro_rules! scenario_tests {
    ($($name:ident: $i:expr;)*) => {
        $(
            #[test]
            fn $name() {
                let (step, point) = SCENARIOS[$i];
                crash_and_finish(step, point, 300 + $i as u64);
            }
        )*
        const TESTED: usize = [$($i),*].len();
    };
}

#[test]
fn each_revert_scenario_has_a_test() {
    assert_eq!(TESTED, SCENARIOS.len());
}

scenario_tests! {
    cutover_with_a_window_killed_before_the_standby_commit: 0;
    cutover_with_a_window_killed_between_two_seeding_transactions: 1;
    cutover_with_a_window_killed_before_the_seeding_delta_under_the_lock: 2;
    revert_killed_inside_a_reverse_batch: 3;
    revert_killed_after_a_reverse_batch: 4;
    revert_killed_between_its_last_check_and_its_freeze: 5;
    revert_killed_after_freezing_the_new_database: 6;
    revert_killed_before_making_the_old_database_writable: 7;
    revert_killed_after_making_the_old_database_writable: 8;
    finalize_killed_after_closing_the_window: 10;
    revert_killed_while_marking_the_new_database_reverted: 9;
}

/// A cutover with a window killed while seeding the revert maps ahead of
/// its lock leaves them on the old database (recorded as mig's, not
/// drift); `reset` removes them with the recording, and the next migration
/// seeds its own maps and reverts to the inverse.
#[test]
fn reset_after_a_cutover_killed_while_seeding_the_revert_maps_leaves_nothing() {
    let mut w = World::revert_case();
    w.env.push(("MIG_SEED_CHUNK_ROWS", "7"));
    let writer = Writer::start_with(w.old.clone(), 320, case::old_workload);
    writer.wait_committed(10);
    w.ok(Step::Migrate);
    w.ok(Step::Drain);
    w.killed_at(Step::CutoverWindow, "window.seed-after-chunk@2");
    assert!(
        w.old_leftovers()
            .iter()
            .any(|n| n.starts_with("_mig_revert_map_")),
        "the killed cutover seeded no map: {:?}",
        w.old_leftovers()
    );
    w.ok(Step::Reset);
    assert_eq!(w.old_leftovers(), Vec::<String>::new());
    writer.wait_committed(writer.committed() + 10);
    for s in [Step::Migrate, Step::Drain, Step::CutoverWindow] {
        w.ok(s);
    }
    writer.stop();
    case::snapshot(&w.old, &w.new, w.dir());
    w.ok(Step::Revert);
    case::assert_old_is_inverse(&w.old, &w.new, w.dir());
}

/// A table renumbered with its old key kept as a column (Product.Code →
/// product.code) at 20,000 rows, its revert map seeded ahead of `drain
/// --cutover --revert-window`'s freeze a few hundred rows a transaction
/// while the old service renames, inserts and deletes: the drain finishes
/// (regression: the delta under the lock sought no index, a scan of the map
/// per new row, and did not finish in 300 s at 100k rows), and a revert
/// carries the window's writes back to exactly the inverse.
#[test]
fn kept_key_table_seeded_while_the_old_service_writes_finishes_and_reverts_to_the_inverse() {
    let mut w = World::revert_case();
    let conn = rusqlite::Connection::open(&w.old).expect("open old");
    conn.execute_batch(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
         INSERT INTO Product(Code, Title, Price) SELECT printf('BULK-%06d', i), 'Bulk ' || i, i * 0.5 FROM n;",
    )
    .expect("bulk products");
    drop(conn);
    w.env.push(("MIG_SEED_CHUNK_ROWS", "500"));
    let writer = Writer::start_with(w.old.clone(), 330, product_workload);
    writer.wait_committed(10);
    w.ok(Step::Migrate);
    let before = writer.committed();
    let mut drain = w
        .command(Step::Drain)
        .args(["--cutover", "--revert-window", "1h"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn mig drain");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(240);
    while drain.try_wait().expect("try_wait").is_none() {
        if std::time::Instant::now() > deadline {
            let _ = drain.kill();
            panic!("drain --cutover with a window did not finish in 240 s (20,000 kept-key rows)");
        }
        // Polling a condition: the drain's exit.
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let out = drain.wait_with_output().expect("drain output");
    assert!(
        out.status.success(),
        "drain --cutover failed: {}",
        super::harness::show(&out)
    );
    let during = writer.committed() - before;
    writer.stop();
    assert!(during > 0, "the old service wrote nothing while drain ran");
    case::snapshot(&w.old, &w.new, w.dir());
    let new_service = Writer::start_with(w.new.clone(), 331, case::new_workload);
    new_service.wait_committed(150);
    new_service.stop();
    w.ok(Step::Revert);
    case::assert_old_is_inverse(&w.old, &w.new, w.dir());
}

/// The old service on Product alone: renames (the kept key), inserts,
/// deletes, price updates.
fn product_workload(
    tx: &rusqlite::Transaction<'_>,
    rng: &mut rand::rngs::StdRng,
) -> rusqlite::Result<()> {
    use rand::Rng;
    let i: i64 = rng.random_range(1..1_000_000);
    let pick = "(SELECT Code FROM Product WHERE Code LIKE 'BULK-%' ORDER BY random() LIMIT 1)";
    match rng.random_range(0..4) {
        0 => tx.execute(
            &format!("UPDATE OR IGNORE Product SET Code = ?1 WHERE Code = {pick}"),
            [format!("REN-{i}")],
        )?,
        1 => tx.execute(
            "INSERT OR IGNORE INTO Product(Code, Title, Price) VALUES (?1, 'new', 1.5)",
            [format!("NEW-{i}")],
        )?,
        2 => tx.execute(&format!("DELETE FROM Product WHERE Code = {pick}"), [])?,
        _ => tx.execute(
            &format!("UPDATE Product SET Price = Price + 1 WHERE Code = {pick}"),
            [],
        )?,
    };
    Ok(())
}

/// Regression: rows the old service writes to every table of the revert
/// case (the rowid table Note, a customer, a product with an order line; an
/// update and a delete) after `drain --cutover --revert-window`'s last
/// catch-up and before its freeze (held there by `MIG_FAILPOINT_GATE`), so
/// that the freeze's tail replays them, the old service's workload running
/// throughout; then the new service in the window: a revert carries back
/// exactly the inverse. Was: the old side's standby step read the new
/// database as it was at the freeze (its held lock's `BEGIN IMMEDIATE`
/// opened a read on the attached new database), so the revert maps missed
/// the tail's new ids and `mig revert` refused: "old table Note differs
/// from the inverse of note at key NULL".
#[test]
fn rows_written_to_every_table_just_before_drain_cutovers_freeze_revert_to_the_inverse() {
    let w = World::revert_case();
    let writer = Writer::start_with(w.old.clone(), 340, case::old_workload);
    writer.wait_committed(10);
    w.ok(Step::Migrate);
    writer.wait_committed(writer.committed() + 20);
    let held = w.dir().join("failpoint-gate");
    let mut drain = w
        .command(Step::Drain)
        .args(["--cutover", "--revert-window", "30m"])
        .env(
            "MIG_FAILPOINT_GATE",
            format!("drain.before-freeze:{}", held.display()),
        )
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn mig drain --cutover");
    while !held.exists() {
        if drain.try_wait().expect("try_wait").is_some() {
            let out = drain.wait_with_output().expect("mig output");
            panic!(
                "drain ended before its gate: {}",
                super::harness::show(&out)
            );
        }
        // Polling a condition: the process reaching its gate.
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    let tail = write_every_table(&w.old);
    std::fs::remove_file(&held).expect("opening the gate");
    let out = drain.wait_with_output().expect("drain output");
    assert!(
        out.status.success(),
        "drain --cutover failed: {}",
        super::harness::show(&out)
    );
    writer.stop();
    case::snapshot(&w.old, &w.new, w.dir());
    let conn = rusqlite::Connection::open(&w.new).expect("open new");
    let carried: i64 = conn
        .query_row(
            "SELECT count(*) FROM note WHERE body LIKE 'tail %'",
            [],
            |r| r.get(0),
        )
        .expect("count the tail's notes");
    assert_eq!(carried, tail, "the freeze's tail reached the new database");
    drop(conn);
    let new_service = Writer::start_with(w.new.clone(), 341, case::new_workload);
    new_service.wait_committed(150);
    new_service.stop();
    w.ok(Step::Revert);
    let compared = case::assert_old_is_inverse(&w.old, &w.new, w.dir());
    assert!(compared > 1_500, "compared {compared} rows");
}

/// The old service's writes in the gap before the freeze, on every table:
/// returns the notes it left (inserted, one of them updated; one old note
/// deleted).
fn write_every_table(old: &std::path::Path) -> i64 {
    let conn = rusqlite::Connection::open(old).expect("open old");
    conn.execute_batch(
        "BEGIN IMMEDIATE;
         INSERT INTO Note(Body, Pinned) VALUES ('tail 1', 1), ('tail 2', 0), ('tail 3', 1);
         UPDATE Note SET Pinned = 1 - Pinned WHERE Body = 'tail 2';
         DELETE FROM Note WHERE rowid = (SELECT min(rowid) FROM Note);
         INSERT INTO Customer(FirstName, LastName, Email, Fax, CreatedAt) VALUES ('Tail', 'Person', 'tail@x.org', 'tfax', datetime('now'));
         INSERT INTO Product(Code, Title, Price) VALUES ('TAIL-1', 'tail product', 2.5);
         INSERT INTO OrderLine VALUES (90000, 0, 'TAIL-1', 2);
         COMMIT;",
    )
    .expect("the old service's writes before the freeze");
    3
}
