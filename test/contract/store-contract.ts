/**
 * The store contract: what every `Store` (core/ports.ts) must do. Each store's test file calls
 * `storeContract(name, make)` once; `make()` returns a fresh, empty store for ONE case.
 * The race cases run the two contenders truly at once (Promise.all) and assert that exactly one
 * wins, and that what a reader sees afterwards is the winner's write, whole.
 */
import { describe, expect, it } from 'vitest';
import type { Assignment, NodeView } from '../../core/decide';
import type { ControlEvent, NodeRecord, Store } from '../../core/ports';

export interface StoreHarness {
  store: Store;
  close(): Promise<void>;
}

const G = 'mail';
const T0 = 1_700_000_000_000;

export function record(
  node: string,
  guard: { bootId?: string; seq: number; sentAt?: number },
  extra: Partial<NodeView> = {},
): NodeRecord {
  const bootId = guard.bootId ?? `${node}-boot-1`;
  const sentAt = guard.sentAt ?? T0 + guard.seq;
  return {
    view: {
      id: node,
      bootId,
      lastSeen: sentAt,
      aliveSince: T0,
      checks: { smtp: { ok: true, since: T0 } },
      held: [],
      draining: false,
      leaving: false,
      ...extra,
    },
    guard: { bootId, seq: guard.seq, sentAt },
    applied: { smtp: guard.seq },
  };
}

export function assignment(vip: string, node: string | null, epoch = 1): Assignment {
  return { vip, node, epoch, since: T0 + epoch, moves: [T0 + epoch] };
}

function moveEvent(at: number, vip: string, extra: Partial<ControlEvent> = {}): ControlEvent {
  return {
    id: `${String(at).padStart(15, '0')}#${vip}@1`,
    at,
    kind: 'move',
    vip,
    from: 'a',
    to: 'b',
    epoch: 1,
    reason: 'owner-dead',
    detail: 'a: silent',
    ...extra,
  };
}

async function withStore(make: () => Promise<StoreHarness>, body: (s: Store) => Promise<void>): Promise<void> {
  const h = await make();
  try {
    await body(h.store);
  } finally {
    await h.close();
  }
}

export function storeContract(name: string, make: () => Promise<StoreHarness>): void {
  const test = (title: string, body: (s: Store) => Promise<void>) => it(title, () => withStore(make, body));

  describe(`${name}: store contract`, () => {
    describe('groups', () => {
      test('an unknown group is empty at version 0', async (s) => {
        const g = await s.loadGroup(G);
        expect(g).toMatchObject({ group: G, version: 0, assignments: [] });
        expect(g.nodes.size).toBe(0);
        expect(g.draining.size).toBe(0);
      });

      test('groups do not see each other', async (s) => {
        await s.putHeartbeat('other', 'a', record('a', { seq: 1 }));
        await s.commit('other', { expectedVersion: 0, assignments: [assignment('smtp', 'a')], changed: ['smtp'] });
        await s.setDraining('other', 'a', true, T0);
        const g = await s.loadGroup(G);
        expect([g.version, g.assignments.length, g.nodes.size, g.draining.size]).toEqual([0, 0, 0, 0]);
      });
    });

    describe('heartbeats', () => {
      test('a stored record is read back as written', async (s) => {
        const r = record('a', { seq: 1 }, { held: ['smtp'], configDigest: '0123456789abcdef' });
        expect(await s.putHeartbeat(G, 'a', r)).toEqual({ ok: true });
        expect((await s.loadGroup(G)).nodes.get('a')).toEqual(r);
      });

      test('the same heartbeat twice is refused the second time, and the record stays', async (s) => {
        await s.putHeartbeat(G, 'a', record('a', { seq: 5 }));
        const again = await s.putHeartbeat(G, 'a', record('a', { seq: 5 }, { held: ['changed'] }));
        expect(again).toMatchObject({ ok: false, reason: 'replayed' });
        expect((await s.loadGroup(G)).nodes.get('a')).toEqual(record('a', { seq: 5 }));
      });

      test('seq never goes back within a boot', async (s) => {
        await s.putHeartbeat(G, 'a', record('a', { seq: 5 }));
        expect(await s.putHeartbeat(G, 'a', record('a', { seq: 4 }))).toMatchObject({ ok: false, reason: 'replayed' });
        expect(await s.putHeartbeat(G, 'a', record('a', { seq: 6 }))).toEqual({ ok: true });
        expect((await s.loadGroup(G)).nodes.get('a')!.guard.seq).toBe(6);
      });

      test('a new boot is accepted only when sent later than the last heartbeat', async (s) => {
        await s.putHeartbeat(G, 'a', record('a', { seq: 9, sentAt: T0 + 100 }));
        expect(
          await s.putHeartbeat(G, 'a', record('a', { bootId: 'a-old-boot', seq: 1, sentAt: T0 + 50 })),
        ).toMatchObject({ ok: false });
        expect(await s.putHeartbeat(G, 'a', record('a', { bootId: 'a-boot-2', seq: 0, sentAt: T0 + 200 }))).toEqual({
          ok: true,
        });
        expect((await s.loadGroup(G)).nodes.get('a')!.guard).toEqual({ bootId: 'a-boot-2', seq: 0, sentAt: T0 + 200 });
      });

      test('race: two copies of one heartbeat at once, exactly one is accepted', async (s) => {
        await s.putHeartbeat(G, 'a', record('a', { seq: 1 }));
        for (let seq = 2; seq < 7; seq++) {
          const results = await Promise.all([
            s.putHeartbeat(G, 'a', record('a', { seq })),
            s.putHeartbeat(G, 'a', record('a', { seq })),
          ]);
          expect(results.filter((r) => r.ok)).toHaveLength(1);
        }
        expect((await s.loadGroup(G)).nodes.get('a')!.guard.seq).toBe(6);
      });

      test('one node is read alone: its record as written (witness observations included) and its drain flag', async (s) => {
        const r = {
          ...record('a', { seq: 2 }, { held: ['smtp'] }),
          watch: { b: { heard: true, since: T0 - 5000 }, c: { heard: false, since: T0 - 700 } },
        };
        await s.putHeartbeat(G, 'a', r);
        await s.putHeartbeat(G, 'b', record('b', { seq: 1 }));
        await s.setDraining(G, 'a', true, T0);
        expect(await s.loadNode(G, 'a')).toEqual({ record: r, draining: true });
        expect(await s.loadNode(G, 'b')).toEqual({ record: record('b', { seq: 1 }), draining: false });
        expect(await s.loadNode(G, 'never')).toEqual({ draining: false });
        expect((await s.loadGroup(G)).nodes.get('a')).toEqual(r);
      });

      test('nodes are kept apart', async (s) => {
        await s.putHeartbeat(G, 'a', record('a', { seq: 3 }));
        expect(await s.putHeartbeat(G, 'b', record('b', { seq: 1 }))).toEqual({ ok: true });
        expect([...(await s.loadGroup(G)).nodes.keys()].sort()).toEqual(['a', 'b']);
      });
    });

    describe('commits', () => {
      test('the assignments are read without the nodes, with their version', async (s) => {
        expect(await s.loadAssignments(G)).toEqual({ version: 0, assignments: [] });
        await s.putHeartbeat(G, 'a', record('a', { seq: 1 }));
        await s.commit(G, {
          expectedVersion: 0,
          assignments: [assignment('smtp', 'a'), assignment('imap', 'b')],
          changed: ['smtp', 'imap'],
        });
        const read = await s.loadAssignments(G);
        expect(read.version).toBe(1);
        expect(sorted(read.assignments)).toEqual(sorted([assignment('smtp', 'a'), assignment('imap', 'b')]));
        expect(read).toEqual({ version: 1, assignments: (await s.loadGroup(G)).assignments });
      });

      test('a commit at the expected version is read back with the next version', async (s) => {
        const next = [assignment('smtp', 'a'), assignment('imap', null, 0)];
        expect(await s.commit(G, { expectedVersion: 0, assignments: next, changed: ['smtp', 'imap'] })).toEqual({
          ok: true,
          version: 1,
        });
        const g = await s.loadGroup(G);
        expect(g.version).toBe(1);
        expect(sorted(g.assignments)).toEqual(sorted(next));
      });

      test('a commit at a stale version is refused with the current version, changing nothing', async (s) => {
        await s.commit(G, { expectedVersion: 0, assignments: [assignment('smtp', 'a')], changed: ['smtp'] });
        const r = await s.commit(G, {
          expectedVersion: 0,
          assignments: [assignment('smtp', 'b', 2)],
          changed: ['smtp'],
        });
        expect(r).toEqual({ ok: false, reason: 'conflict', currentVersion: 1 });
        expect((await s.loadGroup(G)).assignments).toEqual([assignment('smtp', 'a')]);
      });

      test('only changed VIPs are written; VIPs missing from the next state vanish', async (s) => {
        await s.commit(G, {
          expectedVersion: 0,
          assignments: [assignment('v1', 'a'), assignment('v2', 'a'), assignment('v3', 'a')],
          changed: ['v1', 'v2', 'v3'],
        });
        const next = [assignment('v1', 'b', 2), assignment('v2', 'a')];
        expect(await s.commit(G, { expectedVersion: 1, assignments: next, changed: ['v1', 'v3'] })).toEqual({
          ok: true,
          version: 2,
        });
        expect(sorted((await s.loadGroup(G)).assignments)).toEqual(sorted(next));
      });

      test('pins and move history survive the round trip', async (s) => {
        const a: Assignment = {
          ...assignment('smtp', 'b', 4),
          moves: [T0, T0 + 1, T0 + 2],
          pinned: { reason: 'maintenance of a', by: 'ops' },
        };
        await s.commit(G, { expectedVersion: 0, assignments: [a], changed: ['smtp'] });
        expect((await s.loadGroup(G)).assignments).toEqual([a]);
      });

      test('race: two commits with the same expected version, exactly one wins and is read back whole', async (s) => {
        const vips = Array.from({ length: 300 }, (_, i) => `v${i}`);
        await s.commit(G, { expectedVersion: 0, assignments: vips.map((v) => assignment(v, 'a')), changed: vips });
        for (let round = 1; round <= 3; round++) {
          const mine = vips.map((v) => assignment(v, 'b', round + 1));
          const theirs = vips.map((v) => assignment(v, 'c', round + 1));
          const [r1, r2] = await Promise.all([
            s.commit(G, { expectedVersion: round, assignments: mine, changed: vips }),
            s.commit(G, { expectedVersion: round, assignments: theirs, changed: vips }),
          ]);
          expect([r1.ok, r2.ok].filter(Boolean)).toHaveLength(1);
          const loser = r1.ok ? r2 : r1;
          expect(loser).toEqual({ ok: false, reason: 'conflict', currentVersion: round + 1 });
          const g = await s.loadGroup(G);
          expect(g.version).toBe(round + 1);
          expect(sorted(g.assignments)).toEqual(sorted(r1.ok ? mine : theirs));
        }
      });

      test('10,240 VIPs commit and load whole; a later commit of three leaves the rest alone', async (s) => {
        const vips = Array.from({ length: 10_240 }, (_, i) => `vip-${String(i).padStart(5, '0')}`);
        const all = vips.map((v, i) => assignment(v, `node-${String(i % 256).padStart(3, '0')}`));
        expect(await s.commit(G, { expectedVersion: 0, assignments: all, changed: vips })).toEqual({
          ok: true,
          version: 1,
        });
        const changed = ['vip-00007', 'vip-05000', 'vip-10239'];
        const next = all.map((a) => (changed.includes(a.vip) ? { ...a, node: 'node-999', epoch: 2 } : a));
        expect(await s.commit(G, { expectedVersion: 1, assignments: next, changed })).toEqual({ ok: true, version: 2 });
        const g = await s.loadGroup(G);
        expect(g.assignments).toHaveLength(10_240);
        expect(sorted(g.assignments)).toEqual(sorted(next));
      });
    });

    describe('events', () => {
      test('listed newest first, in pages', async (s) => {
        const events = Array.from({ length: 7 }, (_, i) => moveEvent(T0 + i * 1000, `v${i}`));
        await s.appendEvents(G, events);
        const p1 = await s.listEvents(G, { limit: 3 });
        expect(p1.events.map((e) => e.vip)).toEqual(['v6', 'v5', 'v4']);
        const p2 = await s.listEvents(G, { limit: 3, before: p1.next! });
        expect(p2.events.map((e) => e.vip)).toEqual(['v3', 'v2', 'v1']);
        const p3 = await s.listEvents(G, { limit: 3, before: p2.next! });
        expect(p3.events.map((e) => e.vip)).toEqual(['v0']);
        expect(p3.next).toBeUndefined();
      });

      test('an event is read back as written', async (s) => {
        const e = moveEvent(T0, 'smtp', {
          timeline: { lastHeartbeat: T0 - 400, detected: T0 - 10, decided: T0 },
          outcome: { ok: false, reason: 'throttled', message: 'budget', calls: 0, skipped: true },
        });
        await s.appendEvents(G, [
          e,
          { id: `${String(T0 + 1).padStart(15, '0')}#drain#a`, at: T0 + 1, kind: 'drain', detail: 'a drained by ops' },
        ]);
        const { events } = await s.listEvents(G);
        expect(events[1]).toEqual(e);
        expect(events[0]).toEqual({
          id: `${String(T0 + 1).padStart(15, '0')}#drain#a`,
          at: T0 + 1,
          kind: 'drain',
          detail: 'a drained by ops',
        });
      });

      test('writing an event again merges its timeline and outcome', async (s) => {
        const e = moveEvent(T0, 'smtp', { timeline: { decided: T0 } });
        await s.appendEvents(G, [e]);
        await s.appendEvents(G, [
          {
            ...e,
            timeline: { apiStart: T0 + 1, apiDone: T0 + 5, verified: T0 + 6 },
            outcome: { ok: true, changed: true, calls: 3 },
          },
        ]);
        const [got] = (await s.listEvents(G)).events;
        expect(got!.timeline).toEqual({ decided: T0, apiStart: T0 + 1, apiDone: T0 + 5, verified: T0 + 6 });
        expect(got!.outcome).toEqual({ ok: true, changed: true, calls: 3 });
      });

      test('markTimeline sets only what is not set, and never creates an event', async (s) => {
        const e = moveEvent(T0, 'smtp', { timeline: { decided: T0 } });
        await s.appendEvents(G, [e]);
        await s.markTimeline(G, e.id, { bound: T0 + 900 });
        await s.markTimeline(G, e.id, { bound: T0 + 2000, decided: T0 + 5 });
        await s.markTimeline(G, 'no-such-event', { bound: T0 });
        const { events } = await s.listEvents(G);
        expect(events).toHaveLength(1);
        expect(events[0]!.timeline).toEqual({ decided: T0, bound: T0 + 900 });
      });
    });

    describe('drain flags', () => {
      test('set and cleared, untouched by heartbeats', async (s) => {
        await s.setDraining(G, 'a', true, T0);
        await s.putHeartbeat(G, 'a', record('a', { seq: 1 }));
        expect([...(await s.loadGroup(G)).draining]).toEqual(['a']);
        await s.setDraining(G, 'a', false, T0 + 1);
        await s.setDraining(G, 'b', false, T0 + 1);
        expect((await s.loadGroup(G)).draining.size).toBe(0);
      });
    });

    describe('tick lease', () => {
      test('held by one owner until it expires or is released', async (s) => {
        expect(await s.acquireLease(G, { owner: 'tick-1', ttlMs: 5000, now: T0 })).toEqual({
          ok: true,
          expiresAt: T0 + 5000,
        });
        expect(await s.acquireLease(G, { owner: 'tick-2', ttlMs: 5000, now: T0 + 10 })).toEqual({
          ok: false,
          holder: 'tick-1',
          expiresAt: T0 + 5000,
        });
        expect(await s.acquireLease(G, { owner: 'tick-1', ttlMs: 5000, now: T0 + 20 })).toEqual({
          ok: true,
          expiresAt: T0 + 5020,
        });
        await s.releaseLease(G, 'tick-2');
        expect((await s.acquireLease(G, { owner: 'tick-2', ttlMs: 5000, now: T0 + 30 })).ok).toBe(false);
        await s.releaseLease(G, 'tick-1');
        expect(await s.acquireLease(G, { owner: 'tick-2', ttlMs: 5000, now: T0 + 40 })).toEqual({
          ok: true,
          expiresAt: T0 + 5040,
        });
      });

      test('an expired lease can be taken over', async (s) => {
        await s.acquireLease(G, { owner: 'crashed', ttlMs: 1000, now: T0 });
        expect((await s.acquireLease(G, { owner: 'tick-2', ttlMs: 1000, now: T0 + 1001 })).ok).toBe(true);
      });

      test('race: contenders at once, exactly one holds the lease', async (s) => {
        const results = await Promise.all(
          ['t1', 't2', 't3', 't4'].map((owner) => s.acquireLease(G, { owner, ttlMs: 5000, now: T0 })),
        );
        expect(results.filter((r) => r.ok)).toHaveLength(1);
        const losers = results.filter((r) => !r.ok) as Array<{ holder: string }>;
        const winner = ['t1', 't2', 't3', 't4'][results.findIndex((r) => r.ok)];
        expect(new Set(losers.map((l) => l.holder))).toEqual(new Set([winner]));
      });
    });
  });
}

function sorted(a: readonly Assignment[]): Assignment[] {
  return [...a].sort((x, y) => (x.vip < y.vip ? -1 : x.vip > y.vip ? 1 : 0));
}
