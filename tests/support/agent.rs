//! A real `mig-agent` process on a loopback port with certificates
//! generated for the run, and gRPC clients that connect to it over mTLS.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use mig::proto::migrator_client::MigratorClient;
use mig::transport::certs::{self, ClientSpec};
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint, Identity};

pub struct TestAgent {
    pub certs: PathBuf,
    pub addr: String,
    /// The plaintext `[health]` listener's address, when configured.
    pub health_addr: Option<String>,
    /// The `--insecure-listen` address, when asked for.
    pub insecure_addr: Option<String>,
    /// The `[metrics]` listener's address, when configured.
    pub metrics_addr: Option<String>,
    config: PathBuf,
    setup: Setup,
    child: Option<Child>,
}

/// What an agent's `agent.toml` has beyond the defaults.
#[derive(Debug, Clone, Default)]
pub struct Setup {
    /// `[tls] crl` pointing at the folder's `crl.pem`.
    pub crl: bool,
    /// A `[health]` listener on 127.0.0.1:0 with this `reveal`.
    pub health: Option<&'static str>,
    /// `--insecure-listen 127.0.0.1:0` (plaintext, no authentication).
    pub insecure: bool,
    /// A `[metrics]` listener on 127.0.0.1:0.
    pub metrics: bool,
    /// More sections, written before the databases (e.g. `[hooks]`).
    pub extra: String,
    /// `--log-format json`.
    pub json_log: bool,
    /// More lines in every `[[database]]` (e.g. `allow_rollback_journal = true`).
    pub per_database: String,
    /// Started in the config's folder as `--config agent.toml`, as an
    /// operator types it (relative paths in it then start from there).
    pub relative_config: bool,
}

/// A database the agent serves: name, old file, new file.
pub type Db<'a> = (&'a str, &'a Path, &'a Path);

/// Certificates for a CA, an agent on localhost, an operator and a viewer.
pub fn make_certs(dir: &Path) -> PathBuf {
    let certs = dir.join("certs");
    let clients: Vec<ClientSpec> = ["operator:operator", "viewer:viewer", "stranger:viewer"]
        .iter()
        .map(|s| s.parse().expect("client spec"))
        .collect();
    certs::init(
        &certs,
        &["localhost".to_string(), "127.0.0.1".to_string()],
        &clients,
        certs::Lifetimes::default(),
    )
    .expect("certs init");
    certs
}

impl TestAgent {
    /// Starts an agent serving `databases` (name, old, new) from `dir`.
    pub fn start(dir: &Path, databases: &[Db]) -> TestAgent {
        TestAgent::start_with(dir, databases, Setup::default())
    }

    /// Starts an agent with `setup`'s extra configuration.
    pub fn start_with(dir: &Path, databases: &[Db], setup: Setup) -> TestAgent {
        let certs = make_certs(dir);
        let mut agent = TestAgent {
            certs,
            addr: String::new(),
            health_addr: None,
            insecure_addr: None,
            metrics_addr: None,
            config: dir.join("agent.toml"),
            setup,
            child: None,
        };
        agent.write_config(databases);
        agent.spawn();
        agent
    }

    /// Writes `agent.toml` serving `databases` (a running agent reads it
    /// again on [`TestAgent::hup`]).
    pub fn write_config(&self, databases: &[Db]) {
        let certs = &self.certs;
        let crl = if self.setup.crl {
            format!("crl = {:?}\n", certs.join("crl.pem"))
        } else {
            String::new()
        };
        let mut toml = format!(
            "listen = \"127.0.0.1:0\"\n\n[tls]\ncert = {:?}\nkey = {:?}\nclient_ca = {:?}\n{crl}\n[access]\noperators = [\"operator\"]\nviewers = [\"viewer\"]\n\n[limits]\nmax_request_bytes = 65536\n\n[throttle]\nprobe_interval_ms = 100\n",
            certs.join("agent.pem"),
            certs.join("agent-key.pem"),
            certs.join("ca.pem"),
        );
        if let Some(reveal) = self.setup.health {
            toml.push_str(&format!(
                "\n[health]\nlisten = \"127.0.0.1:0\"\nreveal = {reveal:?}\n"
            ));
        }
        if self.setup.metrics {
            toml.push_str("\n[metrics]\nlisten = \"127.0.0.1:0\"\n");
        }
        toml.push_str(&self.setup.extra);
        for (name, old, new) in databases {
            toml.push_str(&format!(
                "\n[[database]]\nname = {name:?}\nold = {old:?}\nnew = {new:?}\n{}",
                self.setup.per_database
            ));
        }
        std::fs::write(&self.config, toml).expect("write agent.toml");
    }

    /// The agent's log (stderr) so far, appended across restarts.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.config.with_file_name("agent.log")).unwrap_or_default()
    }

    fn log_file(&self) -> Stdio {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.config.with_file_name("agent.log"))
            .map_or_else(|_| Stdio::null(), Stdio::from)
    }

    /// The configuration file the agent reads.
    pub fn config_path(&self) -> &Path {
        &self.config
    }

    /// SIGHUP: the agent re-reads its configuration.
    pub fn hup(&self) {
        let pid = self.pid().expect("a running agent");
        let status = Command::new("kill")
            .arg("-HUP")
            .arg(pid.to_string())
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -HUP failed");
    }

    /// (Re)starts the process and waits for its "listening on" line.
    pub fn spawn(&mut self) {
        self.spawn_with_env(&[]);
    }

    /// (Re)starts the process with these environment variables (e.g.
    /// `MIG_FAILPOINT`) and waits for its "listening on" line.
    pub fn spawn_with_env(&mut self, env: &[(&str, &str)]) {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_mig-agent"));
        cmd.env_remove("MIG_FAILPOINT");
        for (k, v) in env {
            cmd.env(k, v);
        }
        if self.setup.insecure {
            cmd.args(["--insecure-listen", "127.0.0.1:0"]);
        }
        if self.setup.json_log {
            cmd.args(["--log-format", "json"]);
        }
        if self.setup.relative_config {
            let folder = self.config.parent().expect("the config's folder");
            cmd.current_dir(folder).args(["--config", "agent.toml"]);
        } else {
            cmd.arg("--config").arg(&self.config);
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(self.log_file())
            .spawn()
            .expect("spawn mig-agent");
        let stdout = child.stdout.take().expect("agent stdout");
        let mut lines = BufReader::new(stdout);
        let mut read = |prefix: &str| {
            let mut line = String::new();
            lines.read_line(&mut line).expect("a line from mig-agent");
            line.trim()
                .strip_prefix(prefix)
                .unwrap_or_else(|| panic!("expected {prefix:?} from mig-agent, got {line:?}"))
                .to_string()
        };
        self.addr = read("mig-agent listening on ");
        if self.setup.health.is_some() {
            self.health_addr = Some(read("mig-agent health listening on "));
        }
        if self.setup.insecure {
            self.insecure_addr = Some(read("mig-agent insecure listening on "));
        }
        if self.setup.metrics {
            self.metrics_addr = Some(read("mig-agent metrics listening on "));
        }
        self.child = Some(child);
    }

    /// SIGKILL: no chance to checkpoint.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            c.kill().expect("kill agent");
            c.wait().expect("reap agent");
        }
    }

    /// The running process's id (for /proc sampling).
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Waits for the process to exit on its own (e.g. aborted at a
    /// failpoint); returns how it ended.
    #[cfg_attr(not(feature = "failpoints"), allow(dead_code))]
    pub fn wait_exit(&mut self) -> Option<std::process::ExitStatus> {
        let mut c = self.child.take()?;
        Some(c.wait().expect("reap agent"))
    }

    /// SIGTERM, then waits for the process to exit; returns its exit code.
    pub fn terminate(&mut self) -> Option<i32> {
        let mut c = self.child.take()?;
        let status = Command::new("kill")
            .arg("-TERM")
            .arg(c.id().to_string())
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -TERM failed");
        c.wait().expect("reap agent").code()
    }

    pub fn url(&self) -> String {
        let port = self.addr.rsplit(':').next().expect("port");
        format!("https://localhost:{port}")
    }

    /// A TLS client with the named client certificate (`None`: no certificate).
    pub fn client(&self, who: Option<&str>) -> MigratorClient<Channel> {
        MigratorClient::new(self.channel(&self.certs, who))
    }

    /// A channel presenting the client certificate `who` from `certs`.
    pub fn channel(&self, certs: &Path, who: Option<&str>) -> Channel {
        let ca = std::fs::read(self.certs.join("ca.pem")).expect("ca");
        let mut tls = ClientTlsConfig::new()
            .ca_certificate(Certificate::from_pem(ca))
            .domain_name("localhost");
        if let Some(who) = who {
            let cert = std::fs::read(certs.join(format!("{who}.pem"))).expect("cert");
            let key = std::fs::read(certs.join(format!("{who}-key.pem"))).expect("key");
            tls = tls.identity(Identity::from_pem(cert, key));
        }
        Endpoint::from_shared(self.url())
            .expect("url")
            .tls_config(tls)
            .expect("tls")
            .connect_lazy()
    }
}

impl Drop for TestAgent {
    fn drop(&mut self) {
        self.kill();
    }
}
