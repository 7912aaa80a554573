import { strict as assert } from 'node:assert';
import { before, test } from 'node:test';
import { apiClient, createIdentity, idPath, issueToken, verify } from '../lib/api.js';
import { launch, openPortal, openView, signIn } from '../lib/browser.js';
import { WAITS_ON_DIRECTORY_API } from '../lib/pending.js';
import { startServer } from '../lib/server.js';

let browser;
let server;
let api;
before(async () => {
  [browser, server] = await Promise.all([launch(), startServer()]);
  api = apiClient(server);
});

async function identitiesView() {
  const page = await openPortal(browser, server);
  await signIn(page, server);
  await openView(page, 'Identities');
  return page;
}

async function search(page, text) {
  await page.getByLabel('Search', { exact: true }).fill(text);
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.waitForFunction(() => document.getElementById('id-summary').textContent !== 'Loading…');
}

const shownIds = (page) => page.locator('#id-rows tr[data-id]').evaluateAll((rows) => rows.map((r) => r.dataset.id));

function row(page, id) {
  return page.locator(`#id-rows tr[data-id="${id}"]`);
}

test('250 identities page through newest first, with their count, and back', WAITS_ON_DIRECTORY_API, async () => {
  const created = [];
  for (let i = 0; i < 250; i += 25) {
    // In batches, in order: creation order is what "newest first" shows.
    for (const { id } of await Promise.all(Array.from({ length: 25 }, () => createIdentity(api)))) created.push(id);
  }
  const page = await identitiesView();
  await page.getByLabel('Per page').selectOption('25');
  await page.waitForFunction(() => /of 250 identities/.test(document.getElementById('id-summary').textContent));
  assert.equal(await page.locator('#id-summary').textContent(), 'Showing 1–25 of 250 identities.');
  assert.equal(await page.locator('#id-page').textContent(), 'Page 1 of 10');
  const seen = [];
  for (let p = 1; p <= 10; p++) {
    seen.push(...(await shownIds(page)));
    if (p < 10) {
      await page.getByRole('button', { name: 'Next page' }).click();
      await page.waitForFunction((n) => document.getElementById('id-page').textContent.startsWith(`Page ${n} `), p + 1);
    }
  }
  assert.equal(await page.getByRole('button', { name: 'Next page' }).isDisabled(), true);
  assert.equal(new Set(seen).size, 250);
  const newestFirst = seen.filter((id) => created.includes(id));
  assert.equal(newestFirst.length, 250);
  // Identities made in one batch were created concurrently: compare batches.
  const batch = (id) => Math.floor(created.indexOf(id) / 25);
  for (let i = 1; i < newestFirst.length; i++) assert.ok(batch(newestFirst[i - 1]) >= batch(newestFirst[i]));
  await page.getByRole('button', { name: 'Previous page' }).click();
  assert.equal(await page.locator('#id-page').textContent(), 'Page 9 of 10');
  assert.deepEqual(await shownIds(page), seen.slice(200, 225));
  await page.getByLabel('Order').selectOption('asc');
  await page.waitForFunction(() => document.getElementById('id-page').textContent === 'Page 1 of 10');
  assert.ok(created.slice(0, 25).includes((await shownIds(page))[0]), 'oldest first');
});

test('search by identity ID shows that identity and when it last got a token', async () => {
  const { id } = await createIdentity(api, { scopes: ['chat'] });
  await issueToken(api, id);
  // Token times are written once a second.
  await new Promise((r) => setTimeout(r, 1500));
  const page = await identitiesView();
  await search(page, id);
  assert.deepEqual(await shownIds(page), [id]);
  const lastToken = row(page, id).locator('td[data-label="Last token issued"] time');
  const when = Date.parse(await lastToken.getAttribute('datetime'));
  assert.ok(Math.abs(Date.now() - when) < 60_000, 'the last token time is now');
  await search(page, id.replace(/.$/, (c) => (c === '0' ? '1' : '0')));
  assert.deepEqual(await shownIds(page), []);
  assert.match(await page.locator('#id-summary').textContent(), /No identity has this ID/);
});

test('search by custom ID finds that identity', WAITS_ON_DIRECTORY_API, async () => {
  const customId = `bob-${Date.now()}`;
  const { id } = await createIdentity(api, { customId });
  await createIdentity(api, { customId: `${customId}-other` });
  const page = await identitiesView();
  await search(page, customId);
  assert.deepEqual(await shownIds(page), [id]);
  assert.equal(await row(page, id).locator('td[data-label="Custom ID"]').textContent(), customId);
  assert.equal(await page.locator('#id-summary').textContent(), `Showing 1–1 of 1 identity with custom ID “${customId}”.`);
});

test('idle since a day lists the identities without a token since then', WAITS_ON_DIRECTORY_API, async () => {
  const { id: active } = await createIdentity(api, { scopes: ['chat'] });
  const { id: idle } = await createIdentity(api);
  await new Promise((r) => setTimeout(r, 1500));
  const page = await identitiesView();
  const day = (offset) => {
    const d = new Date(Date.now() + offset * 86_400_000);
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  };
  // Tomorrow: everything made today has been idle since. Today: nothing made today has.
  await page.getByLabel('Idle since').fill(day(1));
  await search(page, '');
  const ids = await shownIds(page);
  assert.ok(ids.includes(active) && ids.includes(idle));
  assert.match(await page.locator('#id-summary').textContent(), /idle since/);
  await page.getByLabel('Idle since').fill(day(0));
  await search(page, '');
  assert.deepEqual(await shownIds(page), []);
});

test('revoking asks, then a token issued before stops verifying while a new one works', async () => {
  const { id, token } = await createIdentity(api, { scopes: ['chat'] });
  const page = await identitiesView();
  await search(page, id);
  await row(page, id).getByRole('button', { name: 'Revoke tokens' }).click();
  const dialog = page.getByRole('dialog', { name: 'Revoke all tokens of this identity?' });
  assert.equal(await dialog.locator('#confirm-id').textContent(), id, 'the confirmation names the identity');
  await dialog.getByRole('button', { name: 'Revoke tokens' }).click();
  await row(page, id).getByText(/^Tokens revoked/).waitFor();
  assert.deepEqual(await verify(api, token), { valid: false, reason: 'revoked' });
  assert.equal((await verify(api, await issueToken(api, id))).valid, true);
});

test('deleting asks with the identity named; cancel keeps it, confirm deletes it at once', async () => {
  const { id, token } = await createIdentity(api, { scopes: ['voip'] });
  const page = await identitiesView();
  await search(page, id);
  await row(page, id).getByRole('button', { name: 'Delete' }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete this identity?' });
  assert.equal(await dialog.locator('#confirm-id').textContent(), id);
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  assert.equal((await api('GET', idPath(id))).status, 200, 'cancel deletes nothing');
  await row(page, id).getByRole('button', { name: 'Delete' }).click();
  await dialog.getByRole('button', { name: 'Delete identity' }).click();
  await row(page, id).getByText('Deleted', { exact: true }).waitFor();
  assert.equal(await row(page, id).getByRole('button', { name: 'Revoke tokens' }).isDisabled(), true);
  assert.equal((await api('GET', idPath(id))).status, 404);
  assert.deepEqual(await verify(api, token), { valid: false, reason: 'deleted' });
});

test('Issue token on a row opens Generate for that identity', async () => {
  const { id } = await createIdentity(api);
  const page = await identitiesView();
  await search(page, id);
  await row(page, id).getByRole('button', { name: 'Issue token' }).click();
  await page.getByRole('heading', { name: 'Generate an identity and an access token' }).waitFor();
  assert.equal(await page.getByLabel('Identity ID', { exact: true }).inputValue(), id);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'scope-chat', 'focus is on the first scope');
  await page.keyboard.press('Space');
  await page.getByRole('button', { name: 'Generate' }).click();
  await page.getByRole('heading', { name: 'Generated' }).waitFor();
  assert.equal(await page.locator('#res-id').textContent(), id);
});
