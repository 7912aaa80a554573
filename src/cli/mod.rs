//! The command line: `serve`, `migrate`, `backup`, `restore`, `resource …`, `signing-key …`,
//! `secrets …`, `quickstart`, `identity …` (the az CLI's identity commands, for any
//! ACS-compatible endpoint) and `connector export`. Exit status 0 on
//! success, 1 on failure (the error and its causes on stderr), 2 on usage
//! errors.

mod access;
mod backup;
mod connection;
mod connector;
mod directory;
mod identity;
mod output;
mod quickstart;
mod resource;
mod secrets;
mod serve;
mod signing_key;
mod subscription;

use crate::config::{ConfigError, Database, Layer, StoreFlags};
use crate::storage::{self, Store};
use crate::vault::Vault;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Debug, Parser)]
#[command(
    name = "commid",
    version,
    about = "A communication identity service that speaks the ACS Identity API"
)]
pub struct Cli {
    /// Configuration file (TOML); also COMMID_CONFIG.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the identity API.
    Serve(serve::ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate(StoreFlags),
    /// Copy a SQLite store while its server serves, check the copy and say
    /// what it holds.
    Backup(backup::BackupArgs),
    /// Put a copy `commid backup` made back into a data dir no server runs on.
    Restore(backup::RestoreArgs),
    /// Manage resources and their access keys.
    #[command(subcommand)]
    Resource(resource::ResourceCommand),
    /// Manage the roles principals of trusted issuers hold on a resource.
    #[command(subcommand)]
    Access(access::AccessCommand),
    /// Manage the token signing keys.
    #[command(subcommand, name = "signing-key")]
    SigningKey(signing_key::SigningKeyCommand),
    /// The encryption keys that seal the secrets the database keeps.
    #[command(subcommand)]
    Secrets(secrets::SecretsCommand),
    /// Run the ACS access-token quickstart against a running server.
    Quickstart(quickstart::QuickstartArgs),
    /// Manage identities and tokens of any ACS-compatible endpoint (like `az communication identity`).
    #[command(subcommand)]
    Identity(identity::IdentityCommand),
    /// The Power Automate custom connector.
    #[command(subcommand)]
    Connector(connector::ConnectorCommand),
}

/// A failure to report on stderr, with exit status 1: the error and every
/// cause it keeps.
pub struct Failure(pub String);

impl<E: std::error::Error> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure(crate::report::chain(&e))
    }
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    if !matches!(cli.command, Command::Serve(_)) {
        end_quietly_when_the_reader_goes_away();
    }
    let default_level = if matches!(cli.command, Command::Serve(_)) {
        "info"
    } else {
        // The platform verifier logs certificate refusals that the commands
        // report themselves.
        "warn,rustls_platform_verifier=off"
    };
    // The file and the environment name the log format, so they are read
    // before the first record; a mistake in them is reported below.
    let base = base_layer(cli.config);
    let format = base.as_ref().ok().and_then(|layer| layer.log_format);
    let log = crate::logs::init(format.unwrap_or_default(), default_level);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            log.0.flush();
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(run(cli.command, base));
    // Whatever the runtime's tasks still log, after what they logged.
    drop(runtime);
    log.0.flush();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(message)) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, base: Result<Layer, ConfigError>) -> Result<(), Failure> {
    let base = base?;
    match command {
        Command::Serve(args) => serve::run(base, args).await,
        Command::Migrate(args) => migrate(base.merge(args.layer())).await,
        Command::Backup(args) => backup::backup(base, args).await,
        Command::Restore(args) => backup::restore(base, args).await,
        Command::Resource(command) => resource::run(base, command).await,
        Command::SigningKey(command) => signing_key::run(base, command).await,
        Command::Access(command) => access::run(base, command).await,
        Command::Secrets(command) => secrets::run(base, command).await,
        Command::Quickstart(args) => quickstart::run(args).await,
        Command::Identity(command) => identity::run(command).await,
        Command::Connector(command) => connector::run(command).await,
    }
}

/// The config file's settings overridden by the environment's.
fn base_layer(config: Option<PathBuf>) -> Result<Layer, ConfigError> {
    let path = config.or_else(|| std::env::var_os("COMMID_CONFIG").map(PathBuf::from));
    let file = path
        .as_deref()
        .map(Layer::from_file)
        .transpose()?
        .unwrap_or_default();
    Ok(file.merge(Layer::from_env(|name| std::env::var(name).ok())?))
}

async fn migrate(layer: Layer) -> Result<(), Failure> {
    let database = layer.database()?;
    let ran = storage::migrate(&database).await?;
    match database {
        Database::Sqlite(dir) => println!("Applied {ran} migration(s) to {}.", dir.display()),
        Database::Postgres(_) => println!("Applied {ran} migration(s) to the PostgreSQL database."),
    }
    Ok(())
}

/// Opens the store for an administrative command, which may run beside
/// servers on the same database. Refused when a stored secret does not open
/// with the configured keys: no command reads garbage, and none without the
/// key writes plaintext into a database whose secrets are sealed.
async fn open_store(layer: &Layer) -> Result<Arc<dyn Store>, Failure> {
    let (store, vault) = open_store_as_is(layer).await?;
    storage::sealing::census(&*store, &vault)
        .await?
        .check(&vault)?;
    Ok(store)
}

/// The store and the configured keys, unchecked: for `commid secrets
/// status`, which shows what does not open.
async fn open_store_as_is(layer: &Layer) -> Result<(Arc<dyn Store>, Vault), Failure> {
    let (database, vault) = (layer.database()?, layer.vault()?);
    let store = storage::open(&database, storage::Opener::Command, &vault).await?;
    Ok((store, vault))
}

/// Rust ignores SIGPIPE, so `println!` panics when `commid … | head` has
/// closed the pipe; a command restores the default, ending quietly as Unix
/// tools do. `serve` keeps it ignored: a client that hangs up must never
/// stop the server (sockets are written with MSG_NOSIGNAL anyway).
fn end_quietly_when_the_reader_goes_away() {
    // SAFETY: setting a signal's disposition to its default, before any
    // other thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
