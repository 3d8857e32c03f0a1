import { expect, it } from 'vitest';
import { ProviderError, type FailureReason } from '../../core/reasons';
import type { Suite } from './provider-contract-types';
import {
  describeResult,
  expectObserved,
  failed,
  move,
  moveContext,
  now,
  ok,
  pause,
  settle,
  since,
} from './provider-contract-steps';

/** The cases of the provider contract (documented in provider-contract.ts). */

/** Cases every provider passes, whatever its kind. */
export function commonCases(s: Suite): void {
  it(
    'moving to where the address already is makes no mutating call and says changed:false',
    s.run(async (h) => {
      await settle(h, h.nodes.b);
      const first = ok(await move(h, h.vip, h.nodes.a, s.moveMs));
      expect(first.changed).toBe(true);
      const mark = await h.calls();
      const again = ok(await move(h, h.vip, h.nodes.a, s.moveMs));
      const delta = since(await h.calls(), mark);
      expect(again.changed).toBe(false);
      expect(delta.changes).toBe(0);
      expect(again.calls).toBe(delta.api);
      expect(await h.holder()).toBe(h.nodes.a.id);
    }),
  );

  it(
    'moves to B, verifies, counts its calls, and observe agrees with the true holder',
    s.run(async (h) => {
      await settle(h, h.nodes.a);
      const mark = await h.calls();
      const started = now(h);
      const r = ok(await move(h, h.vip, h.nodes.b, s.moveMs));
      const delta = since(await h.calls(), mark);
      expect(r.changed).toBe(true);
      expect(r.verifiedAt).toBeGreaterThanOrEqual(started);
      expect(r.verifiedAt).toBeLessThanOrEqual(now(h));
      expect(delta.changes).toBe(h.changesPerMove);
      expect(r.calls).toBe(delta.api);
      expect(await h.holder()).toBe(h.nodes.b.id);
      await expectObserved(h, h.nodes.b.id);
    }),
  );

  it(
    'two concurrent moves to different nodes leave exactly one holder, and observe reports it',
    s.run(async (h) => {
      await settle(h, h.nodes.a);
      const mark = await h.calls();
      const results = await Promise.all([move(h, h.vip, h.nodes.b, s.moveMs), move(h, h.vip, h.nodes.d, s.moveMs)]);
      const delta = since(await h.calls(), mark);
      for (const r of results) expect(r.ok || r.reason === 'conflict', describeResult(r)).toBe(true);
      expect(results.some((r) => r.ok)).toBe(true);
      expect(results[0]!.calls + results[1]!.calls).toBe(delta.api);
      const holder = await h.holder();
      expect([h.nodes.b.id, h.nodes.d.id]).toContain(holder);
      await expectObserved(h, holder);
    }),
  );

  it(
    'two concurrent moves to the same node both succeed and leave it there',
    s.run(async (h) => {
      await settle(h, h.nodes.a);
      const results = await Promise.all([move(h, h.vip, h.nodes.b, s.moveMs), move(h, h.vip, h.nodes.b, s.moveMs)]);
      for (const r of results) ok(r);
      expect(await h.holder()).toBe(h.nodes.b.id);
      await expectObserved(h, h.nodes.b.id);
    }),
  );

  it(
    'a move whose deadline has already passed fails as transient without a call',
    s.run(async (h) => {
      await settle(h, h.nodes.a);
      const mark = await h.calls();
      const r = await h.provider.move(h.vip, h.nodes.b, moveContext(h, -1));
      expect(failed(r)).toMatchObject({ reason: 'transient', calls: 0 });
      expect(since(await h.calls(), mark)).toEqual({ api: 0, changes: 0 });
      expect(await h.holder()).toBe(h.nodes.a.id);
    }),
  );
}

/** Cases a kind may declare not applicable, with a reason. */
export function optionalCases(s: Suite): void {
  if (s.applies('wrong-place')) {
    it(
      'refuses a node in the wrong place as invalid and leaves the holder where it was',
      s.run(async (h) => {
        const c = s.need(h, 'wrong-place');
        await settle(h, h.nodes.a);
        const mark = await h.calls();
        const r = failed(await move(h, h.vip, c, s.moveMs));
        const delta = since(await h.calls(), mark);
        expect(r.reason, r.message).toBe('invalid');
        expect(r.message.length).toBeGreaterThan(10);
        expect(delta.changes).toBeLessThanOrEqual(1); // refused once, never retried
        expect(r.calls).toBe(delta.api);
        expect(await h.holder()).toBe(h.nodes.a.id);
        await expectObserved(h, h.nodes.a.id);
      }),
    );
  }

  if (s.applies('throttling')) {
    it(
      `gets through ${s.throttles} throttled answers with backoff inside the deadline, counting every call`,
      s.run(async (h) => {
        const faults = s.need(h, 'throttling');
        await settle(h, h.nodes.a);
        const mark = await h.calls();
        await faults.arm('throttle', s.throttles);
        const r = ok(await move(h, h.vip, h.nodes.b, s.moveMs));
        const delta = since(await h.calls(), mark);
        expect(r.changed).toBe(true);
        expect(delta.changes).toBe(h.changesPerMove + s.throttles);
        expect(r.calls).toBe(delta.api);
        expect(await h.holder()).toBe(h.nodes.b.id);
      }),
    );
  }

  if (s.applies('lag')) {
    it(
      'with read-after-write lag, acts once per move, verifies, and a move right after sees the last one',
      s.run(async (h) => {
        const setLag = s.need(h, 'lag');
        await settle(h, h.nodes.a);
        await setLag(s.lagMs);
        await pause(h, s.lagMs + 50); // let what settle() wrote become visible under the new lag
        for (const [to, changes] of [
          [h.nodes.b, h.changesPerMove],
          [h.nodes.a, h.changesPerMove],
          [h.nodes.a, 0],
        ] as const) {
          const mark = await h.calls();
          const r = ok(await move(h, h.vip, to, s.moveMs));
          const delta = since(await h.calls(), mark);
          expect(delta.changes, `move to ${to.id}`).toBe(changes);
          expect(r.changed).toBe(changes > 0);
          expect(r.calls).toBe(delta.api);
          expect(await h.holder()).toBe(to.id);
        }
        await expectObserved(h, h.nodes.a.id);
      }),
    );
  }

  if (s.applies('deadline')) {
    for (const kind of ['hang', 'error', 'throttle'] as const) {
      it(
        `returns a classified failure by a deadline it cannot meet (mutating calls ${kind === 'hang' ? 'hang' : kind === 'error' ? 'fail with 5xx' : 'stay throttled'})`,
        s.run(async (h) => {
          const faults = s.need(h, 'deadline');
          await settle(h, h.nodes.a);
          await faults.arm(kind, 1000);
          const started = now(h);
          const r = failed(await move(h, h.vip, h.nodes.b, s.shortMs));
          const took = now(h) - started;
          const expected: FailureReason[] = kind === 'throttle' ? ['throttled'] : ['transient'];
          expect(expected, r.message).toContain(r.reason);
          expect(took).toBeLessThan(s.shortMs + s.slackMs);
          expect(r.calls).toBeGreaterThan(0);
          expect(await h.holder()).toBe(h.nodes.a.id);
        }),
      );
    }
  }

  if (s.applies('not-found')) {
    it(
      'names an unknown resource not-found, in move and in observe',
      s.run(async (h) => {
        const vip = s.need(h, 'not-found');
        const r = failed(await move(h, vip, h.nodes.a, s.moveMs));
        expect(r.reason, r.message).toBe('not-found');
        const err = await h.provider.observe([vip]).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(ProviderError);
        expect((err as ProviderError).reason).toBe('not-found');
      }),
    );
  }

  if (s.applies('forbidden')) {
    it(
      'names refused credentials forbidden and does not retry them',
      s.run(async (h) => {
        const forbidden = s.need(h, 'forbidden');
        await settle(h, h.nodes.a);
        const mark = await h.calls();
        const r = failed(await forbidden().move(h.vip, h.nodes.b, moveContext(h, s.moveMs)));
        const delta = since(await h.calls(), mark);
        expect(r.reason, r.message).toBe('forbidden');
        expect(r.calls).toBe(delta.api);
        expect(r.calls).toBeLessThanOrEqual(2); // one refused call; two when reads pass and only the write is refused
        expect(await h.holder()).toBe(h.nodes.a.id);
      }),
    );
  }
}
