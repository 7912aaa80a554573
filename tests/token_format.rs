//! Python's and .NET's token readers decode the JWT payload with standard
//! base64: no payload may contain `-` or `_` in its base64url text.

use commid::domain::{
    DataLocation, Endpoint, IdentityId, Resource, ResourceName, RevocationEpoch, Scope, Scopes,
    Timestamp, TokenLifetime,
};
use commid::storage::sqlite::{Access, SqliteStore};
use commid::tokens::{self, KeyRing};
use proptest::prelude::*;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn no_token_payload_needs_url_safe_base64(
        scope_mask in 1u8..32,
        minutes in 60i64..=1440,
        seconds in 1_600_000_000i64..2_200_000_000,
        location in "[a-z0-9]{1,24}",
        // No label may start with `xn--` (punycode): none starts with `x`.
        host in "[a-wyz][a-z0-9-]{0,20}(\\.[a-wyz][a-z0-9]{0,9}){0,3}",
        port in proptest::option::of(1u16..),
        epoch in 0i64..1_000_000_000,
    ) {
        let keys = KEYS.with(|k| k.clone());
        let scopes: Vec<String> = Scope::ALL.iter().enumerate()
            .filter(|(i, _)| scope_mask & (1 << i) != 0)
            .map(|(_, s)| s.as_str().to_owned()).collect();
        let endpoint = match port {
            Some(p) => format!("https://{host}:{p}/"),
            None => format!("https://{host}/"),
        };
        let resource = Resource::new(
            ResourceName::parse("default").unwrap(),
            DataLocation::parse(&location).unwrap(),
            Endpoint::parse(&endpoint).unwrap(),
        );
        let scopes = Scopes::parse(Some(&scopes)).unwrap();
        let grant = tokens::Grant::identity(
            &resource,
            IdentityId::generate(resource.id),
            &scopes,
            TokenLifetime::from_minutes(Some(minutes)).unwrap(),
            RevocationEpoch::from_i64(epoch),
            Timestamp::from_unix_seconds(seconds),
        );
        let issued = tokens::issue(&keys, &grant).unwrap();
        let payload = issued.token.split('.').nth(1).unwrap();
        prop_assert!(!payload.contains('-') && !payload.contains('_'), "{}", payload);
    }
}

thread_local! {
    static KEYS: std::sync::Arc<KeyRing> = {
        let dir = Box::leak(Box::new(tempfile::tempdir().unwrap()));
        let store = SqliteStore::open(dir.path(), Access::Shared).unwrap();
        std::sync::Arc::new(runtime().block_on(KeyRing::load(&store)).unwrap())
    };
}
