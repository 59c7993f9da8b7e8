//! The property test's writer operations: single SQL statements on the
//! property schema (see `tests/engine_property.rs`), with values drawn from
//! small domains so keys and UNIQUE values collide often, and proptest
//! strategies that generate them. `Debug` output is the readable form a
//! failing case shrinks to.

use proptest::prelude::*;
use rusqlite::types::{ToSqlOutput, Value};
use rusqlite::{Connection, ToSql};

/// A column value, printed readably when a case shrinks.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Null,
    Int(i64),
    Real(f64),
    Text(&'static str),
    Blob(Vec<u8>),
    /// A text of this many characters (a large value, kept short in output).
    Big(usize),
}

impl ToSql for Val {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Owned(match self {
            Val::Null => Value::Null,
            Val::Int(i) => Value::Integer(*i),
            Val::Real(f) => Value::Real(*f),
            Val::Text(s) => Value::Text((*s).to_string()),
            Val::Blob(b) => Value::Blob(b.clone()),
            Val::Big(n) => Value::Text("ü".repeat(*n)),
        }))
    }
}

const TEXTS: &[&str] = &["", "a", "Zoë", "日本語", "O'Brien", "p1@x", "7"];
const EMAILS: &[&str] = &["p1@x", "p2@x", "p4@x", "Ünï@x", "new@x"];
const SKUS: &[&str] = &["s1", "s2", "s3", "s4"];
const CODES: &[&str] = &["A", "B", "C", "ß", "日本", "Q"];
const TAG_B: &[&str] = &["x", "y", "é", "Z"];

/// One statement of the writer. `replace` makes an insert `INSERT OR
/// REPLACE` and an update `UPDATE OR REPLACE` (which delete conflicting
/// rows without firing delete triggers).
#[derive(Debug, Clone)]
pub enum Op {
    PutPerson {
        replace: bool,
        id: i64,
        name: Val,
        email: Val,
        photo: Val,
    },
    SetPerson {
        replace: bool,
        id: i64,
        name: Val,
        email: Val,
    },
    MovePerson {
        replace: bool,
        from: i64,
        to: i64,
    },
    DelPerson {
        id: i64,
    },
    PutItem {
        replace: bool,
        code: &'static str,
        title: Val,
        price: Val,
        sku: Option<&'static str>,
    },
    SetItem {
        replace: bool,
        code: &'static str,
        title: Val,
        sku: Option<&'static str>,
    },
    MoveItem {
        replace: bool,
        from: &'static str,
        to: &'static str,
    },
    DelItem {
        code: &'static str,
    },
    PutLine {
        replace: bool,
        lid: i64,
        item: Option<&'static str>,
        qty: Val,
    },
    Relink {
        lid: i64,
        item: Option<&'static str>,
    },
    MoveLine {
        from: i64,
        to: i64,
    },
    DelLine {
        lid: i64,
    },
    PutTag {
        replace: bool,
        a: i64,
        b: &'static str,
        v: Val,
    },
    SetTag {
        a: i64,
        b: &'static str,
        v: Val,
    },
    MoveTag {
        replace: bool,
        a: i64,
        b: &'static str,
        to_a: i64,
        to_b: &'static str,
    },
    DelTag {
        a: i64,
        b: &'static str,
    },
    /// Several rows at once: every person above id 4 moves by `by`.
    ShiftPersons {
        replace: bool,
        by: i64,
    },
    /// Every line of one item moves to another (a hand-made cascade).
    RelinkAll {
        from: &'static str,
        to: &'static str,
    },
    DelTagsOf {
        a: i64,
    },
}

fn or_replace(replace: bool) -> &'static str {
    if replace {
        "OR REPLACE "
    } else {
        ""
    }
}

impl Op {
    /// Runs the statement; a constraint violation undoes just this statement
    /// (as it would in a service) and is not an error.
    pub fn apply(&self, conn: &Connection) -> rusqlite::Result<()> {
        let (sql, params): (String, Vec<&dyn ToSql>) = match self {
            Op::PutPerson {
                replace,
                id,
                name,
                email,
                photo,
            } => (
                format!(
                    "INSERT {}INTO Person VALUES (?1, ?2, ?3, ?4)",
                    or_replace(*replace)
                ),
                vec![id, name, email, photo],
            ),
            Op::SetPerson {
                replace,
                id,
                name,
                email,
            } => (
                format!(
                    "UPDATE {}Person SET name = ?2, email = ?3 WHERE id = ?1",
                    or_replace(*replace)
                ),
                vec![id, name, email],
            ),
            Op::MovePerson { replace, from, to } => (
                format!(
                    "UPDATE {}Person SET id = ?2 WHERE id = ?1",
                    or_replace(*replace)
                ),
                vec![from, to],
            ),
            Op::DelPerson { id } => ("DELETE FROM Person WHERE id = ?1".into(), vec![id]),
            Op::PutItem {
                replace,
                code,
                title,
                price,
                sku,
            } => (
                format!(
                    "INSERT {}INTO Item VALUES (?1, ?2, ?3, ?4)",
                    or_replace(*replace)
                ),
                vec![code, title, price, sku],
            ),
            Op::SetItem {
                replace,
                code,
                title,
                sku,
            } => (
                format!(
                    "UPDATE {}Item SET title = ?2, sku = ?3 WHERE code = ?1",
                    or_replace(*replace)
                ),
                vec![code, title, sku],
            ),
            Op::MoveItem { replace, from, to } => (
                format!(
                    "UPDATE {}Item SET code = ?2 WHERE code = ?1",
                    or_replace(*replace)
                ),
                vec![from, to],
            ),
            Op::DelItem { code } => ("DELETE FROM Item WHERE code = ?1".into(), vec![code]),
            Op::PutLine {
                replace,
                lid,
                item,
                qty,
            } => (
                format!(
                    "INSERT {}INTO Line VALUES (?1, ?2, ?3)",
                    or_replace(*replace)
                ),
                vec![lid, item, qty],
            ),
            Op::Relink { lid, item } => (
                "UPDATE Line SET item_code = ?2 WHERE lid = ?1".into(),
                vec![lid, item],
            ),
            Op::MoveLine { from, to } => (
                "UPDATE Line SET lid = ?2 WHERE lid = ?1".into(),
                vec![from, to],
            ),
            Op::DelLine { lid } => ("DELETE FROM Line WHERE lid = ?1".into(), vec![lid]),
            Op::PutTag { replace, a, b, v } => (
                format!(
                    "INSERT {}INTO Tag VALUES (?1, ?2, ?3)",
                    or_replace(*replace)
                ),
                vec![a, b, v],
            ),
            Op::SetTag { a, b, v } => (
                "UPDATE Tag SET v = ?3 WHERE a = ?1 AND b = ?2".into(),
                vec![a, b, v],
            ),
            Op::MoveTag {
                replace,
                a,
                b,
                to_a,
                to_b,
            } => (
                format!(
                    "UPDATE {}Tag SET a = ?3, b = ?4 WHERE a = ?1 AND b = ?2",
                    or_replace(*replace)
                ),
                vec![a, b, to_a, to_b],
            ),
            Op::ShiftPersons { replace, by } => (
                format!(
                    "UPDATE {}Person SET id = id + ?1 WHERE id > 4",
                    or_replace(*replace)
                ),
                vec![by],
            ),
            Op::RelinkAll { from, to } => (
                "UPDATE Line SET item_code = ?2 WHERE item_code = ?1".into(),
                vec![from, to],
            ),
            Op::DelTagsOf { a } => ("DELETE FROM Tag WHERE a = ?1".into(), vec![a]),
            Op::DelTag { a, b } => ("DELETE FROM Tag WHERE a = ?1 AND b = ?2".into(), vec![a, b]),
        };
        match conn.execute(&sql, params.as_slice()) {
            Ok(_) => Ok(()),
            Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation) => {
                Ok(())
            }
            Err(e) => Err(e),
        }
    }
}

fn val() -> impl Strategy<Value = Val> {
    prop_oneof![
        3 => Just(Val::Null),
        3 => (-2i64..300).prop_map(Val::Int),
        1 => (-10.0f64..10.0).prop_map(|f| Val::Real((f * 4.0).round() / 4.0)),
        4 => prop::sample::select(TEXTS).prop_map(Val::Text),
        2 => prop::collection::vec(any::<u8>(), 0..4).prop_map(Val::Blob),
        1 => (1usize..3).prop_map(|k| Val::Big(k * 3000)),
    ]
}

fn email() -> impl Strategy<Value = Val> {
    prop_oneof![
        1 => Just(Val::Null),
        4 => prop::sample::select(EMAILS).prop_map(Val::Text),
    ]
}

fn code() -> impl Strategy<Value = &'static str> {
    prop::sample::select(CODES)
}

fn sku() -> impl Strategy<Value = Option<&'static str>> {
    proptest::option::of(prop::sample::select(SKUS))
}

fn tag_b() -> impl Strategy<Value = &'static str> {
    prop::sample::select(TAG_B)
}

pub fn op() -> impl Strategy<Value = Op> {
    let id = || 1i64..12;
    let a = || 1i64..6;
    prop_oneof![
        (any::<bool>(), id(), val(), email(), val()).prop_map(
            |(replace, id, name, email, photo)| Op::PutPerson {
                replace,
                id,
                name,
                email,
                photo
            }
        ),
        (any::<bool>(), id(), val(), email()).prop_map(|(replace, id, name, email)| {
            Op::SetPerson {
                replace,
                id,
                name,
                email,
            }
        }),
        (any::<bool>(), id(), id()).prop_map(|(replace, from, to)| Op::MovePerson {
            replace,
            from,
            to
        }),
        id().prop_map(|id| Op::DelPerson { id }),
        (any::<bool>(), code(), val(), val(), sku()).prop_map(
            |(replace, code, title, price, sku)| Op::PutItem {
                replace,
                code,
                title,
                price,
                sku,
            }
        ),
        (any::<bool>(), code(), val(), sku()).prop_map(|(replace, code, title, sku)| {
            Op::SetItem {
                replace,
                code,
                title,
                sku,
            }
        }),
        (any::<bool>(), code(), code()).prop_map(|(replace, from, to)| Op::MoveItem {
            replace,
            from,
            to
        }),
        code().prop_map(|code| Op::DelItem { code }),
        (any::<bool>(), id(), proptest::option::of(code()), val()).prop_map(
            |(replace, lid, item, qty)| Op::PutLine {
                replace,
                lid,
                item,
                qty
            }
        ),
        (id(), proptest::option::of(code())).prop_map(|(lid, item)| Op::Relink { lid, item }),
        (id(), id()).prop_map(|(from, to)| Op::MoveLine { from, to }),
        id().prop_map(|lid| Op::DelLine { lid }),
        (any::<bool>(), a(), tag_b(), val()).prop_map(|(replace, a, b, v)| Op::PutTag {
            replace,
            a,
            b,
            v
        }),
        (a(), tag_b(), val()).prop_map(|(a, b, v)| Op::SetTag { a, b, v }),
        (any::<bool>(), a(), tag_b(), a(), tag_b()).prop_map(|(replace, a, b, to_a, to_b)| {
            Op::MoveTag {
                replace,
                a,
                b,
                to_a,
                to_b,
            }
        }),
        (a(), tag_b()).prop_map(|(a, b)| Op::DelTag { a, b }),
        (any::<bool>(), -3i64..4).prop_map(|(replace, by)| Op::ShiftPersons { replace, by }),
        (code(), code()).prop_map(|(from, to)| Op::RelinkAll { from, to }),
        a().prop_map(|a| Op::DelTagsOf { a }),
    ]
}
