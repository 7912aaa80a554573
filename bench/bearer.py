"""The Bearer row of the benchmark: issue token with a Bearer token (a
principal holding the issuer role, of an issuer the resource trusts for
management) against issue token signed with the key, on one server,
interleaved round by round, each first in turn; each is the median of the
rounds. The target: at least 0.9 times the signed rate.

The issuer is a P-256 key made here with the openssl command; its JWKS is a
file the server reads (`jwks_file`), and the token is an ES256 JWT with the
audience DefaultAzureCredential gets for Communication Services."""

import base64
import json
import os
import statistics
import subprocess
import tempfile
import time

ISSUER = "https://login.microsoftonline.com/9f3bd1b5-5c1a-4b8e-a2f0-6d4ad3c0a7e1/v2.0"
OID = "0b9b9d4e-7a3c-4c4e-9d1e-4f5a6b7c8d01"


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def der_integers(der):
    """r and s of a DER ECDSA signature: SEQUENCE { INTEGER r, INTEGER s }."""
    def read(at):
        assert der[at] == 0x02
        n = der[at + 1]
        return der[at + 2:at + 2 + n], at + 2 + n
    at = 2 if der[1] < 0x80 else 3
    r, at = read(at)
    s, _ = read(at)
    return r.lstrip(b"\0").rjust(32, b"\0"), s.lstrip(b"\0").rjust(32, b"\0")


class Issuer:
    """A P-256 key, its JWKS file and tokens signed with it."""

    def __init__(self, directory):
        self.key = os.path.join(directory, "issuer.pem")
        subprocess.run(["openssl", "ecparam", "-genkey", "-name", "prime256v1", "-noout", "-out", self.key],
                       check=True, capture_output=True)
        public = subprocess.run(["openssl", "ec", "-in", self.key, "-pubout", "-outform", "DER"],
                                check=True, capture_output=True).stdout
        point = public[-65:]
        self.jwks = os.path.join(directory, "issuer-keys.json")
        with open(self.jwks, "w") as f:
            json.dump({"keys": [{"kty": "EC", "crv": "P-256", "kid": "bench", "use": "sig",
                                 "x": b64url(point[1:33]), "y": b64url(point[33:])}]}, f)

    def token(self, lifetime=3600):
        now = int(time.time())
        header = b64url(json.dumps({"alg": "ES256", "kid": "bench", "typ": "JWT"}).encode())
        claims = b64url(json.dumps({"aud": "https://communication.azure.com/", "iss": ISSUER, "iat": now,
                                    "nbf": now, "exp": now + lifetime, "oid": OID, "sub": OID}).encode())
        message = f"{header}.{claims}".encode()
        der = subprocess.run(["openssl", "dgst", "-sha256", "-sign", self.key], input=message,
                             check=True, capture_output=True).stdout
        r, s = der_integers(der)
        return f"{header}.{claims}.{b64url(r + s)}"


def config_file(directory, issuer):
    path = os.path.join(directory, "commid.toml")
    with open(path, "w") as f:
        f.write(f'[[trusted_issuers]]\nissuer = "{ISSUER}"\njwks_file = "{issuer.jwks}"\n'
                'exchanges = ["management"]\n')
    return path


def measure(server_class, binary, wrk, issue_requests, row, ceiling, data_dir, ids, rounds):
    """Adds the Bearer row and its ratio to the signed rate."""
    rounds = max(4, rounds + rounds % 2)
    work = tempfile.mkdtemp(prefix="commid-bench-bearer-")
    issuer = Issuer(work)
    config = config_file(work, issuer)
    subprocess.run([binary, "--config", config, "access", "grant", "--role", "issuer",
                    "--principal", f"oid:{OID}", "--data-dir", data_dir], check=True, capture_output=True)
    server = server_class(data_dir, ["--config", config])
    try:
        token = issuer.token()
        signed = issue_requests(server, ids)
        bearer = [(m, t, {"Host": server.host, "Authorization": f"Bearer {token}",
                          "Content-Type": "application/json"}, b) for m, t, _, b in signed]
        reqs = {"HMAC-signed": signed, "Bearer": bearer}
        for name, r in reqs.items():
            wrk(server, r, f"issue token, {name} (warm-up)", duration=1)
        rps = {name: [] for name in reqs}
        failed = 0
        for i in range(rounds):
            order = list(reqs) if i % 2 == 0 else list(reversed(reqs))
            for name in order:
                value, bad, _ = wrk(server, reqs[name], f"issue token, {name}, round {i + 1}")
                rps[name].append(value)
                failed += bad
    finally:
        server.stop()
    signed_rps, bearer_rps = (statistics.median(rps[n]) for n in ("HMAC-signed", "Bearer"))
    ratio = bearer_rps / signed_rps
    row("issue token with a Bearer token (issuer role, token verified once and kept)", bearer_rps, "req/s",
        bearer_rps / ceiling, "≥ 0.9 × the signed rate", ratio >= 0.9 and failed == 0)
    row("… the same server, signed with the key (same rounds)", signed_rps, "req/s", signed_rps / ceiling)
    row("… Bearer against signed", ratio, "×")
