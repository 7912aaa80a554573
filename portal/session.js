// The signed-in resource: its endpoint and access key, or the access token
// of an issuer the resource trusts (oidc.js). Kept in this tab's
// sessionStorage only (never localStorage, a cookie or a URL), so a reload
// keeps the session and closing the tab or signing out forgets it.

import { fromBase64 } from './sign.js';

const STORAGE_KEY = 'commid.portal.session';

/** `endpoint=https://host/;accesskey=…`, names in any case and order. */
export function parseConnectionString(text) {
  const parts = {};
  for (const part of text.split(';').map((p) => p.trim()).filter(Boolean)) {
    const at = part.indexOf('=');
    if (at < 1) {
      throw new Error('This is not a connection string: expected endpoint=https://…/;accesskey=….');
    }
    parts[part.slice(0, at).trim().toLowerCase()] = part.slice(at + 1).trim();
  }
  if (!parts.endpoint) throw new Error('The connection string has no endpoint=….');
  if (!parts.accesskey) throw new Error('The connection string has no accesskey=….');
  return credentials(parts.endpoint, parts.accesskey);
}

/** Checked credentials: an http(s) endpoint and a base64 key. */
export function credentials(endpoint, accessKey) {
  let url;
  try {
    url = new URL(endpoint);
  } catch {
    throw new Error(`The endpoint is not a URL: it should look like ${location.origin}/.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new Error('The endpoint must start with https:// or http://.');
  }
  const key = accessKey.trim();
  if (!key) throw new Error('The access key is empty.');
  try {
    fromBase64(key);
  } catch {
    throw new Error('The access key is not valid base64: copy all of it, up to the = at its end.');
  }
  return { endpoint: url.origin + '/', accessKey: key };
}

/** A token session as stored; throws once it expired (or is not one). */
export function bearer(stored) {
  const { endpoint, accessToken, expiresAt, via, user } = stored;
  if (typeof accessToken !== 'string' || !accessToken || !(expiresAt > Date.now())) {
    throw new Error('The sign-in expired: sign in again.');
  }
  return { endpoint, accessToken, expiresAt, via: String(via), user: String(user) };
}

export function save(session) {
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session));
}

export function load() {
  try {
    const stored = JSON.parse(sessionStorage.getItem(STORAGE_KEY));
    if (!stored) return null;
    if (stored.accessToken) return bearer(stored);
    return credentials(stored.endpoint, stored.accessKey);
  } catch {
    forget();
    return null;
  }
}

export function forget() {
  sessionStorage.removeItem(STORAGE_KEY);
}
