//! The migration plan: for every new table, where its rows come from, how
//! each column is computed, whether keys survive or are renumbered, and in
//! what order tables are copied. Built from the target schema reflected in a
//! scratch database with the old database attached read-only; writes nothing.
//!
//! Which old columns an expression reads is learned from SQLite's authorizer
//! while the expression is compiled, never by parsing it ourselves.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex};

use rusqlite::hooks::{AuthAction, AuthContext, Authorization};
use rusqlite::Connection;

use super::catalog::{lit, q, Catalog, Table};
use super::error::{Result, SqlContext};
use super::schema::{lexer, SchemaFile, Statement};

/// How the old database identifies a row: what the triggers log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OldKey {
    /// A rowid table: the rowid (possibly aliased by an INTEGER PRIMARY KEY).
    Rowid { alias: Option<String> },
    /// A WITHOUT ROWID table: its primary key columns, in index order.
    Columns(Vec<KeyColumn>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyColumn {
    pub name: String,
    pub desc: bool,
    pub collation: String,
}

impl OldKey {
    pub fn width(&self) -> usize {
        match self {
            OldKey::Rowid { .. } => 1,
            OldKey::Columns(c) => c.len(),
        }
    }

    /// SQL expressions naming the key on the old table (qualified by `alias`).
    pub fn exprs(&self, alias: &str) -> Vec<String> {
        match self {
            OldKey::Rowid { .. } => vec![format!("{alias}.rowid")],
            OldKey::Columns(cols) => cols
                .iter()
                .map(|c| format!("{alias}.{}", q(&c.name)))
                .collect(),
        }
    }

    /// Names a key-only expression may read.
    fn readable_names(&self) -> Vec<String> {
        match self {
            OldKey::Rowid { alias } => {
                let mut v = vec!["rowid".to_string(), "oid".into(), "_rowid_".into()];
                v.extend(alias.iter().cloned());
                v
            }
            OldKey::Columns(cols) => cols.iter().map(|c| c.name.clone()).collect(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyMode {
    Preserved,
    Renumbered,
    NewEmpty,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnSource {
    Copy,
    Rename,
    Computed,
    Default,
    Null,
    Generated,
    /// A renumbered table's new INTEGER PRIMARY KEY: assigned by mig.
    Surrogate,
}

impl ColumnSource {
    pub fn as_str(self) -> &'static str {
        match self {
            ColumnSource::Copy => "copy",
            ColumnSource::Rename => "rename",
            ColumnSource::Computed => "computed",
            ColumnSource::Default => "default",
            ColumnSource::Null => "null",
            ColumnSource::Generated => "generated",
            ColumnSource::Surrogate => "surrogate",
        }
    }
}

#[derive(Debug, Clone)]
pub struct ColumnPlan {
    pub name: String,
    /// Expression over the old row; `None` when the column is not written.
    pub expr: Option<String>,
    pub source: ColumnSource,
    /// The value is an old key of this renumbered (new) table, translated
    /// through `_id_mapping`.
    pub translate: Option<String>,
}

#[derive(Debug, Clone)]
pub struct TablePlan {
    pub name: String,
    /// The old table (as the old catalog spells it).
    pub source: Option<String>,
    pub old_key: Option<OldKey>,
    pub key_mode: KeyMode,
    pub columns: Vec<ColumnPlan>,
    /// Preserved tables whose new rowid is not a declared column: the
    /// expression giving it (the old rowid).
    pub rowid_expr: Option<String>,
    /// New key columns (declared primary key, or `rowid`) and, for preserved
    /// tables, the expression computing each from the old key.
    pub new_key: Vec<(String, String)>,
    pub without_rowid: bool,
    pub rows: u64,
    pub deferred_indexes: Vec<String>,
}

impl TablePlan {
    /// Columns the copy writes, in order, with their expressions (rowid first
    /// when the plan sets it).
    pub fn written(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if let Some(e) = &self.rowid_expr {
            out.push(("rowid".to_string(), e.clone()));
        }
        for c in &self.columns {
            if let Some(e) = &c.expr {
                let e = match &c.translate {
                    Some(parent) => format!(
                        "(SELECT m._mig_new FROM main._id_mapping m WHERE m._mig_tbl = {} AND m._mig_k0 = ({e}))",
                        lit(parent)
                    ),
                    None => e.clone(),
                };
                out.push((c.name.clone(), e));
            }
        }
        out
    }
}

#[derive(Debug, Clone)]
pub struct DataLoss {
    pub old_table: String,
    /// `None`: the whole table.
    pub old_column: Option<String>,
    pub rows: u64,
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub schema_hash: String,
    /// Copy order: parents before children.
    pub tables: Vec<TablePlan>,
    pub data_loss: Vec<DataLoss>,
    pub warnings: Vec<String>,
    pub blockers: Vec<String>,
    /// Key columns in `_migration_log` and `_id_mapping`.
    pub key_width: usize,
    pub views: Vec<String>,
    pub triggers: Vec<String>,
}

impl Plan {
    pub fn table(&self, name: &str) -> Option<&TablePlan> {
        self.tables
            .iter()
            .find(|t| t.name.eq_ignore_ascii_case(name))
    }

    /// New tables fed by old table `old`.
    pub fn fed_by<'a>(&'a self, old: &'a str) -> impl Iterator<Item = &'a TablePlan> + 'a {
        self.tables.iter().filter(move |t| {
            t.source
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case(old))
        })
    }

    /// Old tables that feed at least one new table, each once.
    pub fn source_tables(&self) -> Vec<String> {
        let mut seen = BTreeSet::new();
        self.tables
            .iter()
            .filter_map(|t| t.source.clone())
            .filter(|s| seen.insert(s.to_ascii_lowercase()))
            .collect()
    }

    pub fn total_rows(&self) -> u64 {
        self.tables
            .iter()
            .filter(|t| t.source.is_some())
            .map(|t| t.rows)
            .sum()
    }
}

/// What the old catalog must look like for recording: its key per table.
///
/// A declared primary key is preferred over the rowid (except an INTEGER
/// PRIMARY KEY, which *is* the rowid): it is what foreign keys reference,
/// and it survives VACUUM.
pub fn old_key(table: &Table) -> OldKey {
    if table.without_rowid || (!table.pk.is_empty() && table.rowid_alias.is_none()) {
        let cols = match table.pk_index() {
            Some(idx) => idx
                .columns
                .iter()
                .map(|c| KeyColumn {
                    name: c.name.clone().unwrap_or_default(),
                    desc: c.desc,
                    collation: c.collation.clone(),
                })
                .collect(),
            None => table
                .pk
                .iter()
                .map(|n| KeyColumn {
                    name: n.clone(),
                    desc: false,
                    collation: "BINARY".into(),
                })
                .collect(),
        };
        OldKey::Columns(cols)
    } else {
        OldKey::Rowid {
            alias: table.rowid_alias.clone(),
        }
    }
}

/// Old columns read by an expression: (table, column), lowercased.
type Reads = HashSet<(String, String)>;

/// Builds the plan. `conn` holds the reflected target schema as `main` and
/// the old database attached as `old`.
/// `count`: count rows (for plan and migrate); replay only needs the mapping.
pub fn build(
    conn: &Connection,
    schema: &SchemaFile,
    schema_hash: &str,
    count: bool,
) -> Result<Plan> {
    let target = Catalog::read(conn, "main")?;
    let old = Catalog::read(conn, "old")?;
    let mut b = Builder {
        conn,
        schema,
        old: &old,
        blockers: Vec::new(),
        warnings: Vec::new(),
        reads: Reads::new(),
        count,
    };
    let mut tables = Vec::new();
    for t in &target.tables {
        let Some(stmt) = schema.table(&t.name) else {
            continue;
        };
        tables.push(b.table(t, stmt, &target)?);
    }
    b.translate_foreign_keys(&mut tables, &target);
    let tables = copy_order(tables, &target);
    let key_width = tables
        .iter()
        .filter_map(|t| t.old_key.as_ref())
        .map(OldKey::width)
        .max()
        .unwrap_or(1)
        .max(1);
    // The copy statements of children read _id_mapping: give the scratch
    // database one so they compile.
    let mapping_cols: Vec<String> = (0..key_width).map(|i| format!("_mig_k{i}")).collect();
    conn.execute_batch(&format!(
        "CREATE TABLE IF NOT EXISTS main._id_mapping(_mig_tbl TEXT NOT NULL, _mig_new INTEGER NOT NULL, {})",
        mapping_cols.join(", ")
    ))
    .ctx(|| "preparing the plan check".into())?;
    for t in &tables {
        b.validate_insert(t);
    }
    let data_loss = b.data_loss(&tables)?;
    for v in &old.virtual_tables {
        b.warnings.push(format!("old virtual table {v} is not carried over (mig cannot record writes to virtual tables); recreate and repopulate it after cutover"));
    }
    let views = target.views.iter().map(|v| v.name.clone()).collect();
    let triggers = target.triggers.iter().map(|v| v.name.clone()).collect();
    Ok(Plan {
        schema_hash: schema_hash.to_string(),
        tables,
        data_loss,
        warnings: b.warnings,
        blockers: b.blockers,
        key_width,
        views,
        triggers,
    })
}

struct Builder<'a> {
    conn: &'a Connection,
    schema: &'a SchemaFile,
    old: &'a Catalog,
    blockers: Vec<String>,
    warnings: Vec<String>,
    /// Every old column any mapping reads.
    reads: Reads,
    count: bool,
}

impl Builder<'_> {
    fn at(&self, line: usize) -> String {
        format!("{}:{}", self.schema.file_name, line)
    }

    fn table(&mut self, t: &Table, stmt: &Statement, target: &Catalog) -> Result<TablePlan> {
        let d = &stmt.directives;
        let source =
            match &d.from {
                Some((name, line)) => match self.old.table(name) {
                    Some(o) => Some(o),
                    None => {
                        let known: Vec<&str> =
                            self.old.tables.iter().map(|t| t.name.as_str()).collect();
                        self.blockers.push(format!(
                        "{}: mig:from {name}: the old database has no table {name} (it has: {})",
                        self.at(*line),
                        if known.is_empty() { "none".to_string() } else { known.join(", ") }
                    ));
                        None
                    }
                },
                None => self.old.table(&t.name),
            };
        for s in &d.sets {
            match t.column(&s.column) {
                None => self.blockers.push(format!(
                    "{}: mig:set {} = {}: table {} has no column {}",
                    self.at(s.line), s.column, s.expr, t.name, s.column
                )),
                Some(c) if c.generated => self.blockers.push(format!(
                    "{}: mig:set {}: {} is a generated column; SQLite computes it, remove the mig:set",
                    self.at(s.line), s.column, s.column
                )),
                Some(_) => {}
            }
            if source.is_none() && d.from.is_none() {
                self.blockers.push(format!(
                    "{}: mig:set {}: table {} has no old table to read from; add `-- mig:from OLD_TABLE`",
                    self.at(s.line), s.column, t.name
                ));
            }
        }
        let old_key = source.map(old_key);
        let mut columns = Vec::new();
        for c in &t.columns {
            let set = d
                .sets
                .iter()
                .find(|s| s.column.eq_ignore_ascii_case(&c.name));
            let plan = if c.generated {
                ColumnPlan {
                    name: c.name.clone(),
                    expr: None,
                    source: ColumnSource::Generated,
                    translate: None,
                }
            } else if let (Some(s), Some(o)) = (set, source) {
                let plain = lexer::tokenize(&s.expr)
                    .ok()
                    .filter(|t| t.len() == 1)
                    .and_then(|t| t[0].ident())
                    .and_then(|n| o.column(&n).map(|oc| oc.name.clone()));
                let is_plain = plain.is_some();
                let expr = match &plain {
                    Some(n) => format!("{}.{}", q(&o.name), q(n)),
                    None => s.expr.clone(),
                };
                let kind = if plain
                    .as_deref()
                    .is_some_and(|n| n.eq_ignore_ascii_case(&c.name))
                {
                    ColumnSource::Copy
                } else if is_plain {
                    ColumnSource::Rename
                } else {
                    ColumnSource::Computed
                };
                if let Err(m) = single_expression(&expr) {
                    self.blockers.push(format!(
                        "{}: mig:set {} = {}: {m}",
                        self.at(s.line),
                        c.name,
                        expr
                    ));
                }
                ColumnPlan {
                    name: c.name.clone(),
                    expr: Some(expr),
                    source: kind,
                    translate: None,
                }
            } else if let Some((o, oc)) = source.and_then(|o| o.column(&c.name).map(|oc| (o, oc))) {
                // Qualified, so the name cannot be captured by a subquery's own columns.
                ColumnPlan {
                    name: c.name.clone(),
                    expr: Some(format!("{}.{}", q(&o.name), q(&oc.name))),
                    source: ColumnSource::Copy,
                    translate: None,
                }
            } else if t
                .rowid_alias
                .as_deref()
                .is_some_and(|a| a.eq_ignore_ascii_case(&c.name))
                && source.is_some()
            {
                ColumnPlan {
                    name: c.name.clone(),
                    expr: None,
                    source: ColumnSource::Surrogate,
                    translate: None,
                }
            } else if c.default.is_some() {
                ColumnPlan {
                    name: c.name.clone(),
                    expr: None,
                    source: ColumnSource::Default,
                    translate: None,
                }
            } else {
                if c.notnull
                    && source.is_some()
                    && t.rowid_alias.as_deref() != Some(c.name.as_str())
                {
                    self.blockers.push(format!(
                        "{}: column {}.{} is NOT NULL but has no source: {} has no column {} and it has no DEFAULT; add `-- mig:set {} = <expression>` above CREATE TABLE {}",
                        self.at(stmt.line), t.name, c.name,
                        source.map(|s| s.name.as_str()).unwrap_or("the old table"), c.name, c.name, t.name
                    ));
                }
                ColumnPlan {
                    name: c.name.clone(),
                    expr: None,
                    source: ColumnSource::Null,
                    translate: None,
                }
            };
            columns.push(plan);
        }
        // Compile each expression against the old table to learn what it reads.
        let mut col_reads: HashMap<String, Reads> = HashMap::new();
        if let Some(o) = source {
            for c in columns.iter().filter(|c| c.expr.is_some()) {
                let expr = c.expr.clone().unwrap_or_default();
                match self
                    .compile(&expr, &o.name)
                    .and_then(|r| own_row_only(r, &o.name))
                {
                    Ok(r) => {
                        self.reads.extend(r.iter().cloned());
                        col_reads.insert(c.name.to_ascii_lowercase(), r);
                    }
                    Err(msg) => {
                        let line = d
                            .sets
                            .iter()
                            .find(|s| s.column.eq_ignore_ascii_case(&c.name))
                            .map(|s| s.line)
                            .unwrap_or(stmt.line);
                        self.blockers.push(format!(
                            "{}: {}.{} = {expr}: {msg}",
                            self.at(line),
                            t.name,
                            c.name
                        ));
                    }
                }
            }
        }
        let (key_mode, new_key, rowid_expr) =
            self.key_mode(t, source, old_key.as_ref(), &columns, &col_reads, stmt);
        if key_mode == KeyMode::Renumbered {
            for c in columns.iter_mut() {
                if t.rowid_alias
                    .as_deref()
                    .is_some_and(|a| a.eq_ignore_ascii_case(&c.name))
                {
                    c.expr = None;
                    c.source = ColumnSource::Surrogate;
                }
            }
        }
        if let Some(o) = source {
            if o.pk.is_empty() && !o.without_rowid {
                self.warnings.push(format!(
                    "old table {} has no primary key: its rows are tracked by rowid, so do not VACUUM the old database until cutover",
                    o.name
                ));
            }
        }
        let rows = match source {
            Some(o) if self.count => count_rows(self.conn, &o.name)?,
            _ => 0,
        };
        let deferred_indexes = target
            .indexes
            .iter()
            .filter(|i| i.table.eq_ignore_ascii_case(&t.name))
            .map(|i| i.name.clone())
            .collect();
        Ok(TablePlan {
            name: t.name.clone(),
            source: source.map(|o| o.name.clone()),
            old_key,
            key_mode,
            columns,
            rowid_expr,
            new_key,
            without_rowid: t.without_rowid,
            rows,
            deferred_indexes,
        })
    }

    /// Decides whether new keys are computed from old keys alone.
    fn key_mode(
        &mut self,
        t: &Table,
        source: Option<&Table>,
        old_key: Option<&OldKey>,
        columns: &[ColumnPlan],
        col_reads: &HashMap<String, Reads>,
        stmt: &Statement,
    ) -> (KeyMode, Vec<(String, String)>, Option<String>) {
        let (Some(o), Some(key)) = (source, old_key) else {
            return (KeyMode::NewEmpty, Vec::new(), None);
        };
        let readable: Vec<String> = key
            .readable_names()
            .iter()
            .map(|n| n.to_ascii_lowercase())
            .collect();
        let old_name = o.name.to_ascii_lowercase();
        let key_only = |r: &Reads| {
            !r.is_empty()
                && r.iter()
                    .all(|(tbl, col)| *tbl == old_name && readable.contains(col))
        };
        let new_key_cols: Vec<String> = if t.pk.is_empty() {
            vec!["rowid".into()]
        } else {
            t.pk.clone()
        };
        let mut new_key = Vec::new();
        let mut preserved = true;
        let mut rowid_expr = None;
        for k in &new_key_cols {
            if k == "rowid" {
                // No declared key: the rowid carries over when the old key is a rowid.
                if matches!(key, OldKey::Rowid { .. }) {
                    rowid_expr = Some("rowid".to_string());
                    new_key.push((k.clone(), "rowid".to_string()));
                } else {
                    preserved = false;
                }
                continue;
            }
            let plan = columns.iter().find(|c| c.name.eq_ignore_ascii_case(k));
            match (
                plan.and_then(|c| c.expr.clone()),
                col_reads.get(&k.to_ascii_lowercase()),
            ) {
                (Some(e), Some(r)) if key_only(r) => new_key.push((k.clone(), e)),
                _ => preserved = false,
            }
        }
        if preserved {
            return (KeyMode::Preserved, new_key, rowid_expr);
        }
        if t.without_rowid {
            self.blockers.push(format!(
                "{}: WITHOUT ROWID table {} must take its primary key from the old primary key of {} (mig cannot renumber it); set the key columns from the old key with mig:set",
                self.at(stmt.line), t.name, o.name
            ));
        }
        (
            KeyMode::Renumbered,
            vec![("rowid".into(), String::new())],
            None,
        )
    }

    /// Marks child columns that hold a key of a renumbered parent.
    fn translate_foreign_keys(&mut self, tables: &mut [TablePlan], target: &Catalog) {
        let renumbered: HashMap<String, (String, Option<OldKey>)> = tables
            .iter()
            .filter(|t| t.key_mode == KeyMode::Renumbered)
            .map(|t| {
                (
                    t.name.to_ascii_lowercase(),
                    (t.name.clone(), t.old_key.clone()),
                )
            })
            .collect();
        for child in tables.iter_mut() {
            let Some(tt) = target.table(&child.name) else {
                continue;
            };
            for fk in &tt.foreign_keys {
                let Some((parent, parent_key)) = renumbered.get(&fk.parent.to_ascii_lowercase())
                else {
                    continue;
                };
                let parent_alias = target.table(parent).and_then(|p| p.rowid_alias.clone());
                let to_key = fk.to.len() == 1
                    && match &fk.to[0] {
                        None => true,
                        Some(c) => parent_alias
                            .as_deref()
                            .is_some_and(|a| a.eq_ignore_ascii_case(c)),
                    };
                if fk.from.len() != 1 || !to_key {
                    continue;
                }
                let Some(col) = child
                    .columns
                    .iter_mut()
                    .find(|c| c.name.eq_ignore_ascii_case(&fk.from[0]))
                else {
                    continue;
                };
                if col.expr.is_none() {
                    continue;
                }
                if parent_key.as_ref().map(OldKey::width) != Some(1) {
                    self.blockers.push(format!(
                        "{}.{} references renumbered table {parent}, whose old key has several columns; mig can only translate single-column keys",
                        child.name, col.name
                    ));
                    continue;
                }
                col.translate = Some(parent.clone());
                let (name, expr) = (col.name.clone(), col.expr.clone().unwrap_or_default());
                // A translated column in the new primary key: replayed deletes
                // find their row through the translated value too.
                for (k, e) in child.new_key.iter_mut() {
                    if k.eq_ignore_ascii_case(&name) {
                        *e = format!(
                            "(SELECT m._mig_new FROM main._id_mapping m WHERE m._mig_tbl = {} AND m._mig_k0 = ({expr}))",
                            lit(parent)
                        );
                    }
                }
            }
        }
    }

    /// Compiles `SELECT (expr) FROM old.<table>` and returns the old columns
    /// it reads, or SQLite's error message.
    fn compile(&self, expr: &str, old_table: &str) -> std::result::Result<Reads, String> {
        single_expression(expr)?;
        let reads = Arc::new(Mutex::new(Reads::new()));
        let sink = Arc::clone(&reads);
        self.conn.authorizer(Some(move |ctx: AuthContext<'_>| {
            if let AuthAction::Read {
                table_name,
                column_name,
            } = ctx.action
            {
                // SQLite also reports an unnamed read when it touches the rowid.
                if ctx.database_name == Some("old") && !column_name.is_empty() {
                    if let Ok(mut r) = sink.lock() {
                        r.insert((
                            table_name.to_ascii_lowercase(),
                            column_name.to_ascii_lowercase(),
                        ));
                    }
                }
            }
            Authorization::Allow
        }));
        let sql = format!("SELECT ({expr}) FROM old.{}", q(old_table));
        let result = self.conn.prepare(&sql).map(|_| ());
        self.conn
            .authorizer(None::<fn(AuthContext<'_>) -> Authorization>);
        result.map_err(|e| match e {
            rusqlite::Error::SqlInputError { msg, .. } => msg,
            rusqlite::Error::SqliteFailure(_, Some(msg)) => msg,
            other => other.to_string(),
        })?;
        let out = reads.lock().map(|r| r.clone()).unwrap_or_default();
        Ok(out)
    }

    fn validate_insert(&mut self, t: &TablePlan) {
        let Some(src) = &t.source else { return };
        if t.key_mode == KeyMode::Renumbered && t.without_rowid {
            return; // already a blocker
        }
        let written = t.written();
        if written.is_empty() {
            return;
        }
        let cols: Vec<String> = written
            .iter()
            .map(|(c, _)| if c == "rowid" { c.clone() } else { q(c) })
            .collect();
        let exprs: Vec<String> = written.iter().map(|(_, e)| e.clone()).collect();
        let sql = format!(
            "INSERT INTO main.{}({}) SELECT {} FROM old.{}",
            q(&t.name),
            cols.join(", "),
            exprs.join(", "),
            q(src)
        );
        if let Err(e) = self.conn.prepare(&sql) {
            // Reaching here means each expression compiled alone; report the whole.
            self.blockers.push(format!(
                "table {}: the copy statement does not compile: {e}",
                t.name
            ));
        }
    }

    fn data_loss(&self, tables: &[TablePlan]) -> Result<Vec<DataLoss>> {
        let sourced: HashSet<String> = tables
            .iter()
            .filter_map(|t| t.source.as_ref())
            .map(|s| s.to_ascii_lowercase())
            .collect();
        let mut out = Vec::new();
        for o in &self.old.tables {
            let lower = o.name.to_ascii_lowercase();
            let any_read = self.reads.iter().any(|(t, _)| *t == lower);
            if !sourced.contains(&lower) && !any_read {
                let rows = if self.count {
                    count_rows(self.conn, &o.name)?
                } else {
                    0
                };
                out.push(DataLoss {
                    old_table: o.name.clone(),
                    old_column: None,
                    rows,
                });
                continue;
            }
            for c in o.columns.iter().filter(|c| !c.generated) {
                if !self
                    .reads
                    .contains(&(lower.clone(), c.name.to_ascii_lowercase()))
                {
                    let rows = if self.count {
                        count_non_null(self.conn, &o.name, &c.name)?
                    } else {
                        0
                    };
                    out.push(DataLoss {
                        old_table: o.name.clone(),
                        old_column: Some(c.name.clone()),
                        rows,
                    });
                }
            }
        }
        Ok(out)
    }
}

/// Replay recomputes a new row only when its own old row changes, so an
/// expression may read nothing but that row.
fn own_row_only(reads: Reads, old_table: &str) -> std::result::Result<Reads, String> {
    let own = old_table.to_ascii_lowercase();
    if let Some((other, _)) = reads.iter().find(|(t, _)| *t != own) {
        return Err(format!(
            "the expression reads old table {other}; mig recomputes a row only when its own old row changes, so an expression may read only columns of {old_table}"
        ));
    }
    Ok(reads)
}

/// Refuses text that is not one expression (a `;`, or unbalanced brackets).
fn single_expression(expr: &str) -> std::result::Result<(), String> {
    let toks = lexer::tokenize(expr).map_err(|e| e.message)?;
    let mut depth: i64 = 0;
    for t in &toks {
        match (t.kind, t.text) {
            (lexer::Kind::Semicolon, _) => return Err("an expression cannot contain `;`".into()),
            (lexer::Kind::Punct, "(") => depth += 1,
            (lexer::Kind::Punct, ")") => {
                depth -= 1;
                if depth < 0 {
                    return Err("unbalanced `)`".into());
                }
            }
            _ => {}
        }
    }
    if depth != 0 {
        return Err("unbalanced `(`".into());
    }
    Ok(())
}

fn count_rows(conn: &Connection, old_table: &str) -> Result<u64> {
    let n: i64 = conn
        .query_row(
            &format!("SELECT count(*) FROM old.{}", q(old_table)),
            [],
            |r| r.get(0),
        )
        .ctx(|| format!("counting rows of {old_table}"))?;
    Ok(n.max(0) as u64)
}

fn count_non_null(conn: &Connection, old_table: &str, column: &str) -> Result<u64> {
    let n: i64 = conn
        .query_row(
            &format!("SELECT count({}) FROM old.{}", q(column), q(old_table)),
            [],
            |r| r.get(0),
        )
        .ctx(|| format!("counting values of {old_table}.{column}"))?;
    Ok(n.max(0) as u64)
}

/// Parents before children (by the new schema's foreign keys); ties and
/// cycles keep schema order. Copy order does not affect correctness (foreign
/// keys are off while copying) but keeps the new file's layout natural.
fn copy_order(tables: Vec<TablePlan>, target: &Catalog) -> Vec<TablePlan> {
    let names: Vec<String> = tables.iter().map(|t| t.name.to_ascii_lowercase()).collect();
    let deps: Vec<HashSet<usize>> = tables
        .iter()
        .map(|t| {
            target
                .table(&t.name)
                .map(|tt| {
                    tt.foreign_keys
                        .iter()
                        .filter_map(|fk| {
                            names
                                .iter()
                                .position(|n| *n == fk.parent.to_ascii_lowercase())
                        })
                        .filter(|p| names[*p] != t.name.to_ascii_lowercase())
                        .collect()
                })
                .unwrap_or_default()
        })
        .collect();
    let mut done = vec![false; tables.len()];
    let mut order = Vec::with_capacity(tables.len());
    while order.len() < tables.len() {
        let ready = (0..tables.len()).find(|&i| !done[i] && deps[i].iter().all(|d| done[*d]));
        // A cycle: take the first remaining table in schema order.
        let next = ready
            .or_else(|| (0..tables.len()).find(|&i| !done[i]))
            .unwrap_or(0);
        done[next] = true;
        order.push(next);
    }
    let mut slots: Vec<Option<TablePlan>> = tables.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots[i].take()).collect()
}
