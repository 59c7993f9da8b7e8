//! `mig plan` as text: the files, the copy order with each table's column
//! mapping, renumbered tables, data loss, warnings, the analysis (risk,
//! dependencies, constraint pre-check, estimates, rehearsal; in
//! `plan_analysis.rs`), blockers and the verdict.

use mig::proto::{ColumnPlan, DataLoss, KeyMode, PlanReport, TablePlan};

use super::names;
use super::plan_analysis as analysis;

pub fn lines(p: &PlanReport) -> Vec<String> {
    let mut out = vec![
        format!("database: {}", p.database),
        format!("old database: {}", p.old_path),
        format!("new database: {}", p.new_path),
        format!("schema hash: {}", p.schema_hash),
        format!(
            "copy order ({} tables, {} rows):",
            p.tables.len(),
            p.total_rows
        ),
    ];
    for (i, t) in p.tables.iter().enumerate() {
        out.extend(table(i + 1, t));
    }
    let renumbered: Vec<&str> = p
        .tables
        .iter()
        .filter(|t| t.key_mode == KeyMode::Renumbered as i32 && t.constant_key.is_empty())
        .map(|t| t.table.as_str())
        .collect();
    out.push(format!("renumbered tables: {}", list(&renumbered)));
    out.push(format!("views: {}", list(&p.views)));
    out.push(format!("triggers: {}", list(&p.triggers)));
    let owned: Vec<String> = p
        .left_to_owner
        .iter()
        .map(|t| format!("{} ({})", t.table, t.owner))
        .collect();
    out.push(format!("left to their owner: {}", list(&owned)));
    section(
        &mut out,
        "data loss",
        p.data_loss.iter().map(data_loss).collect(),
    );
    section(&mut out, "warnings", p.warnings.clone());
    out.extend(revert(p));
    out.extend(analysis::lines(p));
    section(&mut out, "blockers", p.blockers.clone());
    let window = window_blocker(p);
    if let Some(w) = &window {
        out.push("blockers of the default revert window:".into());
        out.push(format!("  - {w}"));
    }
    match window {
        Some(_) if p.can_migrate => out.push(format!(
            "{}; cutover with the agent's default revert window ({}): no (see above)",
            verdict(p),
            window_text(p.default_revert_window_secs)
        )),
        _ => out.push(verdict(p).to_string()),
    }
    out
}

/// Why the revert window the agent opens by default (`revert_window`)
/// cannot be had: `cutover` would refuse it after `drain`, with the
/// service's writes refused until the operator acts. `None`: no default
/// window, or every table can be reverted.
pub fn window_blocker(p: &PlanReport) -> Option<String> {
    if p.default_revert_window_secs == 0 || p.cut_over {
        return None;
    }
    let missing: Vec<String> = p
        .revert
        .iter()
        .filter(|r| !r.revertible)
        .map(|r| format!("{}: {}", r.table, r.verdict))
        .collect();
    if missing.is_empty() {
        return None;
    }
    Some(format!(
        "the agent opens a revert window of {} at cutover (its revert_window), which this migration cannot have ({}): `mig cutover` would be refused after `mig drain`, the service's writes refused until you act; add the mig:revert lines named there before `mig migrate`, or cut over with `--revert-window 0`",
        window_text(p.default_revert_window_secs),
        missing.join("; ")
    ))
}

/// `30m`, `2h`: a window as agent.toml writes it.
fn window_text(secs: u64) -> String {
    humantime::format_duration(std::time::Duration::from_secs(secs)).to_string()
}

/// `revert (cutover --revert-window): customer <- Customer: revertible`,
/// then what is missing or left behind, per table.
fn revert(p: &PlanReport) -> Vec<String> {
    if p.revert.is_empty() {
        return Vec::new();
    }
    let mut out = vec!["revert after cutover (cutover --revert-window):".to_string()];
    for r in &p.revert {
        let from = if r.old_table.is_empty() {
            String::new()
        } else {
            format!(" -> {}", r.old_table)
        };
        out.push(format!("  {}{from}: {}", r.table, r.verdict));
        // The columns that do not simply come back as they were copied.
        out.extend(
            r.columns
                .iter()
                .filter(|c| !c.ends_with("[copy]") && !c.ends_with("[rename]"))
                .map(|c| format!("    {c}")),
        );
        out.extend(r.notes.iter().map(|n| format!("    note: {n}")));
    }
    out
}

fn table(n: usize, t: &TablePlan) -> Vec<String> {
    let from = if t.source_table.is_empty() {
        "(no old table)".to_string()
    } else {
        format!("<- {}", t.source_table)
    };
    let rowid = if t.without_rowid {
        ", WITHOUT ROWID"
    } else {
        ""
    };
    let mode = if t.constant_key.is_empty() {
        names::key_mode(t.key_mode).to_string()
    } else {
        format!(
            "key {} set to a constant by mig:set",
            t.constant_key.join(", ")
        )
    };
    let mut out = vec![format!(
        "  {n}. {} {from} ({mode}, {} rows{rowid})",
        t.table, t.source_rows
    )];
    let width = t.columns.iter().map(|c| c.column.len()).max().unwrap_or(0);
    for c in &t.columns {
        out.push(format!("       {:width$} = {}", c.column, column(c)));
    }
    if !t.deferred_indexes.is_empty() {
        out.push(format!(
            "       deferred indexes: {}",
            t.deferred_indexes.join(", ")
        ));
    }
    out
}

/// `expr  [source]`, plus the table a key is translated through.
pub fn column(c: &ColumnPlan) -> String {
    let expr = match (c.expr.as_str(), c.source.as_str()) {
        ("", "default") => "DEFAULT",
        ("", "null") => "NULL",
        ("", "generated") => "(generated)",
        ("", "surrogate") => "(new rowid)",
        ("", "refused") => "(refused, see blockers)",
        ("", _) => "-",
        (e, _) => e,
    };
    let via = if c.translated_via.is_empty() {
        String::new()
    } else {
        format!(" via the id mapping of {}", c.translated_via)
    };
    format!("{expr}  [{}{via}]", c.source)
}

fn data_loss(d: &DataLoss) -> String {
    if !d.unread.is_empty() {
        format!(
            "table {} (rows unknown: {}, which mig's SQLite does not have; any rows it holds would be lost)",
            d.old_table, d.unread
        )
    } else if d.old_column.is_empty() {
        format!("table {} ({} rows)", d.old_table, d.rows)
    } else {
        format!(
            "column {}.{} ({} values)",
            d.old_table, d.old_column, d.rows
        )
    }
}

fn verdict(p: &PlanReport) -> &'static str {
    match (p.can_migrate, p.data_loss.is_empty()) {
        // migrate says so and exits 0.
        (true, _) if p.cut_over => "can migrate: nothing to do (already cut over)",
        // migrate refuses a rebuild it was not asked for.
        (true, _) if p.same_schema => {
            "can migrate: yes, with --allow-same-schema (nothing to migrate: a rebuild)"
        }
        (true, true) => "can migrate: yes",
        (true, false) => "can migrate: yes, with --accept-data-loss",
        (false, _) => "can migrate: no",
    }
}

fn list<S: AsRef<str>>(items: &[S]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items
            .iter()
            .map(AsRef::as_ref)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn section(out: &mut Vec<String>, title: &str, items: Vec<String>) {
    if items.is_empty() {
        out.push(format!("{title}: none"));
    } else {
        out.push(format!("{title}:"));
        out.extend(items.into_iter().map(|i| format!("  - {i}")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> PlanReport {
        PlanReport {
            database: "local".into(),
            schema_hash: "abc".into(),
            old_path: "old.db".into(),
            new_path: "new.db".into(),
            tables: vec![
                TablePlan {
                    table: "product".into(),
                    source_table: "Product".into(),
                    key_mode: KeyMode::Renumbered as i32,
                    source_rows: 3,
                    columns: vec![
                        ColumnPlan {
                            column: "id".into(),
                            expr: "".into(),
                            source: "null".into(),
                            translated_via: "".into(),
                        },
                        ColumnPlan {
                            column: "code".into(),
                            expr: "Code".into(),
                            source: "rename".into(),
                            translated_via: "".into(),
                        },
                    ],
                    without_rowid: false,
                    deferred_indexes: vec![],
                    constant_key: vec![],
                },
                TablePlan {
                    table: "orders".into(),
                    source_table: "Orders".into(),
                    key_mode: KeyMode::Preserved as i32,
                    source_rows: 10,
                    columns: vec![ColumnPlan {
                        column: "product_id".into(),
                        expr: "ProductCode".into(),
                        source: "rename".into(),
                        translated_via: "product".into(),
                    }],
                    without_rowid: false,
                    deferred_indexes: vec!["orders_customer".into()],
                    constant_key: vec![],
                },
            ],
            data_loss: vec![DataLoss {
                old_table: "Customer".into(),
                old_column: "Photo".into(),
                rows: 2,
                unread: String::new(),
            }],
            warnings: vec![],
            can_migrate: true,
            blockers: vec![],
            total_rows: 13,
            views: vec!["order_totals".into()],
            triggers: vec![],
            ..Default::default()
        }
    }

    #[test]
    fn plan_text_lists_order_mapping_renumbering_and_loss() {
        let text = lines(&report()).join("\n");
        let expected = "\
database: local
old database: old.db
new database: new.db
schema hash: abc
copy order (2 tables, 13 rows):
  1. product <- Product (renumbered through the id mapping, 3 rows)
       id   = NULL  [null]
       code = Code  [rename]
  2. orders <- Orders (keys preserved, 10 rows)
       product_id = ProductCode  [rename via the id mapping of product]
       deferred indexes: orders_customer
renumbered tables: product
views: order_totals
triggers: none
left to their owner: none
data loss:
  - column Customer.Photo (2 values)
warnings: none
dependencies that break: none
constraint pre-check (old rows vs new constraints): none
blockers: none
can migrate: yes, with --accept-data-loss";
        assert_eq!(text, expected);
    }

    #[test]
    fn plan_text_shows_risk_violations_estimates_and_rehearsal() {
        use mig::proto::{
            ConstraintViolation, Estimates, Rehearsal, RehearsalTable, Risk, RiskFinding,
            RiskLevel, TableEstimate,
        };
        let mut p = report();
        p.risk = Some(Risk {
            level: RiskLevel::Critical as i32,
            score: 100,
            reasons: vec![],
        });
        p.risks = vec![RiskFinding {
            rule: "constraint-blocks".into(),
            subject: "customer".into(),
            level: RiskLevel::Critical as i32,
            score: 100,
            reason: "2 rows in Customer would violate UNIQUE(email) of customer".into(),
        }];
        p.violations = vec![ConstraintViolation {
            blocks: true,
            message: "2 rows in Customer would violate UNIQUE(email) of customer".into(),
            ..Default::default()
        }];
        p.estimates = Some(Estimates {
            tables: vec![TableEstimate {
                table: "customer".into(),
                rows: 2,
                bytes: 8192,
                copy_seconds: 0.002,
                sampled_rows: 2,
            }],
            bytes_method: "dbstat".into(),
            old_bytes: 8192,
            copy_seconds: 0.002,
            disk_needed_bytes: 12288,
            disk_available_bytes: 4096,
        });
        p.rehearsal = Some(Rehearsal {
            sample_percent: 100.0,
            succeeded: true,
            migrate_seconds: 1.5,
            rows_copied: 2,
            tables: vec![RehearsalTable {
                table: "customer".into(),
                old_rows: 2,
                new_rows: 2,
            }],
            new_db_bytes: 4096,
            ..Default::default()
        });
        let text = lines(&p).join("\n");
        let expected = "\
risk: CRITICAL (score 100/100)
  - CRITICAL 100: 2 rows in Customer would violate UNIQUE(email) of customer
dependencies that break: none
constraint pre-check (old rows vs new constraints):
  - [blocks] 2 rows in Customer would violate UNIQUE(email) of customer
estimates (bytes from dbstat):
  customer           2 rows     8.0 KiB  copy ~2 ms
  total: 8.0 KiB old, copy ~2 ms (measured on a sample, in memory: a lower bound)
  disk: the new database needs ~12.0 KiB, 4.0 KiB free - NOT ENOUGH, free space first
rehearsal on a private copy (100% of rows): succeeded
  snapshot 0 ms (0 B), migrate 1.5 s, drain 0 ms, cutover 0 ms; 2 rows copied
  customer  2 old rows -> 2 new rows
  new database size: 4.0 KiB";
        assert!(text.contains(expected), "{text}");
    }

    #[test]
    fn blocked_plan_says_no() {
        let mut p = report();
        p.can_migrate = false;
        p.blockers = vec!["table x: NOT NULL column y has no source".into()];
        let text = lines(&p);
        assert!(text.contains(&"  - table x: NOT NULL column y has no source".to_string()));
        assert_eq!(text.last().map(String::as_str), Some("can migrate: no"));
    }
}
