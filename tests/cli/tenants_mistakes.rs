//! A new operator's rollout over a folder of tenants (`[[database_set]]`,
//! a real `mig-agent` over mutual TLS): what went wrong for them, each
//! pinned. A tenant kept under a second name as a symlink (a renamed
//! customer) is one database, served once, not two migrations of one file.
//! A rollout cuts each tenant over in its drain's job (`drain --cutover`),
//! so writes are refused from the freeze to readiness only, and its summary
//! says for how long. A tenant removed (offboarded) after the rollout
//! froze its set is left out of a re-run, named, instead of stopping every
//! re-run at its gate with advice that cannot be followed under `"*"`.
//! An agent restarted mid-rollout (its supervisor, a deploy) does not fail
//! the tenants it was working on: the rollout asks again and finishes them.

use crate::support::agent::{Setup, TestAgent};
use crate::support::tenant_site::{new_db, old_db as old};
use crate::support::writer::Writer;
use crate::support::{fixture, oracle};

use super::harness::{mig_in, Run, FAILED};

const SET: &str = "\n[[database_set]]\ndir = \"tenants\"\npattern = \"*.db\"\n";

/// `<tmp>/a0/tenants/<t>.db` for each tenant, an agent serving the folder,
/// `schema.sql` and `fleet.toml` (one target, every database).
pub(super) fn site(tenants: &[&str]) -> (tempfile::TempDir, TestAgent) {
    site_with(tenants, "")
}

/// [`site`] with more of `agent.toml` before the set (`[hooks]`).
fn site_with(tenants: &[&str], extra: &str) -> (tempfile::TempDir, TestAgent) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    std::fs::write(dir.join("schema.sql"), fixture::NEW_SCHEMA).expect("schema");
    let home = dir.join("a0");
    std::fs::create_dir_all(home.join("tenants")).expect("tenants dir");
    for t in tenants {
        drop(fixture::create_old(&old(dir, t), 30));
    }
    let setup = Setup {
        extra: format!("{extra}{SET}"),
        ..Setup::default()
    };
    let agent = TestAgent::start_with(&home, &[], setup);
    let fleet = format!(
        "[defaults]\nschema = \"schema.sql\"\n\n[[target]]\nname = \"a0\"\nagent = {:?}\ndatabases = \"*\"\nca = \"a0/certs/ca.pem\"\ncert = \"a0/certs/operator.pem\"\nkey = \"a0/certs/operator-key.pem\"\n",
        agent.url()
    );
    std::fs::write(dir.join("fleet.toml"), fleet).expect("fleet.toml");
    (tmp, agent)
}

/// The last stdout line starting with `target `.
fn row<'a>(run: &'a Run, target: &str) -> &'a str {
    let prefix = format!("{target} ");
    run.stdout
        .lines()
        .rev()
        .find(|l| l.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no row for {target} in:\n{}", run.stdout))
}

#[test]
fn a_tenant_symlinked_under_a_second_name_is_served_once_and_rolled_out_once() {
    let (tmp, agent) = site(&["acme", "globex"]);
    let dir = tmp.path();
    std::os::unix::fs::symlink("acme.db", dir.join("a0/tenants/acme-legacy.db")).expect("symlink");

    let status = mig_in(dir, &["fleet", "status"]).ok();
    assert!(
        !status.stdout.contains("a0/acme-legacy"),
        "one file, two databases: {status:#?}"
    );
    let run = mig_in(dir, &["fleet", "rollout", "--yes"]).ok();
    for t in ["acme", "globex"] {
        assert!(
            row(&run, &format!("a0/{t}")).contains("  cut over  "),
            "{run:#?}"
        );
        oracle::assert_matches(&old(dir, t), &new_db(dir, t));
    }
    let migrations = agent
        .log()
        .lines()
        .filter(|l| l.contains("rpc=\"Migrate\" database="))
        .count();
    assert_eq!(migrations, 2, "{}", agent.log());
}

#[test]
fn a_fleet_rollout_cuts_over_in_the_drain_job_and_says_how_long_writes_were_refused() {
    let (tmp, agent) = site(&["acme"]);
    let dir = tmp.path();
    let writer = Writer::start(old(dir, "acme"), 7);
    writer.wait_committed(5);
    let run = mig_in(dir, &["fleet", "rollout", "--yes"]).ok();
    let stats = writer.stop();
    assert!(stats.committed > 0, "the writer committed nothing");
    let line = row(&run, "a0/acme");
    assert!(line.contains("  cut over  "), "{run:#?}");
    assert!(
        line.contains("  this run: migrate, drain, cutover; writes refused for ")
            && line.ends_with(" ms"),
        "{run:#?}"
    );
    let log = agent.log();
    assert!(
        log.lines()
            .any(|l| l.contains("rpc=\"Drain\" database=acme ") && l.contains("cutover=true")),
        "the drain did not cut over: {log}"
    );
    assert!(
        !log.contains("rpc=\"Cutover\""),
        "a second call held writes refused: {log}"
    );
    oracle::assert_matches(&old(dir, "acme"), &new_db(dir, "acme"));
}

#[test]
fn a_tenant_removed_after_the_rollout_froze_its_set_is_left_out_of_the_re_run_by_name() {
    let (tmp, _agent) = site(&["acme", "globex", "initech"]);
    let dir = tmp.path();
    mig_in(dir, &["fleet", "rollout", "--yes", "--postpone-cutover"]).ok();
    for sidecar in ["", "-wal", "-shm"] {
        let path = dir.join(format!("a0/tenants/acme.db{sidecar}"));
        if path.exists() {
            std::fs::remove_file(path).expect("offboard acme");
        }
    }
    let run = mig_in(dir, &["fleet", "rollout", "--yes"]).ok();
    run.line_starting("1 database(s) of rollout r");
    assert!(
        run.stdout.contains(
            " are no longer served by their agent (removed since it started), left out: a0/acme\n"
        ),
        "{run:#?}"
    );
    for t in ["globex", "initech"] {
        assert!(
            row(&run, &format!("a0/{t}")).contains("  cut over  "),
            "{run:#?}"
        );
        oracle::assert_matches(&old(dir, t), &new_db(dir, t));
    }
    let status = mig_in(dir, &["fleet", "status"]).ok();
    assert!(!status.stdout.contains("a0/acme "), "{status:#?}");
}

/// An `on-before-cutover` hook that says it was reached, then waits for a
/// `release` file beside it.
const HOLD: &str = "#!/bin/sh\ntouch \"$(dirname \"$0\")/reached\"\nwhile [ ! -f \"$(dirname \"$0\")/release\" ]; do sleep 0.02; done\n";

#[test]
fn an_agent_restarted_mid_rollout_does_not_fail_its_tenants_the_rollout_asks_again() {
    use std::os::unix::fs::PermissionsExt;
    let (tmp, mut agent) = site_with(&["acme"], "\n[hooks]\ndir = \"hooks\"\n");
    let dir = tmp.path();
    let hooks = dir.join("a0/hooks");
    std::fs::create_dir_all(&hooks).expect("hooks");
    let hook = hooks.join("on-before-cutover");
    std::fs::write(&hook, HOLD).expect("hook");
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let cwd = dir.to_path_buf();
    let rollout = std::thread::spawn(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_mig"))
            .current_dir(cwd)
            .args(["fleet", "rollout", "--yes"])
            .output()
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !hooks.join("reached").exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "the hook was never reached"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // The agent goes away mid-drain and comes back on the same address.
    agent.kill();
    let config = std::fs::read_to_string(agent.config_path()).expect("agent.toml");
    let port = agent.url().rsplit(':').next().expect("port").to_string();
    let fixed = config.replace(
        "listen = \"127.0.0.1:0\"",
        &format!("listen = \"127.0.0.1:{port}\""),
    );
    std::fs::write(agent.config_path(), fixed).expect("agent.toml");
    std::fs::write(hooks.join("release"), b"").expect("release");
    agent.spawn();
    let out = rollout.join().expect("rollout thread").expect("mig runs");
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert_eq!(run.code, 0, "{run:#?}\n{}", agent.log());
    assert!(row(&run, "a0/acme").contains("  cut over  "), "{run:#?}");
    oracle::assert_matches(&old(dir, "acme"), &new_db(dir, "acme"));
}

#[test]
fn a_tenant_whose_schema_drifted_is_named_with_what_it_loses_and_a_target_of_its_own_fixes_it() {
    let (tmp, agent) = site(&["acme", "globex"]);
    let dir = tmp.path();
    // A hotfix once added a column to one tenant only.
    let conn = rusqlite::Connection::open(old(dir, "globex")).expect("open");
    conn.execute_batch("ALTER TABLE Customer ADD COLUMN Vip TEXT; UPDATE Customer SET Vip = 'yes'")
        .expect("hotfix");
    drop(conn);
    let run = mig_in(dir, &["fleet", "rollout", "--yes", "--rehearse-all"]);
    run.fails(FAILED, "fleet rollout failed: nothing started: 1 of 2 planned target(s) cannot run (a0/globex; see above)");
    let line = run.line_starting("  a0/globex: blocked: ");
    assert!(
        line.contains("the plan loses column Customer.Vip (")
            && line.contains("give it a [[target]] of its own (`databases = [\"globex\"]`; \"a0\" then leaves it out)"),
        "{run:#?}"
    );
    // What the line says to do.
    let mut fleet = std::fs::read_to_string(dir.join("fleet.toml")).expect("fleet.toml");
    fleet.push_str(&format!(
        "\n[[target]]\nname = \"hotfixed\"\nagent = {:?}\ndatabases = [\"globex\"]\naccept_data_loss = true\nca = \"a0/certs/ca.pem\"\ncert = \"a0/certs/operator.pem\"\nkey = \"a0/certs/operator-key.pem\"\n",
        agent.url()
    ));
    std::fs::write(dir.join("fleet.toml"), fleet).expect("fleet.toml");
    let run = mig_in(dir, &["fleet", "rollout", "--yes", "--rehearse-all"]).ok();
    for t in ["a0/acme", "hotfixed/globex"] {
        assert!(row(&run, t).contains("  cut over  "), "{run:#?}");
    }
    for t in ["acme", "globex"] {
        oracle::assert_matches(&old(dir, t), &new_db(dir, t));
    }
}
