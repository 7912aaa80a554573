//! More load than the limits allow: the answers are 2xx, 429 or 503 with
//! Retry-After in the ACS error envelope, nothing else, and the server
//! stays up.

use crate::common::app::*;
use commid::domain::{DataLocation, Endpoint, Resource, ResourceName};
use commid::storage::Store;
use reqwest::Method;
use serde_json::Value;
use std::collections::BTreeMap;

async fn flood(app: &TestApp, n: usize, key: &[u8], host: Option<&str>) -> BTreeMap<u16, usize> {
    let path = format!("/identities?{API}");
    let requests = (0..n).map(|_| async {
        let r = match host {
            None => app.signed_raw(Method::POST, &path, vec![], key).await,
            Some(host) => {
                app.signed_raw_for_host(Method::POST, &path, vec![], key, host)
                    .await
            }
        };
        let status = r.status().as_u16();
        if status == 429 || status == 503 {
            let retry: u32 = r.headers()["retry-after"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!(retry >= 1);
            let body: Value = r.json().await.unwrap();
            let expected = if status == 429 {
                "TooManyRequests"
            } else {
                "ServiceUnavailable"
            };
            assert_eq!(body["error"]["code"], expected);
        }
        status
    });
    let mut counts = BTreeMap::new();
    for status in futures::future::join_all(requests).await {
        *counts.entry(status).or_insert(0) += 1;
    }
    counts
}

#[tokio::test]
async fn a_resource_over_its_rate_gets_429_while_another_resource_is_served() {
    let app = spawn_with(|mut l| {
        l.rate_limit_per_second = Some(20);
        l.rate_limit_burst = Some(30);
        l
    })
    .await;
    let port = app.base.rsplit(':').next().unwrap().to_owned();
    let quiet = Resource::new(
        ResourceName::parse("quiet").unwrap(),
        DataLocation::parse("europe").unwrap(),
        Endpoint::parse(&format!("http://quiet.localhost:{port}/")).unwrap(),
    );
    app.admin_store()
        .insert_resource(quiet.clone())
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;

    let started = std::time::Instant::now();
    let busy = flood(&app, 200, &app.key.clone(), None).await;
    let seconds = started.elapsed().as_secs_f64();
    assert_eq!(
        busy.keys().copied().collect::<Vec<_>>(),
        [201, 429],
        "{busy:?}"
    );
    // The burst, and what the rate refilled while the flood lasted (longer
    // on a loaded machine), never more.
    let allowed = 30 + (20.0 * seconds).ceil() as usize + 2;
    assert!(
        busy[&201] >= 30 && busy[&201] <= allowed,
        "the burst and the rate over {seconds:.2} s (at most {allowed}): {busy:?}"
    );

    let host = format!("quiet.localhost:{port}");
    let other = flood(&app, 20, quiet.primary_key.bytes(), Some(&host)).await;
    assert_eq!(
        other,
        BTreeMap::from([(201, 20)]),
        "the other tenant is not starved"
    );
}

#[tokio::test]
async fn a_full_write_queue_answers_503_and_the_server_carries_on() {
    let app = spawn_with(|mut l| {
        l.rate_limit_per_second = Some(0);
        l.write_queue = Some(1);
        l
    })
    .await;
    let counts = flood(&app, 400, &app.key.clone(), None).await;
    assert!(counts.keys().all(|s| [201, 503].contains(s)), "{counts:?}");
    assert!(
        counts.get(&503).copied().unwrap_or(0) > 0,
        "the queue overflowed: {counts:?}"
    );
    assert!(counts.get(&201).copied().unwrap_or(0) > 0, "{counts:?}");
    assert_eq!(app.unsigned(Method::GET, "/readyz").await.status(), 200);
    assert_eq!(
        app.signed(Method::POST, &format!("/identities?{API}"), None)
            .await
            .status(),
        201
    );
}
