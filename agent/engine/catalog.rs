//! Reads a database's catalog (tables, columns, keys, indexes, foreign keys)
//! through SQLite's own pragmas, for the old database and for the target
//! schema alike. mig's own tables, and the tables other tools own
//! (`owners.rs`), are never part of a catalog.

use rusqlite::Connection;

use super::error::{Result, SqlContext};

/// Tables and triggers mig creates; never copied, never counted as data loss.
pub const INTERNAL_TABLES: &[&str] = &[
    "_migration_marker",
    "_migration_log",
    "_migration_status",
    "_migration_progress",
    // mig 0.1's single id mapping; now one `_mig_map_<table>` each.
    "_id_mapping",
    "_schema_identity",
    "_mig_certificate",
];

/// Prefix of the recording triggers mig installs on the old database.
pub const TRIGGER_PREFIX: &str = "_mig_";

pub fn is_internal(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    INTERNAL_TABLES.iter().any(|t| t.eq_ignore_ascii_case(name))
        || lower.starts_with("sqlite_")
        || lower.starts_with(TRIGGER_PREFIX)
}

/// Neither mig's own table nor one another tool owns (Litestream's).
fn is_user_table(name: &str) -> bool {
    !is_internal(name) && super::owners::built_in_owner(name).is_none()
}

/// `"name"` with embedded quotes doubled.
pub fn q(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

/// `'text'` with embedded quotes doubled.
pub fn lit(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    pub decl_type: String,
    pub notnull: bool,
    pub default: Option<String>,
    /// 1-based position in the primary key, 0 when not part of it.
    pub pk: usize,
    /// A generated column: computed by SQLite, never written.
    pub generated: bool,
}

#[derive(Debug, Clone)]
pub struct ForeignKey {
    pub parent: String,
    pub from: Vec<String>,
    /// Referenced parent columns; `None` means the parent's primary key.
    pub to: Vec<Option<String>>,
}

#[derive(Debug, Clone)]
pub struct IndexColumn {
    /// `None` for an expression.
    pub name: Option<String>,
    pub desc: bool,
    pub collation: String,
}

#[derive(Debug, Clone)]
pub struct Index {
    pub name: String,
    pub unique: bool,
    /// `c` (CREATE INDEX), `u` (UNIQUE constraint) or `pk`.
    pub origin: String,
    pub partial: bool,
    pub columns: Vec<IndexColumn>,
}

#[derive(Debug, Clone)]
pub struct Table {
    pub name: String,
    pub columns: Vec<Column>,
    pub without_rowid: bool,
    pub strict: bool,
    /// Primary key columns in key order (empty: none declared).
    pub pk: Vec<String>,
    /// The INTEGER PRIMARY KEY column that aliases the rowid, if any.
    pub rowid_alias: Option<String>,
    pub foreign_keys: Vec<ForeignKey>,
    pub indexes: Vec<Index>,
}

/// How SQLite converts a value stored in (or compared with) a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Affinity {
    Integer,
    Text,
    Blob,
    Real,
    Numeric,
}

impl Affinity {
    /// SQLite's rules for a declared type (section 3.1 of "Datatypes In
    /// SQLite"), in their order; in a STRICT table `ANY` keeps values as
    /// they are.
    pub fn of(decl_type: &str, strict: bool) -> Affinity {
        let t = decl_type.to_ascii_uppercase();
        if t.contains("INT") {
            Affinity::Integer
        } else if ["CHAR", "CLOB", "TEXT"].iter().any(|k| t.contains(k)) {
            Affinity::Text
        } else if t.is_empty() || t.contains("BLOB") || (strict && t == "ANY") {
            Affinity::Blob
        } else if ["REAL", "FLOA", "DOUB"].iter().any(|k| t.contains(k)) {
            Affinity::Real
        } else {
            Affinity::Numeric
        }
    }

    /// A declared type that gives a column this affinity.
    pub fn sql_type(self) -> &'static str {
        match self {
            Affinity::Integer => "INTEGER",
            Affinity::Text => "TEXT",
            Affinity::Blob => "BLOB",
            Affinity::Real => "REAL",
            Affinity::Numeric => "NUMERIC",
        }
    }
}

impl Table {
    /// The affinity of column `name` (BLOB for an unknown name).
    pub fn affinity(&self, name: &str) -> Affinity {
        self.column(name)
            .map_or(Affinity::Blob, |c| Affinity::of(&c.decl_type, self.strict))
    }

    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
    }

    /// The index that orders a WITHOUT ROWID table (its primary key).
    pub fn pk_index(&self) -> Option<&Index> {
        self.indexes.iter().find(|i| i.origin == "pk")
    }
}

#[derive(Debug, Clone)]
pub struct NamedSql {
    pub name: String,
    pub table: String,
    pub sql: String,
}

#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// User tables in catalog order.
    pub tables: Vec<Table>,
    pub views: Vec<NamedSql>,
    pub triggers: Vec<NamedSql>,
    /// Explicit `CREATE INDEX` statements (not constraint indexes).
    pub indexes: Vec<NamedSql>,
    /// Virtual tables: mig cannot record writes to them.
    pub virtual_tables: Vec<String>,
}

impl Catalog {
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables
            .iter()
            .find(|t| t.name.eq_ignore_ascii_case(name))
    }

    /// Leaves out the tables an operator configured as another tool's, and
    /// the indexes and triggers on them.
    pub fn leave(&mut self, left: &super::owners::LeftToOwner) {
        self.tables.retain(|t| !left.contains(&t.name));
        self.virtual_tables.retain(|t| !left.contains(t));
        self.triggers.retain(|t| !left.contains(&t.table));
        self.indexes.retain(|t| !left.contains(&t.table));
    }

    /// Reads the catalog of attached schema `schema` ("main" or "old").
    pub fn read(conn: &Connection, schema: &str) -> Result<Catalog> {
        let ctx = || format!("reading the catalog of {schema}");
        let mut cat = Catalog::default();
        let mut list = conn
            .prepare(&format!(
                "SELECT name, type, wr, strict FROM pragma_table_list WHERE schema = {}",
                lit(schema)
            ))
            .ctx(ctx)?;
        let entries: Vec<(String, String, bool, bool)> = list
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .ctx(ctx)?
            .collect::<std::result::Result<_, _>>()
            .ctx(ctx)?;
        let order = object_order(conn, schema)?;
        let mut tables: Vec<(usize, Table)> = Vec::new();
        for (name, kind, wr, strict) in entries {
            if !is_user_table(&name) {
                continue;
            }
            match kind.as_str() {
                "table" => {
                    let pos = order
                        .iter()
                        .position(|n| n.eq_ignore_ascii_case(&name))
                        .unwrap_or(usize::MAX);
                    tables.push((pos, read_table(conn, schema, &name, wr, strict)?));
                }
                "virtual" => cat.virtual_tables.push(name),
                _ => {} // views are read below; shadow tables belong to their virtual table
            }
        }
        tables.sort_by_key(|(pos, _)| *pos);
        cat.tables = tables.into_iter().map(|(_, t)| t).collect();
        let mut objs = conn
            .prepare(&format!(
                "SELECT type, name, tbl_name, sql FROM {}.sqlite_schema WHERE sql IS NOT NULL \
                 AND type IN ('view','trigger','index') ORDER BY rowid",
                q(schema)
            ))
            .ctx(ctx)?;
        let rows = objs
            .query_map([], |r| {
                Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .ctx(ctx)?;
        for row in rows {
            let (kind, name, table, sql): (String, String, String, String) = row.ctx(ctx)?;
            if !is_user_table(&table) || name.to_ascii_lowercase().starts_with(TRIGGER_PREFIX) {
                continue;
            }
            let item = NamedSql { name, table, sql };
            match kind.as_str() {
                "view" => cat.views.push(item),
                "trigger" => cat.triggers.push(item),
                _ => cat.indexes.push(item),
            }
        }
        Ok(cat)
    }
}

fn object_order(conn: &Connection, schema: &str) -> Result<Vec<String>> {
    let mut stmt = conn
        .prepare(&format!(
            "SELECT name FROM {}.sqlite_schema WHERE type = 'table' ORDER BY rowid",
            q(schema)
        ))
        .ctx(|| "reading table order".into())?;
    let names = stmt
        .query_map([], |r| r.get(0))
        .ctx(|| "reading table order".into())?
        .collect::<std::result::Result<Vec<String>, _>>()
        .ctx(|| "reading table order".into())?;
    Ok(names)
}

fn read_table(
    conn: &Connection,
    schema: &str,
    name: &str,
    without_rowid: bool,
    strict: bool,
) -> Result<Table> {
    let ctx = || format!("reading table {name}");
    // Names bound, not spelled in the text: one prepared statement per
    // query for every table of both catalogs (`prepare_cached`).
    let mut cols = conn
        .prepare_cached(
            "SELECT name, type, \"notnull\", dflt_value, pk, hidden FROM pragma_table_xinfo(?1, ?2)",
        )
        .ctx(ctx)?;
    let columns: Vec<Column> = cols
        .query_map([name, schema], |r| {
            let hidden: i64 = r.get(5)?;
            Ok(Column {
                name: r.get(0)?,
                decl_type: r.get(1)?,
                notnull: r.get(2)?,
                default: r.get(3)?,
                pk: r.get::<_, i64>(4)?.max(0) as usize,
                generated: hidden == 2 || hidden == 3,
            })
        })
        .ctx(ctx)?
        .collect::<std::result::Result<_, _>>()
        .ctx(ctx)?;
    let mut pk_cols: Vec<&Column> = columns.iter().filter(|c| c.pk > 0).collect();
    pk_cols.sort_by_key(|c| c.pk);
    let pk: Vec<String> = pk_cols.iter().map(|c| c.name.clone()).collect();
    let indexes = read_indexes(conn, schema, name)?;
    // An INTEGER PRIMARY KEY aliases the rowid unless SQLite built a separate
    // index for it (e.g. `INTEGER PRIMARY KEY DESC`).
    let rowid_alias = match pk_cols.as_slice() {
        [only]
            if !without_rowid
                && only.decl_type.eq_ignore_ascii_case("INTEGER")
                && !indexes.iter().any(|i| i.origin == "pk") =>
        {
            Some(only.name.clone())
        }
        _ => None,
    };
    let foreign_keys = read_foreign_keys(conn, schema, name)?;
    Ok(Table {
        name: name.to_string(),
        columns,
        without_rowid,
        strict,
        pk,
        rowid_alias,
        foreign_keys,
        indexes,
    })
}

fn read_indexes(conn: &Connection, schema: &str, table: &str) -> Result<Vec<Index>> {
    let ctx = || format!("reading indexes of {table}");
    let mut list = conn
        .prepare_cached("SELECT name, \"unique\", origin, partial FROM pragma_index_list(?1, ?2)")
        .ctx(ctx)?;
    let heads: Vec<(String, bool, String, bool)> = list
        .query_map([table, schema], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .ctx(ctx)?
        .collect::<std::result::Result<_, _>>()
        .ctx(ctx)?;
    let mut out = Vec::new();
    for (name, unique, origin, partial) in heads {
        let mut cols = conn
            .prepare_cached(
                "SELECT name, \"desc\", coll FROM pragma_index_xinfo(?1, ?2) WHERE key = 1 ORDER BY seqno",
            )
            .ctx(ctx)?;
        let columns = cols
            .query_map([name.as_str(), schema], |r| {
                Ok(IndexColumn {
                    name: r.get(0)?,
                    desc: r.get(1)?,
                    collation: r.get(2)?,
                })
            })
            .ctx(ctx)?
            .collect::<std::result::Result<_, _>>()
            .ctx(ctx)?;
        out.push(Index {
            name,
            unique,
            origin,
            partial,
            columns,
        });
    }
    Ok(out)
}

fn read_foreign_keys(conn: &Connection, schema: &str, table: &str) -> Result<Vec<ForeignKey>> {
    let ctx = || format!("reading foreign keys of {table}");
    let mut stmt = conn
        .prepare_cached(
            "SELECT id, \"table\", \"from\", \"to\" FROM pragma_foreign_key_list(?1, ?2) ORDER BY id, seq",
        )
        .ctx(ctx)?;
    let rows: Vec<(i64, String, String, Option<String>)> = stmt
        .query_map([table, schema], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .ctx(ctx)?
        .collect::<std::result::Result<_, _>>()
        .ctx(ctx)?;
    let mut out: Vec<(i64, ForeignKey)> = Vec::new();
    for (id, parent, from, to) in rows {
        match out.last_mut() {
            Some((last, fk)) if *last == id => {
                fk.from.push(from);
                fk.to.push(to);
            }
            _ => out.push((
                id,
                ForeignKey {
                    parent,
                    from: vec![from],
                    to: vec![to],
                },
            )),
        }
    }
    Ok(out.into_iter().map(|(_, fk)| fk).collect())
}

/// Runs a query over `sqlite_schema` that selects three text columns
/// (kind, name, sql), for the catalog listing and the catalog hash.
pub fn schema_rows(
    conn: &Connection,
    sql: &str,
    context: &str,
) -> Result<Vec<(String, String, String)>> {
    let mut stmt = conn.prepare(sql).ctx(|| context.to_string())?;
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .ctx(|| context.to_string())?
        .collect::<std::result::Result<Vec<_>, _>>()
        .ctx(|| context.to_string())?;
    Ok(rows)
}

/// The names of the `main` schema's objects of one `kind` (`table`,
/// `trigger`) whose name starts with `prefix` (matched literally: `_` is
/// no wildcard), such as mig's own `_mig_` triggers.
pub fn names_with_prefix(conn: &Connection, kind: &str, prefix: &str) -> Result<Vec<String>> {
    Ok(with_prefix(conn, kind, prefix)?
        .into_iter()
        .map(|(name, _)| name)
        .collect())
}

/// Like [`names_with_prefix`], each name with its SQL (`""` where SQLite
/// keeps none).
pub fn with_prefix(conn: &Connection, kind: &str, prefix: &str) -> Result<Vec<(String, String)>> {
    let escaped = prefix
        .replace('\\', "\\\\")
        .replace('_', "\\_")
        .replace('%', "\\%");
    let ctx = || format!("listing the {kind}s named {prefix}*");
    let pattern = format!("{escaped}%");
    let mut stmt = conn
        .prepare("SELECT name, coalesce(sql, '') FROM main.sqlite_schema WHERE type = ?1 AND name LIKE ?2 ESCAPE '\\'")
        .ctx(ctx)?;
    let rows = stmt
        .query_map([kind, pattern.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))
        .ctx(ctx)?
        .collect::<std::result::Result<Vec<(String, String)>, _>>()
        .ctx(ctx)?;
    Ok(rows)
}
