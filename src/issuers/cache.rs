//! One issuer's keys, cached in memory. They are fetched again on a schedule
//! and when a token names a `kid` the cache does not hold, but at most once
//! per cooldown, so that tokens with made-up `kid`s cannot make the server
//! hammer the issuer. A failed fetch keeps the keys already known.

use super::jwks::{self, JwksError, KeyMap, VerifyingKey};
use crate::domain::JwksSource;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// Fetches of key sets, those that succeeded and those that failed.
#[derive(Debug, Default)]
pub struct FetchCounts {
    pub succeeded: AtomicU64,
    pub failed: AtomicU64,
}

/// Larger key sets are refused: Entra's is a few kilobytes.
const MAX_JWKS_BYTES: usize = 1024 * 1024;

pub struct KeyCache {
    source: JwksSource,
    http: reqwest::Client,
    cooldown: Duration,
    keys: RwLock<Arc<KeyMap>>,
    /// When keys were last fetched (or tried to be); held during a fetch, so
    /// that concurrent requests wait for it rather than fetch again.
    last_fetch: tokio::sync::Mutex<Option<Instant>>,
    fetches: Arc<FetchCounts>,
}

impl KeyCache {
    pub fn new(source: JwksSource, http: reqwest::Client, cooldown: Duration) -> Self {
        KeyCache {
            source,
            http,
            cooldown,
            keys: RwLock::new(Arc::new(KeyMap::new())),
            last_fetch: tokio::sync::Mutex::new(None),
            fetches: Arc::default(),
        }
    }

    /// Counts this cache's fetches in `fetches` (shared by every issuer).
    pub fn counting(mut self, fetches: Arc<FetchCounts>) -> Self {
        self.fetches = fetches;
        self
    }

    /// The key named `kid`, fetching the set again if it is unknown and the
    /// last fetch is older than the cooldown.
    pub async fn key(&self, kid: &str) -> Option<Arc<VerifyingKey>> {
        if let Some(key) = self.cached(kid) {
            return Some(key);
        }
        let mut last = self.last_fetch.lock().await;
        // Another request may have fetched while this one waited.
        if let Some(key) = self.cached(kid) {
            return Some(key);
        }
        if last.is_some_and(|at| at.elapsed() < self.cooldown) {
            return None;
        }
        *last = Some(Instant::now());
        if let Err(e) = self.fetch_and_replace().await {
            log::warn!(
                "cannot refresh the keys of {}: {}",
                self.describe(),
                crate::report::chain(&e)
            );
        }
        self.cached(kid)
    }

    /// Fetches the set now, whatever the cooldown (the schedule, the start).
    pub async fn refresh(&self) -> Result<usize, JwksError> {
        let mut last = self.last_fetch.lock().await;
        *last = Some(Instant::now());
        self.fetch_and_replace().await
    }

    fn cached(&self, kid: &str) -> Option<Arc<VerifyingKey>> {
        let keys = self.keys.read().unwrap_or_else(|p| p.into_inner()).clone();
        keys.get(kid).cloned()
    }

    /// Replaces the whole set, so that a key the issuer withdrew stops
    /// verifying at once.
    async fn fetch_and_replace(&self) -> Result<usize, JwksError> {
        let fetched = self.fetch_and_parse().await;
        let count = match &fetched {
            Ok(_) => &self.fetches.succeeded,
            Err(_) => &self.fetches.failed,
        };
        count.fetch_add(1, Ordering::Relaxed);
        let keys = fetched?;
        let count = keys.len();
        *self.keys.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(keys);
        log::debug!("{count} keys of {}", self.describe());
        Ok(count)
    }

    async fn fetch_and_parse(&self) -> Result<KeyMap, JwksError> {
        let bytes = match &self.source {
            JwksSource::Url(url) => self.download(url).await?,
            JwksSource::File(path) => {
                let path = path.clone();
                tokio::task::spawn_blocking(move || read_file(&path))
                    .await
                    .map_err(|e| JwksError::Read(std::io::Error::other(e)))??
            }
        };
        jwks::parse(&bytes)
    }

    async fn download(&self, url: &url::Url) -> Result<Vec<u8>, JwksError> {
        let mut response = self
            .http
            .get(url.clone())
            .header("accept", "application/json")
            .send()
            .await
            .map_err(JwksError::Request)?;
        if !response.status().is_success() {
            return Err(JwksError::Status(response.status()));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(JwksError::BrokeOff)? {
            body.extend_from_slice(&chunk);
            if body.len() > MAX_JWKS_BYTES {
                return Err(JwksError::TooLarge(MAX_JWKS_BYTES));
            }
        }
        Ok(body)
    }

    pub fn describe(&self) -> String {
        match &self.source {
            JwksSource::Url(url) => url.to_string(),
            JwksSource::File(path) => path.display().to_string(),
        }
    }
}

fn read_file(path: &std::path::Path) -> Result<Vec<u8>, JwksError> {
    let bytes = std::fs::read(path).map_err(JwksError::Read)?;
    if bytes.len() > MAX_JWKS_BYTES {
        return Err(JwksError::TooLarge(MAX_JWKS_BYTES));
    }
    Ok(bytes)
}
