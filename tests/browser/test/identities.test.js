import { strict as assert } from 'node:assert';
import { before, test } from 'node:test';
import { apiClient, createIdentity, idPath, issueToken, verify } from '../lib/api.js';
import { launch } from '../lib/browser.js';
import { identitiesView as openIdentities, row, search, shownIds } from '../lib/identities.js';
import { startServer } from '../lib/server.js';

let browser;
let server;
let api;
before(async () => {
  [browser, server] = await Promise.all([launch(), startServer()]);
  api = apiClient(server);
});

const identitiesView = () => openIdentities(browser, server);

test('search by identity ID shows that identity, when it was created and when it last got a token', async () => {
  const { id } = await createIdentity(api, { scopes: ['chat'] });
  await issueToken(api, id);
  // Token times are written once a second.
  await new Promise((r) => setTimeout(r, 1500));
  const page = await identitiesView();
  await search(page, id);
  assert.deepEqual(await shownIds(page), [id]);
  for (const column of ['Created', 'Last token issued']) {
    const time = row(page, id).locator(`td[data-label="${column}"] time`);
    const when = Date.parse(await time.getAttribute('datetime'));
    assert.ok(Math.abs(Date.now() - when) < 60_000, `${column} is now`);
  }
  await search(page, id.replace(/.$/, (c) => (c === '0' ? '1' : '0')));
  assert.deepEqual(await shownIds(page), []);
  assert.match(await page.locator('#id-summary').textContent(), /No identity has this ID/);
});

test('search by custom ID finds that identity', async () => {
  const customId = `bob-${Date.now()}`;
  const { id } = await createIdentity(api, { customId });
  await createIdentity(api, { customId: `${customId}-other` });
  const page = await identitiesView();
  await search(page, customId);
  assert.deepEqual(await shownIds(page), [id]);
  assert.equal(await row(page, id).locator('td[data-label="Custom ID"]').textContent(), customId);
  assert.equal(await page.locator('#id-summary').textContent(), `Showing 1–1 of 1 identity with custom ID “${customId}”.`);
});

test('a custom ID that looks like an identity ID is found too', async () => {
  const customId = `8:legacy:${Date.now()}`;
  const { id } = await createIdentity(api, { customId });
  const page = await identitiesView();
  await search(page, customId);
  assert.deepEqual(await shownIds(page), [id]);
  assert.equal(await page.locator('#id-summary').textContent(), `Showing 1–1 of 1 identity with custom ID “${customId}”.`);
});

test('idle since a day lists the identities without a token since then', async () => {
  const { id: active } = await createIdentity(api, { scopes: ['chat'] });
  const { id: idle } = await createIdentity(api);
  await new Promise((r) => setTimeout(r, 1500));
  const page = await identitiesView();
  // The day in the browser's time zone, which the page reads the date in.
  const day = (offset) =>
    page.evaluate((o) => {
      const d = new Date(Date.now() + o * 86_400_000);
      return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
    }, offset);
  // Tomorrow: everything made today has been idle since. Today: nothing made today has.
  await page.getByLabel('Idle since').fill(await day(1));
  await search(page, '');
  const ids = await shownIds(page);
  assert.ok(ids.includes(active) && ids.includes(idle));
  assert.match(await page.locator('#id-summary').textContent(), /idle since/);
  await page.getByLabel('Idle since').fill(await day(0));
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
