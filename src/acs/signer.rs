use super::hmac;
use std::time::SystemTime;

/// The headers that sign a request: `x-ms-date`, `x-ms-content-sha256` and
/// `Authorization`. `host` must be what the HTTP client sends as `Host`.
pub fn sign_headers(
    method: &str,
    path_and_query: &str,
    host: &str,
    body: &[u8],
    key: &[u8],
    now: SystemTime,
) -> [(&'static str, String); 3] {
    let date = httpdate::fmt_http_date(now);
    let content_hash = hmac::content_hash(body);
    let sts = hmac::string_to_sign(method, path_and_query, &[&date, host, &content_hash]);
    let signature = hmac::sign(key, &sts);
    [
        ("x-ms-date", date),
        ("x-ms-content-sha256", content_hash),
        ("authorization", hmac::authorization(&signature)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn signing_reproduces_the_known_answer_vector() {
        let key = base64::engine::general_purpose::STANDARD
            .decode("c3VwZXItc2VjcmV0LWFjcy1hY2Nlc3Mta2V5LTMyYnk=")
            .unwrap();
        // Sat, 21 Nov 2026 05:11:56 GMT
        let now = UNIX_EPOCH + Duration::from_secs(1_795_237_916);
        let headers = sign_headers(
            "POST",
            "/identities?api-version=2023-10-01",
            "127.0.0.1:8089",
            b"",
            &key,
            now,
        );
        assert_eq!(headers[0].1, "Sat, 21 Nov 2026 05:11:56 GMT");
        assert_eq!(
            headers[2].1,
            "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=y/cfxLn0gyfaPNuNBMCDZZinE1FP9jSzWZ58dFHRqow="
        );
    }
}
