//! Database sets (`[[database_set]]`): reading each set's folder into one
//! `DatabaseConfig` per matching file, merged with the `[[database]]`
//! entries into what the agent serves. Discovery runs at start, on
//! `ListDatabases` and when a request names a database not seen yet, so a
//! tenant added at run time is served without a restart; a file that went
//! away is no longer served (a busy one only once its work ends).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use super::served::Reconfigured;
use super::Registry;
use crate::config::{AgentConfig, DatabaseConfig, DatabaseSet};
use crate::engine::paths::DatabaseSpec;

/// Files SQLite and mig keep beside a database: never databases themselves.
const SIDECARS: [&str; 6] = [
    "-wal",
    "-shm",
    "-journal",
    ".mig-tmp",
    ".mig-lock",
    ".mig-unsynced",
];

/// What the agent serves, as configured: explicit entries and sets.
#[derive(Debug, Clone, Default)]
pub struct Configured {
    pub explicit: AgentConfig,
    pub sets: Vec<DatabaseSet>,
}

/// A discovery's result: every database served, and the files left out.
#[derive(Debug, Default)]
pub struct Discovered {
    pub config: AgentConfig,
    /// One line per file of a set that is not served, saying why.
    pub skipped: Vec<String>,
    /// Names of set files that are links to a served file: name -> the
    /// database serving it.
    pub aliases: BTreeMap<String, String>,
}

/// Reads every set's folder; an unreadable folder fails the discovery.
pub fn discover(c: &Configured) -> Result<Discovered, String> {
    let mut names: BTreeSet<String> = c
        .explicit
        .databases
        .iter()
        .map(|d| d.name.clone())
        .collect();
    let olds: BTreeSet<PathBuf> = c
        .explicit
        .databases
        .iter()
        .filter_map(|d| d.spec.old.clone())
        .collect();
    let mut out = Discovered {
        config: c.explicit.clone(),
        skipped: Vec::new(),
        aliases: BTreeMap::new(),
    };
    let mut files = SameFiles::of_explicit(&c.explicit);
    let found: Vec<(&DatabaseSet, Vec<(String, PathBuf)>)> = c
        .sets
        .iter()
        .map(|set| matching(set).map(|m| (set, m)))
        .collect::<Result<_, _>>()?;
    for (_, listed) in &found {
        files.claim_regular(listed);
    }
    for (set, listed) in found {
        for (file, path) in listed {
            let stem = Path::new(&file)
                .file_stem()
                .map_or(String::new(), |s| s.to_string_lossy().into_owned());
            if let Some(why) = link_out_of(&set.dir, &path) {
                out.skipped.push(why);
            } else if !crate::config::valid_name(&stem) {
                out.skipped.push(format!(
                    "{}: {stem:?} is not a database name (letters, digits, '-', '_', '.'; at most 64)",
                    path.display()
                ));
            } else if olds.contains(&path) {
                // Listed by a [[database]] entry: served under that name.
            } else if let Some(owner) = files.served_as_other(&path, &stem) {
                out.skipped.push(format!(
                    "{}: the same file as database {owner:?} (a link to it); served once, as {owner:?}",
                    path.display()
                ));
                out.aliases.insert(stem, owner.to_string());
            } else if !names.insert(stem.clone()) {
                out.skipped.push(format!(
                    "{}: another database is named {stem:?} already",
                    path.display()
                ));
            } else {
                files.claim(&path, &stem);
                out.config.databases.push(config_of(set, stem, &file, path));
            }
        }
    }
    Ok(out)
}

/// Which database serves each file, by file identity, so that a file
/// reached under two names (a symlink or hard link kept for a renamed
/// tenant) is one database: two would each migrate the same file, the
/// second failing on the first's tables, and the service's readiness check
/// under the other name would never see its new file.
#[derive(Default)]
struct SameFiles(BTreeMap<(u64, u64), String>);

impl SameFiles {
    /// The `[[database]]` entries' files, claimed first.
    fn of_explicit(explicit: &AgentConfig) -> SameFiles {
        let mut files = SameFiles::default();
        for d in &explicit.databases {
            if let Some(old) = &d.spec.old {
                files.claim(old, &d.name);
            }
        }
        files
    }

    /// The set files that are not symlinks, by name: a link never takes
    /// the name of the file it points to.
    fn claim_regular(&mut self, listed: &[(String, PathBuf)]) {
        for (file, path) in listed {
            let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.is_symlink());
            let stem = Path::new(file).file_stem().map(|s| s.to_string_lossy());
            if let (false, Some(stem)) = (is_link, stem) {
                if crate::config::valid_name(&stem) {
                    self.claim(path, &stem);
                }
            }
        }
    }

    fn claim(&mut self, path: &Path, name: &str) {
        if let Some(id) = file_id(path) {
            self.0.entry(id).or_insert_with(|| name.to_string());
        }
    }

    /// The other database the file at `path` is served as, if any.
    fn served_as_other(&self, path: &Path, name: &str) -> Option<&str> {
        let owner = self.0.get(&file_id(path)?)?;
        (owner != name).then_some(owner.as_str())
    }
}

/// The device and inode of the file a path leads to (following links).
#[cfg(unix)]
fn file_id(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn file_id(_: &Path) -> Option<(u64, u64)> {
    None
}

/// The files of a set's folder that match its pattern, sorted by name.
fn matching(set: &DatabaseSet) -> Result<Vec<(String, PathBuf)>, String> {
    let entries = std::fs::read_dir(&set.dir).map_err(|e| {
        format!(
            "[[database_set]] dir {} cannot be read: {e}; create it or fix the path",
            set.dir.display()
        )
    })?;
    let mut files = Vec::new();
    for entry in entries.flatten() {
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        let is_file = entry
            .file_type()
            .is_ok_and(|t| t.is_file() || t.is_symlink());
        if is_file && !SIDECARS.iter().any(|s| name.ends_with(s)) && set.pattern.matches(&name) {
            files.push((name, entry.path()));
        }
    }
    files.sort();
    Ok(files)
}

/// Why a symbolic link in a set's folder is not served: its target is
/// outside the folder (or does not resolve). A set serves the files in its
/// folder only, so a link a tenant's service placed there cannot make the
/// agent migrate a database its config does not name.
fn link_out_of(dir: &Path, path: &Path) -> Option<String> {
    let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if !is_link {
        return None;
    }
    let inside = match (std::fs::canonicalize(dir), std::fs::canonicalize(path)) {
        (Ok(dir), Ok(target)) => target.starts_with(&dir),
        _ => false,
    };
    (!inside).then(|| {
        format!(
            "{}: a symbolic link to a file outside the set's folder (or to nothing); not served: move the database into the folder, or list it as a [[database]]",
            path.display()
        )
    })
}

fn config_of(set: &DatabaseSet, stem: String, file: &str, old: PathBuf) -> DatabaseConfig {
    let new = set
        .new
        .replace("{dir}", &set.dir.display().to_string())
        .replace("{stem}", &stem)
        .replace("{name}", file);
    DatabaseConfig {
        name: stem,
        spec: DatabaseSpec {
            old: Some(old),
            new: Some(PathBuf::from(new)),
            project: None,
        },
        settings: set.settings.clone(),
    }
}

/// Serialises discoveries: each applies a whole, consistent listing.
pub(super) struct Discovery {
    configured: Mutex<Configured>,
    /// The last discovery's [`Discovered::aliases`].
    aliases: Mutex<BTreeMap<String, String>>,
}

impl Discovery {
    pub(super) fn new(configured: Configured) -> Discovery {
        Discovery {
            configured: Mutex::new(configured),
            aliases: Mutex::new(BTreeMap::new()),
        }
    }

    /// The database serving the file a set reaches as `name` through a
    /// link, if `name` is such a link.
    pub(super) fn alias(&self, name: &str) -> Option<String> {
        let aliases = self.aliases.lock().unwrap_or_else(|p| p.into_inner());
        aliases.get(name).cloned()
    }

    fn lock(&self) -> MutexGuard<'_, Configured> {
        // Held only to read or replace the configuration.
        self.configured.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Registry {
    /// Serves `configured` (explicit entries and sets, read now): at start
    /// and on a reload. An unreadable set folder changes nothing.
    pub fn configure(&self, configured: Configured) -> Result<Reconfigured, String> {
        let mut current = self.discovery.lock();
        let found = discover(&configured)?;
        *current = configured;
        Ok(self.apply_discovered(found))
    }

    /// Reads the sets' folders again: new files are served, files gone are
    /// no longer (a busy one once its work ends). Without sets, nothing.
    pub fn rediscover(&self) -> Result<Reconfigured, String> {
        let current = self.discovery.lock();
        if current.sets.is_empty() {
            return Ok(Reconfigured::default());
        }
        let found = discover(&current)?;
        Ok(self.apply_discovered(found))
    }

    /// Whether any database set is configured.
    pub fn has_sets(&self) -> bool {
        !self.discovery.lock().sets.is_empty()
    }

    fn apply_discovered(&self, found: Discovered) -> Reconfigured {
        for why in &found.skipped {
            tracing::debug!("not served: {why}");
        }
        *self
            .discovery
            .aliases
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = found.aliases;
        let r = self.reconfigure(found.config);
        if !r.added.is_empty() || !r.removed.is_empty() {
            tracing::info!(
                target: "mig::audit",
                added = r.added.len(),
                removed = r.removed.len(),
                skipped = found.skipped.len(),
                "database sets discovered: {} added, {} no longer served",
                r.added.len(),
                r.removed.len()
            );
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DEFAULT_SET_NEW;

    fn set(dir: &Path, pattern: &str) -> DatabaseSet {
        DatabaseSet {
            dir: dir.to_path_buf(),
            pattern: glob::Pattern::new(pattern).expect("pattern"),
            new: DEFAULT_SET_NEW.to_string(),
            settings: crate::config::DatabaseSettings {
                busy_timeout: std::time::Duration::from_secs(1),
                ..Default::default()
            },
        }
    }

    #[test]
    fn a_set_serves_each_matching_file_by_its_stem_and_skips_sidecars_and_bad_names() {
        let tmp = tempfile::tempdir().expect("tmp");
        let dir = tmp.path().join("tenants");
        std::fs::create_dir(&dir).expect("dir");
        for f in [
            "acme.db",
            "acme.db-wal",
            "globex.db",
            "notes.txt",
            "bad name.db",
            "acme.db.mig-lock",
        ] {
            std::fs::write(dir.join(f), b"").expect("file");
        }
        std::fs::create_dir(dir.join("sub.db")).expect("a folder");
        let c = Configured {
            explicit: AgentConfig::default(),
            sets: vec![set(&dir, "*.db")],
        };
        let found = discover(&c).expect("discover");
        let names: Vec<&str> = found
            .config
            .databases
            .iter()
            .map(|d| d.name.as_str())
            .collect();
        assert_eq!(names, ["acme", "globex"]);
        assert_eq!(found.skipped.len(), 1, "{:?}", found.skipped);
        let spec = &found.config.databases[0].spec;
        assert_eq!(spec.old.as_deref(), Some(dir.join("acme.db").as_path()));
        let new = PathBuf::from(format!("{}-{{hash}}/acme.db", dir.display()));
        assert_eq!(spec.new.as_deref(), Some(new.as_path()));
        let missing = Configured {
            explicit: AgentConfig::default(),
            sets: vec![set(&tmp.path().join("nope"), "*.db")],
        };
        let err = discover(&missing).expect_err("missing folder");
        assert!(err.contains("cannot be read"), "{err}");
    }
}
