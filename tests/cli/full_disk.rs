//! A full disk under a SQLite store: the data dir on a small tmpfs, filled
//! up with a file. Writes answer 503 with `Retry-After` in the error
//! envelope; reads, verification and token issue for existing identities
//! go on; once the filler is deleted writes succeed again, and the database
//! is sound with every acknowledged write in it. Mounting needs root: the
//! test says it is skipped otherwise.

use crate::common::server::{Server, Target, call, start_logging_to};
use reqwest::Method;
use serde_json::{Value, json};
use std::io::Write;
use std::path::Path;
use std::process::Command;

/// A tmpfs of `size` mounted on a new directory, unmounted when dropped.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    fn mount(size: &str) -> Result<Tmpfs, String> {
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 {
            return Err("not root".into());
        }
        let dir = tempfile::tempdir().unwrap();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .output()
            .map_err(|e| format!("mount: {e}"))?;
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).trim().to_owned());
        }
        Ok(Tmpfs { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

/// Writes zeros to `path` until the volume has no room left.
fn fill(path: &Path) -> u64 {
    let mut file = std::fs::File::create(path).unwrap();
    let chunk = vec![0u8; 4096];
    let mut written = 0;
    loop {
        match file.write(&chunk) {
            Ok(0) => break,
            Ok(n) => written += n as u64,
            Err(e) if e.raw_os_error() == Some(libc::ENOSPC) => break,
            Err(e) => panic!("filling {}: {e}", path.display()),
        }
    }
    let _ = file.sync_all();
    written
}

async fn create(http: &reqwest::Client, t: &Target) -> (u16, Value, Option<String>) {
    let r = crate::common::sign::Signer {
        base: &t.base,
        host: &t.authority,
        key: &t.key,
    }
    .request(
        http,
        Method::POST,
        "/identities?api-version=2023-10-01",
        br#"{"createTokenWithScopes":["chat"]}"#.to_vec(),
    )
    .send()
    .await
    .unwrap();
    let status = r.status().as_u16();
    let retry_after = r
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, r.json().await.unwrap(), retry_after)
}

fn path_of(id: &str) -> String {
    format!("/identities/{}", id.replace(':', "%3A"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_volume_refuses_writes_with_503_keeps_reads_and_issue_and_loses_nothing() {
    let volume = match Tmpfs::mount("4m") {
        Ok(v) => v,
        Err(why) => {
            crate::common::skipped::say(
                "a tmpfs mount",
                "a_full_volume_refuses_writes_with_503_keeps_reads_and_issue_and_loses_nothing",
                &format!("run `cargo test --test cli full_volume` as root ({why})"),
            );
            return;
        }
    };
    let data = volume.path().join("data");
    let logs = tempfile::tempdir().unwrap();
    let log = logs.path().join("server.log");
    let server: Server = start_logging_to(&data, &log, &["--http"], &[]);
    let (http, t) = (reqwest::Client::new(), server.target.clone());
    let mut acknowledged: Vec<String> = Vec::new();
    for _ in 0..5 {
        let (status, body, _) = create(&http, &t).await;
        assert_eq!(status, 201, "{body}");
        acknowledged.push(body["identity"]["id"].as_str().unwrap().to_owned());
    }
    let existing = acknowledged[0].clone();

    let filler = volume.path().join("filler");
    let filled = fill(&filler);
    // Writes may still land in room SQLite had already taken: the first
    // refused one is what a full disk looks like.
    let mut refusal = None;
    for _ in 0..200 {
        let (status, body, retry_after) = create(&http, &t).await;
        match status {
            201 => acknowledged.push(body["identity"]["id"].as_str().unwrap().to_owned()),
            _ => {
                refusal = Some((status, body, retry_after));
                break;
            }
        }
    }
    let (status, body, retry_after) = refusal.expect("a write refused on a full volume");
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "ServiceUnavailable", "{body}");
    assert!(retry_after.is_some(), "503 without Retry-After");
    let (status, body) = call(
        &http,
        &t,
        Method::POST,
        &format!("{}/:revokeAccessTokens", path_of(&existing)),
        None,
    )
    .await
    .unwrap();
    assert_eq!(status, 503, "a revoke on a full volume: {body}");
    // Writes committed together in one group: each lands whole or not at all.
    let batch: Vec<_> = (0..16)
        .map(|n| {
            let (http, t) = (http.clone(), t.clone());
            tokio::spawn(async move {
                let custom = format!("full-{n}");
                let (status, body) = call(
                    &http,
                    &t,
                    Method::POST,
                    "/identities",
                    Some(json!({"customId": custom})),
                )
                .await
                .unwrap();
                assert!(status == 201 || status == 503, "{status} {body}");
                (custom, status)
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for task in batch {
        outcomes.push(task.await.unwrap());
    }

    // Reads and token issue for existing identities go on.
    let (status, body) = call(&http, &t, Method::GET, &path_of(&existing), None)
        .await
        .unwrap();
    assert_eq!(status, 200, "{body}");
    let (status, issued) = call(
        &http,
        &t,
        Method::POST,
        &format!("{}/:issueAccessToken", path_of(&existing)),
        Some(json!({"scopes": ["voip"]})),
    )
    .await
    .unwrap();
    assert_eq!(status, 200, "{issued}");
    let (status, verdict) = call(
        &http,
        &t,
        Method::POST,
        "/accessTokens/:verify",
        Some(json!({"token": issued["token"]})),
    )
    .await
    .unwrap();
    assert_eq!(
        (status, &verdict["valid"]),
        (200, &json!(true)),
        "{verdict}"
    );

    // Room again: writes resume at once.
    std::fs::remove_file(&filler).unwrap();
    let (status, body, _) = create(&http, &t).await;
    assert_eq!(status, 201, "a write once the volume has room: {body}");
    acknowledged.push(body["identity"]["id"].as_str().unwrap().to_owned());
    let (status, body) = call(
        &http,
        &t,
        Method::POST,
        "/identities",
        Some(json!({"customId": "full-after"})),
    )
    .await
    .unwrap();
    assert_eq!(status, 201, "{body}");
    outcomes.push(("full-after".to_owned(), 201));
    let (status, _) = call(
        &http,
        &t,
        Method::POST,
        &format!("{}/:revokeAccessTokens", path_of(&existing)),
        None,
    )
    .await
    .unwrap();
    assert_eq!(status, 204);
    drop(server);

    let problems: String = rusqlite::Connection::open(data.join("commid.sqlite3"))
        .unwrap()
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(problems, "ok");
    let server = start_logging_to(&data, &log, &["--http"], &[]);
    for (custom, status) in &outcomes {
        let (found, _) = call(
            &http,
            &server.target,
            Method::GET,
            &format!("/identities/:byCustomId?customId={custom}&api-version=2025-03-02-preview"),
            None,
        )
        .await
        .unwrap();
        let expected = if *status == 201 { 200 } else { 404 };
        assert_eq!(found, expected, "{custom}, answered {status}");
    }
    for id in &acknowledged {
        let (status, _) = call(&http, &server.target, Method::GET, &path_of(id), None)
            .await
            .unwrap();
        assert_eq!(status, 200, "{id} was acknowledged");
    }
    eprintln!(
        "full volume: {filled} bytes of filler, {} writes acknowledged, of 16 at once {} refused",
        acknowledged.len(),
        outcomes.iter().filter(|(_, s)| *s == 503).count()
    );
}
