// A real `commid serve` for one test file: plain HTTP (or HTTPS) on a free
// loopback port, a fresh data dir, stopped when the file's tests end.

import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after } from 'node:test';

const BIN = process.env.COMMID_BIN;

// Registered when the test file imports this module, so it runs after all its tests.
const stops = [];
after(() => Promise.all(stops.map((stop) => stop())));

/** Starts a server (`tls`: HTTPS with its self-signed certificate); resolves to { url, connectionString, key }. */
export async function startServer({ tls = false, config = null } = {}) {
  if (!BIN) throw new Error('COMMID_BIN is not set: run the tests with tests/browser/run');
  const dataDir = mkdtempSync(join(tmpdir(), 'commid-portal-'));
  const configArgs = [];
  if (config) {
    writeFileSync(join(dataDir, 'commid.toml'), config);
    configArgs.push('--config', join(dataDir, 'commid.toml'));
  }
  const child = spawn(
    BIN,
    [...configArgs, 'serve', ...(tls ? [] : ['--http']), '--listen', '127.0.0.1:0', '--workers', '2', '--data-dir', dataDir],
    { env: { ...process.env, RUST_LOG: 'warn', COMMID_DRAIN_SECONDS: '0' }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  stops.push(async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });
  const lines = createInterface({ input: child.stdout });
  const started = new Promise((resolve, reject) => {
    const found = {};
    const timer = setTimeout(() => reject(new Error('the server printed no start lines in 30 s')), 30_000);
    child.once('exit', (code) => reject(new Error(`the server exited with ${code}`)));
    lines.on('line', (line) => {
      if (line.startsWith('Listening on ')) found.url = line.slice('Listening on '.length).replace(/\/$/, '');
      if (line.startsWith('Connection string: ')) found.connectionString = line.slice('Connection string: '.length);
      if (found.url && found.connectionString) {
        clearTimeout(timer);
        resolve(found);
      }
    });
  });
  const { url, connectionString } = await started;
  const key = /accesskey=([^;]+)/i.exec(connectionString)[1];
  return { url, connectionString, key, dataDir, configArgs };
}

/** `commid access grant` beside the running server: `principal` holds `role`. */
export function grant(server, role, principal) {
  execFileSync(BIN, [...server.configArgs, 'access', 'grant', '--role', role, '--principal', principal, '--data-dir', server.dataDir], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}
