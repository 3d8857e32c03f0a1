import { describe, expect, it } from 'vitest';
import { formatAgentStatus } from '../../cli/commands/agent';
import { formatEvents, formatMove, formatPlan, formatStatus } from '../../cli/control-format';
import { FailoverWatch } from '../../cli/demo/watch';
import { MAX_FIELD, termSafe } from '../../cli/terminal-text';
import type { PlanReport, StatusReport } from '../../control/status';
import type { ControlEvent } from '../../core/ports';

const CLEAR = '\u001b[2J';
const TITLE = '\u001b]0;pwned\u0007';
const HOSTILE = `hook failed ${CLEAR}${TITLE}done\u009b31m\u202eevil\nsecond line`;

/** Nothing a terminal acts on: no C0 but the line breaks we print ourselves, no DEL, no C1. */
function expectInert(text: string): void {
  // eslint-disable-next-line no-control-regex
  expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/u);
  expect(text).toContain('\\x1b[2J');
  expect(text).toContain('\\x1b]0;pwned\\x07');
}

const event: ControlEvent = {
  id: 'e1',
  at: 1_000,
  kind: 'move',
  vip: 'web',
  from: 'n1',
  to: 'n2',
  epoch: 2,
  reason: 'owner-dead',
  detail: HOSTILE,
  outcome: { ok: false, reason: 'invalid', message: HOSTILE },
} as ControlEvent;

describe('termSafe', () => {
  it('shows C0, DEL, C1, ESC and OSC sequences and bidi overrides escaped', () => {
    expect(termSafe(`a${CLEAR}b${TITLE}c\u007f\u0085\u202e\n\t`)).toBe(
      'a\\x1b[2Jb\\x1b]0;pwned\\x07c\\x7f\\x85\\u202e\\x0a\\x09',
    );
  });

  it('keeps ordinary text, accents and arrows as they are', () => {
    expect(termSafe('web1 → web2 «café» 3 s ago')).toBe('web1 → web2 «café» 3 s ago');
  });

  it('bounds a field, counting characters not UTF-16 units, and says it cut', () => {
    const long = termSafe('é'.repeat(5000));
    expect([...long]).toHaveLength(MAX_FIELD);
    expect(long.endsWith('…')).toBe(true);
    expect(termSafe('x'.repeat(50), 10)).toBe(`${'x'.repeat(9)}…`);
  });

  it('prints non-strings from a hostile JSON body without throwing', () => {
    expect(termSafe(undefined)).toBe('');
    expect(termSafe(42)).toBe('42');
    expect(termSafe({ toString: () => CLEAR })).toBe('\\x1b[2J');
  });
});

describe('every printer escapes what the network said', () => {
  it('ipferry status: reasons, details, diagnostics, check names, held VIPs', () => {
    const report: StatusReport = {
      cluster: `c${CLEAR}`,
      version: 3,
      now: 10_000,
      digest: 'abc',
      nodes: [
        {
          id: 'n1',
          state: 'alive',
          lastSeen: 9_000,
          silentMs: 1_000,
          aliveSince: 0,
          draining: false,
          checks: { [`smtp${TITLE}`]: true },
          held: ['web'],
        },
      ],
      vips: [
        {
          vip: 'web',
          kind: 'aws-secondary-ip',
          node: 'n1',
          epoch: 2,
          since: 0,
          bound: true,
          reason: 'stable',
          detail: HOSTILE,
        },
      ],
      diagnostics: [{ kind: 'unowned', vip: 'web', message: HOSTILE }],
      recentMoves: [event],
    };
    const text = formatStatus(report);
    expectInert(text);
    for (const line of text.split('\n')) expect(line.length).toBeLessThan(2_000);
  });

  it('ipferry events, plan and a move', () => {
    expectInert(formatEvents({ events: [event] }, 2_000));
    const plan: PlanReport = {
      now: 0,
      version: 1,
      moves: [],
      reasons: { web: { code: 'no-eligible-node', detail: HOSTILE } },
      diagnostics: [{ kind: 'broken', message: HOSTILE }],
      observeFailures: [{ provider: 'ec2', error: HOSTILE }],
    };
    expectInert(formatPlan(plan));
    expectInert(
      formatMove({
        vip: 'web',
        from: 'n1',
        to: 'n2',
        epoch: 2,
        reason: 'manual',
        detail: '',
        outcome: { ok: false, reason: 'invalid', message: HOSTILE },
      } as never),
    );
  });

  it('ipferry agent status: hook errors, check details, control-plane failures', () => {
    const text = formatAgentStatus({
      cluster: 'c',
      node: 'n1',
      hostNet: 'recording',
      controlPlane: {
        target: 'http://cp',
        reachable: false,
        lost: true,
        consecutiveFailures: 3,
        lastFailure: { reason: 'transient', message: HOSTILE },
      },
      held: [{ vip: `web${CLEAR}`, epoch: 1 }],
      vips: [{ name: 'web', address: '10.0.1.50/24', state: 'failed', detail: HOSTILE }],
      checks: { smtp: { ok: false, detail: HOSTILE, latencyMs: 3 } },
      hooks: { runs: 4, failures: 1, recent: [{ vip: 'web', hook: 'up', reason: 'timeout', error: HOSTILE, at: 1 }] },
    });
    expectInert(text);
    expect(text).toMatch(/^hooks: 4 runs, 1 failed\n {2}hook up of web FAILED \(timeout\) .*: hook failed \\x1b/m);
  });

  it('the demo narrating a failover', () => {
    const lines: string[] = [];
    const watch = new FailoverWatch(0, 'n1', (l) => lines.push(l), new Set(['web']));
    watch.update([
      { ...event, timeline: { decided: 1_200, apiStart: 1_300, apiDone: 1_500, verified: 1_600 } } as ControlEvent,
    ]);
    expect(lines.length).toBeGreaterThan(2);
    expectInert(lines.join('\n'));
  });
});
