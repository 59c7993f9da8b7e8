//! The databases an agent serves right now, with one throttle each, and the
//! changes a configuration reload could not apply yet because a job or
//! step was running on the database (applied when it ends).

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::config::{AgentConfig, DatabaseConfig};
use crate::engine::throttle::Throttle;

/// What a configuration reload did to the served databases.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Reconfigured {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub changed: Vec<String>,
    /// Removed or changed while busy: kept as they were until the work
    /// named here ends.
    pub waiting: Vec<(String, String)>,
}

impl Reconfigured {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.removed.is_empty()
            && self.changed.is_empty()
            && self.waiting.is_empty()
    }
}

#[derive(Default)]
pub(super) struct Served {
    configs: BTreeMap<String, DatabaseConfig>,
    /// Shared by the database's jobs and its catch-up; kept across a reload
    /// that leaves the throttle settings alone (a manual cap survives).
    throttles: BTreeMap<String, Arc<Throttle>>,
    /// A busy database's next configuration (`None`: removed).
    waiting: BTreeMap<String, Option<DatabaseConfig>>,
}

impl Served {
    pub(super) fn new(config: AgentConfig) -> Served {
        let mut served = Served::default();
        for d in config.databases {
            served.apply(&d.name.clone(), Some(d));
        }
        served
    }

    pub(super) fn get(&self, name: &str) -> Option<&DatabaseConfig> {
        self.configs.get(name)
    }

    pub(super) fn all(&self) -> Vec<DatabaseConfig> {
        self.configs.values().cloned().collect()
    }

    pub(super) fn names(&self) -> String {
        self.configs
            .keys()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub(super) fn throttle(&self, name: &str) -> Option<Arc<Throttle>> {
        self.throttles.get(name).cloned()
    }

    /// Whether the database's removal waits for its work to end.
    pub(super) fn removal_waiting(&self, name: &str) -> bool {
        matches!(self.waiting.get(name), Some(None))
    }

    pub(super) fn has_waiting(&self, name: &str) -> bool {
        self.waiting.contains_key(name)
    }

    /// Sets a database's configuration (`None` removes it) now.
    pub(super) fn apply(&mut self, name: &str, config: Option<DatabaseConfig>) {
        self.waiting.remove(name);
        match config {
            Some(c) => {
                let keep = self
                    .configs
                    .get(name)
                    .is_some_and(|old| old.throttle == c.throttle);
                if !keep {
                    self.throttles
                        .insert(name.to_string(), Arc::new(Throttle::new(c.throttle)));
                }
                self.configs.insert(name.to_string(), c);
            }
            None => {
                self.configs.remove(name);
                self.throttles.remove(name);
            }
        }
    }

    /// Applies a new configuration; `busy` says what runs on a database
    /// (whose change then waits). Returns what changed.
    pub(super) fn reconfigure(
        &mut self,
        config: AgentConfig,
        busy: impl Fn(&str) -> Option<String>,
    ) -> Reconfigured {
        let mut next: BTreeMap<String, DatabaseConfig> = config
            .databases
            .into_iter()
            .map(|d| (d.name.clone(), d))
            .collect();
        let mut report = Reconfigured::default();
        let current: Vec<String> = self.configs.keys().cloned().collect();
        for name in current {
            let new = next.remove(&name);
            if new.as_ref() == self.configs.get(&name) {
                self.waiting.remove(&name);
                continue;
            }
            if let Some(what) = busy(&name) {
                report.waiting.push((name.clone(), what));
                self.waiting.insert(name, new);
                continue;
            }
            match new {
                Some(_) => report.changed.push(name.clone()),
                None => report.removed.push(name.clone()),
            }
            self.apply(&name, new);
        }
        for (name, config) in next {
            report.added.push(name.clone());
            self.apply(&name, Some(config));
        }
        report
    }

    /// The waiting change of a database, if it may now be applied.
    pub(super) fn take_waiting(&mut self, name: &str) -> Option<Option<DatabaseConfig>> {
        self.waiting.remove(name)
    }
}
