//! A child process's peak memory as it runs: polls `VmHWM` in
//! `/proc/<pid>/status` until the child exits (shared by the engine and
//! fleet benches, which time `mig` the way a user runs it).

use std::process::{Child, ExitStatus};
use std::time::Duration;

/// Waits for `child`, polling its peak resident memory every `poll`;
/// returns its exit status and the highest `VmHWM` seen, in KiB.
pub fn wait_with_peak(mut child: Child, poll: Duration) -> (ExitStatus, u64) {
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kib = 0;
    loop {
        if let Some(kib) = vm_hwm_kib(&status_file) {
            peak_kib = peak_kib.max(kib);
        }
        if let Some(status) = child.try_wait().expect("waiting for mig") {
            return (status, peak_kib);
        }
        std::thread::sleep(poll);
    }
}

/// `VmHWM:   12345 kB` → 12345; None once the process is gone.
pub fn vm_hwm_kib(path: &str) -> Option<u64> {
    let text = std::fs::read_to_string(path).ok()?;
    let line = text.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
