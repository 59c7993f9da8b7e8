//! The bulk load's unsynced commits (`engine::unsynced`): a copy killed on
//! this boot resumes at its cursor (the kernel kept its writes); one left
//! unsynced by an earlier boot — an OS crash or power loss, played here by
//! a marker naming another boot and a torn new file — is discarded and
//! copied again from the old database. A writer runs throughout, the
//! runbook is finished and the result compared with the oracle.

use super::harness::{show, Step, World};
use crate::support::writer::Writer;

/// Kills `migrate` after its first copy chunk; returns the marker's path.
fn kill_mid_copy(w: &World) -> std::path::PathBuf {
    w.killed_at(Step::Migrate, "copy.after-chunk@1");
    let marker = mig::engine::unsynced::marker(&w.new);
    let boot = std::fs::read_to_string("/proc/sys/kernel/random/boot_id").expect("boot id");
    let written = std::fs::read_to_string(&marker).expect("the killed copy left no marker");
    assert_eq!(written.trim(), boot.trim(), "the marker names another boot");
    marker
}

/// A writer on the old database, and `migrate` killed at `point` with its
/// unsynced marker left on disk; returns the world, the running writer and
/// the marker's path.
fn killed_with_marker(seed: u64, point: &str) -> (World, Writer, std::path::PathBuf) {
    let w = World::shop();
    let writer = Writer::start(w.old.clone(), seed);
    writer.wait_committed(10);
    w.killed_at(Step::Migrate, point);
    let marker = mig::engine::unsynced::marker(&w.new);
    assert!(
        marker.exists(),
        "killed at {point}: no marker guards the new file"
    );
    (w, writer, marker)
}

/// The marker as an earlier boot left it: a boot id not this one's.
fn from_an_earlier_boot(marker: &std::path::Path) {
    std::fs::write(marker, "00000000-0000-0000-0000-000000000000\n").expect("marker");
}

/// A "reboot" after a power loss: the marker names an earlier boot, and the
/// new file's unsynced writes are torn (its second half overwritten, as
/// pages torn anywhere may leave it).
fn reboot_tearing(w: &World, marker: &std::path::Path) {
    from_an_earlier_boot(marker);
    let mut bytes = std::fs::read(&w.new).expect("new db");
    let torn = bytes.len() / 2;
    bytes[torn..].fill(0xA5);
    std::fs::write(&w.new, &bytes).expect("tearing the new db");
}

/// `migrate` again discards the torn file (killed at `point`) and creates
/// it anew, its marker gone; then the runbook finishes.
fn created_again_and_finished(w: &World, writer: Writer, marker: &std::path::Path, point: &str) {
    let out = migrate_again(w);
    assert!(
        out.contains("was being written when the machine stopped") && out.contains("creating"),
        "killed at {point}: the torn file was not discarded: {out}"
    );
    assert!(
        !marker.exists(),
        "killed at {point}: the marker outlived migrate"
    );
    finish(w, writer);
}

/// Re-runs `migrate`; returns its output, stdout and stderr.
fn migrate_again(w: &World) -> String {
    let out = w.command(Step::Migrate).output().expect("run mig");
    assert!(out.status.success(), "migrate re-run: {}", show(&out));
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Drain and cutover with the writer still running, then the oracle, and
/// SQLite's own check of the new file.
fn finish(w: &World, writer: Writer) {
    writer.wait_committed(writer.committed() + 20);
    w.ok(Step::Drain);
    w.ok(Step::Cutover);
    writer.stop();
    assert!(w.assert_matches() > super::harness::ROWS as usize);
    let check: String = rusqlite::Connection::open(&w.new)
        .and_then(|c| c.query_row("PRAGMA integrity_check", [], |r| r.get(0)))
        .expect("integrity_check");
    assert_eq!(check, "ok");
}

#[test]
fn a_bulk_load_killed_on_this_boot_resumes_from_its_cursor() {
    let w = World::shop();
    let writer = Writer::start(w.old.clone(), 51);
    writer.wait_committed(10);
    let marker = kill_mid_copy(&w);
    let out = migrate_again(&w);
    assert!(
        out.contains("resuming the migration") && !out.contains("was being written"),
        "the copy did not resume: {out}"
    );
    assert!(!marker.exists(), "the marker outlived the bulk load");
    finish(&w, writer);
}

#[test]
fn a_bulk_load_left_unsynced_by_an_earlier_boot_is_discarded_and_copied_again() {
    let w = World::shop();
    let writer = Writer::start(w.old.clone(), 52);
    writer.wait_committed(10);
    let marker = kill_mid_copy(&w);
    reboot_tearing(&w, &marker);
    // Any other step refuses, naming `mig migrate` as the way out, and
    // changes nothing.
    let before = std::fs::read(&w.new).expect("new db");
    let verify = std::process::Command::new(env!("CARGO_BIN_EXE_mig"))
        .arg("verify")
        .args([
            "--old".as_ref(),
            w.old.as_os_str(),
            "--new".as_ref(),
            w.new.as_os_str(),
        ])
        .output()
        .expect("run mig");
    let drain = w.command(Step::Drain).output().expect("run mig");
    for out in [&verify, &drain] {
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && err.contains("mig migrate"),
            "a step on a torn new database: {}",
            show(out)
        );
    }
    assert_eq!(
        std::fs::read(&w.new).expect("new db"),
        before,
        "a step changed the torn file"
    );
    created_again_and_finished(&w, writer, &marker, "a bulk load");
}

/// Killed after the copy, during the index builds (the marker still on
/// disk), then a "reboot": whatever step comes next refuses the file its
/// bulk load left unsynced and names `mig migrate`, which copies again.
#[test]
fn a_step_after_a_reboot_mid_index_build_refuses_the_unsynced_file() {
    let (w, writer, marker) = killed_with_marker(53, "index.after-build@1");
    from_an_earlier_boot(&marker);
    let before = std::fs::read(&w.new).expect("new db");
    // What the agent's background catch-up would open to write: refused.
    let err = mig::engine::open::work(&w.new, Some(&w.old), Default::default())
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        err.contains("was being bulk-loaded when the machine stopped")
            && err.contains("run `mig migrate` again"),
        "a work connection to the unsynced file: {err:?}"
    );
    let drain = w.command(Step::Drain).output().expect("run mig");
    let err = String::from_utf8_lossy(&drain.stderr);
    assert!(
        !drain.status.success() && err.contains("mig migrate"),
        "drain after the reboot: {}",
        show(&drain)
    );
    assert_eq!(
        std::fs::read(&w.new).expect("new db"),
        before,
        "drain changed the file"
    );
    let out = migrate_again(&w);
    assert!(
        out.contains("was being written when the machine stopped"),
        "the unsynced file was not discarded: {out}"
    );
    finish(&w, writer);
}

/// The new file's creation is not synced on its own: the unsynced marker,
/// written and synced before the file exists, answers for it. An OS crash
/// right after the creation, or after recording began, leaves a file that
/// may be torn; the next `migrate` discards it and creates it again (fresh,
/// or for the recording the old database kept).
#[test]
fn a_new_file_created_before_a_reboot_is_discarded_and_created_again() {
    for (seed, point) in [(54, "migrate.after-create"), (55, "record.after-install")] {
        let (w, writer, marker) = killed_with_marker(seed, point);
        reboot_tearing(&w, &marker);
        created_again_and_finished(&w, writer, &marker, point);
    }
}

/// Killed after the copy was flagged complete but before `migrate`'s final
/// sync (the marker still on disk): the copy does not count as complete, so
/// `drain` refuses and changes nothing, and `migrate` again finishes it.
#[test]
fn a_copy_killed_before_its_final_sync_is_not_complete_until_migrate_finishes_it() {
    let (w, writer, marker) = killed_with_marker(56, "migrate.after-copy");
    let before = std::fs::read(&w.new).expect("new db");
    let drain = w.command(Step::Drain).output().expect("run mig");
    assert!(
        !drain.status.success(),
        "drain before the final sync: {}",
        show(&drain)
    );
    assert_eq!(
        std::fs::read(&w.new).expect("new db"),
        before,
        "drain changed the file"
    );
    let out = migrate_again(&w);
    assert!(
        out.contains("resuming the migration"),
        "migrate did not resume: {out}"
    );
    assert!(!marker.exists(), "the marker outlived migrate");
    finish(&w, writer);
}
