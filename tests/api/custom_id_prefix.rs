//! Search by the start of a custom id: `customIdPrefix` on the list and the
//! count, its pages in custom id order, as a client sees them.

use crate::common::app::*;
use reqwest::Method;
use serde_json::{Value, json};

async fn get(app: &TestApp, path_and_query: &str) -> (u16, Value) {
    let r = app.signed(Method::GET, path_and_query, None).await;
    (r.status().as_u16(), r.json().await.unwrap())
}

/// The custom ids of every page from `first`, following nextLink, and the links.
async fn walk(app: &TestApp, first: &str) -> (Vec<String>, Vec<String>) {
    let (mut found, mut links, mut next) = (Vec::new(), Vec::new(), Some(first.to_owned()));
    while let Some(link) = next.take() {
        let (status, page) = get(app, &link).await;
        assert_eq!(status, 200, "{link}: {page}");
        for item in page["value"].as_array().unwrap() {
            found.push(item["customId"].as_str().unwrap().to_owned());
        }
        next = page["nextLink"].as_str().map(str::to_owned);
        links.extend(next.clone());
    }
    (found, links)
}

fn encoded(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[tokio::test]
async fn a_prefix_lists_its_matches_by_custom_id_through_next_links_and_counts_them() {
    let app = spawn_app().await;
    for custom in [
        "team-3", "teammate", "Team-6", "team-1", "tea", "other", "team-2", "team+4",
    ] {
        app.create_with_custom_id(custom).await;
    }
    let prefix = format!("customIdPrefix={}", encoded("team"));
    let (asc, links) = walk(&app, &format!("/identities?{API}&{prefix}&maxPageSize=2")).await;
    assert_eq!(asc, ["team+4", "team-1", "team-2", "team-3", "teammate"]);
    assert!(
        links
            .iter()
            .all(|l| l.contains("&customIdPrefix=team&order=asc")),
        "{links:?}"
    );
    let (desc, _) = walk(
        &app,
        &format!("/identities?{API}&{prefix}&order=desc&maxPageSize=3"),
    )
    .await;
    assert_eq!(desc, ["teammate", "team-3", "team-2", "team-1", "team+4"]);
    let (status, count) = get(&app, &format!("/identities/:count?{API}&{prefix}")).await;
    assert_eq!((status, count), (200, json!({"count": 5})));
    let (plus, _) = walk(
        &app,
        &format!("/identities?{API}&customIdPrefix={}", encoded("team+")),
    )
    .await;
    assert_eq!(plus, ["team+4"], "a + sent encoded is a +");
}

#[tokio::test]
async fn percent_underscore_and_backslash_in_a_prefix_are_plain_characters() {
    let app = spawn_app().await;
    for custom in ["50%off", "50 off", "a_b", "axb", "c\\d", "cd"] {
        app.create_with_custom_id(custom).await;
    }
    for (prefix, expected) in [("50%", "50%off"), ("a_", "a_b"), ("c\\", "c\\d")] {
        let query = format!("customIdPrefix={}", encoded(prefix));
        let (found, _) = walk(&app, &format!("/identities?{API}&{query}")).await;
        assert_eq!(found, [expected], "{prefix}");
        let (_, count) = get(&app, &format!("/identities/:count?{API}&{query}")).await;
        assert_eq!(count["count"], 1, "{prefix}");
    }
}

#[tokio::test]
async fn a_next_link_of_a_prefix_is_refused_with_another_prefix() {
    let app = spawn_app().await;
    for i in 0..3 {
        app.create_with_custom_id(&format!("team-{i}")).await;
    }
    let (_, page) = get(
        &app,
        &format!("/identities?{API}&customIdPrefix=team&maxPageSize=1"),
    )
    .await;
    let next = page["nextLink"].as_str().unwrap();
    let token = next.split("continuationToken=").nth(1).unwrap();
    for other in ["tea", "Team", ""] {
        let query = if other.is_empty() {
            String::new()
        } else {
            format!("&customIdPrefix={other}")
        };
        let (status, e) = get(
            &app,
            &format!("/identities?{API}{query}&maxPageSize=1&continuationToken={token}"),
        )
        .await;
        assert_eq!(status, 400, "{other}: {e}");
        assert_eq!(e["error"]["target"], "continuationToken");
    }
}

#[tokio::test]
async fn an_empty_overlong_or_control_character_prefix_is_400_naming_it() {
    let app = spawn_app().await;
    for value in [String::new(), "x".repeat(257), "a%09b".into()] {
        for path in ["/identities", "/identities/:count"] {
            let (status, e) = get(&app, &format!("{path}?{API}&customIdPrefix={value}")).await;
            assert_eq!(status, 400, "{path} {value}: {e}");
            assert_eq!(e["error"]["target"], "customIdPrefix");
            assert!(
                e["error"]["message"]
                    .as_str()
                    .unwrap()
                    .starts_with("customIdPrefix must"),
                "{e}"
            );
        }
    }
}
