//! `GET /metrics`: off by default, on the main listener with `metrics`, or
//! alone on a listener of its own with `metrics_listen`; in the Prometheus
//! text format, counting requests by operation and status class, the
//! identity events, the store's calls and the components' counters, and
//! naming no identity.

use crate::common::app::*;
use crate::common::double::{Double, Reply};
use reqwest::Method;
use serde_json::json;

/// The value of one series (`name{labels}` exactly as written), if scraped.
fn value(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .map(|v| v.parse().unwrap())
}

fn requests(text: &str, operation: &str, status: &str) -> f64 {
    let series =
        format!("commid_http_requests_total{{operation=\"{operation}\",status=\"{status}\"}}");
    value(text, &series).unwrap_or_else(|| panic!("no {series} in:\n{text}"))
}

async fn scrape(app: &TestApp, base: &str) -> String {
    let r = app
        .http
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    r.text().await.unwrap()
}

async fn with_metrics() -> TestApp {
    spawn_with(|layer| commid::config::Layer {
        metrics: Some(true),
        ..layer
    })
    .await
}

#[tokio::test]
async fn metrics_are_off_unless_asked_for() {
    let app = spawn_app().await;
    let r = app.unsigned(Method::GET, "/metrics").await;
    assert_eq!(error_of(r, 404).await["code"], "NotFound");
}

#[tokio::test]
async fn requests_are_counted_by_operation_and_status_class_with_their_latency() {
    let app = with_metrics().await;
    let id = app.create_identity().await;
    assert_eq!(app.issue(&id, &["chat"]).await.status(), 200);
    assert_eq!(app.revoke(&id).await.status(), 204);
    assert_eq!(app.delete(&id).await.status(), 204);
    assert_eq!(app.delete(&id).await.status(), 204);
    assert_eq!(app.get(&id).await.status(), 404);
    assert_eq!(app.unsigned(Method::GET, "/nothing").await.status(), 404);
    assert_eq!(app.unsigned(Method::PUT, "/identities").await.status(), 405);

    let text = scrape(&app, &app.local).await;
    assert_eq!(requests(&text, "CommunicationIdentity_Create", "2xx"), 1.0);
    assert_eq!(
        requests(&text, "CommunicationIdentity_IssueAccessToken", "2xx"),
        1.0
    );
    assert_eq!(
        requests(&text, "CommunicationIdentity_RevokeAccessTokens", "2xx"),
        1.0
    );
    assert_eq!(requests(&text, "CommunicationIdentity_Delete", "2xx"), 2.0);
    assert_eq!(requests(&text, "CommunicationIdentity_Get", "4xx"), 1.0);
    // 404 and 405 from the default service, whatever path they named.
    assert_eq!(requests(&text, "unmatched", "4xx"), 2.0);
    let latency =
        "commid_http_request_duration_seconds_count{operation=\"CommunicationIdentity_Delete\"}";
    assert_eq!(value(&text, latency), Some(2.0));
    let all = "commid_http_request_duration_seconds_bucket{operation=\"CommunicationIdentity_Delete\",le=\"+Inf\"}";
    assert_eq!(value(&text, all), Some(2.0));

    assert_eq!(value(&text, "commid_identities_created_total"), Some(1.0));
    assert_eq!(value(&text, "commid_identity_revocations_total"), Some(1.0));
    assert_eq!(
        value(&text, "commid_identities_deleted_total"),
        Some(1.0),
        "the second delete found a tombstone"
    );
    assert_eq!(
        value(&text, "commid_tokens_issued_total{subject=\"identity\"}"),
        Some(1.0)
    );
    let store_calls = "commid_store_call_duration_seconds_count{backend=\"sqlite\",operation=\"create_identity\"}";
    assert_eq!(value(&text, store_calls), Some(1.0));
    assert!(value(&text, "commid_sqlite_group_commit_writes_count").unwrap() >= 3.0);
    assert_eq!(value(&text, "commid_sqlite_write_queue_depth"), Some(0.0));
    assert!(value(&text, "commid_db_pool_connections{state=\"idle\"}").is_some());
    assert!(value(&text, "process_resident_memory_bytes").unwrap() > 1e6);
    assert!(value(&text, "process_open_fds").unwrap() > 3.0);
    assert!(value(&text, "process_cpu_seconds_total").unwrap() > 0.0);
    // Counts only: no identity is ever named.
    let guid = id.rsplit('_').next().unwrap();
    assert!(!text.contains(guid), "{text}");
}

#[tokio::test]
async fn rate_limit_refusals_and_forwarded_requests_are_counted() {
    let double = Double::start(vec![Reply::new(201, r#"{"identity":{"id":"8:acs:x_y"}}"#)]);
    let app = spawn_with(|layer| commid::config::Layer {
        metrics: Some(true),
        rate_limit_per_second: Some(1),
        rate_limit_burst: Some(1),
        upstream_allowed_hosts: Some(vec![double.authority()]),
        ..layer
    })
    .await;
    let statuses = [
        app.signed(Method::POST, &format!("/identities?{API}"), None)
            .await
            .status(),
        app.signed(Method::POST, &format!("/identities?{API}"), None)
            .await
            .status(),
    ];
    assert_eq!(statuses, [201, 429]);
    let r = app
        .with_connection_string(
            &double.connection_string(),
            Method::POST,
            &format!("/identities?{API}"),
            Some(json!({})),
        )
        .await;
    assert_eq!(r.status(), 201);
    let text = scrape(&app, &app.local).await;
    assert_eq!(
        value(&text, "commid_rate_limited_requests_total"),
        Some(1.0)
    );
    assert_eq!(
        value(&text, "commid_upstream_requests_total{status=\"2xx\"}"),
        Some(1.0)
    );
    assert_eq!(
        value(&text, "commid_upstream_attempts_total{status=\"2xx\"}"),
        Some(1.0)
    );
    assert_eq!(
        value(&text, "commid_upstream_requests_total{status=\"none\"}"),
        Some(0.0)
    );
}

#[tokio::test]
async fn a_separate_listener_serves_the_metrics_and_nothing_else() {
    let app = spawn_with(|layer| commid::config::Layer {
        metrics_listen: Some("127.0.0.1:0".into()),
        ..layer
    })
    .await;
    let scrape_only = app.metrics.clone().expect("a metrics listener");
    assert_ne!(scrape_only, app.local);
    assert_eq!(app.unsigned(Method::GET, "/healthz").await.status(), 200);
    // The API's listener does not serve them; it still counts its requests.
    assert_eq!(app.unsigned(Method::GET, "/metrics").await.status(), 404);
    let text = scrape(&app, &scrape_only).await;
    assert_eq!(requests(&text, "Healthz", "2xx"), 1.0);
    assert_eq!(requests(&text, "unmatched", "4xx"), 1.0);
    let r = app
        .http
        .post(format!("{scrape_only}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(r.headers()["allow"], "GET");
    let r = app
        .http
        .get(format!("{scrape_only}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(r, 404).await["code"], "NotFound");
}

#[tokio::test]
async fn the_postgres_store_reports_its_pool() {
    let Some(schema) = crate::common::postgres::schema("the postgres pool metrics test").await
    else {
        return;
    };
    let app = spawn_with(|layer| commid::config::Layer {
        metrics: Some(true),
        database_url: Some(commid::domain::Secret::new(schema.url.clone())),
        database_pool_size: Some(3),
        ..layer
    })
    .await;
    app.create_identity().await;
    let text = scrape(&app, &app.local).await;
    assert_eq!(value(&text, "commid_db_pool_max_connections"), Some(3.0));
    assert!(value(&text, "commid_db_pool_connections{state=\"idle\"}").unwrap() >= 1.0);
    assert_eq!(value(&text, "commid_db_pool_waiting"), Some(0.0));
    let calls = "commid_store_call_duration_seconds_count{backend=\"postgres\",operation=\"create_identity\"}";
    assert_eq!(value(&text, calls), Some(1.0));
    assert!(!text.contains("commid_sqlite_write_queue_depth"));
}
