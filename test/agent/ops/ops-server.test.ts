import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { Agent, AgentStatus } from '../../../agent/agent';
import { parseListen, startOpsServer, type OpsServer } from '../../../agent/ops';
import type { HeartbeatReceiver } from '../../helpers/heartbeat-receiver';
import { lan } from '../../helpers/configs';
import { startAgentFixture } from '../agent-fixture';

/** The value of one sample line ("name{labels} value") in Prometheus text. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("the agent's /metrics and /status", () => {
  let agent: Agent | undefined;
  let receiver: HeartbeatReceiver | undefined;
  let ops: OpsServer | undefined;
  afterEach(async () => {
    await ops?.close();
    await agent?.stop({ deadlineMs: 3000 });
    await receiver?.close();
    agent = receiver = ops = undefined;
  });

  it('serves Prometheus metrics and a JSON status on loopback', async () => {
    const f = await startAgentFixture(
      (url) =>
        lan({
          nodes: 2,
          control: { mode: 'local', liveness: 'direct', url },
          timers: { heartbeatInterval: 100, deadAfter: 5000 },
          checks: {
            cp: { kind: 'tcp', target: url.replace('http://', ''), interval: 100, timeout: 80, rise: 1, fall: 1 },
          },
          vips: [{ name: 'v1', hooks: { up: '/nonexistent/ipferry-hook' } }, { name: 'v2' }],
        }),
      { metrics: true },
    );
    ({ agent, receiver } = f);
    ops = await startOpsServer({
      listen: '127.0.0.1:0',
      metrics: f.metrics!,
      status: () => f.agent.status(),
      logger: pino({ enabled: false }),
    });
    expect(ops.address).toBe(`127.0.0.1:${ops.port}`);
    await f.agent.start();
    receiver.assign('n1', [{ vip: 'v1', epoch: 6 }]);
    await receiver.next((hb) => hb.hookFailures.length > 0, 3000);
    await receiver.next(() => true, 1000);

    const res = await fetch(`http://127.0.0.1:${ops.port}/metrics`);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(sample(text, 'ipferry_heartbeat_rtt_seconds_count')).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'ipferry_heartbeats_total{outcome="answer"}')).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'ipferry_control_plane_reachable')).toBe(1);
    expect(sample(text, 'ipferry_vips_held')).toBe(1);
    expect(sample(text, 'ipferry_vip_binds_total')).toBe(1);
    expect(sample(text, 'ipferry_hook_failures_total{hook="up",reason="not-run"}')).toBe(1);
    expect(sample(text, 'ipferry_check_up{check="cp"}')).toBe(1);
    expect(sample(text, 'ipferry_check_runs_total{check="cp",result="ok"}')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'ipferry_check_latency_seconds_count{check="cp"}')).toBeGreaterThanOrEqual(1);

    receiver.setMode('fail-500');
    await new Promise((resolve) => setTimeout(resolve, 250));
    const after = await (await fetch(`http://127.0.0.1:${ops.port}/metrics`)).text();
    expect(sample(after, 'ipferry_heartbeat_failures_total{reason="server-error"}')).toBeGreaterThanOrEqual(1);
    expect(sample(after, 'ipferry_control_plane_reachable')).toBe(0);

    const status = (await (await fetch(`http://127.0.0.1:${ops.port}/status`)).json()) as AgentStatus;
    expect(status).toMatchObject({
      cluster: 'test',
      node: 'n1',
      hostNet: 'recording (test)',
      controlPlane: {
        target: `${receiver.url}/v1/heartbeat`,
        reachable: false,
        lastAnswer: { assignments: [{ vip: 'v1', epoch: 6 }] },
        lastFailure: { reason: 'server-error' },
      },
      held: [{ vip: 'v1', epoch: 6 }],
      vips: [
        { name: 'v1', kind: 'lan', address: '198.18.0.101/24', interface: 'eth0', state: 'held', owned: 6, applied: 6 },
        { name: 'v2', kind: 'lan', address: '198.18.0.102/24', interface: 'eth0', state: 'idle' },
      ],
      checks: { cp: { ok: true } },
      hooks: {
        runs: 1,
        failures: 1,
        recent: [{ vip: 'v1', hook: 'up', reason: 'not-run', error: expect.stringMatching(/ENOENT/) }],
      },
    });
    expect(status.process.rssBytes).toBeGreaterThan(0);
    expect((await fetch(`http://127.0.0.1:${ops.port}/nothing`)).status).toBe(404);
  });

  it('refuses to start on a port that is taken, saying which', async () => {
    const f = await startAgentFixture(
      (url) => lan({ nodes: 1, control: { mode: 'local', liveness: 'direct', url }, vips: [] }),
      { metrics: true },
    );
    receiver = f.receiver;
    await expect(
      startOpsServer({
        listen: `127.0.0.1:${f.receiver.port}`,
        metrics: f.metrics!,
        status: () => ({}),
        logger: pino({ enabled: false }),
      }),
    ).rejects.toThrow(`cannot listen on 127.0.0.1:${f.receiver.port} for /metrics and /status: listen EADDRINUSE`);
  });
});

describe('parseListen', () => {
  it.each([
    ['127.0.0.1:9477', { host: '127.0.0.1', port: 9477 }],
    ['[::1]:9477', { host: '::1', port: 9477 }],
    [':9477', { host: '127.0.0.1', port: 9477 }],
  ])('%s', (text, expected) => expect(parseListen(text)).toEqual(expected));

  it('refuses what is not host:port', () => {
    expect(() => parseListen('9477')).toThrow('expected host:port, got "9477"');
    expect(() => parseListen('127.0.0.1:99999')).toThrow('expected host:port');
  });
});
