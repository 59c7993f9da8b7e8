//! Issue 18: each command's `--help` shows only the options that apply to
//! it (the connection options grouped under their headings, shown where
//! they matter); shell completions and man pages come from the same
//! definitions and work in the real tools (bash, man).

use std::process::{Command, Stdio};

use super::harness::{mig_in, Project};

/// Every command path (`["fleet", "rollout"]`), from `mig help`'s lists.
fn commands(p: &Project, path: &[&str]) -> Vec<Vec<String>> {
    let mut args: Vec<&str> = path.to_vec();
    args.push("--help");
    let help = p.mig(&args).ok().stdout;
    let mut out = Vec::new();
    let mut listing = false;
    for line in help.lines() {
        if line == "Commands:" {
            listing = true;
            continue;
        }
        if listing && line.is_empty() {
            break;
        }
        let Some(name) = line
            .strip_prefix("  ")
            .and_then(|l| l.split_whitespace().next())
        else {
            continue;
        };
        if !listing || line.starts_with("   ") || name == "help" {
            continue;
        }
        let mut sub: Vec<String> = path.iter().map(|s| s.to_string()).collect();
        sub.push(name.to_string());
        let nested = commands(p, &sub.iter().map(String::as_str).collect::<Vec<_>>());
        if nested.is_empty() {
            out.push(sub);
        } else {
            out.extend(nested);
        }
    }
    out
}

#[test]
fn each_commands_help_shows_only_the_options_that_apply_to_it() {
    let p = Project::empty("shop");
    let all = commands(&p, &[]);
    assert!(all.len() >= 28, "{all:?}");
    let remote_only = [
        "watch",
        "pause",
        "resume",
        "cancel",
        "throttle",
        "unthrottle",
    ];
    for path in &all {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let help = p.mig(&args).ok().stdout;
        let first = path[0].as_str();
        let runbook = !["certs", "fleet", "completions", "man"].contains(&first);
        assert_eq!(
            help.contains("Agent (remote mode):") && help.contains("--ca <FILE>"),
            runbook,
            "{path:?}:\n{help}"
        );
        assert_eq!(
            help.contains("Local files (without --agent):") && help.contains("--busy-timeout-ms"),
            runbook && !remote_only.contains(&first),
            "{path:?}:\n{help}"
        );
    }
    let certs = p.mig(&["certs", "init", "--help"]).ok().stdout;
    for absent in ["--old", "--busy-timeout-ms", "--agent", "--database"] {
        assert!(
            !certs.contains(absent),
            "certs init lists {absent}:\n{certs}"
        );
    }
}

#[test]
fn connection_options_still_work_before_the_command() {
    let p = Project::shop(5);
    p.mig(&["--old", "old.db", "--new", "new.db", "--json", "status"])
        .ok();
    // After the command wins.
    let run = p.mig(&[
        "--old",
        "missing.db",
        "status",
        "--old",
        "old.db",
        "--new",
        "new.db",
    ]);
    run.ok().has_line("old database: old.db");
}

#[test]
fn bash_completes_mig_from_the_generated_script() {
    let p = Project::empty("shop");
    let script = p.mig(&["completions", "bash"]).ok().stdout;
    p.write("mig.bash", &script);
    // COMP_WORDS as bash fills them for `mig fleet ro<TAB>`.
    let out = Command::new("bash")
        .arg("-c")
        .arg("source ./mig.bash && COMP_WORDS=(mig fleet ro) COMP_CWORD=2 && _mig mig ro fleet && echo \"${COMPREPLY[@]}\"")
        .current_dir(&p.dir)
        .output()
        .expect("bash runs the completion script");
    let words = String::from_utf8_lossy(&out.stdout);
    assert_eq!(words.trim(), "rollout", "{out:#?}");
    let zsh = p.mig(&["completions", "zsh"]).ok().stdout;
    assert!(zsh.starts_with("#compdef mig"), "{zsh}");
}

#[test]
fn the_man_page_renders_in_man_and_one_page_per_command_is_written() {
    let p = Project::empty("shop");
    let roff = p.mig(&["man"]).ok().stdout;
    let mut man = Command::new("man")
        .args(["-l", "-"])
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "100")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("`man` renders the page (install man-db)");
    std::io::Write::write_all(&mut man.stdin.take().expect("stdin"), roff.as_bytes())
        .expect("write roff");
    let page = man.wait_with_output().expect("man");
    let text = String::from_utf8_lossy(&page.stdout);
    assert!(
        text.contains("SYNOPSIS") && text.contains("mig-fleet(1)"),
        "{text}"
    );
    std::fs::create_dir(p.path("man1")).expect("dir");
    let run = mig_in(&p.dir, &["man", "--dir", "man1"]).ok();
    run.line_starting("wrote ");
    for page in [
        "mig.1",
        "mig-status.1",
        "mig-fleet-rollout.1",
        "mig-certs-init.1",
    ] {
        assert!(
            p.path("man1").join(page).exists(),
            "{page} missing: {run:#?}"
        );
    }
}
