//! A view on the old database changed mid-migration by another process
//! (`sqlite-utils create-view --replace`, in plain SQL). A view holds no
//! rows: `drain` said only "`mig reset` and migrate again", although
//! putting the view back clears it. Now a view recreated as it was is no
//! drift, a changed one is refused with what to do (recreate it as it was,
//! or reset), changing no file, and once it is put back drain and cutover
//! finish equal to the oracle. A dropped trigger still refuses with reset
//! only. Found by the Datasette/sqlite-utils run (docs/reliability.md).

use std::process::Command;

use super::harness::{Project, FAILED};
use crate::support::oracle;

/// Another process (the sqlite3 shell) runs `sql` on the old database.
fn shell(p: &Project, sql: &str) {
    let out = Command::new("sqlite3")
        .args(["-cmd", ".timeout 10000"])
        .arg(p.path("old.db"))
        .arg(sql)
        .output()
        .expect("run sqlite3");
    assert!(
        out.status.success(),
        "sqlite3: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

const FILES: [&str; 4] = ["--old", "old.db", "--new", "new.db"];
const VIEW: &str = "CREATE VIEW heavy_tags AS SELECT * FROM Tag WHERE Weight > 1";

fn bytes(p: &Project) -> Vec<Vec<u8>> {
    ["old.db", "new.db"]
        .iter()
        .map(|f| std::fs::read(p.path(f)).expect("read"))
        .collect()
}

#[test]
fn a_view_changed_mid_migration_says_to_recreate_it_and_once_recreated_drain_finishes() {
    let p = Project::shop(40);
    shell(&p, VIEW);
    p.migrate(&[]).ok();
    shell(
        &p,
        "DROP VIEW heavy_tags; CREATE VIEW heavy_tags AS SELECT * FROM Tag WHERE Weight > 2",
    );
    let before = bytes(&p);
    let run = p.mig(&[&FILES[..], &["drain"]].concat());
    let line = run.fails(FAILED, "drain failed: ");
    assert!(
        line.contains("view heavy_tags was altered")
            && line.contains("recreate each view")
            && line.contains("`mig reset`"),
        "{line}"
    );
    assert!(before == bytes(&p), "drain changed a file");
    let status = p.mig(&[&FILES[..], &["status"]].concat()).ok();
    assert!(
        status
            .line_starting("next: ")
            .contains("recreate each view"),
        "{}",
        status.stdout
    );

    shell(&p, &format!("DROP VIEW heavy_tags; {VIEW}"));
    p.mig(&[&FILES[..], &["drain", "--cutover"]].concat()).ok();
    assert!(oracle::assert_matches(&p.path("old.db"), &p.path("new.db")) > 0);
}

#[test]
fn a_dropped_trigger_beside_a_changed_view_still_says_reset() {
    let p = Project::shop(20);
    shell(
        &p,
        &format!("{VIEW}; CREATE TRIGGER tag_touch AFTER INSERT ON Tag BEGIN SELECT 1; END"),
    );
    p.migrate(&[]).ok();
    shell(
        &p,
        "DROP VIEW heavy_tags; CREATE VIEW heavy_tags AS SELECT 1; DROP TRIGGER tag_touch",
    );
    let run = p.mig(&[&FILES[..], &["drain"]].concat());
    let line = run.fails(FAILED, "drain failed: ");
    assert!(
        line.contains("trigger tag_touch was dropped")
            && line.contains("run `mig reset`")
            && !line.contains("recreate each view"),
        "{line}"
    );
}
