import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * One Prometheus exposition, shared by the agent (agent/ops/metrics.ts) and the local control plane
 * (control/metrics.ts) so both declare their families the same way and render the same text format.
 * Each owns a registry of its own, never prom-client's global one: two agents or control planes in
 * one process (the tests) must not see each other's series.
 *
 * Labels stay bounded by construction: a family's label names are fixed when it is declared (the
 * types refuse any other), and the values its callers pass come from fixed sets or go through
 * `labelValue` (lib/diagnosis-metrics.ts) first. prom-client escapes label values (`\`, `"`, newline)
 * and help text when it renders, so nothing a peer said can break a line of the exposition.
 */
export class Exposition {
  readonly registry = new Registry();

  /** The Content-Type to serve `render()`'s text under. */
  get contentType(): string {
    return this.registry.contentType;
  }

  counter<L extends string = never>(name: string, help: string, labels: readonly L[] = []): Counter<L> {
    return new Counter({ name, help, labelNames: labels, registers: [this.registry] });
  }

  gauge<L extends string = never>(name: string, help: string, labels: readonly L[] = []): Gauge<L> {
    return new Gauge({ name, help, labelNames: labels, registers: [this.registry] });
  }

  /** `buckets`: upper bounds in seconds (or the family's unit), ascending; +Inf is added. */
  histogram<L extends string = never>(
    name: string,
    help: string,
    buckets: readonly number[],
    labels: readonly L[] = [],
  ): Histogram<L> {
    return new Histogram({ name, help, buckets: [...buckets], labelNames: labels, registers: [this.registry] });
  }

  /** Every family, in the order declared, as Prometheus text (format 0.0.4). */
  render(): Promise<string> {
    return this.registry.metrics();
  }
}
