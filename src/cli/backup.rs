//! `commid backup` and `commid restore`: a checked copy of a SQLite store,
//! taken while its server serves, and put back into a data dir no server
//! runs on. A PostgreSQL database is copied with `pg_dump` instead.

use super::Failure;
use crate::config::{Database, Layer, StoreFlags};
use crate::storage::sqlite::backup::{self, Contents};
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The file to write (replaced only once the new copy is checked).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    #[command(flatten)]
    data: StoreFlags,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// A file `commid backup` wrote.
    #[arg(long, value_name = "FILE")]
    from: PathBuf,
    /// Replace the database the data dir holds.
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    data: StoreFlags,
}

pub async fn backup(base: Layer, args: BackupArgs) -> Result<(), Failure> {
    let dir = sqlite_dir(&base.merge(args.data.layer()), "backed up")?;
    let contents = blocking(move || backup::backup(&dir, &args.out)).await?;
    print(&contents);
    Ok(())
}

pub async fn restore(base: Layer, args: RestoreArgs) -> Result<(), Failure> {
    let dir = sqlite_dir(&base.merge(args.data.layer()), "restored")?;
    let contents = blocking(move || backup::restore(&args.from, &dir, args.force)).await?;
    print(&contents);
    Ok(())
}

/// The data dir of a SQLite store; PostgreSQL has its own tools.
fn sqlite_dir(layer: &Layer, done: &str) -> Result<PathBuf, Failure> {
    match layer.database()? {
        Database::Sqlite(dir) => Ok(dir),
        Database::Postgres(_) => Err(Failure(format!(
            "a PostgreSQL database is {done} with pg_dump and pg_restore: see docs/deployment.md#backup-and-restore"
        ))),
    }
}

/// File copies and fsyncs, off the async runtime's threads.
async fn blocking(
    work: impl FnOnce() -> Result<Contents, backup::BackupError> + Send + 'static,
) -> Result<Contents, Failure> {
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => Ok(result?),
        Err(e) => Err(Failure(format!("the copy stopped: {e}"))),
    }
}

fn print(contents: &Contents) {
    println!(
        "{}",
        serde_json::to_string_pretty(contents).expect("JSON serializes")
    );
}
