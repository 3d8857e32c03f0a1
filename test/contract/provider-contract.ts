/**
 * The provider contract: what every `Provider` (core/ports.ts) must do, whatever moves the
 * address. Each adapter's test file calls `providerContract({...})` once
 * (`test/contract/<adapter>.contract.test.ts`); the suite never changes per adapter.
 *
 * ## What an adapter's test supplies
 *
 * `make()` builds a fresh world for ONE case (an emulator on 127.0.0.1, port 0) and returns a
 * `ContractHarness`:
 *
 * | field | what |
 * |---|---|
 * | `provider` | the Provider under test, pointed at that emulator, on the wall clock (`MoveContext.deadline` is `Date.now()`-based) |
 * | `vip` | a VIP of the kind under test, as `loadConfig` produces it |
 * | `nodes.a`, `nodes.b`, `nodes.d` | three config nodes that can all carry it (d is the third party in the race) |
 * | `wrongPlace` | a node that cannot carry it because of where it is: another subnet, network zone, network, address family |
 * | `changesPerMove` | mutating calls one ordinary move makes (1; 2 for remove-then-add such as Hetzner alias IPs) |
 * | `holder()` | the emulator's TRUE holder as a node id, or null (read from its admin state, not through the adapter) |
 * | `calls()` | running totals from the emulator's call log (`GET /__admin/calls`): `api` = every API call served, `changes` = those of mutating operations (refused ones included). A provider with no API counts its record writes as `changes` and 0 `api` |
 * | `invariants()` | the emulator's invariant record (`GET /__admin/invariants`): never two holders at once, ever |
 * | `faults.arm(kind, n)` | make the next n MUTATING calls of this kind fail: `throttle` (the provider's rate-limit answer), `error` (a 5xx) or `hang` (no answer) |
 * | `setLag(ms)` | set the emulator's read-after-write lag (`consistencyLagMs`) |
 * | `unknownVip` | a VIP of the same kind naming a resource that does not exist (floating IP id, network, failover IP, allocation, hosted zone) |
 * | `forbidden()` | a provider for the same emulator whose calls are refused for permissions (bad token, deny list) |
 * | `close()` | stops the emulator |
 *
 * The optional fields go with optional cases. A case may be declared not applicable, with a
 * reason, in `notApplicable` — only where the kind truly lacks the notion (a LAN address has no
 * provider topology, no API to throttle); the suite then does not register it (no skips) and
 * checks the reason is written down. Declaring a case applicable but leaving out its field fails.
 *
 * Every case starts from a fresh harness, moves the VIP to a known place first, and ends by
 * checking the emulator's invariant record is clean.
 */
import { describe, expect, it } from 'vitest';
import type { NodeSpec, Vip } from '../../core/config';
import type { MoveResult, Provider } from '../../core/ports';
import { ProviderError, type FailureReason } from '../../core/reasons';

export type FaultKind = 'throttle' | 'error' | 'hang';

export interface CallCounts {
  api: number;
  changes: number;
}

export interface ContractHarness {
  provider: Provider;
  vip: Vip;
  nodes: { a: NodeSpec; b: NodeSpec; d: NodeSpec };
  changesPerMove: number;
  holder(): Promise<string | null>;
  calls(): Promise<CallCounts>;
  invariants(): Promise<{ ok: boolean; violations: readonly unknown[] }>;
  close(): Promise<void>;
  /** For 'wrong-place'. */
  wrongPlace?: NodeSpec;
  /** For 'throttling' and 'deadline'. */
  faults?: { arm(kind: FaultKind, count: number): Promise<void> };
  /** For 'lag'. */
  setLag?: (ms: number) => Promise<void>;
  /** For 'not-found'. */
  unknownVip?: Vip;
  /** For 'forbidden'. */
  forbidden?: () => Provider;
}

export type OptionalCase = 'wrong-place' | 'throttling' | 'lag' | 'deadline' | 'not-found' | 'forbidden';

export interface ContractSpec {
  /** The adapter and kind, e.g. "hetzner-cloud (hetzner-floating-ip)". */
  name: string;
  make(): Promise<ContractHarness>;
  /** Cases that do not apply, each with why. */
  notApplicable?: Partial<Record<OptionalCase, string>>;
  timing?: {
    /** Deadline of ordinary moves. Default 20 s. */
    moveMs?: number;
    /** Read-after-write lag in the lag case. Default 300 ms. */
    lagMs?: number;
    /** Throttled answers before success in the throttling case. Default 2. */
    throttles?: number;
    /** The deadline that cannot be met. Default 1 s. */
    shortMs?: number;
  };
}

const FIELD_OF = {
  'wrong-place': 'wrongPlace',
  throttling: 'faults',
  lag: 'setLag',
  deadline: 'faults',
  'not-found': 'unknownVip',
  forbidden: 'forbidden',
} as const satisfies Record<OptionalCase, keyof ContractHarness>;

let epoch = 0;

export function providerContract(spec: ContractSpec): void {
  const na = spec.notApplicable ?? {};
  const moveMs = spec.timing?.moveMs ?? 20_000;
  const lagMs = spec.timing?.lagMs ?? 300;
  const throttles = spec.timing?.throttles ?? 2;
  const shortMs = spec.timing?.shortMs ?? 1000;
  const applies = (c: OptionalCase) => na[c] === undefined;

  /** A case on a fresh harness, ending with the invariant check. */
  const run = (body: (h: ContractHarness) => Promise<void>) => async () => {
    const h = await spec.make();
    try {
      await body(h);
      const inv = await h.invariants();
      expect(inv.violations).toEqual([]);
      expect(inv.ok).toBe(true);
    } finally {
      await h.close();
    }
  };

  describe(`provider contract: ${spec.name}`, () => {
    it('moving to where the address already is makes no mutating call and says changed:false', run(async (h) => {
      await settle(h, h.nodes.b);
      const first = ok(await move(h, h.vip, h.nodes.a, moveMs));
      expect(first.changed).toBe(true);
      const mark = await h.calls();
      const again = ok(await move(h, h.vip, h.nodes.a, moveMs));
      const delta = since(await h.calls(), mark);
      expect(again.changed).toBe(false);
      expect(delta.changes).toBe(0);
      expect(again.calls).toBe(delta.api);
      expect(await h.holder()).toBe(h.nodes.a.id);
    }));

    it('moves to B, verifies, counts its calls, and observe agrees with the true holder', run(async (h) => {
      await settle(h, h.nodes.a);
      const mark = await h.calls();
      const started = Date.now();
      const r = ok(await move(h, h.vip, h.nodes.b, moveMs));
      const delta = since(await h.calls(), mark);
      expect(r.changed).toBe(true);
      expect(r.verifiedAt).toBeGreaterThanOrEqual(started);
      expect(r.verifiedAt).toBeLessThanOrEqual(Date.now());
      expect(delta.changes).toBe(h.changesPerMove);
      expect(r.calls).toBe(delta.api);
      expect(await h.holder()).toBe(h.nodes.b.id);
      await expectObserved(h, h.nodes.b.id);
    }));

    it('two concurrent moves to different nodes leave exactly one holder, and observe reports it', run(async (h) => {
      await settle(h, h.nodes.a);
      const mark = await h.calls();
      const results = await Promise.all([move(h, h.vip, h.nodes.b, moveMs), move(h, h.vip, h.nodes.d, moveMs)]);
      const delta = since(await h.calls(), mark);
      for (const r of results) expect(r.ok || r.reason === 'conflict', describeResult(r)).toBe(true);
      expect(results.some((r) => r.ok)).toBe(true);
      expect(results[0]!.calls + results[1]!.calls).toBe(delta.api);
      const holder = await h.holder();
      expect([h.nodes.b.id, h.nodes.d.id]).toContain(holder);
      await expectObserved(h, holder);
    }));

    it('two concurrent moves to the same node both succeed and leave it there', run(async (h) => {
      await settle(h, h.nodes.a);
      const results = await Promise.all([move(h, h.vip, h.nodes.b, moveMs), move(h, h.vip, h.nodes.b, moveMs)]);
      for (const r of results) ok(r);
      expect(await h.holder()).toBe(h.nodes.b.id);
      await expectObserved(h, h.nodes.b.id);
    }));

    it('a move whose deadline has already passed fails as transient without a call', run(async (h) => {
      await settle(h, h.nodes.a);
      const mark = await h.calls();
      const r = await h.provider.move(h.vip, h.nodes.b, { epoch: ++epoch, deadline: Date.now() - 1 });
      expect(failed(r)).toMatchObject({ reason: 'transient', calls: 0 });
      expect(since(await h.calls(), mark)).toEqual({ api: 0, changes: 0 });
      expect(await h.holder()).toBe(h.nodes.a.id);
    }));

    if (applies('wrong-place')) {
      it('refuses a node in the wrong place as invalid and leaves the holder where it was', run(async (h) => {
        const c = need(h, 'wrong-place');
        await settle(h, h.nodes.a);
        const mark = await h.calls();
        const r = failed(await move(h, h.vip, c, moveMs));
        const delta = since(await h.calls(), mark);
        expect(r.reason, r.message).toBe('invalid');
        expect(r.message.length).toBeGreaterThan(10);
        expect(delta.changes).toBeLessThanOrEqual(1); // refused once, never retried
        expect(r.calls).toBe(delta.api);
        expect(await h.holder()).toBe(h.nodes.a.id);
        await expectObserved(h, h.nodes.a.id);
      }));
    }

    if (applies('throttling')) {
      it(`gets through ${throttles} throttled answers with backoff inside the deadline, counting every call`, run(async (h) => {
        const faults = need(h, 'throttling');
        await settle(h, h.nodes.a);
        const mark = await h.calls();
        await faults.arm('throttle', throttles);
        const r = ok(await move(h, h.vip, h.nodes.b, moveMs));
        const delta = since(await h.calls(), mark);
        expect(r.changed).toBe(true);
        expect(delta.changes).toBe(h.changesPerMove + throttles);
        expect(r.calls).toBe(delta.api);
        expect(await h.holder()).toBe(h.nodes.b.id);
      }));
    }

    if (applies('lag')) {
      it('with read-after-write lag, acts once per move, verifies, and a move right after sees the last one', run(async (h) => {
        const setLag = need(h, 'lag');
        await settle(h, h.nodes.a);
        await setLag(lagMs);
        await sleep(lagMs + 50); // let what settle() wrote become visible under the new lag
        for (const [to, changes] of [[h.nodes.b, h.changesPerMove], [h.nodes.a, h.changesPerMove], [h.nodes.a, 0]] as const) {
          const mark = await h.calls();
          const r = ok(await move(h, h.vip, to, moveMs));
          const delta = since(await h.calls(), mark);
          expect(delta.changes, `move to ${to.id}`).toBe(changes);
          expect(r.changed).toBe(changes > 0);
          expect(r.calls).toBe(delta.api);
          expect(await h.holder()).toBe(to.id);
        }
        await expectObserved(h, h.nodes.a.id);
      }));
    }

    if (applies('deadline')) {
      for (const kind of ['hang', 'error', 'throttle'] as const) {
        it(`returns a classified failure by a deadline it cannot meet (mutating calls ${kind === 'hang' ? 'hang' : kind === 'error' ? 'fail with 5xx' : 'stay throttled'})`, run(async (h) => {
          const faults = need(h, 'deadline');
          await settle(h, h.nodes.a);
          await faults.arm(kind, 1000);
          const started = Date.now();
          const r = failed(await move(h, h.vip, h.nodes.b, shortMs));
          const took = Date.now() - started;
          const expected: FailureReason[] = kind === 'throttle' ? ['throttled'] : ['transient'];
          expect(expected, r.message).toContain(r.reason);
          expect(took).toBeLessThan(shortMs + 1500);
          expect(r.calls).toBeGreaterThan(0);
          expect(await h.holder()).toBe(h.nodes.a.id);
        }));
      }
    }

    if (applies('not-found')) {
      it('names an unknown resource not-found, in move and in observe', run(async (h) => {
        const vip = need(h, 'not-found');
        const r = failed(await move(h, vip, h.nodes.a, moveMs));
        expect(r.reason, r.message).toBe('not-found');
        const err = await h.provider.observe([vip]).then(() => undefined, (e: unknown) => e);
        expect(err).toBeInstanceOf(ProviderError);
        expect((err as ProviderError).reason).toBe('not-found');
      }));
    }

    if (applies('forbidden')) {
      it('names refused credentials forbidden and does not retry them', run(async (h) => {
        const forbidden = need(h, 'forbidden');
        await settle(h, h.nodes.a);
        const mark = await h.calls();
        const r = failed(await forbidden().move(h.vip, h.nodes.b, { epoch: ++epoch, deadline: Date.now() + moveMs }));
        const delta = since(await h.calls(), mark);
        expect(r.reason, r.message).toBe('forbidden');
        expect(r.calls).toBe(delta.api);
        expect(r.calls).toBeLessThanOrEqual(2); // one refused call; two when reads pass and only the write is refused
        expect(await h.holder()).toBe(h.nodes.a.id);
      }));
    }

    const skipped = Object.entries(na) as Array<[OptionalCase, string]>;
    if (skipped.length > 0) {
      it(`says why ${skipped.map(([c]) => c).join(', ')} do not apply, and supplies nothing for them`, async () => {
        const h = await spec.make();
        try {
          for (const [c, why] of skipped) {
            expect(why.trim().length, `reason for ${c}`).toBeGreaterThanOrEqual(20);
            const usedElsewhere = (Object.keys(FIELD_OF) as OptionalCase[]).some((o) => o !== c && applies(o) && FIELD_OF[o] === FIELD_OF[c]);
            if (!usedElsewhere) expect(h[FIELD_OF[c]], `${c} is declared not applicable`).toBeUndefined();
          }
        } finally {
          await h.close();
        }
      });
    }
  });

  function need<C extends OptionalCase>(h: ContractHarness, c: C): NonNullable<ContractHarness[(typeof FIELD_OF)[C]]> {
    const value = h[FIELD_OF[c]];
    if (value === undefined) throw new Error(`${spec.name}: case "${c}" applies but the harness gives no ${FIELD_OF[c]} (or declare it in notApplicable with a reason)`);
    return value as NonNullable<ContractHarness[(typeof FIELD_OF)[C]]>;
  }
}

function move(h: ContractHarness, vip: Vip, to: NodeSpec, ms: number): Promise<MoveResult> {
  return h.provider.move(vip, to, { epoch: ++epoch, deadline: Date.now() + ms });
}

/** Puts the VIP on `node` (from wherever it is) and checks it got there. */
async function settle(h: ContractHarness, node: NodeSpec): Promise<void> {
  ok(await move(h, h.vip, node, 20_000));
  expect(await h.holder()).toBe(node.id);
}

async function expectObserved(h: ContractHarness, node: string | null): Promise<void> {
  const seen = await h.provider.observe([h.vip]);
  expect(seen.get(h.vip.name)).toEqual({ node });
}

function ok(r: MoveResult): Extract<MoveResult, { ok: true }> {
  expect(r.ok, describeResult(r)).toBe(true);
  return r as Extract<MoveResult, { ok: true }>;
}

function failed(r: MoveResult): Extract<MoveResult, { ok: false }> {
  expect(r.ok, describeResult(r)).toBe(false);
  return r as Extract<MoveResult, { ok: false }>;
}

function describeResult(r: MoveResult): string {
  return r.ok ? `ok (changed ${r.changed}, ${r.calls} calls)` : `${r.reason}: ${r.message} (${r.calls} calls)`;
}

function since(now: CallCounts, mark: CallCounts): CallCounts {
  return { api: now.api - mark.api, changes: now.changes - mark.changes };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
