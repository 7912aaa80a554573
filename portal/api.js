// The public API, called like any client: each request signed with the
// signed-in key, or carrying the signed-in access token as a Bearer token.
// Requests go to this page's own origin and are signed for its host, which
// is the Host the browser sends.

import { fromBase64, importKey, signHeaders } from './sign.js';

export const API_VERSION = '2023-10-01';

/** A failed call: the API's error code and message (messages.js puts them in words). */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

let signingKey = null;
let bearerToken = null;

/** Uses `session`'s key, or its access token. */
export async function connect(session) {
  disconnect();
  if (session.accessToken) bearerToken = session.accessToken;
  else signingKey = await importKey(fromBase64(session.accessKey));
}

export function disconnect() {
  signingKey = null;
  bearerToken = null;
}

/** Whether calls carry an access token (rather than a key's signature). */
export const usingToken = () => bearerToken !== null;

/** `method` on `path` with the api-version and `query` (empty values left out). */
export function call(method, path, { query = {}, body } = {}) {
  const url = new URL(path, location.origin);
  url.searchParams.set('api-version', API_VERSION);
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(name, value);
  }
  return send(method, url, body);
}

/** A list's `nextLink`: its path and query, on this origin only. */
export function follow(nextLink) {
  const link = new URL(nextLink, location.origin);
  return send('GET', new URL(link.pathname + link.search, location.origin));
}

export const identityPath = (id) => `/identities/${encodeURIComponent(id)}`;

async function send(method, url, body) {
  if (!signingKey && !bearerToken) throw new ApiError(0, 'SignedOut', 'You are signed out.');
  const text = body === undefined ? '' : JSON.stringify(body);
  const headers = bearerToken
    ? { authorization: `Bearer ${bearerToken}` }
    : await signHeaders({
        method,
        pathAndQuery: url.pathname + url.search,
        host: location.host,
        body: text,
        key: signingKey,
      });
  if (text) headers['content-type'] = 'application/json';
  let response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: text || undefined,
      cache: 'no-store',
      credentials: 'omit',
      redirect: 'error',
    });
  } catch {
    throw new ApiError(0, 'NetworkError', 'The server could not be reached. Is commid running?');
  }
  const raw = await response.text();
  let json = null;
  try {
    json = raw ? JSON.parse(raw) : null;
  } catch {
    json = null;
  }
  if (!response.ok) {
    const error = json && json.error;
    throw new ApiError(
      response.status,
      (error && error.code) || response.statusText || 'Error',
      (error && error.message) || `The server answered ${response.status}.`,
    );
  }
  return json;
}
