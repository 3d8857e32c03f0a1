import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { loadConfig, type Config } from '../../core/config';

export const EXAMPLE = fileURLToPath(new URL('../../examples/lan/ipferry.yaml', import.meta.url));

export interface LanVip {
  name: string;
  /** Without prefix length (always /24 on the lab's segment), e.g. "198.18.0.50". */
  address: string;
  preferred?: string;
  /** Gate it on the lab responder's tcp check, as examples/lan does (default true). */
  checked?: boolean;
}

export interface LanConfigOptions {
  /** Nodes n1..nN at 198.18.0.11.. on eth0: lab hosts h1..hN carry the same addresses. */
  nodes: number;
  /** Default: examples/lan's one VIP, web at 198.18.0.50 preferred by n1. */
  vips?: readonly LanVip[];
  /** Milliseconds; what is not given keeps the peer defaults. */
  timers?: Partial<Record<'heartbeatInterval' | 'deadAfter' | 'preemptDelay' | 'minHold' | 'claimHoldoff', number>>;
  quorum?: 'majority' | 'none';
  /** Replaces the example's control section (e.g. a local control plane with witnessed liveness). */
  control?: Record<string, unknown>;
  /** A config document to start from instead of examples/lan (a seed example mapped onto the lab: test/seeds/lab-seed.ts). */
  base?: Record<string, unknown>;
}

/** The node that runs in a lab host: n1 in h1, and so on. */
export const hostOf = (node: string): string => node.replace(/^n/, 'h');
export const nodeOf = (host: string): string => host.replace(/^h/, 'n');

/**
 * examples/lan/ipferry.yaml with as many nodes and VIPs as a scenario needs, so the tests run the
 * shipped example's shape (psk, the tcp check on the responder's port, peer timers) and not a
 * config of their own invention. Returns the YAML and the validated config.
 */
export function lanConfig(o: LanConfigOptions): { yaml: string; config: Config } {
  const start: unknown = o.base ? structuredClone(o.base) : YAML.parse(readFileSync(EXAMPLE, 'utf8'));
  const doc = start as Record<string, unknown> & {
    vips: Array<Record<string, unknown>>;
    control: Record<string, unknown>;
  };
  const example = doc.vips[0]!;
  doc.nodes = Array.from({ length: o.nodes }, (_, i) => ({
    id: `n${i + 1}`,
    interface: 'eth0',
    addresses: [`198.18.0.${11 + i}`],
  }));
  if (o.vips) {
    doc.vips = o.vips.map((v) => ({
      name: v.name,
      address: `${v.address}/24`,
      ...(v.preferred ? { preferred: v.preferred } : {}),
      ...(v.checked === false ? {} : { checks: example.checks }),
    }));
  }
  if (o.timers) doc.timers = { ...(doc.timers as object | undefined), ...o.timers };
  if (o.control) doc.control = o.control;
  if (o.quorum) doc.control = { ...doc.control, quorum: o.quorum };
  return { yaml: YAML.stringify(doc), config: loadConfig(doc) };
}
