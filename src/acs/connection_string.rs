//! `endpoint=https://host/;accesskey=<base64>`: keys case-insensitive,
//! `;`-separated, in any order.

use crate::domain::{AccessKey, Endpoint, Invalid};

#[derive(Clone)]
pub struct ConnectionString {
    pub endpoint: Endpoint,
    pub key: AccessKey,
}

impl ConnectionString {
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let mut endpoint = None;
        let mut key = None;
        for part in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let Some((name, value)) = part.split_once('=') else {
                return Err(Invalid::untargeted(
                    "The connection string is malformed: expected endpoint=https://…/;accesskey=….",
                ));
            };
            match name.trim().to_ascii_lowercase().as_str() {
                "endpoint" => endpoint = Some(Endpoint::parse(value.trim())?),
                "accesskey" => key = Some(AccessKey::parse(value.trim())?),
                _ => {}
            }
        }
        match (endpoint, key) {
            (Some(endpoint), Some(key)) => Ok(ConnectionString { endpoint, key }),
            (None, _) => Err(Invalid::untargeted(
                "The connection string has no endpoint=….",
            )),
            (_, None) => Err(Invalid::untargeted(
                "The connection string has no accesskey=….",
            )),
        }
    }
}

impl std::fmt::Debug for ConnectionString {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ConnectionString {{ endpoint: {}, key: <redacted> }}",
            self.endpoint.as_str()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_case_insensitive_and_order_free() {
        let cs = ConnectionString::parse("AccessKey=c2VjcmV0;Endpoint=https://Host.example:8443/;")
            .unwrap();
        assert_eq!(cs.endpoint.authority(), "host.example:8443");
        assert_eq!(cs.key.bytes(), b"secret");
        assert!(!format!("{cs:?}").contains("c2VjcmV0"));
    }

    #[test]
    fn incomplete_connection_strings_are_refused() {
        assert!(ConnectionString::parse("endpoint=https://h/").is_err());
        assert!(ConnectionString::parse("accesskey=c2VjcmV0").is_err());
        assert!(ConnectionString::parse("garbage").is_err());
        assert!(ConnectionString::parse("endpoint=https://h/;accesskey=%%%").is_err());
    }
}
