import type { Logger } from 'pino';
import { ConfigError, configDigest, formatIssue, type Config } from '../../core/config';
import { readConfigFile } from '../config-file';
import { reloadBlockers } from './blockers';

/** The outcome of one reload, kept for `/status` (what `ipferry agent reload` waits for and prints). */
export interface ReloadRecord {
  /** Counts reloads since start: `ipferry agent reload` waits for the one after the last it saw. */
  seq: number;
  at: number;
  ok: boolean;
  /** The digest in effect after this reload (the old one when it was refused). */
  digest: string;
  message: string;
  added?: string[];
  removed?: string[];
}

export interface ReloaderOptions {
  configFile: string;
  nodeId: string;
  /** The config the agent started with. */
  config: Config;
  logger: Logger;
  now: () => number;
}

/** Applies a validated config to the running agent (agent/reload/apply.ts); throws when it could not. */
export type ApplyConfig = (config: Config) => Promise<{ removed: string[] }>;

/**
 * Reloads the agent's config file on request (SIGHUP, which `ipferry agent reload` sends), one at a
 * time: the file is read with the loader start-up uses, checked against what a reload may change
 * (blockers.ts), and only then applied. A file that does not load, lacks this node or changes what
 * needs a restart changes nothing: the agent keeps running on the config it has, and says why in its
 * log and in `/status`. A request while the agent starts waits until it has started.
 */
export class Reloader {
  private current: Config;
  private apply: ApplyConfig | undefined;
  private pending = false;
  private queue: Promise<unknown> = Promise.resolve();
  private seq = 0;
  private last: ReloadRecord | undefined;

  constructor(private readonly o: ReloaderOptions) {
    this.current = o.config;
  }

  /** The agent is running: reloads apply through `apply` (one asked for meanwhile runs now). */
  attach(apply: ApplyConfig): void {
    this.apply = apply;
    if (this.pending) void this.reload();
  }

  /** Reads the file again and applies it; resolves with the outcome (never rejects). */
  reload(): Promise<ReloadRecord | undefined> {
    if (!this.apply) {
      this.pending = true;
      this.o.logger.info('reload asked for while the agent starts: it runs once the agent has started');
      return Promise.resolve(undefined);
    }
    this.pending = false;
    const run = this.queue.then(() => this.once(this.apply!));
    this.queue = run;
    return run;
  }

  status(): { pid: number; file: string; digest: string; last: ReloadRecord | null } {
    return { pid: process.pid, file: this.o.configFile, digest: configDigest(this.current), last: this.last ?? null };
  }

  private async once(apply: ApplyConfig): Promise<ReloadRecord> {
    const before = configDigest(this.current);
    let next: Config;
    try {
      next = await readConfigFile(this.o.configFile);
    } catch (err) {
      const why = err instanceof ConfigError ? err.issues.map(formatIssue).join('; ') : (err as Error).message;
      return this.refuse(before, `${this.o.configFile} is not valid: ${why}`);
    }
    if (!next.nodes.some((n) => n.id === this.o.nodeId))
      return this.refuse(before, `node "${this.o.nodeId}" is not in ${this.o.configFile}`);
    const after = configDigest(next);
    if (after === before) return this.record({ ok: true, digest: before, message: `unchanged (digest ${before})` });
    const blockers = reloadBlockers(this.current, next);
    if (blockers.length > 0) return this.refuse(before, `needs a restart: ${blockers.join('; ')}`);
    const names = (c: Config) => new Set(c.vips.map((v) => v.name));
    const added = [...names(next)].filter((v) => !names(this.current).has(v));
    try {
      const { removed } = await apply(next);
      this.current = next;
      const message = `reloaded: digest ${before} → ${after}; VIPs added [${added.join(', ')}], taken down [${removed.join(', ')}]`;
      return this.record({ ok: true, digest: after, message, added, removed });
    } catch (err) {
      // Parts may have taken the new config before the failure: say so, do not pretend nothing moved.
      return this.refuse(before, `applying ${after} failed part way (${(err as Error).message}); reload again`);
    }
  }

  private refuse(digest: string, message: string): ReloadRecord {
    return this.record({ ok: false, digest, message: `reload refused, still running ${digest}: ${message}` });
  }

  private record(r: Omit<ReloadRecord, 'seq' | 'at'>): ReloadRecord {
    const rec = { seq: ++this.seq, at: this.o.now(), ...r };
    this.last = rec;
    if (rec.ok) this.o.logger.info({ reload: rec }, rec.message);
    else this.o.logger.warn({ reload: rec }, rec.message);
    return rec;
  }
}
