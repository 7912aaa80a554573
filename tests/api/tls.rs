use crate::helpers::*;
use commid::config::Layer;
use commid::startup::Application;
use serde_json::Value;

#[tokio::test]
async fn by_default_the_server_speaks_https_with_a_certificate_clients_can_trust() {
    let dir = tempfile::tempdir().unwrap();
    let layer = Layer {
        listen: Some("127.0.0.1:0".into()),
        data_dir: Some(dir.path().to_path_buf()),
        workers: Some(1),
        ..Layer::default()
    };
    let app = Application::build(layer.resolve().unwrap()).await.unwrap();
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
