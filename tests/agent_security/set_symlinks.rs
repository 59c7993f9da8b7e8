//! A `[[database_set]]` serves the databases in its folder and nothing
//! else: a symbolic link in the folder to a database elsewhere (placed by
//! a tenant's service, or by mistake) is not served, so no client can reach
//! a file the agent's config does not name. A link to a file inside the
//! folder (a version kept in a subfolder behind a link) is still served.

use std::path::Path;

use crate::cli::harness::{mig_in, Run};
use crate::support::agent::TestAgent;
use crate::support::revert_case as case;
use crate::support::tenant_site::{old_db, tenant_site};

fn operator(agent: &TestAgent, dir: &Path, args: &[&str]) -> Run {
    let certs = agent.certs.display().to_string();
    let (ca, cert, key) = (
        format!("{certs}/ca.pem"),
        format!("{certs}/operator.pem"),
        format!("{certs}/operator-key.pem"),
    );
    let url = agent.url();
    let mut all = vec!["--agent", &url, "--ca", &ca, "--cert", &cert, "--key", &key];
    all.extend_from_slice(args);
    mig_in(dir, &all)
}

#[test]
fn a_link_in_a_database_set_to_a_file_outside_its_folder_is_not_served() {
    let (tmp, agent) = tenant_site(&["acme"]);
    let dir = tmp.path();
    let elsewhere = dir.join("elsewhere");
    std::fs::create_dir_all(&elsewhere).expect("folder");
    let secret = elsewhere.join("payroll.db");
    case::create_old(&secret);
    let tenants = old_db(dir, "acme")
        .parent()
        .expect("set folder")
        .to_path_buf();
    std::os::unix::fs::symlink(&secret, tenants.join("payroll.db")).expect("link out");
    let versions = tenants.join("versions");
    std::fs::create_dir(&versions).expect("versions");
    case::create_old(&versions.join("beta-v2.db"));
    std::os::unix::fs::symlink("versions/beta-v2.db", tenants.join("beta.db")).expect("link in");

    let listed = operator(&agent, dir, &["databases"]).ok();
    assert!(listed.stdout.contains("acme"), "{listed:#?}");
    assert!(listed.stdout.contains("beta"), "{listed:#?}");
    assert!(!listed.stdout.contains("payroll"), "{listed:#?}");

    let refused = operator(
        &agent,
        dir,
        &["--database", "payroll", "migrate", "--schema", "schema.sql"],
    );
    assert_ne!(refused.code, 0, "{refused:#?}");
    assert!(
        refused.stderr.contains("unknown database") || refused.stderr.contains("no database"),
        "{refused:#?}"
    );
    let objects = crate::support::runbook::mig_objects(&secret);
    assert_eq!(
        objects,
        Vec::<String>::new(),
        "mig touched the outside file"
    );
}
