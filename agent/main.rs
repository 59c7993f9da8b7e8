//! `mig-agent`: the sidecar beside each database. Reads `agent.toml`,
//! serves the `mig.v1` contract over mutual TLS, reloads its configuration
//! on SIGHUP (and its TLS files when they change), and stops gracefully on
//! SIGTERM or Ctrl-C (running jobs checkpoint; streams end with a terminal
//! event).

#![forbid(unsafe_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, ValueEnum};
use mig::config::AgentFile;
use mig::transport::server::{self, Listening, ServeOptions};

/// Serves hot SQLite schema migrations to `mig` clients over mutual TLS.
#[derive(Debug, Parser)]
#[command(name = "mig-agent", version)]
struct Args {
    /// The agent configuration file (TOML; every key is in the README).
    #[arg(long, short = 'c', env = "MIG_AGENT_CONFIG")]
    config: PathBuf,
    /// Log line format.
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    /// Also serve every service in plaintext, without authentication, on
    /// this loopback address (e.g. 127.0.0.1:0): for tests and local
    /// experiments with `mig --agent http://...`; refused for any address
    /// that is not loopback.
    #[arg(long, value_name = "ADDR")]
    insecure_listen: Option<SocketAddr>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum LogFormat {
    /// Plain lines (colours only when stderr is a terminal).
    Text,
    /// One JSON object per line, fields as JSON values.
    Json,
}

fn init_logging(format: LogFormat) {
    mig::logging::init(match format {
        LogFormat::Text => mig::logging::LogFormat::Text,
        LogFormat::Json => mig::logging::LogFormat::Json,
    });
}

async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {},
                    _ = tokio::signal::ctrl_c() => {},
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Raises the open-files limit to its hard limit: the agent holds a lock
/// file per database it serves (`<old>.mig-lock`), and a folder of tenants
/// is thousands of them; the common soft limit of 1024 would run out.
fn raise_open_files_limit() {
    use rustix::process::{getrlimit, setrlimit, Resource};
    let mut limit = getrlimit(Resource::Nofile);
    if limit.current < limit.maximum {
        limit.current = limit.maximum;
        if let Err(e) = setrlimit(Resource::Nofile, limit) {
            tracing::warn!("cannot raise the open-files limit ({e}); serving thousands of databases may run out of descriptors");
        }
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    init_logging(args.log_format);
    raise_open_files_limit();
    let file = match AgentFile::load(&args.config) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("mig-agent failed: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("mig-agent failed: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let databases: Vec<String> = file
        .agent
        .databases
        .iter()
        .map(|d| d.name.clone())
        .collect();
    // A set's rule as written: `/srv/tenants/*.db`.
    let sets: Vec<String> = file
        .sets
        .iter()
        .map(|s| s.dir.join(s.pattern.as_str()).display().to_string())
        .collect();
    let options = ServeOptions {
        config_path: args.config.clone(),
        insecure_listen: args.insecure_listen,
    };
    let result = runtime.block_on(server::serve(
        file,
        options,
        |at: Listening| {
            // Scripts and tests read the bound addresses (ports may be 0)
            // here; the mutual-TLS one is always the first line.
            println!("mig-agent listening on {}", at.tls);
            if let Some(addr) = at.health {
                println!("mig-agent health listening on {addr}");
            }
            if let Some(addr) = at.insecure {
                println!("mig-agent insecure listening on {addr}");
            }
            if let Some(addr) = at.metrics {
                println!("mig-agent metrics listening on {addr}");
            }
            tracing::info!(addr = %at.tls, health = ?at.health, insecure = ?at.insecure, metrics = ?at.metrics, databases = ?databases, database_sets = ?sets, served = at.served, "listening");
        },
        stop_signal(),
    ));
    match result {
        Ok(()) => {
            tracing::info!("stopped");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("mig-agent failed: {e:#}");
            ExitCode::FAILURE
        }
    }
}
