/**
 * Fault injection for emulators: "fail the next K calls (of action A) with a 5xx, a throttle, or
 * hang them". Tests arm faults through the admin endpoint; the emulator asks `next(action)` before
 * serving each call.
 */
export type FaultKind = 'error' | 'throttle' | 'hang';

export interface FaultSpec {
  kind: FaultKind;
  /** How many calls to affect. */
  count: number;
  /** Only calls of this action (EC2 Action, Route 53 operation, `METHOD /path` pattern…); all when absent. */
  action?: string;
  /** For `hang`: how long to hold the request before dropping it (default: until the client gives up). */
  ms?: number;
  /** For `error`: the 5xx status to answer (default 500); emulators pick the provider's error code for it. */
  status?: number;
}

export class FaultInjector {
  private armed: FaultSpec[] = [];

  arm(spec: FaultSpec): void {
    if (!['error', 'throttle', 'hang'].includes(spec.kind)) throw new Error(`unknown fault kind "${spec.kind}"`);
    if (!Number.isInteger(spec.count) || spec.count < 1) throw new Error('fault count must be a positive integer');
    if (spec.status !== undefined && !(Number.isInteger(spec.status) && spec.status >= 500 && spec.status <= 599)) {
      throw new Error('fault status must be a 5xx status');
    }
    this.armed.push({ ...spec });
  }

  /** The fault to apply to this call, consuming one use of it, or undefined. */
  next(action: string): FaultSpec | undefined {
    const i = this.armed.findIndex((f) => f.action === undefined || f.action === action);
    if (i < 0) return undefined;
    const f = this.armed[i]!;
    f.count -= 1;
    if (f.count <= 0) this.armed.splice(i, 1);
    return f;
  }

  clear(): void {
    this.armed = [];
  }

  get pending(): readonly FaultSpec[] {
    return this.armed;
  }
}
