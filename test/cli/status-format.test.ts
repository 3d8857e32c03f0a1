import { describe, expect, it } from 'vitest';
import { formatDiagnostics, formatStatus } from '../../cli/control-format';
import { ago } from '../../cli/table';
import type { StatusReport } from '../../control/status';

const NOW = 1_000_000;

/** web1 died 3 s ago still holding web, its last heartbeat saying "smtp ok"; web2 is alive. */
function deadOwner(): StatusReport {
  return {
    cluster: 'demo',
    version: 7,
    now: NOW,
    digest: '0123456789abcdef',
    nodes: [
      {
        id: 'web1',
        state: 'dead',
        lastSeen: NOW - 3_000,
        silentMs: 3_000,
        aliveSince: 0,
        draining: false,
        checks: { smtp: true },
        held: ['web'],
      },
      {
        id: 'web2',
        state: 'alive',
        lastSeen: NOW - 200,
        silentMs: 200,
        aliveSince: 0,
        draining: false,
        checks: { smtp: true },
        held: [],
      },
      {
        id: 'web3',
        state: 'unknown',
        lastSeen: null,
        silentMs: null,
        aliveSince: null,
        draining: false,
        checks: {},
        held: [],
      },
    ],
    vips: [
      {
        vip: 'web',
        kind: 'aws-secondary-ip',
        node: 'web1',
        epoch: 4,
        since: NOW - 65_000,
        bound: true,
        reason: 'owner-dead',
        detail: 'web1: no heartbeat for 3s',
      },
    ],
    diagnostics: [],
    recentMoves: [],
  };
}

describe('ipferry status tells the truth at a glance', () => {
  it('shows a dead node dead, with when it was last seen, and neither its old checks nor holdings', () => {
    const lines = formatStatus(deadOwner()).split('\n');
    const web1 = lines.find((l) => l.startsWith('web1'))!;
    expect(web1).toMatch(/^web1 +DEAD \(last seen 3 s ago\) +- +- +-$/);
    expect(web1).not.toMatch(/ok|web$/);
    expect(lines.find((l) => l.startsWith('web2'))).toMatch(/^web2 +alive \(seen 200 ms ago\) +- +smtp ok +-$/);
    expect(lines.find((l) => l.startsWith('web3'))).toMatch(/^web3 +never seen/);
  });

  it('does not call a VIP bound on a dead owner, and names the owner as dead', () => {
    const vip = formatStatus(deadOwner())
      .split('\n')
      .find((l) => l.startsWith('web '))!;
    expect(vip).toMatch(
      /^web +aws-secondary-ip +web1 \(dead\) +4 +65 s ago +unknown +owner-dead +web1: no heartbeat for 3s$/,
    );
  });

  it('names the VIPs a diagnostic concerns, one line for VIPs that share a reason', () => {
    const why = 'no eligible node: web1 dead, web2 check smtp failing';
    const text = formatDiagnostics([
      ...['a', 'b', 'c', 'd', 'e'].map((vip) => ({ kind: 'unowned' as const, vip, message: why })),
      { kind: 'dual-holder', vip: 'f', nodes: ['web1', 'web2'], message: 'f is bound on web1 and web2 at once' },
      { kind: 'no-quorum', message: 'no quorum: 1 of 3 seen; no new claims' },
    ]);
    const lines = text.split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[1]).toMatch(/^ {2}unowned +a, b, c, d, e +no eligible node: web1 dead, web2 check smtp failing$/);
    expect(lines[2]).toMatch(/^ {2}dual-holder +f +f is bound on web1 and web2 at once$/);
    expect(lines[3]).toMatch(/^ {2}no-quorum +\(cluster\) +no quorum: 1 of 3 seen/);
  });

  it('says how long ago in words people read', () => {
    expect(ago(250)).toBe('250 ms ago');
    expect(ago(3_000)).toBe('3 s ago');
    expect(ago(90_000)).toBe('90 s ago');
    expect(ago(5 * 60_000)).toBe('5 min ago');
    expect(ago(3 * 3_600_000)).toBe('3 h ago');
    expect(ago(3 * 86_400_000)).toBe('3 days ago');
    expect(ago(-5)).toBe('0 ms ago');
    expect(ago(null)).toBe('never');
  });
});
