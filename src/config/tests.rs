use super::*;
use crate::domain::Secret;
use std::time::Duration;

fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let pairs: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |name| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }
}

#[test]
fn flags_override_the_environment_which_overrides_the_file() {
    let file: Layer =
        toml::from_str("listen = \"127.0.0.1:1\"\ndata_dir = \"/file\"\nworkers = 3").unwrap();
    let env = Layer::from_env(env(&[
        ("COMMID_LISTEN", "127.0.0.1:2"),
        ("COMMID_DATA_DIR", "/env"),
    ]))
    .unwrap();
    let flags = Layer {
        listen: Some("127.0.0.1:3".into()),
        ..Layer::default()
    };
    let config = file.merge(env).merge(flags).resolve().unwrap();
    assert_eq!(config.listen.port(), 3);
    assert_eq!(config.data_dir, PathBuf::from("/env"));
    assert_eq!(config.workers, 3);
}

#[test]
fn every_setting_is_a_file_key_too() {
    for key in settings::all().iter().map(|s| s.key) {
        // Values of the wrong type fail too, but never as an unknown key.
        for value in ["\"x\"", "1", "true"] {
            if let Err(e) = toml::from_str::<Layer>(&format!("{key} = {value}")) {
                assert!(!e.to_string().contains("unknown field"), "{key}: {e}");
            }
        }
    }
}

#[test]
fn a_postgres_url_selects_postgres_and_is_never_shown() {
    let layer = Layer::from_env(env(&[(
        "COMMID_DATABASE_URL",
        "postgres://u:hunter2@db/commid",
    )]))
    .unwrap();
    let config = layer.resolve().unwrap();
    assert!(matches!(config.database, Database::Postgres(_)));
    assert!(!format!("{config:?}").contains("hunter2"));
    let err = Layer::from_env(env(&[("COMMID_DATABASE_POOL_SIZE", "many")])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "COMMID_DATABASE_POOL_SIZE='many' is not a number of connections."
    );
    let err = Layer {
        database_url: Some(Secret::new("mysql://x")),
        ..Layer::default()
    }
    .resolve()
    .unwrap_err();
    assert!(err.to_string().contains("postgres://"));
}

#[test]
fn the_defaults_serve_https_on_loopback() {
    let config = Layer::default().resolve().unwrap();
    assert_eq!(config.listen.to_string(), DEFAULT_LISTEN);
    assert_eq!(config.tls, Tls::SelfSigned);
    assert!(config.listen.ip().is_loopback());
}

#[test]
fn bad_values_say_where_they_came_from_and_what_is_expected() {
    let err = Layer::from_env(env(&[("COMMID_HTTP", "maybe")])).unwrap_err();
    assert_eq!(err.to_string(), "COMMID_HTTP='maybe' is not true or false.");
    let err = Layer {
        listen: Some("localhost".into()),
        ..Layer::default()
    }
    .resolve()
    .unwrap_err();
    assert!(
        err.to_string().contains("for example 127.0.0.1:8443"),
        "{err}"
    );
    let err = Layer {
        tls_cert: Some("c.pem".into()),
        ..Layer::default()
    }
    .resolve()
    .unwrap_err();
    assert!(err.to_string().contains("both --tls-cert and --tls-key"));
    let err = toml::from_str::<Layer>("lisen = \"x\"").unwrap_err();
    assert!(err.to_string().contains("lisen"));
}

#[test]
fn trusted_issuers_come_from_the_file_with_jwks_files_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("commid.toml");
    std::fs::write(
        &path,
        "[[trusted_issuers]]\nissuer = \"https://login.example.com/t/v2.0\"\n\
         jwks_file = \"keys.json\"\nclient_ids = [\"app\"]\n",
    )
    .unwrap();
    let config = Layer::from_file(&path).unwrap().resolve().unwrap();
    assert_eq!(config.trusted_issuers.len(), 1);
    assert_eq!(
        config.trusted_issuers[0].jwks,
        crate::domain::JwksSource::File(dir.path().join("keys.json"))
    );
    assert!(
        Layer::default()
            .resolve()
            .unwrap()
            .trusted_issuers
            .is_empty()
    );
}

#[test]
fn a_bad_trusted_issuer_stops_the_start_with_its_number() {
    let layer: Layer = toml::from_str(
        "[[trusted_issuers]]\nissuer = \"https://i/\"\njwks_url = \"https://i/k\"\nclient_ids = [\"a\"]\n\
         [[trusted_issuers]]\nissuer = \"https://j/\"\njwks_url = \"http://example.com/k\"\nclient_ids = [\"a\"]\n",
    )
    .unwrap();
    let err = layer.resolve().unwrap_err();
    assert!(
        err.to_string()
            .starts_with("[[trusted_issuers]] number 2 (issuer 'https://j/'): jwks_url"),
        "{err}"
    );
}

#[test]
fn upstream_hosts_are_a_list_in_the_file_and_comma_separated_in_the_environment() {
    let file: Layer = toml::from_str(
        "upstream_allowed_hosts = [\"*.communication.azure.com\", \"127.0.0.1:8089\"]",
    )
    .unwrap();
    assert_eq!(
        file.resolve().unwrap().upstream.allowed_hosts.to_string(),
        "*.communication.azure.com,127.0.0.1:8089"
    );
    let from_env = Layer::from_env(env(&[(
        "COMMID_UPSTREAM_ALLOWED_HOSTS",
        " acs.example.com:8443 , [::1]:9000,",
    )]))
    .unwrap();
    assert_eq!(
        from_env
            .resolve()
            .unwrap()
            .upstream
            .allowed_hosts
            .to_string(),
        "acs.example.com:8443,[::1]:9000"
    );
    let off = Layer::from_env(env(&[("COMMID_UPSTREAM_ALLOWED_HOSTS", "")])).unwrap();
    assert!(off.resolve().unwrap().upstream.allowed_hosts.is_empty());
}

#[test]
fn pass_through_defaults_to_acs_hosts_within_a_thirty_second_budget() {
    let upstream = Layer::default().resolve().unwrap().upstream;
    assert_eq!(upstream, crate::upstream::UpstreamOptions::default());
    assert_eq!(
        upstream.allowed_hosts.to_string(),
        "*.communication.azure.com"
    );
    assert_eq!(upstream.budget, Duration::from_secs(30));
    let tuned = Layer::from_env(env(&[
        ("COMMID_UPSTREAM_BUDGET_MS", "1500"),
        ("COMMID_UPSTREAM_CONNECT_TIMEOUT_MS", "200"),
        ("COMMID_UPSTREAM_READ_TIMEOUT_MS", "300"),
    ]))
    .unwrap()
    .resolve()
    .unwrap()
    .upstream;
    assert_eq!(tuned.budget, Duration::from_millis(1500));
    assert_eq!(tuned.connect_timeout, Duration::from_millis(200));
    assert_eq!(tuned.read_timeout, Duration::from_millis(300));
}

#[test]
fn bad_upstream_settings_stop_the_start_with_the_reason() {
    let err = Layer::from_env(env(&[("COMMID_UPSTREAM_ALLOWED_HOSTS", "*")]))
        .unwrap()
        .resolve()
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("upstream_allowed_hosts: Upstream host '*' is invalid"),
        "{err}"
    );
    let err = Layer {
        upstream_budget_ms: Some(120_000),
        ..Layer::default()
    }
    .resolve()
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "upstream budget 120000 ms is out of range: use 100 to 100000."
    );
    let err = Layer::from_env(env(&[("COMMID_UPSTREAM_READ_TIMEOUT_MS", "soon")])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "COMMID_UPSTREAM_READ_TIMEOUT_MS='soon' is not a number of milliseconds."
    );
}

#[test]
fn flags_and_variables_of_every_declared_setting_reach_the_layer() {
    use clap::Parser;
    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        serve: ServeFlags,
        #[command(flatten)]
        store: StoreFlags,
    }
    let cli = Cli::try_parse_from([
        "commid",
        "--listen",
        "127.0.0.1:9",
        "--http",
        "--data-dir",
        "/d",
        "--database-pool-size",
        "3",
    ])
    .unwrap();
    let flags = cli.store.layer().merge(cli.serve.layer());
    assert_eq!(flags.listen.as_deref(), Some("127.0.0.1:9"));
    assert_eq!(flags.http, Some(true));
    assert_eq!(flags.data_dir, Some(PathBuf::from("/d")));
    assert_eq!(flags.database_pool_size, Some(3));
    let err = Cli::try_parse_from(["commid", "--workers", "many"])
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("not a number of workers"), "{err}");
    // Every variable a setting declares is read.
    for s in settings::all() {
        let Some(variable) = s.variable else { continue };
        let bad = Layer::from_env(env(&[(variable, "\u{1}not-a-value")]));
        let good_or_refused = bad.map(|l| l != Layer::default()).unwrap_or(true);
        assert!(good_or_refused, "{variable} is not read");
    }
}

#[test]
fn every_declared_default_value_is_what_resolution_uses() {
    let config = Layer::default().resolve().unwrap();
    let defaults = Layer::defaults();
    assert_eq!(config.listen.to_string(), defaults.listen.unwrap());
    assert_eq!(config.data_dir, defaults.data_dir.unwrap());
    assert_eq!(config.body_limit, defaults.body_limit_bytes.unwrap());
    assert_eq!(config.limits.write_queue, defaults.write_queue.unwrap());
    assert_eq!(
        config.limits.rate_per_second,
        defaults.rate_limit_per_second.unwrap()
    );
}

#[test]
fn the_log_format_is_text_unless_the_file_or_the_environment_says_json() {
    use crate::logs::LogFormat;
    assert_eq!(Layer::defaults().log_format, Some(LogFormat::Text));
    let file: Layer = toml::from_str("log_format = \"json\"").unwrap();
    assert_eq!(file.log_format, Some(LogFormat::Json));
    let layer = Layer::from_env(env(&[("COMMID_LOG_FORMAT", "JSON")])).unwrap();
    assert_eq!(layer.log_format, Some(LogFormat::Json));
    let err = Layer::from_env(env(&[("COMMID_LOG_FORMAT", "xml")])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "COMMID_LOG_FORMAT='xml' is not text or json."
    );
    assert!(toml::from_str::<Layer>("log_format = \"xml\"").is_err());
}

#[test]
fn metrics_are_off_by_default_on_the_main_listener_or_on_their_own() {
    let resolve = |layer: Layer| layer.resolve().map(|c| c.metrics);
    assert_eq!(resolve(Layer::default()).unwrap(), MetricsServing::Off);
    let on = Layer::from_env(env(&[("COMMID_METRICS", "on")])).unwrap();
    assert_eq!(resolve(on).unwrap(), MetricsServing::Main);
    let separate = Layer::from_env(env(&[("COMMID_METRICS_LISTEN", "127.0.0.1:9464")])).unwrap();
    assert_eq!(
        resolve(separate).unwrap(),
        MetricsServing::Separate("127.0.0.1:9464".parse().unwrap())
    );
    let file: Layer = toml::from_str("metrics = true\nmetrics_listen = \"[::1]:9464\"").unwrap();
    assert!(matches!(
        resolve(file).unwrap(),
        MetricsServing::Separate(_)
    ));
}

#[test]
fn a_metrics_listener_that_cannot_be_is_refused_at_start() {
    let refused = |pairs: &[(&str, &str)]| {
        Layer::from_env(env(pairs))
            .unwrap()
            .resolve()
            .unwrap_err()
            .to_string()
    };
    let off = refused(&[
        ("COMMID_METRICS", "off"),
        ("COMMID_METRICS_LISTEN", "127.0.0.1:9464"),
    ]);
    assert!(off.contains("metrics is off"), "{off}");
    let same = refused(&[
        ("COMMID_LISTEN", "127.0.0.1:8443"),
        ("COMMID_METRICS_LISTEN", "127.0.0.1:8443"),
    ]);
    assert!(same.contains("the API's own"), "{same}");
    let bad = refused(&[("COMMID_METRICS_LISTEN", "localhost")]);
    assert!(bad.contains("not an IP address and port"), "{bad}");
}

#[test]
fn the_verify_cache_is_sized_in_bytes_zero_turning_it_off() {
    let config = |value: &str| {
        Layer::from_env(env(&[("COMMID_VERIFY_CACHE_BYTES", value)]))
            .and_then(Layer::resolve)
            .map(|c| c.verify_cache_bytes)
    };
    assert_eq!(config("0").unwrap(), 0);
    assert_eq!(config("1048576").unwrap(), 1 << 20);
    assert_eq!(
        config("4294967296").unwrap_err().to_string(),
        "verify cache 4294967296 bytes is out of range: use 0 (no cache) to 1073741824."
    );
    assert_eq!(
        config("lots").unwrap_err().to_string(),
        "COMMID_VERIFY_CACHE_BYTES='lots' is not a byte count (0: no cache)."
    );
    assert_eq!(
        Layer::default().resolve().unwrap().verify_cache_bytes,
        crate::tokens::DEFAULT_VERIFY_CACHE_BYTES
    );
}

#[test]
fn the_drain_defaults_to_5_seconds_and_takes_0_to_300() {
    let config = |value: &str| {
        Layer::from_env(env(&[("COMMID_DRAIN_SECONDS", value)]))
            .and_then(Layer::resolve)
            .map(|c| c.drain)
    };
    let default = Layer::default().resolve().unwrap().drain;
    assert_eq!(default, Duration::from_secs(5));
    assert_eq!(config("0").unwrap(), Duration::ZERO);
    assert_eq!(config("300").unwrap(), Duration::from_secs(300));
    assert_eq!(
        config("301").unwrap_err().to_string(),
        "drain of 301 seconds is out of range: use 0 (stop at once) to 300."
    );
}
