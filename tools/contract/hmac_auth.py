"""The credentials of the contract run, as `requests` auth: applied by
requests after it has built the request (URL, query and body final), so
what is signed is what goes on the wire.

HMAC-SHA256 as the ACS SDKs sign (docs/architecture.md; WIRE.md):
  string_to_sign = VERB \\n path?query as sent \\n x-ms-date;host;x-ms-content-sha256
  x-ms-content-sha256 = base64(SHA-256(body bytes as sent))
  Authorization: HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=base64(HMAC)
with the key base64-decoded from the connection string's accesskey.

`python3 hmac_auth.py` checks the signer against the known-answer vector
that src/acs/hmac.rs tests too."""

import base64
import email.utils
import hashlib
import hmac
import urllib.parse

import requests.auth

SIGNED_HEADERS = "x-ms-date;host;x-ms-content-sha256"


def parse_connection_string(text):
    """{'endpoint': …, 'accesskey': …} (names case-insensitive)."""
    pairs = (part.split("=", 1) for part in text.split(";") if "=" in part)
    return {name.strip().lower(): value.strip() for name, value in pairs}


def content_hash(body):
    return base64.b64encode(hashlib.sha256(body).digest()).decode()


def string_to_sign(method, path_and_query, date, host, body_hash):
    return f"{method.upper()}\n{path_and_query}\n{date};{host};{body_hash}"


def signature(key, text):
    return base64.b64encode(hmac.new(key, text.encode(), hashlib.sha256).digest()).decode()


def body_bytes(body):
    """The bytes http.client sends for a prepared body."""
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("iso-8859-1")
    if isinstance(body, (bytes, bytearray)):
        return bytes(body)
    raise TypeError(f"cannot sign a streamed body ({type(body).__name__})")


def signed_headers(key, method, path_and_query, host, body):
    """The headers that sign a request, signed now."""
    date = email.utils.formatdate(usegmt=True)
    body_hash = content_hash(body)
    sts = string_to_sign(method, path_and_query, date, host, body_hash)
    return {
        "x-ms-date": date,
        "x-ms-content-sha256": body_hash,
        "Authorization": f"HMAC-SHA256 SignedHeaders={SIGNED_HEADERS}&Signature={signature(key, sts)}",
    }


class HmacAuth(requests.auth.AuthBase):
    """Signs each request as the ACS SDKs do."""

    def __init__(self, connection_string):
        self.key = base64.b64decode(parse_connection_string(connection_string)["accesskey"])
        self._signed = set()

    def __call__(self, request):
        host = request.headers.get("Host") or urllib.parse.urlsplit(request.url).netloc
        headers = signed_headers(self.key, request.method, request.path_url, host, body_bytes(request.body))
        request.headers.pop("Connection-String", None)
        request.headers.update(headers)
        self._signed.add(headers["Authorization"])
        return request

    def applied_to(self, request):
        return request.headers.get("Authorization") in self._signed


class ConnectionStringAuth(requests.auth.AuthBase):
    """Sends the Connection-String header, as the connector does."""

    def __init__(self, connection_string):
        self.connection_string = connection_string

    def __call__(self, request):
        request.headers["Connection-String"] = self.connection_string
        return request

    def applied_to(self, request):
        return request.headers.get("Connection-String") == self.connection_string


if __name__ == "__main__":
    # The known-answer vector of a captured request (src/acs/hmac.rs).
    key = base64.b64decode("c3VwZXItc2VjcmV0LWFjcy1hY2Nlc3Mta2V5LTMyYnk=")
    sts = string_to_sign(
        "post", "/identities?api-version=2023-10-01", "Sat, 21 Nov 2026 05:11:56 GMT", "127.0.0.1:8089", content_hash(b"")
    )
    assert content_hash(b"") == "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
    assert signature(key, sts) == "y/cfxLn0gyfaPNuNBMCDZZinE1FP9jSzWZ58dFHRqow=", signature(key, sts)
    print("hmac_auth: the known-answer vector is reproduced")
