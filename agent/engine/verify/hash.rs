//! The row hash verify sums per chunk: a deterministic SQL function,
//! `mig_row_hash(v1, v2, ...)`, registered on the work connection (SQLite
//! has none built in). FNV-1a over each value's storage class and bytes,
//! then a 64-bit finaliser so every bit of the result depends on every byte.
//!
//! The integer 1, the real 1.0 and the text '1' hash differently: verify
//! compares stored values, after the new column's affinity has been applied
//! to both sides.

use rusqlite::functions::FunctionFlags;
use rusqlite::types::ValueRef;
use rusqlite::Connection;

use crate::engine::error::{Result, SqlContext};

/// The SQL name of the row hash.
pub const ROW_HASH: &str = "mig_row_hash";

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// Makes `mig_row_hash` available on `conn` (idempotent).
pub fn register(conn: &Connection) -> Result<()> {
    conn.create_scalar_function(
        ROW_HASH,
        -1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            let mut h = FNV_OFFSET;
            for i in 0..ctx.len() {
                feed_value(&mut h, ctx.get_raw(i));
            }
            Ok(finish(h) as i64)
        },
    )
    .ctx(|| format!("registering the {ROW_HASH} function"))
}

/// The hash of one row, as the SQL function computes it.
pub fn row_hash(values: &[ValueRef<'_>]) -> u64 {
    let mut h = FNV_OFFSET;
    for v in values {
        feed_value(&mut h, *v);
    }
    finish(h)
}

fn feed_value(h: &mut u64, v: ValueRef<'_>) {
    match v {
        ValueRef::Null => feed(h, &[0]),
        ValueRef::Integer(i) => {
            feed(h, &[1]);
            feed(h, &i.to_le_bytes());
        }
        ValueRef::Real(f) => {
            feed(h, &[2]);
            feed(h, &f.to_bits().to_le_bytes());
        }
        ValueRef::Text(b) => {
            feed(h, &[3]);
            feed(h, &(b.len() as u64).to_le_bytes());
            feed(h, b);
        }
        ValueRef::Blob(b) => {
            feed(h, &[4]);
            feed(h, &(b.len() as u64).to_le_bytes());
            feed(h, b);
        }
    }
}

fn feed(h: &mut u64, bytes: &[u8]) {
    for b in bytes {
        *h ^= u64::from(*b);
        *h = h.wrapping_mul(FNV_PRIME);
    }
}

/// splitmix64's finaliser: spreads FNV's weak high bits.
fn finish(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_class_and_order_change_the_hash() {
        let one = row_hash(&[ValueRef::Integer(1)]);
        assert_ne!(one, row_hash(&[ValueRef::Real(1.0)]));
        assert_ne!(one, row_hash(&[ValueRef::Text(b"1")]));
        let ab = row_hash(&[ValueRef::Text(b"a"), ValueRef::Text(b"b")]);
        assert_ne!(ab, row_hash(&[ValueRef::Text(b"ab"), ValueRef::Text(b"")]));
        assert_ne!(ab, row_hash(&[ValueRef::Text(b"b"), ValueRef::Text(b"a")]));
    }

    #[test]
    fn sql_function_matches_rust() {
        let conn = Connection::open_in_memory().expect("memory db");
        register(&conn).expect("register");
        let h: i64 = conn
            .query_row("SELECT mig_row_hash(7, 'x', NULL)", [], |r| r.get(0))
            .expect("hash");
        let want = row_hash(&[ValueRef::Integer(7), ValueRef::Text(b"x"), ValueRef::Null]);
        assert_eq!(h as u64, want);
    }
}
