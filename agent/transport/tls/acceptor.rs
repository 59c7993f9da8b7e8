//! The mutual-TLS listener's connections: TCP accepts, each handshake on
//! its own task (a slow or hostile client holds up no one) with the
//! configuration current at that moment. A connection keeps the
//! configuration it was accepted with for its whole life, so a reload never
//! drops an open stream. Refused handshakes are logged with their cause
//! and counted; open connections are counted too (`counted.rs`).

use std::io;
use std::sync::Arc;
use std::time::Duration;

use rustls::ServerConfig;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch, Semaphore};
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;
use tokio_stream::wrappers::ReceiverStream;

use super::counted::CountedTcp;
use crate::metrics::Metrics;

/// Longest a client may take to complete its handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Handshaken connections waiting for the server to take them.
const READY_CONNECTIONS: usize = 64;

/// Handshakes in progress at once; beyond this, accepting waits (a flood
/// of half-open connections cannot grow the agent without bound).
const CONCURRENT_HANDSHAKES: usize = 256;

/// Pause after a failed accept (e.g. out of file descriptors) before the next.
const ACCEPT_RETRY: Duration = Duration::from_millis(50);

/// A stream of TLS connections for tonic's `serve_with_incoming_shutdown`;
/// it ends (and the listener closes) when the server drops it.
pub fn incoming(
    listener: TcpListener,
    configs: watch::Receiver<Arc<ServerConfig>>,
    metrics: Arc<Metrics>,
) -> ReceiverStream<io::Result<TlsStream<CountedTcp>>> {
    let (tx, rx) = mpsc::channel(READY_CONNECTIONS);
    let handshakes = Arc::new(Semaphore::new(CONCURRENT_HANDSHAKES));
    tokio::spawn(async move {
        loop {
            let Ok(permit) = Arc::clone(&handshakes).acquire_owned().await else {
                return;
            };
            let accepted = tokio::select! {
                a = listener.accept() => a,
                _ = tx.closed() => return,
            };
            let (tcp, peer) = match accepted {
                Ok(a) => a,
                Err(e) => {
                    tracing::warn!("accepting a connection failed: {e}");
                    tokio::time::sleep(ACCEPT_RETRY).await;
                    continue;
                }
            };
            let _ = tcp.set_nodelay(true);
            let acceptor = TlsAcceptor::from(Arc::clone(&configs.borrow()));
            let tx = tx.clone();
            let metrics = Arc::clone(&metrics);
            tokio::spawn(async move {
                let _permit = permit;
                let tcp = CountedTcp::new(tcp, Arc::clone(&metrics));
                match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                    Ok(Ok(mut tls)) => {
                        tls.get_mut().0.count();
                        let _ = tx.send(Ok(tls)).await;
                    }
                    Ok(Err(e)) => {
                        metrics.handshake_failed();
                        tracing::info!(target: "mig::audit", %peer, "refused a TLS handshake: {e}")
                    }
                    Err(_) => {
                        metrics.handshake_failed();
                        tracing::info!(%peer, "closed a connection that did not finish its TLS handshake in {HANDSHAKE_TIMEOUT:?}")
                    }
                }
            });
        }
    });
    ReceiverStream::new(rx)
}
