//! A test agent on `127.0.0.1:0`: the real `mig.v1` service over TCP, plain
//! or with mutual TLS from certificates generated for this run (rcgen).

use mig::config::{AgentConfig, DatabaseConfig};
use mig::jobs::Registry;
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use tokio_stream::wrappers::TcpListenerStream;
use tonic::transport::{Certificate, Identity, Server, ServerTlsConfig};

/// A running agent, stopped when dropped.
pub struct TestAgent {
    pub url: String,
    _runtime: tokio::runtime::Runtime,
}

impl TestAgent {
    /// Serves plain HTTP/2.
    pub fn plain(databases: Vec<DatabaseConfig>) -> TestAgent {
        TestAgent::start(databases, None)
    }

    /// Serves TLS with the server certificate of `pki`, requiring a client
    /// certificate from its CA.
    pub fn tls(databases: Vec<DatabaseConfig>, pki: &Pki) -> TestAgent {
        let tls = ServerTlsConfig::new()
            .identity(Identity::from_pem(&pki.server.0, &pki.server.1))
            .client_ca_root(Certificate::from_pem(&pki.ca));
        TestAgent::start(databases, Some(tls))
    }

    fn start(databases: Vec<DatabaseConfig>, tls: Option<ServerTlsConfig>) -> TestAgent {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let scheme = if tls.is_some() { "https" } else { "http" };
        let mut server = Server::builder();
        if let Some(tls) = tls {
            server = server.tls_config(tls).expect("server TLS");
        }
        let routes = mig::transport::migrator(Registry::new(AgentConfig { databases }));
        runtime.spawn(
            server
                .add_service(routes)
                .serve_with_incoming(TcpListenerStream::new(listener)),
        );
        TestAgent {
            url: format!("{scheme}://{addr}"),
            _runtime: runtime,
        }
    }
}

/// PEM certificates for one run: a CA, a server certificate for
/// 127.0.0.1 and a client certificate, each `(cert, key)`.
pub struct Pki {
    pub ca: String,
    pub server: (String, String),
    pub client: (String, String),
}

impl Pki {
    pub fn generate() -> Pki {
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().expect("CA key"))
            .expect("CA");
        let leaf = |name: &str| {
            let key = KeyPair::generate().expect("key");
            let cert = CertificateParams::new(vec![name.to_string()])
                .expect("params")
                .signed_by(&key, &ca)
                .expect("sign");
            (cert.pem(), key.serialize_pem())
        };
        Pki {
            ca: ca.pem(),
            server: leaf("127.0.0.1"),
            client: leaf("operator"),
        }
    }
}
