// Generate: what the Azure portal's page does (scopes, Generate, copy), and
// a lifetime, join-only scopes, a custom ID (get-or-create) and tokens for
// an existing identity.

import { call, identityPath } from './api.js';
import { $, announce, el, idParts, showError, times } from './dom.js';
import { customIdProblem, explain, identityIdProblem } from './messages.js';
import { SCOPES, scopeName } from './scopes.js';

function target() {
  return document.querySelector('input[name="gen-target"]:checked').value;
}

function showTarget() {
  const existing = target() === 'existing';
  $('gen-new').hidden = existing;
  $('gen-existing').hidden = !existing;
}

function humanLifetime() {
  const minutes = Number($('gen-lifetime').value);
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  const text = [hours ? `${hours} hour${hours === 1 ? '' : 's'}` : '', rest ? `${rest} min` : '']
    .filter(Boolean)
    .join(' ');
  $('gen-lifetime-human').textContent = Number.isInteger(minutes) && text ? text : '—';
}

function chosenScopes() {
  return [...document.querySelectorAll('#gen-scopes input:checked')].map((c) => c.value);
}

/** The request the form describes, or an Error a person can act on. */
function request() {
  const scopes = chosenScopes();
  const minutes = Number($('gen-lifetime').value);
  if (scopes.length && (!Number.isInteger(minutes) || minutes < 60 || minutes > 1440)) {
    throw new Error('The token lifetime must be a whole number of minutes from 60 to 1440.');
  }
  if (target() === 'existing') {
    const id = $('gen-identity').value.trim();
    if (!id) throw new Error('Enter the ID of the identity, 8:acs:….');
    const problem = identityIdProblem(id);
    if (problem) throw new Error(problem);
    if (!scopes.length) throw new Error('Choose at least one scope for the token.');
    return { id, scopes, minutes };
  }
  const customId = $('gen-custom-id').value;
  if (customId && !customId.trim()) throw new Error('The custom ID cannot be only spaces.');
  const problem = customId && customIdProblem(customId);
  if (problem) throw new Error(problem);
  return { id: null, customId, scopes, minutes };
}

/** The identity that has `customId` already, with when it was created; null when none has it. */
async function holderOf(customId) {
  try {
    const page = await call('GET', '/identities', { query: { customId, maxPageSize: 1 } });
    return (page && page.value && page.value[0]) || null;
  } catch {
    // A server without the directory: the result just cannot say.
    return null;
  }
}

async function generate({ id, customId, scopes, minutes }) {
  if (id) {
    const token = await call('POST', `${identityPath(id)}/:issueAccessToken`, {
      body: { scopes, expiresInMinutes: minutes },
    });
    return { identity: { id }, accessToken: token };
  }
  const body = {};
  if (customId) body.customId = customId;
  if (scopes.length) {
    body.createTokenWithScopes = scopes;
    body.expiresInMinutes = minutes;
  }
  // Get-or-create answers alike for a new identity and one that had the
  // custom ID: the list says beforehand whether one had it, and since when.
  const holder = customId ? await holderOf(customId) : null;
  const result = await call('POST', '/identities', { body });
  const existed = holder && holder.id === result.identity.id ? holder : null;
  return { ...result, existedSince: existed ? existed.createdAt : null };
}

function show(result, scopes) {
  $('res-id').replaceChildren(...idParts(result.identity.id));
  const existed = result.existedSince && times(result.existedSince);
  $('res-existing').hidden = !existed;
  $('res-existing-since').textContent = existed ? existed.short : '';
  $('res-existing-since').setAttribute('datetime', existed ? existed.utc : '');
  const customId = result.identity.customId;
  for (const node of document.querySelectorAll('.res-custom')) node.hidden = !customId;
  $('res-custom').textContent = customId || '';
  const token = result.accessToken;
  for (const node of document.querySelectorAll('.res-token')) node.hidden = !token;
  $('res-token').textContent = token ? token.token : '';
  $('res-scopes').textContent = token ? scopes.map(scopeName).join(', ') : '';
  const expires = token && times(token.expiresOn);
  $('res-expires-local').textContent = expires ? expires.local : '';
  $('res-expires').textContent = expires ? expires.utc : '';
  $('gen-result').hidden = false;
  $('gen-result-title').focus();
  const what = token ? 'Generated an access token' : 'Created an identity';
  announce(
    existed
      ? `${token ? 'Generated an access token for an existing identity' : 'Found an existing identity'}, created ${existed.short}.`
      : `${what}.`,
  );
}

/** Forgets the last result: its token is a secret too. */
export function reset() {
  $('gen-result').hidden = true;
  $('res-existing').hidden = true;
  // "Copied" belonged to the values that go.
  for (const note of $('gen-result').querySelectorAll('.copy-note')) note.hidden = true;
  for (const id of ['res-id', 'res-existing-since', 'res-custom', 'res-token', 'res-scopes', 'res-expires']) {
    $(id).textContent = '';
  }
  showError($('gen-error'), '');
}

/** Opens the form for a token of the identity `id`. */
export function forIdentity(id) {
  document.querySelector('input[name="gen-target"][value="existing"]').checked = true;
  showTarget();
  $('gen-identity').value = id;
}

export function init() {
  const box = $('gen-scopes');
  for (const scope of SCOPES) {
    const inputId = `scope-${scope.id.replaceAll('.', '-')}`;
    box.append(
      el(
        'div',
        { class: 'check' },
        el('input', { type: 'checkbox', id: inputId, value: scope.id, 'aria-describedby': `${inputId}-help` }),
        el('label', { for: inputId }, scope.name, ' ', el('code', {}, scope.id)),
        el('p', { class: 'help', id: `${inputId}-help` }, scope.help),
      ),
    );
  }
  for (const radio of document.querySelectorAll('input[name="gen-target"]')) {
    radio.addEventListener('change', showTarget);
  }
  $('gen-lifetime').addEventListener('input', humanLifetime);
  $('generate-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const error = $('gen-error');
    showError(error, '');
    let wanted;
    try {
      wanted = request();
    } catch (e) {
      showError(error, e.message);
      return;
    }
    const button = $('gen-submit');
    button.disabled = true;
    reset();
    try {
      show(await generate(wanted), wanted.scopes);
    } catch (e) {
      showError(error, explain(e));
    } finally {
      button.disabled = false;
    }
  });
}
