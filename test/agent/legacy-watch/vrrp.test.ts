import { describe, expect, it } from 'vitest';
import { TcpdumpHexReader } from '../../../agent/legacy-watch/tcpdump-hex';
import { heard, parseState, verdict, type LegacyState } from '../../../agent/legacy-watch/verdict';
import { parseVrrpPacket } from '../../../agent/legacy-watch/vrrp';

/** An IPv4 header (20 bytes, protocol 112, TTL 255) around a VRRP body. */
function ip(body: number[], o: { proto?: number; src?: number[]; ttl?: number; totalExtra?: number; frag?: number; ihl?: number } = {}): Uint8Array {
  const total = 20 + body.length + (o.totalExtra ?? 0);
  const frag = o.frag ?? 0;
  return Uint8Array.from([
    0x40 | (o.ihl ?? 5), 0, total >> 8, total & 0xff, 0, 1, frag >> 8, frag & 0xff, o.ttl ?? 255, o.proto ?? 112, 0, 0,
    ...(o.src ?? [198, 18, 0, 12]), 198, 18, 0, 11, ...body,
  ]);
}
// keepalived's VRRPv2 advert: vrid 51, priority 100, one address, auth PASS, advert_int 1, "lab-pass".
const v2 = [0x21, 51, 100, 1, 1, 1, 0, 0, 198, 18, 0, 50, ...Buffer.from('lab-pass')];
// VRRPv3: vrid 7, priority 200, two addresses, max advert interval 100 cs.
const v3 = [0x31, 7, 200, 2, 0, 100, 0, 0, 198, 18, 0, 60, 198, 18, 0, 61];

describe('parseVrrpPacket', () => {
  it('reads keepalived v2 and RFC 5798 v3 adverts', () => {
    expect(parseVrrpPacket(ip(v2))).toEqual({
      ok: true,
      advert: { version: 2, source: '198.18.0.12', destination: '198.18.0.11', vrid: 51, priority: 100, advertIntervalMs: 1000, addresses: ['198.18.0.50'], ttl: 255 },
    });
    const three = parseVrrpPacket(ip(v3));
    expect(three.ok && three.advert).toMatchObject({ version: 3, vrid: 7, priority: 200, advertIntervalMs: 1000, addresses: ['198.18.0.60', '198.18.0.61'] });
  });

  const refused: Array<[string, Uint8Array, RegExp]> = [
    ['empty', new Uint8Array(0), /truncated IPv4 header: 0 bytes/],
    ['19 bytes', ip(v2).subarray(0, 19), /truncated IPv4 header: 19 bytes/],
    ['IPv6 version nibble', Uint8Array.from([0x60, ...ip(v2).subarray(1)]), /IP version 6/],
    ['IHL below 5', ip(v2, { ihl: 4 }), /header length 16 is below 20/],
    ['IHL past the end', ip([], { ihl: 15 }), /header says 60/],
    ['total length past the bytes', ip(v2, { totalExtra: 10 }), /truncated packet/],
    ['fragment', ip(v2, { frag: 0x2000 }), /fragment/],
    ['TCP', ip(v2, { proto: 6 }), /IP protocol 6, not VRRP/],
    ['VRRP header cut', ip(v2.slice(0, 5)), /truncated VRRP header: 5 bytes/],
    ['version 1', ip([0x11, ...v2.slice(1)]), /VRRP version 1/],
    ['type 2', ip([0x22, ...v2.slice(1)]), /type 2, not an advertisement/],
    ['vrid 0', ip([0x21, 0, ...v2.slice(2)]), /VRID 0/],
    ['address count past the end', ip([0x21, 51, 100, 9, ...v2.slice(4)]), /9 addresses, need 52/],
    ['v2 without auth data', ip(v2.slice(0, 12)), /truncated VRRP v2 advert: 12 bytes/],
    ['interval 0', ip([0x31, 7, 200, 0, 0, 0, 0, 0]), /advert interval 0/],
    ['garbage', Uint8Array.from({ length: 64 }, (_, i) => (i * 37) & 0xff), /IP version 0/],
  ];
  it.each(refused)('refuses %s, saying why', (_, packet, why) => {
    const r = parseVrrpPacket(packet);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(why);
  });

  it('never throws on any prefix of a real advert', () => {
    const full = ip(v2);
    for (let n = 0; n < full.length; n++) expect(parseVrrpPacket(full.subarray(0, n)).ok).toBe(false);
  });
});

describe('TcpdumpHexReader', () => {
  it('hands on a packet as soon as it holds the IPv4 total length, and drops gaps', () => {
    const r = new TcpdumpHexReader();
    const out = [
      '13:00:01.000 IP 198.18.0.12 > 198.18.0.11: VRRPv2, Advertisement, vrid 51, prio 100, authtype simple, intvl 1s, length 20',
      '\t0x0000:  4500 0028 0001 0000 ff70 0000 c612 000c',
      '\t0x0010:  c612 000b 2133 6401 0101 0000 c612 0032',
      '\t0x0020:  6c61 622d 7061 7373',
      'next summary',
      '\t0x0010:  dead beef', // offset gap: dropped
    ].map((l) => r.line(l));
    expect(out.filter(Boolean)).toHaveLength(1);
    const parsed = parseVrrpPacket(out[3]!);
    expect(parsed.ok && parsed.advert.vrid).toBe(51);
    expect(r.flush()).toBeUndefined();
  });
});

describe('verdict', () => {
  const base: LegacyState = { watcherAt: 10_000, vrids: [51], lastMaster: null };
  const advert = (source: string, priority: number, vrid = 51) => ({ version: 2 as const, source, destination: '', vrid, priority, advertIntervalMs: 1000, addresses: [], ttl: 255 });

  it('counts only masters of watched VRIDs from other hosts; a priority-0 goodbye starts no quiet period', () => {
    expect(heard(base, advert('198.18.0.12', 100, 52), 1, [])).toBe(base);
    expect(heard(base, advert('198.18.0.11', 100), 1, ['198.18.0.11'])).toBe(base);
    expect(heard(base, advert('198.18.0.12', 0), 1, [])).toBe(base);
    expect(heard(base, advert('198.18.0.12', 100), 9_000, []).lastMaster).toEqual({ at: 9_000, source: '198.18.0.12', vrid: 51, priority: 100 });
  });

  it('is passive while a master was heard lately, when the watcher is stale or absent, and clear after the quiet period', () => {
    const s = { ...base, lastMaster: { at: 9_000, source: '198.18.0.12', vrid: 51, priority: 100 } };
    expect(verdict(s, 10_000, 3000, 2000)).toEqual({ passive: true, why: 'old VRRP master 198.18.0.12 heard 1000 ms ago (vrid 51, priority 100)' });
    expect(verdict({ ...s, watcherAt: 12_100 }, 12_100, 3000, 2000).passive).toBe(false);
    expect(verdict(s, 12_001, 3000, 2000).why).toMatch(/2001 ms old .*the watcher has stopped/);
    expect(verdict(undefined, 0, 3000, 2000).passive).toBe(true);
    expect(verdict(base, 10_000, 3000, 2000)).toEqual({ passive: false, why: 'no VRRP master for vrid 51 within 3000 ms (none heard since the watcher started)' });
  });

  it('reads only the shape the watcher writes', () => {
    expect(parseState(JSON.stringify(base))).toEqual(base);
    for (const bad of ['', 'null', '{"watcherAt":"1","vrids":[]}', '{"watcherAt":1,"vrids":[],"lastMaster":{"at":"x"}}', '[']) expect(parseState(bad)).toBeUndefined();
  });
});
