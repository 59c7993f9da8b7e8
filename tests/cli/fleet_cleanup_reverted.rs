//! `mig fleet cleanup-old` after one tenant of a many-database target was
//! reverted (`mig fleet revert --only`): the reverted tenant's old database
//! serves again and has nothing to clean up, so it is skipped with a line
//! saying so, not failed with "`mig fleet cutover` first" (which would
//! undo the revert the operator chose); the other tenants are cleaned up
//! and the command succeeds. Found by the SQLAlchemy tenants run.

use crate::support::tenant_site::{old_db, tenant_site};

use super::harness::mig_in;

#[test]
fn fleet_cleanup_old_skips_a_reverted_tenant_instead_of_asking_for_its_cutover() {
    let (tmp, _agent) = tenant_site(&["t000", "t001"]);
    let dir = tmp.path().to_path_buf();
    mig_in(&dir, &["fleet", "rollout", "-f", "fleet.toml", "--yes"]).ok();
    mig_in(
        &dir,
        &[
            "fleet",
            "revert",
            "-f",
            "fleet.toml",
            "--only",
            "a0/t000",
            "--yes",
        ],
    )
    .ok();
    let reverted_old = std::fs::read(old_db(&dir, "t000")).expect("old t000");
    let run = mig_in(
        &dir,
        &[
            "fleet",
            "cleanup-old",
            "-f",
            "fleet.toml",
            "--close-revert-window",
        ],
    );
    let all = format!("{}{}", run.stdout, run.stderr);
    assert!(!all.contains("mig fleet cutover"), "{run:#?}");
    let run = run.ok();
    run.line_starting("a0/t000: reverted");
    run.line_starting("a0/t001: cleaned up the old database");
    let after = std::fs::read(old_db(&dir, "t000")).expect("old t000");
    assert!(
        after == reverted_old,
        "the reverted tenant's old file changed"
    );
}
