import { strict as assert } from 'node:assert';
import { before, test } from 'node:test';
import { apiClient, createIdentity, idPath } from '../lib/api.js';
import { launch } from '../lib/browser.js';
import { createMany, identitiesView, nextPage, shownIds } from '../lib/identities.js';
import { startServer } from '../lib/server.js';

let browser;
before(async () => {
  browser = await launch();
});

/** A server of its own: the counts below are exact. */
async function serverWith(count) {
  const server = await startServer();
  const api = apiClient(server);
  return { server, api, created: await createMany(() => createIdentity(api), count) };
}

test('250 identities page through newest first, with their count, and back', async () => {
  const { server, created } = await serverWith(250);
  const page = await identitiesView(browser, server);
  await page.getByLabel('Per page').selectOption('25');
  await page.waitForFunction(() => /of 250 identities/.test(document.getElementById('id-summary').textContent));
  assert.equal(await page.locator('#id-summary').textContent(), 'Showing 1–25 of 250 identities.');
  assert.equal(await page.locator('#id-page').textContent(), 'Page 1 of 10');
  const seen = [];
  for (let p = 1; p <= 10; p++) {
    seen.push(...(await shownIds(page)));
    if (p < 10) await nextPage(page, p + 1);
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

test('deleted identities make the API answer empty and short pages, and the table still shows full ones', async () => {
  const { server, api, created } = await serverWith(250);
  // The 150 newest go: a page of the API reads a bounded number of rows,
  // deleted ones included, so the first answer is empty, the next short.
  const deleted = created.slice(100);
  for (let i = 0; i < deleted.length; i += 25) {
    await Promise.all(deleted.slice(i, i + 25).map((id) => api('DELETE', idPath(id))));
  }
  const first = await api('GET', '/identities?order=desc');
  assert.equal(first.body.value.length, 0, 'the API answers an empty page first');
  assert.ok(first.body.nextLink, 'with a nextLink');
  const page = await identitiesView(browser, server);
  await page.waitForFunction(() => /of 100 identities/.test(document.getElementById('id-summary').textContent));
  assert.equal(await page.locator('#id-summary').textContent(), 'Showing 1–25 of 100 identities.');
  const seen = [];
  for (let p = 1; p <= 4; p++) {
    const ids = await shownIds(page);
    assert.equal(ids.length, 25, `page ${p} is full`);
    seen.push(...ids);
    if (p < 4) await nextPage(page, p + 1);
  }
  assert.equal(await page.getByRole('button', { name: 'Next page' }).isDisabled(), true);
  assert.deepEqual(new Set(seen), new Set(created.slice(0, 100)), 'every live identity once, no deleted one');
});
