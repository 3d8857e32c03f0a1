import { configDigest, type Config } from '../../core/config';
import { ed25519Signer, HeartbeatAnswerSchema, privateKeyFrom } from '../../core/heartbeat';
import { witnessRing } from '../../core/witness';
import { HeartbeatBuilder, type HeartbeatPurpose } from '../../agent/heartbeat/builder';

/**
 * One node's agent as far as the control plane's bill can tell: the agent's own HeartbeatBuilder
 * (so every envelope has the real size and signature), what it has applied from the answers, and
 * — witnessed — what it hears of the nodes it watches. It runs no checks and touches no host.
 */
export class BenchAgent {
  private builder: HeartbeatBuilder;
  private applied: Record<string, number> = {};
  private version = 0;
  /** Witnessed: per watched node, whether it is heard and since when (bench clock). */
  private readonly hears = new Map<string, { heard: boolean; since: number }>();

  constructor(
    readonly node: string,
    private readonly config: Config,
    private readonly privateKeyPem: string,
    private readonly now: () => number,
  ) {
    this.builder = this.newBuilder();
    for (const x of witnessRing(config).watchedBy(node)) this.hears.set(x, { heard: true, since: now() });
  }

  /** A restarted agent: new boot id, seq from 1, nothing applied. */
  restart(): void {
    this.builder = this.newBuilder();
    this.applied = {};
  }

  /** Witnessed: this agent now hears (or no longer hears) `x`. */
  setHeard(x: string, heard: boolean): void {
    if (!this.hears.has(x)) throw new Error(`${this.node} does not watch ${x}`);
    this.hears.set(x, { heard, since: this.now() });
  }

  /** The signed message: a heartbeat to the control plane (direct), a report (witnessed) or a witness beat (UDP, witnessed). */
  envelope(purpose: HeartbeatPurpose): string {
    return this.builder.build(false, purpose).envelope;
  }

  /** Takes the control plane's answer as an agent does: hold what it assigns, at its epochs. */
  apply(body: string): void {
    const answer = HeartbeatAnswerSchema.parse(JSON.parse(body));
    this.applied = Object.fromEntries(answer.assignments.map((a) => [a.vip, a.epoch]));
    if (answer.version !== undefined) this.version = answer.version;
  }

  private newBuilder(): HeartbeatBuilder {
    return new HeartbeatBuilder({
      cluster: this.config.cluster,
      node: this.node,
      configDigest: configDigest(this.config),
      signer: ed25519Signer(privateKeyFrom(this.privateKeyPem)),
      now: this.now,
      sources: {
        checks: () => Object.fromEntries(Object.keys(this.config.checks).map((c) => [c, { ok: true }])),
        held: () => Object.keys(this.applied),
        applied: () => ({ ...this.applied }),
        takeHookFailures: () => [],
        watch: () =>
          Object.fromEntries(
            [...this.hears].map(([x, h]) => [x, { heard: h.heard, forMs: Math.max(0, this.now() - h.since) }]),
          ),
        version: () => this.version,
      },
    });
  }
}
