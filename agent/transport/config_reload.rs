//! SIGHUP: re-reads `agent.toml` and applies what can change while serving
//! — the databases (one that is busy keeps its configuration until its work
//! ends), the access lists and the TLS files — or, when the file is invalid
//! or its TLS files do not load, refuses it whole and keeps the previous
//! configuration. Every outcome is one line on the `mig::audit` target.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use super::auth::Authenticate;
use super::tls::TlsReloader;
use crate::config::AgentFile;
use crate::jobs::{self, Registry};

/// What a configuration reload touches.
pub struct ConfigReload {
    pub path: PathBuf,
    pub current: Mutex<AgentFile>,
    pub registry: Arc<Registry>,
    pub auth: Authenticate,
    pub tls: Arc<TlsReloader>,
}

impl ConfigReload {
    /// Re-reads and applies the file (blocking: it reads files).
    pub fn reload(&self) {
        let new = match AgentFile::load(&self.path) {
            Ok(f) => f,
            Err(e) => {
                tracing::error!(target: "mig::audit", "refused the reloaded configuration; the previous one stays: {e}");
                return;
            }
        };
        let configured = jobs::Configured {
            explicit: new.agent.clone(),
            sets: new.sets.clone(),
        };
        // A set folder that cannot be read refuses the whole file too.
        if let Err(e) = jobs::discover(&configured) {
            tracing::error!(target: "mig::audit", "refused the reloaded configuration; the previous one stays: {e}");
            return;
        }
        // TLS first: files that do not load refuse the whole file.
        if let Err(e) = self.tls.switch(new.tls.clone()) {
            tracing::error!(target: "mig::audit", "refused the reloaded configuration; the previous one stays: {e}");
            return;
        }
        let mut current = self.current.lock().unwrap_or_else(|p| p.into_inner());
        self.auth.replace(new.access.clone());
        let r = match self.registry.configure(configured) {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(target: "mig::audit", "the reloaded databases could not be read; the previous ones stay: {e}");
                Default::default()
            }
        };
        for warning in new.missing_files(&self.path) {
            tracing::warn!(target: "mig::audit", "{warning}");
        }
        tracing::info!(
            target: "mig::audit",
            added = ?r.added,
            removed = ?r.removed,
            changed = ?r.changed,
            access_changed = current.access != new.access,
            "reloaded {}",
            self.path.display()
        );
        for (name, what) in &r.waiting {
            tracing::warn!(target: "mig::audit", database = %name, "{name} was removed or changed in the configuration while busy with {what}; it keeps its current configuration until that ends");
        }
        let restart_only = [
            ("listen", current.listen != new.listen),
            ("[limits]", current.limits != new.limits),
            ("[health]", current.health != new.health),
        ];
        for (what, changed) in restart_only {
            if changed {
                tracing::warn!(
                    "{what} changed in {}; it takes effect when the agent restarts",
                    self.path.display()
                );
            }
        }
        *current = new;
    }
}

/// Reloads on every SIGHUP until the agent stops. The handler is installed
/// before this returns, so a SIGHUP never takes the default action (exit).
#[cfg(unix)]
pub fn on_sighup(reload: Arc<ConfigReload>) -> std::io::Result<tokio::task::JoinHandle<()>> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut hup = signal(SignalKind::hangup())?;
    Ok(tokio::spawn(async move {
        while hup.recv().await.is_some() {
            tracing::info!("SIGHUP: reloading {}", reload.path.display());
            let r = Arc::clone(&reload);
            if tokio::task::spawn_blocking(move || r.reload())
                .await
                .is_err()
            {
                tracing::error!("the configuration reload stopped on an internal error (a bug); the previous configuration stays");
            }
        }
    }))
}
