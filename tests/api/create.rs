use crate::common::app::*;
use reqwest::Method;
use serde_json::{Value, json};

fn assert_acs_id(id: &str) {
    let rest = id.strip_prefix("8:acs:").unwrap_or_else(|| panic!("{id}"));
    let (resource, suffix) = rest.split_once('_').unwrap();
    assert!(
        uuid::Uuid::try_parse(resource).is_ok() && uuid::Uuid::try_parse(suffix).is_ok(),
        "{id}"
    );
    assert_eq!(suffix.len(), 36);
}

#[tokio::test]
async fn creating_an_identity_answers_201_with_an_acs_id_whatever_empty_body_the_sdk_sends() {
    let app = spawn_app().await;
    let mut ids = std::collections::HashSet::new();
    for body in [
        None,
        Some(json!({})),
        Some(json!({"createTokenWithScopes": null, "expiresInMinutes": null})),
    ] {
        let r = app
            .signed(Method::POST, &format!("/identities?{API}"), body)
            .await;
        assert_eq!(r.status(), 201);
        assert_eq!(r.headers()["content-type"], "application/json");
        let body: Value = r.json().await.unwrap();
        assert!(body.get("accessToken").is_none(), "{body}");
        let id = body["identity"]["id"].as_str().unwrap().to_owned();
        assert_acs_id(&id);
        ids.insert(id);
    }
    assert_eq!(ids.len(), 3, "every identity gets a new id");
}

#[tokio::test]
async fn creating_with_scopes_returns_a_token_whose_expiry_matches_its_exp_claim() {
    let app = spawn_app().await;
    let r = app
        .signed(
            Method::POST,
            &format!("/identities?{API}"),
            Some(json!({"createTokenWithScopes": ["voip", "chat"], "expiresInMinutes": 60})),
        )
        .await;
    assert_eq!(r.status(), 201);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let body: Value = r.json().await.unwrap();
    let id = body["identity"]["id"].as_str().unwrap();
    let token = body["accessToken"]["token"].as_str().unwrap();
    let claims = payload(token);
    assert_eq!(claims["skypeid"], id.strip_prefix("8:").unwrap());
    assert_eq!(claims["acsScope"], "voip,chat");
    assert_eq!(claims["scp"], 1792);
    assert_eq!(claims["resourceLocation"], "unitedstates");
    assert_eq!(claims["csi"], claims["iat"].as_i64().unwrap().to_string());
    let exp = claims["exp"].as_i64().unwrap();
    assert_eq!(exp - claims["iat"].as_i64().unwrap(), 3600);
    let expires_on = body["accessToken"]["expiresOn"].as_str().unwrap();
    let expected = time::OffsetDateTime::from_unix_timestamp(exp).unwrap();
    assert_eq!(
        expires_on,
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.0000000+00:00",
            expected.year(),
            u8::from(expected.month()),
            expected.day(),
            expected.hour(),
            expected.minute(),
            expected.second()
        )
    );
}

#[tokio::test]
async fn creating_with_an_external_id_twice_returns_the_same_identity_with_200() {
    let app = spawn_app().await;
    let create = |token: bool| {
        let mut body = json!({"externalId": "sally@contoso.com"});
        if token {
            body["createTokenWithScopes"] = json!(["chat"]);
        }
        app.signed(
            Method::POST,
            "/identities?api-version=2025-03-02-preview",
            Some(body),
        )
    };
    let first = create(false).await;
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    assert_eq!(first["identity"]["externalId"], "sally@contoso.com");
    let again = create(true).await;
    assert_eq!(again.status(), 200);
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["identity"]["id"], first["identity"]["id"]);
    assert!(again["accessToken"]["token"].is_string());

    let id = first["identity"]["id"].as_str().unwrap();
    assert_eq!(app.delete(id).await.status(), 204);
    let after_delete = create(false).await;
    assert_eq!(
        after_delete.status(),
        201,
        "a deleted identity releases its external id"
    );
    let after_delete: Value = after_delete.json().await.unwrap();
    assert_ne!(after_delete["identity"]["id"], first["identity"]["id"]);
}

#[tokio::test]
async fn concurrent_creates_with_one_external_id_make_one_identity() {
    let app = spawn_app().await;
    let path = format!("/identities?{API}");
    let requests =
        (0..16).map(|_| app.signed(Method::POST, &path, Some(json!({"externalId": "race"}))));
    let responses = futures::future::join_all(requests).await;
    let mut ids = std::collections::HashSet::new();
    let mut created = 0;
    for r in responses {
        if r.status() == 201 {
            created += 1;
        } else {
            assert_eq!(r.status(), 200);
        }
        ids.insert(
            r.json::<Value>().await.unwrap()["identity"]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    assert_eq!((created, ids.len()), (1, 1));
}

#[tokio::test]
async fn invalid_create_requests_are_refused_with_the_live_services_errors() {
    let app = spawn_app().await;
    let cases = [
        (
            json!({"createTokenWithScopes": ["chat"], "expiresInMinutes": 59}),
            "ExpiresInMinutes",
        ),
        (
            json!({"createTokenWithScopes": ["chat"], "expiresInMinutes": 1441}),
            "ExpiresInMinutes",
        ),
        (
            json!({"createTokenWithScopes": ["chat", "admin"]}),
            "Scopes",
        ),
        (json!({"externalId": ""}), "externalId"),
        (json!({"externalId": "x".repeat(257)}), "externalId"),
    ];
    for (body, target) in cases {
        let e = error_of(
            app.signed(
                Method::POST,
                &format!("/identities?{API}"),
                Some(body.clone()),
            )
            .await,
            400,
        )
        .await;
        assert_eq!(e["code"], "ValidationError", "{body}");
        assert_eq!(e["target"], target, "{body}");
    }
    let r = app
        .signed_raw(
            Method::POST,
            &format!("/identities?{API}"),
            b"{not json".to_vec(),
            &app.key,
        )
        .await;
    let e = error_of(r, 400).await;
    assert_eq!(e["code"], "ValidationError");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .starts_with("The request body is not valid")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn identities_created_at_once_on_several_workers_list_with_created_at_never_going_back() {
    let app = std::sync::Arc::new(
        spawn_with(|layer| commid::config::Layer {
            workers: Some(4),
            ..layer
        })
        .await,
    );
    let writers: Vec<_> = (0..8)
        .map(|_| {
            let app = app.clone();
            tokio::spawn(async move {
                for _ in 0..150 {
                    app.create_identity().await;
                }
            })
        })
        .collect();
    for writer in writers {
        writer.await.unwrap();
    }
    let mut next = format!("/identities?{API}&maxPageSize=1000");
    let mut created: Vec<(String, String)> = Vec::new();
    loop {
        let page: Value = app
            .signed(Method::GET, &next, None)
            .await
            .json()
            .await
            .unwrap();
        for identity in page["value"].as_array().unwrap() {
            created.push((
                identity["id"].as_str().unwrap().to_owned(),
                identity["createdAt"].as_str().unwrap().to_owned(),
            ));
        }
        match page["nextLink"].as_str() {
            Some(link) => next = link.to_owned(),
            None => break,
        }
    }
    assert_eq!(created.len(), 1200);
    let at = |text: &str| {
        time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).unwrap()
    };
    for pair in created.windows(2) {
        assert!(
            at(&pair[0].1) <= at(&pair[1].1),
            "listed in creation order, yet createdAt went back: {pair:?}"
        );
    }
}
