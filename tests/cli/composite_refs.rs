//! Composite references to a renumbered parent (issue 22, point 2) through
//! the real binaries: the PROJ-shaped datums of `engine_composite_refs`
//! (a parent keyed on `auth_name, code` renumbered, one child's reference
//! inferred from its only FOREIGN KEY, another's two named by row values)
//! run through the whole runbook — by `mig` on local files, and by a real
//! `mig-agent` over mutual TLS — while a writer process inserts, updates
//! and deletes parents and children until the drain refuses it; each ends
//! equal to the oracle.

use std::time::Duration;

use super::harness::{mig_in, Run};
use super::real_agent::operator_on;
use crate::engine_composite_refs::{oracle_equal, service_writes, NEW, OLD};
use crate::engine_realkeys::{case, Case};
use crate::support::agent::TestAgent;
use crate::support::writer_process::{Outcome, WriterProcess, WriterSpec};

/// The old database's rows the oracle compares, at least (datums, CRSs and
/// ensemble members, less what the writer deletes).
const COMPARED: usize = 1800;

/// The PROJ-shaped case with its `schema.sql` written beside the files.
fn proj_case() -> Case {
    let c = case(OLD, NEW);
    std::fs::write(c.dir.path().join("schema.sql"), NEW).expect("schema.sql");
    c
}

/// A writer process on `c`'s old database taking turns at the service's
/// writes, once it has written 20 times.
fn writer(c: &Case) -> WriterProcess {
    let sql = service_writes();
    let mut w = WriterProcess::start(
        c.dir.path(),
        &WriterSpec {
            old: &c.old,
            new: &c.new,
            sql: &sql,
            pace: Duration::from_millis(1),
        },
    );
    w.wait_for(Outcome::Ok, 20);
    w
}

/// Runs the runbook with `mig(args)` while the writer writes: migrate (the
/// writer writes 60 more times after it, so replay carries them), drain
/// (refused from then on), cutover (the writer sees the new database ready).
fn runbook_with_writer(c: &Case, mig: impl Fn(&[&str]) -> Run, files: (&[&str], &[&str])) {
    let (both, new_only) = files;
    let mut w = writer(c);
    mig(&[&["migrate"], both, &["--schema", "schema.sql"]].concat())
        .ok()
        .line_starting("copied ");
    let before = w.log().count(Outcome::Ok);
    w.wait_for(Outcome::Ok, before + 60);
    mig(&[&["drain"], both].concat())
        .ok()
        .line_starting("drained: replayed ");
    mig(&[&["cutover"], new_only].concat())
        .ok()
        .line_starting("cutover complete: ");
    w.wait_for(Outcome::Ready, 1);
    let log = w.stop();
    assert!(log.count(Outcome::Ok) >= before + 60, "{log:?}");
    let compared = oracle_equal(c);
    assert!(compared > COMPARED, "compared {compared} rows");
}

#[test]
fn composite_references_are_translated_by_the_local_cli_with_a_writer_running() {
    let c = proj_case();
    let dir = c.dir.path().to_path_buf();
    let plan = mig_in(
        &dir,
        &[
            "plan",
            "--old",
            "old.db",
            "--new",
            "new.db",
            "--schema",
            "schema.sql",
        ],
    )
    .ok();
    plan.has_line("renumbered tables: geodetic_datum")
        .has_line("blockers: none");
    assert!(
        plan.stdout
            .contains("via the id mapping of geodetic_datum]"),
        "{}",
        plan.stdout
    );
    runbook_with_writer(
        &c,
        |args| mig_in(&dir, args),
        (
            &["--old", "old.db", "--new", "new.db"],
            &["--new", "new.db"],
        ),
    );
}

#[test]
fn composite_references_are_translated_through_a_real_agent_over_mtls_with_a_writer_running() {
    let c = proj_case();
    let dir = c.dir.path().to_path_buf();
    let agent = TestAgent::start(&dir, &[("proj", &c.old, &c.new)]);
    let mig = operator_on(&agent, "proj", dir.clone());
    mig(&["plan", "--schema", "schema.sql"])
        .ok()
        .has_line("renumbered tables: geodetic_datum");
    runbook_with_writer(&c, mig, (&[], &[]));
}
