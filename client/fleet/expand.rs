//! Targets that name many databases (`databases = "*"`, a pattern or a
//! list) become one target per database, named `<target>/<database>`:
//! each agent is asked once for its databases (`ListDatabases`, a page at
//! a time), and the choice of databases is a pure function of that
//! listing. A dependency on such a target means every database of it.
//! A pattern leaves out the databases other targets on its agent name (the
//! named target's settings are the ones meant, e.g. a canary before `*`);
//! a database two targets name, or two patterns both match, is refused.

use std::collections::{BTreeMap, HashMap, HashSet};

use mig::proto::{ListDatabasesRequest, Phase};

use super::agents::{self, TargetError};
use super::file::{Fleet, FleetTarget, Selector};

/// Databases asked for per `ListDatabases` page.
const PAGE: u32 = 5_000;

/// What one agent serves: each database's name and phase.
pub type Served = Vec<(String, i32)>;

/// Each agent's listing (by URL), for the agents of many-database targets.
#[derive(Debug, Default)]
pub struct Listing {
    pub agents: HashMap<String, Result<Served, TargetError>>,
}

impl Listing {
    /// Lists every agent that a many-database target names, `limit` at once.
    pub async fn fetch(fleet: &Fleet, limit: usize) -> Listing {
        let mut seen = HashSet::new();
        let agents: Vec<FleetTarget> = fleet
            .targets
            .iter()
            .filter(|t| !matches!(t.select, Selector::One(_)))
            .filter(|t| seen.insert(t.url.clone()))
            .cloned()
            .collect();
        let results = agents::each(&agents, limit, |_, t| async move {
            let mut client = agents::connect(&t).await?;
            let mut served = Vec::new();
            let mut token = String::new();
            loop {
                let page = client
                    .list_databases(ListDatabasesRequest {
                        page_size: PAGE,
                        page_token: token,
                        ..Default::default()
                    })
                    .await?
                    .into_inner();
                served.extend(page.databases.into_iter().map(|d| (d.name, d.phase)));
                if page.next_page_token.is_empty() {
                    return Ok(served);
                }
                token = page.next_page_token;
            }
        })
        .await;
        Listing {
            agents: agents.into_iter().map(|t| t.url).zip(results).collect(),
        }
    }

    /// The phase the agent listed for a database, if it was listed.
    pub fn phase(&self, url: &str, database: &str) -> Option<i32> {
        let served = self.agents.get(url)?.as_ref().ok()?;
        served.iter().find(|(n, _)| n == database).map(|(_, p)| *p)
    }

    /// Every database a many-database target selects now, by target name;
    /// an agent that could not be listed, a listed name it does not serve,
    /// or a database selected twice is the error.
    pub fn choose(&self, fleet: &Fleet) -> Result<BTreeMap<String, Vec<String>>, String> {
        let mut out = self.choose_each(fleet)?;
        once_each(fleet, &mut out)?;
        Ok(out)
    }

    fn choose_each(&self, fleet: &Fleet) -> Result<BTreeMap<String, Vec<String>>, String> {
        let mut out = BTreeMap::new();
        for t in &fleet.targets {
            let served = match (&t.select, self.agents.get(&t.url)) {
                (Selector::One(_), _) => continue,
                (_, Some(Ok(served))) => served,
                (_, Some(Err(e))) => {
                    return Err(format!(
                        "{}: cannot list the databases of {}: {e}",
                        t.name, t.url
                    ))
                }
                (_, None) => return Err(format!("{}: {} was not listed", t.name, t.url)),
            };
            out.insert(t.name.clone(), select(t, served)?);
        }
        Ok(out)
    }
}

/// Leaves out of each pattern's databases those another target on its
/// agent names, then refuses a database still selected twice on one agent
/// (two names, or two patterns): one line naming it and both targets.
fn once_each(fleet: &Fleet, chosen: &mut BTreeMap<String, Vec<String>>) -> Result<(), String> {
    let named = |t: &FleetTarget| -> Vec<String> {
        match &t.select {
            Selector::One(d) => vec![d.clone()],
            Selector::List(_) => chosen.get(&t.name).cloned().unwrap_or_default(),
            Selector::Pattern(_) => Vec::new(),
        }
    };
    let explicit: HashSet<(String, String)> = fleet
        .targets
        .iter()
        .flat_map(|t| named(t).into_iter().map(|d| (t.url.clone(), d)))
        .collect();
    for t in &fleet.targets {
        if let (Selector::Pattern(_), Some(dbs)) = (&t.select, chosen.get_mut(&t.name)) {
            dbs.retain(|d| !explicit.contains(&(t.url.clone(), d.clone())));
        }
    }
    let mut by: HashMap<(String, String), &str> = HashMap::new();
    for t in &fleet.targets {
        let dbs = match &t.select {
            Selector::One(d) => vec![d.clone()],
            _ => chosen.get(&t.name).cloned().unwrap_or_default(),
        };
        for d in dbs {
            if let Some(first) = by.insert((t.url.clone(), d.clone()), &t.name) {
                return Err(format!(
                    "database {d:?} on {} is selected by two targets, {first} and {}: name it in one only (a pattern already leaves out the databases other targets name)",
                    t.url, t.name
                ));
            }
        }
    }
    Ok(())
}

/// Whether `t`'s selector (as the fleet file says now) names `database`:
/// a rollout record frozen under another selector is another rollout's.
pub fn selects(t: &FleetTarget, database: &str) -> bool {
    match &t.select {
        Selector::One(d) => d == database,
        Selector::Pattern(p) => glob::Pattern::new(p).is_ok_and(|g| g.matches(database)),
        Selector::List(list) => list.iter().any(|d| d == database),
    }
}

/// The databases of `served` that `t` selects, in name order.
fn select(t: &FleetTarget, served: &Served) -> Result<Vec<String>, String> {
    match &t.select {
        Selector::One(d) => Ok(vec![d.clone()]),
        Selector::Pattern(p) => {
            let pattern = glob::Pattern::new(p).map_err(|e| format!("{}: {e}", t.name))?;
            let mut names: Vec<String> = served
                .iter()
                .filter(|(n, _)| pattern.matches(n))
                .map(|(n, _)| n.clone())
                .collect();
            names.sort();
            Ok(names)
        }
        Selector::List(list) => {
            let known: HashSet<&str> = served.iter().map(|(n, _)| n.as_str()).collect();
            match list.iter().find(|d| !known.contains(d.as_str())) {
                Some(missing) => Err(format!(
                    "{}: {} does not serve a database {missing:?}",
                    t.name, t.url
                )),
                None => Ok(list.clone()),
            }
        }
    }
}

/// The fleet with each many-database target replaced, in place, by one
/// target per chosen database (`<target>/<database>`, same wave, priority
/// and settings); a dependency on it becomes one on each of them. Order is
/// kept: members follow the targets they depend on, as their target did.
pub fn expand(fleet: &Fleet, chosen: &BTreeMap<String, Vec<String>>) -> Fleet {
    let members = |name: &str| -> Vec<String> {
        chosen.get(name).map_or_else(
            || vec![name.to_string()],
            |dbs| dbs.iter().map(|d| member(name, d)).collect(),
        )
    };
    let mut targets = Vec::new();
    for t in &fleet.targets {
        let depends_on: Vec<String> = t.depends_on.iter().flat_map(|d| members(d)).collect();
        match (&t.select, chosen.get(&t.name)) {
            (Selector::One(_), _) | (_, None) => targets.push(FleetTarget {
                depends_on,
                ..t.clone()
            }),
            (_, Some(dbs)) => targets.extend(dbs.iter().map(|d| FleetTarget {
                name: member(&t.name, d),
                database: d.clone(),
                select: Selector::One(d.clone()),
                group: Some(t.name.clone()),
                depends_on: depends_on.clone(),
                ..t.clone()
            })),
        }
    }
    Fleet {
        targets,
        ..fleet.clone()
    }
}

/// `eu-tenants/acme`: a database of a many-database target.
pub fn member(target: &str, database: &str) -> String {
    format!("{target}/{database}")
}

/// Whether the agent reported the database cut over and serving from its
/// new file (with or without a revert window, cleaned up or not). Not a
/// reverted, reverting or broken one: their phases number higher, but the
/// old database serves there (or nothing can go on).
pub fn is_cut_over(phase: Option<i32>) -> bool {
    phase.is_some_and(|p| {
        matches!(
            Phase::try_from(p),
            Ok(Phase::CutOver | Phase::Complete | Phase::Standby | Phase::Retired)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fleet() -> Fleet {
        let text = r#"
[defaults]
schema = "s.sql"
[[target]]
name = "ref"
agent = "http://h:1"
database = "ref"
[[target]]
name = "tenants"
agent = "http://h:1"
databases = "t-*"
depends_on = ["ref"]
[[target]]
name = "report"
agent = "http://h:2"
database = "r"
depends_on = ["tenants"]
"#;
        Fleet::parse(text, std::path::Path::new(".")).expect("valid")
    }

    #[test]
    fn a_pattern_expands_to_one_target_per_matching_database_and_dependencies_follow() {
        let f = fleet();
        let served: Served = ["t-b", "ref", "t-a", "other"]
            .iter()
            .map(|n| (n.to_string(), Phase::NotStarted as i32))
            .collect();
        let listing = Listing {
            agents: [("http://h:1".to_string(), Ok(served))].into(),
        };
        let chosen = listing.choose(&f).expect("chosen");
        assert_eq!(chosen["tenants"], ["t-a", "t-b"]);
        let e = expand(&f, &chosen);
        let names: Vec<&str> = e.targets.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["ref", "tenants/t-a", "tenants/t-b", "report"]);
        assert_eq!(e.targets[1].database, "t-a");
        assert_eq!(e.targets[1].group.as_deref(), Some("tenants"));
        assert_eq!(e.targets[1].depends_on, ["ref"]);
        assert_eq!(e.targets[3].depends_on, ["tenants/t-a", "tenants/t-b"]);
        let listed = Listing {
            agents: [("http://h:1".to_string(), Ok(Vec::new()))].into(),
        };
        let mut list = f.clone();
        list.targets[1].select = Selector::List(vec!["t-z".into()]);
        let err = listed.choose(&list).expect_err("not served");
        assert!(err.contains("does not serve a database \"t-z\""), "{err}");
    }

    /// Regression: `databases = "*"` also took `ref`, named by its own
    /// target on the same agent, so it ran twice (one copy failed busy).
    #[test]
    fn a_pattern_leaves_out_a_database_another_target_names_and_a_double_name_is_refused() {
        let mut f = fleet();
        f.targets[1].select = Selector::Pattern("*".into());
        let served: Served = ["ref", "t-a"]
            .iter()
            .map(|n| (n.to_string(), Phase::NotStarted as i32))
            .collect();
        let listing = Listing {
            agents: [("http://h:1".to_string(), Ok(served))].into(),
        };
        assert_eq!(listing.choose(&f).expect("chosen")["tenants"], ["t-a"]);
        f.targets[1].select = Selector::List(vec!["ref".into()]);
        let err = listing.choose(&f).expect_err("named twice");
        assert!(
            err.starts_with(
                "database \"ref\" on http://h:1 is selected by two targets, ref and tenants"
            ),
            "{err}"
        );
    }
}
