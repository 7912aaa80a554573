//! The polling engine of Power Automate and Logic Apps, as their
//! documentation describes it for a custom connector's polling trigger
//! (docs/connector.md cites the pages): call the trigger's URL; 200 starts a
//! flow run with the body; 202 starts none; either way call the `Location`
//! it names next, after `Retry-After` seconds. Optionally through a stand-in
//! for Power Platform's gateway: it sends each call to one of several
//! backends in turn, with the connection's `Connection-String` and its own
//! URL in `X-MS-APIM-Referrer-Prefix`, as the gateway does.

use reqwest::header::{LOCATION, RETRY_AFTER};
use serde_json::Value;
use std::time::Duration;

/// `Retry-After` as the test waits it: 60 s (the engine's shortest
/// recurrence) would make the test take hours, so a second is 50/60 ms.
/// What matters is which answers say "now" (0) and which say "later".
pub fn wait(retry_after: u64) -> Duration {
    Duration::from_micros(retry_after * 50_000 / 60)
}

enum Route {
    /// The `Location` is called as it is.
    Direct,
    /// The `Location` must be on `prefix`; the rest goes to a backend.
    Gateway {
        prefix: String,
        backends: Vec<String>,
        turn: usize,
    },
}

/// One answer, after its contract was checked.
#[derive(Debug)]
pub struct Poll {
    pub status: u16,
    /// The body of a 200: the event the flow run gets.
    pub event: Option<Value>,
    pub location: String,
    pub retry_after: u64,
}

pub struct Poller {
    http: reqwest::Client,
    connection_string: String,
    route: Route,
    /// What the engine calls next: the trigger's URL, then each `Location`.
    pub next: String,
}

impl Poller {
    /// A trigger the engine calls at `url` (absolute), straight.
    pub fn direct(http: &reqwest::Client, connection_string: &str, url: String) -> Poller {
        Poller {
            http: http.clone(),
            connection_string: connection_string.to_owned(),
            route: Route::Direct,
            next: url,
        }
    }

    /// A trigger the gateway at `prefix` serves from `backends` (base URLs)
    /// in turn; `path_and_query` is the trigger's own.
    pub fn through_gateway(
        http: &reqwest::Client,
        connection_string: &str,
        prefix: &str,
        backends: Vec<String>,
        path_and_query: &str,
    ) -> Poller {
        Poller {
            http: http.clone(),
            connection_string: connection_string.to_owned(),
            route: Route::Gateway {
                prefix: prefix.to_owned(),
                backends,
                turn: 0,
            },
            next: format!("{prefix}{path_and_query}"),
        }
    }

    /// Calls the next URL, checks the answer against the contract, and
    /// keeps its `Location` for the next call.
    pub async fn poll(&mut self) -> Poll {
        let mut request = match &mut self.route {
            Route::Direct => self.http.get(&self.next),
            Route::Gateway {
                prefix,
                backends,
                turn,
            } => {
                let rest = self
                    .next
                    .strip_prefix(prefix.as_str())
                    .unwrap_or_else(|| panic!("{} is not on the gateway {prefix}", self.next));
                let backend = &backends[*turn % backends.len()];
                *turn += 1;
                self.http
                    .get(format!("{backend}{rest}"))
                    .header("X-MS-APIM-Referrer-Prefix", prefix.as_str())
            }
        };
        request = request.header("Connection-String", &self.connection_string);
        let r = request.send().await.expect("the trigger answers");
        let status = r.status().as_u16();
        let header = |name| {
            r.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let location = header(LOCATION);
        let retry_after = header(RETRY_AFTER);
        let body = r.text().await.unwrap();
        assert!(
            status == 200 || status == 202,
            "{status} from {}: {body}",
            self.next
        );
        let location = location.expect("every answer names the next poll");
        let origin = match &self.route {
            Route::Direct => origin_of(&self.next),
            Route::Gateway { prefix, .. } => prefix.clone(),
        };
        assert!(
            location.starts_with(&format!("{origin}/")),
            "{location} is not on {origin}"
        );
        let retry_after: u64 = retry_after
            .expect("every answer says when to poll next")
            .parse()
            .expect("Retry-After in seconds");
        let event = if status == 200 {
            let event: Value = serde_json::from_str(&body).expect("a JSON event");
            assert!(event.is_object(), "{event}");
            Some(event)
        } else {
            assert!(body.is_empty(), "a 202 has no body: {body}");
            None
        };
        self.next = location.clone();
        Poll {
            status,
            event,
            location,
            retry_after,
        }
    }
}

/// `scheme://host[:port]` of an absolute URL.
pub fn origin_of(url: &str) -> String {
    let parsed = url::Url::parse(url).expect("an absolute URL");
    parsed.origin().ascii_serialization()
}
