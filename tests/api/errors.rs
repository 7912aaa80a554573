use crate::common::app::*;
use commid::domain::ApiVersion;
use reqwest::Method;

#[tokio::test]
async fn a_missing_or_unknown_api_version_is_a_400_naming_the_supported_ones() {
    let app = spawn_app().await;
    let e = error_of(app.signed(Method::POST, "/identities", None).await, 400).await;
    assert_eq!(e["code"], "MissingApiVersionParameter");
    let e = error_of(
        app.signed(Method::POST, "/identities?api-version=2019-01-01", None)
            .await,
        400,
    )
    .await;
    assert_eq!(e["code"], "UnsupportedApiVersion");
    for v in ApiVersion::SUPPORTED {
        assert!(e["message"].as_str().unwrap().contains(v));
    }
}

#[tokio::test]
async fn every_supported_api_version_is_answered() {
    let app = spawn_app().await;
    for v in ApiVersion::SUPPORTED {
        assert_eq!(
            app.signed(Method::POST, &format!("/identities?api-version={v}"), None)
                .await
                .status(),
            201,
            "{v}"
        );
    }
}

#[tokio::test]
async fn unknown_routes_get_a_404_in_the_error_envelope() {
    let app = spawn_app().await;
    let e = error_of(app.unsigned(Method::GET, "/nothing/here").await, 404).await;
    assert_eq!(e["code"], "NotFound");
    // A known path with another method is a 405 (methods.rs).
    let e = error_of(
        app.unsigned(Method::PUT, &format!("/identities/x/y?{API}"))
            .await,
        404,
    )
    .await;
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("PUT /identities/x/y")
    );
}

#[tokio::test]
async fn a_body_over_the_limit_gets_413_in_the_error_envelope() {
    let app = spawn_app().await;
    let big = vec![b' '; 65 * 1024];
    let e = error_of(
        app.signed_raw(Method::POST, &format!("/identities?{API}"), big, &app.key)
            .await,
        413,
    )
    .await;
    assert_eq!(e["code"], "RequestEntityTooLarge");
}
