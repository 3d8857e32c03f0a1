import { describe, expect, it } from 'vitest';
import { formatDuration, humanDuration, parseDuration } from '../../core/duration';
import { canonicalIp, parseIp, parsePrefix, prefixContains, prefixesOverlap } from '../../core/ip';

describe('IP addresses and prefixes', () => {
  it.each([
    ['198.18.0.1', '198.18.0.1'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['2001:db8::1:0:0:1', '2001:db8::1:0:0:1'],
    ['::', '::'],
    ['::ffff:198.18.0.1', '::ffff:c612:1'],
    ['fe80::1', 'fe80::1'],
  ])('canonical form of %s is %s', (text, canonical) => {
    expect(canonicalIp(text)).toBe(canonical);
  });

  it.each(['198.18.0.256', '198.18.0', '01.2.3.4', '1:2:3:4:5:6:7:8:9', '1::2::3', 'gggg::1', '', 'eth0'])(
    'rejects %j',
    (text) => {
      expect(parseIp(text)).toBeUndefined();
    },
  );

  it.each([
    ['198.18.0.50/24', '198.18.0.7', true],
    ['198.18.0.50/24', '198.18.1.7', false],
    ['10.0.0.0/8', '10.255.255.255', true],
    ['2001:db8::/64', '2001:db8::abcd', true],
    ['2001:db8::/64', '2001:db8:0:1::1', false],
    ['198.18.0.0/24', '2001:db8::1', false],
  ])('%s contains %s: %s', (net, ip, expected) => {
    expect(prefixContains(parsePrefix(net)!, { ...parseIp(ip)!, value: parseIp(ip)!.value })).toBe(expected);
  });

  it('detects overlapping prefixes', () => {
    expect(prefixesOverlap(parsePrefix('10.0.0.0/16')!, parsePrefix('10.0.3.0/24')!)).toBe(true);
    expect(prefixesOverlap(parsePrefix('10.0.0.0/24')!, parsePrefix('10.0.1.0/24')!)).toBe(false);
  });

  it('rejects bad prefix lengths', () => {
    expect(parsePrefix('198.18.0.1/33')).toBeUndefined();
    expect(parsePrefix('198.18.0.1/')).toBeUndefined();
    expect(parsePrefix('198.18.0.1/24/1')).toBeUndefined();
    expect(parsePrefix('2001:db8::1/129')).toBeUndefined();
  });
});

describe('durations', () => {
  it.each([
    ['200ms', 200],
    ['1s', 1000],
    ['1.5s', 1500],
    ['10m', 600_000],
    ['2h', 7_200_000],
    [250, 250],
  ])('%j is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['3 sec', '1d', '-1s', 's', ''])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it('formats exactly and for people', () => {
    expect([200, 1500, 600_000, 7_200_000].map(formatDuration)).toEqual(['200ms', '1.5s', '10m', '2h']);
    expect([850, 3001, 3200, 125_000].map(humanDuration)).toEqual(['850ms', '3s', '3.2s', '2m 5s']);
  });
});
