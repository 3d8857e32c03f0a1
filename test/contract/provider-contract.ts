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
 * checking the emulator's invariant record is clean. The cases (provider-contract-cases.ts):
 *
 * - always: a second move to the same node → `changed:false`, no mutating call, `calls` = the
 *   API calls served; a move to B → `changed:true`, exactly `changesPerMove` mutating calls,
 *   `verifiedAt` inside the move, true holder B, `observe` → `{ node: B }`; concurrent moves to B
 *   and D → each ok or `conflict`, at least one ok, one holder (B or D) that `observe` reports,
 *   calls adding up; concurrent moves to the same node → both ok; a deadline already passed →
 *   `transient` with 0 calls.
 * - 'wrong-place': `invalid`, at most one mutating call (never retried), holder unchanged.
 * - 'throttling': n throttled answers then success inside the deadline: `changesPerMove + n`
 *   mutating calls, all counted in `MoveResult.calls`.
 * - 'lag': with `consistencyLagMs`, moves B, A, A: one move's mutating calls each (0 for the
 *   last), each verified, so a move right after another sees it.
 * - 'deadline': mutating calls that hang, fail with 5xx, or stay throttled → `transient`
 *   (`throttled` for the last) within the short deadline + `slackMs` (1.5 s), holder unchanged.
 * - 'not-found': `move` fails `not-found`; `observe` rejects with a ProviderError `not-found`.
 * - 'forbidden': `forbidden`, not retried (≤ 2 calls), holder unchanged.
 *
 * `timing` tunes the deadlines, the lag and the throttle count for slow emulators.
 */
import { describe, expect, it } from 'vitest';
import { commonCases, optionalCases } from './provider-contract-cases';
import { FIELD_OF, type ContractSpec, type OptionalCase, type Suite } from './provider-contract-types';

export {
  FIELD_OF,
  type CallCounts,
  type ContractHarness,
  type ContractSpec,
  type FaultKind,
  type OptionalCase,
  type Suite,
} from './provider-contract-types';

export function providerContract(spec: ContractSpec): void {
  const na = spec.notApplicable ?? {};
  const applies = (c: OptionalCase) => na[c] === undefined;
  const s: Suite = {
    spec,
    moveMs: spec.timing?.moveMs ?? 20_000,
    lagMs: spec.timing?.lagMs ?? 300,
    throttles: spec.timing?.throttles ?? 2,
    shortMs: spec.timing?.shortMs ?? 1000,
    slackMs: spec.timing?.slackMs ?? 1500,
    applies,
    run: (body) => async () => {
      const h = await spec.make();
      try {
        await body(h);
        const inv = await h.invariants();
        expect(inv.violations).toEqual([]);
        expect(inv.ok).toBe(true);
      } finally {
        await h.close();
      }
    },
    need: (h, c) => {
      const value = h[FIELD_OF[c]];
      if (value === undefined)
        throw new Error(
          `${spec.name}: case "${c}" applies but the harness gives no ${FIELD_OF[c]} (or declare it in notApplicable with a reason)`,
        );
      return value as never;
    },
  };

  describe(`provider contract: ${spec.name}`, () => {
    commonCases(s);
    optionalCases(s);

    const skipped = Object.entries(na) as Array<[OptionalCase, string]>;
    if (skipped.length > 0) {
      it(`says why ${skipped.map(([c]) => c).join(', ')} do not apply, and supplies nothing for them`, async () => {
        const h = await spec.make();
        try {
          for (const [c, why] of skipped) {
            expect(why.trim().length, `reason for ${c}`).toBeGreaterThanOrEqual(20);
            const usedElsewhere = (Object.keys(FIELD_OF) as OptionalCase[]).some(
              (o) => o !== c && applies(o) && FIELD_OF[o] === FIELD_OF[c],
            );
            if (!usedElsewhere) expect(h[FIELD_OF[c]], `${c} is declared not applicable`).toBeUndefined();
          }
        } finally {
          await h.close();
        }
      });
    }
  });
}
