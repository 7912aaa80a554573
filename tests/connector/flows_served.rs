//! The connector's List users, dropdowns, Get a user by custom ID, triggers
//! and connection test against a server, called the way the designer and
//! the engine call them from the definition alone.

use super::flows::{definition, find, parameter};
use crate::common::app::{TestApp, spawn_app};
use serde_json::{Value, json};

/// Calls `operation_id` of the definition as the designer does: its path,
/// `arguments` as query parameters (api-version at its default unless
/// given), the connection string in the security definition's header.
async fn call(app: &TestApp, operation_id: &str, arguments: &Value) -> (u16, Value) {
    let d = definition();
    let (path, method, op) = find(&d, operation_id);
    assert_eq!(method, "get");
    let mut query: Vec<(String, String)> = vec![(
        "api-version".into(),
        parameter(&op, "api-version")["default"]
            .as_str()
            .unwrap()
            .into(),
    )];
    for (name, value) in arguments.as_object().unwrap() {
        parameter(&op, name);
        let text = value
            .as_str()
            .map_or_else(|| value.to_string(), str::to_owned);
        query.retain(|(n, _)| n != name);
        query.push((name.clone(), text));
    }
    let header = d["securityDefinitions"]["api_key"]["name"]
        .as_str()
        .unwrap();
    let r = app
        .http
        .get(format!("{}{path}?{}", app.local, encoded(&query)))
        .header(header, &app.connection_string)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    assert!(
        op["responses"].get(status.to_string()).is_some(),
        "{operation_id} answered {status}, which the definition does not describe"
    );
    (status, r.json().await.unwrap_or(Value::Null))
}

fn encoded(pairs: &[(String, String)]) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in pairs {
        query.append_pair(name, value);
    }
    query.finish()
}

async fn create(app: &TestApp, custom: Option<&str>) -> String {
    let body = custom.map_or(json!({}), |c| json!({"customId": c}));
    let r = app
        .with_connection_string(
            &app.connection_string,
            reqwest::Method::POST,
            "/identities?api-version=2023-10-01",
            Some(body),
        )
        .await;
    assert_eq!(r.status(), 201);
    r.json::<Value>().await.unwrap()["identity"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn the_dropdown_lists_the_newest_users_titled_by_custom_id_or_else_id() {
    let app = spawn_app().await;
    let plain = create(&app, None).await;
    let mapped = create(&app, Some("alice@contoso.example")).await;
    let d = definition();
    let (_, _, issue) = find(&d, "IssueIdentityAccessToken");
    let dropdown = &parameter(&issue, "identityId")["x-ms-dynamic-values"];
    let (status, answer) = call(
        &app,
        dropdown["operationId"].as_str().unwrap(),
        &dropdown["parameters"],
    )
    .await;
    assert_eq!(status, 200);
    let items: Vec<(String, String)> = answer[dropdown["value-collection"].as_str().unwrap()]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            let field = |key: &str| {
                item[dropdown[key].as_str().unwrap()]
                    .as_str()
                    .unwrap()
                    .to_owned()
            };
            (field("value-path"), field("value-title"))
        })
        .collect();
    assert_eq!(
        items,
        [
            (mapped.clone(), "alice@contoso.example".to_owned()),
            (plain.clone(), plain.clone())
        ],
        "newest first, each with a title"
    );
}

#[tokio::test]
async fn list_users_follows_next_link_through_the_gateway_to_the_last_page() {
    let app = spawn_app().await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(create(&app, Some(&format!("u{i}"))).await);
    }
    let prefix = "https://gateway.example/apim/commid/shared-commid-1";
    let (status, first) = call(
        &app,
        "ListCommunicationIdentities",
        &json!({"maxPageSize": 2}),
    )
    .await;
    assert_eq!(status, 200);
    let mut listed: Vec<Value> = first["value"].as_array().unwrap().clone();
    let mut next = first["nextLink"].as_str().map(|l| format!("{prefix}{l}"));
    // The engine calls each nextLink through the gateway, which sends it on.
    while let Some(link) = next {
        let rest = link.strip_prefix(prefix).expect("a link on the gateway");
        let page: Value = app
            .http
            .get(format!("{}{rest}", app.local))
            .header("Connection-String", &app.connection_string)
            .header("X-MS-APIM-Referrer-Prefix", prefix)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        listed.extend(page["value"].as_array().unwrap().iter().cloned());
        next = page["nextLink"].as_str().map(str::to_owned);
    }
    let got: Vec<&str> = listed.iter().map(|u| u["id"].as_str().unwrap()).collect();
    assert_eq!(got, ids);
}

#[tokio::test]
async fn get_a_user_by_custom_id_finds_the_user_or_answers_404() {
    let app = spawn_app().await;
    let id = create(&app, Some("E-1001")).await;
    let (status, user) = call(
        &app,
        "GetCommunicationIdentityByCustomId",
        &json!({"customId": "E-1001"}),
    )
    .await;
    assert_eq!((status, &user["id"]), (200, &json!(id)));
    let (status, missing) = call(
        &app,
        "GetCommunicationIdentityByCustomId",
        &json!({"customId": "E-404"}),
    )
    .await;
    assert_eq!(
        (status, &missing["error"]["code"]),
        (404, &json!("IdentityNotFound"))
    );
}

#[tokio::test]
async fn the_connection_test_passes_a_good_connection_string_and_fails_a_wrong_key() {
    let mut app = spawn_app().await;
    let d = definition();
    let test = &d["x-ms-capabilities"]["testConnection"];
    let operation = test["operationId"].as_str().unwrap();
    let (status, body) = call(&app, operation, &test["parameters"]).await;
    assert_eq!((status, &body["kind"]), (200, &json!("commid")));
    let endpoint = app.connection_string.split(";accesskey=").next().unwrap();
    app.connection_string = format!(
        "{endpoint};accesskey={}",
        commid::domain::AccessKey::generate().text().expose()
    );
    let (status, body) = call(&app, operation, &test["parameters"]).await;
    assert_eq!((status, &body["error"]["code"]), (401, &json!("Denied")));
}

#[tokio::test]
async fn each_trigger_of_the_definition_answers_its_first_poll_with_a_location_on_its_own_path() {
    let app = spawn_app().await;
    let d = definition();
    let header = d["securityDefinitions"]["api_key"]["name"]
        .as_str()
        .unwrap();
    for id in [
        "OnCommunicationIdentityCreated",
        "OnCommunicationIdentityDeleted",
        "OnIdentityAccessTokensRevoked",
    ] {
        let (path, _, op) = find(&d, id);
        let version = parameter(&op, "api-version")["default"].as_str().unwrap();
        let r = app
            .http
            .get(format!("{}{path}?api-version={version}", app.local))
            .header(header, &app.connection_string)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 202, "{id}");
        assert!(op["responses"]["202"]["headers"]["Retry-After"].is_object());
        assert_eq!(r.headers()["retry-after"], "60");
        let location = r.headers()["location"].to_str().unwrap();
        assert!(
            location.starts_with(&format!("{}{path}?api-version={version}&since=", app.local)),
            "{id}: {location}"
        );
    }
}
