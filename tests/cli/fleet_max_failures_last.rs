//! `mig fleet rollout --max-failures N` when the failure that passes the
//! limit is the last target's: no target is left to skip, so the
//! scheduler's "rollout stopped" line had nowhere to go and the summary
//! said nothing of the limit. It must say the limit was reached and that
//! no target was left un-run, and exit 1 as the other stop path does.
//! Found by the SQLAlchemy tenants run (`--max-failures 3`, 4th failure last).

use crate::support::tenant_site::{old_db, tenant_site};

use super::harness::{mig_in, FAILED};

#[test]
fn a_failure_limit_passed_by_the_last_target_is_named_in_the_summary_and_exits_1() {
    let (tmp, _agent) = tenant_site(&["t000", "t001", "t002", "t003"]);
    let dir = tmp.path().to_path_buf();
    // Two tenants whose files are not databases: their migrate fails.
    for t in ["t002", "t003"] {
        std::fs::write(old_db(&dir, t), vec![b'x'; 4096]).expect("garbage");
    }
    let run = mig_in(
        &dir,
        &[
            "fleet",
            "rollout",
            "-f",
            "fleet.toml",
            "--yes",
            "--concurrency",
            "1",
            "--max-failures",
            "1",
        ],
    );
    assert_eq!(run.code, FAILED, "{run:#?}");
    run.line_starting(
        "max_failures reached: 2 target(s) failed, more than the 1 allowed; no target was left un-run",
    );
    assert!(!run.stdout.contains("  skipped  "), "{run:#?}");
}
