use super::*;

fn list(entries: &[&str]) -> AllowedHosts {
    AllowedHosts::parse(entries).unwrap()
}

fn permits(list: &AllowedHosts, endpoint: &str) -> bool {
    list.permits(&Endpoint::parse(endpoint).unwrap())
}

#[test]
fn the_default_list_admits_every_acs_resource_over_https_on_port_443_only() {
    let l = AllowedHosts::default_list();
    for ok in [
        "https://contoso.communication.azure.com/",
        "https://contoso.unitedstates.communication.azure.com/",
        "https://CONTOSO.Communication.Azure.COM:443/",
    ] {
        assert!(permits(&l, ok), "{ok}");
    }
    for refused in [
        "https://communication.azure.com/",
        "http://contoso.communication.azure.com/",
        "https://contoso.communication.azure.com:8443/",
        "https://contoso.communication.azure.com.evil.example/",
        "https://evilcommunication.azure.com/",
        "https://contoso.communication.azure.com./",
        "https://127.0.0.1/",
        "https://localhost/",
    ] {
        assert!(!permits(&l, refused), "{refused}");
    }
}

#[test]
fn an_exact_entry_matches_its_host_and_port_and_allows_plain_http() {
    let l = list(&["127.0.0.1:8089", "acs.internal.example"]);
    assert!(permits(&l, "http://127.0.0.1:8089/"));
    assert!(permits(&l, "https://127.0.0.1:8089/"));
    assert!(!permits(&l, "http://127.0.0.1:8090/"));
    assert!(!permits(&l, "http://127.0.0.2:8089/"));
    assert!(permits(&l, "https://acs.internal.example/"));
    assert!(permits(&l, "http://acs.internal.example/"));
    assert!(!permits(&l, "https://acs.internal.example:8443/"));
    assert!(!permits(&l, "https://sub.acs.internal.example/"));
}

#[test]
fn hosts_are_compared_after_url_parsing_not_as_text() {
    let l = list(&["127.0.0.1:8089", "[::1]:8443"]);
    for same in [
        "http://127.1:8089/",
        "http://0x7f.0.0.1:8089/",
        "http://2130706433:8089/",
    ] {
        assert!(permits(&l, same), "{same}");
    }
    assert!(permits(&l, "https://[0:0:0:0:0:0:0:1]:8443/"));
    assert!(!permits(&l, "https://[::2]:8443/"));
}

#[test]
fn ip_addresses_and_loopback_names_need_their_own_entry() {
    let l = list(&["*.example.com"]);
    assert!(permits(&l, "https://a.example.com/"));
    assert!(!permits(&l, "https://127.0.0.1/"));
    assert!(!permits(&l, "https://localhost/"));
    assert!(permits(
        &list(&["localhost:9000"]),
        "http://localhost:9000/"
    ));
    assert!(permits(
        &list(&["LocalHost:9000"]),
        "http://localhost:9000/"
    ));
}

#[test]
fn a_wildcard_with_a_port_matches_that_port_only() {
    let l = list(&["*.example.com:8443"]);
    assert!(permits(&l, "https://a.example.com:8443/"));
    assert!(!permits(&l, "https://a.example.com/"));
    assert!(!permits(&l, "http://a.example.com:8443/"));
}

#[test]
fn malformed_or_too_broad_entries_are_refused_with_the_reason() {
    for (entry, why) in [
        ("", "empty"),
        ("*", "'*' is allowed only"),
        ("*.com", "at least two labels"),
        ("*.localhost", "loopback names"),
        ("*.a.localhost", "loopback names"),
        ("a.*.example.com", "'*' is allowed only"),
        ("*example.com", "'*' is allowed only"),
        ("*.127.0.0.1", "not an IP address"),
        ("https://acs.example.com", "without a scheme"),
        ("acs.example.com/path", "without a scheme"),
        ("user@acs.example.com", "without a scheme"),
        ("acs.example.com:0", "port"),
        ("acs.example.com:99999", "port"),
        ("acs.example.com:", "port"),
        ("::1", "brackets"),
        ("a b", "without a scheme"),
    ] {
        let e = AllowedHosts::parse(&[entry]).unwrap_err();
        assert!(e.message.contains(why), "{entry}: {}", e.message);
        assert_eq!(e.target, Some("upstream_allowed_hosts"));
    }
}

#[test]
fn an_empty_list_permits_nothing_and_entries_print_as_written() {
    let none = AllowedHosts::parse::<&str>(&[]).unwrap();
    assert!(none.is_empty());
    assert!(!permits(&none, "https://contoso.communication.azure.com/"));
    let l = list(&[" *.Communication.Azure.com ", "[::1]:8443", "127.1:80"]);
    assert_eq!(
        l.to_string(),
        "*.communication.azure.com,[::1]:8443,127.0.0.1:80"
    );
}
