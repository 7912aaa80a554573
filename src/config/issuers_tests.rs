use super::*;

const GOOD: &str = r#"
    issuer = "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0"
    jwks_url = "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/discovery/v2.0/keys"
    client_ids = ["2c3e1e83-8fd7-4615-ad2b-b8c1229845ac"]
"#;

fn entry(toml_text: &str) -> TrustedIssuerEntry {
    toml::from_str(toml_text).unwrap()
}

fn error_of(toml_text: &str) -> String {
    resolve(&[entry(toml_text)]).unwrap_err().to_string()
}

#[test]
fn an_entra_tenant_needs_only_issuer_keys_and_client_ids() {
    let issuer = resolve(&[entry(GOOD)]).unwrap().remove(0);
    assert_eq!(issuer.resource.as_str(), "default");
    assert_eq!(issuer.audience, "https://auth.msft.communication.azure.com");
    assert_eq!(issuer.refresh_every, Duration::from_secs(3600));
    assert_eq!(issuer.cooldown, Duration::from_secs(30));
    assert!(matches!(issuer.jwks, JwksSource::Url(_)));
    assert_eq!(issuer.exchanges, [Exchange::TeamsUser]);
}

#[test]
fn an_issuer_may_be_trusted_for_the_other_exchanges_each_with_its_audience() {
    let issuer = resolve(&[entry(&format!(
        "{GOOD}\nexchanges = [\"teams_extension\", \"entra_user\"]\naudience = \"1fd5118e-2576-4263-8130-9503064c837a\""
    ))])
    .unwrap()
    .remove(0);
    assert!(!issuer.trusted_for(Exchange::TeamsUser));
    assert!(issuer.trusted_for(Exchange::TeamsExtension));
    assert!(issuer.trusted_for(Exchange::EntraUser));
    // Both Teams exchanges are for Communication Services' application.
    assert_eq!(
        issuer.audiences_for(Exchange::TeamsExtension)[0],
        "1fd5118e-2576-4263-8130-9503064c837a"
    );
    assert_eq!(
        issuer.audiences_for(Exchange::EntraUser)[0],
        "https://communication.azure.com/clients"
    );
    let own = resolve(&[entry(&format!(
        "{GOOD}\nteams_extension_audience = \"x\"\nentra_user_audience = \"2a04943b-b6a7-4f65-8786-2bb6131b59f6\""
    ))])
    .unwrap()
    .remove(0);
    assert_eq!(own.audiences_for(Exchange::TeamsExtension)[0], "x");
    assert_eq!(
        own.audiences_for(Exchange::EntraUser)[0],
        "2a04943b-b6a7-4f65-8786-2bb6131b59f6"
    );
}

#[test]
fn each_mistake_is_named_with_the_entry_it_is_in() {
    for (toml_text, says) in [
        (
            "jwks_file = \"k.json\"\nclient_ids = [\"a\"]",
            "number 1: set issuer to the tokens' exact iss claim",
        ),
        (
            "issuer = \"https://i/\"\nclient_ids = [\"a\"]",
            "(issuer 'https://i/'): set exactly one of jwks_url",
        ),
        (
            "issuer = \"https://i/\"\njwks_url = \"https://i/k\"\njwks_file = \"k\"\nclient_ids = [\"a\"]",
            "set exactly one of jwks_url",
        ),
        (
            "issuer = \"https://i/\"\njwks_url = \"http://idp.example.com/keys\"\nclient_ids = [\"a\"]",
            "jwks_url 'http://idp.example.com/keys' is not a usable URL: use https (plain http is allowed only for a loopback host",
        ),
        (
            "issuer = \"https://i/\"\njwks_url = \"keys.json\"\nclient_ids = [\"a\"]",
            "jwks_url 'keys.json' is not a usable URL",
        ),
        (
            "issuer = \"https://i/\"\njwks_file = \"k\"",
            "client_ids must list the application (client) ids",
        ),
        (
            "issuer = \"https://i/\"\njwks_file = \"k\"\nclient_ids = []",
            "client_ids must list",
        ),
        (
            "issuer = \"https://i/\"\njwks_file = \"k\"\nclient_ids = [\"a\"]\nresource = \"Bad Name!\"",
            "resource: ",
        ),
        (
            "issuer = \"https://i/\"\njwks_file = \"k\"\nclient_ids = [\"a\"]\naudience = \"\"",
            "audience must not be empty",
        ),
        (
            "issuer = \"https://i/\"\njwks_file = \"k\"\nclient_ids = [\"a\"]\nexchanges = [\"teams\"]",
            "exchanges: \"teams\" is not an exchange; use \"teams_user\", \"teams_extension\", \"entra_user\", \"management\".",
        ),
        (
            "issuer = \"https://i/\"\njwks_file = \"k\"\nclient_ids = [\"a\"]\nexchanges = []",
            "exchanges must name at least one of",
        ),
        (
            "issuer = \"https://i/\"\njwks_file = \"k\"\nclient_ids = [\"a\"]\nexchanges = [\"entra_user\", \"entra_user\"]",
            "exchanges names \"entra_user\" twice.",
        ),
        (
            "issuer = \"https://i/\"\njwks_file = \"k\"\nclient_ids = [\"a\"]\nentra_user_audience = \" \"",
            "entra_user_audience must not be empty",
        ),
        (
            "issuer = \"https://i/\"\njwks_file = \"k\"\nexchanges = [\"management\"]\nmanagement_audiences = []",
            "management_audiences must list at least one audience",
        ),
        (
            "issuer = \"https://i/\"\njwks_file = \"k\"\nexchanges = [\"teams_user\", \"management\"]",
            "client_ids must list",
        ),
        (
            "issuer = \"https://i/\"\njwks_file = \"k\"\nclient_ids = [\"a\"]\nportal_client_id = \"portal\"",
            "portal_client_id needs \"management\" in exchanges",
        ),
        (
            "issuer = \"https://i/\"\njwks_file = \"k\"\nexchanges = [\"management\"]\nportal_scope = \"openid\"",
            "portal_scope needs portal_client_id",
        ),
        (
            "issuer = \"https://i/\"\njwks_file = \"k\"\nexchanges = [\"management\"]\nportal_client_id = \"p\"\nportal_scope = \"profile\"",
            "portal_scope 'profile' must include openid",
        ),
        (
            "issuer = \"https://i/\"\njwks_file = \"k\"\nexchanges = [\"management\"]\nportal_client_id = \"p\"\nportal_authority = \"http://idp.example/\"",
            "portal_authority 'http://idp.example/' is not a usable URL",
        ),
        (
            "issuer = \"https://i/\"\njwks_file = \"k\"\nclient_ids = [\"a\"]\njwks_refresh_seconds = 0",
            "jwks_refresh_seconds 0 is out of range: use 1 to 86400.",
        ),
        (
            "issuer = \"https://i/\"\njwks_file = \"k\"\nclient_ids = [\"a\"]\njwks_cooldown_seconds = 7200",
            "jwks_cooldown_seconds 7200 is out of range",
        ),
    ] {
        let err = error_of(toml_text);
        assert!(err.contains(says), "{toml_text}\n{err}");
    }
}

#[test]
fn the_same_issuer_twice_for_one_resource_is_refused() {
    let err = resolve(&[entry(GOOD), entry(GOOD)])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("number 2") && err.contains("already trusted"),
        "{err}"
    );
    let other = entry(&format!("{GOOD}\nresource = \"other\""));
    assert_eq!(resolve(&[entry(GOOD), other]).unwrap().len(), 2);
}

#[test]
fn unknown_keys_in_an_entry_are_refused() {
    let err = toml::from_str::<TrustedIssuerEntry>("isuer = \"x\"").unwrap_err();
    assert!(err.to_string().contains("isuer"), "{err}");
}

#[test]
fn an_issuer_for_management_only_needs_no_client_ids_and_defaults_to_what_the_sdks_ask_for() {
    let issuer = resolve(&[entry(
        "issuer = \"https://i/\"\njwks_file = \"k\"\nexchanges = [\"management\"]",
    )])
    .unwrap()
    .remove(0);
    assert!(issuer.trusted_for(Exchange::Management));
    assert!(!issuer.trusted_for(Exchange::TeamsUser));
    assert_eq!(
        issuer.audiences_for(Exchange::Management),
        [
            "https://communication.azure.com",
            "https://communication.azure.com/",
            "632ec9eb-fad7-4cbd-993a-e72973ba2acc"
        ]
    );
}

#[test]
fn a_portal_client_defaults_to_the_issuer_as_authority_its_host_as_name_and_openid() {
    let issuer = resolve(&[entry(
        "issuer = \"https://login.microsoftonline.com/t/v2.0\"\njwks_file = \"k\"\n\
         exchanges = [\"management\"]\nportal_client_id = \"portal\"",
    )])
    .unwrap()
    .remove(0);
    let portal = issuer.portal.unwrap();
    assert_eq!(portal.client_id, "portal");
    assert_eq!(
        portal.authority.as_str(),
        "https://login.microsoftonline.com/t/v2.0"
    );
    assert_eq!(portal.name, "login.microsoftonline.com");
    assert_eq!(portal.scope, "openid");
    assert_eq!(portal.resource, None);
}

#[test]
fn an_issuer_without_a_portal_client_offers_no_portal_sign_in() {
    assert_eq!(resolve(&[entry(GOOD)]).unwrap()[0].portal, None);
}
