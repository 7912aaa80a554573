// Identities: a paged table from the list operation, its count, a search
// that runs as people type (the start of a custom ID, with the list's
// customIdPrefix filter, in custom ID order; or a whole identity ID, with
// the get operation), and an "idle since" filter. A list answer may be
// short, even empty, while a nextLink says more follow (deleted or
// filtered-out rows were skipped), so pages are filled from the nextLinks;
// pages already seen are kept for "Previous".

import { call, follow, identityPath } from './api.js';
import { $, announce, el, showError, times } from './dom.js';
import { renderRows } from './identity-rows.js';
import { IDENTITY_ID, customIdProblem, explain, identityIdProblem } from './messages.js';

// Bounds the requests one page may take, whatever the server answers.
const MAX_REQUESTS_PER_PAGE = 20;
// Identities asked for per request: a few pages' worth, fewer requests.
const FETCH_SIZE = 100;
// The search runs once typing pauses this long.
const TYPING_PAUSE_MS = 300;

// The Order choices: by creation, or by custom ID while searching by one.
const ORDERS = {
  created: [
    ['desc', 'Newest first'],
    ['asc', 'Oldest first'],
  ],
  customId: [
    ['asc', 'A to Z'],
    ['desc', 'Z to A'],
  ],
};

let state = null;
let handlers = null;
let typing = null;
// The order by creation to come back to after a search by custom ID.
let createdOrder = 'desc';

function syncOrder(byCustomId) {
  const select = $('id-order');
  const kind = byCustomId ? 'customId' : 'created';
  if ((select.dataset.kind || 'created') === kind) return;
  if (byCustomId) createdOrder = select.value;
  select.replaceChildren(...ORDERS[kind].map(([value, text]) => el('option', { value }, text)));
  select.value = byCustomId ? 'asc' : createdOrder;
  select.dataset.kind = kind;
}

function filters() {
  const search = $('id-search').value.trim();
  const idle = $('id-idle').value;
  // A whole identity ID is looked up; anything else is the start of a custom ID.
  const byId = IDENTITY_ID.test(search);
  const prefix = search && !byId ? search : undefined;
  syncOrder(Boolean(prefix));
  return {
    search,
    byId,
    prefix,
    idle,
    problem: prefix ? customIdProblem(prefix, 'The start of a custom ID') : null,
    query: {
      customIdPrefix: prefix,
      // The start of that day, local time.
      lastTokenIssuedBefore: idle ? new Date(`${idle}T00:00:00`).toISOString() : undefined,
    },
    order: $('id-order').value,
    pageSize: Number($('id-page-size').value),
  };
}

/** What a load asks for: the same twice need not run twice. */
const asked = (f) => JSON.stringify([f.search, f.idle, f.order, f.pageSize]);

function describe(s) {
  const parts = [];
  if (s.f.prefix) parts.push(`whose custom ID starts with “${s.f.prefix}”`);
  if (s.f.idle) parts.push(`idle since ${times(`${s.f.idle}T00:00:00`).date.toLocaleDateString()}`);
  return parts.length ? ` ${parts.join(', ')}` : '';
}

function render() {
  renderRows($('id-rows'), state.pages[state.index] || [], handlers);
  renderSummary();
}

/** Why nothing was found, in words. */
function nothing(s) {
  if (s.missingId) return 'No identity has this ID: it does not exist or was deleted.';
  if (!s.f.prefix) return `No identities${describe(s)}.`;
  let text = `No identity${describe(s)}.`;
  // Someone may have meant an identity ID: say what one looks like.
  if (s.f.prefix.startsWith('8:')) text += ` ${identityIdProblem(s.f.prefix)}`;
  return text;
}

function renderSummary() {
  const s = state;
  const rows = s.pages[s.index] || [];
  const first = s.index * s.f.pageSize + 1;
  const noun = s.count === 1 ? 'identity' : 'identities';
  const more = s.nextLink && !s.buffer.length && rows.length < s.f.pageSize;
  let summary;
  if (s.found) summary = 'The identity with this ID.';
  else if (!rows.length) summary = more ? 'None found yet: Next page looks further.' : nothing(s);
  else if (s.count === null) summary = `Showing ${first}–${first + rows.length - 1}${describe(s)}.`;
  else summary = `Showing ${first}–${first + rows.length - 1} of ${s.count} ${noun}${describe(s)}.`;
  $('id-summary').textContent = summary;
  // A search by ID answers one identity, or none: no pages.
  $('id-pager').hidden = Boolean(s.found);
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
    return 'This server cannot list identities. Searching by a whole identity ID still works.';
  }
  return explain(error);
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

/** The identity with the ID searched for; else those whose custom ID starts with it. */
async function lookup(s) {
  let identity;
  try {
    identity = await call('GET', identityPath(s.f.search));
  } catch (e) {
    if (s !== state) return;
    if (e.status !== 404) return failed(s, explain(e));
    // A custom ID may look like anything, an identity ID too.
    s.missingId = true;
    s.f = { ...s.f, prefix: s.f.search, query: { ...s.f.query, customIdPrefix: s.f.search } };
    await Promise.all([nextPage(), count(s)]);
    return;
  }
  if (s !== state) return;
  s.pages.push([identity]);
  s.found = true;
  s.count = 1;
  s.index = 0;
  render();
}

/** Lists from the first page with the current filters. */
export async function load() {
  clearTimeout(typing);
  const f = filters();
  const s = { f, pages: [], index: -1, buffer: [], nextLink: null, started: false, count: null };
  state = s;
  showError($('id-error'), f.problem || '');
  $('id-rows').replaceChildren();
  $('id-prev').disabled = true;
  $('id-next').disabled = true;
  if (f.problem) {
    // Nothing is sent: the page can tell no custom ID starts like that.
    $('id-summary').textContent = '';
    return;
  }
  $('id-summary').textContent = 'Loading…';
  if (f.byId) return lookup(s);
  await Promise.all([nextPage(), count(s)]);
}

/** After a pause in typing: the search, unless it asks for what is shown. */
function typed() {
  clearTimeout(typing);
  typing = setTimeout(() => {
    if (!state || asked(state.f) !== asked(filters())) load();
  }, TYPING_PAUSE_MS);
}

/** Every filter back to how the page starts: no search, newest first. */
function clearFilters() {
  $('id-filters').reset();
  syncOrder(false);
  createdOrder = 'desc';
  $('id-order').value = createdOrder;
}

export function reset() {
  clearTimeout(typing);
  state = null;
  clearFilters();
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
  $('id-search').addEventListener('input', typed);
  $('id-idle').addEventListener('change', load);
  $('id-order').addEventListener('change', load);
  $('id-page-size').addEventListener('change', load);
  $('id-clear').addEventListener('click', () => {
    clearFilters();
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
