//! The fleet file made concrete for one command: each target that names
//! many databases expanded from its agent's listing — or, for a rollout
//! already started with the same schemas, from the set its record froze.
//! Only `rollout` writes the record; the other commands read it.

use std::collections::BTreeMap;

use crate::cli::FleetFileArgs;
use crate::exit::{failed, usage};
use crate::fleet::agents;
use crate::fleet::expand::{self, Listing};
use crate::fleet::file::{Fleet, Selector};
use crate::fleet::record::{self, Record};

/// How a command treats the rollout record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freeze {
    /// `rollout`: resume the record of these schemas, or start one; with
    /// `add_new`, databases served since join it.
    Rollout { add_new: bool },
    /// Any other command: the record's set when it is this rollout's,
    /// else what the agents serve now.
    Read,
}

/// A fleet ready to run.
pub struct Resolved {
    /// One target per database.
    pub fleet: Fleet,
    pub limit: usize,
    /// The agents' listings (phases of the databases they serve).
    pub listing: Listing,
    /// The rollout record in force, if any.
    pub record: Option<Record>,
    /// What was expanded, for the operator.
    pub notes: Vec<String>,
    /// A record to write once the rollout starts something (a new one, or
    /// one `--add-new` grew), and the line saying so: a rollout that starts
    /// nothing leaves the file as it was.
    pub unsaved: Option<(std::path::PathBuf, String)>,
    /// Many-database targets that select no database at all (a typo in
    /// the pattern, the wrong agent): they expand to nothing.
    pub selects_none: Vec<String>,
}

impl Resolved {
    /// Writes the record the rollout froze, if it changed; the line to show.
    pub fn save(&self) -> anyhow::Result<Option<String>> {
        let (Some((path, note)), Some(r)) = (&self.unsaved, &self.record) else {
            return Ok(None);
        };
        record::save(path, r)?;
        Ok(Some(note.clone()))
    }
}

/// Whether every database `r` froze is still selected by its target's
/// `databases` in the fleet file (edited since, e.g. `"*"` to `"acme-*"`:
/// then the record is not this rollout's).
fn fits(fleet: &Fleet, r: &Record) -> bool {
    fleet.targets.iter().all(|t| {
        r.databases
            .get(&t.name)
            .is_none_or(|names| names.iter().all(|d| expand::selects(t, d)))
    })
}

/// The validated fleet file and the concurrency to use (no I/O but the file).
pub fn load_file(a: &FleetFileArgs) -> anyhow::Result<(Fleet, usize)> {
    let fleet = Fleet::load(&a.file).map_err(|e| usage(e.to_string()))?;
    let limit = a.concurrency.unwrap_or(fleet.concurrency);
    if limit == 0 {
        return Err(usage("--concurrency must be at least 1"));
    }
    Ok((fleet, limit))
}

/// Leaves out of this run the record's databases no agent serves any more
/// (a tenant whose file was removed since the rollout started: it has
/// nothing left to migrate), naming them; each agent's listing is the
/// authority, and one that lists it again brings it back.
fn leave_out_gone(
    record: &Record,
    live: &BTreeMap<String, Vec<String>>,
    chosen: &mut BTreeMap<String, Vec<String>>,
    notes: &mut Vec<String>,
) {
    let gone = record.gone_from(live);
    let names: Vec<String> = gone
        .iter()
        .flat_map(|(t, dbs)| dbs.iter().map(move |d| expand::member(t, d)))
        .collect();
    if names.is_empty() {
        return;
    }
    for (target, dbs) in &gone {
        if let Some(frozen) = chosen.get_mut(target) {
            frozen.retain(|d| dbs.binary_search(d).is_err());
        }
    }
    let shown = names.len().min(20);
    let more = match names.len() - shown {
        0 => String::new(),
        n => format!(" and {n} more"),
    };
    notes.push(format!(
        "{} database(s) of rollout {} are no longer served by their agent (removed since it started), left out: {}{more}",
        names.len(),
        record.rollout,
        names[..shown].join(", ")
    ));
}

/// Expands the fleet file for a command.
pub async fn resolve(a: &FleetFileArgs, freeze: Freeze) -> anyhow::Result<Resolved> {
    let (fleet, limit) = load_file(a)?;
    let many = |t: &&crate::fleet::file::FleetTarget| !matches!(t.select, Selector::One(_));
    if !fleet.targets.iter().any(|t| many(&t)) {
        return Ok(Resolved {
            fleet,
            limit,
            listing: Listing::default(),
            record: None,
            notes: Vec::new(),
            unsaved: None,
            selects_none: Vec::new(),
        });
    }
    let listing = Listing::fetch(&fleet, limit).await;
    let prints: BTreeMap<String, String> = match agents::schemas(&fleet.targets) {
        Ok(schemas) => fleet
            .targets
            .iter()
            .filter(many)
            .map(|t| (t.name.clone(), schemas.fingerprint(t)))
            .collect(),
        Err(e) if freeze != Freeze::Read => return Err(e),
        Err(_) => BTreeMap::new(),
    };
    let path = record::path_for(&a.file);
    let existing = record::load(&path)?.filter(|r| r.matches(&prints) && fits(&fleet, r));
    let live = listing.choose(&fleet);
    let live_now = live.clone();
    let mut notes = Vec::new();
    let mut unsaved = None;
    let record = match (freeze, existing, live) {
        (Freeze::Rollout { add_new }, Some(mut r), live) => {
            let new = live.as_ref().map(|l| r.missing_from(l)).unwrap_or_default();
            let count: usize = new.values().map(Vec::len).sum();
            if add_new && count > 0 {
                r.add(&new);
                unsaved = Some((
                    path.clone(),
                    format!(
                        "{count} database(s) served since the rollout started join it (--add-new)"
                    ),
                ));
            } else if count > 0 {
                notes.push(format!("{count} database(s) served now are not in rollout {} (it acts on the set frozen when it started); `--add-new` adds them", r.rollout));
            }
            if let Err(e) = &live {
                notes.push(format!("warning: {e}"));
            }
            notes.push(format!(
                "rollout {}: continuing on the {} database(s) frozen in {}",
                r.rollout,
                r.count(),
                path.display()
            ));
            Some(r)
        }
        (Freeze::Rollout { .. }, None, Ok(live)) => {
            let r = Record {
                rollout: rollout_id(),
                started_unix: unix_now(),
                schemas: prints,
                databases: live,
            };
            let note = format!(
                "rollout {}: {} database(s) frozen in {} (a re-run acts on the same set)",
                r.rollout,
                r.count(),
                path.display()
            );
            unsaved = Some((path.clone(), note));
            Some(r)
        }
        (Freeze::Read, Some(r), _) => Some(r),
        (_, None, Err(e)) => return Err(failed(format!("nothing done: {e}"))),
        (Freeze::Read, None, Ok(live)) => {
            let expanded = expand::expand(&fleet, &live);
            return Ok(Resolved {
                notes: describe(&fleet, &live),
                selects_none: selects_none(&live),
                fleet: expanded,
                limit,
                listing,
                record: None,
                unsaved: None,
            });
        }
    };
    let mut chosen = record
        .as_ref()
        .map(|r| r.databases.clone())
        .unwrap_or_default();
    if let (Some(r), Ok(live)) = (&record, &live_now) {
        leave_out_gone(r, live, &mut chosen, &mut notes);
    }
    notes.extend(describe(&fleet, &chosen));
    Ok(Resolved {
        selects_none: selects_none(&chosen),
        fleet: expand::expand(&fleet, &chosen),
        limit,
        listing,
        record,
        notes,
        unsaved,
    })
}

/// The targets whose selection is empty.
fn selects_none(chosen: &BTreeMap<String, Vec<String>>) -> Vec<String> {
    chosen
        .iter()
        .filter(|(_, dbs)| dbs.is_empty())
        .map(|(name, _)| name.clone())
        .collect()
}

/// `tenants: 1000 database(s) on https://eu1:7443 ("*")`, per target.
fn describe(fleet: &Fleet, chosen: &BTreeMap<String, Vec<String>>) -> Vec<String> {
    fleet
        .targets
        .iter()
        .filter_map(|t| {
            let what = match &t.select {
                Selector::One(_) => return None,
                Selector::Pattern(p) => format!("{p:?}"),
                Selector::List(l) => format!("a list of {}", l.len()),
            };
            let n = chosen.get(&t.name).map_or(0, Vec::len);
            Some(format!("{}: {n} database(s) on {} ({what})", t.name, t.url))
        })
        .collect()
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// `r<unix seconds>-<4 hex>`: sortable, and unique enough per fleet.
pub fn rollout_id() -> String {
    format!("r{}-{:04x}", unix_now(), rand::random::<u16>())
}
