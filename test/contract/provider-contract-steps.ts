import { expect } from 'vitest';
import type { NodeSpec, Vip } from '../../core/config';
import type { MoveResult } from '../../core/ports';
import type { CallCounts, ContractHarness } from './provider-contract';

/** Small steps the contract's cases are written in. */

let epoch = 0;

/** Epochs grow across the whole run, as a control loop's would. */
export function nextEpoch(): number {
  return ++epoch;
}

export function move(h: ContractHarness, vip: Vip, to: NodeSpec, ms: number): Promise<MoveResult> {
  return h.provider.move(vip, to, { epoch: nextEpoch(), deadline: Date.now() + ms });
}

/** Puts the VIP on `node` (from wherever it is) and checks it got there. */
export async function settle(h: ContractHarness, node: NodeSpec): Promise<void> {
  ok(await move(h, h.vip, node, 20_000));
  expect(await h.holder()).toBe(node.id);
}

export async function expectObserved(h: ContractHarness, node: string | null): Promise<void> {
  const seen = await h.provider.observe([h.vip]);
  expect(seen.get(h.vip.name)).toEqual({ node });
}

export function ok(r: MoveResult): Extract<MoveResult, { ok: true }> {
  expect(r.ok, describeResult(r)).toBe(true);
  return r as Extract<MoveResult, { ok: true }>;
}

export function failed(r: MoveResult): Extract<MoveResult, { ok: false }> {
  expect(r.ok, describeResult(r)).toBe(false);
  return r as Extract<MoveResult, { ok: false }>;
}

export function describeResult(r: MoveResult): string {
  return r.ok ? `ok (changed ${r.changed}, ${r.calls} calls)` : `${r.reason}: ${r.message} (${r.calls} calls)`;
}

export function since(now: CallCounts, mark: CallCounts): CallCounts {
  return { api: now.api - mark.api, changes: now.changes - mark.changes };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
