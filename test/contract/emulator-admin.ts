import type { CallCounts, FaultKind } from './provider-contract';

/**
 * The shared admin endpoint every emulator serves (sim/common/emulator.ts), as the contract's
 * harnesses use it: counts from the call log, the invariant record, faults and settings.
 */
export class EmulatorAdmin {
  constructor(private readonly url: string) {}

  async calls(): Promise<CallCounts> {
    const log = (await this.get('/__admin/calls')) as Array<{ mutating: boolean }>;
    return { api: log.length, changes: log.filter((c) => c.mutating).length };
  }

  async invariants(): Promise<{ ok: boolean; violations: unknown[] }> {
    return (await this.get('/__admin/invariants')) as { ok: boolean; violations: unknown[] };
  }

  async state<T>(): Promise<T> {
    return (await this.get('/__admin/state')) as T;
  }

  /** Faults on one mutating operation (the emulator's action name). */
  async arm(kind: FaultKind, count: number, action: string): Promise<void> {
    await this.post('/__admin/faults', { kind, count, action });
  }

  async settings(values: Record<string, unknown>): Promise<void> {
    await this.post('/__admin/settings', values);
  }

  private async get(path: string): Promise<unknown> {
    const res = await fetch(`${this.url}${path}`);
    if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
    return res.json();
  }

  private async post(path: string, body: unknown): Promise<void> {
    const res = await fetch(`${this.url}${path}`, { method: 'POST', body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
  }
}
