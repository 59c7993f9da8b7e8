//! The figures the agent's `[metrics]` endpoint gives for the steps that
//! end a refusal of writes inside a job — `drain --cutover` and `revert` —
//! and how it counts a job refused at its start: each scrape parsed by
//! Python `prometheus_client` and checked by `promtool check metrics` when
//! installed, against a real agent process over mutual TLS.

use crate::agent_metrics::{parse, promtool_accepts, scrape, value, Sample};
use crate::cli::harness::Project;
use crate::cli::real_agent::as_who;
use crate::support::agent::{Setup, TestAgent};
use crate::support::{python, revert_case};

/// The one `mig_write_refusal_seconds` observation with `step`, in ms, once
/// the histogram holds exactly one.
fn one_refusal_ms(samples: &[Sample], step: &str) -> f64 {
    let of = |what: &str| {
        value(
            samples,
            &format!("mig_write_refusal_seconds_{what}"),
            &[("database", "notes"), ("step", step)],
        )
    };
    assert_eq!(of("count"), Some(1.0), "one {step} refusal observed");
    of("sum").expect("a sum") * 1e3
}

/// The summary in the `completed` event of a job's `--json` lines.
fn completed(stdout: &str, kind: &str) -> serde_json::Value {
    stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find_map(|e| e.get("completed")?.get(kind).cloned())
        .unwrap_or_else(|| panic!("no completed {kind} in:\n{stdout}"))
}

#[test]
fn drain_cutover_and_revert_refusals_are_the_figures_mig_printed_and_a_refused_job_is_not_failed() {
    let Some(venv) = python::venv_or_skip("drain_cutover_and_revert_refusals") else {
        return;
    };
    let p = Project::empty("notes");
    revert_case::create_old(&p.path("old.db"));
    p.write("schema.sql", revert_case::SCHEMA);
    let setup = Setup {
        metrics: true,
        ..Setup::default()
    };
    let agent = TestAgent::start_with(
        &p.dir,
        &[("notes", &p.path("old.db"), &p.path("new.db"))],
        setup,
    );
    let addr = agent.metrics_addr.clone().expect("metrics address");
    let mut operator = as_who(&agent, "operator");
    operator.extend(["--database".into(), "notes".into(), "--json".into()]);
    let mig = |args: &[&str]| {
        let all: Vec<&str> = operator
            .iter()
            .map(String::as_str)
            .chain(args.iter().copied())
            .collect();
        p.mig(&all)
    };
    let jobs = |samples: &[Sample], kind: &str, outcome: &str| {
        value(
            samples,
            "mig_jobs_total",
            &[("database", "notes"), ("kind", kind), ("outcome", outcome)],
        )
    };

    // A drain before any migrate is refused at its first check: counted as
    // refused, not as a failed job.
    assert_ne!(mig(&["drain"]).code, 0, "a drain before migrate is refused");
    let text = scrape(&addr);
    promtool_accepts(&text);
    let refused = parse(venv, &text);
    assert_eq!(jobs(&refused, "drain", "refused"), Some(1.0), "{text}");
    assert_eq!(jobs(&refused, "drain", "failed"), None, "{text}");

    mig(&["migrate", "--schema", "schema.sql", "--accept-data-loss"]).ok();
    let drained = mig(&["drain", "--cutover", "--revert-window", "30m"]).ok();
    let printed = completed(&drained.stdout, "drain")["refusedMs"]
        .as_f64()
        .expect("refusedMs");
    let text = scrape(&addr);
    promtool_accepts(&text);
    let recorded = one_refusal_ms(&parse(venv, &text), "drain");
    assert!(
        (recorded - printed).abs() < 1.0,
        "drain --cutover: the metric holds {recorded} ms, mig printed {printed} ms"
    );

    let reverted = mig(&["revert"]).ok();
    let printed = completed(&reverted.stdout, "revert")["refusedMs"]
        .as_f64()
        .expect("refusedMs");
    let text = scrape(&addr);
    promtool_accepts(&text);
    let after = parse(venv, &text);
    let recorded = one_refusal_ms(&after, "revert");
    assert!(
        (recorded - printed).abs() < 1.0,
        "revert: the metric holds {recorded} ms, mig printed {printed} ms"
    );
    assert_eq!(jobs(&after, "revert", "completed"), Some(1.0), "{text}");
    assert_eq!(jobs(&after, "drain", "failed"), None, "{text}");
}
