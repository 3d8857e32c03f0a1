/**
 * GET /metrics on the local control plane: a real server on 127.0.0.1, signed heartbeats from test
 * agents, the bare-metal provider, and a real file store whose write fails (a directory where its
 * temp file goes) for the store-error counter.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BareMetalProvider } from '../../adapters/bare-metal';
import { FileStore } from '../../adapters/file-store';
import { startLocalControlPlane, type LocalControlPlane } from '../../control/local-server';
import { memoryLog } from '../../lib/log';
import { lanCluster, signer } from './helpers/clusters';
import { TestAgent } from './helpers/test-agent';

const TOKEN = 'metrics-token-0123456789abcdef';
const config = lanCluster({ control: { mode: 'local', liveness: 'direct', apiToken: TOKEN } });
let dir: string;
let store: FileStore;
let cp: LocalControlPlane;
let agents: TestAgent[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ipferry-control-metrics-'));
  store = await FileStore.open({ path: join(dir, 'state.json'), log: memoryLog() });
  cp = await startLocalControlPlane({
    config,
    log: memoryLog(),
    store,
    listen: '127.0.0.1:0',
    providers: [new BareMetalProvider()],
    tickEveryMs: 3_600_000,
    reconcileEveryMs: 3_600_000,
    deadlines: false,
  });
  agents = ['n1', 'n2', 'n3'].map(
    (n) => new TestAgent(n, { config, signer: signer(), url: () => `${cp.url}/v1/heartbeat` }),
  );
});
afterAll(async () => {
  await cp.close();
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

async function scrape(token: string | null = TOKEN): Promise<{ status: number; type: string | null; text: string }> {
  const res = await fetch(`${cp.url}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

/** The value of one series, or undefined when the scrape does not have it. */
function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('local control plane: GET /metrics', () => {
  it('is behind the API token, in the Prometheus text format', async () => {
    expect((await scrape(null)).status).toBe(401);
    const s = await scrape();
    expect(s.status).toBe(200);
    expect(s.type).toContain('text/plain');
    expect(s.text).toContain('# TYPE ipferry_control_heartbeats_total counter');
  });

  it('diagnoses hold while they hold and are counted once; ticks, moves and refused heartbeats by reason', async () => {
    await cp.tickNow();
    let text = (await scrape()).text;
    expect(value(text, 'ipferry_diagnosis{code="unowned",vip="smtp"}')).toBe(1);
    expect(value(text, 'ipferry_diagnoses_active{code="unowned"}')).toBe(1);
    expect(value(text, 'ipferry_control_vips_unowned')).toBe(1);

    for (const a of agents) expect((await a.beat()).status).toBe(200);
    await cp.tickNow();
    const refused = await fetch(`${cp.url}/v1/heartbeat`, { method: 'POST', body: '{"not":"a heartbeat"}' });
    expect(refused.status).toBe(400);
    await cp.runner.idle();

    text = (await scrape()).text;
    expect(value(text, 'ipferry_diagnosis{code="unowned",vip="smtp"}')).toBeUndefined();
    expect(value(text, 'ipferry_diagnoses_active{code="unowned"}')).toBe(0);
    expect(value(text, 'ipferry_diagnoses_total{code="unowned"}')).toBe(1);
    expect(value(text, 'ipferry_control_vips_unowned')).toBe(0);
    expect(value(text, 'ipferry_control_heartbeats_total{outcome="accepted",reason=""}')).toBe(3);
    expect(value(text, 'ipferry_control_heartbeats_total{outcome="refused",reason="malformed"}')).toBe(1);
    // Two asked for, and any the heartbeats' news started.
    expect(value(text, 'ipferry_control_ticks_total{status="done"}')).toBeGreaterThanOrEqual(2);
    expect(value(text, 'ipferry_control_moves_total{reason="claim",outcome="ok"}')).toBe(1);
    expect(value(text, 'ipferry_control_assignments_version')).toBe((await store.loadAssignments('mail')).version);
    expect(value(text, 'ipferry_control_tick_seconds_count')).toBe(
      value(text, 'ipferry_control_ticks_total{status="done"}'),
    );
  });

  it('store errors are counted by operation and reason', async () => {
    await cp.runner.idle();
    await store.flush();
    await mkdir(join(dir, 'state.json.tmp'));
    try {
      const res = await fetch(`${cp.url}/v1/drain`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ node: 'n2' }),
      });
      expect(res.status).toBe(503);
    } finally {
      await rm(join(dir, 'state.json.tmp'), { recursive: true });
    }
    const text = (await scrape()).text;
    expect(value(text, 'ipferry_control_store_errors_total{op="setDraining",reason="transient"}')).toBe(1);
  });
});
