import { describe, expect, it } from 'vitest';
import { FIXTURES, runImport } from './helpers';

const node = (name: string, file: string) => ['--node', `${name}=${FIXTURES}/${file}`];

describe('ipferry import keepalived', () => {
  it('a MASTER/BACKUP pair: priority → preferred, advert_int → timers, unicast → peers, vrrp_script → exec check, notify → hooks', async () => {
    const r = await runImport(
      'keepalived',
      ...node('lb1', 'pair/lb1.conf'),
      ...node('lb2', 'pair/lb2.conf'),
      '--cluster',
      'lbpair',
    );
    expect(r.code, r.err).toBe(1);
    const c = r.config!;
    expect(c.nodes.map((n) => [n.id, n.interface, n.addresses])).toEqual([
      ['lb1', 'eth0', ['198.18.0.11']],
      ['lb2', 'eth0', ['198.18.0.12']],
    ]);
    expect(c.control).toMatchObject({ mode: 'peer', quorum: 'none', peers: ['198.18.0.11:7401', '198.18.0.12:7401'] });
    expect(c.timers).toMatchObject({ heartbeatInterval: 1000, deadAfter: 3000, preemptDelay: 30_000 });
    // track_interface eth1: a check that passes only while eth1 has carrier.
    expect(c.checks['link-eth1']).toMatchObject({
      kind: 'exec',
      command: ['grep', '-qx', '1', '/sys/class/net/eth1/carrier'],
      interval: 1000,
      fall: 1,
    });
    expect(c.checks.chk_haproxy).toMatchObject({
      kind: 'exec',
      command: ['/usr/bin/killall', '-0', 'haproxy'],
      interval: 2000,
      rise: 2,
      fall: 3,
    });
    const [main, second] = c.vips;
    expect(main).toMatchObject({
      name: 'VI_1',
      preferred: 'lb1',
      preempt: true,
      checks: ['chk_haproxy', 'link-eth1'],
      // notify_master and notify_backup get no arguments from keepalived: layout none keeps it so.
      hooks: {
        up: { run: ['/etc/keepalived/notify.sh', 'master'], layout: 'none' },
        down: { run: ['/etc/keepalived/notify.sh', 'backup'], layout: 'none' },
      },
    });
    expect(main!.ip?.text).toBe('198.18.0.100');
    // The instance's second address moves with its first, as keepalived moves them together.
    expect(second).toMatchObject({ name: 'VI_1-2', follow: 'VI_1' });
    expect(second!.hooks).toBeUndefined(); // keepalived runs notify_master once per instance
    expect(c.security.psk!.length).toBeGreaterThanOrEqual(16);
    expect(r.text).toMatch(
      /# VI_1: order of succession lb1 \(priority 150\) > lb2 \(priority 100\); preferred: lb1 \(hosts left out are tied or last/,
    );
  });

  it('lists every statement it does not carry with file:line and why: LVS, SMTP alerts, weight', async () => {
    const r = await runImport('keepalived', ...node('lb1', 'pair/lb1.conf'), ...node('lb2', 'pair/lb2.conf'));
    expect(r.err).toContain(
      `${FIXTURES}/pair/lb1.conf:45: dropped: virtual_server 198.18.0.100 80 — ipferry moves addresses; it does not balance load`,
    );
    expect(r.err).toContain(`${FIXTURES}/pair/lb1.conf:9: dropped: smtp_server 198.18.0.1 — ipferry sends no e-mail`);
    expect(r.err).toContain(
      `${FIXTURES}/pair/conf.d/scripts.conf:5: dropped: weight -20 — a weight shifts VRRP priority`,
    );
    expect(r.err).toContain(
      `${FIXTURES}/pair/lb1.conf:29: warning: VRRP PASS password carried as security.psk — it was sent in clear in every advert, so it was never security`,
    );
    expect(r.err).toContain(`${FIXTURES}/pair/lb1.conf:32: warning: label eth0:vip — noted only`);
  });

  it("a sync group: every member VIP follows the group's first instance; nopreempt → preempt: false", async () => {
    const r = await runImport('keepalived', ...node('gw1', 'sync/gw1.conf'), ...node('gw2', 'sync/gw2.conf'));
    expect(r.code, r.err).toBe(1); // the group's notify_master is dropped
    const vips = r.config!.vips.map((v) => ({
      name: v.name,
      follow: v.follow,
      preferred: v.preferred,
      preempt: v.preempt,
    }));
    expect(vips).toEqual([
      { name: 'VI_OUT', follow: undefined, preferred: 'gw1', preempt: false },
      { name: 'VI_IN', follow: 'VI_OUT', preferred: undefined, preempt: true },
      { name: 'VI_IN-2', follow: 'VI_OUT', preferred: undefined, preempt: true },
    ]);
    // Multicast VRRP names no host address: heartbeats go to a group of ipferry's own.
    expect(r.config!.control).toMatchObject({ mode: 'peer', multicast: '239.255.0.18' });
    expect(r.err).toMatch(
      /security: warning: security.psk — the files set no password, so a random pre-shared key was generated/,
    );
  });

  it('an IPv6 instance over three hosts, one of which disagrees on the addresses of virtual_router_id 66', async () => {
    const r = await runImport(
      'keepalived',
      ...node('a', 'ipv6/a.conf'),
      ...node('b', 'ipv6/b.conf'),
      ...node('c', 'ipv6/c-disagrees.conf'),
    );
    expect(r.code).toBe(1);
    const c = r.config!;
    expect(c.vips.map((v) => [v.ip?.text, v.ip?.prefixLength, v.preferred])).toEqual([['2001:db8::100', 64, 'a']]);
    expect(c.timers).toMatchObject({ heartbeatInterval: 500, deadAfter: 1500 });
    expect(c.control).toMatchObject({
      quorum: 'majority',
      peers: ['[2001:db8::11]:7401', '[2001:db8::12]:7401', '[2001:db8::13]:7401'],
    });
    expect(r.err).toContain(
      `${FIXTURES}/ipv6/c-disagrees.conf:2: dropped: vrrp_instance VI_6 on c (virtual_router_id 66) — its addresses [2001:db8::200/64] differ from a's [2001:db8::100/64]: the hosts disagree`,
    );
  });

  it('everything carried: exit 0', async () => {
    const r = await runImport('keepalived', ...node('a', 'clean/a.conf'), ...node('b', 'clean/b.conf'));
    expect(r.code, r.err).toBe(0);
    expect(r.config!.vips[0]).toMatchObject({ preferred: 'b', preempt: false });
  });

  it('errors say file and line and exit 2, writing nothing', async () => {
    const unclosed = await runImport('keepalived', ...node('a', 'bad/unclosed.conf'));
    expect(unclosed).toMatchObject({ code: 2, text: undefined });
    expect(unclosed.err).toBe(
      `ipferry: ${FIXTURES}/bad/unclosed.conf:5: a block is not closed before the end of the file`,
    );
    const loop = await runImport('keepalived', ...node('a', 'bad/loop-a.conf'));
    expect(loop.code).toBe(2);
    expect(loop.err).toMatch(
      /^ipferry: test\/cli\/import\/fixtures\/bad\/loop-b\.conf:2: include loop: .*loop-a\.conf -> .*loop-b\.conf -> .*loop-a\.conf$/,
    );
    const missing = await runImport('keepalived', ...node('a', 'bad/nope.conf'));
    expect(missing.err).toMatch(
      /^ipferry: test\/cli\/import\/fixtures\/bad\/nope\.conf: cannot read .*nope\.conf: ENOENT$/,
    );
    const invalid = await runImport('keepalived', ...node('a', 'bad/not-an-address.conf'));
    expect(invalid.code).toBe(2);
    expect(invalid.err).toMatch(
      /the imported config does not validate, so nothing was written:\n {2}vips\[0\]\.address: expected an address/,
    );
  });

  it('usage errors exit 2', async () => {
    expect((await runImport('keepalived')).code).toBe(2);
    expect((await runImport('vrrpd', '--node', 'a=b')).err).toMatch(
      /^ipferry: cannot import from "vrrpd": keepalived or ucarp/,
    );
    expect((await runImport('keepalived', ...node('a', 'pair/lb1.conf'), ...node('a', 'pair/lb2.conf'))).err).toMatch(
      /--node a is given twice/,
    );
  });
});

describe('ipferry import refuses hostile arguments', () => {
  it('node names the config would refuse, and escapes from the files are not printed raw', async () => {
    const bad = await runImport('keepalived', '--node', `../x=${FIXTURES}/pair/lb1.conf`);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^ipferry: --node \.\.\/x: a node id is letters, digits/);
    const r = await runImport('keepalived', ...node('a', 'bad/escape.conf'));
    expect(r.code).toBe(1);
    expect(r.err).not.toContain('\u001b');
    expect(r.err).toMatch(/bad\/escape\.conf:1: dropped: /);
  });
});
