import { describe, expect, it } from 'vitest';
import { formatAgentStatus, type AgentStatusView } from '../../cli/commands/agent';

const HOSTILE = '\u001b[2J\u001b]0;owned\u0007fake\u202eline\nnext';

function base(extra: Partial<AgentStatusView>): AgentStatusView {
  return {
    cluster: 'lan',
    node: 'n1',
    hostNet: 'recording',
    configDigest: 'aaaabbbbccccdddd',
    controlPlane: { target: '127.0.0.1:7401', reachable: true, lost: false, consecutiveFailures: 0 },
    held: [{ vip: 'web', epoch: 3 }],
    vips: [],
    checks: {},
    ...extra,
  };
}

describe('ipferry agent status as text, peer mode', () => {
  it('shows quorum and every peer — heard or silent, last heard, digest — instead of a control plane', () => {
    const text = formatAgentStatus(
      base({
        peer: {
          quorum: { ok: true, heard: 2, needed: 2, window: 600 },
          peers: [
            { node: 'n2', heard: true, lastSeenMsAgo: 120, held: ['web'], digest: 'aaaabbbbccccdddd' },
            { node: 'n3', heard: false, lastSeenMsAgo: 5200, held: [], digest: '1111222233334444' },
            { node: 'n4', heard: false, lastSeenMsAgo: null, held: [] },
          ],
          diagnostics: [],
        },
      }),
    );
    const lines = text.split('\n');
    expect(lines[1]).toBe('peer mode: quorum ok (heard 2, needs 2, within 600 ms)');
    expect(lines[2]).toMatch(/^ {2}peer n2 +heard +last heard .*; digest aaaabbbbccccdddd, holds web$/);
    expect(lines[3]).toMatch(/^ {2}peer n3 +SILENT last heard .*; digest 1111222233334444 \(DIFFERENT config\)$/);
    expect(lines[4]).toMatch(/^ {2}peer n4 +SILENT never heard; digest \?$/);
    expect(text).not.toContain('control plane');
  });

  it('says when there is no quorum, and lists diagnoses', () => {
    const text = formatAgentStatus(
      base({
        peer: {
          quorum: { ok: false, heard: 1, needed: 2, window: 600 },
          peers: [],
          diagnostics: ['no-quorum: no quorum: heard 1 of 3; no new claims'],
        },
      }),
    );
    expect(text).toContain('peer mode: quorum NONE (heard 1, needs 2, within 600 ms)');
    expect(text).toContain('  diagnosis no-quorum: no quorum: heard 1 of 3; no new claims');
  });

  it('everything a peer said reaches the terminal escaped and bounded', () => {
    const text = formatAgentStatus(
      base({
        peer: {
          quorum: { ok: true, heard: 2, needed: 2, window: 600 },
          peers: [{ node: HOSTILE, heard: true, lastSeenMsAgo: 1, held: [HOSTILE], digest: HOSTILE + 'x'.repeat(500) }],
          waiting: [{ vip: HOSTILE, holder: HOSTILE }],
          diagnostics: [HOSTILE.repeat(100)],
        },
      }),
    );
    // eslint-disable-next-line no-control-regex -- the point: no raw control character gets through
    expect(text.split('\n').every((l) => !/[\u0000-\u001f\u007f-\u009f\u202e]/.test(l))).toBe(true);
    expect(text.split('\n').length).toBe(6);
    expect(text).toContain('\\x1b[2J');
    expect(Math.max(...text.split('\n').map((l) => l.length))).toBeLessThan(700);
  });

  it('outside peer mode the control plane line stays', () => {
    expect(formatAgentStatus(base({})).split('\n')[1]).toMatch(
      /^control plane 127\.0\.0\.1:7401: reachable; no answer yet$/,
    );
  });
});
