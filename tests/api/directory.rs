//! The directory over HTTP: list with paging, count, lookup by custom id,
//! and the change feed, as a client sees them.

use crate::api::passthrough::front_and_upstream;
use crate::common::app::*;
use reqwest::Method;
use serde_json::{Value, json};

async fn get(app: &TestApp, path_and_query: &str) -> (u16, Value) {
    let r = app.signed(Method::GET, path_and_query, None).await;
    (r.status().as_u16(), r.json().await.unwrap())
}

/// Every item of every page from `first`, following nextLink.
async fn walk(app: &TestApp, first: &str) -> (Vec<Value>, usize) {
    let (mut items, mut pages, mut next) = (Vec::new(), 0, Some(first.to_owned()));
    while let Some(link) = next.take() {
        let (status, page) = get(app, &link).await;
        assert_eq!(status, 200, "{page}");
        pages += 1;
        items.extend(page["value"].as_array().unwrap().iter().cloned());
        next = page["nextLink"].as_str().map(str::to_owned);
    }
    (items, pages)
}

#[tokio::test]
async fn the_list_pages_through_every_identity_by_next_link_in_creation_order() {
    let app = spawn_app().await;
    let mut ids = Vec::new();
    for i in 0..12 {
        ids.push(app.create_with_custom_id(&format!("u{i}")).await);
    }
    assert_eq!(app.delete(&ids[5]).await.status(), 204);
    let (items, pages) = walk(&app, &format!("/identities?{API}&maxPageSize=5")).await;
    let listed: Vec<&str> = items.iter().map(|i| i["id"].as_str().unwrap()).collect();
    let live: Vec<&str> = ids
        .iter()
        .filter(|i| **i != ids[5])
        .map(String::as_str)
        .collect();
    assert_eq!(listed, live);
    assert_eq!(pages, 3);
    assert_eq!(items[0]["customId"], "u0");
    assert_eq!(items[0]["displayName"], "u0");
    assert!(items[0]["createdAt"].as_str().unwrap().ends_with("+00:00"));
    let (newest, _) = walk(&app, &format!("/identities?{API}&order=desc&maxPageSize=4")).await;
    assert_eq!(newest[0]["id"], *live.last().unwrap());
    let (status, count) = get(&app, &format!("/identities/:count?{API}")).await;
    assert_eq!((status, count), (200, json!({"count": 11})));
}

#[tokio::test]
async fn a_next_link_keeps_the_filters_and_an_altered_one_is_refused() {
    let app = spawn_app().await;
    for i in 0..4 {
        app.create_with_custom_id(&format!("f{i}")).await;
    }
    let since = "2000-01-01T00:00:00Z";
    let (_, page) = get(
        &app,
        &format!("/identities?{API}&maxPageSize=2&createdAfter={since}"),
    )
    .await;
    let next = page["nextLink"].as_str().unwrap().to_owned();
    assert!(
        next.starts_with("/identities?api-version=2023-10-01&createdAfter="),
        "{next}"
    );
    let (status, _) = get(&app, &next).await;
    assert_eq!(status, 200);
    // The same token with other filters, or altered, or from elsewhere: 400.
    let token = next.split("continuationToken=").nth(1).unwrap().to_owned();
    for bad in [
        format!("/identities?{API}&maxPageSize=2&continuationToken={token}"),
        format!(
            "/identities?{API}&maxPageSize=2&createdAfter={since}&order=desc&continuationToken={token}"
        ),
        format!("/identities?{API}&continuationToken=x{token}"),
        format!("/identities?{API}&continuationToken=garbage"),
    ] {
        let (status, e) = get(&app, &bad).await;
        assert_eq!(status, 400, "{bad}: {e}");
        assert_eq!(e["error"]["target"], "continuationToken");
    }
    let other = spawn_app().await;
    let (status, _) = get(&other, &next).await;
    assert_eq!(status, 400, "a token of another server's resource");
}

#[tokio::test]
async fn bad_filters_and_page_sizes_are_400_naming_the_parameter() {
    let app = spawn_app().await;
    for (query, target) in [
        ("maxPageSize=0", "maxPageSize"),
        ("maxPageSize=1001", "maxPageSize"),
        ("order=sideways", "order"),
        ("createdAfter=yesterday", "createdAfter"),
        ("lastTokenIssuedBefore=", "lastTokenIssuedBefore"),
        ("customId=", "customId"),
    ] {
        let (status, e) = get(&app, &format!("/identities?{API}&{query}")).await;
        assert_eq!(
            (status, e["error"]["target"].as_str()),
            (400, Some(target)),
            "{query}"
        );
    }
    let (status, e) = get(
        &app,
        &format!("/identities/:count?{API}&createdBefore=soon"),
    )
    .await;
    assert_eq!(
        (status, e["error"]["target"].as_str()),
        (400, Some("createdBefore"))
    );
}

#[tokio::test]
async fn an_identity_is_found_by_its_custom_id_and_filters_narrow_the_count() {
    let app = spawn_app().await;
    let alice = app.create_with_custom_id("alice").await;
    app.create_with_custom_id("bob").await;
    let (status, found) = get(
        &app,
        &format!("/identities/:byCustomId?{API}&customId=alice"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(found["id"], alice);
    let (status, e) = get(
        &app,
        &format!("/identities/:byCustomId?{API}&customId=carol"),
    )
    .await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (404, Some("IdentityNotFound"))
    );
    let (status, _) = get(&app, &format!("/identities/:byCustomId?{API}")).await;
    assert_eq!(status, 400);
    let (_, count) = get(&app, &format!("/identities/:count?{API}&customId=alice")).await;
    assert_eq!(count["count"], 1);
    let (_, listed) = get(&app, &format!("/identities?{API}&customId=bob")).await;
    assert_eq!(listed["value"].as_array().unwrap().len(), 1);
    assert!(listed.get("nextLink").is_none());
    // Idle: no token since a moment ago; alice gets one now.
    let now = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let idle_path = format!("/identities/:count?{API}&lastTokenIssuedBefore={now}");
    assert_eq!(
        get(&app, &idle_path).await.1["count"],
        2,
        "neither had a token"
    );
    assert_eq!(app.issue(&alice, &["chat"]).await.status(), 200);
    // lastTokenIssuedAt is written within about a second, not awaited.
    let mut idle = Value::Null;
    for _ in 0..150 {
        idle = get(&app, &idle_path).await.1["count"].clone();
        if idle == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(idle, 1, "bob only");
}

#[tokio::test]
async fn the_feed_starts_at_its_end_and_then_gives_each_event_once() {
    let app = spawn_app().await;
    app.create_with_custom_id("before").await;
    let (status, start) = get(&app, &format!("/identityEvents?{API}")).await;
    assert_eq!(status, 200);
    assert_eq!(start["value"], json!([]), "no history for a new reader");
    let cursor = start["cursor"].as_str().unwrap().to_owned();
    let sally = app.create_with_custom_id("sally").await;
    assert_eq!(app.revoke(&sally).await.status(), 204);
    assert_eq!(app.delete(&sally).await.status(), 204);
    let (_, page) = get(
        &app,
        &format!("/identityEvents?{API}&since={cursor}&maxPageSize=2"),
    )
    .await;
    let kinds: Vec<&str> = page["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["created", "tokensRevoked"]);
    assert_eq!(page["value"][0]["customId"], "sally");
    assert_eq!(page["value"][0]["id"], sally);
    let next = page["nextLink"].as_str().expect("one more waits");
    let (_, rest) = get(&app, next).await;
    assert_eq!(rest["value"][0]["kind"], "deleted");
    assert_eq!(rest["value"][0]["customId"], "sally");
    assert!(rest.get("nextLink").is_none());
    let (_, empty) = get(
        &app,
        &format!(
            "/identityEvents?{API}&since={}",
            rest["cursor"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(empty["value"], json!([]));
    assert_eq!(
        empty["cursor"], rest["cursor"],
        "nothing new: the same cursor"
    );
}

#[tokio::test]
async fn a_cursor_past_the_retention_is_410_and_a_foreign_one_400() {
    let app = spawn_app().await;
    let (_, start) = get(&app, &format!("/identityEvents?{API}")).await;
    let cursor = start["cursor"].as_str().unwrap().to_owned();
    app.create_with_custom_id("gone").await;
    use commid::storage::Store;
    app.admin_store()
        .prune_events(commid::domain::Timestamp::now())
        .await
        .unwrap();
    let (status, e) = get(&app, &format!("/identityEvents?{API}&since={cursor}")).await;
    assert_eq!(status, 410);
    assert_eq!(e["error"]["code"], "CursorExpired");
    let other = spawn_app().await;
    let (status, e) = get(&other, &format!("/identityEvents?{API}&since={cursor}")).await;
    assert_eq!(
        (status, e["error"]["target"].as_str()),
        (400, Some("since"))
    );
}

#[tokio::test]
async fn the_directory_is_never_forwarded_to_acs() {
    let (front, upstream) = front_and_upstream().await;
    for path in [
        format!("/identities?{API}"),
        format!("/identities/:count?{API}"),
        format!("/identities/:byCustomId?{API}&customId=x"),
        format!("/identityEvents?{API}"),
    ] {
        let r = front
            .with_connection_string(&upstream.connection_string, Method::GET, &path, None)
            .await;
        let e = error_of(r, 400).await;
        assert_eq!(e["code"], "UnsupportedOperation", "{path}");
        assert!(e["message"].as_str().unwrap().contains("commid"), "{e}");
    }
}

#[tokio::test]
async fn the_directory_answers_on_every_api_version() {
    let app = spawn_app().await;
    for version in commid::domain::ApiVersion::SUPPORTED {
        let (status, _) = get(&app, &format!("/identities?api-version={version}")).await;
        assert_eq!(status, 200, "{version}");
        let (status, _) = get(&app, &format!("/identityEvents?api-version={version}")).await;
        assert_eq!(status, 200, "{version}");
    }
}
