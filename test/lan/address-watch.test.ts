import { describe, expect, it } from 'vitest';
import { createAddressWatch, parseMonitorLine } from '../../sim/lab/address-watch';
import type { LabProcess } from '../../sim/lab';

// The kernel's record of holders, without namespaces: lines as `ip -o monitor address` prints them.
function fakeMonitor() {
  const listeners: Array<(line: string, at: number) => void> = [];
  const proc = {
    onLine: (fn: (line: string, at: number) => void) => void listeners.push(fn),
    kill: () => true,
    exited: Promise.resolve({ code: 0, signal: null }),
  } as unknown as LabProcess;
  return { proc, say: (line: string, at: number) => listeners.forEach((fn) => fn(line, at)) };
}

const add = (vip: string) =>
  `3: eth0    inet ${vip}/24 scope global secondary eth0\\       valid_lft forever preferred_lft forever`;
const del = (vip: string) => `Deleted ${add(vip)}`;

describe('the address watch', () => {
  it('parses ip -o monitor address lines, IPv4 and IPv6, additions and removals', () => {
    expect(parseMonitorLine(add('198.18.0.50'), 'h1', 5)).toEqual({
      at: 5,
      host: 'h1',
      address: '198.18.0.50',
      prefixLength: 24,
      interface: 'eth0',
      added: true,
    });
    expect(parseMonitorLine(del('198.18.0.50'), 'h1', 6)?.added).toBe(false);
    expect(
      parseMonitorLine('3: eth0    inet6 2001:DB8::50/64 scope global \\       valid_lft forever', 'h2', 7),
    ).toMatchObject({ address: '2001:db8::50', prefixLength: 64, added: true });
    expect(parseMonitorLine('Deleted 2: lo    link ...', 'h1', 8)).toBeUndefined();
  });

  it('knows the holders at every instant: a handover with a gap has one holder, an overlap two', () => {
    const [m1, m2] = [fakeMonitor(), fakeMonitor()];
    const w = createAddressWatch(['h1', 'h2']);
    w.attach('h1', m1.proc);
    w.attach('h2', m2.proc);
    w.seed('h1', [{ address: '198.18.0.50', prefixLength: 24, interface: 'eth0' }], 0);
    expect(w.holders('198.18.0.50')).toEqual(['h1']);
    m1.say(del('198.18.0.50'), 100);
    m2.say(add('198.18.0.50'), 130);
    expect(w.holders('198.18.0.50')).toEqual(['h2']);
    expect(w.maxHolders('198.18.0.50')).toBe(1);
    // Back to h1 without h2 letting go first: 20 ms with two holders.
    m1.say(add('198.18.0.50'), 200);
    m2.say(del('198.18.0.50'), 220);
    expect(w.maxHolders('198.18.0.50')).toBe(2);
    expect(w.maxHolders('198.18.0.50', 0, 150)).toBe(1);
    expect(w.maxHolders('198.18.0.50', 210, 300)).toBe(2); // two held at 210, from before the window
    expect(w.maxHolders('198.18.0.50', 221)).toBe(1);
    // A window marked in the millisecond of the release (once the release was seen) starts with one.
    expect(w.maxHolders('198.18.0.50', 220)).toBe(1);
    expect(w.overlaps('198.18.0.50')).toEqual([{ from: 200, to: 220, hosts: ['h2', 'h1'] }]);
  });

  it('within one millisecond a removal counts before an addition; a seed never overrides what the monitor said', () => {
    const [m1, m2] = [fakeMonitor(), fakeMonitor()];
    const w = createAddressWatch(['h1', 'h2']);
    w.attach('h1', m1.proc);
    w.attach('h2', m2.proc);
    m1.say(add('198.18.0.50'), 10);
    m2.say(add('198.18.0.50'), 50);
    m1.say(del('198.18.0.50'), 50);
    expect(w.maxHolders('198.18.0.50')).toBe(1);
    w.seed('h1', [{ address: '198.18.0.50', prefixLength: 24, interface: 'eth0' }], 60);
    expect(w.holders('198.18.0.50')).toEqual(['h2']);
  });
});
