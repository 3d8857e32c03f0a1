import type { CallCounter } from '../provider-kit/call-counter';

/** What every Hetzner Cloud call may carry: a way to cancel it and a counter of the calls made. */
export interface CallOptions {
  signal?: AbortSignal;
  calls?: CallCounter;
}
