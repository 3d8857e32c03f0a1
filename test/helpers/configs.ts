import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadConfig, type Config } from '../../core/config';

/** A validated config from an object; throws with every issue when it is invalid. */
export function config(raw: unknown): Config {
  return loadConfig(raw);
}

/** A config file from examples/. */
export function example(path: string): Config {
  return loadConfig(readFileSync(fileURLToPath(new URL(`../../examples/${path}`, import.meta.url)), 'utf8'));
}

export interface LanOptions {
  nodes: number | string[];
  vips: Array<Record<string, unknown>>;
  timers?: Record<string, unknown>;
  checks?: Record<string, unknown>;
  control?: Record<string, unknown>;
}

/**
 * A LAN cluster in one line: nodes n1..nN on eth0 at 198.18.0.11.., VIPs at 198.18.0.101.. unless
 * given. Timers default to round numbers that keep tables readable.
 */
export function lan(opts: LanOptions): Config {
  const ids = typeof opts.nodes === 'number' ? Array.from({ length: opts.nodes }, (_, i) => `n${i + 1}`) : opts.nodes;
  return config({
    cluster: 'test',
    control: opts.control ?? { mode: 'local', liveness: 'direct' },
    security: { psk: 'test-psk-0123456789abcdef' },
    timers: { heartbeatInterval: 1000, deadAfter: 3000, preemptDelay: 10_000, minHold: 30_000, ...opts.timers },
    nodes: ids.map((id, i) => ({ id, interface: 'eth0', addresses: [`198.18.0.${11 + i}`] })),
    checks: opts.checks ?? {},
    vips: opts.vips.map((v, i) => ({ address: `198.18.0.${101 + i}/24`, ...v })),
  });
}
