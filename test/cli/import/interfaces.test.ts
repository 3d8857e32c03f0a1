import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURES, runImport } from './helpers';

// Debian's ucarp package is configured with ucarp-* options in /etc/network/interfaces
// (README.Debian); /etc/network/if-up.d/ucarp turns them into a ucarp command line.
const dir = mkdtempSync(join(tmpdir(), 'ipferry-ifupdown-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const host = (name: string) => ['--interfaces', `${name}=${FIXTURES}/interfaces/${name}`];
function file(text: string): string {
  const path = join(dir, `interfaces-${Math.random().toString(36).slice(2)}`);
  writeFileSync(path, text);
  return path;
}

describe('ipferry import ucarp --interfaces (Debian /etc/network/interfaces)', () => {
  it("two hosts: vid → VIP, address → node, advskew → preferred, master → preempt, deadratio → deadAfter, the :ucarp stanza's netmask → prefix", async () => {
    const r = await runImport('ucarp', ...host('mx1'), ...host('mx2'), '--cluster', 'mx');
    expect(r.code, r.err).toBe(1);
    const c = r.config!;
    expect(c.nodes.map((n) => [n.id, n.interface, n.addresses])).toEqual([
      ['mx1', 'eth0', ['198.18.0.2']],
      ['mx2', 'eth0', ['198.18.0.3']],
    ]);
    expect(c.vips).toHaveLength(1);
    expect(c.vips[0]).toMatchObject({
      name: 'vhid3',
      preferred: 'mx1',
      preempt: true,
      hooks: { up: { run: '/etc/ucarp/mail-up.sh', layout: 'ucarp' } },
    });
    expect([c.vips[0]!.ip?.text, c.vips[0]!.ip?.prefixLength]).toEqual(['198.18.0.1', 24]);
    expect(c.vips[0]!.hooks?.down).toBeUndefined(); // Debian's vip-down only took IFACE:ucarp down
    expect(c.timers).toMatchObject({ heartbeatInterval: 1000, deadAfter: 4000 }); // advbase 1 × deadratio 4 (a continued line)
    expect(c.control).toMatchObject({ mode: 'peer', quorum: 'none', peers: ['198.18.0.2:7401', '198.18.0.3:7401'] });
    expect(r.err).toContain(
      `${FIXTURES}/interfaces/mx1:17: dropped: ucarp-downscript /usr/share/ucarp/vip-down — Debian's own script`,
    );
    expect(r.err).toContain(
      `${FIXTURES}/interfaces/mx1:18: dropped: ucarp-facility daemon — not an option Debian's ucarp hook reads`,
    );
    expect(r.err).toContain(
      `${FIXTURES}/interfaces/mx1:23: dropped: source /etc/network/interfaces.d/* — not followed`,
    );
    expect(r.err).toMatch(/warning: CARP password carried as security.psk/);
  });

  it('--prefix wins over the stanza; a --node command line and an interfaces file mix', async () => {
    const r = await runImport(
      'ucarp',
      ...host('mx1'),
      '--node',
      'mx3=ucarp -i eth0 -s 198.18.0.4 -v 3 -p 16charsatmost -a 198.18.0.1 -k 200',
      '--prefix',
      '20',
    );
    expect(r.config!.vips[0]!.ip?.prefixLength).toBe(20);
    expect(r.config!.nodes.map((n) => n.id).sort()).toEqual(['mx1', 'mx3']);
  });

  it('refuses with file:line and why, writing nothing: a stanza without ucarp-vid, a bad number, no stanza at all, a missing file', async () => {
    const cases: Array<[string, RegExp]> = [
      [
        file('iface eth0 inet static\n  address 198.18.0.2/24\n  ucarp-vip 198.18.0.1\n  ucarp-password secret\n'),
        /:1: iface eth0 has ucarp options but no ucarp-vid/,
      ],
      [
        file('iface eth0 inet static\n  ucarp-vid 999\n  ucarp-vip 198.18.0.1\n  ucarp-password secret\n'),
        /:2: ucarp-vid 999 is not a number from 0 to 255/,
      ],
      [file('auto eth0\niface eth0 inet dhcp\n'), /no iface stanza with ucarp-vid, ucarp-vip and ucarp-password/],
      [join(dir, 'absent'), /absent: no such file/],
      [dir, /is not a regular file/],
    ];
    for (const [path, why] of cases) {
      const r = await runImport('ucarp', '--interfaces', `h1=${path}`);
      expect(r.code, path).toBe(2);
      expect(r.err, path).toMatch(why);
      expect(r.text, path).toBeUndefined();
    }
  });

  it('what the file says reaches the terminal escaped', async () => {
    const r = await runImport(
      'ucarp',
      '--interfaces',
      `h1=${file('iface eth0 inet static\n  ucarp-vid \u001b[2J\n  ucarp-vip 198.18.0.1\n  ucarp-password secret\n')}`,
    );
    expect(r.code).toBe(2);
    expect(r.err).not.toContain('\u001b');
  });

  it('--interfaces is for ucarp only', async () => {
    const r = await runImport('keepalived', '--interfaces', `h1=${FIXTURES}/interfaces/mx1`);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--interfaces is for ucarp/);
  });
});
