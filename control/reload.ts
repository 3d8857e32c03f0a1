import { ConfigError, configDigest, formatIssue, type Config } from '../core/config';
import { reportDeadline } from '../core/witness';
import { errorText, type Log } from '../lib/log';
import type { Provider, RecordSetPublisher } from '../core/ports';
import type { VipKind } from '../core/config/vips';
import type { ControlContext } from './context';
import { witnessed } from './group';
import { providerLookup } from './providers';

/**
 * What a reload cannot change in a running control plane, and why: each is wired once at start
 * (control/local-server.ts) by a part that holds it for the whole run — the listening socket, TLS
 * and the answer key, the API token, the store file, the liveness mode, the heartbeat verifier's
 * algorithm, key and limits, the tick interval and the deadline timers. A new file that changes one
 * of them is refused as a whole, with these reasons, and changes nothing; a restart applies it.
 * Nodes, VIPs, checks, placement, DNS record sets and the other timers a reload applies in place.
 */
export function controlReloadBlockers(before: Config, after: Config): string[] {
  const out: string[] = [];
  const differs = (a: unknown, b: unknown) => JSON.stringify(a) !== JSON.stringify(b);
  if (before.cluster !== after.cluster)
    out.push(`cluster changed (${before.cluster} → ${after.cluster}: it is the store's group key)`);
  if (differs(before.control, after.control))
    out.push(
      'control changed (mode, listen, liveness, witness, TLS, answer key, API token or store file: wired at start)',
    );
  if (differs(before.security, after.security))
    out.push('security changed (signing, pre-shared key and heartbeat limits: the verifier is built at start)');
  for (const t of ['heartbeatInterval', 'deadAfter'] as const)
    if (before.timers[t] !== after.timers[t])
      out.push(
        `timers.${t} changed (${before.timers[t]} → ${after.timers[t]} ms: the tick interval and the deadline timers are set at start)`,
      );
  if (witnessed(before) && reportDeadline(before) !== reportDeadline(after))
    out.push('the report deadline changed (the deadline timers are set at start)');
  return out;
}

export interface ControlReloaderOptions<Parts> {
  /** Where the config comes from, for the log. */
  file: string;
  /** The config the control plane started with. */
  config: Config;
  log: Log;
  /** Reads and validates the file with the loader start-up uses; throws with the reason. */
  load(): Promise<Config>;
  /** Builds what the new config needs before anything changes (providers); throws with the reason. */
  prepare(config: Config): Promise<Parts>;
  /** Puts the new config in effect (LocalControlPlane.reload). */
  apply(config: Config, parts: Parts): Promise<void>;
}

export type ControlReloadOutcome = { ok: true; digest: string; unchanged?: true } | { ok: false; reason: string };

/**
 * Rereads the control plane's config on request (SIGHUP), one reload at a time. A file that does
 * not load, cannot be wired (a missing provider credential) or changes what needs a restart is
 * refused with the reason and changes nothing: the process keeps running on the config it has.
 * The state in the store (assignments, drains, pins, events) is never touched by a reload.
 */
export class ControlReloader<Parts> {
  private current: Config;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly o: ControlReloaderOptions<Parts>) {
    this.current = o.config;
  }

  /** Resolves with the outcome, logged already; never rejects. */
  reload(): Promise<ControlReloadOutcome> {
    const run = this.queue.then(() => this.once());
    this.queue = run;
    return run;
  }

  private async once(): Promise<ControlReloadOutcome> {
    const { log, file } = this.o;
    const digest = configDigest(this.current);
    const refuse = (reason: string): ControlReloadOutcome => {
      log.warn('reload refused', { file, reason, digest });
      return { ok: false, reason };
    };
    let next: Config;
    try {
      next = await this.o.load();
    } catch (err) {
      const why = err instanceof ConfigError ? err.issues.map(formatIssue).join('; ') : errorText(err);
      return refuse(`${file} is not valid: ${why}`);
    }
    const after = configDigest(next);
    if (after === digest) {
      log.info('reloaded', { file, digest, unchanged: true });
      return { ok: true, digest, unchanged: true };
    }
    const blockers = controlReloadBlockers(this.current, next);
    if (blockers.length > 0) return refuse(`needs a restart: ${blockers.join('; ')}`);
    let parts: Parts;
    try {
      parts = await this.o.prepare(next);
    } catch (err) {
      return refuse(`cannot be wired: ${errorText(err)}`);
    }
    try {
      await this.o.apply(next, parts);
    } catch (err) {
      return refuse(`could not be applied: ${errorText(err)}`);
    }
    const names = (c: Config) => new Set(c.vips.map((v) => v.name));
    const [was, now] = [names(this.current), names(next)];
    log.info('reloaded', {
      file,
      digest: after,
      previous: digest,
      nodes: next.nodes.length,
      vips: next.vips.length,
      added: [...now].filter((v) => !was.has(v)),
      removed: [...was].filter((v) => !now.has(v)),
    });
    this.current = next;
    return { ok: true, digest: after };
  }
}

/** What the caller built for a new config: its providers and DNS publisher (none when it has no record sets). */
export interface ReloadParts {
  providers?: ReadonlyMap<VipKind, Provider> | readonly Provider[];
  publisher?: RecordSetPublisher;
}

/**
 * Puts a new config in the context between ticks. The providers' drift budgets and diagnoses
 * belong to the old provider objects: they start afresh with the new ones.
 */
export function swapConfig(ctx: ControlContext, config: Config, parts: ReloadParts): void {
  ctx.config = config;
  ctx.digest = configDigest(config);
  if (parts.providers) {
    ctx.providers = providerLookup(parts.providers);
    ctx.driftReads = new Map();
    ctx.diagnoses = new Map();
  }
  if (parts.publisher) ctx.publisher = parts.publisher;
  else if (config.dns.length === 0) delete ctx.publisher;
}
