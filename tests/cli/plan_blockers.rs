//! `mig plan` never contradicts its own blockers: for each kind of blocker,
//! the table or column it names is not also reported as copied, renumbered
//! or translated the way the blocker says it cannot be (issue 22, point 8).

use super::harness::{Project, Run, FAILED};

const ARGS: [&str; 7] = [
    "plan",
    "--old",
    "old.db",
    "--new",
    "new.db",
    "--schema",
    "schema.sql",
];

/// Plans `new_sql` against an old database made of `old_sql`: the plan must
/// fail with a blocker containing `blocker`, and create no new file.
fn blocked(old_sql: &str, new_sql: &str, blocker: &str) -> Run {
    let old = format!("PRAGMA journal_mode=WAL; {old_sql}");
    let p = Project::custom("blockers", &old, new_sql);
    let run = p.mig(&ARGS);
    run.fails(FAILED, "plan failed: migrate could not run: ");
    run.has_line("can migrate: no");
    assert!(
        blocker_lines(&run).iter().any(|l| l.contains(blocker)),
        "no blocker containing `{blocker}`:\n{}",
        run.stdout
    );
    assert_eq!(
        p.files(),
        ["old.db", "schema.sql"],
        "plan left files behind"
    );
    run
}

/// The lines under `blockers:`.
fn blocker_lines(run: &Run) -> Vec<String> {
    run.stdout
        .lines()
        .skip_while(|l| !l.starts_with("blockers"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .map(str::to_string)
        .collect()
}

/// The copy-order line of `table`: `  N. table <- old (mode, rows...)`.
fn table_line<'a>(run: &'a Run, table: &str) -> &'a str {
    run.stdout
        .lines()
        .find(|l| {
            l.split_whitespace().nth(1) == Some(table)
                && l.trim_start().starts_with(char::is_numeric)
        })
        .unwrap_or_else(|| panic!("no copy-order line for {table}:\n{}", run.stdout))
}

fn translated_through(run: &Run, table: &str) -> bool {
    run.stdout
        .contains(&format!("via the id mapping of {table}]"))
}

/// Kenya's `counties`: the new WITHOUT ROWID table is keyed on `code`, a
/// natural unique key of the old table, not its old primary key.
#[test]
fn plan_refusing_a_without_rowid_natural_key_does_not_call_the_table_renumbered() {
    let run = blocked(
        "CREATE TABLE counties (id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, name TEXT);
         CREATE TABLE constituencies (id INTEGER PRIMARY KEY, county_id INTEGER REFERENCES counties(id), name TEXT);
         INSERT INTO counties VALUES (1, '047', 'Nairobi'), (2, '001', 'Mombasa');
         INSERT INTO constituencies VALUES (1, 1, 'Westlands'), (2, 2, 'Mvita');",
        "CREATE TABLE counties (code TEXT PRIMARY KEY, name TEXT) WITHOUT ROWID;
         CREATE TABLE constituencies (id INTEGER PRIMARY KEY, county_id INTEGER REFERENCES counties, name TEXT);",
        "WITHOUT ROWID table counties takes its primary key (code)",
    );
    let line = table_line(&run, "counties");
    assert!(line.contains("key refused, see blockers"), "{line}");
    run.has_line("renumbered tables: none");
    assert!(!translated_through(&run, "counties"), "{}", run.stdout);
    assert!(!run.stdout.contains("renumbered-keys"), "{}", run.stdout);
}

/// The blocker names the way out: the same key on a rowid table plans.
#[test]
fn the_rowid_table_the_without_rowid_blocker_suggests_plans_renumbered() {
    let p = Project::empty("blockers");
    p.sql(
        "old.db",
        "PRAGMA journal_mode=WAL;
         CREATE TABLE counties (id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, name TEXT);
         INSERT INTO counties VALUES (1, '047', 'Nairobi');",
    );
    p.write(
        "schema.sql",
        "CREATE TABLE counties (code TEXT PRIMARY KEY, name TEXT);",
    );
    let run = p.mig(&ARGS).ok();
    run.has_line("renumbered tables: counties")
        .has_line("blockers: none");
}

#[test]
fn plan_refusing_a_missing_mig_from_does_not_call_the_table_new_and_empty() {
    let run = blocked(
        "CREATE TABLE a (id INTEGER PRIMARY KEY);",
        "-- mig:from nope\nCREATE TABLE thing (id INTEGER PRIMARY KEY);",
        "mig:from nope: the old database has no table nope",
    );
    let line = table_line(&run, "thing");
    assert!(line.contains("key refused, see blockers"), "{line}");
    assert!(!line.contains("new, starts empty"), "{line}");
}

#[test]
fn plan_refusing_a_not_null_column_without_source_shows_no_value_for_it() {
    let run = blocked(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT NOT NULL);",
        "column t.b is NOT NULL but has no source",
    );
    // The column is shown as what it would get (NULL), which is what the
    // blocker objects to; it is not shown copied or computed.
    assert!(
        run.line_starting("       b ").contains("NULL  [null]"),
        "{}",
        run.stdout
    );
}

#[test]
fn plan_refusing_an_expression_that_reads_another_table_keeps_the_table_keyed() {
    let run = blocked(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT); CREATE TABLE u (x TEXT);",
        "-- mig:set a = (SELECT x FROM u)\nCREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);",
        "t.a = (SELECT x FROM u)",
    );
    assert!(
        table_line(&run, "t").contains("keys preserved"),
        "{}",
        run.stdout
    );
}

#[test]
fn plan_refusing_a_mig_set_of_an_unknown_column_names_it() {
    let run = blocked(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);",
        "-- mig:set zz = a\nCREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);",
        "table t has no column zz",
    );
    assert!(!run.stdout.contains("       zz "), "{}", run.stdout);
}

/// PROJ's key model: a parent keyed on (auth_name, code), renumbered; a child
/// column set from part of that key cannot be translated (issue 22, point 2:
/// it must name every key column, `mig:set ellipsoid_id = (a, c)`).
#[test]
fn plan_refusing_a_composite_key_translation_does_not_show_the_column_translated() {
    let run = blocked(
        "CREATE TABLE ellipsoid (auth_name TEXT NOT NULL, code TEXT NOT NULL, name TEXT, PRIMARY KEY (auth_name, code));
         CREATE TABLE datum (id INTEGER PRIMARY KEY, ellipsoid_auth_name TEXT, ellipsoid_code TEXT,
           FOREIGN KEY (ellipsoid_auth_name, ellipsoid_code) REFERENCES ellipsoid);",
        "CREATE TABLE ellipsoid (id INTEGER PRIMARY KEY, auth_name TEXT NOT NULL, code TEXT NOT NULL, name TEXT, UNIQUE (auth_name, code));
         -- mig:set ellipsoid_id = ellipsoid_code
         CREATE TABLE datum (id INTEGER PRIMARY KEY, ellipsoid_id INTEGER REFERENCES ellipsoid);",
        "datum.ellipsoid_id references renumbered table ellipsoid, whose old key has 2 column(s) (auth_name, code), but is set from 1",
    );
    run.has_line("renumbered tables: ellipsoid");
    assert!(!translated_through(&run, "ellipsoid"), "{}", run.stdout);
}

/// PROJ's ensemble members: the old child has two composite FOREIGN KEYs to
/// the renumbered parent, so which one `ensemble_id` holds cannot be
/// inferred. One blocker says so and names the `mig:set` to write — the
/// foreign key whose columns share the new column's name, not whichever
/// SQLite lists first — and that very line makes the plan pass.
#[test]
fn plan_refusing_an_ambiguous_composite_reference_names_the_mig_set_to_write() {
    const OLD: &str = "CREATE TABLE datum (auth_name TEXT NOT NULL, code TEXT NOT NULL, name TEXT, PRIMARY KEY (auth_name, code));
         CREATE TABLE member (ensemble_auth_name TEXT, ensemble_code TEXT, member_auth_name TEXT, member_code TEXT, seq INTEGER,
           FOREIGN KEY (ensemble_auth_name, ensemble_code) REFERENCES datum (auth_name, code),
           FOREIGN KEY (member_auth_name, member_code) REFERENCES datum (auth_name, code));
         INSERT INTO datum VALUES ('EPSG', '1', 'a'), ('EPSG', '2', 'b');
         INSERT INTO member VALUES ('EPSG', '1', 'EPSG', '2', 1);";
    const NEW: &str = "CREATE TABLE datum (id INTEGER PRIMARY KEY, auth_name TEXT NOT NULL, code TEXT NOT NULL, name TEXT, UNIQUE (auth_name, code));
         CREATE TABLE member (seq INTEGER, member_id INTEGER REFERENCES datum (id), ensemble_id INTEGER REFERENCES datum (id));";
    let run = blocked(OLD, NEW, "");
    let blockers = blocker_lines(&run);
    let set = |col: &str, from: &str| {
        format!("say which with `-- mig:set {col}_id = ({from}_auth_name, {from}_code)` above CREATE TABLE member")
    };
    for col in ["ensemble", "member"] {
        let line = blockers
            .iter()
            .find(|l| l.contains(&format!("member.{col}_id references datum")))
            .unwrap_or_else(|| panic!("no blocker for {col}_id:\n{}", run.stdout));
        assert!(
            line.contains("old table member has several foreign keys to datum"),
            "{line}"
        );
        assert!(line.ends_with(&set(col, col)), "{line}");
    }
    assert_eq!(blockers.len(), 2, "{blockers:?}");
    assert!(!translated_through(&run, "datum"), "{}", run.stdout);
    // The old reference columns the blockers are about are not data loss
    // (they were listed, and scored HIGH, as dropped).
    run.has_line("data loss: none");
    assert!(!run.stdout.contains("is dropped"), "{}", run.stdout);
    // The columns the blockers name are shown refused, not as NULL.
    for col in ["ensemble_id", "member_id"] {
        assert!(
            run.stdout
                .lines()
                .any(|l| l.trim_start().starts_with(col) && l.contains("(refused, see blockers)")),
            "{col} not shown refused:\n{}",
            run.stdout
        );
    }

    let p = Project::empty("blockers");
    p.sql("old.db", &format!("PRAGMA journal_mode=WAL; {OLD}"));
    let fixed = NEW.replace(
        "CREATE TABLE member",
        "-- mig:set ensemble_id = (ensemble_auth_name, ensemble_code)\n-- mig:set member_id = (member_auth_name, member_code)\nCREATE TABLE member",
    );
    p.write("schema.sql", &fixed);
    let run = p.mig(&ARGS).ok();
    run.has_line("blockers: none");
    assert!(translated_through(&run, "datum"), "{}", run.stdout);
}

/// A row value on a column that references no renumbered table has no
/// single SQLite value: one blocker at its `mig:set` line saying what a
/// row value is for — not a second one about the copy statement it breaks.
#[test]
fn plan_refusing_a_row_value_that_translates_nothing_gives_one_blocker() {
    let run = blocked(
        "CREATE TABLE datum (auth_name TEXT NOT NULL, code TEXT NOT NULL, PRIMARY KEY (auth_name, code));
         CREATE TABLE crs (id INTEGER PRIMARY KEY, datum_auth_name TEXT, datum_code TEXT);
         INSERT INTO datum VALUES ('EPSG', '1');
         INSERT INTO crs VALUES (1, 'EPSG', '1');",
        "CREATE TABLE datum (id INTEGER PRIMARY KEY, auth_name TEXT NOT NULL, code TEXT NOT NULL, UNIQUE (auth_name, code));
-- mig:set datum = (datum_auth_name, datum_code)
CREATE TABLE crs (id INTEGER PRIMARY KEY, datum TEXT);",
        "schema.sql:2: crs.datum = (datum_auth_name, datum_code): a list of old columns sets only a reference to a renumbered table whose old key has as many columns (declare datum REFERENCES that table's INTEGER PRIMARY KEY)",
    );
    assert_eq!(blocker_lines(&run).len(), 1, "{}", run.stdout);
    assert!(
        run.stderr
            .starts_with("plan failed: migrate could not run: schema.sql:2: crs.datum = "),
        "{}",
        run.stderr
    );
}
