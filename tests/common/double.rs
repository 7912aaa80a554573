//! A scripted stand-in for an ACS endpoint, for what commid never answers
//! (throttling, server errors, redirects, silence) and for pass-through
//! failure injection: it counts the connections made to it, records every
//! request, and answers from a list (repeating the last answer once the
//! list runs out). Keeps connections open between requests, as ACS does.
//! It runs on a thread of its own, so sync and async tests use it alike,
//! and stops when dropped.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use commid::acs::hmac;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

pub const KEY: &[u8] = b"an upstream double's 32 bytes...";

#[derive(Clone)]
pub struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    delay: Duration,
}

impl Reply {
    pub fn new(status: u16, body: &str) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: body.as_bytes().to_vec(),
            delay: Duration::ZERO,
        }
    }

    /// An ACS error envelope.
    pub fn error(status: u16, code: &str) -> Reply {
        Reply::new(
            status,
            &format!(r#"{{"error":{{"code":"{code}","message":"Said the double."}}}}"#),
        )
    }

    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Answers only after `delay`.
    pub fn after(mut self, delay: Duration) -> Reply {
        self.delay = delay;
        self
    }
}

/// A request as it arrived.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub target: String,
    /// Lowercase names.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }

    /// Whether the HMAC signature covers this very request (method, target,
    /// date, host and body), made with the double's key.
    pub fn signature_is_valid(&self) -> bool {
        let Some(auth) = self
            .header("authorization")
            .and_then(hmac::Authorization::parse)
        else {
            return false;
        };
        let values: Vec<String> = auth
            .signed_headers()
            .map(|h| match h.to_ascii_lowercase().as_str() {
                "x-ms-content-sha256" => hmac::content_hash(&self.body),
                other => self.header(other).unwrap_or_default().to_owned(),
            })
            .collect();
        let values: Vec<&str> = values.iter().map(String::as_str).collect();
        self.header("x-ms-content-sha256") == Some(&hmac::content_hash(&self.body))
            && hmac::verify(
                KEY,
                &hmac::string_to_sign(&self.method, &self.target, &values),
                &auth.signature,
            )
    }
}

pub struct Double {
    pub port: u16,
    connections: Arc<AtomicUsize>,
    seen: Arc<Mutex<Vec<Seen>>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for Double {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl Double {
    pub fn start(replies: Vec<Reply>) -> Double {
        assert!(!replies.is_empty());
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let connections = Arc::new(AtomicUsize::new(0));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (count, log) = (connections.clone(), seen.clone());
        let replies = Arc::new(replies);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = TcpListener::from_std(listener).unwrap();
                let accept = async {
                    while let Ok((stream, _)) = listener.accept().await {
                        count.fetch_add(1, Ordering::SeqCst);
                        tokio::spawn(serve(stream, replies.clone(), log.clone()));
                    }
                };
                tokio::select! {
                    _ = accept => {}
                    _ = stopped => {}
                }
            });
        });
        Double {
            port,
            connections,
            seen,
            stop: Some(stop),
        }
    }

    /// `127.0.0.1:PORT`, the entry that allow-lists it.
    pub fn authority(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn connection_string(&self) -> String {
        format!(
            "endpoint=http://{}/;accesskey={}",
            self.authority(),
            STANDARD.encode(KEY)
        )
    }

    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

async fn serve(stream: TcpStream, replies: Arc<Vec<Reply>>, log: Arc<Mutex<Vec<Seen>>>) {
    let mut reader = BufReader::new(stream);
    while let Some(request) = read_request(&mut reader).await {
        let n = {
            let mut log = log.lock().unwrap();
            log.push(request);
            log.len()
        };
        let reply = &replies[(n - 1).min(replies.len() - 1)];
        tokio::time::sleep(reply.delay).await;
        if write_reply(reader.get_mut(), reply).await.is_err() {
            return;
        }
    }
}

async fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Seen> {
    let mut line = String::new();
    reader.read_line(&mut line).await.ok()?;
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next()?.to_owned(), parts.next()?.to_owned());
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).await.ok()?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':')?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    let length = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).await.ok()?;
    Some(Seen {
        method,
        target,
        headers,
        body,
    })
}

async fn write_reply(stream: &mut TcpStream, reply: &Reply) -> std::io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {} Whatever\r\ncontent-length: {}\r\n",
        reply.status,
        reply.body.len()
    );
    if !reply.body.is_empty() {
        head.push_str("content-type: application/json\r\n");
    }
    for (name, value) in &reply.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(&reply.body).await?;
    stream.flush().await
}
