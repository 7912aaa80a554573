//! Copies of the SQLite store. `commid backup` takes one while a server
//! serves it: SQLite's online backup API, run in one step, so the whole
//! copy comes from one read transaction (a snapshot: in WAL mode it never
//! waits for the writer nor makes it wait, and a write committed meanwhile
//! cannot restart it, as it restarts a copy made in small steps). `commid
//! restore` puts one back into a data dir no server runs on. A copy counts
//! only once checked: `PRAGMA integrity_check` and the schema version.
//!
//! It is a copy of the rows as stored: sealed secrets stay sealed.

use super::{FILE_NAME, SCHEMA_VERSION, events, rows};
use crate::vault::{self, Stored};
use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};
use std::collections::BTreeSet;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(
        "no commid database in {0}: pass the data dir the server uses (--data-dir or COMMID_DATA_DIR)"
    )]
    NoDatabase(PathBuf),
    #[error("{0}: {1}")]
    Sqlite(PathBuf, #[source] rusqlite::Error),
    #[error("{0}: {1}")]
    Io(PathBuf, #[source] std::io::Error),
    #[error("{0} is damaged (PRAGMA integrity_check: {1})")]
    Damaged(PathBuf, String),
    #[error(
        "{path} has schema version {found} and this commid writes version {SCHEMA_VERSION}: use the commid release that wrote it"
    )]
    Version { path: PathBuf, found: usize },
    #[error("{0} is the data dir's own database (or beside it): choose a file elsewhere")]
    SameFile(PathBuf),
    #[error("the database stayed busy: {0}")]
    Busy(PathBuf),
    #[error("a commid server is running on the data dir {0}: stop it before restoring into it")]
    Live(PathBuf),
    #[error(
        "{0} holds a commid database already: pass --force to replace it (back it up first), or restore into another --data-dir"
    )]
    Exists(PathBuf),
}

/// What a copy holds, from the copy itself.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Contents {
    pub file: PathBuf,
    pub size_bytes: u64,
    pub integrity: &'static str,
    pub schema_version: usize,
    pub resources: u64,
    /// Live identities.
    pub identities: u64,
    /// Tombstones: identities deleted, which stay deleted.
    pub deleted_identities: u64,
    /// Live identities whose tokens were revoked at least once.
    pub identities_with_tokens_revoked: u64,
    pub signing_keys: u64,
    pub subscriptions: u64,
    /// Change feed events kept, and the last sequence number given: the
    /// feed continues after it.
    pub events: u64,
    pub last_event_sequence: u64,
    pub secrets: Secrets,
}

/// How the secrets of the copy are kept.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Secrets {
    pub sealed: u64,
    pub plaintext: u64,
    /// The ids of the encryption keys a server needs to open them.
    pub keys: BTreeSet<String>,
}

/// Copies the database of `dir` to `out` (replacing it only once the new
/// copy is checked and on disk) while a server may serve it.
pub fn backup(dir: &Path, out: &Path) -> Result<Contents, BackupError> {
    let source_path = dir.join(FILE_NAME);
    if !source_path.is_file() {
        return Err(BackupError::NoDatabase(dir.to_owned()));
    }
    refuse_own_files(dir, out)?;
    let source = Connection::open_with_flags(&source_path, OpenFlags::SQLITE_OPEN_READ_WRITE)
        .map_err(sqlite(&source_path))?;
    let partial = beside(out, ".partial");
    let contents = copy(&source, &partial).and_then(|()| inspect(&partial));
    drop(source);
    let contents = contents.inspect_err(|_| {
        let _ = std::fs::remove_file(&partial);
    })?;
    put_in_place(&partial, out)?;
    Ok(Contents {
        file: out.to_owned(),
        ..contents
    })
}

/// Checks `from`, then makes it the database of `dir`: refused while a
/// server runs there, and where a database exists unless `force`.
pub fn restore(from: &Path, dir: &Path, force: bool) -> Result<Contents, BackupError> {
    refuse_own_files(dir, from)?;
    inspect(from)?;
    create_private_dir(dir)?;
    // Held until the copy is in place: no server starts on a half-restored dir.
    let _lock = lock(dir)?;
    let target = dir.join(FILE_NAME);
    if target.exists() && !force {
        return Err(BackupError::Exists(dir.to_owned()));
    }
    let source = Connection::open_with_flags(from, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(sqlite(from))?;
    let partial = beside(&target, ".restoring");
    let contents = copy(&source, &partial).and_then(|()| inspect(&partial));
    let contents = contents.inspect_err(|_| {
        let _ = std::fs::remove_file(&partial);
    })?;
    // The old database's write-ahead log would be replayed onto the new
    // file: it goes first.
    for suffix in ["-wal", "-shm", "-journal"] {
        let stale = beside(&target, suffix);
        match std::fs::remove_file(&stale) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(BackupError::Io(stale, e));
            }
            _ => {}
        }
    }
    put_in_place(&partial, &target)?;
    Ok(Contents {
        file: target,
        ..contents
    })
}

/// Checks the database at `path` (integrity, schema version) and counts
/// what it holds, without writing to it.
pub fn inspect(path: &Path) -> Result<Contents, BackupError> {
    if !path.is_file() {
        return Err(BackupError::Io(
            path.to_owned(),
            std::io::Error::from(std::io::ErrorKind::NotFound),
        ));
    }
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(sqlite(path))?;
    let problems = integrity_check(&conn).map_err(|e| match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase) => {
            BackupError::Damaged(path.to_owned(), e.to_string())
        }
        _ => BackupError::Sqlite(path.to_owned(), e),
    })?;
    if problems != ["ok"] {
        return Err(BackupError::Damaged(path.to_owned(), problems.join("; ")));
    }
    let found: usize = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(sqlite(path))?;
    if found != SCHEMA_VERSION {
        return Err(BackupError::Version {
            path: path.to_owned(),
            found,
        });
    }
    let size_bytes = std::fs::metadata(path)
        .map_err(|e| BackupError::Io(path.to_owned(), e))?
        .len();
    count(&conn, path.to_owned(), size_bytes).map_err(sqlite(path))
}

fn integrity_check(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare("PRAGMA integrity_check(20)")?;
    stmt.query_map([], |r| r.get(0))?.collect()
}

fn count(conn: &Connection, file: PathBuf, size_bytes: u64) -> rusqlite::Result<Contents> {
    let n = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i64>(0).map(|v| v as u64));
    let mut secrets = Secrets {
        sealed: 0,
        plaintext: 0,
        keys: BTreeSet::new(),
    };
    for value in rows::sealed_values(conn)? {
        match vault::inspect(value.text.expose()) {
            Ok(Stored::Sealed(key)) => {
                secrets.sealed += 1;
                secrets.keys.insert(key.to_string());
            }
            // A malformed sealed value counts as sealed: it is no plaintext.
            Err(_) => secrets.sealed += 1,
            Ok(Stored::Plaintext) => secrets.plaintext += 1,
        }
    }
    Ok(Contents {
        file,
        size_bytes,
        integrity: "ok",
        schema_version: SCHEMA_VERSION,
        resources: n("SELECT count(*) FROM resources")?,
        identities: n("SELECT count(*) FROM identities WHERE deleted_at IS NULL")?,
        deleted_identities: n("SELECT count(*) FROM identities WHERE deleted_at IS NOT NULL")?,
        identities_with_tokens_revoked: n(
            "SELECT count(*) FROM identities WHERE deleted_at IS NULL AND revocation_epoch > 0",
        )?,
        signing_keys: n("SELECT count(*) FROM signing_keys")?,
        subscriptions: n("SELECT count(*) FROM webhook_subscriptions")?,
        events: n("SELECT count(*) FROM identity_events")?,
        last_event_sequence: events::end(conn)?.0,
        secrets,
    })
}

/// Copies `source` to a new file `to`, one self-contained file (no
/// write-ahead log beside it).
fn copy(source: &Connection, to: &Path) -> Result<(), BackupError> {
    match std::fs::remove_file(to) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(BackupError::Io(to.to_owned(), e));
        }
        _ => {}
    }
    let mut dest = Connection::open(to).map_err(sqlite(to))?;
    {
        let backup = Backup::new(source, &mut dest).map_err(sqlite(to))?;
        // Busy only while another process recovers the log: brief.
        let mut tries = 0;
        loop {
            match backup.step(-1).map_err(sqlite(to))? {
                StepResult::Done => break,
                StepResult::Busy | StepResult::Locked if tries < 100 => {
                    tries += 1;
                    std::thread::sleep(Duration::from_millis(50));
                }
                _ => return Err(BackupError::Busy(to.to_owned())),
            }
        }
    }
    let mode: String = dest
        .query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))
        .map_err(sqlite(to))?;
    debug_assert_eq!(mode, "delete");
    dest.close().map_err(|(_, e)| sqlite(to)(e))?;
    File::open(to)
        .and_then(|f| f.sync_all())
        .map_err(|e| BackupError::Io(to.to_owned(), e))
}

/// Renames the checked copy `from` over `to`, durably.
fn put_in_place(from: &Path, to: &Path) -> Result<(), BackupError> {
    std::fs::rename(from, to).map_err(|e| BackupError::Io(to.to_owned(), e))?;
    let parent = match to.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    File::open(parent)
        .and_then(|d| d.sync_all())
        .map_err(|e| BackupError::Io(parent.to_owned(), e))
}

/// `file` must not be the database of `dir`, its log, or the lock: a
/// backup renamed over them, or a restore from them, would destroy it.
fn refuse_own_files(dir: &Path, file: &Path) -> Result<(), BackupError> {
    let (Some(parent), Some(name)) = (file.parent(), file.file_name()) else {
        return Ok(());
    };
    let parent = if parent.as_os_str().is_empty() {
        Path::new(".")
    } else {
        parent
    };
    let same_dir = match (parent.canonicalize(), dir.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    let name = name.to_string_lossy();
    if same_dir && (name.starts_with(FILE_NAME) || name == super::LOCK_FILE) {
        return Err(BackupError::SameFile(file.to_owned()));
    }
    Ok(())
}

fn create_private_dir(dir: &Path) -> Result<(), BackupError> {
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::create_dir_all(dir).map_err(|e| BackupError::Io(dir.to_owned(), e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    }
    Ok(())
}

/// The lock a server holds on its data dir for as long as it runs.
fn lock(dir: &Path) -> Result<File, BackupError> {
    let path = dir.join(super::LOCK_FILE);
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| BackupError::Io(path.clone(), e))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(BackupError::Live(dir.to_owned())),
        Err(std::fs::TryLockError::Error(e)) => Err(BackupError::Io(path, e)),
    }
}

fn beside(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn sqlite(path: &Path) -> impl Fn(rusqlite::Error) -> BackupError + '_ {
    move |e| BackupError::Sqlite(path.to_owned(), e)
}
