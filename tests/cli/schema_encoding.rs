//! A `schema.sql` saved by a Windows editor: a UTF-8 byte-order mark before
//! the first line and CRLF line ends. `plan` used to refuse it with a false
//! line (`-- mig:set ...` "is inside a statement": the mark, a character
//! SQLite reads as part of a name, opened a statement above the first
//! directive). The mark is not SQL; the schema means what the same text
//! without it means, through a real agent as locally.

use crate::support::agent::TestAgent;
use crate::support::fixture::NEW_SCHEMA;
use crate::support::oracle::assert_matches;

use super::harness::Project;
use super::real_agent::operator_on;

/// `NEW_SCHEMA` as a Windows editor saves it: BOM, CRLF.
fn windows_saved() -> String {
    format!("\u{feff}{}", NEW_SCHEMA.replace('\n', "\r\n"))
}

#[test]
fn a_schema_saved_with_a_bom_and_crlf_plans_like_the_plain_file_locally() {
    let p = Project::shop(30);
    let files = ["plan", "--old", "old.db", "--new", "new.db", "--schema"];
    let plain = p.mig(&[&files[..], &["schema.sql"]].concat()).ok();
    p.write("schema-win.sql", &windows_saved());
    let win = p.mig(&[&files[..], &["schema-win.sql"]].concat()).ok();
    // Everything up to the estimates, whose timings and free space vary
    // from run to run.
    let mapping = |out: &str| -> Vec<String> {
        out.lines()
            .take_while(|l| !l.starts_with("estimates"))
            .filter(|l| !l.starts_with("schema hash:"))
            .map(str::to_string)
            .collect()
    };
    assert!(mapping(&plain.stdout).len() > 20, "{}", plain.stdout);
    assert_eq!(mapping(&win.stdout), mapping(&plain.stdout));
}

#[test]
fn a_schema_saved_with_a_bom_and_crlf_migrates_through_a_real_agent_equal_to_the_oracle() {
    let p = Project::shop(200);
    p.write("schema-win.sql", &windows_saved());
    let agent = TestAgent::start(&p.dir, &[("shop", &p.path("old.db"), &p.path("new.db"))]);
    let op = operator_on(&agent, "shop", p.dir.clone());
    op(&["plan", "--schema", "schema-win.sql"])
        .ok()
        .has_line("can migrate: yes");
    op(&["migrate", "--schema", "schema-win.sql"]).ok();
    op(&["drain", "--cutover"]).ok();
    assert!(assert_matches(&p.path("old.db"), &p.path("new.db")) > 0);
}
