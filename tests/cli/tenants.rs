//! Database per tenant (issue 16), against real `mig-agent` processes
//! serving folders of databases (`[[database_set]]`) over mutual TLS: a
//! tenant added at run time is served without a restart; a fleet target
//! naming `databases = "*"` expands and its set is frozen in the rollout
//! record; `--rehearse-all` with one failing tenant starts nothing; a
//! rollout killed midway and re-run finishes every tenant exactly once;
//! tenants written to by their own service processes (Python's sqlite3)
//! end equal to the oracle.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::support::agent::{Setup, TestAgent};
use crate::support::{fixture, oracle};

use super::harness::{mig_in, Run, FAILED};

const SET: &str = "\n[[database_set]]\ndir = \"tenants\"\npattern = \"*.db\"\n";

/// Agents `a0`, `a1`... each serving `<home>/tenants/*.db`.
struct Site {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    agents: Vec<TestAgent>,
}

impl Site {
    fn start(agents: usize, tenants: usize, rows: i64) -> Site {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().to_path_buf();
        std::fs::write(dir.join("schema.sql"), fixture::NEW_SCHEMA).expect("schema");
        let mut started = Vec::new();
        for a in 0..agents {
            let home = dir.join(format!("a{a}"));
            std::fs::create_dir_all(home.join("tenants")).expect("tenants dir");
            for t in 0..tenants {
                drop(fixture::create_old(&tenant_path(&home, &tenant(t)), rows));
            }
            let setup = Setup {
                extra: SET.to_string(),
                ..Setup::default()
            };
            started.push(TestAgent::start_with(&home, &[], setup));
        }
        Site {
            _tmp: tmp,
            dir,
            agents: started,
        }
    }

    fn home(&self, agent: usize) -> PathBuf {
        self.dir.join(format!("a{agent}"))
    }

    fn old(&self, agent: usize, tenant: &str) -> PathBuf {
        tenant_path(&self.home(agent), tenant)
    }

    /// The tenant's new database: `<home>/tenants-<hash>/<tenant>.db`.
    fn new_db(&self, agent: usize, tenant: &str) -> PathBuf {
        let home = self.home(agent);
        let folder = std::fs::read_dir(&home)
            .expect("home")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .find(|n| n.starts_with("tenants-"))
            .unwrap_or_else(|| panic!("no tenants-<hash> folder in {}", home.display()));
        home.join(folder).join(format!("{tenant}.db"))
    }

    /// One `[[target]]` per agent, every database of it.
    fn write_fleet(&self, defaults: &str) {
        let mut text = format!("[defaults]\nschema = \"schema.sql\"\n{defaults}\n");
        for (a, agent) in self.agents.iter().enumerate() {
            text.push_str(&format!(
                "\n[[target]]\nname = \"a{a}\"\nagent = {:?}\ndatabases = \"*\"\nca = \"a{a}/certs/ca.pem\"\ncert = \"a{a}/certs/operator.pem\"\nkey = \"a{a}/certs/operator-key.pem\"\n",
                agent.url()
            ));
        }
        std::fs::write(self.dir.join("fleet.toml"), text).expect("fleet.toml");
    }

    fn mig(&self, args: &[&str]) -> Run {
        mig_in(&self.dir, args)
    }

    /// `mig --agent ... <args>` with the operator's certificate.
    fn remote(&self, agent: usize, args: &[&str]) -> Run {
        let certs = self.home(agent).join("certs");
        let p = |f: &str| certs.join(f).display().to_string();
        let url = self.agents[agent].url();
        let (ca, cert, key) = (p("ca.pem"), p("operator.pem"), p("operator-key.pem"));
        let mut all = vec![
            "--agent",
            url.as_str(),
            "--ca",
            &ca,
            "--cert",
            &cert,
            "--key",
            &key,
        ];
        all.extend_from_slice(args);
        self.mig(&all)
    }

    fn record(&self) -> serde_json::Value {
        let text = std::fs::read_to_string(self.dir.join("fleet.rollout.json")).expect("record");
        serde_json::from_str(&text).expect("record json")
    }
}

fn tenant(i: usize) -> String {
    format!("t{i:03}")
}

fn tenant_path(home: &Path, tenant: &str) -> PathBuf {
    home.join("tenants").join(format!("{tenant}.db"))
}

/// The summary row of a target (the last line starting with its name).
fn row<'a>(run: &'a Run, target: &str) -> &'a str {
    let prefix = format!("{target} ");
    run.stdout
        .lines()
        .rev()
        .find(|l| l.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no row for {target} in:\n{}", run.stdout))
}

#[test]
fn a_folder_served_agent_picks_up_a_tenant_added_at_run_time() {
    let site = Site::start(1, 2, 5);
    let listed = site.remote(0, &["databases"]).ok();
    assert_eq!(listed.stdout.lines().count(), 2, "{listed:#?}");
    assert!(row(&listed, "t000").ends_with("not started"), "{listed:#?}");

    drop(fixture::create_old(&site.old(0, "t002"), 5));
    std::fs::write(site.home(0).join("tenants/notes.txt"), "not a database").expect("file");
    let listed = site.remote(0, &["databases"]).ok();
    assert_eq!(listed.stdout.lines().count(), 3, "{listed:#?}");
    assert!(row(&listed, "t002").ends_with("not started"), "{listed:#?}");

    // Named before any listing: discovered by the request itself.
    drop(fixture::create_old(&site.old(0, "t003"), 7));
    site.remote(
        0,
        &["--database", "t003", "migrate", "--schema", "schema.sql"],
    )
    .ok();
    let status = site.remote(0, &["--database", "t003", "status"]).ok();
    assert!(status.stdout.contains("recording"), "{status:#?}");
    let new = site.new_db(0, "t003");
    assert!(new.exists(), "{}", new.display());
    assert!(!site.new_db(0, "t002").exists(), "only t003 was migrated");
    site.remote(0, &["--database", "t003", "drain"]).ok();
    site.remote(0, &["--database", "t003", "cutover"]).ok();
    oracle::assert_matches(&site.old(0, "t003"), &new);
    site.remote(0, &["--database", "t999", "status"])
        .fails(FAILED, "status failed: unknown database \"t999\"");
}

#[test]
fn a_wildcard_target_expands_and_its_set_is_frozen_in_the_rollout_record() {
    let site = Site::start(2, 3, 5);
    site.write_fleet("concurrency = 3");
    let run = site.mig(&["fleet", "rollout", "--yes"]).ok();
    assert!(
        run.stdout.contains("a0: 3 database(s) on https://"),
        "{run:#?}"
    );
    for a in 0..2 {
        for t in 0..3 {
            let name = format!("a{a}/{}", tenant(t));
            assert!(row(&run, &name).contains("  cut over  "), "{run:#?}");
        }
    }
    let record = site.record();
    let id = record["rollout"].as_str().expect("id").to_string();
    assert_eq!(
        record["databases"]["a0"],
        serde_json::json!(["t000", "t001", "t002"])
    );
    assert!(
        run.stdout
            .contains(&format!("rollout {id}: 6 database(s) frozen in ")),
        "{run:#?}"
    );

    // A tenant added since is not in this rollout unless asked for.
    drop(fixture::create_old(&site.old(0, "t003"), 5));
    let again = site.mig(&["fleet", "rollout", "--yes"]).ok();
    assert!(
        again
            .stdout
            .contains("1 database(s) served now are not in rollout "),
        "{again:#?}"
    );
    // Nothing of it left to start: one line, the record as it was.
    again.has_line(
        "nothing to start: all 6 target(s) are cut over already; fleet.rollout.json left as it was",
    );
    assert!(!again.stdout.contains("a0/t003"), "{again:#?}");
    assert_eq!(site.record()["rollout"], id.as_str());

    let added = site.mig(&["fleet", "rollout", "--yes", "--add-new"]).ok();
    assert!(
        row(&added, "a0/t003").contains("  cut over  "),
        "{added:#?}"
    );
    let record = site.record();
    assert_eq!(record["rollout"], id.as_str(), "the same rollout");
    assert_eq!(record["databases"]["a0"].as_array().map(Vec::len), Some(4));
    let status = site.mig(&["fleet", "status"]).ok();
    assert!(
        row(&status, "a0/t003").contains("  cut over  "),
        "{status:#?}"
    );
    oracle::assert_matches(&site.old(0, "t003"), &site.new_db(0, "t003"));
}

#[test]
fn a_rehearse_all_gate_with_one_failing_tenant_starts_nothing() {
    let site = Site::start(1, 4, 5);
    // One tenant lost a table the schema reads from.
    let conn = rusqlite::Connection::open(site.old(0, "t002")).expect("open");
    conn.execute_batch("DROP TABLE Tag").expect("drop");
    drop(conn);
    site.write_fleet("");
    let run = site.mig(&["fleet", "rollout", "--yes", "--rehearse-all"]);
    let line = run.fails(FAILED, "fleet rollout failed: nothing started: 1 of 4 planned target(s) cannot run (a0/t002; see above)");
    assert!(
        line.ends_with("fix them or remove them from the fleet file"),
        "{run:#?}"
    );
    assert!(run.stdout.contains("a0/t002"), "{run:#?}");
    let status = site.mig(&["fleet", "status"]).ok();
    for t in 0..4 {
        let name = format!("a0/{}", tenant(t));
        assert!(
            row(&status, &name).contains("  not started  "),
            "{status:#?}"
        );
    }
    let folders = std::fs::read_dir(site.home(0)).expect("home").flatten();
    assert!(
        folders
            .map(|e| e.file_name())
            .all(|n| !n.to_string_lossy().starts_with("tenants-")),
        "a new database was created"
    );
}

/// Counts the agent's `job ended` lines for a database, per kind and outcome.
fn jobs_ended(log: &str, database: &str, kind: &str) -> Vec<String> {
    log.lines()
        .filter(|l| l.contains("job ended"))
        .filter(|l| l.contains(&format!("database={database} ")))
        .filter(|l| l.contains(&format!("job={kind}-")))
        .map(|l| l.to_string())
        .collect()
}

#[test]
fn a_rollout_killed_midway_and_re_run_completes_every_tenant_exactly_once() {
    let (agents, tenants) = (2, 6);
    let site = Site::start(agents, tenants, 40);
    site.write_fleet("concurrency = 2");
    let mut child = Command::new(env!("CARGO_BIN_EXE_mig"))
        .current_dir(&site.dir)
        .args(["--json", "fleet", "rollout", "--yes"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn mig");
    wait_for_cut_overs(&mut child, 3);
    child.kill().expect("kill mig");
    child.wait().expect("reap mig");
    let id = site.record()["rollout"].as_str().expect("id").to_string();

    let run = site.mig(&["--json", "fleet", "rollout", "--yes"]).ok();
    let summary: serde_json::Value =
        serde_json::from_str(run.stdout.lines().last().expect("summary")).expect("json");
    assert_eq!(
        summary["rollout"],
        id.as_str(),
        "the re-run continues the same rollout"
    );
    let targets = summary["targets"].as_array().expect("targets");
    assert_eq!(targets.len(), agents * tenants, "{summary:#}");
    assert!(
        targets.iter().all(|t| t["state"] == "cut over"),
        "{summary:#}"
    );
    for (a, agent) in site.agents.iter().enumerate() {
        let log = agent.log();
        for t in 0..tenants {
            let db = tenant(t);
            for kind in ["migrate", "drain"] {
                let ended = jobs_ended(&log, &db, kind);
                assert_eq!(ended.len(), 1, "a{a}/{db}: {kind} jobs: {ended:#?}");
                assert!(ended[0].contains("completed"), "{ended:#?}");
            }
            oracle::assert_matches(&site.old(a, &db), &site.new_db(a, &db));
        }
    }
}

/// Reads the rollout's JSON lines until `n` targets are cut over.
fn wait_for_cut_overs(child: &mut Child, n: usize) {
    let out = child.stdout.take().expect("stdout");
    let mut seen = 0;
    for line in BufReader::new(out).lines() {
        let line = line.expect("a line");
        if line.contains("\"event\":\"state\"") && line.contains("\"state\":\"cut over\"") {
            seen += 1;
            if seen == n {
                return;
            }
        }
    }
    panic!("the rollout ended before {n} targets were cut over");
}

/// A tenant's service: `tests/support/tenant_writer.py` in its own process.
struct ServiceWriter {
    child: Option<Child>,
    stop: PathBuf,
}

impl ServiceWriter {
    fn start(db: &Path, seed: u64) -> ServiceWriter {
        let stop = db.with_extension("stop");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/tenant_writer.py");
        let child = Command::new("python3")
            .arg(script)
            .arg(db)
            .arg(seed.to_string())
            .arg(&stop)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("python3 runs the tenant writer");
        ServiceWriter {
            child: Some(child),
            stop,
        }
    }

    /// Stops it; (committed, refused by mig).
    fn stop(mut self) -> (u64, u64) {
        std::fs::write(&self.stop, b"").expect("stop file");
        let child = self.child.take().expect("a running writer");
        let out = child.wait_with_output().expect("writer output");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "the writer failed: {}{text}",
            String::from_utf8_lossy(&out.stderr)
        );
        let n: Vec<u64> = text
            .split_whitespace()
            .filter_map(|w| w.parse().ok())
            .collect();
        (n[0], n[1])
    }
}

impl Drop for ServiceWriter {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

#[test]
fn tenants_written_by_their_own_service_processes_match_the_oracle() {
    let site = Site::start(2, 4, 60);
    site.write_fleet("concurrency = 2");
    let written = [(0, "t001"), (0, "t003"), (1, "t000"), (1, "t002")];
    let writers: Vec<ServiceWriter> = written
        .iter()
        .enumerate()
        .map(|(i, (a, t))| ServiceWriter::start(&site.old(*a, t), i as u64 + 1))
        .collect();
    let run = site.mig(&["fleet", "rollout", "--yes"]).ok();
    assert!(run.stdout.contains("rollout "), "{run:#?}");
    for w in writers {
        let (committed, _refused) = w.stop();
        assert!(committed > 0, "a writer committed nothing");
    }
    for (a, t) in written.iter().chain(&[(0, "t000"), (1, "t003")]) {
        let compared = oracle::assert_matches(&site.old(*a, t), &site.new_db(*a, t));
        assert!(compared > 0, "a{a}/{t}");
    }
}
