//! A real Prometheus server (Debian's `prometheus`) scraping a real
//! `commid serve` on its scrape-only listener sees every series the
//! documentation lists, with the values the test's own requests made, and
//! the alert rules of docs/configuration.md pass `promtool check rules`.
//! Skipped without /usr/bin/prometheus unless COMMID_REQUIRE_PROMETHEUS=1.

use crate::common::server::{Server, call};
use serde_json::Value;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PROMETHEUS: &str = "/usr/bin/prometheus";
const PROMTOOL: &str = "/usr/bin/promtool";

/// Whether Prometheus is here; when it is not, a failure if CI requires it.
fn prometheus_installed(test: &str) -> bool {
    if std::path::Path::new(PROMETHEUS).exists() {
        return true;
    }
    assert!(
        std::env::var("COMMID_REQUIRE_PROMETHEUS").as_deref() != Ok("1"),
        "COMMID_REQUIRE_PROMETHEUS=1 but {PROMETHEUS} is missing (apt-get install prometheus)"
    );
    crate::common::skipped::say(
        "Prometheus",
        test,
        "install Debian's prometheus package (apt-get install prometheus) to run them",
    );
    false
}

/// Prometheus in the foreground, its data in a temporary directory; killed
/// when dropped.
struct Prometheus {
    child: Child,
    api: String,
    _dir: tempfile::TempDir,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_prometheus(target: &str) -> Prometheus {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global: {{ scrape_interval: 1s, scrape_timeout: 1s }}\n\
             scrape_configs:\n  - job_name: commid\n    static_configs: [ {{ targets: [\"{target}\"] }} ]\n"
        ),
    )
    .unwrap();
    let port = free_port();
    let log = std::fs::File::create(dir.path().join("prometheus.log")).unwrap();
    let child = Command::new(PROMETHEUS)
        .arg(format!("--config.file={}", config.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.path().join("data").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg(format!("--web.console.templates={}", dir.path().display()))
        .arg(format!("--web.console.libraries={}", dir.path().display()))
        .arg("--log.level=warn")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("prometheus starts");
    Prometheus {
        child,
        api: format!("http://127.0.0.1:{port}/api/v1"),
        _dir: dir,
    }
}

/// `data` of a Prometheus API answer, once `done` says it is complete, or
/// after 30 s (the first scrape comes about 5 s after the start).
async fn poll(http: &reqwest::Client, url: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let answer = match http.get(url).send().await {
            Ok(r) => r.json::<Value>().await.unwrap_or(Value::Null),
            Err(_) => Value::Null,
        };
        if done(&answer["data"]) || Instant::now() > deadline {
            return answer["data"].clone();
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Every series of the metrics section of docs/configuration.md.
const SERIES: [&str; 22] = [
    "commid_http_requests_total",
    "commid_http_request_duration_seconds_bucket",
    "commid_tokens_issued_total",
    "commid_identities_created_total",
    "commid_identity_revocations_total",
    "commid_identities_deleted_total",
    "commid_store_call_duration_seconds_bucket",
    "commid_sqlite_write_queue_depth",
    "commid_sqlite_group_commit_writes_bucket",
    "commid_db_pool_connections",
    "commid_rate_limited_requests_total",
    "commid_auth_failure_limited_requests_total",
    "commid_upstream_requests_total",
    "commid_upstream_attempts_total",
    "commid_issuer_key_fetches_total",
    "process_cpu_seconds_total",
    "process_resident_memory_bytes",
    "process_virtual_memory_bytes",
    "process_open_fds",
    "process_max_fds",
    "process_threads",
    "process_start_time_seconds",
];

#[tokio::test]
async fn prometheus_scrapes_every_documented_series_from_a_running_server() {
    if !prometheus_installed("the Prometheus scrape test") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server: Server = crate::common::server::start_with_env(
        dir.path(),
        &["--http", "--metrics-listen", "127.0.0.1:0"],
        &[],
    );
    let metrics_url = server.target.metrics.clone().expect("a Metrics on line");
    let target = metrics_url
        .strip_prefix("http://")
        .and_then(|t| t.strip_suffix("/metrics"))
        .unwrap()
        .to_owned();
    let http = reqwest::Client::new();
    let (status, created) = call(
        &http,
        &server.target,
        reqwest::Method::POST,
        "/identities",
        Some(serde_json::json!({"createTokenWithScopes": ["chat"]})),
    )
    .await
    .unwrap();
    assert_eq!(status, 201, "{created}");
    let id = created["identity"]["id"]
        .as_str()
        .unwrap()
        .replace(':', "%3A");
    for (method, path) in [
        (
            reqwest::Method::POST,
            format!("/identities/{id}/:revokeAccessTokens"),
        ),
        (reqwest::Method::DELETE, format!("/identities/{id}")),
    ] {
        let (status, _) = call(&http, &server.target, method, &path, None)
            .await
            .unwrap();
        assert_eq!(status, 204, "{path}");
    }

    let prometheus = start_prometheus(&target);
    let targets = poll(
        &http,
        &format!("{}/targets?state=active", prometheus.api),
        |d| d["activeTargets"][0]["health"] == "up",
    )
    .await;
    let scraped = &targets["activeTargets"][0];
    assert_eq!(scraped["health"], "up", "{targets}");
    assert_eq!(scraped["lastError"], "", "the exposition format is valid");

    for name in SERIES {
        let url = format!("{}/series?match[]={name}", prometheus.api);
        let found = poll(&http, &url, |d| d.as_array().is_some_and(|a| !a.is_empty())).await;
        assert!(
            found.as_array().is_some_and(|a| !a.is_empty()),
            "Prometheus has no {name}: {found}"
        );
    }
    let query = |q: &str| {
        format!(
            "{}/query?query={}",
            prometheus.api,
            percent_encoding::utf8_percent_encode(q, percent_encoding::NON_ALPHANUMERIC)
        )
    };
    for (expression, expected) in [
        (
            r#"commid_http_requests_total{operation="CommunicationIdentity_Create",status="2xx"}"#,
            "1",
        ),
        (r#"commid_tokens_issued_total{subject="identity"}"#, "1"),
        ("commid_identity_revocations_total", "1"),
        ("commid_identities_deleted_total", "1"),
        (
            r#"count(commid_store_call_duration_seconds_count{backend="sqlite"} > 0) > 3"#,
            "",
        ),
    ] {
        let data = poll(&http, &query(expression), |d| {
            d["result"].as_array().is_some_and(|r| !r.is_empty())
        })
        .await;
        let value = &data["result"][0]["value"][1];
        assert!(value.is_string(), "{expression}: {data}");
        if !expected.is_empty() {
            assert_eq!(value, expected, "{expression}");
        }
    }
}

/// The ```yaml block of docs/configuration.md that holds `groups:`.
fn documented_alert_rules() -> String {
    let doc = include_str!("../../docs/configuration.md");
    doc.split("```yaml\n")
        .skip(1)
        .filter_map(|block| block.split("```").next())
        .find(|block| block.starts_with("groups:"))
        .expect("alert rules in docs/configuration.md")
        .to_owned()
}

#[test]
fn the_documented_alert_rules_are_valid_prometheus_rules() {
    if !prometheus_installed("the alert rules check") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("commid-alerts.yml");
    std::fs::write(&rules, documented_alert_rules()).unwrap();
    let out = Command::new(PROMTOOL)
        .args(["check", "rules"])
        .arg(&rules)
        .output()
        .expect("promtool runs");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("3 rules found"), "{text}");
}
