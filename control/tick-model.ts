import type { ReasonCode } from '../core/decide';
import type { EventOutcome, FailoverTimeline } from '../core/ports';

/** The shapes a tick starts from and reports, apart from tick.ts so the parts it calls can name them without importing it. */
export type TriggerKind = 'schedule' | 'interval' | 'deadline' | 'heartbeat' | 'api' | 'retry';

/** Why a tick runs; `at` is when the cause was noticed (the timeline's "detected"). */
export interface TickTrigger {
  kind: TriggerKind;
  at: number;
  detail: string;
}

/** One move (or drift repair) as the tick saw it through. */
export interface TickMove {
  eventId: string;
  vip: string;
  from: string | null;
  to: string | null;
  epoch: number;
  reason: ReasonCode;
  outcome?: EventOutcome;
  timeline: FailoverTimeline;
}
