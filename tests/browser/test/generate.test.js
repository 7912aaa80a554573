import { strict as assert } from 'node:assert';
import { before, test } from 'node:test';
import { apiClient, createIdentity, verify } from '../lib/api.js';
import { clipboard, launch, openPortal, signIn } from '../lib/browser.js';
import { startServer } from '../lib/server.js';

let browser;
let server;
let api;
before(async () => {
  [browser, server] = await Promise.all([launch(), startServer()]);
  api = apiClient(server);
});

async function signedIn() {
  const page = await openPortal(browser, server);
  await signIn(page, server);
  return page;
}

async function generate(page) {
  await page.getByRole('button', { name: 'Generate' }).click();
  await page.getByRole('heading', { name: 'Generated' }).waitFor();
  return {
    id: await page.locator('#res-id').textContent(),
    token: await page.locator('#res-token').textContent(),
    expires: await page.locator('#res-expires').textContent(),
    expiresLocal: await page.locator('#res-expires-local').textContent(),
  };
}

const minutesFromNow = (iso) => (Date.parse(iso) - Date.now()) / 60_000;

test('as in the Azure portal: tick Chat and VOIP, Generate, copy the identity, the token and its expiry', async () => {
  const page = await signedIn();
  await page.getByLabel('Chat chat').check();
  await page.getByLabel('Voice and video calling (VOIP) voip').check();
  const result = await generate(page);
  assert.match(result.id, /^8:acs:[0-9a-f-]{36}_[0-9a-f-]{36}$/);
  const verdict = await verify(api, result.token);
  assert.equal(verdict.valid, true);
  assert.equal(verdict.identity.id, result.id);
  assert.deepEqual(verdict.scopes, ['chat', 'voip']);
  assert.ok(Math.abs(minutesFromNow(result.expires) - 1440) < 2, `24 hours by default: ${result.expires}`);
  assert.match(result.expires, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, 'UTC, ISO 8601');
  assert.match(result.expiresLocal, /(EST|EDT)$/, 'local time, in the browser’s zone');
  for (const [what, value] of [
    ['identity ID', result.id],
    ['access token', result.token],
    ['expiry', result.expires],
  ]) {
    const button = page.getByRole('button', { name: `Copy ${what}`, exact: true });
    await button.click();
    assert.equal(await clipboard(page), value, `the ${what} is on the clipboard`);
    assert.equal(await button.textContent(), 'Copied');
  }
  await page.waitForFunction(() => document.getElementById('status').textContent === 'Copied the expiry to the clipboard.');
});

test('each of the five scopes is offered by its readable name and issued as ticked', async () => {
  const page = await signedIn();
  const names = {
    chat: 'Chat chat',
    voip: 'Voice and video calling (VOIP) voip',
    'chat.join': 'Chat, join only chat.join',
    'chat.join.limited': 'Chat, join only, limited chat.join.limited',
    'voip.join': 'Calling, join only voip.join',
  };
  for (const [scope, label] of Object.entries(names)) {
    for (const box of await page.locator('#gen-scopes input').all()) await box.uncheck();
    await page.getByLabel(label, { exact: true }).check();
    const { token } = await generate(page);
    assert.deepEqual((await verify(api, token)).scopes, [scope]);
    assert.match(await page.locator('#res-scopes').textContent(), new RegExp(`\\(${scope.replaceAll('.', '\\.')}\\)`));
  }
});

test('a lifetime of 60 minutes gives a token that expires in an hour', async () => {
  const page = await signedIn();
  await page.getByLabel('Chat chat').check();
  await page.getByLabel('Token lifetime in minutes').fill('60');
  assert.equal(await page.locator('#gen-lifetime-human').textContent(), '1 hour');
  const { expires, token } = await generate(page);
  assert.ok(Math.abs(minutesFromNow(expires) - 60) < 2, expires);
  assert.equal((await verify(api, token)).valid, true);
});

test('a lifetime outside 60 to 1440 minutes is refused before anything is sent', async () => {
  const page = await signedIn();
  await page.getByLabel('Chat chat').check();
  for (const minutes of ['59', '1441', '90.5']) {
    await page.getByLabel('Token lifetime in minutes').fill(minutes);
    await page.getByRole('button', { name: 'Generate' }).click();
    assert.match(await page.locator('#gen-error').textContent(), /from 60 to 1440/);
  }
  assert.equal(await page.locator('#gen-result').isVisible(), false);
});

test('an existing identity gets a new token', async () => {
  const { id } = await createIdentity(api);
  const page = await signedIn();
  await page.getByLabel('An existing identity').check();
  await page.getByLabel('Identity ID', { exact: true }).fill(id);
  await page.getByLabel('Calling, join only voip.join').check();
  const result = await generate(page);
  assert.equal(result.id, id);
  const verdict = await verify(api, result.token);
  assert.equal(verdict.identity.id, id);
  assert.deepEqual(verdict.scopes, ['voip.join']);
});

test('an unknown identity is reported in the API’s words', async () => {
  const { id } = await createIdentity(api);
  await api('DELETE', `/identities/${encodeURIComponent(id)}`);
  const page = await signedIn();
  await page.getByLabel('An existing identity').check();
  await page.getByLabel('Identity ID', { exact: true }).fill(id);
  await page.getByLabel('Chat chat').check();
  await page.getByRole('button', { name: 'Generate' }).click();
  const error = page.locator('#gen-error');
  await error.waitFor();
  assert.match(await error.textContent(), /does not exist or has been deleted\. \(IdentityNotFound, HTTP 404\)/);
});

test('without a scope a new identity is created without a token', async () => {
  const page = await signedIn();
  const result = await generate(page);
  assert.match(result.id, /^8:acs:/);
  assert.equal(await page.locator('#res-token').isVisible(), false);
  assert.equal((await api('GET', `/identities/${encodeURIComponent(result.id)}`)).status, 200);
});

test('a custom ID gets the same identity each time (get-or-create) and is shown', async () => {
  const customId = `alice-${Date.now()}`;
  const page = await signedIn();
  await page.getByLabel('Custom ID').fill(customId);
  await page.getByLabel('Chat chat').check();
  const first = await generate(page);
  assert.equal(await page.locator('#res-custom').textContent(), customId);
  const second = await generate(page);
  assert.equal(second.id, first.id);
  assert.notEqual(second.token, first.token);
});
