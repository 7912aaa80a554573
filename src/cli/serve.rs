use super::Failure;
use crate::config::Layer;
use crate::shutdown::ShutdownSignals;
use crate::startup::Application;
use clap::Args;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8443]; also COMMID_LISTEN.
    #[arg(long, value_name = "ADDR")]
    listen: Option<String>,
    /// Where the database and certificates live [default: ./commid-data]; also COMMID_DATA_DIR.
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Serve plain HTTP (behind a TLS-terminating proxy); also COMMID_HTTP.
    #[arg(long)]
    http: bool,
    /// PEM certificate chain to serve instead of the self-signed one; also COMMID_TLS_CERT.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// PEM private key of --tls-cert; also COMMID_TLS_KEY.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// The URL clients reach this server at, when not the listen address; also COMMID_PUBLIC_URL.
    #[arg(long, value_name = "URL")]
    public_url: Option<String>,
    /// HTTP worker threads [default: one per CPU]; also COMMID_WORKERS.
    #[arg(long, value_name = "N")]
    workers: Option<usize>,
    #[command(flatten)]
    database: super::DatabaseArgs,
}

pub async fn run(base: Layer, args: ServeArgs) -> Result<(), Failure> {
    let flags = Layer {
        listen: args.listen,
        data_dir: args.data_dir,
        http: args.http.then_some(true),
        tls_cert: args.tls_cert,
        tls_key: args.tls_key,
        public_url: args.public_url,
        body_limit_bytes: None,
        workers: args.workers,
        ..args.database.layer()
    };
    let config = base.merge(flags).resolve()?;
    match &config.upstream.allowed_hosts {
        hosts if hosts.is_empty() => log::info!("pass-through off: no upstream allowed hosts"),
        hosts => log::info!("pass-through to upstream hosts {hosts}"),
    }
    let app = Application::build(config).await?;
    // Before the first line below: a supervisor may send SIGTERM as soon as it
    // reads "Listening on".
    let signals = ShutdownSignals::install()?;
    let mut out = std::io::stdout();
    writeln!(out, "Listening on {}", app.base_url().as_str())?;
    writeln!(
        out,
        "Connection string: {}",
        app.connection_string().expose()
    )?;
    if let Some(cert) = app.tls_certificate() {
        let cert = std::fs::canonicalize(cert).unwrap_or_else(|_| cert.to_path_buf());
        writeln!(out, "TLS certificate: {}", cert.display())?;
    }
    out.flush()?;
    app.run_until_signalled(signals).await?;
    Ok(())
}
