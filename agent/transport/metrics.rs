//! The `[metrics]` listener: plain HTTP/1.1 on loopback, `GET /metrics` in
//! Prometheus's text exposition format. Before each answer it reads every
//! database's files (phase, pending log entries, replay lag) on a blocking
//! thread, and the throttles from memory; everything else the layers that
//! see it recorded as it happened (`crate::metrics`).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::sync::watch;

use crate::config::MetricsListener;
use crate::engine::open::Busy;
use crate::engine::status;
use crate::jobs::Registry;

/// The content type of the text exposition format.
const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";
/// Longest a scrape waits for one database's lock.
const SCRAPE_BUSY: Duration = Duration::from_millis(500);

/// Binds the listener and serves it until `stop` turns true; returns the
/// bound address.
pub async fn serve(
    config: &MetricsListener,
    registry: Arc<Registry>,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<SocketAddr> {
    let listener = super::bind(config.listen, "[metrics] listen").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        loop {
            let accepted = tokio::select! {
                a = listener.accept() => a,
                _ = stop.wait_for(|s| *s) => return,
            };
            let Ok((tcp, _)) = accepted else { continue };
            let registry = Arc::clone(&registry);
            tokio::spawn(async move {
                let service = service_fn(move |req| answer(Arc::clone(&registry), req));
                if let Err(e) = http1::Builder::new()
                    .serve_connection(TokioIo::new(tcp), service)
                    .await
                {
                    tracing::debug!("a metrics connection ended: {e}");
                }
            });
        }
    });
    Ok(addr)
}

async fn answer(
    registry: Arc<Registry>,
    req: Request<hyper::body::Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let reply = |code: StatusCode, body: String| {
        let mut r = Response::new(Full::new(Bytes::from(body)));
        *r.status_mut() = code;
        r
    };
    if req.uri().path() != "/metrics" {
        return Ok(reply(
            StatusCode::NOT_FOUND,
            "only /metrics is served here\n".into(),
        ));
    }
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return Ok(reply(StatusCode::METHOD_NOT_ALLOWED, "use GET\n".into()));
    }
    let text = tokio::task::spawn_blocking(move || {
        refresh(&registry);
        registry.metrics.encode()
    })
    .await
    .unwrap_or_else(|e| format!("# the metrics could not be gathered: {e}\n"));
    let mut r = reply(StatusCode::OK, text);
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static(CONTENT_TYPE),
    );
    Ok(r)
}

/// Reads what the files say now for every database served.
fn refresh(registry: &Registry) {
    let started = Instant::now();
    let databases = registry.databases();
    for d in &databases {
        let now = status::status(&d.spec, Busy(SCRAPE_BUSY));
        if let Err(e) = &now {
            tracing::debug!(database = %d.name, "metrics: cannot read the status: {e}");
        }
        let throttle = registry
            .throttle(&d.name)
            .map(|t| t.report())
            .unwrap_or_default();
        registry
            .metrics
            .database_now(&d.name, now.as_ref().map_err(|_| ()), &throttle);
    }
    let names: Vec<String> = databases.into_iter().map(|d| d.name).collect();
    registry.metrics.retain_databases(&names);
    registry
        .metrics
        .refreshed_in(started.elapsed().as_secs_f64());
}
