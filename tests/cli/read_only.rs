//! A `--new` path in a folder mig cannot write to: `migrate` says so in one
//! line naming that path and folder, and changes no file. It used to fail on
//! a cleanup, naming `new.db.mig-tmp`, a file the user never named.
//!
//! Permissions do not bind root, so as root the test runs `mig` as the
//! unprivileged user 65534 (`setpriv`), which is what a service account is.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::Command;

use super::harness::{Project, Run, FAILED};

/// Runs `mig` in `dir` as a user that file permissions bind.
fn mig_unprivileged(dir: &Path, args: &[&str]) -> Run {
    let root = std::fs::metadata(dir).expect("folder").uid() == 0;
    let mut cmd = if root {
        // The build's folder may be closed to that user (a checkout under
        // /root): run a link or copy of `mig` beside the project instead.
        let exe = dir.parent().unwrap_or(dir).join("mig");
        if !exe.exists() {
            std::fs::hard_link(env!("CARGO_BIN_EXE_mig"), &exe)
                .or_else(|_| std::fs::copy(env!("CARGO_BIN_EXE_mig"), &exe).map(drop))
                .expect("mig beside the project");
        }
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&exe);
        c
    } else {
        Command::new(env!("CARGO_BIN_EXE_mig"))
    };
    let out = cmd
        .args(args)
        .current_dir(dir)
        .env_remove("MIG_CA")
        .env_remove("MIG_CERT")
        .env_remove("MIG_KEY")
        .output()
        .expect("run mig");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

#[test]
fn migrate_into_a_read_only_folder_names_it_and_changes_no_file() {
    let p = Project::shop(20);
    // The service account may write the old database and its folder (the
    // WAL), and reach it; the new database's folder is read-only.
    for d in p.dir.ancestors().take(2) {
        chmod(d, 0o777);
    }
    chmod(&p.path("old.db"), 0o666);
    let ro = p.path("ro");
    std::fs::create_dir(&ro).expect("ro");
    chmod(&ro, 0o555);
    let old = std::fs::read(p.path("old.db")).expect("old");
    let before = p.files();

    let run = mig_unprivileged(
        &p.dir,
        &[
            "migrate",
            "--old",
            "old.db",
            "--new",
            "ro/new.db",
            "--schema",
            "schema.sql",
        ],
    );
    let line = run.fails(
        FAILED,
        "migrate failed: cannot create the new database ro/new.db in folder ro: Permission denied",
    );
    assert!(
        line.ends_with("choose a --new path in a folder mig can write to"),
        "{line}"
    );
    assert_eq!(std::fs::read(p.path("old.db")).expect("old"), old);
    assert_eq!(p.files(), before, "a file was created or removed");
    assert_eq!(std::fs::read_dir(&ro).expect("ro").count(), 0);
    chmod(&ro, 0o755);
}
