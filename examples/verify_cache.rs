//! The verification cache under many distinct tokens, for bench/run: each
//! of TOKENS tokens is issued, verified once through a cache of BYTES and
//! dropped, on every core; then the cache's size, the process's private
//! memory growth and the cost of a first and a repeated verification are
//! printed as one JSON line.
//!
//! cargo run --release --example verify_cache -- [TOKENS] [BYTES]

use commid::domain::{
    DataLocation, Endpoint, IdentityId, Resource, ResourceName, RevocationEpoch, Scopes, Timestamp,
    TokenLifetime,
};
use commid::storage::sqlite::{Access, SqliteStore};
use commid::tokens::{DEFAULT_VERIFY_CACHE_BYTES, Grant, KeyRing, VerifiedTokens, issue};
use std::time::Instant;

fn token(keys: &KeyRing, resource: &Resource, scopes: &Scopes, now: Timestamp) -> String {
    let grant = Grant::identity(
        resource,
        IdentityId::generate(resource.id),
        scopes,
        TokenLifetime::from_minutes(Some(60)).expect("a valid lifetime"),
        RevocationEpoch::INITIAL,
        now,
    );
    issue(keys, &grant).expect("a token").token
}

/// The process's private resident memory, in bytes.
fn rss_anon() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("RssAnon:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// Microseconds per call of `f` over `tokens`.
fn per_call(tokens: &[String], mut f: impl FnMut(&str)) -> f64 {
    let started = Instant::now();
    for t in tokens {
        f(t);
    }
    started.elapsed().as_secs_f64() * 1e6 / tokens.len() as f64
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let count: usize = args
        .next()
        .map_or(1_000_000, |a| a.parse().expect("TOKENS"));
    let bytes: usize = args
        .next()
        .map_or(DEFAULT_VERIFY_CACHE_BYTES, |a| a.parse().expect("BYTES"));
    let dir = tempfile::tempdir().expect("a temporary dir");
    let store = SqliteStore::open(dir.path(), Access::Shared).expect("a store");
    let keys = KeyRing::load(&store).await.expect("a key ring");
    let resource = Resource::new(
        ResourceName::parse("default").expect("a name"),
        DataLocation::parse("unitedstates").expect("a location"),
        Endpoint::parse("https://default.example/").expect("an endpoint"),
    );
    let scopes = Scopes::from_joined("chat").expect("a scope");
    let now = Timestamp::now();
    let cache = VerifiedTokens::new(bytes);
    let before = rss_anon();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let started = Instant::now();
    std::thread::scope(|s| {
        for t in 0..threads {
            let (keys, resource, scopes, cache) = (&keys, &resource, &scopes, &cache);
            s.spawn(move || {
                for _ in (t..count).step_by(threads) {
                    let token = token(keys, resource, scopes, now);
                    cache.decode(keys, &token, now).expect("a valid token");
                }
            });
        }
    });
    let fill_seconds = started.elapsed().as_secs_f64();
    let growth = rss_anon().saturating_sub(before);
    let (weight, entries) = cache.usage();
    // The cost of a verification: first (a miss, the signature checked and
    // the entry inserted), then again (a hit).
    // Fewer tokens than the cache's probation queue holds (a tenth of it),
    // where a full cache keeps a new token until it is seen again.
    let sample: Vec<String> = (0..200)
        .map(|_| token(&keys, &resource, &scopes, now))
        .collect();
    let miss_us = per_call(&sample, |t| {
        cache.decode(&keys, t, now).expect("a valid token");
    });
    let again: Vec<String> = (0..50).flat_map(|_| sample.iter().cloned()).collect();
    let hit_us = per_call(&again, |t| {
        cache.decode(&keys, t, now).expect("a valid token");
    });
    println!(
        "{{\"tokens\":{count},\"cache_bytes\":{bytes},\"entries\":{entries},\"weight\":{weight},\
         \"rss_anon_growth\":{growth},\"fill_seconds\":{fill_seconds:.1},\
         \"miss_us\":{miss_us:.2},\"hit_us\":{hit_us:.2}}}"
    );
}
