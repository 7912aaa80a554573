#!/usr/bin/env node
// The interop suites' Microsoft Entra stand-in, for the token exchanges:
//
//   node interop/teams-issuer.js DIR
//
// makes an RSA key, writes DIR/jwks.json (its public key) and DIR/commid.toml
// (a [[trusted_issuers]] table that trusts it for resource `default` in all
// three exchanges), and prints, as NAME=VALUE lines for the suites'
// environment, Entra-like access tokens signed with it (RS256, as Entra
// signs): a Teams user's, valid for an hour and expired (Teams-user
// exchange); one with TeamsExtension.ManageCalls (Teams Phone
// extensibility); one for Communication Services Clients with VoIP and
// Chat (Entra ID users); and, for the signed operations (management), a
// managed identity's token per role (owner, issuer, reader, and one whose
// principal holds none), with the audience DefaultAzureCredential gets for
// https://communication.azure.com//.default; interop/run grants the roles.
// Node's own crypto only: no packages.
"use strict";

const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

const TENANT_ID = "9f3bd1b5-5c1a-4b8e-a2f0-6d4ad3c0a7e1";
const ISSUER = `https://login.microsoftonline.com/${TENANT_ID}/v2.0`;
const APP_ID = "2c3e1e83-8fd7-4615-ad2b-b8c1229845ac";
const USER_ID = "32c0a5db-05ec-78ea-51ab-3f06b329397e";
const KID = "interop-1";

const dir = process.argv[2];
if (!dir) {
  console.error("usage: node interop/teams-issuer.js DIR");
  process.exit(2);
}
fs.mkdirSync(dir, { recursive: true });

const { publicKey, privateKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
const jwk = { ...publicKey.export({ format: "jwk" }), kid: KID, use: "sig" };
fs.writeFileSync(path.join(dir, "jwks.json"), JSON.stringify({ keys: [jwk] }));
fs.writeFileSync(
  path.join(dir, "commid.toml"),
  [
    "[[trusted_issuers]]",
    `issuer = "${ISSUER}"`,
    'jwks_file = "jwks.json"',
    `client_ids = ["${APP_ID}"]`,
    'exchanges = ["teams_user", "teams_extension", "entra_user", "management"]',
    "",
  ].join("\n"),
);

const part = (value) => Buffer.from(JSON.stringify(value)).toString("base64url");

function mint(lifetimeSeconds, overrides = {}) {
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    aud: "https://auth.msft.communication.azure.com",
    iss: ISSUER,
    iat: now - 300,
    nbf: now - 300,
    exp: now + lifetimeSeconds,
    azp: APP_ID,
    oid: USER_ID,
    tid: TENANT_ID,
    scp: "Teams.ManageCalls Teams.ManageChats",
    ver: "2.0",
    ...overrides,
  };
  const message = `${part({ alg: "RS256", kid: KID, typ: "JWT" })}.${part(claims)}`;
  const signature = crypto.sign("sha256", Buffer.from(message), privateKey).toString("base64url");
  return `${message}.${signature}`;
}

console.log(`COMMID_TEAMS_TOKEN=${mint(3600)}`);
console.log(`COMMID_TEAMS_EXPIRED_TOKEN=${mint(-60)}`);
console.log(`COMMID_TEAMS_APP_ID=${APP_ID}`);
console.log(`COMMID_TEAMS_USER_ID=${USER_ID}`);
console.log(`COMMID_TEAMS_TENANT_ID=${TENANT_ID}`);
console.log(`COMMID_TEAMS_EXTENSION_TOKEN=${mint(3600, { scp: "TeamsExtension.ManageCalls" })}`);
console.log(
  `COMMID_ENTRA_USER_TOKEN=${mint(3600, { aud: "https://communication.azure.com/clients", scp: "VoIP Chat" })}`,
);

// Managed identities' tokens (Entra v1.0 shape) for the signed operations.
const ROLES = {
  OWNER: "0b9b9d4e-7a3c-4c4e-9d1e-4f5a6b7c8d01",
  ISSUER: "0b9b9d4e-7a3c-4c4e-9d1e-4f5a6b7c8d02",
  READER: "0b9b9d4e-7a3c-4c4e-9d1e-4f5a6b7c8d03",
  NOBODY: "0b9b9d4e-7a3c-4c4e-9d1e-4f5a6b7c8d04",
};
console.log(`COMMID_MANAGEMENT_ISSUER=${ISSUER}`);
for (const [role, oid] of Object.entries(ROLES)) {
  const token = mint(3600, { aud: "https://communication.azure.com/", oid, sub: oid, scp: undefined, ver: "1.0" });
  console.log(`COMMID_${role}_OID=${oid}`);
  console.log(`COMMID_${role}_TOKEN=${token}`);
}
