import { describe, expect, it } from 'vitest';
import { MAX_PACKET, packetFromHex } from '../../../agent/legacy-watch/raw-capture';
import { clearFrom, heard, stateLine, type LegacyState } from '../../../agent/legacy-watch/verdict';
import { parseVrrpPacket } from '../../../agent/legacy-watch/vrrp';

/** An IPv4 header (20 bytes, protocol 112, TTL 255) around a VRRP body. */
function ip(
  body: number[],
  o: { proto?: number; src?: number[]; ttl?: number; totalExtra?: number; frag?: number; ihl?: number } = {},
): Uint8Array {
  const total = 20 + body.length + (o.totalExtra ?? 0);
  const frag = o.frag ?? 0;
  return Uint8Array.from([
    0x40 | (o.ihl ?? 5),
    0,
    total >> 8,
    total & 0xff,
    0,
    1,
    frag >> 8,
    frag & 0xff,
    o.ttl ?? 255,
    o.proto ?? 112,
    0,
    0,
    ...(o.src ?? [198, 18, 0, 12]),
    198,
    18,
    0,
    11,
    ...body,
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
      advert: {
        version: 2,
        source: '198.18.0.12',
        destination: '198.18.0.11',
        vrid: 51,
        priority: 100,
        advertIntervalMs: 1000,
        addresses: ['198.18.0.50'],
        ttl: 255,
      },
    });
    const three = parseVrrpPacket(ip(v3));
    expect(three.ok && three.advert).toMatchObject({
      version: 3,
      vrid: 7,
      priority: 200,
      advertIntervalMs: 1000,
      addresses: ['198.18.0.60', '198.18.0.61'],
    });
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

describe('packetFromHex', () => {
  it('turns one line of the capture back into the packet it printed', () => {
    const parsed = parseVrrpPacket(packetFromHex(Buffer.from(ip(v2)).toString('hex'))!);
    expect(parsed.ok && parsed.advert.vrid).toBe(51);
    expect(packetFromHex('4500ABcd')).toEqual(Uint8Array.from([0x45, 0x00, 0xab, 0xcd]));
  });

  const refused: Array<[string, string]> = [
    ['empty', ''],
    ['odd length', '450'],
    ['not hex', '45zz'],
    ['a space inside', '45 00'],
    ['a perl error that got onto stdout', 'recv: Interrupted system call'],
    ['past the bound', '00'.repeat(MAX_PACKET + 1)],
  ];
  it.each(refused)('refuses %s', (_, line) => expect(packetFromHex(line)).toBeUndefined());
});

describe('verdict', () => {
  const base: LegacyState = { startedAt: 10_000, vrids: [51], lastMaster: null };
  const advert = (source: string, priority: number, vrid = 51) => ({
    version: 2 as const,
    source,
    destination: '',
    vrid,
    priority,
    advertIntervalMs: 1000,
    addresses: [],
    ttl: 255,
  });

  it('counts only masters of watched VRIDs from other hosts; a priority-0 goodbye starts no quiet period', () => {
    expect(heard(base, advert('198.18.0.12', 100, 52), 1, [])).toBe(base);
    expect(heard(base, advert('198.18.0.11', 100), 1, ['198.18.0.11'])).toBe(base);
    expect(heard(base, advert('198.18.0.12', 0), 1, [])).toBe(base);
    expect(heard(base, advert('198.18.0.12', 100), 9_000, []).lastMaster).toEqual({
      at: 9_000,
      source: '198.18.0.12',
      vrid: 51,
      priority: 100,
    });
  });

  it('clears quiet-ms after the last master, and never before the watcher has listened that long', () => {
    expect(clearFrom(base, 3000)).toBe(13_000);
    expect(
      clearFrom({ ...base, lastMaster: { at: 12_500, source: '198.18.0.12', vrid: 51, priority: 100 } }, 3000),
    ).toBe(15_500);
    // A master heard before this watcher's start (a restarted watcher's first state): still from the start.
    expect(
      clearFrom({ ...base, lastMaster: { at: 9_000, source: '198.18.0.12', vrid: 51, priority: 100 } }, 3000),
    ).toBe(13_000);
  });

  it('writes one line of words that check.sh reads: tag, version, written at, clear from, why', () => {
    expect(stateLine(base, 10_250.7, 3000)).toBe(
      'ipferry-legacy-vrrp 1 10250 13000 no VRRP master for vrid 51 heard since the watcher started at 1970-01-01T00:00:10.000Z, quiet period 3000 ms\n',
    );
    const s = { ...base, lastMaster: { at: 11_000, source: '198.18.0.12', vrid: 51, priority: 100 } };
    expect(stateLine(s, 11_000, 3000)).toBe(
      'ipferry-legacy-vrrp 1 11000 14000 last VRRP master 198.18.0.12 (vrid 51, priority 100) at 1970-01-01T00:00:11.000Z, quiet period 3000 ms\n',
    );
  });
});
