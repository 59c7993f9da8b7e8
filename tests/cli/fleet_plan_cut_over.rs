//! `mig fleet plan` over tenants one of which is already cut over (a
//! Calibre run's fleet plan over `databases = "*"` took in a library cut
//! over by hand): its row said CAN RUN "yes" as if its copy were still to
//! come. It now says "done" (a rollout finds it cut over and goes on), the
//! JSON carries `cutOver`, and `mig plan` on it says there is nothing to do.

use super::harness::mig_in;
use super::real_agent::mig_as;
use super::tenants_mistakes::site;

/// The last column of `target`'s row in the plan table.
fn can_run(stdout: &str, target: &str) -> String {
    let row = stdout
        .lines()
        .find(|l| l.starts_with(&format!("{target} ")))
        .unwrap_or_else(|| panic!("no row for {target} in:\n{stdout}"));
    row.split_whitespace()
        .last()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn fleet_plan_says_done_for_a_tenant_already_cut_over_and_yes_for_the_others() {
    let (tmp, agent) = site(&["acme", "globex"]);
    let dir = tmp.path();
    let remote = |cmd: &[&str]| mig_as(dir, &agent, ("operator", "acme"), cmd);
    let before = mig_in(dir, &["fleet", "plan"]).ok();
    assert_eq!(can_run(&before.stdout, "a0/acme"), "yes", "{before:#?}");

    remote(&["migrate", "--schema", "schema.sql"]).ok();
    remote(&["drain", "--cutover"]).ok();

    let after = mig_in(dir, &["fleet", "plan"]).ok();
    assert_eq!(can_run(&after.stdout, "a0/acme"), "done", "{after:#?}");
    assert_eq!(can_run(&after.stdout, "a0/globex"), "yes", "{after:#?}");
    let json = mig_in(dir, &["fleet", "plan", "--json"]).ok();
    let doc: serde_json::Value = serde_json::from_str(json.stdout.trim()).expect("JSON");
    let cut: Vec<(String, bool)> = doc["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .map(|t| {
            (
                t["target"].as_str().unwrap_or_default().to_string(),
                t["plan"]["cutOver"].as_bool().unwrap_or(false),
            )
        })
        .collect();
    assert!(cut.contains(&("a0/acme".into(), true)), "{cut:?}");
    assert!(cut.contains(&("a0/globex".into(), false)), "{cut:?}");

    remote(&["plan", "--schema", "schema.sql"])
        .ok()
        .has_line("can migrate: nothing to do (already cut over)");
}
