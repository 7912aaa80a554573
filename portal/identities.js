// Identities: a paged table from the list operation, its count, search by
// identity ID (the get operation) or custom ID (the list's customId
// filter), and an "idle since" filter. A list answer may be short, even
// empty, while a nextLink says more follow (deleted or filtered-out rows
// were skipped), so pages are filled from the nextLinks; pages already
// seen are kept for "Previous".

import { call, follow, identityPath } from './api.js';
import { $, announce, errorText, showError, times } from './dom.js';
import { renderRows } from './identity-rows.js';

// Bounds the requests one page may take, whatever the server answers.
const MAX_REQUESTS_PER_PAGE = 20;
// Identities asked for per request: a few pages' worth, fewer requests.
const FETCH_SIZE = 100;

let state = null;
let handlers = null;

function filters() {
  const search = $('id-search').value.trim();
  const idle = $('id-idle').value;
  return {
    search,
    // An ID is looked up first; a custom ID may look like anything.
    byId: search.startsWith('8:'),
    idle,
    query: {
      customId: search || undefined,
      // The start of that day, local time.
      lastTokenIssuedBefore: idle ? new Date(`${idle}T00:00:00`).toISOString() : undefined,
    },
    order: $('id-order').value,
    pageSize: Number($('id-page-size').value),
  };
}

function describe(s) {
  const parts = [];
  if (s.f.query.customId) parts.push(`with custom ID “${s.f.query.customId}”`);
  if (s.f.idle) parts.push(`idle since ${times(`${s.f.idle}T00:00:00`).date.toLocaleDateString()}`);
  return parts.length ? ` ${parts.join(', ')}` : '';
}

function render() {
  renderRows($('id-rows'), state.pages[state.index] || [], handlers);
  renderSummary();
}

function renderSummary() {
  const s = state;
  const rows = s.pages[s.index] || [];
  const first = s.index * s.f.pageSize + 1;
  const noun = s.count === 1 ? 'identity' : 'identities';
  const more = s.nextLink && !s.buffer.length && rows.length < s.f.pageSize;
  let summary;
  if (s.found) summary = 'The identity with this ID.';
  else if (s.notFound) summary = s.notFound;
  else if (!rows.length) summary = more ? 'None found yet: Next page looks further.' : `No identities${describe(s)}.`;
  else if (s.count === null) summary = `Showing ${first}–${first + rows.length - 1}${describe(s)}.`;
  else summary = `Showing ${first}–${first + rows.length - 1} of ${s.count} ${noun}${describe(s)}.`;
  $('id-summary').textContent = summary;
  // A search by ID answers one identity, or none: no pages.
  $('id-pager').hidden = s.f.byId;
  const pages = s.count === null ? null : Math.max(1, Math.ceil(s.count / s.f.pageSize));
  $('id-page').textContent = pages ? `Page ${s.index + 1} of ${pages}` : `Page ${s.index + 1}`;
  $('id-prev').disabled = s.index <= 0;
  $('id-next').disabled = s.index + 1 >= s.pages.length && !s.buffer.length && !s.nextLink;
}

/** Reads nextLinks until a page's worth is buffered or the list ends. */
async function fill(s) {
  for (let requests = 0; requests < MAX_REQUESTS_PER_PAGE; requests++) {
    if (s.buffer.length >= s.f.pageSize || (s.started && !s.nextLink)) return;
    const page = s.started
      ? await follow(s.nextLink)
      : await call('GET', '/identities', {
          query: { ...s.f.query, order: s.f.order, maxPageSize: Math.max(s.f.pageSize, FETCH_SIZE) },
        });
    s.started = true;
    s.buffer.push(...((page && page.value) || []));
    s.nextLink = (page && page.nextLink) || null;
  }
}

function listError(error) {
  if (error.status === 404 || error.status === 405) {
    return `This server cannot list identities: ${errorText(error)}. Searching by identity ID still works.`;
  }
  return errorText(error);
}

function failed(s, message) {
  if (s !== state) return;
  showError($('id-error'), message);
  $('id-summary').textContent = '';
}

async function nextPage() {
  const s = state;
  if (s.index + 1 >= s.pages.length) {
    try {
      await fill(s);
    } catch (e) {
      failed(s, listError(e));
      return;
    }
    if (s !== state) return;
    if (s.index >= 0 && !s.buffer.length && !s.nextLink) {
      // The count promised more, but they were deleted meanwhile.
      $('id-next').disabled = true;
      announce('There are no more identities.');
      return;
    }
    s.pages.push(s.buffer.splice(0, s.f.pageSize));
  }
  s.index += 1;
  render();
}

async function count(s) {
  try {
    const answer = await call('GET', '/identities/:count', { query: s.f.query });
    s.count = typeof answer.count === 'number' ? answer.count : null;
  } catch {
    s.count = null;
  }
  if (s === state && s.index >= 0) renderSummary();
}

/** The identity with the ID searched for; else the identity with it as custom ID. */
async function lookup(s) {
  try {
    s.pages.push([await call('GET', identityPath(s.f.search))]);
    s.found = true;
  } catch (e) {
    if (e.status !== 404 && e.status !== 400) return failed(s, errorText(e));
    const byCustomId = await call('GET', '/identities', { query: { ...s.f.query, maxPageSize: 1 } }).catch(
      () => null,
    );
    if (s !== state) return;
    const match = byCustomId && byCustomId.value && byCustomId.value[0];
    if (match) s.pages.push([match]);
    else if (e.status === 400) return failed(s, errorText(e));
    else {
      s.pages.push([]);
      s.notFound = 'No identity has this ID: it does not exist or was deleted.';
    }
    s.count = match ? 1 : 0;
  }
  if (s !== state) return;
  s.index = 0;
  render();
}

/** Lists from the first page with the current filters. */
export async function load() {
  const s = { f: filters(), pages: [], index: -1, buffer: [], nextLink: null, started: false, count: null };
  state = s;
  showError($('id-error'), '');
  $('id-rows').replaceChildren();
  $('id-summary').textContent = 'Loading…';
  $('id-prev').disabled = true;
  $('id-next').disabled = true;
  if (s.f.byId) return lookup(s);
  await Promise.all([nextPage(), count(s)]);
}

export function reset() {
  state = null;
  $('id-filters').reset();
  $('id-rows').replaceChildren();
  $('id-summary').textContent = '';
  showError($('id-error'), '');
}

export function init(actions) {
  handlers = {
    issue: actions.issue,
    deleted() {
      if (state && state.count) {
        state.count -= 1;
        renderSummary();
      }
    },
  };
  $('id-filters').addEventListener('submit', (event) => {
    event.preventDefault();
    load();
  });
  $('id-order').addEventListener('change', load);
  $('id-page-size').addEventListener('change', load);
  $('id-clear').addEventListener('click', () => {
    $('id-filters').reset();
    load();
  });
  $('id-next').addEventListener('click', () => state && nextPage());
  $('id-prev').addEventListener('click', () => {
    if (state && state.index > 0) {
      state.index -= 1;
      render();
    }
  });
}
