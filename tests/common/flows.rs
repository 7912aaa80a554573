//! Three flows, one on each polling trigger, polled by the engine of
//! `poller.rs` while writers create, revoke and delete users through the
//! connector's `Connection-String`; then what each flow got, checked against
//! what the writers did and against the change feed itself.

use super::poller::{Poller, wait};
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

pub const TRIGGERS: [(&str, &str); 3] = [
    ("/triggers/identityCreated", "created"),
    ("/triggers/identityDeleted", "deleted"),
    ("/triggers/identityTokensRevoked", "tokensRevoked"),
];

const API: &str = "api-version=2023-10-01";

/// Where the writers and the feed reader send requests: base URLs taken in
/// turn, and the connection string.
#[derive(Clone)]
pub struct Backends {
    pub http: reqwest::Client,
    pub bases: Vec<String>,
    pub connection_string: String,
}

impl Backends {
    async fn send(
        &self,
        turn: usize,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let base = &self.bases[turn % self.bases.len()];
        let mut request = self
            .http
            .request(method, format!("{base}{path}"))
            .header("Connection-String", &self.connection_string);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let r = request.send().await.expect("the server answers");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// The whole feed after `cursor` (or the current end's cursor when
    /// `None`), following nextLink.
    async fn feed(&self, cursor: Option<&str>) -> (Vec<Value>, String) {
        let mut events = Vec::new();
        let mut next = Some(match cursor {
            Some(c) => format!("/identityEvents?{API}&maxPageSize=1000&since={}", encode(c)),
            None => format!("/identityEvents?{API}"),
        });
        let mut last = String::new();
        while let Some(path) = next.take() {
            let (status, page) = self.send(0, Method::GET, &path, None).await;
            assert_eq!(status, 200, "{page}");
            events.extend(page["value"].as_array().unwrap().iter().cloned());
            last = page["cursor"].as_str().unwrap().to_owned();
            next = page["nextLink"].as_str().map(str::to_owned);
        }
        (events, last)
    }
}

fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// One writer: `count` users, some with a custom id, a third revoked, a
/// quarter deleted, each request to the next backend; what it did.
pub async fn write(b: Backends, writer: usize, count: usize) -> Vec<(String, &'static str)> {
    let mut done = Vec::new();
    let mut turn = writer;
    for i in 0..count {
        let body = (i % 2 == 1).then(|| json!({"customId": format!("w{writer}-{i}")}));
        let create = format!("/identities?{API}");
        let (status, body) = b.send(turn, Method::POST, &create, body).await;
        assert_eq!(status, 201, "{body}");
        let id = body["identity"]["id"].as_str().unwrap().to_owned();
        done.push((id.clone(), "created"));
        let at = format!("/identities/{}", id.replace(':', "%3A"));
        if i % 3 == 0 {
            turn += 1;
            let revoke = format!("{at}/:revokeAccessTokens?{API}");
            assert_eq!(b.send(turn, Method::POST, &revoke, None).await.0, 204);
            done.push((id.clone(), "tokensRevoked"));
        }
        if i % 4 == 0 {
            turn += 1;
            let delete = format!("{at}?{API}");
            assert_eq!(b.send(turn, Method::DELETE, &delete, None).await.0, 204);
            done.push((id, "deleted"));
        }
        turn += 1;
    }
    done
}

/// What one flow saw.
struct Seen {
    events: Vec<Value>,
}

/// Polls `poller` as the engine would, honouring `Retry-After`, until
/// `expected` (set once the writers are done) events have come and a poll
/// finds nothing new; then a few more polls that must find nothing.
async fn follow(mut poller: Poller, expected: Arc<AtomicUsize>) -> Seen {
    let mut events = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(90);
    let mut writers_done: Option<Instant> = None;
    loop {
        let poll = poller.poll().await;
        assert!(
            [0, 60].contains(&poll.retry_after),
            "Retry-After {}",
            poll.retry_after
        );
        match poll.event {
            Some(event) => events.push(event),
            None => {
                assert_eq!(poll.retry_after, 60, "a 202 for a short scan waits");
                if events.len() >= expected.load(Ordering::SeqCst) {
                    break;
                }
            }
        }
        let wanted = expected.load(Ordering::SeqCst);
        if wanted != usize::MAX {
            let since = *writers_done.get_or_insert_with(Instant::now);
            assert!(
                since.elapsed() < Duration::from_secs(15),
                "{} of {wanted} events 15 s after the writers finished",
                events.len()
            );
        }
        assert!(Instant::now() < deadline, "{} events so far", events.len());
        tokio::time::sleep(wait(poll.retry_after)).await;
    }
    for _ in 0..3 {
        tokio::time::sleep(wait(60)).await;
        let poll = poller.poll().await;
        assert_eq!(
            poll.status, 202,
            "an event after the last: {:?}",
            poll.event
        );
    }
    Seen { events }
}

/// Runs the three flows (`trigger` makes the poller of a trigger's path
/// and query) while `writers` writers write `count` users each through
/// `backends`; checks that every event reached its flow once, in the
/// feed's order, and nothing else did.
pub async fn race(
    backends: &Backends,
    trigger: impl Fn(&str) -> Poller,
    writers: usize,
    count: usize,
) {
    let (_, start) = backends.feed(None).await;
    let expected: Vec<Arc<AtomicUsize>> = (0..3)
        .map(|_| Arc::new(AtomicUsize::new(usize::MAX)))
        .collect();
    let mut flows = Vec::new();
    for ((path, _), expected) in TRIGGERS.iter().zip(&expected) {
        let mut poller = trigger(&format!("{path}?{API}"));
        let first = poller.poll().await;
        assert_eq!(
            (first.status, first.retry_after),
            (202, 60),
            "the first poll"
        );
        flows.push(tokio::spawn(follow(poller, expected.clone())));
    }
    let tasks: Vec<_> = (0..writers)
        .map(|w| tokio::spawn(write(backends.clone(), w, count)))
        .collect();
    let mut done: Vec<(String, &str)> = Vec::new();
    for task in tasks {
        done.extend(task.await.unwrap());
    }
    for ((_, kind), expected) in TRIGGERS.iter().zip(&expected) {
        let n = done.iter().filter(|(_, k)| k == kind).count();
        expected.store(n, Ordering::SeqCst);
    }
    // A read that meets another instance numbering events returns what is
    // numbered already (the rest comes on the next read), so read until
    // every write is in the feed.
    let mut feed = backends.feed(Some(&start)).await.0;
    let deadline = Instant::now() + Duration::from_secs(10);
    while feed.len() < done.len() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
        feed = backends.feed(Some(&start)).await.0;
    }
    for ((path, kind), flow) in TRIGGERS.iter().zip(flows) {
        let seen = flow.await.unwrap().events;
        let in_feed: Vec<&Value> = feed.iter().filter(|e| e["kind"] == *kind).collect();
        let got: Vec<&Value> = seen.iter().collect();
        assert_eq!(
            got, in_feed,
            "{path}: the feed's {kind} events, in order, once each"
        );
        let ids: HashSet<&str> = seen.iter().map(|e| e["id"].as_str().unwrap()).collect();
        let wanted: HashSet<&str> = done
            .iter()
            .filter(|(_, k)| k == kind)
            .map(|(id, _)| id.as_str())
            .collect();
        assert_eq!(ids, wanted, "{path}: what the writers did, nothing lost");
        assert_eq!(ids.len(), seen.len(), "{path}: none twice");
    }
}
