//! `drain --cutover` through the cutover's hook gate (issue 12): the
//! `on-before-cutover` hook runs before the freeze, while the service's
//! writes still flow (the hook itself writes to the old database to prove
//! it); a refusal leaves them flowing with nothing drained or cut over, and
//! an approval cuts over in the same job, then `on-cutover` and
//! `on-success` run. A writer in its own process throughout; the oracle at
//! the end. And the revert window `drain --cutover --revert-window` opens,
//! or refuses before anything is frozen.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use mig::config::{DatabaseConfig, HooksConfig};
use mig::engine::open::Busy;
use mig::engine::ops::{self, AfterDrain, DrainOptions, MigrateOptions, TimeoutPolicy};
use mig::engine::schema::SchemaFile;
use mig::engine::state::Phase;
use mig::engine::{status, EngineError};
use mig::jobs::hooks::Hooks;
use mig::jobs::{before_cutover, Gated};

use crate::cli::harness::{Project, FAILED};
use crate::outage::{drain_summary, files, migrated_project, writer};
use crate::support::runbook::{run, spec};
use crate::support::writer_process::Outcome;
use crate::support::{fixture, oracle, revert_case};

/// An `on-before-cutover` hook that writes one order to the old database
/// with the sqlite3 shell, logs whether the write was accepted, then exits
/// with `code` (and a reason on stderr unless 0).
fn before_cutover_hook(dir: &Path, old: &Path, code: i32) {
    let log = dir.join("hooks.log");
    let script = format!(
        "#!/bin/sh\n\
         if sqlite3 -cmd '.timeout 5000' '{old}' \"INSERT INTO Orders(CustomerId, ProductCode, Qty, Note) VALUES (1, 'P-00001', 1, 'hook')\" 2>/dev/null; \
         then echo 'on-before-cutover|write accepted' >> '{log}'; \
         else echo 'on-before-cutover|write refused' >> '{log}'; fi\n\
         [ {code} -eq 0 ] || echo 'change CHG-9 is not approved' >&2\n\
         exit {code}\n",
        old = old.display(),
        log = log.display(),
    );
    write_script(&dir.join("on-before-cutover"), &script);
}

/// The hooks that only say they ran.
fn logging_hooks(dir: &Path) {
    for point in ["on-cutover", "on-success", "on-failure"] {
        let script = format!(
            "#!/bin/sh\necho '{point}' >> '{}'\n",
            dir.join("hooks.log").display()
        );
        write_script(&dir.join(point), &script);
    }
}

fn write_script(path: &Path, text: &str) {
    std::fs::write(path, text).expect("hook");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

fn fired(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("hooks.log"))
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn drain_cutover_asks_the_before_cutover_hook_while_writes_flow_and_its_refusal_changes_nothing() {
    let p = migrated_project(300);
    let (old, new) = (p.path("old.db"), p.path("new.db"));
    let hooks = p.path("hooks");
    std::fs::create_dir_all(&hooks).expect("hooks dir");
    logging_hooks(&hooks);
    before_cutover_hook(&hooks, &old, 4);
    let mut w = writer(&p.dir, &old, &new);

    let refused = p.mig(&files("drain", &["--cutover", "--hooks", "hooks"]));
    let line = refused.fails(
        FAILED,
        "drain failed: drain --cutover refused before its freeze: hook on-before-cutover exited 4: change CHG-9 is not approved; nothing frozen or cut over, writes still flow",
    );
    assert!(line.contains("hooks/on-before-cutover"), "{line}");
    assert_eq!(
        fired(&hooks),
        ["on-before-cutover|write accepted", "on-failure"]
    );
    p.mig(&files("status", &[]))
        .ok()
        .has_line("phase: recording");
    let accepted = w.log().count(Outcome::Ok);
    w.wait_for(Outcome::Ok, accepted + 10);
    assert_eq!(w.log().count(Outcome::Refused), 0, "the writer was refused");

    before_cutover_hook(&hooks, &old, 0);
    let run = p
        .mig(&files(
            "drain",
            &["--cutover", "--hooks", "hooks", "--json"],
        ))
        .ok();
    assert!(drain_summary(&run.stdout)["cutover"]["newPath"].is_string());
    w.wait_for(Outcome::Ready, 1);
    w.stop();
    assert_eq!(
        fired(&hooks)[2..],
        [
            "on-before-cutover|write accepted",
            "on-cutover",
            "on-success"
        ]
    );
    oracle::assert_matches(&old, &new);
}

#[test]
fn drain_cutover_opens_the_revert_window_it_is_given_and_refuses_one_it_cannot_open_before_freezing(
) {
    // The shop fixture has no `mig:revert` lines for what it computes.
    let p = migrated_project(100);
    let refused = p.mig(&files("drain", &["--cutover", "--revert-window", "30m"]));
    refused.fails(FAILED, "drain failed: cannot open a revert window: ");
    p.mig(&files("status", &[]))
        .ok()
        .has_line("phase: recording");

    let p = Project::empty("shop");
    revert_case::create_old(&p.path("old.db"));
    p.write("schema.sql", revert_case::SCHEMA);
    let files = ["--old", "old.db", "--new", "new.db"];
    p.mig(&[&files[..], &["migrate", "--accept-data-loss"]].concat())
        .ok();
    let run = p
        .mig(&[&files[..], &["drain", "--cutover", "--revert-window", "1h"]].concat())
        .ok();
    run.line_starting("writes refused for ");
    run.line_starting("revert window: open until ");
    revert_case::snapshot(&p.path("old.db"), &p.path("new.db"), &p.dir);
    p.mig(&[&files[..], &["revert"]].concat())
        .ok()
        .line_starting("reverted: ");
    revert_case::assert_old_is_inverse(&p.path("old.db"), &p.path("new.db"), &p.dir);
}

/// An `on-before-cutover` hook that counts its runs: the first approves
/// after a burst of the service's (50,000 rows in one transaction, more
/// than the freeze can replay within its limit), the second refuses, the
/// third approves.
fn counting_hook(dir: &Path, old: &Path) {
    let script = format!(
        "#!/bin/sh\n\
         n=$(( $(cat '{count}' 2>/dev/null || echo 0) + 1 )); echo $n > '{count}'\n\
         echo \"on-before-cutover|$n\" >> '{log}'\n\
         case $n in\n\
         1) sqlite3 -cmd '.timeout 5000' '{old}' \"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50000) INSERT INTO Tag(OrderId, Label, Weight) SELECT 100000 + i, 'burst', i FROM n\" || exit 9 ;;\n\
         2) echo 'change CHG-9 was withdrawn' >&2; exit 4 ;;\n\
         esac\n\
         exit 0\n",
        count = dir.join("count").display(),
        log = dir.join("hooks.log").display(),
        old = old.display(),
    );
    write_script(&dir.join("on-before-cutover"), &script);
}

#[test]
fn a_freeze_retried_after_its_limit_asks_the_before_cutover_hook_again_and_its_refusal_leaves_writes_flowing(
) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = (dir.path().join("old.db"), dir.path().join("new.db"));
    drop(fixture::create_old(&old, 300));
    let schema = SchemaFile::parse("schema.sql", fixture::NEW_SCHEMA).expect("schema");
    let spec = spec(&old, &new);
    run(|ctx| ops::migrate(&spec, &schema, &MigrateOptions::default(), ctx)).expect("migrate");
    let hooks_dir = dir.path().join("hooks");
    std::fs::create_dir_all(&hooks_dir).expect("hooks dir");
    counting_hook(&hooks_dir, &old);
    let mut config = DatabaseConfig::new("shop", spec.clone());
    config.settings.hooks = Some(HooksConfig::new(hooks_dir.clone()));
    let (hooks, mut w) = (Hooks::new(), writer(dir.path(), &old, &new));
    let mut gate = || before_cutover(&hooks, &config, Gated::DrainCutover);
    let opts = DrainOptions {
        freeze_limit: Duration::from_millis(20),
        policy: TimeoutPolicy::Retry,
        // The freeze replays whatever is pending: the hook's burst.
        catch_up_below: u64::MAX,
        then: AfterDrain::Cutover {
            revert_window_secs: 0,
        },
        ..DrainOptions::default()
    };
    let err = run(|ctx| ops::drain_gated(&spec, &opts, &mut gate, ctx))
        .expect_err("the hook refuses the second attempt");
    assert!(matches!(err, EngineError::Precondition(_)), "{err}");
    assert!(
        err.to_string()
            .contains("hook on-before-cutover exited 4: change CHG-9 was withdrawn"),
        "{err}"
    );
    assert_eq!(
        fired(&hooks_dir),
        ["on-before-cutover|1", "on-before-cutover|2"]
    );
    // The first attempt froze, ran over its limit and let writes flow (the
    // hook is asked again only before a new freeze attempt; a write made
    // during a freeze waits on the held lock, so it need not be refused);
    // the refusal left them flowing, nothing cut over.
    let st = status::status(&spec, Busy::default()).expect("status");
    assert_eq!(st.phase, Phase::Recording, "{st:?}");
    let log = w.log();
    assert_eq!(log.count(Outcome::Ready), 0);
    let accepted = log.count(Outcome::Ok);
    w.wait_for(Outcome::Ok, accepted + 10);

    // The default limit: a 20 ms freeze on a loaded machine is retried,
    // and each retry rightly asks the hook again.
    let opts = DrainOptions {
        catch_up_below: DrainOptions::default().catch_up_below,
        freeze_limit: DrainOptions::default().freeze_limit,
        ..opts
    };
    let summary =
        run(|ctx| ops::drain_gated(&spec, &opts, &mut gate, ctx)).expect("drain --cutover");
    assert!(summary.cutover.is_some());
    assert_eq!(fired(&hooks_dir)[2..], ["on-before-cutover|3"]);
    w.wait_for(Outcome::Ready, 1);
    w.stop();
    oracle::assert_matches(&old, &new);
}
