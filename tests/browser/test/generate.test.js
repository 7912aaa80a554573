import { strict as assert } from 'node:assert';
import { before, test } from 'node:test';
import { apiClient, createIdentity, verify } from '../lib/api.js';
import { apiRequests, assertAccessible, clipboard, launch, openPortal, signIn } from '../lib/browser.js';
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
    // "Copied" shows beside the button, whose name stays "Copy …" and so
    // holds the word it shows; screen readers hear it from the live region.
    const note = button.locator('xpath=following-sibling::*[1]');
    assert.equal(await note.textContent(), 'Copied');
    assert.equal(await note.isVisible(), true);
    assert.equal(await button.evaluate((b) => b.firstChild.textContent), 'Copy', 'it still shows Copy');
    await assertAccessible(page, `right after copying the ${what}`);
    await page.waitForFunction(
      (w) => document.getElementById('status').textContent === `Copied the ${w} to the clipboard.`,
      what,
    );
  }
  // Two seconds later the note is gone.
  await page.locator('.copy-note').first().waitFor({ state: 'hidden' });
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

test('a deleted identity is reported in words, not in the API’s codes', async () => {
  const { id } = await createIdentity(api);
  await api('DELETE', `/identities/${encodeURIComponent(id)}`);
  const page = await signedIn();
  await page.getByLabel('An existing identity').check();
  await page.getByLabel('Identity ID', { exact: true }).fill(id);
  await page.getByLabel('Chat chat').check();
  await page.getByRole('button', { name: 'Generate' }).click();
  const error = page.locator('#gen-error');
  await error.waitFor();
  assert.equal(await error.textContent(), 'No identity has this ID: it does not exist or was deleted.');
});

test('what is not an identity ID is said so before anything is sent', async () => {
  const page = await signedIn();
  const sent = apiRequests(page);
  await page.getByLabel('An existing identity').check();
  await page.getByLabel('Chat chat').check();
  const { id } = await createIdentity(api);
  for (const [input, expected] of [
    ['alice', 'This is not an identity ID: they start with 8:acs:.'],
    ['8:acs:nope', /^This is not a whole identity ID: after 8:acs: come two GUIDs joined by _/],
    [`${id}x`, /^This is not a whole identity ID/],
    [id.replace('_', '__'), /^This is not a whole identity ID/],
    ['8:orgid:4ccc92c8-9815-4422-bddc-ceea181dc774', /^This is not an identity of this service: it starts with 8:orgid:/],
  ]) {
    await page.getByLabel('Identity ID', { exact: true }).fill(input);
    await page.getByRole('button', { name: 'Generate' }).click();
    const text = await page.locator('#gen-error').textContent();
    if (typeof expected === 'string') assert.equal(text, expected, input);
    else assert.match(text, expected, input);
  }
  await assertAccessible(page, 'Generate with an input error');
  assert.deepEqual(sent, [], 'nothing was sent');
});

test('a custom ID with a control character or over 256 characters is refused before anything is sent', async () => {
  const page = await signedIn();
  const sent = apiRequests(page);
  for (const [input, expected] of [
    ['tab\there', 'A custom ID cannot contain tabs, line breaks or other control characters.'],
    ['é'.repeat(257), 'A custom ID has at most 256 characters; this one has 257.'],
  ]) {
    await page.getByLabel('Custom ID').fill(input);
    await page.getByRole('button', { name: 'Generate' }).click();
    assert.equal(await page.locator('#gen-error').textContent(), expected);
  }
  assert.deepEqual(sent, [], 'nothing was sent');
  // 256 characters are a custom ID.
  await page.getByLabel('Custom ID').fill('é'.repeat(256));
  const result = await generate(page);
  assert.equal(await page.locator('#res-custom').textContent(), 'é'.repeat(256));
  assert.match(result.id, /^8:acs:/);
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
  assert.equal(await page.locator('#res-existing').isVisible(), false, 'a new identity');
  const second = await generate(page);
  assert.equal(second.id, first.id);
  assert.notEqual(second.token, first.token);
  assert.equal(await page.locator('#res-existing').isVisible(), true, 'the second time, it existed');
});

test('a custom ID already taken says “Existing identity, created” and when, for a token or none', async () => {
  const customId = `dana-${Date.now()}@contoso.example`;
  const { id } = await createIdentity(api, { customId });
  const listed = await api('GET', `/identities?customId=${encodeURIComponent(customId)}`);
  const createdAt = new Date(listed.body.value[0].createdAt);
  const page = await signedIn();
  await page.getByLabel('Custom ID').fill(customId);
  await page.getByLabel('Chat chat').check();
  const result = await generate(page);
  assert.equal(result.id, id);
  assert.equal((await verify(api, result.token)).identity.id, id);
  const notice = page.locator('#res-existing');
  assert.match(await notice.innerText(), /^Existing identity, created .+\. The custom ID was taken already/);
  const since = page.locator('#res-existing-since');
  assert.equal(await since.getAttribute('datetime'), createdAt.toISOString().replace(/\.\d{3}Z$/, 'Z'));
  assert.equal(
    await since.textContent(),
    createdAt.toLocaleString('en-US', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'America/New_York' }),
    'in the browser’s time zone',
  );
  await page.waitForFunction(() =>
    document.getElementById('status').textContent.startsWith('Generated an access token for an existing identity, created'),
  );
  await assertAccessible(page, 'the result for an existing identity');
  // Without a scope: the existing identity, and no token.
  await page.getByLabel('Chat chat').uncheck();
  await generate(page);
  assert.equal(await notice.isVisible(), true);
  assert.equal(await page.locator('#res-token').isVisible(), false);
  // Another custom ID: a new identity, no notice.
  await page.getByLabel('Custom ID').fill(`${customId}-new`);
  await generate(page);
  assert.equal(await notice.isVisible(), false);
});
