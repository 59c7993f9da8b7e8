//! The cores this process may use, read once per process.
//!
//! `std::thread::available_parallelism` reads the cgroup's files
//! (`/proc/self/cgroup`, the CPU quota and period) on every call: ~0.2 ms
//! each on the bench machine, now and then 4–6 ms. A local `mig migrate`
//! asked four times (the async runtime's workers, the pre-check's
//! placement, each index build's sorter gate); this asks once.

use std::sync::OnceLock;

/// The cores this process may use (1 when it cannot be read).
pub fn count() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_count_is_read_once_and_at_least_one() {
        let first = super::count();
        assert!(first >= 1);
        assert_eq!(super::count(), first);
    }
}
