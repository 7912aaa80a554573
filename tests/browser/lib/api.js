// The API from Node, signed with the page's own signing module: to set up
// data (identities, tokens) and to check what the page did.

import { fromBase64, importKey, signHeaders } from '../../../portal/sign.js';

/** `call(method, path, body?)` → { status, body } against `server`. */
export function apiClient(server) {
  const key = importKey(fromBase64(server.key));
  const host = new URL(server.url).host;
  return async function call(method, path, body) {
    const url = new URL(path, server.url);
    url.searchParams.set('api-version', '2023-10-01');
    const text = body === undefined ? '' : JSON.stringify(body);
    const headers = await signHeaders({
      method,
      pathAndQuery: url.pathname + url.search,
      host,
      body: text,
      key: await key,
    });
    if (text) headers['content-type'] = 'application/json';
    const response = await fetch(url, { method, headers, body: text || undefined });
    const raw = await response.text();
    return { status: response.status, body: raw ? JSON.parse(raw) : null };
  };
}

export const idPath = (id) => `/identities/${encodeURIComponent(id)}`;

/** A new identity, with a token when `scopes` are given: { id, token }. */
export async function createIdentity(call, { scopes, customId } = {}) {
  const body = {};
  if (scopes) body.createTokenWithScopes = scopes;
  if (customId) body.customId = customId;
  const r = await call('POST', '/identities', body);
  if (r.status !== 201 && r.status !== 200) throw new Error(`create answered ${r.status}: ${JSON.stringify(r.body)}`);
  return { id: r.body.identity.id, token: r.body.accessToken && r.body.accessToken.token };
}

export async function issueToken(call, id, scopes = ['chat']) {
  const r = await call('POST', `${idPath(id)}/:issueAccessToken`, { scopes });
  if (r.status !== 200) throw new Error(`issue answered ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body.token;
}

/** The server's verdict on `token`. */
export async function verify(call, token) {
  const r = await call('POST', '/accessTokens/:verify', { token });
  if (r.status !== 200) throw new Error(`verify answered ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body;
}
