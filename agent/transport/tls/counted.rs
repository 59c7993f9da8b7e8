//! A TCP connection counted while it is open, for the
//! `mig_connected_clients` gauge: the count goes up when the handshake
//! succeeds and down when the connection is dropped. It reads, writes and
//! reports its peer like the `TcpStream` inside (so tonic still sees the
//! client certificate through the TLS stream around it).

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tonic::transport::server::{Connected, TcpConnectInfo};

use crate::metrics::Metrics;

pub struct CountedTcp {
    inner: TcpStream,
    metrics: Arc<Metrics>,
    counted: bool,
}

impl CountedTcp {
    pub fn new(inner: TcpStream, metrics: Arc<Metrics>) -> Self {
        CountedTcp {
            inner,
            metrics,
            counted: false,
        }
    }

    /// From now until it is dropped, the connection counts as a client.
    pub fn count(&mut self) {
        if !self.counted {
            self.counted = true;
            self.metrics.connections(1);
        }
    }
}

impl Drop for CountedTcp {
    fn drop(&mut self) {
        if self.counted {
            self.metrics.connections(-1);
        }
    }
}

impl Connected for CountedTcp {
    type ConnectInfo = TcpConnectInfo;

    fn connect_info(&self) -> Self::ConnectInfo {
        self.inner.connect_info()
    }
}

impl AsyncRead for CountedTcp {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for CountedTcp {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
