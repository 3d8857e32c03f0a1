import { randomBytes } from 'node:crypto';
import { configDigest, type Config } from '../../../core/config';
import {
  HeartbeatAnswerSchema,
  sealHeartbeat,
  type HeartbeatAnswer,
  type HeartbeatInput,
  type Signer,
} from '../../../core/heartbeat';

/**
 * A TEST DRIVER that speaks the heartbeat protocol the way an agent does — signed with core's
 * sealHeartbeat, seq +1 per beat, a fresh bootId per start — and "applies" each answer at once
 * (held and applied follow the answer), so the next beat reports the epochs as bound. It runs no
 * checks and touches no host: tests set `checks` and `leaving` by hand. The real agent replaces it.
 */
export class TestAgent {
  bootId = randomBytes(6).toString('base64url');
  seq = 0;
  checks: Record<string, { ok: boolean; detail?: string }> = {};
  leaving = false;
  applied: Record<string, number> = {};
  lastAnswer?: HeartbeatAnswer;
  /** Every non-200 answer, so tests see refusals instead of silent gaps. */
  readonly refusals: Array<{ status: number; body: unknown }> = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly digest: string;

  constructor(
    readonly node: string,
    private readonly opts: { config: Config; signer: Signer; url: () => string; now?: () => number; digest?: string },
  ) {
    this.digest = opts.digest ?? configDigest(opts.config);
    for (const c of Object.keys(opts.config.checks)) this.checks[c] = { ok: true };
  }

  /** The next heartbeat's envelope (advances seq). Tests use it to replay or tamper. */
  seal(overrides: Partial<HeartbeatInput> = {}): string {
    this.seq += 1;
    const hb: HeartbeatInput = {
      v: 1,
      cluster: this.opts.config.cluster,
      node: this.node,
      bootId: this.bootId,
      seq: this.seq,
      sentAt: (this.opts.now ?? Date.now)(),
      checks: this.checks,
      held: Object.keys(this.applied),
      applied: { ...this.applied },
      leaving: this.leaving,
      configDigest: this.digest,
      ...overrides,
    };
    return sealHeartbeat(hb, this.opts.signer);
  }

  /** POSTs one heartbeat and applies the answer. */
  async beat(overrides: Partial<HeartbeatInput> = {}): Promise<{ status: number; body: unknown }> {
    return this.post(this.seal(overrides));
  }

  async post(envelope: string): Promise<{ status: number; body: unknown }> {
    const res = await fetch(this.opts.url(), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: envelope,
      signal: AbortSignal.timeout(5000),
    });
    const body: unknown = await res.json();
    if (res.status === 200) this.apply(HeartbeatAnswerSchema.parse(body));
    else this.refusals.push({ status: res.status, body });
    return { status: res.status, body };
  }

  /** Apply an answer like an agent: take assignments whose epoch is not older, drop the rest. */
  apply(answer: HeartbeatAnswer): void {
    this.lastAnswer = answer;
    const next: Record<string, number> = {};
    for (const a of answer.assignments) if (a.epoch >= (this.applied[a.vip] ?? 0)) next[a.vip] = a.epoch;
    this.applied = next;
  }

  /**
   * Beats every `ms` at a fixed rate until stop(), like an agent's ticker: a slow answer delays no
   * later beat (a beat still in flight when the next is due is not doubled). Errors are kept as
   * refusals with status 0.
   */
  start(ms: number): this {
    this.stop();
    let busy = false;
    const once = () => {
      if (busy) return;
      busy = true;
      this.beat()
        .catch((err: unknown) => this.refusals.push({ status: 0, body: String(err) }))
        .finally(() => (busy = false));
    };
    this.timer = setInterval(once, ms);
    once();
    return this;
  }

  /** Stops beating: a crash, as far as the control plane can tell. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** A restarted agent: new boot, seq from zero, nothing applied (clean slate). */
  restart(): this {
    this.bootId = randomBytes(6).toString('base64url');
    this.seq = 0;
    this.applied = {};
    this.leaving = false;
    return this;
  }
}
