// The webhook benchmark's other side (bench/webhooks.py runs it): an HTTPS
// receiver that times each delivery from its event (`data.at`) to its
// arrival, and an open-loop load of token revocations at a fixed rate over
// keep-alive connections, each making one change feed event.
//
//   node bench/webhooks.js CONFIG.json
//
// CONFIG: {port, cert, key, base, host, accessKey, ids, rate, seconds}.
// Runs the load for `seconds` (rate 0: none), waits for the deliveries to
// drain, prints {"sent", "failed", "delivered", "cpu_s", "p50_ms", "p99_ms", "max_ms"}.
"use strict";
const crypto = require("node:crypto");
const fs = require("node:fs");
const http = require("node:http");
const https = require("node:https");

const config = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const latencies = [];

const receiver = https.createServer(
  { cert: fs.readFileSync(config.cert), key: fs.readFileSync(config.key), keepAliveTimeout: 60000 },
  (req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const arrived = Date.now();
      try {
        const event = JSON.parse(Buffer.concat(chunks).toString());
        latencies.push(arrived - Date.parse(event.data.at));
      } catch (_) {}
      res.writeHead(204);
      res.end();
    });
  },
);

function signed(method, target) {
  const date = new Date().toUTCString();
  const hash = crypto.createHash("sha256").update("").digest("base64");
  const toSign = `${method}\n${target}\n${date};${config.host};${hash}`;
  const signature = crypto.createHmac("sha256", Buffer.from(config.accessKey, "base64")).update(toSign).digest("base64");
  return {
    host: config.host,
    "x-ms-date": date,
    "x-ms-content-sha256": hash,
    authorization: `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${signature}`,
  };
}

async function load() {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const url = new URL(config.base);
  let sent = 0;
  let failed = 0;
  const started = Date.now();
  const total = Math.round(config.rate * config.seconds);
  const pending = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / config.rate;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const id = encodeURIComponent(config.ids[i % config.ids.length]);
    const target = `/identities/${id}/:revokeAccessTokens?api-version=2023-10-01`;
    pending.push(
      new Promise((resolve) => {
        const req = http.request(
          { host: url.hostname, port: url.port, path: target, method: "POST", agent, headers: signed("POST", target) },
          (res) => {
            res.resume();
            if (res.statusCode !== 204) failed++;
            resolve();
          },
        );
        req.on("error", () => {
          failed++;
          resolve();
        });
        req.end();
        sent++;
      }),
    );
  }
  await Promise.all(pending);
  return { sent, failed };
}

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

receiver.listen(config.port, "127.0.0.1", async () => {
  console.error(`receiver on ${config.port}`);
  const { sent, failed } = config.rate > 0 ? await load() : { sent: 0, failed: 0 };
  // Let the deliveries under way drain.
  const deadline = Date.now() + 10000;
  while (latencies.length < sent - failed && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
  }
  const sorted = latencies.slice().sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      sent,
      failed,
      delivered: sorted.length,
      cpu_s: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
      p50_ms: percentile(sorted, 50),
      p99_ms: percentile(sorted, 99),
      max_ms: sorted.length ? sorted[sorted.length - 1] : null,
    }),
  );
  receiver.close();
  process.exit(0);
});
