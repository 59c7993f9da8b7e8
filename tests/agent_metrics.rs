//! The agent's `[metrics]` endpoint read the way Prometheus reads it: a
//! real agent process, a migration running (capped, so it is still copying
//! when scraped), every scrape parsed by Python `prometheus_client`'s
//! exposition-format parser and checked by `promtool check metrics` when
//! Debian's `prometheus` package is installed.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::cli::harness::Project;
use crate::support::agent::{Setup, TestAgent};
use crate::support::python::{self, Venv};

/// Parses the exposition text with prometheus_client; prints one JSON
/// sample per line: [name, labels, value].
const PARSE: &str = "import json, sys
from prometheus_client.parser import text_string_to_metric_families
for family in text_string_to_metric_families(sys.stdin.read()):
    for s in family.samples:
        print(json.dumps([s.name, s.labels, s.value]))
";

/// One sample: name, labels, value.
pub(crate) type Sample = (String, serde_json::Map<String, serde_json::Value>, f64);

pub(crate) fn scrape(addr: &str) -> String {
    let mut tcp = TcpStream::connect(addr).expect("connect to the metrics listener");
    write!(
        tcp,
        "GET /metrics HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .expect("request");
    let mut response = String::new();
    tcp.read_to_string(&mut response).expect("response");
    let (head, body) = response.split_once("\r\n\r\n").expect("an HTTP response");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: text/plain; version=0.0.4"),
        "{head}"
    );
    // Connection: close, so the body is not chunked unless hyper chose to.
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_string()
    }
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).expect("chunk size");
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n]);
        body = &rest[n + 2..];
    }
    out
}

pub(crate) fn parse(venv: &Venv, text: &str) -> Vec<Sample> {
    venv.run_python(PARSE, &[], text)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("a JSON sample");
            let labels = v[1].as_object().cloned().unwrap_or_default();
            (
                v[0].as_str().expect("name").to_string(),
                labels,
                v[2].as_f64().expect("value"),
            )
        })
        .collect()
}

pub(crate) fn promtool_accepts(text: &str) {
    let Some(promtool) = python::promtool() else {
        eprintln!("promtool not installed (Debian's prometheus package): checked with the Python parser alone");
        return;
    };
    let mut child = Command::new(promtool)
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("promtool");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(text.as_bytes())
        .expect("feed promtool");
    let out = child.wait_with_output().expect("promtool ran");
    assert!(
        out.status.success(),
        "promtool check metrics: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

pub(crate) fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    samples
        .iter()
        .find(|(n, l, _)| {
            n == name
                && labels
                    .iter()
                    .all(|(k, v)| l.get(*k).and_then(|x| x.as_str()) == Some(v))
        })
        .map(|(_, _, v)| *v)
}

fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn metrics_parse_as_prometheus_exposition_while_a_migration_runs() {
    let Some(venv) = python::venv_or_skip("metrics_parse_as_prometheus_exposition") else {
        return;
    };
    let p = Project::shop(1000);
    let setup = Setup {
        metrics: true,
        ..Setup::default()
    };
    let agent = TestAgent::start_with(
        &p.dir,
        &[("shop", &p.path("old.db"), &p.path("new.db"))],
        setup,
    );
    let addr = agent.metrics_addr.clone().expect("metrics address");
    let certs = agent.certs.display().to_string();
    let url = format!("https://{}", agent.addr);
    let ca = format!("{certs}/ca.pem");
    let who = |w: &str| [format!("{certs}/{w}.pem"), format!("{certs}/{w}-key.pem")];
    let [cert, key] = who("operator");
    let remote = [
        "--agent",
        url.as_str(),
        "--ca",
        &ca,
        "--cert",
        &cert,
        "--key",
        &key,
    ];
    let [vcert, vkey] = who("viewer");
    let viewer = [
        "--agent",
        url.as_str(),
        "--ca",
        &ca,
        "--cert",
        &vcert,
        "--key",
        &vkey,
    ];

    let before = parse(venv, &scrape(&addr));
    assert_eq!(
        value(
            &before,
            "mig_migration_phase",
            &[("database", "shop"), ("phase", "not started")]
        ),
        Some(1.0)
    );
    p.mig(&[&viewer[..], &["migrate"]].concat())
        .fails(1, "migrate failed: ");
    p.mig(
        &[
            &remote[..],
            &["migrate", "--detach", "--max-rows-per-sec", "1500"],
        ]
        .concat(),
    )
    .ok();

    let mut during = Vec::new();
    wait_for("a scrape during the copy", || {
        let text = scrape(&addr);
        during = parse(venv, &text);
        let copying = value(
            &during,
            "mig_migration_phase",
            &[("database", "shop"), ("phase", "copying")],
        ) == Some(1.0);
        if copying
            && value(&during, "mig_copy_rows_copied", &[("database", "shop")]).unwrap_or(0.0) > 0.0
        {
            promtool_accepts(&text);
            return true;
        }
        false
    });
    let planned =
        value(&during, "mig_copy_rows_planned", &[("database", "shop")]).expect("rows planned");
    assert_eq!(
        planned, 4250.0,
        "customers, products, orders and tags of the fixture"
    );
    assert_eq!(
        value(
            &during,
            "mig_rpc_requests_total",
            &[("method", "Migrate"), ("code", "OK")]
        ),
        Some(1.0)
    );
    assert_eq!(
        value(
            &during,
            "mig_rpc_requests_total",
            &[("method", "Migrate"), ("code", "PERMISSION_DENIED")]
        ),
        Some(1.0)
    );
    assert_eq!(
        value(
            &during,
            "mig_throttle_cap_rows_per_second",
            &[("database", "shop")]
        ),
        Some(1500.0)
    );

    // A client holding its connection is counted while it holds it.
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let _in_runtime = rt.enter();
    let mut client = agent.client(Some("viewer"));
    rt.block_on(client.list_databases(mig::proto::ListDatabasesRequest::default()))
        .expect("list databases");
    let held = parse(venv, &scrape(&addr));
    assert!(value(&held, "mig_connected_clients", &[]).unwrap_or(0.0) >= 1.0);
    drop(client);
    wait_for("the closed connection to be uncounted", || {
        value(&parse(venv, &scrape(&addr)), "mig_connected_clients", &[]) == Some(0.0)
    });
    drop(_in_runtime);
    drop(rt);

    // A stranger's TLS handshake fails and is counted.
    let failures = value(&during, "mig_tls_handshake_failures_total", &[]).unwrap_or(0.0);
    let mut plain = TcpStream::connect(&agent.addr).expect("connect");
    let _ = plain.write_all(b"GET / HTTP/1.1\r\n\r\n");
    let _ = plain.read(&mut [0u8; 64]);
    wait_for(
        "the job to end and the failed handshake to be counted",
        || {
            let now = parse(venv, &scrape(&addr));
            value(
                &now,
                "mig_jobs_total",
                &[
                    ("database", "shop"),
                    ("kind", "migrate"),
                    ("outcome", "completed"),
                ],
            ) == Some(1.0)
                && value(&now, "mig_tls_handshake_failures_total", &[]).unwrap_or(0.0) > failures
                && value(
                    &now,
                    "mig_migration_phase",
                    &[("database", "shop"), ("phase", "recording")],
                ) == Some(1.0)
        },
    );
    p.mig(&[&remote[..], &["drain"]].concat()).ok();
    let text = scrape(&addr);
    promtool_accepts(&text);
    let after = parse(venv, &text);
    // Drained, not cut over: writes are still refused, so no refusal has
    // ended yet (the drain's freeze alone is not what the service sees).
    let refusals = |samples: &[Sample], what: &str| {
        value(
            samples,
            &format!("mig_write_refusal_seconds_{what}"),
            &[("database", "shop"), ("step", "cutover")],
        )
    };
    assert_eq!(refusals(&after, "count"), None, "{text}");
    assert_eq!(
        value(
            &after,
            "mig_migration_phase",
            &[("database", "shop"), ("phase", "drained")]
        ),
        Some(1.0)
    );
    assert_eq!(
        value(
            &after,
            "mig_replay_pending_entries",
            &[("database", "shop")]
        ),
        Some(0.0)
    );
    // The cutover ends the refusal: the histogram holds the figure mig
    // printed, from the drain's freeze to the new database's readiness.
    let cut = p.mig(&[&remote[..], &["--json", "cutover"]].concat()).ok();
    let report: serde_json::Value = serde_json::from_str(cut.stdout.trim()).expect("JSON");
    let printed = report["writesRefusedMs"].as_f64().expect("writesRefusedMs");
    let text = scrape(&addr);
    promtool_accepts(&text);
    let cut_over = parse(venv, &text);
    assert_eq!(refusals(&cut_over, "count"), Some(1.0), "{text}");
    let recorded = refusals(&cut_over, "sum").expect("a sum") * 1e3;
    assert!(
        (recorded - printed).abs() < 1.0,
        "the metric records the refusal mig printed: {recorded} ms against {printed} ms"
    );
}
