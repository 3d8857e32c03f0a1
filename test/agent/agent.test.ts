import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Agent } from '../../agent/agent';
import type { HeartbeatReceiver } from '../helpers/heartbeat-receiver';
import { lan } from '../helpers/configs';
import { startHttpServer, type HttpServer } from '../helpers/http-server';
import { startAgentFixture, until } from './agent-fixture';

let dir: string;
let web: HttpServer;

async function hook(name: string, before = ''): Promise<string> {
  const path = join(dir, name);
  await writeFile(
    path,
    `#!/bin/sh\n${before}\necho "${name} $1 $2 $IPFERRY_STATE $IPFERRY_EPOCH" >> "${join(dir, 'hooks.log')}"\n`,
  );
  await chmod(path, 0o755);
  return path;
}

const hookLog = async () =>
  (await readFile(join(dir, 'hooks.log'), 'utf8').catch(() => '')).split('\n').filter(Boolean);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ipferry-agent-'));
  web = await startHttpServer({ '/health': { body: 'ok' } });
});
afterAll(async () => {
  await web.close();
  await rm(dir, { recursive: true, force: true });
});

describe('Agent', () => {
  let agent: Agent | undefined;
  let receiver: HeartbeatReceiver | undefined;
  afterEach(async () => {
    await agent?.stop({ graceful: false, deadlineMs: 3000 });
    await receiver?.close();
    agent = receiver = undefined;
  });

  it('cleans the slate, binds what it is assigned, reports it, and on stop says it is leaving, unbinds and runs down hooks', async () => {
    await rm(join(dir, 'hooks.log'), { force: true });
    const hooks = { up: await hook('up.sh'), down: await hook('down.sh'), timeout: 5000 };
    const f = await startAgentFixture(
      (url) =>
        lan({
          nodes: 2,
          control: { mode: 'local', liveness: 'direct', url },
          timers: { heartbeatInterval: 100, deadAfter: 300 },
          checks: { web: { kind: 'http', target: web.url('/health'), interval: 100, timeout: 80, rise: 1, fall: 1 } },
          vips: [
            { name: 'v1', hooks },
            { name: 'v2', hooks },
          ],
        }),
      { initial: [{ address: '198.18.0.102', prefixLength: 24, family: 4, interface: 'eth0' }] },
    );
    ({ agent, receiver } = f);
    await f.agent.start();
    expect(f.changes()).toEqual(['unbind 198.18.0.102']);
    expect(receiver.received.length).toBe(0); // the clean slate came before the first heartbeat

    receiver.assign('n1', [{ vip: 'v1', epoch: 4 }]);
    const reported = await receiver.next((hb) => hb.held.includes('v1'), 3000);
    expect(reported.applied).toEqual({ v1: 4 });
    await until(() => f.agent.checks.states().web?.ok === true, 2000, 'web check healthy');
    expect((await receiver.next()).checks.web).toMatchObject({ ok: true });

    const report = await f.agent.stop();
    expect(report).toMatchObject({ ok: true, leavingDelivered: true });
    expect(report.ms).toBeLessThan(3000);
    const last = receiver.received.at(-1)!.heartbeat;
    expect(last).toMatchObject({ leaving: true, held: ['v1'] });
    expect(f.changes()).toEqual(['unbind 198.18.0.102', 'bind 198.18.0.101', 'unbind 198.18.0.101']);
    expect(await hookLog()).toEqual([
      'down.sh eth0 198.18.0.102 down 0',
      'up.sh eth0 198.18.0.101 up 4',
      'down.sh eth0 198.18.0.101 down 4',
    ]);
    const count = receiver.received.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.received.length).toBe(count);
  });

  it("binds a second VIP at once while the first one's up hook is still running", async () => {
    const slow = await hook('slow-up.sh', 'sleep 2');
    const f = await startAgentFixture((url) =>
      lan({
        nodes: 1,
        control: { mode: 'local', liveness: 'direct', url },
        timers: { heartbeatInterval: 100, deadAfter: 300 },
        vips: [{ name: 'v1', hooks: { up: slow, timeout: 5000 } }, { name: 'v2' }],
      }),
    );
    ({ agent, receiver } = f);
    await f.agent.start();
    receiver.assign('n1', [{ vip: 'v1', epoch: 1 }]);
    await until(() => f.host.only('bind').length === 1, 2000, 'v1 bound');
    const assignedAt = Date.now();
    receiver.assign('n1', [
      { vip: 'v1', epoch: 1 },
      { vip: 'v2', epoch: 1 },
    ]);
    await until(() => f.host.only('bind').length === 2, 2000, 'v2 bound');
    expect(Date.now() - assignedAt).toBeLessThan(1000);
  });

  it('reports a failing up hook in the next heartbeat', async () => {
    const bad = join(dir, 'fails.sh');
    await writeFile(bad, '#!/bin/sh\necho "cannot start postfix" >&2\nexit 4\n');
    await chmod(bad, 0o755);
    const f = await startAgentFixture((url) =>
      lan({
        nodes: 1,
        control: { mode: 'local', liveness: 'direct', url },
        timers: { heartbeatInterval: 100, deadAfter: 300 },
        vips: [{ name: 'v1', hooks: { up: bad } }],
      }),
    );
    ({ agent, receiver } = f);
    await f.agent.start();
    receiver.assign('n1', [{ vip: 'v1', epoch: 2 }]);
    const hb = await receiver.next((h) => h.hookFailures.length > 0, 3000);
    expect(hb.hookFailures).toEqual([
      { vip: 'v1', hook: 'up', error: 'exit code 4: cannot start postfix', at: expect.any(Number) },
    ]);
    expect(hb.held).toEqual(['v1']);
  });

  it('stops within its deadline even when the control plane hangs', async () => {
    const f = await startAgentFixture((url) =>
      lan({
        nodes: 1,
        control: { mode: 'local', liveness: 'direct', url },
        timers: { heartbeatInterval: 200, deadAfter: 600 },
        vips: [{ name: 'v1' }],
      }),
    );
    ({ agent, receiver } = f);
    await f.agent.start();
    receiver.assign('n1', [{ vip: 'v1', epoch: 1 }]);
    await receiver.next((hb) => hb.held.includes('v1'), 3000);
    receiver.setMode('hang');
    const report = await f.agent.stop();
    expect(report).toMatchObject({ ok: true, leavingDelivered: false });
    expect(report.ms).toBeLessThan(1500);
    expect(f.changes().at(-1)).toBe('unbind 198.18.0.101');
  });
});
