//! `mig verify`'s machinery: the chunked comparison of the new database
//! with the mapping of the old one ([`table`]), each chunk in one write
//! transaction that first replays the log to the old snapshot it reads,
//! then compares a count and a sum of row hashes (`hash.rs`), then exact
//! rows (`chunk.rs`), recopying a differing chunk; and `verify --queries`
//! (`queries.rs`). Drain's own row-count checks are in `ops/drain/checks.rs`.

mod chunk;
pub mod hash;
mod progress;
pub mod queries;
mod table;

pub use progress::{Chunk, Progress, ROW_COST_BYTES};
pub use table::{table, Repair, TableReport};
