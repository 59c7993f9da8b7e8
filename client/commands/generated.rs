//! `mig completions SHELL` and `mig man`: shell completion scripts
//! (clap_complete) and man pages (clap_mangen), generated from the same
//! clap definitions as `--help`, so they never disagree with it.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use clap::CommandFactory;

use crate::cli::Cli;
use crate::exit::failed;

pub fn completions(shell: clap_complete::Shell) -> anyhow::Result<()> {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "mig", &mut out);
    write_stdout(&out)
}

/// `mig.1` on stdout, or every page into `dir`.
pub fn man(dir: Option<&Path>) -> anyhow::Result<()> {
    let cmd = Cli::command();
    let Some(dir) = dir else {
        let mut out = Vec::new();
        clap_mangen::Man::new(cmd)
            .render(&mut out)
            .context("rendering the man page")?;
        return write_stdout(&out);
    };
    if !dir.is_dir() {
        return Err(failed(format!(
            "{} is not a folder; create it first",
            dir.display()
        )));
    }
    clap_mangen::generate_to(cmd, dir)
        .with_context(|| format!("writing the man pages into {}", dir.display()))?;
    let mut pages: Vec<String> = std::fs::read_dir(dir)
        .with_context(|| format!("listing {}", dir.display()))?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("mig") && n.ends_with(".1"))
        .collect();
    pages.sort();
    crate::render::emit(&[format!(
        "wrote {} man pages into {} ({})",
        pages.len(),
        dir.display(),
        pages.join(", ")
    )])
}

fn write_stdout(bytes: &[u8]) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .context("writing to stdout")
}
