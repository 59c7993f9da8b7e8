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
    config: PathBuf,
    child: Option<Child>,
}

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
    pub fn start(dir: &Path, databases: &[(&str, &Path, &Path)]) -> TestAgent {
        let certs = make_certs(dir);
        let mut toml = format!(
            "listen = \"127.0.0.1:0\"\n\n[tls]\ncert = {:?}\nkey = {:?}\nclient_ca = {:?}\n\n[access]\noperators = [\"operator\"]\nviewers = [\"viewer\"]\n\n[limits]\nmax_request_bytes = 65536\n\n[throttle]\nprobe_interval_ms = 100\n",
            certs.join("agent.pem"),
            certs.join("agent-key.pem"),
            certs.join("ca.pem"),
        );
        for (name, old, new) in databases {
            toml.push_str(&format!(
                "\n[[database]]\nname = {name:?}\nold = {old:?}\nnew = {new:?}\n"
            ));
        }
        let config = dir.join("agent.toml");
        std::fs::write(&config, toml).expect("write agent.toml");
        let mut agent = TestAgent {
            certs,
            addr: String::new(),
            config,
            child: None,
        };
        agent.spawn();
        agent
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
        let mut child = cmd
            .arg("--config")
            .arg(&self.config)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn mig-agent");
        let stdout = child.stdout.take().expect("agent stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("agent's first line");
        let addr = line
            .trim()
            .strip_prefix("mig-agent listening on ")
            .unwrap_or_else(|| panic!("unexpected first line from mig-agent: {line:?}"));
        self.addr = addr.to_string();
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
