//! The command line as clap sees it: the definitions are consistent, each
//! command's name is what clap parses, `certs` and its client specs, and
//! path flags after the subcommand.

use super::*;
use clap::CommandFactory;

#[test]
fn definitions_are_consistent() {
    Cli::command().debug_assert();
}

#[test]
fn subcommand_names_match_what_clap_parses() {
    for name in [
        "plan",
        "migrate",
        "status",
        "drain",
        "verify",
        "cutover",
        "cleanup-old",
        "reset",
        "watch",
        "pause",
        "resume",
        "cancel",
        "databases",
    ] {
        let cli = Cli::try_parse_from(["mig", name]).expect("parses");
        assert_eq!(cli.command.name(), name);
    }
    let cli = Cli::try_parse_from(["mig", "certs", "init", "d", "--host", "h"]).expect("parses");
    assert_eq!(cli.command.name(), "certs init");
    for name in [
        "plan",
        "rollout",
        "status",
        "migrate",
        "drain",
        "cutover",
        "verify",
        "cleanup-old",
        "reset",
        "cancel",
    ] {
        let cli = Cli::try_parse_from(["mig", "fleet", name, "-f", "f.toml"]).expect("parses");
        assert_eq!(cli.command.name(), format!("fleet {name}"));
    }
}

#[test]
fn certs_subcommands_parse_and_an_agent_certificate_does_not_take_the_agent_url() {
    for (argv, name) in [
        (&["issue", "d", "--client", "bob:viewer"][..], "certs issue"),
        (
            &["issue", "d", "--agent-name", "eu1", "--host", "h"][..],
            "certs issue",
        ),
        (&["renew", "d", "agent", "--revoke-old"][..], "certs renew"),
        (&["revoke", "d", "bob"][..], "certs revoke"),
    ] {
        let cli = Cli::try_parse_from(["mig", "certs"].iter().chain(argv)).expect("parses");
        assert_eq!(cli.command.name(), name);
        assert_eq!(cli.global().agent, None);
    }
    assert!(Cli::try_parse_from(["mig", "certs", "issue", "d", "--agent-name", "eu1"]).is_err());
}

#[test]
fn client_specs_are_validated_by_clap() {
    let ok = Cli::try_parse_from([
        "mig",
        "certs",
        "init",
        "d",
        "--host",
        "h",
        "--client",
        "alice:operator",
    ]);
    assert!(ok.is_ok());
    let bad = Cli::try_parse_from([
        "mig",
        "certs",
        "init",
        "d",
        "--host",
        "h",
        "--client",
        "alice:root",
    ]);
    assert!(bad.is_err());
}

#[test]
fn path_flags_may_follow_the_subcommand() {
    let cli =
        Cli::try_parse_from(["mig", "status", "--old", "a.db", "--new", "b.db"]).expect("parses");
    assert_eq!(cli.global().old, Some(PathBuf::from("a.db")));
    assert_eq!(cli.global().new, Some(PathBuf::from("b.db")));
    // Before the command too; after it wins.
    let cli = Cli::try_parse_from(["mig", "--old", "x.db", "--json", "status", "--old", "a.db"])
        .expect("parses");
    assert_eq!(cli.global().old, Some(PathBuf::from("a.db")));
    assert!(cli.global().json);
}
