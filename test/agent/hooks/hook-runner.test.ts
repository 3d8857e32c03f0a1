import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HookRunner, type HookFailure, type Transition } from '../../../agent/hooks';

let dir: string;

/** A hook script that appends one line per run: its name, its arguments and the IPFERRY_ env. */
async function script(name: string, body = '', before = ''): Promise<string> {
  const path = join(dir, name);
  await writeFile(
    path,
    `#!/bin/sh\n${before}\necho "${name} $* vip=$IPFERRY_VIP state=$IPFERRY_STATE epoch=$IPFERRY_EPOCH node=$IPFERRY_NODE" >> "${join(dir, 'log')}"\n${body}\n`,
  );
  await chmod(path, 0o755);
  return path;
}

async function log(): Promise<string[]> {
  const text = await readFile(join(dir, 'log'), 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean);
}

const base = (hooks: Transition['hooks'], extra: Partial<Transition> = {}): Transition => ({
  vip: 'smtp',
  address: '198.18.0.74',
  interface: 'eth1',
  hooks,
  state: 'up',
  epoch: 7,
  ...extra,
});

function runner(failures: HookFailure[] = []) {
  return new HookRunner({
    node: 'server1',
    now: () => 1234,
    logger: pino({ enabled: false }),
    onFailure: (f) => failures.push(f),
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ipferry-hooks-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('HookRunner', () => {
  it('calls the up hook like ucarp ($1 interface, $2 address) with the IPFERRY_ environment, then notify', async () => {
    await rm(join(dir, 'log'), { force: true });
    const r = runner();
    r.transition(base({ up: await script('up.sh'), notify: await script('notify.sh'), timeout: 5000 }));
    await r.idle();
    expect(await log()).toEqual([
      'up.sh eth1 198.18.0.74 vip=smtp state=up epoch=7 node=server1',
      'notify.sh eth1 198.18.0.74 vip=smtp state=up epoch=7 node=server1',
    ]);
    expect(r.takeFailures()).toEqual([]);
  });

  it("keeps an argv hook's own arguments before the interface and address, with no shell in between", async () => {
    await rm(join(dir, 'log'), { force: true });
    const r = runner();
    r.transition(
      base(
        { down: [await script('argv.sh'), '--reason', '$(touch pwned); `id`'], timeout: 5000 },
        { state: 'down', epoch: 9 },
      ),
    );
    await r.idle();
    expect(await log()).toEqual([
      'argv.sh --reason $(touch pwned); `id` eth1 198.18.0.74 vip=smtp state=down epoch=9 node=server1',
    ]);
  });

  it('runs down and notify when a release on control loss takes the address away, only notify when a bind failed', async () => {
    await rm(join(dir, 'log'), { force: true });
    const r = runner();
    const hooks = {
      up: await script('up.sh'),
      down: await script('down.sh'),
      notify: await script('notify.sh'),
      timeout: 5000,
    };
    r.transition(base(hooks, { state: 'fault', released: false }));
    r.transition(base(hooks, { state: 'fault', released: true }));
    await r.idle();
    expect((await log()).map((l) => l.split(' ')[0] + ' ' + l.split(' ')[4])).toEqual([
      'notify.sh state=fault',
      'down.sh state=fault',
      'notify.sh state=fault',
    ]);
  });

  it('kills a hook that outlives its timeout and reports it, without holding up the caller', async () => {
    const failures: HookFailure[] = [];
    const r = runner(failures);
    const started = performance.now();
    r.transition(base({ up: await script('slow.sh', 'sleep 5'), timeout: 300 }));
    expect(performance.now() - started).toBeLessThan(50);
    await r.idle();
    expect(performance.now() - started).toBeLessThan(3000);
    const reported = r.takeFailures();
    expect(reported).toEqual([{ vip: 'smtp', hook: 'up', error: 'timed out after 300ms, killed', at: 1234 }]);
    expect(failures).toEqual(reported.map((f) => ({ ...f, reason: 'timeout' })));
    expect(r.takeFailures()).toEqual([]);
    // Status keeps counting after the heartbeat took the failure.
    expect(r.status()).toEqual({ runs: 1, failures: 1, recent: [{ ...reported[0], reason: 'timeout' }] });
  });

  it('reports a non-zero exit with what the hook said, and a program that cannot start', async () => {
    const r = runner();
    r.transition(
      base({
        up: await script('fails.sh', 'echo "no such service" >&2; exit 3'),
        notify: join(dir, 'missing.sh'),
        timeout: 5000,
      }),
    );
    await r.idle();
    const failures = r.takeFailures();
    expect(failures.map((f) => [f.hook, f.error])).toEqual([
      ['up', 'exit code 3: no such service'],
      ['notify', expect.stringMatching(/^could not run: .*ENOENT/)],
    ]);
    // A heartbeat that was not delivered gives them back, ahead of newer ones.
    r.returnFailures(failures);
    expect(r.takeFailures()).toEqual(failures);
  });

  it("runs one VIP's hooks in the order of its transitions, and different VIPs side by side", async () => {
    await rm(join(dir, 'log'), { force: true });
    const r = runner();
    const slowUp = await script('slow-up.sh', '', 'sleep 0.3');
    const down = await script('down.sh');
    r.transition(base({ up: slowUp, down, timeout: 5000 }, { vip: 'a' }));
    r.transition(base({ up: slowUp, down, timeout: 5000 }, { vip: 'a', state: 'down' }));
    r.transition(base({ up: down, timeout: 5000 }, { vip: 'b' }));
    await r.idle();
    const lines = (await log()).map((l) => `${l.split(' ')[0]} ${l.split(' ')[3]}`);
    expect(lines).toEqual(['down.sh vip=b', 'slow-up.sh vip=a', 'down.sh vip=a']);
  });
});
