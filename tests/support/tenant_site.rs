//! One operator's tenant site, as the fleet and tenant CLI tests start it:
//! a folder `a0/tenants/` of old databases (`revert_case`'s schema), an agent
//! serving it as a `[[database_set]]` over mutual TLS, `schema.sql` and
//! `fleet.toml` naming every tenant (`databases = "*"`); and where each
//! tenant's files are.

use std::path::{Path, PathBuf};

use super::agent::{Setup, TestAgent};
use super::revert_case as case;

/// The database set the agent serves (a revert window, so `fleet revert`
/// has a way back).
const SET: &str =
    "\n[[database_set]]\ndir = \"tenants\"\npattern = \"*.db\"\nrevert_window = \"1h\"\n";

/// The site with `tenants` (old databases), in a fresh temp folder.
pub fn tenant_site(tenants: &[&str]) -> (tempfile::TempDir, TestAgent) {
    tenant_site_with(tenants, "")
}

/// [`tenant_site`] with more of `agent.toml` before the set (`[hooks]`).
pub fn tenant_site_with(tenants: &[&str], extra: &str) -> (tempfile::TempDir, TestAgent) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    std::fs::write(dir.join("schema.sql"), case::SCHEMA).expect("schema");
    let home = dir.join("a0");
    std::fs::create_dir_all(home.join("tenants")).expect("tenants dir");
    for t in tenants {
        case::create_old(&old_db(dir, t));
    }
    let setup = Setup {
        extra: format!("{extra}{SET}"),
        ..Setup::default()
    };
    let agent = TestAgent::start_with(&home, &[], setup);
    write_fleet(dir, &agent);
    (tmp, agent)
}

fn write_fleet(dir: &Path, agent: &TestAgent) {
    let fleet = format!(
        "[defaults]\nschema = \"schema.sql\"\naccept_data_loss = true\nmax_failures = 1\n\n[[target]]\nname = \"a0\"\nagent = {:?}\ndatabases = \"*\"\nca = \"a0/certs/ca.pem\"\ncert = \"a0/certs/operator.pem\"\nkey = \"a0/certs/operator-key.pem\"\n",
        agent.url()
    );
    std::fs::write(dir.join("fleet.toml"), fleet).expect("fleet.toml");
}

/// `<dir>/a0/tenants/<t>.db`.
pub fn old_db(dir: &Path, t: &str) -> PathBuf {
    dir.join("a0").join("tenants").join(format!("{t}.db"))
}

/// `<dir>/a0/tenants-<hash>/<t>.db`, the set's default new file rule.
pub fn new_db(dir: &Path, t: &str) -> PathBuf {
    let home = dir.join("a0");
    let folder = std::fs::read_dir(&home)
        .expect("home")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|n| n.starts_with("tenants-"))
        .expect("a tenants-<hash> folder");
    home.join(folder).join(format!("{t}.db"))
}

/// How many times the agent's audit log shows `rpc` called.
pub fn audited(log: &str, rpc: &str) -> usize {
    let rpc = format!("rpc=\"{rpc}\"");
    log.lines()
        .filter(|l| l.contains("mig::audit") && l.contains(&rpc))
        .count()
}
