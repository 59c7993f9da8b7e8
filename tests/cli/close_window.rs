//! `cleanup-old` and `release-old` while a revert window is open: both
//! would close it, ending the way back for every write the new service
//! made since cutover, so both refuse — one line naming what is lost and
//! `--close-revert-window` — and change no file, through the CLI, the
//! fleet and the gRPC API (FAILED_PRECONDITION). With the flag the window
//! closes and the old database is released, the writes it carried back
//! kept. Through a real `mig-agent` (mutual TLS) with a real writer.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::support::revert_case as case;
use crate::support::writer::Writer;

use super::fleet_revert::Site;
use super::harness::{Run, FAILED};
use super::real_agent::as_who;
use super::rerun::dump;

fn mig_as(site: &Site, args: &[&str]) -> Run {
    let base = as_who(&site.agent, "operator");
    let mut all: Vec<&str> = vec![args[0]];
    all.extend(base.iter().map(String::as_str));
    all.extend_from_slice(&args[1..]);
    site.mig(&all)
}

/// Waits until the agent carried every write back (it does so by itself
/// while the window is open): from then on nothing writes the files.
fn wait_carried_back(site: &Site) {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let out = mig_as(site, &["status"]).ok().stdout;
        if out.contains(", 0 writes not yet carried back") {
            return;
        }
        assert!(Instant::now() < deadline, "never carried back:\n{out}");
        std::thread::yield_now();
    }
}

fn both(old: &Path, new: &Path) -> (Vec<String>, Vec<String>) {
    (dump(old), dump(new))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cleanup_and_release_old_refuse_to_close_an_open_revert_window_until_told_and_change_nothing(
) {
    let site = Site::start(&[("shop", "1h")]);
    site.write_fleet(&[("shop", "shop", "")]);
    site.mig(&["fleet", "rollout", "-f", "fleet.toml", "--yes"])
        .ok();
    let (old, new) = (site.db("shop.db"), site.db("shop-new.db"));
    let writer = Writer::start_with(new.clone(), 91, case::new_workload);
    writer.wait_committed(40);
    writer.stop();
    wait_carried_back(&site);
    let before = both(&old, &new);

    for command in ["release-old", "cleanup-old"] {
        let args: &[&str] = match command {
            "release-old" => &[command, "--yes"],
            _ => &[command],
        };
        let run = mig_as(&site, args);
        let said = run
            .fails(
                FAILED,
                &format!("{command} failed: refusing to close the revert window of "),
            )
            .to_string();
        for part in [
            &format!("`mig {command}` would end the way back (`mig revert`) for the "),
            " write(s) ",
            "recorded since cutover (0 not yet carried back to ",
            "nothing was changed",
            "--close-revert-window",
        ] {
            assert!(said.contains(part), "no `{part}` in: {said}");
        }
    }
    let fleet = site.mig(&["fleet", "cleanup-old", "-f", "fleet.toml"]);
    assert_ne!(fleet.code, 0, "{fleet:#?}");
    let target = fleet.line_starting("shop: ");
    assert!(
        target.contains("refusing to close the revert window")
            && target.contains("--close-revert-window"),
        "{fleet:#?}"
    );
    let err = site
        .agent
        .client(Some("operator"))
        .cleanup_old(mig::proto::CleanupOldRequest {
            database: "shop".into(),
            release: true,
            close_revert_window: false,
            check_only: false,
        })
        .await
        .expect_err("release-old over an open window");
    assert_eq!(err.code(), tonic::Code::FailedPrecondition, "{err:?}");
    assert_eq!(both(&old, &new), before, "a refusal changed a file");
    mig_as(&site, &["status"])
        .ok()
        .line_starting("revert window: open until ");

    mig_as(&site, &["release-old", "--yes", "--close-revert-window"])
        .ok()
        .has_line("revert window closed first (the old database was a standby): `mig revert` is no longer possible");
    rusqlite::Connection::open(&old)
        .and_then(|c| {
            c.execute(
                "INSERT INTO Note(Body) VALUES ('the old service writes again')",
                [],
            )
        })
        .expect("the released old database takes writes");
}
