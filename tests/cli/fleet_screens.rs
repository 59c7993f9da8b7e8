//! What a new operator with hundreds of tenants reads on a fleet's
//! screens (a real `mig-agent` serving a folder of tenants over mutual
//! TLS): the compact summary above 50 targets says how long writes were
//! refused (median, max and where); a tenant asked for by a link's name
//! says which name serves its file; a tenant file deleted mid-run says it
//! was removed since the rollout started, and what to do.

use std::os::unix::fs::PermissionsExt;

use crate::support::tenant_site::{old_db, tenant_site, tenant_site_with};

use super::harness::{mig_in, FAILED};
use super::real_agent::operator_on;

#[test]
fn a_compact_fleet_summary_gives_median_and_max_writes_refused_and_where() {
    let names: Vec<String> = (0..51).map(|i| format!("t{i:02}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let (tmp, _agent) = tenant_site(&refs);
    let dir = tmp.path();
    let fleet = std::fs::read_to_string(dir.join("fleet.toml")).expect("fleet");
    std::fs::write(
        dir.join("fleet.toml"),
        fleet.replace("[defaults]\n", "[defaults]\nconcurrency = 4\n"),
    )
    .expect("fleet");
    let run = mig_in(dir, &["fleet", "rollout", "--yes"]).ok();
    assert!(
        run.stdout.contains("51 cut over"),
        "not every tenant cut over: {run:#?}"
    );
    let line = run
        .stdout
        .lines()
        .find(|l| l.starts_with("writes refused for 51 target(s): median "))
        .unwrap_or_else(|| panic!("no refused line: {}", run.stdout));
    let ms = |s: &str| -> f64 { s.trim_end_matches(" ms").parse().expect("ms") };
    let rest = line
        .trim_start_matches("writes refused for 51 target(s): median ")
        .to_string();
    let (median, rest) = rest.split_once(", max ").expect("max");
    let (max, at) = rest.split_once(" (").expect("where");
    let at = at.trim_end_matches(')');
    assert!(ms(median) <= ms(max), "{line}");
    assert!(names.iter().any(|n| at == format!("a0/{n}")), "{line}");
}

#[test]
fn a_tenant_asked_for_by_its_link_name_says_which_name_serves_its_file() {
    let (tmp, agent) = tenant_site(&["acme"]);
    let dir = tmp.path();
    std::os::unix::fs::symlink("acme.db", dir.join("a0/tenants/acme-legacy.db")).expect("link");
    let status = operator_on(&agent, "acme-legacy", dir.to_path_buf())(&["status"]);
    status.fails(
        FAILED,
        "status failed: database \"acme-legacy\" is not served on its own: its file is a link to the file served as database \"acme\"; use --database acme",
    );
    operator_on(&agent, "acme", dir.to_path_buf())(&["status"]).ok();
}

/// Removes the tenant `globex` when the agent is about to cut `acme` over.
const REMOVE_GLOBEX: &str = "#!/bin/sh\nrm -f \"$(dirname \"$0\")/../tenants/globex.db\"\n";

#[test]
fn a_tenant_file_deleted_mid_rollout_is_named_as_removed_since_the_rollout_started() {
    let (tmp, _agent) = tenant_site_with(&["acme", "globex"], "\n[hooks]\ndir = \"hooks\"\n");
    let dir = tmp.path();
    let hooks = dir.join("a0/hooks");
    std::fs::create_dir_all(&hooks).expect("hooks");
    let hook = hooks.join("on-before-cutover");
    std::fs::write(&hook, REMOVE_GLOBEX).expect("hook");
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let fleet = std::fs::read_to_string(dir.join("fleet.toml")).expect("fleet");
    std::fs::write(
        dir.join("fleet.toml"),
        fleet.replace("[defaults]\n", "[defaults]\nconcurrency = 1\n"),
    )
    .expect("fleet");
    let run = mig_in(dir, &["fleet", "rollout", "--yes"]);
    assert!(!old_db(dir, "globex").exists());
    let row = run
        .stdout
        .lines()
        .find(|l| l.starts_with("a0/globex "))
        .unwrap_or_else(|| panic!("no globex row: {run:#?}"));
    assert!(
        row.contains("was removed since the rollout started"),
        "{run:#?}"
    );
    assert!(!row.contains("check the path"), "{row}");
    // What it says to do works: a re-run leaves the removed tenant out.
    let again = mig_in(dir, &["fleet", "rollout", "--yes"]).ok();
    let left_out = again.line_starting("1 database(s) of rollout ");
    assert!(
        left_out.ends_with("(removed since it started), left out: a0/globex"),
        "{left_out}"
    );
}
