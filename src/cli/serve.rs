use super::Failure;
use crate::config::{Layer, ServeFlags, StoreFlags};
use crate::shutdown::ShutdownSignals;
use crate::startup::Application;
use clap::Args;
use std::io::Write;

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    serve: ServeFlags,
    #[command(flatten)]
    store: StoreFlags,
}

pub async fn run(base: Layer, args: ServeArgs) -> Result<(), Failure> {
    let flags = args.store.layer().merge(args.serve.layer());
    let config = base.merge(flags).resolve()?;
    match &config.upstream.allowed_hosts {
        hosts if hosts.is_empty() => log::info!("pass-through off: no upstream allowed hosts"),
        hosts => log::info!("pass-through to upstream hosts {hosts}"),
    }
    let plaintext = config.vault.sealing_key().is_none();
    let app = Application::build(config).await?;
    // Before the first line below: a supervisor may send SIGTERM as soon as it
    // reads "Listening on".
    let signals = ShutdownSignals::install()?;
    let mut out = std::io::stdout();
    if plaintext {
        writeln!(out, "Warning: {}", crate::startup::PLAINTEXT_WARNING)?;
    }
    writeln!(out, "Listening on {}", app.base_url().as_str())?;
    if let Some(address) = app.metrics_address() {
        writeln!(out, "Metrics on http://{address}/metrics")?;
    }
    if app.shows_connection_string() {
        writeln!(
            out,
            "Connection string: {}",
            app.connection_string().expose()
        )?;
    } else {
        writeln!(
            out,
            "Keys: `commid resource show-keys` (with this --data-dir or --database-url) prints the \
             connection strings; serve shows them only on its first start, or with \
             --show-connection-string"
        )?;
    }
    if let Some(cert) = app.tls_certificate() {
        let cert = std::fs::canonicalize(cert).unwrap_or_else(|_| cert.to_path_buf());
        writeln!(out, "TLS certificate: {}", cert.display())?;
    }
    out.flush()?;
    app.run_until_signalled(signals).await?;
    Ok(())
}
