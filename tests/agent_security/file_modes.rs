//! The files mig creates beside a database take that database's mode, as
//! a security review checks them: a private (0600) old database must not
//! yield a world-readable new one, nor a group-shared (0660) one a new
//! database its service's group cannot write after the cutover. A real
//! agent migrates both through the `mig` client; the WAL and shared-memory
//! files SQLite creates follow the database file's mode.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::cli::harness::mig_in;
use crate::support::agent::TestAgent;
use crate::support::fixture;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

fn old_with_mode(dir: &Path, name: &str, mode: u32) -> std::path::PathBuf {
    let old = dir.join(format!("{name}.db"));
    drop(fixture::create_old(&old, 50));
    std::fs::set_permissions(&old, std::fs::Permissions::from_mode(mode)).expect("chmod");
    old
}

/// `mig --agent … --ca --cert --key` as the operator.
fn operator_args(agent: &TestAgent) -> Vec<String> {
    crate::cli::real_agent::as_who(agent, "operator")
}

#[test]
fn the_new_database_and_its_wal_take_the_old_databases_mode_not_the_umasks() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let cases = [("private", 0o600), ("shared", 0o660)];
    let dbs: Vec<_> = cases
        .iter()
        .map(|(name, m)| {
            let old = old_with_mode(dir, name, *m);
            (name, old, dir.join(format!("{name}-new.db")))
        })
        .collect();
    let served: Vec<_> = dbs
        .iter()
        .map(|(name, old, new)| (**name, old.as_path(), new.as_path()))
        .collect();
    let agent = TestAgent::start(dir, &served);
    std::fs::write(dir.join("schema.sql"), fixture::NEW_SCHEMA).expect("schema");
    let operator = operator_args(&agent);
    for ((name, wanted), (_, _, new)) in cases.iter().zip(&dbs) {
        let mut args: Vec<&str> = operator.iter().map(String::as_str).collect();
        args.extend(["--database", name, "migrate", "--schema", "schema.sql"]);
        mig_in(dir, &args).ok();
        // The service's next connection makes the WAL and shared memory
        // (SQLite gives them the database file's mode): read it once.
        let conn = rusqlite::Connection::open(new).expect("open new");
        let _: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
            .expect("read new");
        for suffix in ["", "-wal", "-shm"] {
            let file = std::path::PathBuf::from(format!("{}{suffix}", new.display()));
            assert_eq!(
                mode(&file),
                *wanted,
                "{} (old database {name} is {wanted:o})",
                file.display()
            );
        }
    }
}

#[test]
fn an_agent_key_readable_by_others_is_warned_about_with_the_fix() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let old = old_with_mode(dir, "shop", 0o600);
    let mut agent = TestAgent::start(dir, &[("shop", &old, &dir.join("new.db"))]);
    let key = agent.certs.join("agent-key.pem");
    assert_eq!(mode(&key), 0o600, "mig certs init wrote the key");
    assert!(
        !agent.log().contains("readable by other users"),
        "{}",
        agent.log()
    );
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    agent.kill();
    agent.spawn();
    let log = agent.log();
    let wanted = format!(
        "the agent's private key {} is readable by other users (mode 0644): `chmod 600 {}`",
        key.display(),
        key.display()
    );
    assert!(log.contains(&wanted), "{log}");
}

/// The client's own key: readable by others, every command still runs and
/// says so once on stderr with the fix; private, it says nothing.
#[test]
fn a_client_key_readable_by_others_is_warned_about_with_the_fix() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let old = old_with_mode(dir, "shop", 0o600);
    let agent = TestAgent::start(dir, &[("shop", &old, &dir.join("new.db"))]);
    let key = agent.certs.join("operator-key.pem");
    let status = || {
        let mut args = operator_args(&agent);
        args.push("status".into());
        mig_in(dir, &args.iter().map(String::as_str).collect::<Vec<_>>()).ok()
    };
    assert_eq!(mode(&key), 0o600, "mig certs init wrote the key");
    let private = status();
    assert!(!private.stderr.contains("readable"), "{private:#?}");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    let shared = status();
    let wanted = format!(
        "warning: --key {} is readable by other users (mode 0640); anyone who reads it can act as this client: `chmod 600 {}`",
        key.display(),
        key.display()
    );
    assert_eq!(shared.stderr.trim_end(), wanted, "{shared:#?}");
    assert_eq!(shared.stdout, private.stdout, "the command ran as before");
}

/// `plan --rehearse` copies the whole old database into a temporary folder:
/// while it runs (held at the rehearsal's own `migrate.after-create`), the
/// folder is the agent's alone and the copy keeps the old database's mode.
#[test]
fn the_rehearsal_copy_of_a_private_database_is_private_while_it_runs() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let old = old_with_mode(dir, "shop", 0o600);
    let mut agent = TestAgent::start(dir, &[("shop", &old, &dir.join("new.db"))]);
    let scratch = dir.join("scratch");
    std::fs::create_dir(&scratch).expect("scratch");
    std::fs::set_permissions(&scratch, std::fs::Permissions::from_mode(0o1777)).expect("chmod");
    let held = dir.join("gate");
    let gate = format!("migrate.after-create:{}", held.display());
    agent.kill();
    agent.spawn_with_env(&[
        ("TMPDIR", scratch.to_str().expect("utf-8")),
        ("MIG_FAILPOINT_GATE", &gate),
    ]);
    std::fs::write(dir.join("schema.sql"), fixture::NEW_SCHEMA).expect("schema");
    let args = operator_args(&agent);
    let seen = std::thread::scope(|scope| {
        let client = scope.spawn(|| {
            let mut all: Vec<&str> = args.iter().map(String::as_str).collect();
            all.extend([
                "--database",
                "shop",
                "plan",
                "--rehearse",
                "--schema",
                "schema.sql",
            ]);
            mig_in(dir, &all)
        });
        while !held.exists() {
            assert!(!client.is_finished(), "the rehearsal ended before its gate");
            // Polling a condition: the agent reaching its gate.
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        let folder = std::fs::read_dir(&scratch)
            .expect("scratch")
            .flatten()
            .map(|e| e.path())
            .find(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("mig-rehearse-"))
            })
            .expect("the rehearsal folder");
        let seen = (mode(&folder), mode(&folder.join("old.db")));
        std::fs::remove_file(&held).expect("opening the gate");
        client.join().expect("client").ok();
        seen
    });
    assert_eq!(seen.0, 0o700, "the rehearsal folder");
    assert_eq!(seen.1, 0o600, "the rehearsal's copy of the old database");
}
