//! A database outage: requests get 503 with Retry-After within a bounded
//! time, /readyz says not ready, and service resumes by itself.

use crate::common::server::{call, start_with_env};
use reqwest::Method;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

/// A TCP proxy to PostgreSQL that can be cut: while down it closes every
/// connection it holds and refuses new ones.
struct Switch {
    up: AtomicBool,
    cut: Notify,
}

async fn proxy(upstream: String, switch: Arc<Switch>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((mut inbound, _)) = listener.accept().await else {
                return;
            };
            if !switch.up.load(Ordering::SeqCst) {
                continue;
            }
            let (switch, upstream) = (switch.clone(), upstream.clone());
            tokio::spawn(async move {
                let Ok(mut outbound) = TcpStream::connect(&upstream).await else {
                    return;
                };
                tokio::select! {
                    _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                    _ = switch.cut.notified() => {}
                }
            });
        }
    });
    port
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_database_gives_503_quickly_and_service_resumes_by_itself() {
    let Some(schema) = crate::common::postgres::schema("the outage test").await else {
        return;
    };
    let parsed: tokio_postgres::Config = schema.url.parse().unwrap();
    let port = parsed.get_ports().first().copied().unwrap_or(5432);
    let switch = Arc::new(Switch {
        up: AtomicBool::new(true),
        cut: Notify::new(),
    });
    let proxy_port = proxy(format!("127.0.0.1:{port}"), switch.clone()).await;
    let url = schema
        .url
        .replacen(&format!(":{port}/"), &format!(":{proxy_port}/"), 1);
    assert_ne!(url, schema.url, "the URL names host:port explicitly");

    let dir = tempfile::tempdir().unwrap();
    let server = start_with_env(
        dir.path(),
        &["--http", "--database-url", &url],
        &[("COMMID_DATABASE_TIMEOUT_MS", "1000")],
    );
    let http = reqwest::Client::new();
    let t = &server.target;
    assert_eq!(
        call(&http, t, Method::POST, "/identities", None)
            .await
            .unwrap()
            .0,
        201
    );

    switch.up.store(false, Ordering::SeqCst);
    switch.cut.notify_waiters();
    let started = Instant::now();
    let r = http.get(format!("{}/readyz", t.base)).send().await.unwrap();
    assert_eq!(r.status(), 503);
    let started_create = Instant::now();
    let signer = crate::common::sign::Signer {
        base: &t.base,
        host: &t.authority,
        key: &t.key,
    };
    let r = signer
        .request(
            &http,
            Method::POST,
            "/identities?api-version=2023-10-01",
            Vec::new(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    assert!(r.headers().contains_key("retry-after"));
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "ServiceUnavailable");
    assert!(
        started_create.elapsed() < Duration::from_secs(5),
        "answered in {:?}",
        started_create.elapsed()
    );
    assert!(started.elapsed() < Duration::from_secs(10));

    switch.up.store(true, Ordering::SeqCst);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some((201, _)) = call(&http, t, Method::POST, "/identities", None).await {
            break;
        }
        assert!(Instant::now() < deadline, "service did not resume");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        http.get(format!("{}/readyz", t.base))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}
