//! `mig fleet cleanup-old` without `--close-revert-window` while every
//! tenant's revert window is open: one line says what is wrong and what to
//! do, decided from the agents' listing (no cleanup call per tenant, no
//! line per tenant), the exit is non-zero and no file changes. Found by
//! the SQLAlchemy tenants run: 1,499 round trips (2m29s) printed 1,499
//! identical refusals.

use crate::support::tenant_site::{audited, old_db, tenant_site};

use super::harness::{mig_in, FAILED};

const TENANTS: [&str; 4] = ["t000", "t001", "t002", "t003"];

#[test]
fn fleet_cleanup_old_over_open_windows_refuses_in_one_line_without_a_call_per_tenant() {
    let (tmp, agent) = tenant_site(&TENANTS);
    let dir = tmp.path().to_path_buf();
    mig_in(&dir, &["fleet", "rollout", "-f", "fleet.toml", "--yes"]).ok();
    let before: Vec<Vec<u8>> = TENANTS
        .iter()
        .map(|t| std::fs::read(old_db(&dir, t)).expect("old file"))
        .collect();
    let run = mig_in(&dir, &["fleet", "cleanup-old", "-f", "fleet.toml"]);
    let line = run.fails(
        FAILED,
        "fleet cleanup-old failed: nothing cleaned up: 4 target(s) keep their revert window open (a0/t003's until ",
    );
    assert!(
        line.contains("pass --close-revert-window") && line.contains("once they close"),
        "{run:#?}"
    );
    assert!(
        !run.stdout.lines().any(|l| l.starts_with("a0/t")),
        "a line per tenant: {run:#?}"
    );
    assert_eq!(audited(&agent.log(), "CleanupOld"), 0, "{}", agent.log());
    for (t, was) in TENANTS.iter().zip(&before) {
        let now = std::fs::read(old_db(&dir, t)).expect("old file");
        assert!(&now == was, "{t}'s old file changed");
    }
}
