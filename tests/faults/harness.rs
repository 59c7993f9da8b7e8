//! One crash scenario's world: a shop fixture in a temp folder, the `mig`
//! binary run with or without `MIG_FAILPOINT`, and the runbook steps.

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support::{fixture, oracle};

/// Customers in the fixture: more than the copy's first chunk (2,000 rows),
/// so a table is copied in at least two chunks and a kill can land mid-table.
pub const ROWS: i64 = 2_500;

/// The runbook's commands, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Migrate,
    Drain,
    Cutover,
    CleanupOld,
    Reset,
    /// `cutover --revert-window 1h`.
    CutoverWindow,
    Revert,
    Finalize,
}

pub const RUNBOOK: [Step; 4] = [Step::Migrate, Step::Drain, Step::Cutover, Step::CleanupOld];

pub struct World {
    _tmp: tempfile::TempDir,
    pub old: PathBuf,
    pub new: PathBuf,
    schema: PathBuf,
    /// `migrate --accept-data-loss` (the revert case drops columns).
    accept_data_loss: bool,
    /// Environment of every `mig` run (e.g. `MIG_BULK_LOAD_ABOVE_ROWS`).
    pub env: Vec<(&'static str, &'static str)>,
}

impl World {
    pub fn shop() -> World {
        let tmp = tempfile::tempdir().expect("tempdir");
        let old = tmp.path().join("old.db");
        let schema = tmp.path().join("schema.sql");
        drop(fixture::create_old(&old, ROWS));
        std::fs::write(&schema, fixture::NEW_SCHEMA).expect("schema");
        World {
            new: tmp.path().join("new.db"),
            old,
            schema,
            _tmp: tmp,
            accept_data_loss: false,
            // The failpoint scenarios kill the bulk load (rollback journal)
            // as on a large database; `random_kill` takes the tiny-copy path.
            // Two statements per paced schema transaction, so a kill can
            // land between them as on a database of many tables.
            // The id mapping removed 40 rows a statement, so a kill can
            // land between the removal's transactions.
            env: vec![
                ("MIG_BULK_LOAD_ABOVE_ROWS", "0"),
                ("MIG_PACED_STEPS", "2"),
                ("MIG_MAP_REMOVE_ROWS", "40"),
            ],
        }
    }

    /// The revert case (`support::revert_case`).
    pub fn revert_case() -> World {
        let tmp = tempfile::tempdir().expect("tempdir");
        let old = tmp.path().join("old.db");
        let schema = tmp.path().join("schema.sql");
        crate::support::revert_case::create_old(&old);
        std::fs::write(&schema, crate::support::revert_case::SCHEMA).expect("schema");
        World {
            new: tmp.path().join("new.db"),
            old,
            schema,
            _tmp: tmp,
            accept_data_loss: true,
            env: vec![("MIG_BULK_LOAD_ABOVE_ROWS", "0")],
        }
    }

    /// The folder the files are in.
    pub fn dir(&self) -> &Path {
        self._tmp.path()
    }

    /// The `mig` command line for `step`, local mode with explicit files.
    pub fn command(&self, step: Step) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_mig"));
        let files = [
            "--old".as_ref(),
            self.old.as_os_str(),
            "--new".as_ref(),
            self.new.as_os_str(),
        ];
        match step {
            Step::Migrate => cmd
                .arg("migrate")
                .args(files)
                .arg("--schema")
                .arg(&self.schema)
                .args(self.accept_data_loss.then_some("--accept-data-loss")),
            Step::Drain => cmd.arg("drain").args(files),
            Step::Cutover => cmd
                .arg("cutover")
                .args(["--new".as_ref(), self.new.as_os_str()]),
            Step::CleanupOld => cmd
                .arg("cleanup-old")
                .args(["--old".as_ref(), self.old.as_os_str()]),
            Step::Reset => cmd.args(["reset", "--yes"]).args(files),
            Step::CutoverWindow => cmd
                .arg("cutover")
                .args(files)
                .args(["--revert-window", "1h"]),
            Step::Revert => cmd.arg("revert").args(files),
            Step::Finalize => cmd.arg("finalize").args(files),
        };
        cmd.env_remove("MIG_FAILPOINT")
            .env_remove("MIG_CA")
            .env_remove("MIG_CERT")
            .env_remove("MIG_KEY")
            .envs(self.env.iter().copied());
        cmd
    }

    /// Runs `step`; panics unless it succeeds.
    pub fn ok(&self, step: Step) {
        let out = self.command(step).output().expect("run mig");
        assert!(out.status.success(), "{step:?} failed: {}", show(&out));
    }

    /// Runs `step` with `MIG_FAILPOINT=failpoint`; panics unless the process
    /// died at that point (SIGABRT after the failpoint's stderr line).
    pub fn killed_at(&self, step: Step, failpoint: &str) {
        let out = self
            .command(step)
            .env("MIG_FAILPOINT", failpoint)
            .output()
            .expect("run mig");
        self.died_at(step, failpoint, &out);
    }

    /// As [`World::killed_at`], but the process first waits at `gate` (a
    /// failpoint it passes earlier, `MIG_FAILPOINT_GATE`) while `meanwhile`
    /// runs: e.g. writes recorded after the copy, so the catch-up that
    /// follows always has a batch to be killed in.
    pub fn killed_at_after(
        &self,
        step: Step,
        failpoint: &str,
        gate: &str,
        meanwhile: impl FnOnce(),
    ) {
        let held = self.dir().join("failpoint-gate");
        let mut child = self
            .command(step)
            .env("MIG_FAILPOINT", failpoint)
            .env("MIG_FAILPOINT_GATE", format!("{gate}:{}", held.display()))
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn mig");
        while !held.exists() {
            if child.try_wait().expect("try_wait").is_some() {
                let out = child.wait_with_output().expect("mig output");
                panic!("{step:?} ended before its {gate} gate: {}", show(&out));
            }
            // Polling a condition: the process reaching its gate.
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        meanwhile();
        std::fs::remove_file(&held).expect("opening the gate");
        let out = child.wait_with_output().expect("mig output");
        self.died_at(step, failpoint, &out);
    }

    /// Asserts `out` is `step` killed at `failpoint`, and that `status`
    /// answers afterwards.
    fn died_at(&self, step: Step, failpoint: &str, out: &Output) {
        let name = failpoint.split('@').next().unwrap_or(failpoint);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.signal() == Some(libc_sigabrt())
                && stderr.contains(&format!("failpoint {name} hit; aborting")),
            "{step:?} with MIG_FAILPOINT={failpoint} did not die there: {}",
            show(out)
        );
        // The operator's first question after a crash must get an answer,
        // whatever the killed writer left (a hot journal, a WAL to recover).
        let status = Command::new(env!("CARGO_BIN_EXE_mig"))
            .args(["--old".as_ref(), self.old.as_os_str()])
            .args(["--new".as_ref(), self.new.as_os_str()])
            .arg("status")
            .env_remove("MIG_FAILPOINT")
            .output()
            .expect("run mig status");
        assert!(
            status.status.success(),
            "status after {step:?} killed at {failpoint} failed: {}",
            show(&status)
        );
    }

    /// Compares the new database with the oracle over the final old one.
    pub fn assert_matches(&self) -> usize {
        oracle::assert_matches(&self.old, &self.new)
    }

    /// Names of mig's tables and triggers left in the old database, but
    /// the retired guard (which cleanup-old keeps on purpose).
    pub fn old_leftovers(&self) -> Vec<String> {
        crate::support::runbook::mig_objects(&self.old)
            .into_iter()
            .filter(|n| !n.starts_with("_mig_guard_"))
            .collect()
    }

    /// The id mapping tables left in the new database.
    pub fn new_mappings(&self) -> Vec<String> {
        crate::support::runbook::mig_objects(&self.new)
            .into_iter()
            .filter(|n| n.starts_with("_mig_map_"))
            .collect()
    }

    /// The retired guard's triggers on the old database.
    pub fn old_guards(&self) -> usize {
        crate::support::runbook::mig_objects(&self.old)
            .iter()
            .filter(|n| n.starts_with("_mig_guard_"))
            .count()
    }
}

/// SIGABRT, what `std::process::abort` raises.
fn libc_sigabrt() -> i32 {
    6
}

pub fn show(out: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}
