//! A real `commid serve` process for tests that need the binary: started on
//! a free port, killed when dropped.
#![allow(dead_code)]

use super::sign::Signer;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Where a running server answers, and the key to sign with.
#[derive(Clone)]
pub struct Target {
    pub base: String,
    pub authority: String,
    pub key: Vec<u8>,
    pub connection_string: String,
    /// The certificate to trust, when serving TLS.
    pub tls_certificate: Option<String>,
    /// `http://ADDR/metrics` of the scrape-only listener, when there is one.
    pub metrics: Option<String>,
}

pub struct Server {
    pub child: Child,
    pub target: Target,
    /// The data dir, when the server made its own ([`Server::http`] and co).
    _data_dir: Option<tempfile::TempDir>,
}

impl Server {
    /// Plain HTTP, in a data dir of its own.
    pub fn http() -> Server {
        Server::own_dir(&["--http"])
    }

    /// Plain HTTP with a configuration file, in a data dir of its own.
    pub fn http_with_config(config: &std::path::Path) -> Server {
        let config = config.to_str().expect("a UTF-8 path");
        Server::own_dir(&["--http", "--config", config])
    }

    /// HTTPS with the self-signed certificate `serve` makes, in a data dir
    /// of its own.
    pub fn tls() -> Server {
        Server::own_dir(&[])
    }

    fn own_dir(args: &[&str]) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let mut server = start(dir.path(), args);
        server._data_dir = Some(dir);
        server
    }
}

/// Never leaves a server running, whatever way the test ends.
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `commid serve` on `data_dir` with `extra_args` (e.g. `--http`) and
/// waits for the lines it prints at start.
pub fn start(data_dir: &std::path::Path, extra_args: &[&str]) -> Server {
    start_with_env(data_dir, extra_args, &[])
}

/// [`start`] with environment variables for the server.
pub fn start_with_env(
    data_dir: &std::path::Path,
    extra_args: &[&str],
    env: &[(&str, &str)],
) -> Server {
    start_logging_to(data_dir, &data_dir.join("server.log"), extra_args, env)
}

/// [`start_with_env`], the server's standard error written to `log_path`
/// (outside a data dir that may fill up).
pub fn start_logging_to(
    data_dir: &std::path::Path,
    log_path: &std::path::Path,
    extra_args: &[&str],
    env: &[(&str, &str)],
) -> Server {
    std::fs::create_dir_all(data_dir).unwrap();
    let log = std::fs::File::create(log_path).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_commid"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--workers",
            "2",
            // The tests restart servers on their data dirs, and read the key.
            "--show-connection-string",
            "--data-dir",
        ])
        .arg(data_dir)
        .args(extra_args)
        .env("RUST_LOG", "warn")
        .env_remove("COMMID_CONFIG")
        // Tests stop servers often: no drain unless a test asks for one.
        .env("COMMID_DRAIN_SECONDS", "0")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .expect("the binary starts");
    let tls = !extra_args.contains(&"--http");
    let mut server = Server {
        child,
        target: Target {
            base: String::new(),
            authority: String::new(),
            key: Vec::new(),
            connection_string: String::new(),
            tls_certificate: None,
            metrics: None,
        },
        _data_dir: None,
    };
    let stdout = server.child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        assert!(
            Instant::now() < deadline,
            "the server did not print its start lines"
        );
        let Some(Ok(line)) = lines.next() else {
            panic!(
                "the server stopped: {}",
                std::fs::read_to_string(log_path).unwrap_or_default()
            );
        };
        if let Some(url) = line.strip_prefix("Metrics on ") {
            server.target.metrics = Some(url.to_owned());
        }
        if let Some(cs) = line.strip_prefix("Connection string: ") {
            let parsed = commid::acs::ConnectionString::parse(cs).unwrap();
            server.target.base = parsed.endpoint.as_str().trim_end_matches('/').to_owned();
            server.target.authority = parsed.endpoint.authority();
            server.target.key = parsed.key.bytes().to_vec();
            server.target.connection_string = cs.to_owned();
            if !tls {
                break;
            }
        }
        if let Some(path) = line.strip_prefix("TLS certificate: ") {
            server.target.tls_certificate = Some(path.to_owned());
            break;
        }
    }
    // Keep draining stdout so the server never blocks on it.
    std::thread::spawn(move || for _ in lines {});
    server
}

/// The server's verdict on `token` (`POST /accessTokens/:verify`), which
/// must answer 200.
pub async fn verify(http: &reqwest::Client, t: &Target, token: &str) -> Value {
    let (status, verdict) = call(
        http,
        t,
        reqwest::Method::POST,
        "/accessTokens/:verify",
        Some(serde_json::json!({"token": token})),
    )
    .await
    .unwrap();
    assert_eq!(status, 200, "{verdict}");
    verdict
}

/// A signed request; `None` when the server did not answer.
pub async fn call(
    http: &reqwest::Client,
    s: &Target,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> Option<(u16, Value)> {
    let target = if path.contains("api-version=") {
        path.to_owned()
    } else if path.contains('?') {
        format!("{path}&api-version=2023-10-01")
    } else {
        format!("{path}?api-version=2023-10-01")
    };
    let body = body
        .map(|b| serde_json::to_vec(&b).unwrap())
        .unwrap_or_default();
    let signer = Signer {
        base: &s.base,
        host: &s.authority,
        key: &s.key,
    };
    let r = signer
        .request(http, method, &target, body)
        .send()
        .await
        .ok()?;
    let status = r.status().as_u16();
    let bytes = r.bytes().await.ok()?;
    Some((
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    ))
}
