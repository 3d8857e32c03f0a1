import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { UdpPeers } from '../../../agent/peer/udp-peers';
import { freeUdpPorts, sendUdp, udpSpy } from './udp-ports';

const logger = pino({ enabled: false });
const closers: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function open(
  port: number,
  peers: string[],
  more: Partial<Parameters<typeof UdpPeers.open>[0]> = {},
): Promise<UdpPeers> {
  const t = await UdpPeers.open({ port, peers, ownAddresses: ['127.0.0.1'], bind: '127.0.0.1', logger, ...more });
  closers.push(() => t.close());
  return t;
}

async function spy() {
  const s = await udpSpy();
  closers.push(() => s.close());
  return s;
}

const until = async (ok: () => boolean, what: string) => {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!ok()) throw new Error(`${what}: not within 1 s`);
};

describe('UdpPeers', () => {
  it('sends every envelope once to every peer, and not to itself', async () => {
    const [own] = await freeUdpPorts(1);
    const [a, b] = [await spy(), await spy()];
    const t = await open(own!, [`127.0.0.1:${own}`, `127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`]);
    const toSelf: string[] = [];
    t.onDatagram((d) => toSelf.push(d.toString()));
    expect(t.target).toBe(`udp 127.0.0.1:${a.port}, 127.0.0.1:${b.port}`);

    const result = await t.send('{"hello":1}', { timeoutMs: 100 });
    expect(result.kind).toBe('sent');
    await until(() => a.got.length === 1 && b.got.length === 1, 'both peers');
    expect([a.got[0]!.data, b.got[0]!.data]).toEqual(['{"hello":1}', '{"hello":1}']);
    await new Promise((r) => setTimeout(r, 50));
    expect(toSelf).toEqual([]);
  });

  it('hands every datagram it receives to onDatagram, with the sender', async () => {
    const [pa, pb] = await freeUdpPorts(2);
    const a = await open(pa!, [`127.0.0.1:${pb}`]);
    const b = await open(pb!, [`127.0.0.1:${pa}`]);
    const got: Array<{ data: string; from: string }> = [];
    b.onDatagram((d, from) => got.push({ data: d.toString(), from }));
    await a.send('one', { timeoutMs: 100 });
    await a.send('two', { timeoutMs: 100 });
    await until(() => got.length === 2, 'two datagrams');
    expect(got.map((g) => g.data)).toEqual(['one', 'two']);
    expect(got[0]!.from).toBe(`127.0.0.1:${pa}`);
  });

  it('reports a failure only when no peer could be sent to; one unreachable peer is normal', async () => {
    const [own] = await freeUdpPorts(1);
    const ok = await spy();
    // An IPv6 peer on an IPv4 socket fails locally (EINVAL): a peer that cannot be reached, without sending anything anywhere.
    const some = await open(own!, ['[::1]:9', `127.0.0.1:${ok.port}`]);
    expect((await some.send('x', { timeoutMs: 100 })).kind).toBe('sent');
    await some.close();

    const none = await open(own!, ['[::1]:9', '[::1]:10']);
    const failed = await none.send('x', { timeoutMs: 100 });
    expect(failed).toMatchObject({ kind: 'failed', reason: 'unreachable' });
    expect(failed.kind === 'failed' && failed.message).toMatch(/::1:9: .*EINVAL.*; ::1:10: .*EINVAL/);
  });

  it('hears only its peers and sources: a datagram from any other address or port never reaches the agent (the kernel drops it)', async () => {
    const [own] = await freeUdpPorts(1);
    const [peer, source, stranger] = [await spy(), await spy(), await spy()];
    const t = await open(own!, [`127.0.0.1:${peer.port}`], { sources: [`127.0.0.1:${source.port}`] });
    const got: string[] = [];
    t.onDatagram((d) => got.push(d.toString()));
    await stranger.send(own!, 'from a stranger');
    await sendUdp(own!, 'from a fresh port');
    await peer.send(own!, 'from the peer');
    await source.send(own!, 'from the source');
    await until(() => got.length === 2, 'the peer and the source');
    await new Promise((r) => setTimeout(r, 50));
    expect(got.sort()).toEqual(['from the peer', 'from the source']);
    expect(
      t
        .stats()
        .map((x) => [x.source, x.received])
        .sort(),
    ).toEqual(
      [
        [`127.0.0.1:${peer.port}`, 1],
        [`127.0.0.1:${source.port}`, 1],
      ].sort(),
    );
    // It sends only to its peers, but may answer a source.
    t.sendTo([`127.0.0.1:${source.port}`, `127.0.0.1:${stranger.port}`], 'news');
    await until(() => source.got.length === 1, 'the source to get the news');
    expect(stranger.got).toEqual([]);
  });

  it('takes at most a burst of 50 from one source, then its rate; the excess is counted, not handed on', async () => {
    const [own] = await freeUdpPorts(1);
    const [flooder, quiet] = [await spy(), await spy()];
    let now = 0;
    const t = await open(own!, [`127.0.0.1:${flooder.port}`, `127.0.0.1:${quiet.port}`], {
      perSourceRate: 100,
      now: () => now,
    });
    const from: string[] = [];
    t.onDatagram((_d, f) => from.push(f));
    for (let i = 0; i < 80; i++) await flooder.send(own!, `junk ${i}`);
    await quiet.send(own!, 'a heartbeat');
    const stat = (p: number) => t.stats().find((x) => x.source === `127.0.0.1:${p}`)!;
    await until(
      () => stat(flooder.port).received + stat(flooder.port).limited === 80 && stat(quiet.port).received === 1,
      'all 81 read',
    );
    expect(stat(flooder.port)).toMatchObject({ received: 50, limited: 30 });
    // The other source's budget is its own.
    expect(stat(quiet.port)).toMatchObject({ received: 1, limited: 0 });
    // 100 ms later at 100/s: ten more.
    now += 100;
    for (let i = 0; i < 20; i++) await flooder.send(own!, `more ${i}`);
    await until(() => stat(flooder.port).received + stat(flooder.port).limited === 100, 'twenty more read');
    expect(stat(flooder.port)).toMatchObject({ received: 60, limited: 40 });
    expect(from.filter((f) => f === `127.0.0.1:${flooder.port}`)).toHaveLength(60);
  });

  it('never throws once closed: a send says the socket is closed', async () => {
    const [own] = await freeUdpPorts(1);
    const t = await open(own!, ['127.0.0.1:9']);
    await t.close();
    expect(await t.send('x', { timeoutMs: 100 })).toEqual({
      kind: 'failed',
      reason: 'unreachable',
      message: 'the peer socket is closed',
    });
  });
});
