//! The bulk load's heap, grown ahead in large steps on the thread that
//! runs it: from the start of `migrate`'s job (its plan and the new
//! file's creation allocate on that heap too), again at the bulk load's.
//!
//! SQLite allocates its page cache a page at a time (~4.3 KB each). On a
//! thread other than the process's first, glibc's malloc serves them from
//! the thread's own arena, which it grows by exactly what each allocation
//! lacks: one `mprotect` per cache page (2,678 of them in a 100k-row
//! `migrate`, ~5% of its CPU), where the first thread's heap grows in
//! 128 KiB steps. The arena remembers how far it was ever made writable and
//! does not shrink that when it gives memory back, so allocating the
//! expected size once in blocks just under glibc's mmap threshold and
//! freeing them leaves the cache's later growth without a system call.
//!
//! Nothing is touched but each block's header (the pages are returned to
//! the kernel as the freed top is trimmed), so the peak memory barely
//! moves. Elsewhere (another allocator, strict overcommit) it is one
//! allocation and free per block, and changes nothing. Knows nothing of
//! SQLite.

/// Each block: below glibc's default mmap threshold (128 KiB), so it comes
/// from the thread's arena, not from a mapping of its own.
const BLOCK: usize = 120 * 1024;

/// Below this, growing ahead costs about what it saves (a tiny tenant's
/// cache is a few dozen pages).
const MIN_BYTES: u64 = 1 << 20;

/// The largest growth ahead: one arena heap is at most 64 MiB, and the
/// bulk load's page cache (16 MiB, `open::begin_bulk_load`) with the old
/// database's pages it reads stays below this.
pub const MAX_BYTES: u64 = 24 << 20;

/// Grows this thread's heap ahead by about `bytes` (capped at
/// [`MAX_BYTES`]; nothing below 1 MiB) and gives the memory back.
pub fn grow_ahead(bytes: u64) {
    if bytes < MIN_BYTES {
        return;
    }
    let blocks = usize::try_from(bytes.min(MAX_BYTES)).unwrap_or(0) / BLOCK;
    let held: Vec<Vec<u8>> = (0..blocks).map(|_| Vec::with_capacity(BLOCK)).collect();
    // Opaque to the optimizer, which could otherwise drop the unused
    // allocations.
    drop(std::hint::black_box(held));
}

/// [`grow_ahead`] by twice the database file `old` with its WAL (the
/// bulk load's caches: its new pages and the old ones it reads), at the
/// start of the job that will copy it. Growing again later is cheap: the
/// arena already has the room.
pub fn grow_ahead_for(old: &std::path::Path) {
    let len = |p: &std::path::Path| std::fs::metadata(p).map_or(0, |m| m.len());
    let wal = std::path::PathBuf::from(format!("{}-wal", old.display()));
    grow_ahead(len(old).saturating_add(len(&wal)).saturating_mul(2));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn growing_ahead_leaves_the_heap_usable() {
        grow_ahead(0);
        grow_ahead(MAX_BYTES * 4);
        let v: Vec<u8> = vec![7; 1 << 20];
        assert!(v.iter().all(|&b| b == 7));
    }
}
