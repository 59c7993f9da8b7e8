//! What a Rails team hands `--schema`. Found by a new user's Redmine run
//! (docs/reliability.md): Rails' `db/schema.rb` (Ruby) was refused as
//! "schema.rb:11:5: unterminated string literal" (the apostrophe of its
//! "It's strongly recommended" comment), which says nothing of the file
//! being Ruby; a `structure.sql` (`schema_format = :sql`) ends with its
//! migrations' versions (`INSERT INTO "schema_migrations" ...`), refused
//! without saying what to do with them. Both are now named in one line
//! with what to do, for `plan` and `migrate`, and no file changes.

use super::bad_input::snapshot;
use super::harness::Project;
use crate::support::fixture::NEW_SCHEMA;

/// The head of a Rails 6.1 `db/schema.rb`, as `rails db:schema:dump` writes it.
const SCHEMA_RB: &str =
    "# This file is auto-generated from the current state of the database. Instead
# of editing this file, please use the migrations feature of Active Record to
# incrementally modify your database, and then regenerate this schema definition.
#
# It's strongly recommended that you check this file into your version control system.

ActiveRecord::Schema.define(version: 2022_02_24_194639) do
  create_table \"customer\", force: :cascade do |t|
    t.string \"full_name\"
  end
end
";

#[test]
fn rails_schema_rb_as_the_schema_is_named_as_ruby_and_changes_nothing() {
    let p = Project::shop(20);
    p.write("schema.rb", SCHEMA_RB);
    let before = snapshot(&p.dir);
    for cmd in ["plan", "migrate"] {
        let run = p.mig(&[
            cmd,
            "--old",
            "old.db",
            "--new",
            "new.db",
            "--schema",
            "schema.rb",
        ]);
        let line = run.fails(
            1,
            &format!("{cmd} failed: schema.rb:1:1: this file is Rails' schema.rb (Ruby)"),
        );
        assert!(
            line.contains("give the complete target schema as SQL"),
            "{line}"
        );
    }
    assert_eq!(snapshot(&p.dir), before, "a file changed");
}

#[test]
fn a_structure_sql_with_its_schema_migrations_inserts_says_to_delete_them_and_changes_nothing() {
    let p = Project::shop(20);
    let structure = format!(
        "{NEW_SCHEMA}\nINSERT INTO \"schema_migrations\" (version) VALUES\n('20220224194639'),\n('20221004172825');\n\n"
    );
    p.write("structure.sql", &structure);
    let at = structure
        .lines()
        .position(|l| l.starts_with("INSERT"))
        .expect("insert")
        + 1;
    let before = snapshot(&p.dir);
    for cmd in ["plan", "migrate"] {
        let run = p.mig(&[
            cmd,
            "--old",
            "old.db",
            "--new",
            "new.db",
            "--schema",
            "structure.sql",
        ]);
        let line = run.fails(
            1,
            &format!("{cmd} failed: structure.sql:{at}:1: INSERT INTO schema_migrations"),
        );
        assert!(line.contains("delete these lines"), "{line}");
        assert!(
            line.contains("record the new versions after cutover"),
            "{line}"
        );
    }
    assert_eq!(snapshot(&p.dir), before, "a file changed");
}
