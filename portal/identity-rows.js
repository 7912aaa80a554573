// One table row per identity, with its actions: issue a token, revoke its
// tokens, delete it. Revoked and deleted states show in the row at once.
// On a phone each row is one line (its custom ID, or its ID, and when it
// was created), a button that shows the rest of the row.

import { call, identityPath } from './api.js';
import {
  $,
  announce,
  confirmAction,
  copyButton,
  el,
  idParts,
  showError,
  times,
  timeElement,
} from './dom.js';
import { explain } from './messages.js';
import { can } from './rights.js';

let rowCount = 0;

/** When it was created: the list says; the get does not, but commid's IDs end in a version 7 GUID, which starts with it. */
function created(identity) {
  if (identity.createdAt) return identity.createdAt;
  const v7 = /_([0-9a-f]{8})-([0-9a-f]{4})-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/i.exec(identity.id);
  return v7 ? new Date(parseInt(v7[1] + v7[2], 16)).toISOString() : null;
}

function cell(label, ...children) {
  return el('td', { 'data-label': label }, ...children);
}

/** What happened to the identity here: revoked, deleted (also on the row's line on a phone). */
function showState(identity, status, row) {
  const line = row.querySelector('.line-state');
  if (identity.deleted) {
    status.textContent = 'Deleted';
    status.className = 'badge bad';
    row.classList.add('deleted');
    for (const button of row.querySelectorAll('.actions button')) button.disabled = true;
  } else if (identity.revokedAt) {
    status.textContent = `Tokens revoked ${times(identity.revokedAt).short}`;
    status.className = 'badge warn';
  }
  status.hidden = !status.textContent;
  line.textContent = identity.deleted ? 'Deleted' : identity.revokedAt ? 'Revoked' : '';
  line.className = `line-state badge ${identity.deleted ? 'bad' : 'warn'}`;
  line.hidden = !line.textContent;
}

/** Without a custom ID: the identity's own part of its ID (the resource's is the same on every line). */
function shortId(id) {
  const own = id.slice(id.lastIndexOf('_') + 1);
  return el('span', { class: 'line-id' }, el('span', { class: 'visually-hidden' }, 'Identity '), `…${own}`);
}

/** The row's line on a phone: a button that opens the rest of the row. */
function line(identity, tr) {
  const made = times(created(identity));
  const toggle = el(
    'button',
    { type: 'button', class: 'line', 'aria-expanded': 'false' },
    el('span', { class: 'line-name' }, identity.customId || shortId(identity.id)),
    el('span', { class: 'line-state', hidden: true }),
    made ? el('span', { class: 'line-date' }, made.date.toLocaleDateString(undefined, { dateStyle: 'medium' })) : null,
  );
  toggle.addEventListener('click', () => {
    const open = !tr.classList.contains('open');
    tr.classList.toggle('open', open);
    toggle.setAttribute('aria-expanded', String(open));
  });
  return el('td', { class: 'line-cell' }, toggle);
}

async function revoke(identity, status, row) {
  const ok = await confirmAction({
    title: 'Revoke all tokens of this identity?',
    text: 'Every token issued to it so far stops working at once. New tokens can still be issued.',
    id: identity.id,
    action: 'Revoke tokens',
  });
  if (!ok) return false;
  await call('POST', `${identityPath(identity.id)}/:revokeAccessTokens`);
  identity.revokedAt = new Date().toISOString();
  showState(identity, status, row);
  announce('All tokens of the identity are revoked.');
  return true;
}

async function remove(identity, status, row) {
  const ok = await confirmAction({
    title: 'Delete this identity?',
    text: 'Its tokens stop working, no new ones can be issued, and this cannot be undone.',
    id: identity.id,
    action: 'Delete identity',
  });
  if (!ok) return false;
  await call('DELETE', identityPath(identity.id));
  identity.deleted = true;
  showState(identity, status, row);
  announce('The identity is deleted.');
  return true;
}

function row(identity, handlers) {
  const n = ++rowCount;
  const idNode = el('code', { class: 'value id', id: `identity-${n}` }, ...idParts(identity.id));
  const status = el('span', { class: 'badge', id: `identity-${n}-status`, tabindex: '-1', hidden: true });
  const tr = el('tr', { 'data-id': identity.id });
  const guard = (action) => async () => {
    showError($('id-error'), '');
    try {
      await action();
    } catch (e) {
      if (e.status === 404) {
        identity.deleted = true;
        showState(identity, status, tr);
      }
      showError($('id-error'), explain(e));
    }
  };
  const button = (text, kind, action) =>
    el('button', { type: 'button', class: kind, 'aria-describedby': idNode.id, onclick: guard(action) }, text);
  // Only what the signed-in role allows (rights.js); a reader has none.
  const actions = [
    can('generate') ? button('Issue token', 'secondary', () => handlers.issue(identity.id)) : null,
    can('manage') ? button('Revoke tokens', 'secondary', () => revoke(identity, status, tr)) : null,
    can('manage')
      ? button('Delete', 'danger', async () => {
          if (await remove(identity, status, tr)) {
            status.focus();
            handlers.deleted();
          }
        })
      : null,
  ].filter(Boolean);
  tr.append(
    line(identity, tr),
    cell(
      'Identity',
      el('div', {}, el('div', { class: 'with-copy' }, idNode, copyButton(identity.id, 'identity ID')), status),
    ),
    cell(
      'Custom ID',
      identity.customId
        ? el('span', { class: 'custom-id' }, identity.customId)
        : el('span', { class: 'muted' }, '—'),
    ),
    cell('Created', timeElement(created(identity))),
    cell('Last token issued', timeElement(identity.lastTokenIssuedAt, 'Never')),
  );
  if (actions.length) tr.append(cell('Actions', el('div', { class: 'actions' }, ...actions)));
  showState(identity, status, tr);
  return tr;
}

/** Shows `identities` in `tbody`, or a row saying there are none. */
export function renderRows(tbody, identities, handlers) {
  if (!identities.length) {
    tbody.replaceChildren(el('tr', {}, el('td', { colspan: '5', class: 'empty' }, 'No identities.')));
    return;
  }
  tbody.replaceChildren(...identities.map((identity) => row(identity, handlers)));
}
