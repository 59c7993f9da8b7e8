//! Certification: the runbook followed literally (migrate → drain → cutover)
//! ends certified with a writer running; cutover refuses an uncertified
//! migration unless told to skip verification, which is recorded; a verify
//! after drain certifies, and one that finds a difference withdraws the
//! certification.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use mig::engine::open::Busy;
use mig::engine::ops::{
    self, CutoverOptions, DrainOptions, MigrateOptions, Verification, VerifyFirst, VerifyOptions,
    VerifyStage,
};
use mig::engine::record::{self, MarkerStatus};
use mig::engine::schema::SchemaFile;
use mig::engine::state::Phase;
use mig::engine::status;
use mig::engine::verify::Repair;
use mig::engine::{EngineError, Event};
use rusqlite::Connection;

use crate::support::runbook::{run, run_with, spec};
use crate::support::writer::Writer;
use crate::support::{fixture, oracle};

fn migrated(dir: &Path, customers: i64) -> (PathBuf, PathBuf) {
    let (old, new) = (dir.join("old.db"), dir.join("new.db"));
    drop(fixture::create_old(&old, customers));
    let schema = SchemaFile::parse("schema.sql", fixture::NEW_SCHEMA).expect("schema");
    run(|ctx| ops::migrate(&spec(&old, &new), &schema, &MigrateOptions::default(), ctx))
        .expect("migrate");
    (old, new)
}

fn skip_verify() -> DrainOptions {
    DrainOptions {
        verify_first: VerifyFirst::Skip,
        ..DrainOptions::default()
    }
}

fn status(old: &Path, new: &Path) -> status::Status {
    status::status(&spec(old, new), Busy::default()).expect("status")
}

fn check_only(old: &Path, new: &Path) -> Result<ops::VerifySummary, EngineError> {
    let opts = VerifyOptions {
        repair: Repair::CheckOnly,
        chunk_rows: 100,
        ..VerifyOptions::default()
    };
    run(|ctx| ops::verify(&spec(old, new), &opts, ctx))
}

#[test]
fn runbook_followed_literally_ends_certified_with_a_writer_and_matches_the_oracle() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = migrated(dir.path(), 800);
    assert!(!status(&old, &new).certificate.certified());
    let writer = Writer::start(old.clone(), 21);
    writer.wait_committed(20);
    // The verify stage runs before the freeze: the writer still commits
    // while drain compares.
    let committed_at_verify = std::sync::Mutex::new(None);
    let frozen = AtomicBool::new(false);
    let steps = std::sync::Mutex::new(Vec::new());
    let summary = run_with(
        |e| {
            if let Event::Step { step, .. } = e {
                steps.lock().expect("steps").push(*step);
                if *step == "verify" && !frozen.load(Ordering::SeqCst) {
                    *committed_at_verify.lock().expect("c") = Some(writer.committed());
                }
                if *step == "freeze" {
                    frozen.store(true, Ordering::SeqCst);
                }
            }
        },
        |ctx| ops::drain(&spec(&old, &new), &DrainOptions::default(), ctx),
    )
    .expect("drain");
    let stats = writer.stop();
    let steps = steps.into_inner().expect("steps");
    let (verify_at, freeze_at) = (
        steps
            .iter()
            .position(|s| *s == "verify")
            .expect("a verify step"),
        steps
            .iter()
            .position(|s| *s == "freeze")
            .expect("a freeze step"),
    );
    assert!(verify_at < freeze_at, "verify before the freeze: {steps:?}");
    assert!(
        stats.committed > committed_at_verify.into_inner().expect("c").unwrap_or(0),
        "the writer kept committing after the verify stage began"
    );
    let VerifyStage::Verified { rows, .. } = summary.verify else {
        panic!(
            "drain must verify an uncertified copy: {:?}",
            summary.verify
        );
    };
    assert!(rows >= 800 * 3, "{rows}");

    let st = status(&old, &new);
    assert_eq!(st.phase, Phase::Drained);
    let v = st
        .certificate
        .verified
        .as_ref()
        .expect("certified after drain");
    assert_eq!(v.by, "drain");
    assert!(
        v.log_position <= st.checkpoint,
        "{v:?} vs {}",
        st.checkpoint
    );
    assert_eq!(st.next_step, "run `mig cutover` (the copy is verified)");

    let cut = ops::cutover(&spec(&old, &new), &CutoverOptions::default()).expect("cutover");
    assert!(cut.certified && !cut.verified_at.is_empty(), "{cut:?}");
    let st = status(&old, &new);
    assert_eq!(st.phase, Phase::CutOver);
    assert!(st.certificate.certified(), "certification outlives cutover");
    assert!(st.certificate.cutover_skipped_verify_at.is_none());
    assert!(stats.committed >= 20);
    oracle::compare(&old, &new, &fixture::ORACLE);
}

#[test]
fn cutover_refuses_an_uncertified_migration_and_skip_verify_is_recorded() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = migrated(dir.path(), 120);
    let d = run(|ctx| ops::drain(&spec(&old, &new), &skip_verify(), ctx)).expect("drain");
    assert_eq!(d.verify, VerifyStage::Skipped);
    let st = status(&old, &new);
    assert_eq!(st.phase, Phase::Drained);
    assert!(!st.certificate.certified());
    assert!(st.certificate.drain_skipped_verify_at.is_some());
    assert!(
        st.next_step
            .starts_with("the copy is not verified: run `mig verify`"),
        "{}",
        st.next_step
    );

    let before = std::fs::read(&new).expect("read new");
    let err = ops::cutover(&spec(&old, &new), &CutoverOptions::default())
        .expect_err("an uncertified migration must be refused");
    assert!(matches!(err, EngineError::Precondition(_)), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.starts_with(
            "the migration is not certified: drain ran with --skip-verify; run `mig verify`"
        ) && msg.contains("--skip-verify to cut over without verification")
            && !msg.contains('\n'),
        "{msg}"
    );
    assert_eq!(
        std::fs::read(&new).expect("read new"),
        before,
        "a refused cutover changes nothing"
    );
    assert_eq!(
        status(&old, &new).migration,
        Some(mig::engine::new_side::MigrationStatus::Migrating)
    );

    let opts = CutoverOptions {
        verification: Verification::Skip,
        ..CutoverOptions::default()
    };
    let cut = ops::cutover(&spec(&old, &new), &opts).expect("cutover --skip-verify");
    assert!(!cut.certified);
    let st = status(&old, &new);
    assert_eq!(st.phase, Phase::CutOver);
    assert!(!st.certificate.certified());
    assert!(st.certificate.cutover_skipped_verify_at.is_some(), "{st:?}");
    assert!(
        st.next_step.starts_with("cut over without verification; "),
        "{}",
        st.next_step
    );
    oracle::compare(&old, &new, &fixture::ORACLE);
}

#[test]
fn verify_after_a_drain_without_verification_certifies_the_frozen_copy() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = migrated(dir.path(), 300);
    run(|ctx| ops::drain(&spec(&old, &new), &skip_verify(), ctx)).expect("drain");
    let s = check_only(&old, &new).expect("verify after drain");
    assert!(s.certified && s.rows >= 900, "{s:?}");
    let st = status(&old, &new);
    assert_eq!(
        st.certificate.verified.as_ref().map(|v| v.by.as_str()),
        Some("verify")
    );
    assert_eq!(st.next_step, "run `mig cutover` (the copy is verified)");
    let cut = ops::cutover(&spec(&old, &new), &CutoverOptions::default()).expect("cutover");
    assert!(cut.certified);
    assert!(status(&old, &new)
        .certificate
        .cutover_skipped_verify_at
        .is_none());
    oracle::compare(&old, &new, &fixture::ORACLE);
}

#[test]
fn a_row_changed_in_the_new_db_after_drain_is_named_and_withdraws_the_certification() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = migrated(dir.path(), 300);
    run(|ctx| ops::drain(&spec(&old, &new), &DrainOptions::default(), ctx)).expect("drain");
    assert!(status(&old, &new).certificate.certified());
    let conn = crate::support::fixture::behind_migs_back(&new);
    conn.execute("UPDATE customer SET email = 'tampered' WHERE id = 42", [])
        .expect("tamper");
    drop(conn);

    let err = check_only(&old, &new).expect_err("the final check must find the changed row");
    let EngineError::Verification(msg) = &err else {
        panic!("expected DATA_LOSS (verification), got {err:?}");
    };
    let msg = msg.to_string();
    assert!(
        msg.contains("table customer") && msg.contains("at key 42;"),
        "{msg}"
    );
    assert!(
        !status(&old, &new).certificate.certified(),
        "the failed check withdrew it"
    );
    let refused = ops::cutover(&spec(&old, &new), &CutoverOptions::default())
        .expect_err("cutover after a failed verify must refuse");
    assert!(
        refused.to_string().contains("no full verify has succeeded"),
        "{refused}"
    );

    // A repairing verify over the frozen old database recopies the chunk
    // and certifies again.
    let s = run(|ctx| ops::verify(&spec(&old, &new), &VerifyOptions::default(), ctx))
        .expect("verify repairs");
    assert_eq!((s.chunks_recopied, s.rows_repaired), (1, 1), "{s:?}");
    assert!(s.certified);
    ops::cutover(&spec(&old, &new), &CutoverOptions::default()).expect("cutover");
    oracle::compare(&old, &new, &fixture::ORACLE);
}

#[test]
fn drain_resumed_with_writes_refused_lets_writes_flow_while_it_verifies() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = migrated(dir.path(), 200);
    // As if a drain had been killed right after its freeze, before any
    // verification.
    let old_rw = Connection::open(&old).expect("open old");
    record::set_status(&old_rw, MarkerStatus::Recording, MarkerStatus::Draining).expect("freeze");
    let write = |c: &Connection| {
        c.execute(
            "UPDATE Customer SET Email = 'during@x.org' WHERE CustomerId = 5",
            [],
        )
    };
    assert!(write(&old_rw).is_err(), "frozen");
    let mut wrote_during_verify = None;
    let d = run_with(
        |e| {
            if let Event::Step { step: "verify", .. } = e {
                if wrote_during_verify.is_none() {
                    wrote_during_verify =
                        Some(write(&Connection::open(&old).expect("old")).is_ok());
                }
            }
        },
        |ctx| ops::drain(&spec(&old, &new), &DrainOptions::default(), ctx),
    )
    .expect("drain");
    assert_eq!(
        wrote_during_verify,
        Some(true),
        "writes flow while verifying"
    );
    assert!(
        matches!(d.verify, VerifyStage::Verified { .. }),
        "{:?}",
        d.verify
    );
    assert!(write(&old_rw).is_err(), "frozen again after the drain");
    ops::cutover(&spec(&old, &new), &CutoverOptions::default()).expect("cutover");
    oracle::compare(&old, &new, &fixture::ORACLE);
    let email: String = Connection::open(&new)
        .expect("new")
        .query_row("SELECT email FROM customer WHERE id = 5", [], |r| r.get(0))
        .expect("row 5");
    assert_eq!(
        email, "during@x.org",
        "the write made during verification was replayed"
    );
}

#[test]
fn reset_and_a_new_migration_start_uncertified() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = migrated(dir.path(), 50);
    run(|ctx| ops::drain(&spec(&old, &new), &DrainOptions::default(), ctx)).expect("drain");
    assert!(status(&old, &new).certificate.certified());
    ops::reset(&spec(&old, &new), Busy::default(), ops::ResetMode::Apply).expect("reset");
    let schema = SchemaFile::parse("schema.sql", fixture::NEW_SCHEMA).expect("schema");
    run(|ctx| ops::migrate(&spec(&old, &new), &schema, &MigrateOptions::default(), ctx))
        .expect("migrate again");
    let st = status(&old, &new);
    assert!(!st.certificate.certified(), "{:?}", st.certificate);
    assert!(
        st.next_step
            .ends_with("(it verifies the copy first, while writes flow)"),
        "{}",
        st.next_step
    );
}

#[test]
fn a_certified_database_migrated_again_does_not_carry_its_certificate_as_data() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = migrated(dir.path(), 40);
    run(|ctx| ops::drain(&spec(&old, &new), &DrainOptions::default(), ctx)).expect("drain");
    ops::cutover(&spec(&old, &new), &CutoverOptions::default()).expect("cutover");
    // The cut-over database becomes the old one of the next migration.
    let next = dir.path().join("next.db");
    let same = "CREATE TABLE customer (id INTEGER PRIMARY KEY, full_name TEXT NOT NULL, email TEXT, photo BLOB);
CREATE TABLE product (id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, title TEXT NOT NULL, price_cents INTEGER);
CREATE TABLE orders (OrderId INTEGER PRIMARY KEY AUTOINCREMENT, customer_id INTEGER REFERENCES customer(id), product_id INTEGER REFERENCES product(id), qty INTEGER NOT NULL, note TEXT, status TEXT NOT NULL DEFAULT 'open');
CREATE TABLE tag (order_id INTEGER NOT NULL, label TEXT NOT NULL, weight REAL, PRIMARY KEY (order_id, label)) WITHOUT ROWID;";
    let schema = SchemaFile::parse("schema.sql", same).expect("schema");
    let outcome = ops::plan(
        &spec(&new, &next),
        &schema,
        &ops::PlanOptions {
            allow_rollback_journal: true,
            ..Default::default()
        },
    )
    .expect("plan");
    assert!(
        outcome.plan.data_loss.is_empty(),
        "{:?}",
        outcome.plan.data_loss
    );
}

/// The in-process agent over `old`/`new`, as database "shop".
async fn grpc(
    old: &Path,
    new: &Path,
) -> (
    mig::transport::local::LocalAgent,
    mig::proto::migrator_client::MigratorClient<tonic::transport::Channel>,
) {
    let config = mig::config::AgentConfig {
        databases: vec![mig::config::DatabaseConfig::new("shop", spec(old, new))],
    };
    let agent = mig::transport::local::start(config)
        .await
        .expect("in-process agent");
    let client = mig::proto::migrator_client::MigratorClient::new(agent.channel.clone());
    (agent, client)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_grpc_cutover_is_failed_precondition_until_a_verify_job_certifies_a_skip_verify_drain()
{
    use mig::proto as pb;
    use tokio_stream::StreamExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = migrated(dir.path(), 60);
    let (_agent, mut client) = grpc(&old, &new).await;
    let status = |c: &mut pb::migrator_client::MigratorClient<_>| {
        let mut c = c.clone();
        async move {
            c.status(pb::StatusRequest {
                database: "shop".into(),
            })
            .await
            .expect("status")
            .into_inner()
        }
    };

    // Drain with --skip-verify: no verify step, recorded.
    let mut events = client
        .drain(pb::DrainRequest {
            database: "shop".into(),
            skip_verify: true,
            ..Default::default()
        })
        .await
        .expect("drain")
        .into_inner();
    let mut steps = Vec::new();
    let mut summary = None;
    while let Some(e) = events.next().await {
        match e.expect("event").event {
            Some(pb::job_event::Event::Phase(p)) => steps.push(p.step),
            Some(pb::job_event::Event::Completed(pb::JobCompleted {
                summary: Some(pb::job_completed::Summary::Drain(d)),
            })) => summary = Some(d),
            _ => {}
        }
    }
    assert!(!steps.iter().any(|s| s == "verify"), "{steps:?}");
    assert_eq!(summary.expect("drain summary").verify_stage, "skipped");
    let st = status(&mut client).await;
    assert!(
        !st.certified && st.drain_skipped_verify && st.drained,
        "{st:?}"
    );

    let err = client
        .cutover(pb::CutoverRequest {
            database: "shop".into(),
            skip_verify: false,
            revert_window_secs: None,
        })
        .await
        .expect_err("an uncertified cutover is refused");
    assert_eq!(err.code(), tonic::Code::FailedPrecondition, "{err:?}");
    assert!(
        err.message().starts_with("the migration is not certified"),
        "{}",
        err.message()
    );

    // A verify job certifies the frozen copy; its stream shows the verify step.
    let mut events = client
        .verify(pb::VerifyRequest {
            database: "shop".into(),
            ..Default::default()
        })
        .await
        .expect("verify")
        .into_inner();
    let mut certified = false;
    while let Some(e) = events.next().await {
        if let Some(pb::job_event::Event::Completed(pb::JobCompleted {
            summary: Some(pb::job_completed::Summary::Verify(v)),
        })) = e.expect("event").event
        {
            certified = v.certified;
        }
    }
    assert!(certified);
    let st = status(&mut client).await;
    assert!(
        st.certified && st.verified_by == "verify" && !st.verified_at.is_empty(),
        "{st:?}"
    );
    let cut = client
        .cutover(pb::CutoverRequest {
            database: "shop".into(),
            skip_verify: false,
            revert_window_secs: None,
        })
        .await
        .expect("cutover")
        .into_inner();
    assert!(cut.certified);
    let st = status(&mut client).await;
    assert!(st.certified && !st.skip_verify, "{st:?}");
}
