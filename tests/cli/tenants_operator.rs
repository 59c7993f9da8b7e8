//! An operator's fleet of tenants served from a folder (`[[database_set]]`)
//! by a real `mig-agent` over mutual TLS. `fleet status` names, for a
//! tenant not started, a command that runs and starts it. `mig fleet
//! revert`: a tenant's new file is named by
//! the schema's hash recorded in its old database, so once a revert has
//! dropped the migration tables from the old file the agent reports the
//! tenant as not started; the fleet revert must count that as reverted
//! (not as "no revert window open", which also stopped the rest of the
//! rollback under `--max-failures`). Each old database ends equal to the
//! hand-written inverse of its new one (`revert_case`). A rollout record
//! frozen under `databases = "*"` is not continued once the fleet file
//! narrows the selection.

use crate::support::revert_case as case;
use crate::support::tenant_site::{audited, new_db, old_db, tenant_site};
use crate::support::writer::Writer;

use super::harness::mig_in;

const TENANTS: [&str; 3] = ["t000", "t001", "t002"];

/// The status row of `target` in `fleet status`, and the command between
/// the first backticks of its NEXT cell, as arguments after `mig`.
fn next_command(status: &str, target: &str) -> Vec<String> {
    let row = status
        .lines()
        .find(|l| l.starts_with(&format!("{target} ")))
        .unwrap_or_else(|| panic!("no row for {target} in:\n{status}"));
    let cmd = row
        .split('`')
        .nth(1)
        .unwrap_or_else(|| panic!("no command in {row}"));
    let words: Vec<String> = cmd.split_whitespace().map(String::from).collect();
    assert_eq!(words[0], "mig", "{row}");
    words[1..].to_vec()
}

#[test]
fn fleet_status_next_for_a_tenant_not_started_runs_and_starts_it() {
    let (tmp, _agent) = tenant_site(&["t000", "t001"]);
    let dir = tmp.path().to_path_buf();
    let before = mig_in(&dir, &["fleet", "status", "-f", "fleet.toml"]).ok();
    let next = next_command(&before.stdout, "a0/t000");
    let args: Vec<&str> = next.iter().map(String::as_str).collect();
    mig_in(&dir, &args).ok();
    let after = mig_in(&dir, &["fleet", "status", "-f", "fleet.toml"]).ok();
    let row = |t: &str| {
        after
            .stdout
            .lines()
            .find(|l| l.starts_with(&format!("{t} ")))
            .unwrap_or_else(|| panic!("no row for {t}: {after:#?}"))
            .to_string()
    };
    assert!(!row("a0/t000").contains("not started"), "{after:#?}");
    assert!(row("a0/t001").contains("not started"), "{after:#?}");
}

#[test]
fn fleet_revert_of_folder_tenants_counts_each_finished_revert_as_reverted() {
    let (tmp, agent) = tenant_site(&TENANTS);
    let dir = tmp.path().to_path_buf();
    let old = |t: &str| old_db(&dir, t);
    mig_in(&dir, &["fleet", "rollout", "-f", "fleet.toml", "--yes"]).ok();

    let new = |t: &str| new_db(&dir, t);
    for (k, t) in TENANTS.iter().enumerate() {
        let snaps = dir.join(format!("snap-{t}"));
        std::fs::create_dir_all(&snaps).expect("snapshot dir");
        case::snapshot(&old(t), &new(t), &snaps);
        let writer = Writer::start_with(new(t), 90 + k as u64, case::new_workload);
        writer.wait_committed(60);
        writer.stop();
    }

    let run = mig_in(
        &dir,
        &[
            "fleet",
            "revert",
            "-f",
            "fleet.toml",
            "--yes",
            "--concurrency",
            "2",
        ],
    )
    .ok();
    for t in TENANTS {
        run.line_starting(&format!("a0/{t}: reverted"));
    }
    run.has_line("reverted 3 target(s), 0 skipped: their old databases take writes again");
    for t in TENANTS {
        let compared =
            case::assert_old_is_inverse(&old(t), &new(t), &dir.join(format!("snap-{t}")));
        assert!(compared > 200, "{t}: compared {compared} rows");
    }
    // Where each tenant is, as the agent reads it: reverted (its old file no
    // longer records the migration; the rule's new file says so).
    let status = mig_in(&dir, &["fleet", "status", "-f", "fleet.toml"]).ok();
    for t in TENANTS {
        let row = status
            .stdout
            .lines()
            .find(|l| l.contains(&format!("a0/{t}")))
            .unwrap_or_else(|| panic!("no row for {t}:\n{}", status.stdout));
        assert!(
            row.contains("reverted") && !row.contains("not started"),
            "{row}"
        );
    }
    // A second run has nothing left to revert and changes nothing.
    assert_eq!(audited(&agent.log(), "Revert"), 3, "{}", agent.log());
    mig_in(&dir, &["fleet", "revert", "-f", "fleet.toml", "--yes"]).ok();
    assert_eq!(audited(&agent.log(), "Revert"), 3, "{}", agent.log());
}

/// A rollout record frozen while the fleet file said `databases = "*"`
/// (by a rollout that migrated every tenant and postponed their cutover)
/// is not continued once the file says `databases = "t000"`: only t000 is
/// drained and cut over, the others are left recording.
#[test]
fn a_rollout_after_narrowing_databases_acts_on_the_new_selection_not_the_old_record() {
    let (tmp, agent) = tenant_site(&TENANTS);
    let dir = tmp.path().to_path_buf();
    let text = std::fs::read_to_string(dir.join("fleet.toml")).expect("fleet.toml");
    let first = mig_in(
        &dir,
        &[
            "fleet",
            "rollout",
            "-f",
            "fleet.toml",
            "--yes",
            "--postpone-cutover",
        ],
    )
    .ok();
    first.line_starting("rollout r");
    assert!(dir.join("fleet.rollout.json").exists());
    std::fs::write(
        dir.join("fleet.toml"),
        text.replace("databases = \"*\"", "databases = \"t000\""),
    )
    .expect("narrowed fleet.toml");
    mig_in(&dir, &["fleet", "rollout", "-f", "fleet.toml", "--yes"]).ok();
    let drained = |t: &str| {
        let log = agent.log();
        log.lines()
            .any(|l| l.contains("rpc=\"Drain\"") && l.contains(&format!("database=\"{t}\"")))
    };
    assert!(drained("t000"), "{}", agent.log());
    assert!(!drained("t001") && !drained("t002"), "{}", agent.log());
}
