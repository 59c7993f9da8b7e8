//! The databases an agent serves right now, with one throttle each, and the
//! changes a configuration reload could not apply yet because a job or
//! step was running on the database (applied when it ends): the
//! `Registry` methods that reload it are here too.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::{JobError, Registry};
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

    /// The names served, for an error message: the first ten, then how
    /// many more (`mig databases` lists them all).
    pub(super) fn names(&self) -> String {
        let shown: Vec<&str> = self.configs.keys().take(10).map(String::as_str).collect();
        match self.configs.len() - shown.len() {
            0 => shown.join(", "),
            more => format!(
                "{} and {more} more (`mig databases` lists them)",
                shown.join(", ")
            ),
        }
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
                    .is_some_and(|old| old.settings.throttle == c.settings.throttle);
                if !keep {
                    self.throttles.insert(
                        name.to_string(),
                        Arc::new(Throttle::new(c.settings.throttle)),
                    );
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

impl Registry {
    /// Serves the databases of a reloaded configuration. A database that is
    /// removed or changed while a job or step runs on it keeps its current
    /// configuration until that work ends; it takes no new work meanwhile.
    pub fn reconfigure(&self, config: AgentConfig) -> Reconfigured {
        let slots = self.slots();
        let busy = |name: &str| {
            slots
                .get(name)
                .and_then(|s| Registry::busy_with(name, s))
                .map(|e| match e {
                    JobError::Conflict { what, .. } => what,
                    other => other.to_string(),
                })
        };
        self.served_mut().reconfigure(config, busy)
    }

    /// Applies a change that waited for the database's work to end.
    pub(super) fn settle(&self, database: &str) {
        let slots = self.slots();
        if slots
            .get(database)
            .and_then(|s| Registry::busy_with(database, s))
            .is_some()
        {
            return;
        }
        let mut served = self.served_mut();
        if !served.has_waiting(database) {
            return;
        }
        if let Some(change) = served.take_waiting(database) {
            let what = if change.is_some() {
                "changed"
            } else {
                "removed"
            };
            served.apply(database, change);
            tracing::info!(target: "mig::audit", database, "the configuration reload's change of this database applies now that its work ended ({what})");
        }
    }

    /// A warning for `status` while a reload's change of the database waits.
    pub fn waiting_note(&self, database: &str) -> Option<String> {
        let served = self.served();
        if served.removal_waiting(database) {
            Some(format!("{database} was removed from the agent's configuration; it is kept until its running work ends and takes no new work"))
        } else if served.has_waiting(database) {
            Some(format!(
                "{database}'s configuration changed; the change applies when its running work ends"
            ))
        } else {
            None
        }
    }

    pub(super) fn check_accepts(&self, database: &str) -> Result<(), JobError> {
        self.check_open()?;
        self.database(database)?;
        if self.served().removal_waiting(database) {
            return Err(JobError::Removed {
                name: database.to_string(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::paths::DatabaseSpec;

    fn db(name: &str, old: &str) -> DatabaseConfig {
        let spec = DatabaseSpec {
            old: Some(old.into()),
            new: None,
            project: None,
        };
        DatabaseConfig::new(name, spec)
    }

    #[test]
    fn a_busy_database_keeps_its_configuration_until_its_work_ends() {
        let mut served = Served::new(AgentConfig {
            databases: vec![db("a", "a.db"), db("b", "b.db"), db("c", "c.db")],
        });
        let next = AgentConfig {
            databases: vec![db("a", "a2.db"), db("d", "d.db")],
        };
        let busy = |name: &str| (name == "b").then(|| "migrate job m-1".to_string());
        let r = served.reconfigure(next, busy);
        assert_eq!(r.added, ["d"]);
        assert_eq!(r.removed, ["c"]);
        assert_eq!(r.changed, ["a"]);
        assert_eq!(
            r.waiting,
            [("b".to_string(), "migrate job m-1".to_string())]
        );
        assert!(served.get("b").is_some() && served.removal_waiting("b"));
        assert_eq!(served.names(), "a, b, d");
        let change = served.take_waiting("b").expect("b waits");
        served.apply("b", change);
        assert_eq!(served.names(), "a, d");
    }
}
