//! Webhook subscriptions: their id, the URL deliveries go to, the kinds of
//! event they ask for, their state, and the secret deliveries are signed
//! with (Standard Webhooks: `whsec_` and the base64 of random bytes).

use super::{EventKind, Invalid, Secret};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// A subscription's id: a UUID (v7, so ids sort in creation order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SubscriptionId(uuid::Uuid);

impl SubscriptionId {
    pub fn generate() -> Self {
        SubscriptionId(uuid::Uuid::now_v7())
    }

    pub fn parse(text: &str) -> Result<Self, Invalid> {
        uuid::Uuid::try_parse(text)
            .map(SubscriptionId)
            .map_err(|_| {
                Invalid::new(
                    format!(
                        "Subscription id '{}' is not valid: it is a UUID, as creating the subscription returned it.",
                        super::quote(text)
                    ),
                    "subscriptionId",
                )
            })
    }
}

impl std::fmt::Display for SubscriptionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

impl utoipa::PartialSchema for SubscriptionId {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
        use utoipa::openapi::SchemaFormat;
        use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
        ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::String))
            .format(Some(SchemaFormat::Custom("uuid".into())))
            .into()
    }
}

impl utoipa::ToSchema for SubscriptionId {}

/// The URL deliveries are posted to: https, with a host, no credentials and
/// no fragment, at most [`CallbackUrl::MAX_CHARS`] characters. Whether its
/// host may be called is the delivery policy's to say. Its query may hold
/// a credential (Power Automate's `sig`): `Debug` and [`Self::origin`] leave
/// it out, so logs never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct CallbackUrl(url::Url);

impl CallbackUrl {
    pub const MAX_CHARS: usize = 2048;

    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let bad = |why: &str| {
            Invalid::new(
                format!("The callback URL is not valid: {why}."),
                "callbackUrl",
            )
        };
        if text.chars().count() > Self::MAX_CHARS {
            return Err(bad(&format!(
                "it is longer than {} characters",
                Self::MAX_CHARS
            )));
        }
        let url = url::Url::parse(text).map_err(|e| bad(&e.to_string()))?;
        if url.scheme() != "https" {
            return Err(bad("deliveries go over https only"));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(bad("it has no host"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(bad("it must not carry credentials before the host"));
        }
        if url.fragment().is_some() {
            return Err(bad("it must not have a fragment"));
        }
        Ok(CallbackUrl(url))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    pub fn url(&self) -> &url::Url {
        &self.0
    }

    /// `https://host[:port]`: what logs and errors may show of it.
    pub fn origin(&self) -> String {
        self.0.origin().ascii_serialization()
    }
}

impl std::fmt::Debug for CallbackUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CallbackUrl({}{})", self.origin(), self.0.path())
    }
}

/// The kinds of event a subscription asks for: at least one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventKinds(u32);

impl EventKinds {
    /// `names` as the API writes them (`created`, `tokensRevoked`).
    pub fn parse<S: AsRef<str>>(names: &[S]) -> Result<Self, Invalid> {
        let known = || {
            EventKind::ALL
                .iter()
                .map(|k| k.name())
                .collect::<Vec<_>>()
                .join(", ")
        };
        if names.is_empty() {
            return Err(Invalid::new(
                format!("Name at least one kind of event: {}.", known()),
                "eventKinds",
            ));
        }
        let mut kinds = Vec::new();
        for name in names {
            let name = name.as_ref();
            let kind = EventKind::from_name(name).ok_or_else(|| {
                Invalid::new(
                    format!(
                        "'{}' is not a kind of event: use {}.",
                        super::quote(name),
                        known()
                    ),
                    "eventKinds",
                )
            })?;
            kinds.push(kind);
        }
        Ok(Self::of(&kinds))
    }

    pub fn of(kinds: &[EventKind]) -> Self {
        EventKinds(kinds.iter().fold(0, |mask, k| mask | Self::bit(*k)))
    }

    fn bit(kind: EventKind) -> u32 {
        1 << kind.code()
    }

    pub fn contains(self, kind: EventKind) -> bool {
        self.0 & Self::bit(kind) != 0
    }

    /// The kinds, in declaration order.
    pub fn kinds(self) -> Vec<EventKind> {
        EventKind::ALL
            .iter()
            .copied()
            .filter(|k| self.contains(*k))
            .collect()
    }

    /// As stored: one bit per kind's code.
    pub fn mask(self) -> i64 {
        i64::from(self.0)
    }

    /// A stored mask; `None` when it names no kind this version knows.
    pub fn from_mask(mask: i64) -> Option<Self> {
        let kinds: Vec<EventKind> = EventKind::ALL
            .iter()
            .copied()
            .filter(|k| mask & i64::from(Self::bit(*k)) != 0)
            .collect();
        (!kinds.is_empty()).then(|| Self::of(&kinds))
    }
}

/// Whether a subscription's events are being delivered.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "camelCase")]
pub enum SubscriptionState {
    /// Events are delivered as they happen.
    Active,
    /// Nothing is delivered (it kept failing, or it was suspended on
    /// purpose); resuming it delivers from where it stopped.
    Suspended,
}

impl SubscriptionState {
    pub fn as_str(self) -> &'static str {
        match self {
            SubscriptionState::Active => "active",
            SubscriptionState::Suspended => "suspended",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [SubscriptionState::Active, SubscriptionState::Suspended]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// The secret a subscription's deliveries are signed with, as Standard
/// Webhooks writes it: `whsec_` and the base64 of 24 to 64 random bytes.
/// `Debug` and `Display` redact it.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(Secret);

impl WebhookSecret {
    pub const PREFIX: &str = "whsec_";
    /// Bytes of a new secret.
    const BYTES: usize = 32;

    pub fn generate() -> Self {
        let mut bytes = [0u8; Self::BYTES];
        getrandom::fill(&mut bytes).expect("the system's random source");
        WebhookSecret(Secret::new(format!(
            "{}{}",
            Self::PREFIX,
            STANDARD.encode(bytes)
        )))
    }

    /// A secret as written; `None` when it is not one.
    pub fn parse(text: &str) -> Option<Self> {
        let bytes = STANDARD.decode(text.strip_prefix(Self::PREFIX)?).ok()?;
        (24..=64)
            .contains(&bytes.len())
            .then(|| WebhookSecret(Secret::new(text)))
    }

    pub fn expose(&self) -> &str {
        self.0.expose()
    }

    /// The HMAC key: the bytes the base64 stands for.
    pub fn key(&self) -> Vec<u8> {
        let encoded = &self.0.expose()[Self::PREFIX.len()..];
        STANDARD
            .decode(encoded)
            .expect("a secret is valid base64 once made or parsed")
    }
}

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecret(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callback_urls_are_https_with_a_host_and_no_credentials() {
        let ok = CallbackUrl::parse(
            "https://prod-03.westus.logic.azure.com:443/workflows/1/triggers/manual/run?sig=s3cret",
        )
        .unwrap();
        assert_eq!(ok.origin(), "https://prod-03.westus.logic.azure.com");
        assert!(!format!("{ok:?}").contains("s3cret"), "{ok:?}");
        for bad in [
            "http://example.com/hook",
            "https://user:pw@example.com/hook",
            "https://example.com/hook#x",
            "not a url",
            "ftp://example.com/",
        ] {
            let e = CallbackUrl::parse(bad).unwrap_err();
            assert_eq!(e.target, Some("callbackUrl"), "{bad}");
        }
        let long = format!("https://example.com/{}", "a".repeat(CallbackUrl::MAX_CHARS));
        assert!(CallbackUrl::parse(&long).is_err());
    }

    #[test]
    fn event_kinds_parse_by_name_and_round_trip_through_their_mask() {
        let kinds = EventKinds::parse(&["tokensRevoked", "created", "created"]).unwrap();
        assert_eq!(
            kinds.kinds(),
            vec![EventKind::Created, EventKind::TokensRevoked]
        );
        assert_eq!(EventKinds::from_mask(kinds.mask()), Some(kinds));
        assert!(!kinds.contains(EventKind::Deleted));
        let none: [&str; 0] = [];
        assert!(EventKinds::parse(&none).is_err());
        let e = EventKinds::parse(&["updated"]).unwrap_err();
        assert!(e.message.contains("created, deleted, tokensRevoked"), "{e}");
        assert_eq!(EventKinds::from_mask(0), None);
    }

    #[test]
    fn a_new_secret_is_a_standard_webhooks_secret_and_never_shown() {
        let secret = WebhookSecret::generate();
        assert!(secret.expose().starts_with("whsec_"));
        assert_eq!(secret.key().len(), 32);
        assert_eq!(WebhookSecret::parse(secret.expose()), Some(secret.clone()));
        assert!(!format!("{secret:?}").contains(secret.expose()));
        assert_eq!(WebhookSecret::parse("whsec_c2hvcnQ="), None, "too short");
        assert_eq!(
            WebhookSecret::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
            None
        );
    }

    #[test]
    fn subscription_ids_are_uuids() {
        let id = SubscriptionId::generate();
        assert_eq!(SubscriptionId::parse(&id.to_string()), Ok(id));
        assert_eq!(
            SubscriptionId::parse("nope").unwrap_err().target,
            Some("subscriptionId")
        );
    }
}
