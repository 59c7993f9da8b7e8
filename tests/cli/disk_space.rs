//! A `--new` path on a volume that cannot hold the copy: `plan` lists it as
//! a blocker ("can migrate: no", where it used to say yes beside "NOT
//! ENOUGH") and `migrate` refuses in one line before it creates a file or
//! starts recording (it used to install the triggers, copy until the volume
//! filled, and leave the old database recording).
//!
//! The small volume is a real tmpfs, which needs the right to mount: where
//! the test may not mount one (not root, or a container without the right
//! to mount) it says so and checks nothing.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::harness::{Project, FAILED};

/// A tmpfs of `size` mounted at `dir`, unmounted on drop.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(dir: &Path, size: &str) -> Option<Tmpfs> {
        std::fs::create_dir_all(dir).expect("mount point");
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir)
            .output()
            .is_ok_and(|o| o.status.success());
        ok.then(|| Tmpfs(dir.to_path_buf()))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn migrate_onto_a_volume_too_small_for_the_copy_is_refused_before_any_change() {
    let p = Project::shop(3000);
    let Some(small) = Tmpfs::mount(&p.path("small"), "64k") else {
        eprintln!("skipped: this user may not mount a tmpfs");
        return;
    };
    let old = std::fs::read(p.path("old.db")).expect("old");
    let before = p.files();
    let files = [
        "--old",
        "old.db",
        "--new",
        "small/new.db",
        "--schema",
        "schema.sql",
    ];
    let mut plan = vec!["plan"];
    plan.extend_from_slice(&files);
    let run = p.mig(&plan);
    run.fails(
        FAILED,
        "plan failed: migrate could not run: the new database small/new.db needs at least ",
    );
    run.has_line("can migrate: no");

    let mut migrate = vec!["migrate"];
    migrate.extend_from_slice(&files);
    let line = p
        .mig(&migrate)
        .fails(
            FAILED,
            "migrate failed: the new database small/new.db needs at least ",
        )
        .to_string();
    assert!(
        line.ends_with("MiB free: free space there, or choose a --new path on a volume with room"),
        "{line}"
    );
    assert_eq!(std::fs::read(p.path("old.db")).expect("old"), old);
    assert_eq!(p.files(), before);
    assert_eq!(std::fs::read_dir(&small.0).expect("small").count(), 0);
}
