//! Reloading the TLS files while serving: on SIGHUP, and when their
//! contents change on disk (polled every second, compared byte for byte,
//! which also sees a Kubernetes secret's symlink swap). A new configuration
//! applies to new connections; open ones keep theirs. Files that do not load
//! leave the previous configuration in place, with one warning.
//!
//! A renewal replaces the key and then the certificate; a poll between the
//! two sees a mismatch. Such a failure is reported only when the same
//! contents still fail at the next poll.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use rustls::ServerConfig;
use time::OffsetDateTime;
use tokio::sync::watch;

use super::{build, Contents, TlsError};
use crate::config::TlsFiles;

/// The agent warns when its certificate expires within this many days.
pub const EXPIRY_WARNING_DAYS: i64 = 30;

/// How often the files are compared with what is loaded.
const POLL_INTERVAL: Duration = Duration::from_secs(1);

/// How often the expiry warning is repeated in the log.
const EXPIRY_LOG_INTERVAL: Duration = Duration::from_secs(24 * 3600);

/// What asked for a reload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// SIGHUP (or a configuration reload): reported whatever happens.
    Signal,
    /// The poll saw different contents.
    FilesChanged,
}

/// What a reload did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Unchanged,
    Reloaded,
}

struct State {
    files: TlsFiles,
    loaded: Contents,
    not_after: Option<OffsetDateTime>,
    /// Contents that failed to load, and whether that was reported.
    failed: Option<(Option<Contents>, bool)>,
    last_expiry_log: Option<Instant>,
}

/// The current TLS configuration, swapped for new connections on reload.
pub struct TlsReloader {
    state: Mutex<State>,
    current: watch::Sender<Arc<ServerConfig>>,
}

impl TlsReloader {
    /// Loads the files once (the agent does not start without them).
    pub fn load(
        files: TlsFiles,
    ) -> Result<(Arc<Self>, watch::Receiver<Arc<ServerConfig>>), TlsError> {
        let contents = Contents::read(&files)?;
        let loaded = build(&files, &contents)?;
        let (current, configs) = watch::channel(loaded.config);
        let reloader = Arc::new(TlsReloader {
            state: Mutex::new(State {
                files,
                loaded: contents,
                not_after: loaded.not_after,
                failed: None,
                last_expiry_log: None,
            }),
            current,
        });
        reloader.log_expiry(&mut reloader.state());
        super::warn_if_exposed(&reloader.state().files.key);
        Ok((reloader, configs))
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // Each update is a set of plain assignments; a panic leaves them whole.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Re-reads the files; a configuration that loads serves every new
    /// connection from now on. On failure the previous one stays.
    pub fn reload(&self, trigger: Trigger) -> Result<Outcome, TlsError> {
        let files = self.state().files.clone();
        self.load_from(files, trigger)
    }

    /// Serves other files (a changed `[tls]` section) if they load.
    pub fn switch(&self, files: TlsFiles) -> Result<Outcome, TlsError> {
        self.load_from(files, Trigger::Signal)
    }

    fn load_from(&self, files: TlsFiles, trigger: Trigger) -> Result<Outcome, TlsError> {
        let mut state = self.state();
        let contents = Contents::read(&files)?;
        let same = contents == state.loaded && files == state.files;
        if same && trigger == Trigger::FilesChanged {
            return Ok(Outcome::Unchanged);
        }
        let loaded = build(&files, &contents)?;
        state.files = files;
        state.loaded = contents;
        state.not_after = loaded.not_after;
        state.failed = None;
        state.last_expiry_log = None;
        self.current.send_replace(loaded.config);
        tracing::info!(target: "mig::audit", ?trigger, changed = !same, "loaded the TLS files; new connections use them");
        self.log_expiry(&mut state);
        super::warn_if_exposed(&state.files.key);
        Ok(if same {
            Outcome::Unchanged
        } else {
            Outcome::Reloaded
        })
    }

    /// Runs until the agent stops: reloads when the files' contents change.
    pub async fn watch_files(self: Arc<Self>) {
        loop {
            tokio::time::sleep(POLL_INTERVAL).await;
            let this = Arc::clone(&self);
            if tokio::task::spawn_blocking(move || this.poll())
                .await
                .is_err()
            {
                tracing::error!("watching the TLS files stopped on an internal error (a bug); send SIGHUP to reload them");
                return;
            }
        }
    }

    fn poll(&self) {
        let read = Contents::read(&self.state().files);
        let now_failing = match &read {
            Ok(c) if *c == self.state().loaded => {
                self.state().failed = None;
                let mut state = self.state();
                self.log_expiry(&mut state);
                return;
            }
            Ok(c) => Some(c.clone()),
            Err(_) => None,
        };
        {
            let state = self.state();
            if let Some((before, reported)) = &state.failed {
                if *before == now_failing && *reported {
                    return;
                }
            }
        }
        let result = match read {
            Ok(_) => self.reload(Trigger::FilesChanged).map(|_| ()),
            Err(e) => Err(e),
        };
        if let Err(e) = result {
            let mut state = self.state();
            let seen_before = matches!(&state.failed, Some((before, _)) if *before == now_failing);
            if seen_before {
                tracing::warn!("kept the previous TLS configuration: {e}");
            }
            state.failed = Some((now_failing, seen_before));
        }
    }

    /// A warning while the agent's certificate expires within
    /// [`EXPIRY_WARNING_DAYS`] (or has expired).
    pub fn expiry_notice(&self) -> Option<String> {
        let state = self.state();
        expiry_text(&state.files, state.not_after?, OffsetDateTime::now_utc())
    }

    fn log_expiry(&self, state: &mut State) {
        let due = state
            .last_expiry_log
            .is_none_or(|t| t.elapsed() >= EXPIRY_LOG_INTERVAL);
        if !due {
            return;
        }
        if let Some(text) = state
            .not_after
            .and_then(|n| expiry_text(&state.files, n, OffsetDateTime::now_utc()))
        {
            tracing::warn!("{text}");
            state.last_expiry_log = Some(Instant::now());
        }
    }
}

fn expiry_text(files: &TlsFiles, not_after: OffsetDateTime, now: OffsetDateTime) -> Option<String> {
    let left = not_after - now;
    let fix = "renew it (`mig certs renew DIR NAME`); the agent picks the new files up by itself";
    let cert = files.cert.display();
    if left.is_negative() {
        Some(format!(
            "the agent's certificate {cert} expired on {}: clients refuse it; {fix}",
            not_after.date()
        ))
    } else if left.whole_days() < EXPIRY_WARNING_DAYS {
        Some(format!(
            "the agent's certificate {cert} expires in {} days (on {}); {fix}",
            left.whole_days(),
            not_after.date()
        ))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_expiry_warning_starts_thirty_days_before_and_names_the_fix() {
        let files = TlsFiles {
            cert: "agent.pem".into(),
            key: "agent-key.pem".into(),
            client_ca: "ca.pem".into(),
            crl: None,
        };
        let now = OffsetDateTime::now_utc();
        let at = |days: i64| expiry_text(&files, now + time::Duration::days(days), now);
        assert_eq!(at(31), None);
        let soon = at(29).expect("within 30 days");
        assert!(
            soon.contains("expires in 29 days") && soon.contains("mig certs renew"),
            "{soon}"
        );
        let gone = at(-1).expect("expired");
        assert!(gone.contains("expired on"), "{gone}");
    }
}
