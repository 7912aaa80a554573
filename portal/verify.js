// Verify: the server's verdict on a pasted token, and the token's claims
// decoded here for reading.

import { call } from './api.js';
import { $, announce, el, showError, times } from './dom.js';
import { explain } from './messages.js';
import { scopeName } from './scopes.js';

const VERDICTS = {
  valid: ['Valid', 'Signed by this server, not expired, its identity exists and its tokens were not revoked since.'],
  expired: ['Not valid: expired', 'Its lifetime has passed.'],
  revoked: ['Not valid: revoked', 'The identity’s tokens were revoked after this token was issued.'],
  deleted: ['Not valid: deleted', 'Its identity was deleted.'],
  badSignature: ['Not valid: bad signature', 'Not signed by a key of this server, or altered since.'],
  wrongResource: ['Not valid: wrong resource', 'Issued for another resource of this server.'],
  malformed: ['Not valid: malformed', 'This is not an access token of this server.'],
};

const CLAIMS = {
  sub: 'The identity',
  skypeid: 'The identity, as the chat and calling services name it',
  acsScope: 'Scopes',
  scp: 'Permission bits, as ACS writes them',
  iat: 'Issued',
  exp: 'Expires',
  csi: 'Issued (seconds since 1970)',
  iss: 'Issuer: the resource’s endpoint',
  resourceId: 'The resource',
  resourceLocation: 'Where the resource is',
  jti: 'This token’s ID',
  rev: 'Revocation count of the identity when issued',
};

function base64UrlJson(part) {
  const base64 = part.replaceAll('-', '+').replaceAll('_', '/');
  const bytes = Uint8Array.from(atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, '=')), (c) =>
    c.charCodeAt(0),
  );
  return JSON.parse(new TextDecoder().decode(bytes));
}

/** The token's header and claims, or null when it is not a JWT. */
export function decode(token) {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  try {
    return { header: base64UrlJson(parts[0]), claims: base64UrlJson(parts[1]) };
  } catch {
    return null;
  }
}

function fact(term, ...values) {
  return [el('dt', {}, term), el('dd', {}, ...values)];
}

function claimValue(name, value) {
  const t = (name === 'iat' || name === 'exp') && times(value);
  if (t) return `${value} (${t.local}; UTC ${t.utc})`;
  if (name === 'acsScope' && typeof value === 'string') {
    return value.split(',').map(scopeName).join(', ');
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function showClaims(decoded) {
  if (!decoded) {
    const cell = el('td', { colspan: '3', class: 'empty' }, 'It cannot be decoded: it is not a JWT.');
    $('claims').replaceChildren(el('tr', {}, cell));
    return;
  }
  const entries = [
    ...Object.entries(decoded.header).map(([n, v]) => [`header ${n}`, v, n === 'kid' ? 'Signing key' : 'Header']),
    ...Object.entries(decoded.claims).map(([n, v]) => [n, v, CLAIMS[n] || '']),
  ];
  const rows = entries.map(([name, value, meaning]) =>
    el(
      'tr',
      {},
      el('th', { scope: 'row' }, el('code', {}, name)),
      el('td', { class: 'value' }, claimValue(name, value)),
      el('td', {}, meaning),
    ),
  );
  $('claims').replaceChildren(...rows);
}

function show(verdict, decoded) {
  const key = verdict.valid ? 'valid' : verdict.reason;
  const [title, detail] = VERDICTS[key] || [`Not valid: ${key}`, ''];
  $('verdict').textContent = title;
  $('verdict').className = verdict.valid ? 'ok' : 'bad';
  $('verdict-detail').textContent = detail;
  const facts = [];
  if (verdict.valid) {
    const expires = times(verdict.expiresOn);
    facts.push(
      ...fact('Identity', el('code', { class: 'value' }, verdict.identity.id)),
      ...fact('Scopes', (verdict.scopes || []).map(scopeName).join(', ')),
      ...fact('Expires', expires ? `${expires.local} (UTC ${expires.utc})` : String(verdict.expiresOn)),
    );
  }
  $('verify-facts').replaceChildren(...facts);
  showClaims(decoded);
  $('verify-result').hidden = false;
  $('verdict').focus();
  announce(title);
}

export function reset() {
  $('verify-form').reset();
  $('verify-result').hidden = true;
  $('claims').replaceChildren();
  $('verify-facts').replaceChildren();
  showError($('verify-error'), '');
}

export function init() {
  $('verify-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const error = $('verify-error');
    showError(error, '');
    const token = $('verify-token').value.trim();
    if (!token) {
      showError(error, 'Paste an access token first.');
      return;
    }
    $('verify-result').hidden = true;
    try {
      const verdict = await call('POST', '/accessTokens/:verify', { body: { token } });
      show(verdict, decode(token));
    } catch (e) {
      showError(error, explain(e));
    }
  });
}
