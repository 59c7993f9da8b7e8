//! `mig fleet cleanup-old` after a tenant's file was deleted once the
//! rollout froze its set: the tenant is left out with the rollout's own
//! line ("no longer served by their agent ... left out"), not failed with
//! `unknown database`, and the command exits 0 once every other tenant is
//! cleaned up. Found by the SQLAlchemy tenants run (1,500 tenants).

use crate::support::tenant_site::{old_db, tenant_site};

use super::harness::mig_in;

const TENANTS: [&str; 6] = ["t000", "t001", "t002", "t003", "t004", "t005"];

#[test]
fn fleet_cleanup_old_leaves_out_a_tenant_deleted_after_the_rollout_and_cleans_the_rest() {
    let (tmp, _agent) = tenant_site(&TENANTS);
    let dir = tmp.path().to_path_buf();
    mig_in(&dir, &["fleet", "rollout", "-f", "fleet.toml", "--yes"]).ok();
    for sidecar in ["", "-wal", "-shm"] {
        let path = format!("{}{sidecar}", old_db(&dir, "t003").display());
        if std::path::Path::new(&path).exists() {
            std::fs::remove_file(&path).expect("offboard t003");
        }
    }
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
    assert!(!all.contains("unknown database"), "{run:#?}");
    let run = run.ok();
    assert!(
        run.stdout.contains(
            " are no longer served by their agent (removed since it started), left out: a0/t003\n"
        ),
        "{run:#?}"
    );
    assert!(!run.stdout.contains("a0/t003:"), "{run:#?}");
    for t in TENANTS.iter().filter(|t| **t != "t003") {
        run.line_starting(&format!("a0/{t}: cleaned up the old database"));
    }
}
