import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hookTarget } from '../../../agent/hooks';
import { runImport } from './helpers';

// Issue 16's leftovers: imported hooks get the arguments their scripts were written for, and
// --beside writes the legacy-vrrp check for a switch beside the running keepalived.
const dir = mkdtempSync(join(tmpdir(), 'ipferry-import-layouts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const host = (name: string, priority: number, src: string, peer: string) => {
  const file = join(dir, `${name}.conf`);
  writeFileSync(
    file,
    `vrrp_instance VI_MAIL {
    interface eth0
    virtual_router_id 7
    priority ${priority}
    advert_int 2
    unicast_src_ip ${src}
    unicast_peer { ${peer} }
    virtual_ipaddress { 198.18.0.25/24 }
    notify "/etc/keepalived/notify-all.sh --log"
}
`,
  );
  return `${name}=${file}`;
};

describe('ipferry import: hook layouts and --beside', () => {
  it("keepalived's notify becomes a hook with keepalived's layout: INSTANCE, name, state, each host's priority", async () => {
    const r = await runImport(
      'keepalived',
      '--node',
      host('mx1', 150, '198.18.0.11', '198.18.0.12'),
      '--node',
      host('mx2', 90, '198.18.0.12', '198.18.0.11'),
    );
    expect(r.code, r.err).toBe(0);
    const notify = r.config!.vips[0]!.hooks!.notify!;
    expect(notify).toEqual({
      run: ['/etc/keepalived/notify-all.sh', '--log'],
      layout: 'keepalived',
      priorities: { mx1: 150, mx2: 90 },
    });
    const on = (node: string, state: 'up' | 'down') =>
      hookTarget(notify, { vip: 'VI_MAIL', address: '198.18.0.25', interface: 'eth0', state, node });
    expect(on('mx1', 'up')).toMatchObject({ args: ['--log', 'INSTANCE', 'VI_MAIL', 'MASTER', '150'] });
    expect(on('mx2', 'down')).toMatchObject({ args: ['--log', 'INSTANCE', 'VI_MAIL', 'BACKUP', '90'] });
  });

  it('--beside adds the legacy-vrrp check to every VIP and says each host’s watcher line', async () => {
    const fixtures = 'test/lan/fixtures/beside';
    const r = await runImport(
      'keepalived',
      '--beside',
      ...['h1', 'h2', 'h3'].flatMap((h) => ['--node', `${h}=${fixtures}/${h}.conf`]),
    );
    expect(r.code, r.err).toBe(0);
    const c = r.config!;
    expect(c.checks['legacy-vrrp']).toMatchObject({
      kind: 'exec',
      command: [
        '/bin/bash',
        '/usr/local/lib/ipferry/legacy-vrrp-check.sh',
        '--state',
        '/run/ipferry/legacy-vrrp.state',
      ],
      interval: 1000,
      timeout: 900,
      rise: 1,
      fall: 3,
    });
    expect(c.vips.map((v) => v.checks.at(-1))).toEqual(['legacy-vrrp']);
    expect(r.text).toContain(
      '#   h1: ipferry legacy-watch watch --iface eth0 --vrid 51 --own 198.18.0.11 --quiet-ms 3000 --state /run/ipferry/legacy-vrrp.state',
    );
    expect(r.text).toMatch(/# Once the last keepalived has stopped .* remove the legacy-vrrp check/);
  });

  it('--beside is refused for ucarp, saying why', async () => {
    const r = await runImport('ucarp', '--beside', '--node', 'a=ucarp -i eth0 -s 198.18.0.1 -v 1 -p pw -a 198.18.0.9');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--beside is for keepalived: CARP adverts are not read yet/);
  });
});
