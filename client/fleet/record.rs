//! The rollout record (`<fleet>.rollout.json` beside the fleet file): the
//! rollout id and, for each target that names many databases, the
//! databases it expanded to when the rollout started. A re-run of the same
//! rollout (same schemas) acts on exactly that set — databases added since
//! join only with `--add-new` — and carries the same id, so every
//! migration it starts is labelled alike. The agents still hold each
//! database's state; the record holds only which databases are in.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};

/// What a rollout froze when it started.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// The rollout id, stored as the label of every migration it starts.
    pub rollout: String,
    /// When the rollout started (seconds since the epoch).
    pub started_unix: u64,
    /// The fingerprint of the schema each many-database target is sent;
    /// a different schema is another rollout.
    pub schemas: BTreeMap<String, String>,
    /// The databases of each many-database target, in name order.
    pub databases: BTreeMap<String, Vec<String>>,
}

impl Record {
    /// Whether this record is the rollout of these schemas.
    pub fn matches(&self, schemas: &BTreeMap<String, String>) -> bool {
        &self.schemas == schemas
    }

    /// Databases in `live` that the record does not hold, per target.
    pub fn missing_from(
        &self,
        live: &BTreeMap<String, Vec<String>>,
    ) -> BTreeMap<String, Vec<String>> {
        live.iter()
            .filter_map(|(target, dbs)| {
                let frozen = self.databases.get(target);
                let new: Vec<String> = dbs
                    .iter()
                    .filter(|d| frozen.is_none_or(|f| f.binary_search(d).is_err()))
                    .cloned()
                    .collect();
                (!new.is_empty()).then(|| (target.clone(), new))
            })
            .collect()
    }

    /// Databases the record holds that `live` (what the agents serve now)
    /// no longer has, per target: a tenant whose file was removed since.
    pub fn gone_from(&self, live: &BTreeMap<String, Vec<String>>) -> BTreeMap<String, Vec<String>> {
        self.databases
            .iter()
            .filter_map(|(target, frozen)| {
                let served = live.get(target)?;
                let gone: Vec<String> = frozen
                    .iter()
                    .filter(|d| served.binary_search(d).is_err())
                    .cloned()
                    .collect();
                (!gone.is_empty()).then(|| (target.clone(), gone))
            })
            .collect()
    }

    /// Adds databases (kept in name order, each once).
    pub fn add(&mut self, new: &BTreeMap<String, Vec<String>>) {
        for (target, dbs) in new {
            let frozen = self.databases.entry(target.clone()).or_default();
            frozen.extend(dbs.iter().cloned());
            frozen.sort();
            frozen.dedup();
        }
    }

    /// How many databases the record holds.
    pub fn count(&self) -> usize {
        self.databases.values().map(Vec::len).sum()
    }
}

/// `fleet.toml` → `fleet.rollout.json`, beside it.
pub fn path_for(fleet_file: &Path) -> PathBuf {
    let stem = fleet_file
        .file_stem()
        .map_or_else(|| "fleet".into(), |s| s.to_string_lossy().into_owned());
    fleet_file.with_file_name(format!("{stem}.rollout.json"))
}

/// The record at `path`, if there is one.
pub fn load(path: &Path) -> anyhow::Result<Option<Record>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(e).with_context(|| format!("reading the rollout record {}", path.display()))
        }
    };
    let record = serde_json::from_str(&text).with_context(|| {
        format!(
            "the rollout record {} is not valid JSON; move it away to start a new rollout",
            path.display()
        )
    })?;
    Ok(Some(record))
}

/// Writes the record whole or not at all (a temporary file synced, then
/// renamed over the old one).
pub fn save(path: &Path, record: &Record) -> anyhow::Result<()> {
    let tmp = path.with_extension("json.tmp");
    let write = || -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(&serde_json::to_vec_pretty(record).map_err(std::io::Error::other)?)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    };
    write().with_context(|| format!("writing the rollout record {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_names_the_databases_added_since_and_keeps_them_sorted() {
        let mut r = Record {
            rollout: "r1".into(),
            started_unix: 1,
            schemas: [("t".to_string(), "abc".to_string())].into(),
            databases: [("t".to_string(), vec!["a".to_string(), "c".to_string()])].into(),
        };
        let live = [("t".to_string(), vec!["a".into(), "b".into(), "c".into()])].into();
        let new = r.missing_from(&live);
        assert_eq!(new["t"], ["b"]);
        r.add(&new);
        assert_eq!(r.databases["t"], ["a", "b", "c"]);
        assert_eq!(r.count(), 3);
        assert_eq!(
            path_for(Path::new("/f/fleet.toml")),
            Path::new("/f/fleet.rollout.json")
        );
    }
}
