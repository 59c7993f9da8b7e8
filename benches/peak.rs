//! A child process's peak memory and CPU time as it runs: polls `VmHWM` in
//! `/proc/<pid>/status` until the child exits, and reads the CPU time the
//! kernel charged it once it is reaped (shared by the engine and fleet
//! benches, which time `mig` the way a user runs it).

use std::process::{Child, ExitStatus};
use std::sync::mpsc::RecvTimeoutError;
use std::time::{Duration, Instant};

use nix::sys::resource::{getrusage, UsageWho};

/// What one waited-for child cost.
pub struct Waited {
    pub status: ExitStatus,
    /// The highest `VmHWM` seen, in KiB.
    pub peak_kib: u64,
    /// User + system CPU seconds of the child and all its threads.
    #[allow(dead_code)] // the fleet bench reads the status and peak only
    pub cpu_s: f64,
    /// When the child was reaped.
    #[allow(dead_code)] // the fleet bench times its own runs
    pub ended: Instant,
}

/// User + system CPU seconds of every child this process has reaped so
/// far: the difference across one `wait` is that child's own (the benches
/// wait for one child at a time).
pub fn reaped_children_cpu() -> f64 {
    let u = getrusage(UsageWho::RUSAGE_CHILDREN).expect("getrusage");
    let secs = |t: nix::sys::time::TimeVal| t.tv_sec() as f64 + t.tv_usec() as f64 / 1e6;
    secs(u.user_time()) + secs(u.system_time())
}

/// Waits for `child`, polling its peak resident memory every `poll`.
///
/// The wait itself blocks on a thread of its own and notes the instant
/// the child is reaped, so the exit is timed exactly (a sleep between
/// polls would add up to `poll` to every run, which the limit's plain
/// `wait` does not pay).
pub fn wait_with_peak(mut child: Child, poll: Duration) -> Waited {
    let before = reaped_children_cpu();
    let status_file = format!("/proc/{}/status", child.id());
    let (done, reaped) = std::sync::mpsc::channel();
    let waiter = std::thread::spawn(move || {
        let status = child.wait().expect("waiting for mig");
        // The receiver lives until this is received.
        let _ = done.send((status, Instant::now()));
    });
    let mut peak_kib = 0;
    loop {
        if let Some(kib) = vm_hwm_kib(&status_file) {
            peak_kib = peak_kib.max(kib);
        }
        match reaped.recv_timeout(poll) {
            Ok((status, ended)) => {
                waiter.join().expect("the waiting thread");
                let cpu_s = reaped_children_cpu() - before;
                return Waited {
                    status,
                    peak_kib,
                    cpu_s,
                    ended,
                };
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => panic!("the waiting thread failed"),
        }
    }
}

/// `VmHWM:   12345 kB` → 12345; None once the process is gone.
pub fn vm_hwm_kib(path: &str) -> Option<u64> {
    let text = std::fs::read_to_string(path).ok()?;
    let line = text.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The 1-minute load average (`/proc/loadavg`), to note beside each figure.
pub fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(f64::NAN)
}
