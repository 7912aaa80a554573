// The Identities view, as the tests of its table use it.

import { openPortal, openView, signIn } from './browser.js';

/** A new tab, signed in to `server`, on Identities (at the desktop size unless `viewport` says). */
export async function identitiesView(browser, server, viewport = undefined) {
  const page = await openPortal(browser, server, viewport);
  await signIn(page, server);
  await openView(page, 'Identities');
  return page;
}

/** Searches for `text` and waits for the answer. */
export async function search(page, text) {
  await page.getByLabel('Search', { exact: true }).fill(text);
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await loaded(page);
}

export function loaded(page) {
  return page.waitForFunction(() => document.getElementById('id-summary').textContent !== 'Loading…');
}

/** The identity IDs the table shows, in its order. */
export const shownIds = (page) =>
  page.locator('#id-rows tr[data-id]').evaluateAll((rows) => rows.map((r) => r.dataset.id));

export const row = (page, id) => page.locator(`#id-rows tr[data-id="${id}"]`);

/** The badge in a row's Identity cell: "Deleted", "Tokens revoked …". */
export const rowStatus = (page, id) => row(page, id).locator('td[data-label="Identity"] .badge');

/** On a phone, where a row is one line, opens it (a tap); elsewhere rows are open. */
export async function openRow(page, id) {
  const line = row(page, id).locator('button.line');
  if ((await line.isVisible()) && (await line.getAttribute('aria-expanded')) !== 'true') await line.click();
}

/** Types `text` into Search key by key, as a person does, without pressing Search. */
export async function typeSearch(page, text, delay = 20) {
  const field = page.getByLabel('Search', { exact: true });
  await field.fill('');
  await field.pressSequentially(text, { delay });
}

/** Waits until the summary under the filters matches `pattern`. */
export function summary(page, pattern) {
  return page.waitForFunction(
    ([source, flags]) => new RegExp(source, flags).test(document.getElementById('id-summary').textContent),
    [pattern.source, pattern.flags],
  );
}

/** Goes to page `n` with Next page. */
export async function nextPage(page, n) {
  await page.getByRole('button', { name: 'Next page' }).click();
  await page.waitForFunction((p) => document.getElementById('id-page').textContent.startsWith(`Page ${p} `), n);
}

/** `count` identities, created `batch` at a time, in order: { id } each. */
export async function createMany(create, count, batch = 25) {
  const created = [];
  for (let i = 0; i < count; i += batch) {
    const n = Math.min(batch, count - i);
    for (const { id } of await Promise.all(Array.from({ length: n }, () => create()))) created.push(id);
  }
  return created;
}
