import { expect } from 'vitest';
import type { NodeSpec, Vip } from '../../core/config';
import type { MoveContext, MoveResult } from '../../core/ports';
import type { CallCounts, ContractHarness } from './provider-contract-types';

/** Small steps the contract's cases are written in. */

let epoch = 0;

/** Epochs grow across the whole run, as a control loop's would. */
export function nextEpoch(): number {
  return ++epoch;
}

/** The harness's time: its world's clock when it runs on one (a scaled real profile), else the wall clock. */
export function now(h: ContractHarness): number {
  return h.clock ? h.clock.now() : Date.now();
}

/** A move's context with its deadline `ms` ahead on the harness's clock, which the move then uses too. */
export function moveContext(h: ContractHarness, ms: number): MoveContext {
  return { epoch: nextEpoch(), deadline: now(h) + ms, ...(h.clock ? { clock: h.clock } : {}) };
}

export function move(h: ContractHarness, vip: Vip, to: NodeSpec, ms: number): Promise<MoveResult> {
  return h.provider.move(vip, to, moveContext(h, ms));
}

/** Waits `ms` of the harness's time. */
export function pause(h: ContractHarness, ms: number): Promise<void> {
  return h.clock ? h.clock.sleep(ms) : sleep(ms);
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
