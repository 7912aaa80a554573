// Shared checks of the JS interop suite: identity id shape, expiresOn values,
// acceptance of a token by AzureCommunicationTokenCredential, and commid's
// own token verification endpoint reached through an HMAC-signed pipeline.
"use strict";

const assert = require("node:assert/strict");
const { CommunicationIdentityClient } = require("@azure/communication-identity");
const {
  AzureCommunicationTokenCredential,
  createCommunicationAuthPolicy,
  createIdentifierFromRawId,
  getIdentifierKind,
  isCommunicationUserIdentifier,
  parseClientArguments,
} = require("@azure/communication-common");
const {
  createDefaultHttpClient,
  createHttpHeaders,
  createPipelineFromOptions,
  createPipelineRequest,
} = require("@azure/core-rest-pipeline");

const connectionString = process.env.COMMUNICATION_SERVICES_CONNECTION_STRING;
if (!connectionString || !process.env.NODE_EXTRA_CA_CERTS) {
  throw new Error(
    "COMMUNICATION_SERVICES_CONNECTION_STRING and NODE_EXTRA_CA_CERTS must be set: run interop/run",
  );
}

const GUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";
const USER_ID = new RegExp(`^8:acs:(${GUID})_(${GUID})$`);
// ISO-8601 with an explicit offset, as the live service writes it.
const EXPIRES_ON = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?(Z|[+-]\d{2}:\d{2})$/;
const API_VERSION = "2023-10-01";

function newClient(cs = connectionString) {
  return new CommunicationIdentityClient(cs);
}

/** The user is a CommunicationUserIdentifier whose id is 8:acs:<guid>_<guid>; returns the id. */
function assertAcsUser(user) {
  assert.ok(isCommunicationUserIdentifier(user), `not a communication user: ${JSON.stringify(user)}`);
  const id = user.communicationUserId;
  assert.match(id, USER_ID);
  assert.equal(getIdentifierKind(user).kind, "communicationUser");
  // The SDK's own parser reads it back as an ACS user, not a Teams extension user.
  assert.equal(getIdentifierKind(createIdentifierFromRawId(id)).kind, "communicationUser");
  return id;
}

function resourceOf(id) {
  return USER_ID.exec(id)[1].toLowerCase();
}

/** expiresOn (a Date, as the SDK deserializes it) lies `minutes` after the request. */
function assertExpiresIn(expiresOn, minutes, before, after, slackMs = 5000) {
  assert.ok(expiresOn instanceof Date, `expiresOn is ${typeof expiresOn}: ${expiresOn}`);
  const t = expiresOn.getTime();
  assert.ok(!Number.isNaN(t), "expiresOn is an invalid Date");
  const low = before + minutes * 60_000 - slackMs;
  const high = after + minutes * 60_000 + slackMs;
  assert.ok(
    t >= low && t <= high,
    `expiresOn ${expiresOn.toISOString()} is ${((t - before) / 1000).toFixed(1)}s after the request, expected ~${minutes * 60}s`,
  );
}

/** AzureCommunicationTokenCredential accepts the token and its exp matches expiresOn. */
async function assertAcceptedByTokenCredential({ token, expiresOn }) {
  assert.equal(typeof token, "string");
  assert.equal(token.split(".").length, 3, "the token is not a compact JWS");
  const credential = new AzureCommunicationTokenCredential(token);
  try {
    const accessToken = await credential.getToken();
    assert.equal(accessToken.token, token);
    // exp is whole seconds; expiresOn may carry a fraction.
    const diff = expiresOn.getTime() - accessToken.expiresOnTimestamp;
    assert.ok(
      diff >= 0 && diff < 1000,
      `JWT exp ${accessToken.expiresOnTimestamp} does not match expiresOn ${expiresOn.toISOString()}`,
    );
    assert.ok(accessToken.expiresOnTimestamp > Date.now(), "the token is already expired");
  } finally {
    credential.dispose();
  }
}

/** Records the raw HTTP responses of SDK calls (core-client's onResponse). */
function recorder() {
  const responses = [];
  return {
    responses,
    options: {
      onResponse: (raw) => {
        responses.push({ status: raw.status, body: raw.bodyAsText, headers: raw.headers });
      },
    },
  };
}

const { url: endpoint, credential: keyCredential } = parseClientArguments(connectionString);
const pipeline = createPipelineFromOptions({});
pipeline.addPolicy(createCommunicationAuthPolicy(keyCredential));
const httpClient = createDefaultHttpClient();

/** `method pathAndQuery` with a JSON body, HMAC-signed by communication-common; the raw response. */
async function callSigned(method, pathAndQuery, body) {
  const request = createPipelineRequest({
    url: new URL(pathAndQuery, endpoint).toString(),
    method,
    headers: createHttpHeaders({ "Content-Type": "application/json" }),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return pipeline.sendRequest(httpClient, request);
}

/** commid's own POST /accessTokens/:verify (not part of ACS). */
async function verifyToken(token) {
  const response = await callSigned("POST", `/accessTokens/:verify?api-version=${API_VERSION}`, { token });
  assert.equal(response.status, 200, response.bodyAsText);
  return JSON.parse(response.bodyAsText);
}

module.exports = {
  API_VERSION,
  EXPIRES_ON,
  USER_ID,
  assertAcceptedByTokenCredential,
  assertAcsUser,
  assertExpiresIn,
  callSigned,
  connectionString,
  endpoint,
  newClient,
  recorder,
  resourceOf,
  verifyToken,
};
