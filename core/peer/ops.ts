import { createHash } from 'node:crypto';
import type { Config } from '../config/model';
import { canCarry } from '../config/topology';
import type { Assignment, NodeView } from '../decide/types';
import { hmacSha256, publicKeyFrom, verifyEd25519, verifyHmac, type Signer } from '../heartbeat/keys';
import { compareOps, opKey, opSigningBytes, type PeerOp } from './ops-wire';

export { compareOps, MAX_PEER_OPS, opKey, PeerOpSchema, PeerOpsSchema, type PeerOp } from './ops-wire';

/**
 * How far above the highest stamp a node has seen a peer's operation may be. A stamp grows by one per
 * operation, so a legitimate one is at most the operations a node missed; a stolen key can then
 * ratchet stamps by 1000 per datagram at best, not to the cap in one. A node that has seen no
 * operation yet (just started) takes any stamp up to the cap: it has nothing to compare with.
 */
export const PEER_OP_STEP = 1000;
/** No stamp above this is taken or issued (as PEER_EPOCH_CAP: far from 2^53, never reached by people). */
export const PEER_OP_CAP = 2 ** 48;

/** What the operations say, as decide() needs it. */
export interface PeerOpsView {
  drained: ReadonlySet<string>;
  pins: ReadonlyMap<string, { node: string; reason: string; by?: string }>;
}

export const NO_PEER_OPS: PeerOpsView = { drained: new Set(), pins: new Map() };

export type OpRefusalReason = 'op-unknown-issuer' | 'op-invalid' | 'op-absurd-stamp' | 'op-bad-signature';

export interface OpRefusal {
  reason: OpRefusalReason;
  message: string;
}

/** Checks an operation's signature against its issuer's key (ed25519) or the cluster's key (hmac). */
export type OpVerifier = (op: PeerOp) => boolean;

export function opVerifier(config: Config, secrets: { psk?: string } = {}): OpVerifier {
  const keys = new Map(config.nodes.flatMap((n) => (n.publicKey ? [[n.id, publicKeyFrom(n.publicKey)] as const] : [])));
  const psk = secrets.psk ?? config.security.psk;
  const mac = psk ? hmacSha256(psk) : undefined;
  const ed = config.security.signing === 'ed25519';
  return (op) => {
    const { sig, ...rest } = op;
    const data = opSigningBytes(config.cluster, rest);
    if (ed) {
      const key = keys.get(op.issuer);
      return !!key && verifyEd25519(key, data, sig);
    }
    return !!mac && verifyHmac(mac, data, sig);
  };
}

export function signOp(cluster: string, op: Omit<PeerOp, 'sig'>, signer: Signer): PeerOp {
  return { ...op, sig: signer.sign(opSigningBytes(cluster, op)) };
}

/** Why an operation makes no sense for this config (unknown node or VIP, a node that cannot carry it), or undefined. */
export function opProblem(config: Config, op: Omit<PeerOp, 'sig' | 't' | 'at' | 'issuer'>): string | undefined {
  if (op.kind === 'drain') {
    if (!config.nodes.some((n) => n.id === op.target)) return `node ${op.target} is not in the config`;
    if (op.node !== undefined) return 'a drain names no node to move to';
    return undefined;
  }
  const vip = config.vips.find((v) => v.name === op.target);
  if (!vip) return `VIP ${op.target} is not in the config`;
  if (!op.on) return op.node === undefined ? undefined : 'an unpin names no node';
  const node = config.nodes.find((n) => n.id === op.node);
  if (!node) return `node ${op.node ?? '(none)'} is not in the config`;
  if (!op.reason?.trim()) return 'a manual move needs a reason';
  if (!canCarry(vip, node)) return `node ${node.id} cannot carry ${vip.name} (eligibility, identity or subnet)`;
  return undefined;
}

/** The highest stamp among the operations. */
export function highestStamp(ops: Iterable<PeerOp>): number {
  let best = 0;
  for (const op of ops) best = Math.max(best, op.t);
  return best;
}

/**
 * Folds a peer's operations into ours. Nothing an operation says is believed before it is newer than
 * what we hold for its key, makes sense for our config, has a sane stamp and verifies; a refused one
 * changes nothing, and the others still count. Old and equal ones (every heartbeat repeats them) are
 * skipped without a signature check. Returns the new map (the input is never changed).
 */
export function mergeOps(
  config: Config,
  held: ReadonlyMap<string, PeerOp>,
  incoming: readonly PeerOp[],
  verify: OpVerifier,
): { ops: Map<string, PeerOp>; applied: PeerOp[]; refused: OpRefusal[] } {
  const ops = new Map(held);
  const applied: PeerOp[] = [];
  const refused: OpRefusal[] = [];
  const seen = highestStamp(held.values());
  const limit = seen === 0 ? PEER_OP_CAP : Math.min(PEER_OP_CAP, seen + PEER_OP_STEP);
  const nodes = new Set(config.nodes.map((n) => n.id));
  for (const op of incoming) {
    const key = opKey(op);
    const current = ops.get(key);
    if (current && compareOps(op, current) <= 0) continue;
    const what = `${op.kind} ${op.on ? '' : 'off '}${op.target} from ${op.issuer} (stamp ${op.t})`;
    if (!nodes.has(op.issuer)) {
      refused.push({ reason: 'op-unknown-issuer', message: `${what}: the issuer is not in the config` });
      continue;
    }
    const problem = opProblem(config, op);
    if (problem) {
      refused.push({ reason: 'op-invalid', message: `${what}: ${problem}` });
      continue;
    }
    if (op.t > limit) {
      refused.push({ reason: 'op-absurd-stamp', message: `${what}: stamp above ${limit}` });
      continue;
    }
    if (!verify(op)) {
      refused.push({ reason: 'op-bad-signature', message: `${what}: the signature does not verify` });
      continue;
    }
    ops.set(key, op);
    applied.push(op);
  }
  return { ops, applied, refused };
}

/** The drained nodes and pinned VIPs the operations add up to. */
export function opsView(ops: Iterable<PeerOp>): PeerOpsView {
  const drained = new Set<string>();
  const pins = new Map<string, { node: string; reason: string; by?: string }>();
  for (const op of ops) {
    if (!op.on) continue;
    if (op.kind === 'drain') drained.add(op.target);
    else if (op.node) pins.set(op.target, { node: op.node, reason: op.reason ?? '', ...(op.by ? { by: op.by } : {}) });
  }
  return { drained, pins };
}

/** A short digest of the operations a node carries: two nodes with equal digests apply the same ones. */
export function opsDigest(ops: Iterable<PeerOp>): string {
  const lines = [...ops].map((o) => `${opKey(o)}@${o.t}/${o.issuer}`).sort();
  return createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 16);
}

/** Views with the operators' drains: decide() moves a drained node's VIPs away, reason `drain`, as the control plane's does. */
export function withDrains(views: readonly NodeView[], drained: ReadonlySet<string>): NodeView[] {
  return views.map((v) => (drained.has(v.id) === v.draining ? v : { ...v, draining: drained.has(v.id) }));
}

/**
 * Assignments with the operators' pins, as the control plane commits a manual move: the pinned node
 * is the owner (the next epoch when it does not hold the VIP yet), pinned, so preemption and
 * rebalancing leave it there and decide() still moves it away when the node dies, fails a check or
 * drains. The holder lets go (rule 1) and the pinned node claims. Unlike the control plane's, the pin
 * outlives such a forced move (there is no committed state to drop it from): when its node can
 * carry the VIP again, the VIP goes back, until `ipferry unpin`.
 */
export function withPins(assignments: readonly Assignment[], pins: PeerOpsView['pins']): Assignment[] {
  return assignments.map((a) => {
    const pin = pins.get(a.vip);
    if (!pin) return a;
    const pinned = { reason: pin.reason, ...(pin.by ? { by: pin.by } : {}) };
    return a.node === pin.node ? { ...a, pinned } : { ...a, node: pin.node, epoch: a.epoch + 1, pinned };
  });
}
