//! `cutover --revert-window` refused after a separate `drain` (the schema
//! has no `mig:revert` line for what it computes): the old database already
//! refuses writes, so the one line says how they flow again — cut over
//! without a window, or reset — and that adding the lines means migrating
//! again (a migration keeps the schema it started with; the line had only
//! said "add the lines", which left an operator with writes refused).
//! Nothing changes, and a cutover without a window then works.

use super::bad_input::snapshot_beside_readers;
use super::harness::{Project, FAILED};

const FILES: [&str; 4] = ["--old", "old.db", "--new", "new.db"];

#[test]
fn a_window_refused_after_drain_says_how_writes_flow_again_and_changes_nothing() {
    let p = Project::shop(30);
    p.migrate(&[]).ok();
    p.mig(&[&["drain"][..], &FILES].concat()).ok();
    let before = snapshot_beside_readers(&p.dir);

    let run = p.mig(&[&["cutover", "--revert-window", "30m"][..], &FILES].concat());
    let line = run.fails(FAILED, "cutover failed: cannot open a revert window: ");
    assert!(
        line.contains("and migrate again (`mig reset` first: a migration keeps the schema it started with), or cut over without --revert-window"),
        "{line}"
    );
    assert!(
        line.ends_with("; meanwhile the old database refuses writes: `mig cutover` without --revert-window lets the service write on the new database now, `mig reset` on the old one"),
        "{line}"
    );
    assert_eq!(
        snapshot_beside_readers(&p.dir),
        before,
        "a refused cutover changed a file"
    );

    p.mig(&[&["cutover"][..], &FILES].concat()).ok();
    p.mig(&[&["status"][..], &FILES].concat())
        .ok()
        .line_starting("phase: cut over");
}
