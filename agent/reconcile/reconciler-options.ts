import type { Logger } from 'pino';
import type { Clock } from '../../core/clock';
import type { Config, NodeSpec } from '../../core/config';
import type { HostNet } from '../../core/ports';
import type { Transition } from '../hooks';
import type { BindGate } from './bind-gate';
import type { ReconcilerEvents } from './effects';

/** What a Reconciler is built from (reconciler.ts). */
export interface ReconcilerOptions {
  config: Config;
  node: NodeSpec;
  hostNet: HostNet;
  clock: Clock;
  logger?: Logger;
  hooks?: { transition(t: Transition): void };
  gate?: BindGate;
  events?: ReconcilerEvents;
  /** Host operations run side by side within a round (10,240 VIPs one by one would take long). */
  concurrency?: number;
  /**
   * How often a round lists the host when nothing has changed, to repair drift (an address someone
   * removed). Default: the heartbeat interval, but at most once a second: on Linux every listing is
   * an `ip` process, and at 5 heartbeats a second that would be 5 processes a second for nothing.
   */
  listEveryMs?: number;
  /**
   * While the host reports its address changes (`HostNet.watch`: `ip monitor` on Linux), a
   * listing runs within `listEveryMs` of each change and otherwise only this often, in case a
   * change went unreported. Default 30 s.
   */
  quietListEveryMs?: number;
  /**
   * How long the control plane may be silent before onControlLoss applies. Default deadAfter
   * (direct liveness answers every heartbeat); witnessed agents hear from it once a keepalive.
   */
  controlLossAfterMs?: number;
  /** Witnessed liveness: this host's own evidence that it is cut off, which counts as control lost at once. */
  cutOff?: () => boolean;
}
