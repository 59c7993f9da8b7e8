//! The plan's analysis beyond the mapping: the constraint pre-check,
//! type-affinity changes, dependencies, estimates and the risk they add up
//! to. Read-only: it runs over the scratch database that holds the target
//! schema with the old database attached read-only.

use std::path::Path;

use rusqlite::Connection;

use super::deps::{self, Dependency};
use super::estimate::{self, Estimates};
use super::precheck::{self, Checked};
use super::quoted::{Disclosure, QuotedText};
use super::risk::{self, Finding, Overall};
use super::values::{self, AffinityChange};
use super::Plan;
use crate::engine::error::Result;
use crate::engine::statistics::{self, StatisticsPlan};

#[derive(Debug, Clone)]
pub struct Assessment {
    /// Every constraint of the new schema checked against the old rows.
    pub constraints: Vec<Checked>,
    pub affinity: Vec<AffinityChange>,
    pub dependencies: Vec<Dependency>,
    pub estimates: Estimates,
    /// Sourced old tables without a declared primary key.
    pub no_primary_key: Vec<String>,
    pub findings: Vec<Finding>,
    pub overall: Overall,
    /// What could not be analysed, and why.
    pub warnings: Vec<String>,
    /// Statistics carried to the new database, and what `ANALYZE` reads.
    pub statistics: StatisticsPlan,
}

impl Assessment {
    /// The violations that stop `migrate`, one line each.
    pub fn blockers(&self) -> Vec<String> {
        self.constraints
            .iter()
            .filter(|c| c.blocks)
            .map(Checked::message)
            .chain(self.estimates.disk_blocker.clone())
            .collect()
    }

    /// Leaves out the row data (keys, values) a caller under `d` may not
    /// read, from the checks and from the findings that quote them.
    pub fn for_caller(&mut self, plan: &Plan, d: Disclosure) {
        if d == Disclosure::Values {
            return;
        }
        for c in &mut self.constraints {
            c.examples.for_caller(d);
        }
        for v in &mut self.affinity {
            v.examples.for_caller(d);
        }
        self.findings = risk::findings(plan, self);
        self.overall = risk::overall(&self.findings);
    }
}

/// Analyses `plan`. `conn` holds the target schema as `main` and the old
/// database attached as `old`; `new` is where the new database will be.
pub fn assess(conn: &Connection, plan: &Plan, new: &Path) -> Result<Assessment> {
    // A blocked plan's expressions may not compile: check rows once it is fixed.
    let (constraints, warnings) = if plan.blockers.is_empty() {
        precheck::check(conn, plan)?
    } else {
        (
            Vec::new(),
            vec!["the constraint pre-check runs once the blockers are fixed".to_string()],
        )
    };
    let affinity = values::affinity_changes(conn, plan)?;
    let dependencies = deps::analyze(conn, plan)?;
    let estimates = estimate::estimate(conn, plan, new)?;
    let statistics = statistics::plan(conn, plan)?;
    let mut warnings = warnings;
    warnings.extend(estimates.warnings.iter().cloned());
    let catalogs = super::Catalogs::of(conn, plan)?;
    let old = &catalogs.old;
    let no_primary_key = plan
        .source_tables()
        .into_iter()
        .filter(|s| {
            old.table(s)
                .is_some_and(|o| o.pk.is_empty() && !o.without_rowid)
        })
        .collect();
    let mut a = Assessment {
        constraints,
        affinity,
        dependencies,
        estimates,
        no_primary_key,
        findings: Vec::new(),
        overall: risk::overall(&[]),
        warnings,
        statistics,
    };
    a.findings = risk::findings(plan, &a);
    a.overall = risk::overall(&a.findings);
    Ok(a)
}

/// The pre-check alone, as `migrate` runs it before creating anything:
/// the blocking violations, one line each.
pub fn blocking_violations(conn: &Connection, plan: &Plan) -> Result<Vec<QuotedText>> {
    let (checked, _) = precheck::check(conn, plan)?;
    Ok(checked
        .iter()
        .filter(|c| c.blocks)
        .map(Checked::quoted)
        .collect())
}
