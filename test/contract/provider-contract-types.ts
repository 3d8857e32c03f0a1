import type { NodeSpec, Vip } from '../../core/config';
import type { Clock } from '../../core/clock';
import type { Provider } from '../../core/ports';

/** The contract's shapes, apart from the suite so its cases and steps can name them without importing it. */
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
  /**
   * The world's clock (emulator, client and moves share it), for suites under a scaled real
   * profile: deadlines, timings and waits are then on it. Default: the wall clock.
   */
  clock?: Clock;
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
    /** How long past that deadline a failure may come back (harness time). Default 1.5 s. */
    slackMs?: number;
  };
}

export const FIELD_OF = {
  'wrong-place': 'wrongPlace',
  throttling: 'faults',
  lag: 'setLag',
  deadline: 'faults',
  'not-found': 'unknownVip',
  forbidden: 'forbidden',
} as const satisfies Record<OptionalCase, keyof ContractHarness>;

/** What the cases share: the spec's timing, applicability, the fresh-harness runner. */
export interface Suite {
  spec: ContractSpec;
  moveMs: number;
  lagMs: number;
  throttles: number;
  shortMs: number;
  slackMs: number;
  applies(c: OptionalCase): boolean;
  /** A case on a fresh harness, ending with the invariant check. */
  run(body: (h: ContractHarness) => Promise<void>): () => Promise<void>;
  /** The harness field an applicable optional case needs; a clear failure when it is missing. */
  need<C extends OptionalCase>(h: ContractHarness, c: C): NonNullable<ContractHarness[(typeof FIELD_OF)[C]]>;
}
