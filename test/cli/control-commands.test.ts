import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../core/config';
import { controlCommand } from '../../cli/commands/control';
import { drain, move, undrain, unpin } from '../../cli/commands/operate';
import { events, plan, status } from '../../cli/commands/status';
import { hetznerClusterInput, signer } from '../control/helpers/clusters';
import { startHetzner } from '../control/helpers/hetzner';
import { TestAgent } from '../control/helpers/test-agent';
import { waitFor } from '../control/helpers/wait';

const TOKEN = 'cli-test-token-0123456789';
const input = hetznerClusterInput({
  control: { mode: 'local', liveness: 'direct', apiToken: TOKEN },
  timers: { heartbeatInterval: 200, deadAfter: 1000, preemptDelay: 60_000 },
});
const config = loadConfig(input);
const dir = mkdtempSync(join(tmpdir(), 'ipferry-cli-'));
const configFile = join(dir, 'ipferry.json');
writeFileSync(configFile, JSON.stringify(input));

let hz: Awaited<ReturnType<typeof startHetzner>>;
let stop: () => void;
let running: Promise<number>;
let url: string;
const agents = ['n1', 'n2', 'n3'].map(
  (n) => new TestAgent(n, { config, signer: signer(), url: () => `${url}/v1/heartbeat` }),
);

/** Runs a command with console output captured. */
async function cli(
  cmd: { run(argv: string[]): Promise<number> },
  argv: string[],
): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  try {
    return { code: await cmd.run(argv), out: out.join('\n'), err: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}
const api = () => ['--url', url, '--token', TOKEN];

beforeAll(async () => {
  hz = await startHetzner(config.nodes);
  const until = new Promise<void>((resolve) => (stop = resolve));
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  const env = { HCLOUD_TOKEN: 'test-token', HCLOUD_ENDPOINT: hz.emulator.apiUrl, IPFERRY_LOG_LEVEL: 'silent' };
  running = controlCommand(() => until, env).run(['--config', configFile, '--listen', '127.0.0.1:0']);
  url = await waitFor(() => /on (http:\/\/127\.0\.0\.1:\d+)/.exec(lines.join('\n'))?.[1], {
    what: 'the control plane to print its URL',
  });
  log.mockRestore();
  for (const a of agents) a.start(200);
  await waitFor(
    async () => {
      const res = await fetch(`${url}/v1/status`, { headers: { authorization: `Bearer ${TOKEN}` } });
      const body = (await res.json()) as { vips: Array<{ node: string; bound: boolean }> };
      return body.vips[0]?.node === 'n1' && body.vips[0].bound && hz.holderServer() === 1;
    },
    { timeoutMs: 5000, what: 'mx on n1, bound' },
  );
});

afterAll(async () => {
  for (const a of agents) a.stop();
  stop();
  expect(await running).toBe(0);
  await hz.close();
});

describe('ipferry status / events / plan', () => {
  it('status prints nodes and VIPs as tables, --json the API answer', async () => {
    const r = await cli(status, api());
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^cluster mail {2}version \d+ {2}digest [0-9a-f]{16}/);
    expect(r.out).toMatch(/NODE +STATE +DRAINING +CHECKS +HELD/);
    expect(r.out).toMatch(/n1 +alive \(seen \d+ ms ago\) +- +smtp ok +mx/);
    expect(r.out).toMatch(/mx +hetzner-floating-ip +n1 +1 +\d+ (ms|s) ago +yes +stable/);
    const j = await cli(status, [...api(), '--json']);
    expect(JSON.parse(j.out)).toMatchObject({ cluster: 'mail', vips: [{ vip: 'mx', node: 'n1', epoch: 1 }] });
  });

  it('plan says there is nothing to do; events list the claim with its timeline', async () => {
    expect((await cli(plan, api())).out).toMatch(/^nothing to do \(version \d+\)/);
    const e = await cli(events, [...api(), '--limit', '5']);
    expect(e.code).toBe(0);
    expect(e.out).toMatch(/TIME +KIND +VIP +MOVE +EPOCH +REASON +OUTCOME +TIMELINE +DETAIL/);
    expect(e.out).toMatch(/move +mx +-→n1 +1 +claim +in place +decide \d+ms api \d+ms/);
  });

  it('the URL and token can come from the config file', async () => {
    const withUrl = join(dir, 'with-url.json');
    writeFileSync(
      withUrl,
      JSON.stringify({ ...input, control: { mode: 'local', liveness: 'direct', apiToken: TOKEN, url } }),
    );
    const r = await cli(status, ['--config', withUrl, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ cluster: 'mail' });
  });
});

describe('ipferry drain / undrain / move', () => {
  it('drain moves the VIPs away and says where; undrain lets the node back', async () => {
    const r = await cli(drain, ['n1', ...api()]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /^n1 drained by api-token\nmx n1→n[23] epoch 2 \(drain\): moved detect \d+ms decide \d+ms api \d+ms verified \+\d+ms/,
    );
    expect((await cli(undrain, ['n1', ...api()])).out).toBe('n1 undrained by api-token');
  });

  it('move pins the VIP where a person put it, with the reason recorded', async () => {
    const r = await cli(move, ['mx', 'n3', '--reason', 'NIC firmware on n2', ...api()]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^mx n[12]→n3 epoch \d+ \(manual\): (moved|in place)/);
    await waitFor(() => hz.holderServer() === 4, { what: 'the floating IP on server 4' });
    const s = JSON.parse((await cli(status, [...api(), '--json'])).out) as { vips: Array<{ pinned?: unknown }> };
    expect(s.vips[0]!.pinned).toEqual({ reason: 'NIC firmware on n2', by: 'api-token' });

    const u = await cli(unpin, ['mx', ...api()]);
    expect(u).toMatchObject({ code: 0, err: '' });
    expect(u.out.split('\n')[0]).toBe(
      'mx unpinned on n3 by api-token (pinned for: NIC firmware on n2); preemption and rebalancing apply again',
    );
    const after = JSON.parse((await cli(status, [...api(), '--json'])).out) as { vips: Array<{ pinned?: unknown }> };
    expect(after.vips[0]!.pinned).toBeUndefined();
    expect((await cli(unpin, ['mx', ...api()])).out).toBe('mx was not pinned; nothing changed');
    expect(await cli(unpin, ['nope', ...api()])).toMatchObject({
      code: 1,
      err: expect.stringContaining('not-found: VIP nope is not in the config (HTTP 404)'),
    });
  });
});

describe('errors carry reasons and exit codes', () => {
  it('a wrong token, an unknown node, a missing reason, an unreachable control plane', async () => {
    expect(await cli(status, ['--url', url, '--token', 'wrong-token-0123456789'])).toMatchObject({
      code: 1,
      err: expect.stringContaining('forbidden: missing or wrong bearer token (HTTP 401)'),
    });
    expect(await cli(drain, ['n9', ...api()])).toMatchObject({
      code: 1,
      err: expect.stringContaining('not-found: node n9 is not in the config (HTTP 404)'),
    });
    expect(await cli(move, ['mx', 'n2', ...api()])).toMatchObject({
      code: 2,
      err: expect.stringContaining('--reason is required'),
    });
    expect(await cli(status, [])).toMatchObject({
      code: 2,
      err: expect.stringContaining('--url URL or --config FILE'),
    });
    expect(await cli(status, ['--url', 'http://127.0.0.1:9', '--token', TOKEN])).toMatchObject({
      code: 1,
      err: expect.stringContaining('cannot reach the control plane at http://127.0.0.1:9'),
    });
    expect(await cli(events, [...api(), '--limit', 'all'])).toMatchObject({ code: 2 });
  });

  it('ipferry control refuses what it cannot run', async () => {
    expect(
      await cli(
        controlCommand(async () => {}),
        [],
      ),
    ).toMatchObject({ code: 2, err: expect.stringContaining('--config is required') });
    const peer = join(dir, 'peer.json');
    const nodes = (input.nodes as Array<Record<string, unknown>>).map((n, i) => ({
      ...n,
      addresses: [`198.18.0.${11 + i}`],
    }));
    writeFileSync(peer, JSON.stringify({ ...input, nodes, control: { mode: 'peer' } }));
    expect(
      await cli(
        controlCommand(async () => {}),
        ['--config', peer],
      ),
    ).toMatchObject({ code: 1, err: expect.stringContaining('control.mode is peer') });
    expect(
      await cli(
        controlCommand(async () => {}, {}),
        ['--config', configFile, '--listen', '127.0.0.1:0'],
      ),
    ).toMatchObject({ code: 1, err: expect.stringContaining('Hetzner Cloud API token') });
  });
});
