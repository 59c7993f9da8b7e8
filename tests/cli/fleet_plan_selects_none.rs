//! `mig fleet plan` with a many-database target whose pattern selects no
//! database its agent serves (`databases = "acm"` for `acme`, a typo).
//! Found by a new user's Buildbot tenants (docs/reliability.md): the plan
//! printed an empty table and an empty execution order and exited 0, so
//! the typo surfaced only at `rollout` ("nothing started: ... select(s)
//! none of the databases"). Now `plan` says so in one line and exits 1, and
//! writes no rollout record.

use super::bad_input::snapshot_beside_readers;
use super::harness::{mig_in, FAILED};
use super::tenants_mistakes::site;

/// Every file but the agent's own log, the locks it holds while it looks
/// at a tenant and its readers' files (they come and go with the agent,
/// not the plan).
fn files(dir: &std::path::Path) -> std::collections::BTreeMap<String, String> {
    let mut all = snapshot_beside_readers(dir);
    all.retain(|name, _| name != "a0/agent.log" && !name.ends_with(".mig-lock"));
    all
}

#[test]
fn fleet_plan_with_a_pattern_that_selects_no_database_fails_in_one_line() {
    let (tmp, _agent) = site(&["acme", "globex"]);
    let dir = tmp.path();
    let fleet = std::fs::read_to_string(dir.join("fleet.toml")).expect("fleet.toml");
    std::fs::write(
        dir.join("fleet.toml"),
        fleet.replace("databases = \"*\"", "databases = \"acm\""),
    )
    .expect("typo");
    let before = files(dir);
    let run = mig_in(dir, &["fleet", "plan"]);
    let line = run.fails(
        FAILED,
        "fleet plan failed: a0 select(s) none of the databases its agent serves",
    );
    assert!(line.contains("fix its `databases`"), "{line}");
    assert_eq!(files(dir), before, "fleet plan changed a file");

    // The pattern fixed, the same plan runs.
    std::fs::write(
        dir.join("fleet.toml"),
        fleet.replace("databases = \"*\"", "databases = \"acme*\""),
    )
    .expect("fixed");
    let run = mig_in(dir, &["fleet", "plan"]).ok();
    assert!(run.stdout.contains("a0/acme "), "{run:#?}");
}
