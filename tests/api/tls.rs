use crate::common::app::*;
use commid::config::Layer;
use commid::startup::Application;
use serde_json::Value;

/// A server with the default TLS (self-signed) on a free port.
async fn https_app(data_dir: &std::path::Path) -> Application {
    let layer = Layer {
        listen: Some("127.0.0.1:0".into()),
        data_dir: Some(data_dir.to_path_buf()),
        workers: Some(1),
        ..Layer::default()
    };
    Application::build(layer.resolve().unwrap()).await.unwrap()
}

#[tokio::test]
async fn by_default_the_server_speaks_https_with_a_certificate_clients_can_trust() {
    let dir = tempfile::tempdir().unwrap();
    let app = https_app(dir.path()).await;
    let cert = app
        .tls_certificate()
        .expect("a certificate to trust")
        .to_path_buf();
    let base = app.base_url().as_str().to_owned();
    assert!(base.starts_with("https://127.0.0.1:"), "{base}");
    assert!(
        app.connection_string()
            .expose()
            .starts_with(&format!("endpoint={base};accesskey="))
    );
    tokio::spawn(app.run_until_stopped());

    let pem = std::fs::read(&cert).unwrap();
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
        .build()
        .unwrap();
    for host in ["127.0.0.1", "localhost"] {
        let url = format!("{}healthz", base.replace("127.0.0.1", host));
        let r = client
            .get(url)
            .send()
            .await
            .expect("the certificate is trusted");
        assert_eq!(r.json::<Value>().await.unwrap()["status"], "ok");
    }
    let untrusting = reqwest::Client::new();
    assert!(
        untrusting
            .get(format!("{base}healthz"))
            .send()
            .await
            .is_err()
    );
    let _ = API;
}

#[tokio::test]
async fn the_self_signed_certificate_covers_every_resource_endpoint_host() {
    use commid::domain::{DataLocation, Endpoint, Resource, ResourceName};
    use commid::storage::Store;
    use commid::storage::sqlite::{Access, SqliteStore};
    let dir = tempfile::tempdir().unwrap();
    {
        // As `commid resource create --name b` leaves a store before a start.
        let store = SqliteStore::open(dir.path(), Access::Shared).unwrap();
        let first = Endpoint::parse("https://127.0.0.1:8443/").unwrap();
        for (name, endpoint) in [("default", first.clone()), ("b", first.beside("b"))] {
            let resource = Resource::new(
                ResourceName::parse(name).unwrap(),
                DataLocation::parse("unitedstates").unwrap(),
                endpoint,
            );
            store.insert_resource(resource).await.unwrap();
        }
    }
    // A start before `b` existed: the CA clients were told to trust.
    let earlier = commid::tls::self_signed(dir.path(), &[]).unwrap();
    let pem = std::fs::read(&earlier.trust).unwrap();
    let app = https_app(dir.path()).await;
    assert_eq!(
        std::fs::read(app.tls_certificate().unwrap()).unwrap(),
        pem,
        "the CA is kept"
    );
    let port = app.port();
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
        .resolve("b.localhost", "127.0.0.1:0".parse().unwrap())
        .build()
        .unwrap();
    let r = client
        .get(format!("https://b.localhost:{port}/healthz"))
        .send()
        .await
        .expect("b.localhost is in the certificate");
    assert!(r.status().is_success());
}
