import { strict as assert } from 'node:assert';
import { before, test } from 'node:test';
import { apiClient, createIdentity, idPath, issueToken, verify } from '../lib/api.js';
import { apiRequests, assertAccessible, launch } from '../lib/browser.js';
import {
  createMany,
  nextPage,
  identitiesView as openIdentities,
  row,
  rowStatus,
  search,
  shownIds,
  summary,
  typeSearch,
} from '../lib/identities.js';
import { startServer } from '../lib/server.js';

let browser;
let server;
let api;
before(async () => {
  [browser, server] = await Promise.all([launch(), startServer()]);
  api = apiClient(server);
});

const identitiesView = () => openIdentities(browser, server);

test('a whole identity ID typed or pasted jumps to that identity, when it was created and when it last got a token', async () => {
  const { id } = await createIdentity(api, { scopes: ['chat'] });
  await issueToken(api, id);
  // Token times are written once a second.
  await new Promise((r) => setTimeout(r, 1500));
  const page = await identitiesView();
  // Pasted, without pressing Search.
  await page.getByLabel('Search', { exact: true }).fill(id);
  await summary(page, /^The identity with this ID\.$/);
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

test('typing the start of a custom ID lists the identities whose custom ID starts with it, A to Z, as people type', async () => {
  const stamp = Date.now();
  const wanted = [`team${stamp}-oslo`, `team${stamp}`, `team${stamp}-berlin`, `team${stamp}-lisbon`];
  const ids = {};
  for (const customId of [...wanted, `Team${stamp}-upper`, `tea${stamp}`, `other${stamp}`]) {
    ids[customId] = (await createIdentity(api, { customId })).id;
  }
  const page = await identitiesView();
  await summary(page, /^Showing/);
  const sent = apiRequests(page);
  const typed = `team${stamp}`;
  await typeSearch(page, typed);
  await summary(page, new RegExp(`^Showing 1–4 of 4 identities whose custom ID starts with “${typed}”\\.$`));
  // The exact match first, then by character code: '-b' < '-l' < '-o'; case counts.
  const inOrder = [`team${stamp}`, `team${stamp}-berlin`, `team${stamp}-lisbon`, `team${stamp}-oslo`];
  assert.deepEqual(await shownIds(page), inOrder.map((c) => ids[c]));
  assert.equal(await page.getByLabel('Order').inputValue(), 'asc');
  assert.deepEqual(
    await page.getByLabel('Order').locator('option').allTextContents(),
    ['A to Z', 'Z to A'],
    'while searching by custom ID, the order is by custom ID',
  );
  const lists = sent.filter((r) => r.startsWith('GET') && r.includes('/identities?'));
  assert.ok(lists.length < typed.length, `one search per pause in typing, not per key: ${lists.join('\n')}`);
  assert.ok(lists.at(-1).includes(`customIdPrefix=${typed}&`), lists.at(-1));
  await assertAccessible(page, 'a search by custom ID');
  await page.getByLabel('Order').selectOption({ label: 'Z to A' });
  await summary(page, /^Showing 1–4 of 4/);
  assert.deepEqual(await shownIds(page), [...inOrder].reverse().map((c) => ids[c]));
  // Clearing the search comes back to the list by creation, newest first.
  await page.getByRole('button', { name: 'Clear' }).click();
  await summary(page, /^Showing 1–/);
  assert.deepEqual(await page.getByLabel('Order').locator('option').allTextContents(), ['Newest first', 'Oldest first']);
  assert.equal(await page.getByLabel('Order').inputValue(), 'desc');
});

test('a search by custom ID pages A to Z through nextLinks, with its count', async () => {
  const stamp = Date.now();
  const made = {};
  await createMany(async () => {
    const n = Object.keys(made).length;
    const customId = `page${stamp}-${String(n).padStart(2, '0')}`;
    made[customId] = null;
    made[customId] = (await createIdentity(api, { customId })).id;
    return { id: made[customId] };
  }, 23);
  const page = await identitiesView();
  await page.getByLabel('Per page').selectOption('10');
  await typeSearch(page, `page${stamp}-`);
  await summary(page, /^Showing 1–10 of 23 identities whose custom ID starts with/);
  assert.equal(await page.locator('#id-page').textContent(), 'Page 1 of 3');
  const seen = [...(await shownIds(page))];
  await nextPage(page, 2);
  seen.push(...(await shownIds(page)));
  await nextPage(page, 3);
  seen.push(...(await shownIds(page)));
  assert.equal(await page.locator('#id-summary').textContent(), `Showing 21–23 of 23 identities whose custom ID starts with “page${stamp}-”.`);
  const byCustomId = Object.keys(made).sort().map((c) => made[c]);
  assert.deepEqual(seen, byCustomId);
});

test('a custom ID that looks like an identity ID is found too', async () => {
  const customId = `8:legacy:${Date.now()}`;
  const { id } = await createIdentity(api, { customId });
  const page = await identitiesView();
  await search(page, customId);
  assert.deepEqual(await shownIds(page), [id]);
  assert.equal(
    await page.locator('#id-summary').textContent(),
    `Showing 1–1 of 1 identity whose custom ID starts with “${customId}”.`,
  );
});

test('text that is not an identity ID and starts no custom ID says what an identity ID looks like', async () => {
  const page = await identitiesView();
  await summary(page, /^Showing|^No identities/);
  const sent = apiRequests(page);
  await typeSearch(page, '8:acs:nope');
  await summary(page, /^No identity whose custom ID starts with “8:acs:nope”\. This is not a whole identity ID/);
  assert.equal(await page.locator('#id-error').isVisible(), false, 'no error of the server');
  assert.ok(!sent.some((r) => r.includes('/identities/8:acs:nope')), 'it was not looked up as an ID');
  await typeSearch(page, 'nobody-has-this');
  await summary(page, /^No identity whose custom ID starts with “nobody-has-this”\.$/);
  // A tab cannot be in a custom ID: said at once, nothing sent.
  sent.length = 0;
  await page.getByLabel('Search', { exact: true }).fill('a\tb');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  assert.equal(
    await page.locator('#id-error').textContent(),
    'The start of a custom ID cannot contain tabs, line breaks or other control characters.',
  );
  await new Promise((r) => setTimeout(r, 500));
  assert.deepEqual(sent, []);
  await assertAccessible(page, 'a search with an input error');
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
  await rowStatus(page, id).getByText(/^Tokens revoked/).waitFor();
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
  await rowStatus(page, id).getByText('Deleted', { exact: true }).waitFor();
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
