//! `mig fleet plan` over many tenants shows progress while the plans come
//! in (here, not a terminal: lines, and `plan_progress` events with
//! `--json`, on stderr so stdout stays one document), then the summary. Found by the SQLAlchemy tenants run: 1,500
//! plans printed nothing for 1m42s.

use crate::support::tenant_site::tenant_site;

use super::harness::mig_in;

#[test]
fn fleet_plan_over_many_tenants_says_how_many_are_planned_before_the_summary() {
    let names: Vec<String> = (0..51).map(|i| format!("t{i:03}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let (tmp, _agent) = tenant_site(&names);
    let dir = tmp.path().to_path_buf();
    let run = mig_in(&dir, &["fleet", "plan", "-f", "fleet.toml"]).ok();
    let lines: Vec<&str> = run.stdout.lines().collect();
    let at = |prefix: &str| {
        lines
            .iter()
            .position(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no `{prefix}` line: {run:#?}"))
    };
    let (first, last, table) = (
        at("planning 51 target(s) …"),
        at("planned 51/51 in "),
        at("TARGET "),
    );
    assert!(first < last && last < table, "{run:#?}");
    let json = mig_in(&dir, &["fleet", "plan", "-f", "fleet.toml", "--json"]).ok();
    let events: Vec<serde_json::Value> = json
        .stderr
        .lines()
        .map(|l| serde_json::from_str(l).expect("progress events, one JSON object per line"))
        .filter(|v: &serde_json::Value| v["event"] == "plan_progress")
        .collect();
    assert!(events.len() >= 2, "{json:#?}");
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).expect("stdout: one document");
    assert!(doc.is_object(), "{json:#?}");
    assert_eq!(events[0]["planned"], 0, "{json:#?}");
    let end = events.last().expect("a last event");
    assert_eq!(
        (end["planned"].as_u64(), end["done"].as_bool()),
        (Some(51), Some(true)),
        "{json:#?}"
    );
}
