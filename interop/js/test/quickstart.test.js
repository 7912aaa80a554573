// The ACS access-token quickstart for JavaScript, step by step, with
// @azure/communication-identity built from the connection string.
"use strict";

const { describe, it } = require("node:test");
const assert = require("node:assert/strict");
const { randomUUID } = require("node:crypto");

const {
  EXPIRES_ON,
  assertAcceptedByTokenCredential,
  assertAcsUser,
  assertExpiresIn,
  newClient,
  recorder,
  resourceOf,
  verifyToken,
} = require("../helpers");

describe("the JavaScript access-token quickstart", () => {
  const identityClient = newClient();

  it("createUser returns a communication user whose id is 8:acs:<guid>_<guid>", async () => {
    const rec = recorder();
    const identityResponse = await identityClient.createUser(rec.options);
    assertAcsUser(identityResponse);
    assert.deepEqual(rec.responses.map((r) => r.status), [201]);
  });

  it("two created users get distinct ids under the same resource", async () => {
    const a = assertAcsUser(await identityClient.createUser());
    const b = assertAcsUser(await identityClient.createUser());
    assert.notEqual(a, b);
    assert.equal(resourceOf(a), resourceOf(b));
  });

  it("getToken with the voip scope returns a token that expires in 24 hours by default", async () => {
    const identityResponse = await identityClient.createUser();
    const rec = recorder();
    const before = Date.now();
    const tokenResponse = await identityClient.getToken(identityResponse, ["voip"], rec.options);
    const after = Date.now();
    assertExpiresIn(tokenResponse.expiresOn, 1440, before, after);
    await assertAcceptedByTokenCredential(tokenResponse);
    assert.equal(rec.responses[0].status, 200);
  });

  it("the wire expiresOn is an ISO-8601 string with an offset, never a number", async () => {
    const identityResponse = await identityClient.createUser();
    const rec = recorder();
    await identityClient.getToken(identityResponse, ["voip"], rec.options);
    const body = JSON.parse(rec.responses[0].body);
    assert.equal(typeof body.expiresOn, "string");
    assert.match(body.expiresOn, EXPIRES_ON);
    assert.match(rec.responses[0].headers.get("content-type"), /^application\/json/);
  });

  it("getToken with tokenExpiresInMinutes 60 returns a token that expires about an hour ahead", async () => {
    const identityResponse = await identityClient.createUser();
    const tokenOptions = { tokenExpiresInMinutes: 60 };
    const before = Date.now();
    const tokenResponse = await identityClient.getToken(identityResponse, ["voip"], tokenOptions);
    const after = Date.now();
    assertExpiresIn(tokenResponse.expiresOn, 60, before, after);
    await assertAcceptedByTokenCredential(tokenResponse);
  });

  for (const minutes of [60, 1440]) {
    it(`getToken accepts the bound of ${minutes} minutes`, async () => {
      const user = await identityClient.createUser();
      const before = Date.now();
      const tokenResponse = await identityClient.getToken(user, ["chat"], { tokenExpiresInMinutes: minutes });
      assertExpiresIn(tokenResponse.expiresOn, minutes, before, Date.now());
      await assertAcceptedByTokenCredential(tokenResponse);
    });
  }

  it("createUserAndToken returns a new user and a voip token in one call", async () => {
    const rec = recorder();
    const before = Date.now();
    const identityTokenResponse = await identityClient.createUserAndToken(["voip"], rec.options);
    const after = Date.now();
    const { token, expiresOn, user } = identityTokenResponse;
    const id = assertAcsUser(user);
    assertExpiresIn(expiresOn, 1440, before, after);
    await assertAcceptedByTokenCredential({ token, expiresOn });
    assert.deepEqual(rec.responses.map((r) => r.status), [201]);
    const verdict = await verifyToken(token);
    assert.equal(verdict.valid, true, JSON.stringify(verdict));
    assert.equal(verdict.identity.id, id);
    assert.deepEqual(verdict.scopes, ["voip"]);
  });

  it("createUserAndToken honours tokenExpiresInMinutes", async () => {
    const before = Date.now();
    const { user, token, expiresOn } = await identityClient.createUserAndToken(["chat"], { tokenExpiresInMinutes: 120 });
    assertAcsUser(user);
    assertExpiresIn(expiresOn, 120, before, Date.now());
    await assertAcceptedByTokenCredential({ token, expiresOn });
  });

  it("a token is refreshed by calling getToken again with the stored identity", async () => {
    const identityResponse = await identityClient.createUser();
    const first = await identityClient.getToken(identityResponse, ["voip"]);
    const stored = { communicationUserId: identityResponse.communicationUserId };
    const refreshedTokenResponse = await identityClient.getToken(stored, ["voip"]);
    assert.notEqual(refreshedTokenResponse.token, first.token);
    assert.ok(refreshedTokenResponse.expiresOn.getTime() >= first.expiresOn.getTime());
    await assertAcceptedByTokenCredential(refreshedTokenResponse);
    for (const t of [first, refreshedTokenResponse]) {
      const verdict = await verifyToken(t.token);
      assert.equal(verdict.valid, true, JSON.stringify(verdict));
      assert.equal(verdict.identity.id, stored.communicationUserId);
    }
  });

  it("a token with the chat and voip scopes carries both scopes", async () => {
    const user = await identityClient.createUser();
    const tokenResponse = await identityClient.getToken(user, ["chat", "voip"]);
    await assertAcceptedByTokenCredential(tokenResponse);
    const verdict = await verifyToken(tokenResponse.token);
    assert.equal(verdict.valid, true);
    assert.deepEqual([...verdict.scopes].sort(), ["chat", "voip"]);
  });

  it("revokeTokens answers 204 and invalidates the tokens issued before it", async () => {
    const identityResponse = await identityClient.createUser();
    const { token } = await identityClient.getToken(identityResponse, ["voip"]);
    assert.equal((await verifyToken(token)).valid, true);
    const rec = recorder();
    const result = await identityClient.revokeTokens(identityResponse, rec.options);
    assert.equal(result, undefined);
    assert.deepEqual(rec.responses.map((r) => r.status), [204]);
    assert.deepEqual(await verifyToken(token), { valid: false, reason: "revoked" });
  });

  it("a token issued after revokeTokens is accepted by the server and by AzureCommunicationTokenCredential", async () => {
    const identityResponse = await identityClient.createUser();
    await identityClient.getToken(identityResponse, ["voip"]);
    await identityClient.revokeTokens(identityResponse);
    const tokenResponse = await identityClient.getToken(identityResponse, ["voip"]);
    await assertAcceptedByTokenCredential(tokenResponse);
    const verdict = await verifyToken(tokenResponse.token);
    assert.equal(verdict.valid, true, JSON.stringify(verdict));
    assert.equal(verdict.identity.id, identityResponse.communicationUserId);
  });

  it("deleteUser answers 204, and getToken then fails with 404", async () => {
    const identityResponse = await identityClient.createUser();
    const { token } = await identityClient.getToken(identityResponse, ["voip"]);
    const rec = recorder();
    await identityClient.deleteUser(identityResponse, rec.options);
    assert.deepEqual(rec.responses.map((r) => r.status), [204]);
    await assert.rejects(identityClient.getToken(identityResponse, ["voip"]), (e) => {
      assert.equal(e.name, "RestError");
      assert.equal(e.statusCode, 404);
      assert.ok(e.code, "no error code");
      return true;
    });
    assert.deepEqual(await verifyToken(token), { valid: false, reason: "deleted" });
  });

  it("getToken for a well-formed id that was never created fails with 404", async () => {
    const resource = resourceOf((await identityClient.createUser()).communicationUserId);
    const unknown = { communicationUserId: `8:acs:${resource}_${randomUUID()}` };
    await assert.rejects(identityClient.getToken(unknown, ["voip"]), (e) => {
      assert.equal(e.statusCode, 404);
      return true;
    });
  });

  it("the quickstart runs as written, from createUser to deleteUser", async () => {
    const log = [];
    let identityResponse = await identityClient.createUser();
    log.push(`Created an identity with ID: ${identityResponse.communicationUserId}`);
    let tokenResponse = await identityClient.getToken(identityResponse, ["voip"]);
    const { token, expiresOn } = tokenResponse;
    log.push(`Issued an access token with 'voip' scope that expires at ${expiresOn}:`);
    await assertAcceptedByTokenCredential({ token, expiresOn });
    const tokenOptions = { tokenExpiresInMinutes: 60 };
    tokenResponse = await identityClient.getToken(identityResponse, ["voip"], tokenOptions);
    await assertAcceptedByTokenCredential(tokenResponse);
    const identityTokenResponse = await identityClient.createUserAndToken(["voip"]);
    log.push(`Created an identity with ID: ${identityTokenResponse.user.communicationUserId}`);
    await assertAcceptedByTokenCredential(identityTokenResponse);
    const refreshedTokenResponse = await identityClient.getToken(identityResponse, ["voip"]);
    await assertAcceptedByTokenCredential(refreshedTokenResponse);
    await identityClient.revokeTokens(identityResponse);
    log.push(`Successfully revoked all access tokens for identity with ID: ${identityResponse.communicationUserId}`);
    await identityClient.deleteUser(identityResponse);
    log.push(`Deleted the identity with ID: ${identityResponse.communicationUserId}`);

    assert.equal(log.length, 5);
    assert.ok(!log[1].includes("Invalid Date"), log[1]);
    assertAcsUser(identityResponse);
    assertAcsUser(identityTokenResponse.user);
    assert.notEqual(identityResponse.communicationUserId, identityTokenResponse.user.communicationUserId);
  });
});
