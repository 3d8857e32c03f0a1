import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostAddress } from '../../core/ports';
import { execFileRunner, inNetns } from '../../agent/hostnet/command';
import { HostNetError } from '../../agent/hostnet/errors';
import { parseIpAddrJson } from '../../agent/hostnet/ip-json';
import { LinuxHostNet } from '../../agent/hostnet/linux';
import { createLab, type Lab } from '../../sim/lab';

// Real namespaces, real ip/arping: every address lives inside namespaces this file creates.
let lab: Lab;
let h1: LinuxHostNet;
let h2: LinuxHostNet;

beforeAll(async () => {
  lab = await createLab({ hosts: 2 });
  h1 = new LinuxHostNet({ run: inNetns(lab.member('h1').netns) });
  h2 = new LinuxHostNet({ run: inNetns(lab.member('h2').netns) });
});

afterAll(async () => {
  await lab?.destroy();
});

const v4 = (last: number): HostAddress => ({
  address: `198.18.0.${last}`,
  prefixLength: 24,
  family: 4,
  interface: 'eth0',
});
const v6 = (last: string): HostAddress => ({
  address: `2001:db8::${last}`,
  prefixLength: 64,
  family: 6,
  interface: 'eth0',
});

/** One UDP question from the client to the responders; the answer names the host. */
async function ask(vip: string): Promise<string> {
  const script = `
    const s = require('dgram').createSocket(process.argv[1].includes(':') ? 'udp6' : 'udp4');
    setTimeout(() => { console.log('none'); process.exit(0); }, 1500);
    s.on('message', (m) => { console.log(m.toString()); process.exit(0); });
    s.send('ask', Number(process.argv[2]), process.argv[1]);`;
  const r = await lab.exec('client', process.execPath, ['-e', script, vip, String(lab.responderPort)]);
  return r.stdout.trim().split(' ')[0] ?? '';
}

/** The client's neighbour entry for an address: the MAC it would send to, or undefined. */
async function clientNeighbour(address: string): Promise<string | undefined> {
  const r = await lab.exec('client', 'ip', ['-j', 'neigh', 'show', address, 'dev', 'eth0']);
  const entries = JSON.parse(r.stdout || '[]') as Array<{ lladdr?: string }>;
  return entries[0]?.lladdr;
}

describe('LinuxHostNet in a lab host', () => {
  it('binds an address: bound() shows it and the client reaches the responder through it', async () => {
    const vip = v4(50);
    expect(await h1.bound(['eth0'])).not.toContain(vip.address);
    await h1.bind(vip);
    const bound = await h1.bound(['eth0']);
    expect(bound).toContain('198.18.0.50');
    expect(bound).toContain(lab.member('h1').ipv4); // the host's own address is reported too
    expect(await ask(vip.address)).toBe('h1');
    await h1.unbind(vip);
    expect(await h1.bound(['eth0'])).not.toContain(vip.address);
    expect(await ask(vip.address)).toBe('none');
  });

  it('is idempotent: bind twice and unbind twice succeed', async () => {
    const vip = v4(51);
    await h1.bind(vip);
    await h1.bind(vip);
    const { addresses } = parseIpAddrJson((await lab.exec('h1', 'ip', ['-j', 'addr', 'show', 'dev', 'eth0'])).stdout);
    expect(addresses.filter((a) => a.address === vip.address)).toHaveLength(1);
    await h1.unbind(vip);
    await h1.unbind(vip);
    expect(await h1.bound(['eth0'])).not.toContain(vip.address);
  });

  it('announce moves the client to the new holder after the address moves from h1 to h2', async () => {
    const vip = v4(52);
    await h1.bind(vip);
    expect(await ask(vip.address)).toBe('h1');
    expect(await clientNeighbour(vip.address)).toBe(lab.member('h1').mac);

    await h1.unbind(vip);
    await h2.bind(vip);
    // Without an announcement the client still sends to h1's MAC.
    expect(await clientNeighbour(vip.address)).toBe(lab.member('h1').mac);
    await h2.announce(vip);
    expect(await clientNeighbour(vip.address)).toBe(lab.member('h2').mac);
    expect(await ask(vip.address)).toBe('h2');
    await h2.unbind(vip);
  });

  it('announces count times at the interval asked, one packet each', async () => {
    const vip = v4(53);
    await h1.bind(vip);
    const started = Date.now();
    await h1.announce(vip, { count: 3, intervalMs: 150 });
    // Two 150 ms gaps, then the last arping lingers its one second: at least 1.3 s in all.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1250);
    await h1.unbind(vip);
  });

  it('binds IPv6 with nodad (usable at once) and announces it with an unsolicited NA', async () => {
    const vip = v6('50');
    await h1.bind(vip);
    const { addresses } = parseIpAddrJson((await lab.exec('h1', 'ip', ['-j', 'addr', 'show', 'dev', 'eth0'])).stdout);
    expect(addresses.find((a) => a.address === '2001:db8::50')).toMatchObject({ prefixLength: 64, tentative: false });
    expect(await h1.bound(['eth0'])).toContain('2001:db8::50');
    expect(await ask(vip.address)).toBe('h1');
    expect(await clientNeighbour(vip.address)).toBe(lab.member('h1').mac);

    await h1.unbind(vip);
    await h2.bind(vip);
    expect(await clientNeighbour(vip.address)).toBe(lab.member('h1').mac);
    await h2.announce(vip);
    expect(await clientNeighbour(vip.address)).toBe(lab.member('h2').mac);
    expect(h2.naTool === 'ndsend' || h2.naTool === 'python3').toBe(true);
    expect(await ask(vip.address)).toBe('h2');
    await h2.bind(vip); // idempotent for IPv6 too
    await h2.unbind(vip);
    await h2.unbind(vip);
  });

  it('errors carry the iproute2 message and a reason', async () => {
    const bad: HostAddress = { ...v4(54), interface: 'eth9' };
    const err = await h1.bind(bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostNetError);
    expect((err as HostNetError).reason).toBe('not-found');
    expect((err as HostNetError).message).toContain('Cannot find device "eth9"');
    expect((err as HostNetError).details.command).toBe('ip addr add 198.18.0.54/24 dev eth9');

    const listing = await h1.bound(['eth0', 'eth9']).catch((e: unknown) => e);
    expect((listing as HostNetError).reason).toBe('not-found');
    expect((listing as HostNetError).message).toBe('no such interface: eth9');

    // arping refuses to announce an address this host does not hold, and so do we.
    const notHeld = await h1.announce(v4(55)).catch((e: unknown) => e);
    expect((notHeld as HostNetError).reason).toBe('conflict');
    expect((notHeld as HostNetError).message).toContain('Cannot assign requested address');
    const notHeld6 = await h1.announce(v6('55')).catch((e: unknown) => e);
    expect((notHeld6 as HostNetError).reason).toBe('conflict');
  });

  it('refuses to treat the same address with another prefix length as already bound or absent', async () => {
    const asHost: HostAddress = { ...v4(56), prefixLength: 32 };
    await h1.bind(asHost);
    await expect(h1.unbind(v4(56))).rejects.toThrow(/holds it as \/32, not removing it/);
    expect(await h1.bound(['eth0'])).toContain('198.18.0.56');
    const six: HostAddress = { ...v6('56'), prefixLength: 128 };
    await h1.bind(six);
    await expect(h1.bind(v6('56'))).rejects.toThrow(/already holds it as \/128/);
    await h1.unbind(asHost);
    await h1.unbind(six);
  });

  it('watches the host with ip monitor: each address change is reported, a watch that cannot run says why', async () => {
    expect(h1.watch).toBeUndefined(); // commands run in a namespace it was not told how to watch
    expect(new LinuxHostNet({ run: execFileRunner }).watch).toBeDefined(); // as selectHostNet() builds it: commands run here
    const netns = lab.member('h1').netns;
    const host = new LinuxHostNet({ run: inNetns(netns), monitorArgs: ['-n', netns, 'monitor', 'address'] });
    let changes = 0;
    const lost: string[] = [];
    const watch = host.watch!({ changed: () => changes++, lost: (reason) => lost.push(reason) });
    const until = async (done: () => boolean) => {
      for (let i = 0; i < 100 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    };
    try {
      await new Promise((resolve) => setTimeout(resolve, 200)); // ip is listening
      await host.bind(v4(57));
      await until(() => changes >= 1);
      expect(changes).toBeGreaterThanOrEqual(1);
      const afterBind = changes;
      await host.unbind(v4(57));
      await until(() => changes > afterBind);
      expect(changes).toBeGreaterThan(afterBind);
    } finally {
      watch.stop();
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(lost).toEqual([]); // stopping is not losing it

    const broken = new LinuxHostNet({
      run: inNetns(netns),
      monitorArgs: ['-n', 'no-such-netns', 'monitor', 'address'],
    });
    broken.watch!({ changed: () => changes++, lost: (reason) => lost.push(reason) });
    await until(() => lost.length > 0);
    expect(lost).toEqual([
      expect.stringMatching(/^ip -n no-such-netns monitor address exited \(code \d+\): .*no-such-netns/),
    ]);
  });
});
