import { strict as assert } from 'node:assert';
import { before, test } from 'node:test';
import { apiClient, createIdentity, idPath } from '../lib/api.js';
import { launch, openPortal, openView, signIn } from '../lib/browser.js';
import { startServer } from '../lib/server.js';

let page;
let api;
before(async () => {
  const [browser, server] = await Promise.all([launch(), startServer()]);
  api = apiClient(server);
  page = await openPortal(browser, server);
  await signIn(page, server);
  await openView(page, 'Verify');
});

async function verdictOf(token) {
  await page.getByLabel('Access token', { exact: true }).fill(token);
  await page.getByRole('button', { name: 'Verify' }).click();
  await page.locator('#verify-result').waitFor();
  return page.locator('#verdict').textContent();
}

/** The value cell of the claim `name` in the decoded claims. */
function claim(name) {
  const th = page.locator('th code', { hasText: new RegExp(`^${name}$`) });
  return page.locator('#claims tr', { has: th }).locator('td').first();
}

test('a valid token shows its identity, scopes, expiry and decoded claims', async () => {
  const { id, token } = await createIdentity(api, { scopes: ['chat', 'voip.join'] });
  assert.equal(await verdictOf(token), 'Valid');
  const facts = await page.locator('#verify-facts').textContent();
  assert.ok(facts.includes(id));
  assert.ok(facts.includes('Chat (chat), Calling, join only (voip.join)'));
  assert.match(facts, /Expires.*UTC \d{4}-\d\d-\d\dT/);
  assert.equal(await claim('sub').textContent(), id);
  assert.equal(await claim('acsScope').textContent(), 'Chat (chat), Calling, join only (voip.join)');
  assert.match(await claim('exp').textContent(), /^\d+ \(.*; UTC \d{4}-/);
  assert.equal(await claim('header alg').textContent(), 'ES256');
});

test('revoked, deleted, forged and malformed tokens each get their verdict', async () => {
  const revoked = await createIdentity(api, { scopes: ['chat'] });
  await api('POST', `${idPath(revoked.id)}/:revokeAccessTokens`);
  assert.equal(await verdictOf(revoked.token), 'Not valid: revoked');
  assert.match(await page.locator('#verdict-detail').textContent(), /revoked after this token was issued/);

  const deleted = await createIdentity(api, { scopes: ['chat'] });
  await api('DELETE', idPath(deleted.id));
  assert.equal(await verdictOf(deleted.token), 'Not valid: deleted');

  const valid = await createIdentity(api, { scopes: ['chat'] });
  const [header, payload, signature] = valid.token.split('.');
  const flipped = signature[5] === 'A' ? 'B' : 'A';
  const forged = `${header}.${payload}.${signature.slice(0, 5)}${flipped}${signature.slice(6)}`;
  assert.equal(await verdictOf(forged), 'Not valid: bad signature');
  assert.equal(await claim('sub').textContent(), valid.id, 'its claims are still shown');

  assert.equal(await verdictOf('not-a-token'), 'Not valid: malformed');
  assert.match(await page.locator('#claims').textContent(), /not a JWT/);
});
