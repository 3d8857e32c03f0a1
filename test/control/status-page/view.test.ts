import { describe, expect, it } from 'vitest';
import { ago, duration, pageView, text } from '../../../control/status-page/view-model';

const NOW = 1_700_000_100_000;
const HOSTILE = '<img src=x onerror=alert(1)>\u001b[31m"\'&';

function statusWith(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    cluster: 'mail',
    version: 4,
    now: NOW,
    digest: '0123456789abcdef',
    nodes: [
      {
        id: 'n1',
        state: 'dead',
        lastSeen: NOW - 3000,
        silentMs: 3000,
        aliveSince: null,
        draining: false,
        checks: { smtp: true },
        held: ['smtp'],
      },
      {
        id: 'n2',
        state: 'alive',
        lastSeen: NOW - 200,
        silentMs: 200,
        aliveSince: NOW - 60_000,
        draining: true,
        checks: { smtp: true, disk: false },
        held: ['smtp'],
      },
      {
        id: 'n3',
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
        vip: 'smtp',
        kind: 'lan',
        node: 'n2',
        epoch: 2,
        since: NOW - 2500,
        preferred: 'n1',
        bound: true,
        reason: 'stable',
        detail: '',
      },
      {
        vip: 'imap',
        kind: 'lan',
        node: 'n1',
        epoch: 1,
        since: NOW - 90_000,
        bound: true,
        reason: 'owner-dead',
        detail: 'n1 silent',
        pinned: { reason: 'maintenance' },
      },
      {
        vip: 'eip',
        kind: 'aws-eip',
        node: null,
        epoch: 0,
        since: null,
        bound: null,
        reason: 'no-candidate',
        detail: 'nobody can carry it',
      },
    ],
    diagnostics: [
      { kind: 'unowned', vip: 'eip', message: 'eip: no candidate' },
      { kind: 'split-config', nodes: ['n1', 'n2'], message: 'two digests' },
      { kind: 'other', message: 'cluster-wide' },
    ],
    recentMoves: [
      {
        id: '001700000097600#smtp@2',
        at: NOW - 2400,
        kind: 'move',
        vip: 'smtp',
        from: 'n1',
        to: 'n2',
        epoch: 2,
        reason: 'owner-dead',
        detail: 'n1 silent',
        timeline: {
          lastHeartbeat: NOW - 3000,
          detected: NOW - 2700,
          decided: NOW - 2650,
          apiStart: NOW - 2640,
          apiDone: NOW - 2600,
          verified: NOW - 2590,
          bound: NOW - 2500,
        },
        outcome: { ok: true, changed: true, calls: 1 },
      },
      {
        id: '001700000090000#imap@1',
        at: NOW - 10_000,
        kind: 'move',
        vip: 'imap',
        from: null,
        to: 'n1',
        epoch: 1,
        reason: 'unowned',
        detail: '',
        timeline: { detected: NOW - 10_000, decided: NOW - 9_950 },
        outcome: { ok: false, reason: 'throttled', message: 'budget spent', calls: 0, skipped: true },
      },
    ],
    ...over,
  };
}

describe('status page view model', () => {
  it('nodes: state, "seen … ago", checks and holdings only while alive', () => {
    const v = pageView(statusWith());
    expect(v.cluster).toBe('mail');
    expect(v.summary).toBe('version 4 · digest 0123456789abcdef · as of 22:15:00 UTC');
    expect(v.nodes).toEqual([
      { id: 'n1', state: 'dead', seen: 'dead (last seen 3.0 s ago)', draining: false, checks: [], held: '-' },
      {
        id: 'n2',
        state: 'alive',
        seen: 'alive (seen 200 ms ago)',
        draining: true,
        checks: [
          { name: 'smtp', ok: true },
          { name: 'disk', ok: false },
        ],
        held: 'smtp',
      },
      { id: 'n3', state: 'unknown', seen: 'never seen', draining: false, checks: [], held: '-' },
    ]);
  });

  it('VIPs: owner with its state, epoch, since, bound unknown under a dead owner, pins in the detail', () => {
    const v = pageView(statusWith());
    expect(v.vips).toEqual([
      {
        vip: 'smtp',
        kind: 'lan',
        owner: 'n2',
        ownerState: 'alive',
        epoch: '2',
        since: '2.5 s ago',
        bound: 'yes',
        reason: 'stable',
        detail: '',
      },
      {
        vip: 'imap',
        kind: 'lan',
        owner: 'n1',
        ownerState: 'dead',
        epoch: '1',
        since: '90 s ago',
        bound: 'unknown',
        reason: 'owner-dead',
        detail: 'pinned: maintenance; n1 silent',
      },
      {
        vip: 'eip',
        kind: 'aws-eip',
        owner: '(none)',
        ownerState: 'none',
        epoch: '0',
        since: '-',
        bound: '-',
        reason: 'no-candidate',
        detail: 'nobody can carry it',
      },
    ]);
  });

  it('diagnostics name the VIP, else the nodes, else the cluster', () => {
    expect(pageView(statusWith()).diagnostics).toEqual([
      { kind: 'unowned', concerns: 'eip', message: 'eip: no candidate' },
      { kind: 'split-config', concerns: 'n1, n2', message: 'two digests' },
      { kind: 'other', concerns: '(cluster)', message: 'cluster-wide' },
    ]);
  });

  it("failovers: segments on one scale shared by every row, from the old owner's last heartbeat", () => {
    const v = pageView(statusWith());
    expect(v.scale).toBe('500 ms');
    const [smtp, imap] = v.failovers;
    expect(smtp).toMatchObject({
      vip: 'smtp',
      from: 'n1',
      to: 'n2',
      epoch: '2',
      reason: 'owner-dead',
      when: '2.4 s ago',
      outcome: 'moved',
      total: '500 ms',
    });
    expect(smtp!.segments).toEqual([
      { step: 'detect', startPct: 0, widthPct: 60, label: 'detect 300 ms' },
      { step: 'decide', startPct: 60, widthPct: 10, label: 'decide 50 ms' },
      { step: 'api', startPct: 72, widthPct: 8, label: 'api 40 ms' },
      { step: 'verified', startPct: 82, widthPct: 0, label: 'verified +410 ms' },
      { step: 'bound', startPct: 100, widthPct: 0, label: 'bound +500 ms' },
    ]);
    // No last heartbeat (an unowned VIP): the timeline starts at detection, on the same scale.
    expect(imap).toMatchObject({ from: '-', to: 'n1', outcome: 'skipped (throttled: budget spent)', total: '50 ms' });
    expect(imap!.segments).toEqual([{ step: 'decide', startPct: 0, widthPct: 10, label: 'decide 50 ms' }]);
  });

  it('a Route 53 move: accepted is a mark between the call and verified (in sync)', () => {
    const move = {
      id: 'r',
      at: NOW,
      vip: 'www',
      timeline: {
        detected: NOW - 60_000,
        decided: NOW - 59_990,
        apiStart: NOW - 59_980,
        accepted: NOW - 59_700,
        apiDone: NOW - 30_000,
        verified: NOW - 30_000,
      },
    };
    expect(pageView(statusWith({ recentMoves: [move] })).failovers[0]!.segments).toEqual([
      { step: 'decide', startPct: 0, widthPct: 0.03, label: 'decide 10 ms' },
      { step: 'api', startPct: 0.07, widthPct: 99.93, label: 'api 30 s' },
      { step: 'accepted', startPct: 1, widthPct: 0, label: 'accepted +300 ms' },
      { step: 'verified', startPct: 100, widthPct: 0, label: 'verified +30 s' },
    ]);
  });

  it('steps out of order are left out, not drawn backwards; a timeline without times draws nothing', () => {
    const moves = [
      {
        id: 'a',
        at: NOW,
        vip: 'x',
        timeline: { lastHeartbeat: NOW - 100, detected: NOW - 200, decided: NOW - 50, verified: NOW },
      },
      { id: 'b', at: NOW, vip: 'y', timeline: { apiStart: 'soon' } },
      { id: 'c', at: NOW, vip: 'z' },
    ];
    const v = pageView(statusWith({ recentMoves: moves }));
    expect(v.failovers[0]!.segments.map((s) => s.step)).toEqual(['verified']);
    expect(v.failovers[1]).toMatchObject({ segments: [], total: '-' });
    expect(v.failovers[2]).toMatchObject({ segments: [], total: '-', when: '0 ms ago' });
  });

  it('events: newest first as given, with their kind, VIP and detail', () => {
    const events = {
      events: [
        { id: 'e2', at: NOW - 1000, kind: 'drain', detail: 'n2 drained by api-token' },
        { id: 'e1', at: NOW - 5000, kind: 'move', vip: 'smtp', detail: 'n1 silent' },
      ],
    };
    expect(pageView(statusWith(), events).events).toEqual([
      { id: 'e2', when: '1.0 s ago', kind: 'drain', vip: '-', detail: 'n2 drained by api-token' },
      { id: 'e1', when: '5.0 s ago', kind: 'move', vip: 'smtp', detail: 'n1 silent' },
    ]);
  });

  // Hostile strings come through as the same text (the page puts them in with textContent); shapes
  // that are not the documented ones become empty text, never an exception or an object shown as markup.
  it.each([
    [
      'a node id with markup',
      { nodes: [{ id: HOSTILE, state: 'alive', silentMs: 5, checks: { [HOSTILE]: true }, held: [HOSTILE] }] },
      (v: ReturnType<typeof pageView>) =>
        expect(v.nodes[0]).toMatchObject({ id: HOSTILE, checks: [{ name: HOSTILE, ok: true }], held: HOSTILE }),
    ],
    [
      'a state not in the list',
      { nodes: [{ id: 'n1', state: '<b>alive</b>', silentMs: 5 }] },
      (v: ReturnType<typeof pageView>) =>
        expect(v.nodes[0]).toMatchObject({ state: 'unknown', seen: 'unknown (last seen 5 ms ago)' }),
    ],
    [
      'a VIP and detail with markup',
      { vips: [{ vip: HOSTILE, kind: 'lan', node: HOSTILE, epoch: '7', detail: HOSTILE, bound: 'yes' }] },
      (v: ReturnType<typeof pageView>) =>
        expect(v.vips[0]).toMatchObject({
          vip: HOSTILE,
          owner: HOSTILE,
          ownerState: 'unknown',
          epoch: '0',
          detail: HOSTILE,
          bound: 'unknown',
        }),
    ],
    [
      'a cluster that is an object',
      { cluster: { toString: 'x' }, version: '4', digest: 5 },
      (v: ReturnType<typeof pageView>) => expect([v.cluster, v.summary]).toEqual(['', 'as of 22:15:00 UTC']),
    ],
    [
      'lists that are not lists',
      { nodes: 'n1', vips: { 0: {} }, diagnostics: null, recentMoves: 3 },
      (v: ReturnType<typeof pageView>) =>
        expect([v.nodes, v.vips, v.diagnostics, v.failovers]).toEqual([[], [], [], []]),
    ],
    [
      'a 10,000-character detail',
      { vips: [{ vip: 'v', detail: 'x'.repeat(10_000) }] },
      (v: ReturnType<typeof pageView>) => expect(v.vips[0]!.detail).toHaveLength(300),
    ],
    [
      'a move with markup everywhere',
      {
        recentMoves: [
          {
            id: HOSTILE,
            at: NOW,
            vip: HOSTILE,
            from: HOSTILE,
            to: HOSTILE,
            reason: HOSTILE,
            outcome: { ok: false, reason: HOSTILE, message: HOSTILE },
          },
        ],
      },
      (v: ReturnType<typeof pageView>) =>
        expect(v.failovers[0]).toMatchObject({
          id: HOSTILE,
          vip: HOSTILE,
          from: HOSTILE,
          to: HOSTILE,
          reason: HOSTILE,
          outcome: `failed (${HOSTILE}: ${HOSTILE})`,
        }),
    ],
  ])('hostile input: %s', (_name, over, check) => {
    check(pageView(statusWith(over)));
  });

  it('no answer at all still gives an empty page', () => {
    expect(pageView(undefined, 'nonsense')).toEqual({
      cluster: '',
      summary: '',
      nodes: [],
      vips: [],
      diagnostics: [],
      failovers: [],
      scale: '1 ms',
      events: [],
    });
  });

  it.each([
    [0, '0 ms'],
    [999, '999 ms'],
    [1000, '1.0 s'],
    [9_949, '9.9 s'],
    [42_000, '42 s'],
    [600_000, '10 min'],
    [10_800_000, '3 h'],
    [3 * 86_400_000, '3 days'],
    [-5, '0 ms'],
  ])('duration(%d) = %s', (ms, want) => {
    expect(duration(ms)).toBe(want);
  });

  it('ago and text', () => {
    expect(ago(undefined)).toBe('never');
    expect(ago(3000)).toBe('3.0 s ago');
    expect([text(NaN), text(Infinity), text(false), text(null), text({}), text(12)]).toEqual([
      '',
      '',
      'false',
      '',
      '',
      '12',
    ]);
  });
});
