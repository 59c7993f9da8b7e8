//! Runs the `mig` binary in a folder and checks its output the way an
//! operator reads it: whole lines, one error line, the exit code.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::fixture;

/// Exit codes documented in `client/exit.rs`.
pub const FAILED: i32 = 1;
pub const USAGE: i32 = 2;
pub const UNAVAILABLE: i32 = 3;
pub const BUSY: i32 = 6;

/// What one `mig` run printed, and how it exited.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Panics (with both outputs) unless the run exited 0.
    pub fn ok(self) -> Run {
        assert_eq!(self.code, 0, "expected success: {self:#?}");
        self
    }

    /// Asserts the exit code and that stderr is exactly one line starting
    /// with `prefix`; returns the line.
    pub fn fails(&self, code: i32, prefix: &str) -> &str {
        assert_eq!(self.code, code, "exit code: {self:#?}");
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "expected one stderr line: {self:#?}");
        assert!(
            lines[0].starts_with(prefix),
            "expected `{prefix}...`: {self:#?}"
        );
        lines[0]
    }

    /// Asserts stdout has this exact line.
    pub fn has_line(&self, line: &str) -> &Run {
        assert!(
            self.stdout.lines().any(|l| l == line),
            "missing line `{line}` in:\n{}",
            self.stdout
        );
        self
    }

    /// The first stdout line starting with `prefix`.
    pub fn line_starting(&self, prefix: &str) -> &str {
        self.stdout
            .lines()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no line starting `{prefix}` in:\n{}", self.stdout))
    }
}

/// A temp folder to run `mig` in.
pub struct Project {
    _tmp: tempfile::TempDir,
    pub dir: PathBuf,
}

/// `mig migrate` on a [`Project`]'s files, as argument list.
pub const MIGRATE: [&str; 7] = [
    "migrate",
    "--old",
    "old.db",
    "--new",
    "new.db",
    "--schema",
    "schema.sql",
];

impl Project {
    /// An empty folder named `name` (the name matters for default paths).
    pub fn empty(name: &str) -> Project {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join(name);
        std::fs::create_dir(&dir).expect("project dir");
        Project { _tmp: tmp, dir }
    }

    /// `old.db` from the shop fixture with `rows` customers, and the
    /// fixture's `schema.sql`.
    pub fn shop(rows: i64) -> Project {
        let p = Project::empty("shop");
        drop(fixture::create_old(&p.path("old.db"), rows));
        p.write("schema.sql", fixture::NEW_SCHEMA);
        p
    }

    /// A custom schema pair: `old.db` made by `old_sql`, and `schema.sql`
    /// holding `schema`.
    pub fn custom(name: &str, old_sql: &str, schema: &str) -> Project {
        let p = Project::empty(name);
        p.sql("old.db", old_sql);
        p.write("schema.sql", schema);
        p
    }

    /// `mig migrate --old old.db --new new.db --schema schema.sql`, then
    /// `extra`.
    pub fn migrate(&self, extra: &[&str]) -> Run {
        let mut args = MIGRATE.to_vec();
        args.extend_from_slice(extra);
        self.mig(&args)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    pub fn write(&self, name: &str, text: &str) {
        std::fs::write(self.path(name), text).expect("write file");
    }

    /// Runs `mig args...` in the project folder.
    pub fn mig(&self, args: &[&str]) -> Run {
        mig_in(&self.dir, args)
    }

    /// Runs a statement on a database file, as the service would.
    pub fn sql(&self, db: &str, sql: &str) {
        let conn = rusqlite::Connection::open(self.path(db)).expect("open");
        conn.execute_batch(sql).expect("sql");
    }

    /// Changes a database behind mig's back (a damaged copy, not a
    /// service: `fixture::behind_migs_back`).
    pub fn tamper(&self, db: &str, sql: &str) {
        let conn = fixture::behind_migs_back(&self.path(db));
        conn.execute_batch(sql).expect("tamper");
    }

    /// Files in the folder, sorted.
    pub fn files(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.dir)
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

/// Runs the `mig` binary in `dir`.
pub fn mig_in(dir: &Path, args: &[&str]) -> Run {
    mig_with_env(dir, args, &[])
}

/// Runs the `mig` binary in `dir` with these environment variables. The
/// TLS variables are otherwise cleared so the developer's environment
/// cannot change a test.
pub fn mig_with_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mig"));
    cmd.args(args)
        .current_dir(dir)
        .env_remove("MIG_CA")
        .env_remove("MIG_CERT")
        .env_remove("MIG_KEY");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run mig");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}
