import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { UdpPeers } from '../../../agent/peer/udp-peers';
import { freeUdpPorts, udpSpy } from './udp-ports';

const logger = pino({ enabled: false });
const closers: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function open(port: number, peers: string[]): Promise<UdpPeers> {
  const t = await UdpPeers.open({ port, peers, ownAddresses: ['127.0.0.1'], bind: '127.0.0.1', logger });
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

  it('never throws once closed: a send says the socket is closed', async () => {
    const [own] = await freeUdpPorts(1);
    const t = await open(own!, ['127.0.0.1:9']);
    await t.close();
    expect(await t.send('x', { timeoutMs: 100 })).toEqual({ kind: 'failed', reason: 'unreachable', message: 'the peer socket is closed' });
  });
});
