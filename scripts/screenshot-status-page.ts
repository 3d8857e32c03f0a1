/**
 * Takes docs/img/status-page.png (`npm run screenshot`): a local control plane on 127.0.0.1 with
 * three nodes beating over HTTP (the heartbeat protocol, signed, as the test driver speaks it), one
 * of them killed so the page has a failover to draw, then the page in headless Chromium with the
 * API token typed into its form. Everything shown is what the control plane really answered.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BareMetalProvider } from '../adapters/bare-metal';
import { hmacSigner } from '../core/heartbeat';
import { loadConfig } from '../core/config';
import { startLocalControlPlane } from '../control/local-server';
import { memoryLog } from '../lib/log';
import { TestAgent } from '../test/control/helpers/test-agent';
import { launchChromium } from './screenshot-browser';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = process.argv[2] ?? join(root, 'docs/img/status-page.png');
const TOKEN = 'screenshot-token-0123456789';
const PSK = 'screenshot-psk-0123456789abcdef';
const nodes = ['mx-a', 'mx-b', 'mx-c'];

const config = loadConfig({
  cluster: 'mail',
  control: { mode: 'local', liveness: 'direct', apiToken: TOKEN },
  security: { psk: PSK },
  timers: { heartbeatInterval: 200, deadAfter: 600, preemptDelay: 60_000 },
  nodes: nodes.map((id, i) => ({ id, interface: 'eth0', addresses: [`198.18.0.${11 + i}`] })),
  checks: { smtp: { kind: 'tcp', target: '127.0.0.1:25' }, imap: { kind: 'tcp', target: '127.0.0.1:143' } },
  vips: [
    { name: 'smtp', address: '198.18.0.101/24', preferred: 'mx-a', checks: ['smtp'] },
    { name: 'imap', address: '198.18.0.102/24', preferred: 'mx-b', checks: ['imap'] },
    { name: 'webmail', address: '198.18.0.103/24', preferred: 'mx-c' },
  ],
});

/** Polls until `ok` or `ms` pass (bounded: at most ms / 100 + 1 rounds). */
async function until(what: string, ms: number, ok: () => Promise<boolean>): Promise<void> {
  for (let i = 0, end = Date.now() + ms; i <= ms / 100 && Date.now() <= end; i++) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`screenshot: timed out after ${ms} ms waiting for ${what}`);
}

const cp = await startLocalControlPlane({
  config,
  log: memoryLog(),
  listen: '127.0.0.1:0',
  providers: [new BareMetalProvider()],
  reconcileEveryMs: 3_600_000,
});
const agents = nodes.map((n) =>
  new TestAgent(n, { config, signer: hmacSigner(PSK), url: () => `${cp.url}/v1/heartbeat` }).start(
    config.timers.heartbeatInterval,
  ),
);
const api = async (path: string) =>
  (await fetch(`${cp.url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } })).json() as Promise<{
    vips: Array<{ vip: string; node: string | null; bound: boolean | null }>;
  }>;
const browser = await launchChromium();
try {
  await until('every VIP bound', 15_000, async () => (await api('/v1/status')).vips.every((v) => v.bound === true));
  // mx-c fails its imap check (no VIP of its own needs it), and mx-a dies: the page has a dead node, a failing check and a failover.
  agents[2]!.checks.imap = { ok: false, detail: 'connection refused' };
  agents[0]!.stop();
  await until('smtp moved and bound', 15_000, async () =>
    (await api('/v1/status')).vips.some((v) => v.vip === 'smtp' && v.node !== 'mx-a' && v.bound === true),
  );
  const page = await browser.newPage();
  await page.setViewport({ width: 1100, height: 900, deviceScaleFactor: 1 });
  await page.goto(`${cp.url}/status`, { waitUntil: 'load' });
  await page.waitForSelector('#login:not([hidden])', { timeout: 10_000 });
  await page.type('#token', TOKEN);
  await page.click('#login button');
  await page.waitForSelector('#failovers .seg-bound', { timeout: 10_000 });
  mkdirSync(dirname(out), { recursive: true });
  await page.screenshot({ path: out as `${string}.png`, fullPage: true });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  for (const a of agents) a.stop();
  await cp.close();
}
