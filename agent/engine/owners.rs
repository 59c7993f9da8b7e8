//! Tables that belong to another tool beside the service: Litestream's
//! `_litestream_*`, SQLite's `sqlite_stat*`, and the names an operator lists
//! (`ignore_tables` in `agent.toml`, `--ignore-table`, the fleet file). A
//! listed name with `*` or `?` is a glob (`_airflow_deleted__*`): it also
//! covers tables created later, such as another tool's daily archive tables.
//!
//! Their owner writes them whenever it likes, also while mig drains: mig
//! never records, freezes, copies or counts them as data loss, and a table
//! of theirs created after recording started is not drift. This module only
//! names them; the catalog, the plan, recording and drift consult it.

use rusqlite::Connection;

use super::catalog::{lit, q, schema_rows};
use super::error::Result;

/// Name prefixes of tables other tools create, and who owns them.
const BUILT_IN: &[(&str, &str)] = &[
    ("_litestream_", "Litestream"),
    ("sqlite_stat", "SQLite (query statistics)"),
];

/// The table Litestream keeps in every database it replicates: its
/// presence says Litestream manages the file.
pub const LITESTREAM_TABLE: &str = "_litestream_seq";

/// The owner of a table every database may have beside the user's data.
pub fn built_in_owner(table: &str) -> Option<&'static str> {
    let lower = table.to_ascii_lowercase();
    BUILT_IN
        .iter()
        .find(|(prefix, _)| lower.starts_with(prefix))
        .map(|(_, owner)| *owner)
}

/// The tables of one database left to their owner: the built-in prefixes
/// plus the names an operator configured.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LeftToOwner {
    configured: Vec<String>,
}

/// One table left to its owner, as `plan` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedTable {
    pub name: String,
    pub owner: String,
}

impl LeftToOwner {
    /// The built-in prefixes and `configured` (names compared as SQLite
    /// compares identifiers: ASCII case-insensitive).
    pub fn new<I, S>(configured: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut names: Vec<String> = configured.into_iter().map(Into::into).collect();
        names.sort_by_key(|n| n.to_ascii_lowercase());
        names.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
        LeftToOwner { configured: names }
    }

    /// The names an operator configured (no built-in prefix).
    pub fn configured(&self) -> &[String] {
        &self.configured
    }

    /// Who owns `table`, when it is not the service's data.
    pub fn owner(&self, table: &str) -> Option<&'static str> {
        built_in_owner(table).or_else(|| {
            self.configured
                .iter()
                .any(|c| names_match(c, table))
                .then_some("configured (ignore_tables)")
        })
    }

    /// Both lists: a migration's recorded one and what is configured now.
    pub fn merged(&self, other: &LeftToOwner) -> LeftToOwner {
        LeftToOwner::new(self.configured.iter().chain(&other.configured).cloned())
    }

    pub fn contains(&self, table: &str) -> bool {
        self.owner(table).is_some()
    }

    /// The tables of attached schema `schema` left to their owner, in
    /// catalog order.
    pub fn tables_in(&self, conn: &Connection, schema: &str) -> Result<Vec<OwnedTable>> {
        let rows = schema_rows(
            conn,
            &format!(
                "SELECT name, type, '' FROM {}.sqlite_schema WHERE type = 'table' ORDER BY rowid",
                q(schema)
            ),
            "listing tables left to their owner",
        )?;
        Ok(rows
            .into_iter()
            .filter_map(|(name, _, _)| {
                let owner = self.owner(&name)?;
                Some(OwnedTable {
                    name,
                    owner: owner.to_string(),
                })
            })
            .collect())
    }

    /// The configured names as recorded with a migration, one line each
    /// (`left\t<name>\t-`), appended to the recorded catalog listing so
    /// that later drift checks leave the same tables to their owner.
    pub fn recorded_lines(&self) -> String {
        self.configured
            .iter()
            .map(|n| format!("{LEFT_KIND}\t{n}\t-\n"))
            .collect()
    }

    /// The list a recorded catalog listing carries (see
    /// [`LeftToOwner::recorded_lines`]); built-ins only for a listing
    /// recorded without one.
    pub fn from_recorded(listing: &str) -> Self {
        LeftToOwner::new(listing.lines().filter_map(|l| {
            let mut parts = l.split('\t');
            (parts.next() == Some(LEFT_KIND)).then(|| parts.next().unwrap_or("").to_string())
        }))
    }

    /// A SQL condition on `column` (a table name) true for tables left to
    /// their owner.
    pub fn sql_condition(&self, column: &str) -> String {
        let mut parts: Vec<String> = BUILT_IN
            .iter()
            .map(|(prefix, _)| {
                format!(
                    "{column} LIKE {} ESCAPE '\\'",
                    lit(&format!("{}%", prefix.replace('_', "\\_")))
                )
            })
            .collect();
        let (globs, names): (Vec<&String>, Vec<&String>) =
            self.configured.iter().partition(|n| is_pattern(n));
        if !names.is_empty() {
            let names: Vec<String> = names.iter().map(|n| lit(n)).collect();
            parts.push(format!("{column} COLLATE NOCASE IN ({})", names.join(", ")));
        }
        // SQLite's GLOB and `glob::Pattern` read `*`, `?` and `[…]` alike;
        // brackets are escaped, and lower() folds ASCII as `names_match` does.
        for g in globs {
            parts.push(format!("lower({column}) GLOB {}", lit(&glob_text(g))));
        }
        format!("({})", parts.join(" OR "))
    }
}

/// Whether a configured name is a glob: it has a `*` or a `?`.
pub fn is_pattern(name: &str) -> bool {
    name.contains(['*', '?'])
}

/// `pattern` as glob text matched against ASCII-lowercased names: only `*`
/// and `?` are wildcards (a `[` or `]` in a table name stands for itself),
/// runs of `*` are one.
fn glob_text(pattern: &str) -> String {
    let mut out = String::new();
    for ch in pattern.to_ascii_lowercase().chars() {
        match ch {
            '*' if out.ends_with('*') => {}
            '[' => out.push_str("[[]"),
            ']' => out.push_str("[]]"),
            c => out.push(c),
        }
    }
    out
}

/// Whether configured name `configured` (a name or a glob) covers `table`,
/// ASCII case-insensitively, as SQLite compares identifiers.
pub fn names_match(configured: &str, table: &str) -> bool {
    if !is_pattern(configured) {
        return configured.eq_ignore_ascii_case(table);
    }
    glob::Pattern::new(&glob_text(configured)).is_ok_and(|p| p.matches(&table.to_ascii_lowercase()))
}

/// The kind column of a recorded listing line naming a configured table.
pub const LEFT_KIND: &str = "left";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_and_configured_tables_are_left_to_their_owner() {
        let left = LeftToOwner::new(["audit_shadow", "Audit_Shadow"]);
        assert_eq!(left.configured(), ["audit_shadow"]);
        assert_eq!(left.owner("_litestream_seq"), Some("Litestream"));
        assert_eq!(left.owner("_LITESTREAM_LOCK"), Some("Litestream"));
        assert!(left.contains("sqlite_stat1"));
        assert!(left.contains("AUDIT_SHADOW"));
        assert!(!left.contains("litestream_notes"));
        assert!(!left.contains("customer"));
    }

    #[test]
    fn a_configured_glob_covers_the_names_it_matches_and_no_other() {
        let left = LeftToOwner::new(["_airflow_deleted__*", "tmp_?", "a[1]*"]);
        assert!(left.contains("_airflow_deleted__task_instance__20261202"));
        assert!(left.contains("_AIRFLOW_DELETED__dag_run__1"));
        assert!(!left.contains("_airflow_deleted_x"));
        assert!(left.contains("tmp_1"));
        assert!(!left.contains("tmp_12"));
        assert!(left.contains("a[1]b"));
        assert!(!left.contains("a1b"));
        assert!(!left.contains("task_instance"));
    }

    #[test]
    fn the_configured_list_survives_the_recorded_listing() {
        let left = LeftToOwner::new(["b", "a"]);
        let listing = format!("table\tt\tabcd\n{}", left.recorded_lines());
        assert_eq!(LeftToOwner::from_recorded(&listing), left);
        assert_eq!(
            LeftToOwner::from_recorded("table\tt\tabcd\n"),
            LeftToOwner::default()
        );
    }

    #[test]
    fn the_sql_condition_matches_what_contains_says() {
        let conn = Connection::open_in_memory().unwrap();
        let left = LeftToOwner::new(["Shadow", "_airflow_deleted__*", "tmp_?", "a[1]*"]);
        let cond = left.sql_condition("n");
        for name in [
            "_airflow_deleted__task_instance__2026",
            "_AIRFLOW_DELETED__x",
            "_airflow_deleted_x",
            "tmp_1",
            "tmp_12",
            "a[1]b",
            "a1b",
            "_litestream_seq",
            "sqlite_stat4",
            "shadow",
            "xlitestream_",
            "_litestreamx",
            "t",
        ] {
            let hit: bool = conn
                .query_row(
                    &format!("SELECT {cond} FROM (SELECT ?1 AS n)"),
                    [name],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(hit, left.contains(name), "{name}");
        }
    }
}
