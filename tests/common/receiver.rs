//! A webhook receiver for tests: HTTPS on loopback with a certificate of
//! its own (commid's self-signed set, made in a temporary directory: the
//! server under test trusts its `ca.pem` through `webhook_ca_cert`), that
//! records each delivery it answered and answers as the test says: a
//! status, after a delay, or never (it hangs: the sender gives up, and what
//! it gave up on is not recorded).
#![allow(dead_code)]

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;
use std::sync::atomic::{AtomicBool, AtomicU16, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One request the receiver answered.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub id: String,
    pub timestamp: String,
    pub signature: String,
    pub body: Vec<u8>,
    /// The status it answered with.
    pub status: u16,
}

impl Received {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }

    /// The change feed event's sequence number.
    pub fn sequence(&self) -> u64 {
        self.json()["data"]["sequence"].as_u64().unwrap()
    }

    /// Whether the Standard Webhooks signature is right for `secret`.
    pub fn signed_with(&self, secret: &str) -> bool {
        let key = base64::engine::general_purpose::STANDARD
            .decode(secret.strip_prefix("whsec_").unwrap())
            .unwrap();
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
        mac.update(format!("{}.{}.", self.id, self.timestamp).as_bytes());
        mac.update(&self.body);
        let expected = format!(
            "v1,{}",
            base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
        );
        self.signature.split(' ').any(|s| s == expected)
    }
}

#[derive(Default)]
struct Shared {
    received: Mutex<Vec<Received>>,
    status: AtomicU16,
    delay_ms: AtomicU64,
    hang: AtomicBool,
}

pub struct Receiver {
    pub port: u16,
    /// The certificate to trust: `webhook_ca_cert`.
    pub ca_cert: std::path::PathBuf,
    shared: Arc<Shared>,
    handle: actix_web::dev::ServerHandle,
    _dir: tempfile::TempDir,
}

impl Receiver {
    /// A receiver that answers 200 at once.
    pub fn start() -> Receiver {
        let dir = tempfile::tempdir().unwrap();
        let files = commid::tls::self_signed(dir.path(), &[]).unwrap();
        let tls = commid::tls::server_config(&files.cert_chain, &files.key).unwrap();
        let shared = Arc::new(Shared::default());
        shared.status.store(200, Ordering::SeqCst);
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = web::Data::from(shared.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .default_service(web::to(answer))
        })
        .workers(2)
        .disable_signals()
        .shutdown_timeout(1)
        .listen_rustls_0_23(listener, tls)
        .unwrap()
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Receiver {
            port,
            ca_cert: files.trust,
            shared,
            handle,
            _dir: dir,
        }
    }

    /// `https://localhost:PORT{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("https://localhost:{}{path}", self.port)
    }

    /// `localhost:PORT`, for `webhook_allowed_hosts`.
    pub fn host(&self) -> String {
        format!("localhost:{}", self.port)
    }

    /// Answer with `status` from now on.
    pub fn answer(&self, status: u16) {
        self.shared.status.store(status, Ordering::SeqCst);
    }

    /// Answer after `delay` from now on.
    pub fn delay(&self, delay: Duration) {
        self.shared
            .delay_ms
            .store(delay.as_millis() as u64, Ordering::SeqCst);
    }

    /// Never answer the requests that come from now on (or until
    /// `hang(false)`).
    pub fn hang(&self, hang: bool) {
        self.shared.hang.store(hang, Ordering::SeqCst);
    }

    /// Every request answered, in the order answered.
    pub fn received(&self) -> Vec<Received> {
        self.shared.received.lock().unwrap().clone()
    }

    /// The requests to `path` answered with a 2xx.
    pub fn delivered(&self, path: &str) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| r.path == path && (200..300).contains(&r.status))
            .collect()
    }

    /// Waits until `path` got `n` deliveries (2xx), at most `within`.
    pub async fn wait_for(&self, path: &str, n: usize, within: Duration) -> Vec<Received> {
        let deadline = Instant::now() + within;
        loop {
            let got = self.delivered(path);
            if got.len() >= n || Instant::now() > deadline {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits until every id of `ids` was delivered to `/hook` (2xx), at
    /// most `within`; the deliveries.
    pub async fn wait_for_all(&self, ids: &[String], within: Duration) -> Vec<Received> {
        let deadline = Instant::now() + within;
        loop {
            let got = self.delivered("/hook");
            let seen: std::collections::HashSet<String> = got
                .iter()
                .map(|d| {
                    d.json()["data"]["id"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned()
                })
                .collect();
            if ids.iter().all(|id| seen.contains(id)) || Instant::now() > deadline {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until `path` was answered (any status) `n` times.
    pub async fn wait_for_requests(&self, path: &str, n: usize, within: Duration) -> usize {
        let deadline = Instant::now() + within;
        loop {
            let got = self.received().iter().filter(|r| r.path == path).count();
            if got >= n || Instant::now() > deadline {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub async fn stop(&self) {
        self.handle.stop(false).await;
    }
}

async fn answer(req: HttpRequest, body: web::Bytes, shared: web::Data<Shared>) -> HttpResponse {
    if shared.hang.load(Ordering::SeqCst) {
        tokio::time::sleep(Duration::from_secs(60)).await;
        return HttpResponse::ServiceUnavailable().finish();
    }
    let delay = shared.delay_ms.load(Ordering::SeqCst);
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    let status = shared.status.load(Ordering::SeqCst);
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    // Recorded only when answered: a request the sender gave up on while
    // this one waited was not received.
    shared.received.lock().unwrap().push(Received {
        path: req.path().to_owned(),
        id: header("webhook-id"),
        timestamp: header("webhook-timestamp"),
        signature: header("webhook-signature"),
        body: body.to_vec(),
        status,
    });
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap()).finish()
}

/// The sequence numbers of `received`, with consecutive repeats (a
/// delivery under way when its sender died, made again) collapsed.
pub fn sequences(received: &[Received]) -> Vec<u64> {
    let mut out: Vec<u64> = received.iter().map(Received::sequence).collect();
    out.dedup();
    out
}
