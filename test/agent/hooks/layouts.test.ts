import { createServer, type Server } from 'node:net';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatIssue, loadConfig, parseConfig } from '../../../core/config';
import { HookRunner, hookTarget, type HookContext, type HookSpec } from '../../../agent/hooks';
import { serveHelper } from '../../../agent/hooks/helper/helper-server';

const base = {
  cluster: 'mail',
  security: { psk: 'a-long-enough-secret-key' },
  nodes: ['n1', 'n2'].map((id, i) => ({ id, interface: 'eth0', addresses: [`198.18.0.${11 + i}`] })),
};
const withHooks = (hooks: Record<string, unknown>) => ({
  ...base,
  vips: [{ name: 'mx', address: '198.18.0.50/24', hooks }],
});
const errorsOf = (raw: unknown): string[] => {
  const r = parseConfig(raw);
  return r.ok ? [] : r.issues.map(formatIssue);
};
const ctx = (over: Partial<HookContext> = {}): HookContext => ({
  vip: 'mx',
  address: '198.18.0.50',
  interface: 'eth1',
  state: 'up',
  node: 'n1',
  ...over,
});

describe('hook argument layouts: the argv each produces', () => {
  const cases: Array<[string, HookSpec, Partial<HookContext>, string[]]> = [
    ['a path (ipferry, the default)', '/etc/up.sh', {}, ['/etc/up.sh', 'eth1', '198.18.0.50']],
    [
      'an argv keeps its own arguments first',
      ['/bin/sh', '/etc/up.sh', 'x'],
      {},
      ['/bin/sh', '/etc/up.sh', 'x', 'eth1', '198.18.0.50'],
    ],
    ['ipferry layout named', { run: '/etc/up.sh', layout: 'ipferry' }, {}, ['/etc/up.sh', 'eth1', '198.18.0.50']],
    ['ucarp without extra', { run: '/etc/vip-up', layout: 'ucarp' }, {}, ['/etc/vip-up', 'eth1', '198.18.0.50']],
    [
      'ucarp: $3 is --xparam',
      { run: '/etc/vip-up', layout: 'ucarp', extra: '20' },
      {},
      ['/etc/vip-up', 'eth1', '198.18.0.50', '20'],
    ],
    [
      'ucarp: extra stays one argument',
      { run: '/etc/vip-up', layout: 'ucarp', extra: 'a b;$(id)' },
      { state: 'down' },
      ['/etc/vip-up', 'eth1', '198.18.0.50', 'a b;$(id)'],
    ],
    [
      'keepalived notify: MASTER on up',
      { run: '/etc/notify.sh', layout: 'keepalived', priorities: { n1: 150, n2: 100 } },
      {},
      ['/etc/notify.sh', 'INSTANCE', 'mx', 'MASTER', '150'],
    ],
    [
      'keepalived notify: BACKUP on down, the node’s own priority',
      { run: '/etc/notify.sh', layout: 'keepalived', priorities: { n1: 150, n2: 90 } },
      { state: 'down', node: 'n2' },
      ['/etc/notify.sh', 'INSTANCE', 'mx', 'BACKUP', '90'],
    ],
    [
      'keepalived notify: FAULT, 100 for a node without a priority',
      { run: ['/bin/sh', '/etc/notify.sh'], layout: 'keepalived' },
      { state: 'fault' },
      ['/bin/sh', '/etc/notify.sh', 'INSTANCE', 'mx', 'FAULT', '100'],
    ],
    [
      'none: notify_master scripts get only their own',
      { run: ['/etc/notify.sh', 'master'], layout: 'none' },
      {},
      ['/etc/notify.sh', 'master'],
    ],
  ];
  it.each(cases)('%s', (_name, spec, over, argv) => {
    const target = hookTarget(spec, ctx(over));
    expect(target).toEqual({ kind: 'exec', file: argv[0], args: argv.slice(1) });
  });

  it('a helper hook names an allow-list command and carries no argv of the config', () => {
    expect(hookTarget({ helper: 'restart-postfix' }, ctx())).toEqual({ kind: 'helper', command: 'restart-postfix' });
  });
});

describe('hook specs in the config', () => {
  it('parses every form: ucarp with its extra, a helper command, keepalived with priorities', () => {
    const c = loadConfig(
      withHooks({
        up: { run: '/etc/vip-up', layout: 'ucarp', extra: '20' },
        down: { helper: 'stop-postfix' },
        notify: { run: '/etc/notify.sh', layout: 'keepalived', priorities: { n1: 150 } },
      }),
    );
    expect(c.vips[0]!.hooks).toMatchObject({ down: { helper: 'stop-postfix' }, timeout: 10_000 });
  });

  it('refuses specs that say two things or nothing, with the reason', () => {
    expect(errorsOf(withHooks({ up: { run: '/x', helper: 'y' } }))).toEqual([
      expect.stringMatching(/vips\[0\]\.hooks\.up.*give one of run \(a program\) or helper \(a name\)/),
    ]);
    expect(errorsOf(withHooks({ up: { layout: 'ucarp' } })).join()).toMatch(/give one of run/);
    expect(errorsOf(withHooks({ up: { run: '/x', extra: '20' } })).join()).toMatch(
      /extra is \$3 of the ucarp layout only/,
    );
    expect(errorsOf(withHooks({ up: { run: '/x', priorities: { n1: 1 } } })).join()).toMatch(/keepalived layout only/);
    expect(errorsOf(withHooks({ up: { helper: 'x', layout: 'ucarp' } })).join()).toMatch(/no layout/);
    expect(errorsOf(withHooks({ up: { helper: '../../bin/sh' } })).join()).toMatch(/expected a name/);
    expect(errorsOf(withHooks({ up: { run: '/x', layout: 'vrrp' } })).join()).toMatch(/vips\[0\]\.hooks\.up/);
    expect(
      errorsOf(withHooks({ notify: { run: '/x', layout: 'keepalived', priorities: { n1: 150, n9: 100 } } })),
    ).toEqual(['vips[0].hooks.notify.priorities.n9: node "n9" is not defined in nodes']);
  });
});

describe('HookRunner with layouts and the helper', () => {
  let dir: string;
  let server: Server;
  const socket = () => join(dir, 'helper.sock');
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ipferry-layouts-'));
    const record = join(dir, 'record.sh');
    await writeFile(record, `#!/bin/sh\necho "$*" >> ${dir}/log\n`);
    await chmod(record, 0o755);
    await writeFile(join(dir, 'allow.yaml'), `commands:\n  note: { argv: [${record}, helper, '{state}', '{vip}'] }\n`, {
      mode: 0o644,
    });
    server = createServer({ allowHalfOpen: true });
    serveHelper(server, { allowList: join(dir, 'allow.yaml'), logger: pino({ enabled: false }) });
    await new Promise<void>((resolve) => server.listen(socket(), resolve));
  });
  afterAll(async () => {
    server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('runs keepalived and ucarp layouts with the arguments their scripts were written for, and helper hooks through the socket', async () => {
    const record = join(dir, 'record.sh');
    const r = new HookRunner({ node: 'n1', now: () => 5, helperSocket: socket(), logger: pino({ enabled: false }) });
    const hooks = {
      up: { run: record, layout: 'ucarp' as const, extra: '20' },
      down: { helper: 'note' },
      notify: { run: record, layout: 'keepalived' as const, priorities: { n1: 150 } },
      timeout: 5000,
    };
    const t = { vip: 'mx', address: '198.18.0.50', interface: 'eth1', hooks, epoch: 3 };
    r.transition({ ...t, state: 'up' });
    r.transition({ ...t, state: 'down' });
    r.transition({ ...t, hooks: { ...hooks, up: { helper: 'not-listed' } }, state: 'up' });
    await r.idle();
    expect((await readFile(join(dir, 'log'), 'utf8')).trim().split('\n')).toEqual([
      'eth1 198.18.0.50 20',
      'INSTANCE mx MASTER 150',
      'helper down mx',
      'INSTANCE mx BACKUP 150',
      'INSTANCE mx MASTER 150',
    ]);
    const status = r.status();
    expect(status).toMatchObject({ runs: 6, failures: 1 });
    expect(status.recent).toEqual([
      {
        vip: 'mx',
        hook: 'up',
        reason: 'refused',
        error: `"not-listed" is not in the allow-list ${join(dir, 'allow.yaml')}`,
        at: 5,
      },
    ]);
  });

  it('a helper that is not there is a failure with a reason, not silence', async () => {
    const r = new HookRunner({ node: 'n1', now: () => 5, helperSocket: join(dir, 'none.sock') });
    r.transition({
      vip: 'mx',
      address: '198.18.0.50',
      interface: 'eth1',
      hooks: { up: { helper: 'note' }, timeout: 1000 },
      epoch: 1,
      state: 'up',
    });
    await r.idle();
    expect(r.status().recent[0]).toMatchObject({
      reason: 'not-run',
      error: expect.stringMatching(/hook helper not reachable at .*none\.sock \(ENOENT\)/),
    });
  });
});
