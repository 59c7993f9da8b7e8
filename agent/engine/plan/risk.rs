//! Risk: every rule in one table ([`RULES`]), each with its level and score,
//! and the findings a plan's analysis produces from them.
//!
//! The whole migration's level is its highest finding's; its score is the
//! highest finding's score plus [`EXTRA_FINDING`] for each further finding,
//! at most 100. No finding: LOW, 0.

use super::assess::Assessment;
use super::deps::Dependency;
use super::precheck::ConstraintKind;
use super::values::AffinityChange;
use super::{KeyMode, Plan};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RiskLevel {
    Low,
    Medium,
    High,
    Critical,
}

impl RiskLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            RiskLevel::Low => "LOW",
            RiskLevel::Medium => "MEDIUM",
            RiskLevel::High => "HIGH",
            RiskLevel::Critical => "CRITICAL",
        }
    }
}

/// One rule: when it fires, and what it weighs.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub id: &'static str,
    pub level: RiskLevel,
    pub score: u32,
    /// When it fires (documentation; `--help`-like).
    pub when: &'static str,
}

use RiskLevel::{Critical, High, Low, Medium};

/// Every risk rule. Keep this table the one place a level or score is set.
pub const RULES: &[Rule] = &[
    Rule { id: "constraint-blocks", level: Critical, score: 100, when: "old rows violate a new NOT NULL (without DEFAULT), UNIQUE, CHECK or STRICT column type: the copy would stop or merge rows" },
    Rule { id: "dropped-table", level: Critical, score: 90, when: "an old table with rows is not carried over: its rows are lost" },
    Rule { id: "dropped-column", level: High, score: 70, when: "an old column with non-NULL values is not read by any mapping: the values are lost" },
    Rule { id: "foreign-key-violated", level: High, score: 65, when: "old rows would reference a missing parent under a new FOREIGN KEY" },
    Rule { id: "values-change", level: High, score: 60, when: "a copied column's new type affinity changes stored values (e.g. TEXT '007' -> INTEGER 7)" },
    Rule { id: "broken-dependency", level: High, score: 55, when: "an old view, trigger, unique index or foreign key reads a dropped or renamed table or column" },
    Rule { id: "index-not-kept", level: Medium, score: 25, when: "an old (not unique) index reads a dropped or renamed table or column and no new index leads with its mapped columns: its lookups may scan the table" },
    Rule { id: "not-null-default", level: Medium, score: 45, when: "old rows have NULL where a new NOT NULL column has a DEFAULT: they take the DEFAULT" },
    Rule { id: "long-copy", level: Medium, score: 40, when: "a table has at least 1,000,000 rows or 1 GiB, or its copy is predicted to take over 10 minutes" },
    Rule { id: "renumbered-keys", level: Medium, score: 35, when: "a table's rows get new keys (references are translated through the id mapping)" },
    Rule { id: "affinity-change", level: Medium, score: 30, when: "a copied column's type affinity changes, but no probed value changes" },
    Rule { id: "new-constraint", level: Low, score: 15, when: "a NOT NULL, UNIQUE, CHECK or FOREIGN KEY the old schema did not guarantee: old rows pass, writes during the migration are not checked until replay" },
    Rule { id: "no-primary-key", level: Medium, score: 20, when: "an old table has no primary key: rows are tracked by rowid (do not VACUUM old until cutover)" },
    Rule { id: "empty-drop", level: Low, score: 10, when: "a dropped table or column holds no data" },
];

/// Extra score for each finding beyond the highest.
pub const EXTRA_FINDING: u32 = 2;
pub const LARGE_ROWS: u64 = 1_000_000;
pub const LARGE_BYTES: u64 = 1 << 30;
pub const LONG_COPY_SECONDS: f64 = 600.0;

#[derive(Debug, Clone)]
pub struct Finding {
    pub rule: &'static str,
    pub subject: String,
    pub level: RiskLevel,
    pub score: u32,
    pub reason: String,
}

#[derive(Debug, Clone)]
pub struct Overall {
    pub level: RiskLevel,
    pub score: u32,
    pub reasons: Vec<String>,
}

pub fn rule(id: &str) -> Rule {
    RULES.iter().copied().find(|r| r.id == id).unwrap_or(Rule {
        id: "unknown",
        level: Low,
        score: 0,
        when: "",
    })
}

fn finding(id: &'static str, subject: impl Into<String>, reason: String) -> Finding {
    let r = rule(id);
    Finding {
        rule: r.id,
        subject: subject.into(),
        level: r.level,
        score: r.score,
        reason,
    }
}

/// Applies every rule to a plan and its analysis; highest score first.
pub fn findings(plan: &Plan, a: &Assessment) -> Vec<Finding> {
    let mut out = data_loss(plan);
    out.extend(constraints(a));
    out.extend(a.affinity.iter().map(affinity_change));
    out.extend(a.dependencies.iter().map(dependency));
    out.extend(shape(plan, a));
    out.sort_by(|a, b| {
        b.score
            .cmp(&a.score)
            .then_with(|| a.subject.cmp(&b.subject))
    });
    out
}

/// Dropped tables and columns, and drops of nothing.
fn data_loss(plan: &Plan) -> Vec<Finding> {
    let mut out = Vec::new();
    for d in &plan.data_loss {
        if let Some(why) = &d.unread {
            out.push(finding("dropped-table", d.old_table.clone(), format!(
                "table {} is dropped and its rows could not be read ({why}): any it holds are lost; count them where its extension is loaded (the service), and recreate and fill the table after cutover",
                d.old_table
            )));
            continue;
        }
        let (id, subject, what) = match &d.old_column {
            None => (
                "dropped-table",
                d.old_table.clone(),
                format!("table {} is dropped: {} rows lost", d.old_table, d.rows),
            ),
            Some(c) => (
                "dropped-column",
                format!("{}.{c}", d.old_table),
                format!(
                    "column {}.{c} is dropped: {} non-NULL values lost",
                    d.old_table, d.rows
                ),
            ),
        };
        let id = if d.rows == 0 { "empty-drop" } else { id };
        out.push(finding(id, subject, what));
    }
    out
}

/// The constraint pre-check: violations one finding each, the new
/// constraints no old row violates one finding per table.
fn constraints(a: &Assessment) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut new_ok: Vec<(String, Vec<String>)> = Vec::new();
    for c in &a.constraints {
        let id = match (c.rows > 0, c.blocks, c.kind) {
            (true, true, _) => "constraint-blocks",
            (true, false, ConstraintKind::ForeignKey) => "foreign-key-violated",
            (true, false, _) => "not-null-default",
            (false, _, _) => {
                if c.new {
                    match new_ok.iter_mut().find(|(t, _)| *t == c.table) {
                        Some((_, list)) => list.push(c.constraint.clone()),
                        None => new_ok.push((c.table.clone(), vec![c.constraint.clone()])),
                    }
                }
                continue;
            }
        };
        out.push(finding(id, c.table.clone(), c.message()));
    }
    for (table, list) in new_ok {
        out.push(finding("new-constraint", table.clone(), format!(
            "new constraints on {table}: {}; no old row violates them, rows written during the migration are checked when replayed",
            list.join(", ")
        )));
    }
    out
}

/// An old object the new schema breaks. A plain index breaks nothing (the
/// rows and values carry over, and the new schema's own indexes are built
/// with the copy, their cost in its estimate): only its lookups go.
fn dependency(d: &Dependency) -> Finding {
    if d.kind == "index" {
        let reason = format!(
            "{}: no index of the new schema leads with its columns, so lookups it served may scan the table (define one if the service needs it)",
            d.message
        );
        return finding("index-not-kept", d.name.clone(), reason);
    }
    finding("broken-dependency", d.name.clone(), d.message.clone())
}

/// A column whose type affinity changes: whether probed values change.
fn affinity_change(v: &AffinityChange) -> Finding {
    let subject = format!("{}.{}", v.table, v.column);
    let (id, reason) = if v.changed > 0 {
        (
            "values-change",
            format!(
                "{}.{} {} -> {}.{} {}: {} of {} probed values change ({})",
                v.old_table,
                v.old_column,
                v.old_type,
                v.table,
                v.column,
                v.new_type,
                v.changed,
                v.probed,
                v.examples.text()
            ),
        )
    } else {
        (
            "affinity-change",
            format!(
                "{}.{} {} -> {}.{} {}: type affinity changes; none of {} probed values change",
                v.old_table, v.old_column, v.old_type, v.table, v.column, v.new_type, v.probed
            ),
        )
    };
    finding(id, subject, reason)
}

/// What the tables' shape costs: renumbered keys, long copies, old
/// tables without a primary key.
fn shape(plan: &Plan, a: &Assessment) -> Vec<Finding> {
    let mut out = Vec::new();
    for t in &plan.tables {
        // A key set to a constant (one row; more are refused by the
        // constraint pre-check) gets no new keys to translate.
        if t.key_mode == KeyMode::Renumbered && t.constant_key.is_empty() {
            out.push(finding("renumbered-keys", t.name.clone(), format!(
                "table {} is renumbered: {} rows get new keys, references are translated through the id mapping", t.name, t.rows
            )));
        }
    }
    for e in &a.estimates.tables {
        if e.rows >= LARGE_ROWS || e.bytes >= LARGE_BYTES || e.copy_seconds >= LONG_COPY_SECONDS {
            out.push(finding(
                "long-copy",
                e.table.clone(),
                format!(
                    "table {}: {} rows, {} bytes, copy predicted at {:.0} s",
                    e.table, e.rows, e.bytes, e.copy_seconds
                ),
            ));
        }
    }
    for name in &a.no_primary_key {
        out.push(finding("no-primary-key", name.clone(), format!(
            "old table {name} has no primary key: rows are tracked by rowid, do not VACUUM the old database until cutover"
        )));
    }
    out
}

pub fn overall(findings: &[Finding]) -> Overall {
    let Some(top) = findings.iter().max_by_key(|f| f.score) else {
        return Overall {
            level: Low,
            score: 0,
            reasons: Vec::new(),
        };
    };
    let extra = EXTRA_FINDING * (findings.len() as u32 - 1);
    Overall {
        level: findings.iter().map(|f| f.level).max().unwrap_or(Low),
        score: (top.score + extra).min(100),
        reasons: findings
            .iter()
            .map(|f| format!("{}: {}", f.level.as_str(), f.reason))
            .collect(),
    }
}
