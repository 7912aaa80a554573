// node-oidc-provider as the peer token issuer of bench/run: an authenticated
// client_credentials request in, one ES256-signed JWT access token out, which
// is what commid's issue token does for an existing identity. Every choice
// below is explained in docs/BENCHMARKS.md ("The peer").
//
//   node server.js PORT WORKERS
//
// WORKERS 1 serves from this process; more fork that many node:cluster
// workers sharing the port. When every worker listens, one JSON line on
// stdout gives the issuer, the client's id and secret and the resource.
import cluster from 'node:cluster';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import Provider, { errors } from 'oidc-provider';

const [port, workersArg = '1'] = process.argv.slice(2);
const workers = Number(workersArg);
if (!port || !(workers >= 1)) {
  console.error('usage: node server.js PORT WORKERS');
  process.exit(2);
}
// Koa (under oidc-provider) reads NODE_ENV; the harness sets it too.
process.env.NODE_ENV ??= 'production';

// One key and one client for every worker, made at start, as a real
// deployment shares its signing key: the primary makes them and hands them
// to the workers in their environment.
class NoStorage {
  constructor(name) { this.name = name; }
}
for (const method of ['upsert', 'find', 'findByUserCode', 'findByUid', 'consume', 'destroy', 'revokeByGrantId']) {
  NoStorage.prototype[method] = function refuse() {
    throw new Error(`peer: unexpected storage call ${this.name}.${method}`);
  };
}

function makeShared() {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    jwk: { ...privateKey.export({ format: 'jwk' }), kid: randomBytes(8).toString('hex'), alg: 'ES256', use: 'sig' },
    client_id: 'bench-client',
    client_secret: randomBytes(32).toString('base64url'),
    resource: 'https://communication.bench.invalid',
  };
}

function ready(shared) {
  const { jwk, ...rest } = shared;
  console.log(JSON.stringify({ issuer: `http://127.0.0.1:${port}`, kid: jwk.kid, workers, ...rest }));
}

function serve(shared) {
  const resourceServer = {
    audience: shared.resource,
    scope: 'chat voip',
    // commid's tokens last 24 hours unless asked otherwise; the TTL only
    // changes the exp claim, not the work.
    accessTokenTTL: 24 * 60 * 60,
    accessTokenFormat: 'jwt',
    jwt: { sign: { alg: 'ES256' } },
  };
  const provider = new Provider(`http://127.0.0.1:${port}`, {
    clients: [{
      client_id: shared.client_id,
      client_secret: shared.client_secret,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      // The default method and the one RFC 6749 requires every server to
      // support: a shared secret, compared in constant time.
      token_endpoint_auth_method: 'client_secret_basic',
      scope: 'chat voip',
    }],
    jwks: { keys: [shared.jwk] },
    // The only key is ES256; the default (RS256) would fail client validation.
    // commid's scopes; a client may only be registered with known ones.
    scopes: ['chat', 'voip'],
    clientDefaults: { id_token_signed_response_alg: 'ES256' },
    // JWT access tokens are not stored, nor is anything else on this path:
    // this adapter throws if called, so a run would fail if something were.
    adapter: NoStorage,
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        // One known resource server; anything else is invalid_target.
        getResourceServerInfo(ctx, indicator) {
          if (indicator !== shared.resource) throw new errors.InvalidTarget();
          return resourceServer;
        },
      },
    },
    // Set so that the default (which prints a notice) is not called.
    ttl: { ClientCredentials: (ctx, token) => token.resourceServer?.accessTokenTTL ?? 600 },
  });
  // No access log: oidc-provider writes none by itself. Errors still show.
  provider.on('server_error', (ctx, err) => console.error('peer server_error:', err));
  createServer(provider.callback()).listen(Number(port), '127.0.0.1', () => {
    if (!cluster.isWorker) ready(shared);
  });
}

if (cluster.isPrimary && workers > 1) {
  const shared = makeShared();
  let listening = 0;
  let stopping = false;
  cluster.on('listening', () => {
    listening += 1;
    if (listening === workers) ready(shared);
  });
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    console.error(`peer worker ${worker.process.pid} exited (${signal ?? code})`);
    process.exit(1);
  });
  for (const signal of ['SIGTERM', 'SIGINT']) {
    process.on(signal, () => {
      stopping = true;
      for (const w of Object.values(cluster.workers)) w.process.kill('SIGTERM');
      process.exit(0);
    });
  }
  for (let i = 0; i < workers; i += 1) cluster.fork({ PEER_SHARED: JSON.stringify(shared) });
} else {
  serve(process.env.PEER_SHARED ? JSON.parse(process.env.PEER_SHARED) : makeShared());
}
