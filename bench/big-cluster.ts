import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import type { ConfigInput } from '../core/config';

export interface BigClusterOptions {
  nodes: number;
  vips: number;
  /** Subnets (one per availability zone) the nodes and VIPs are spread over. Default 4. */
  subnets?: number;
  /** aws (default): the Lambda + DynamoDB control plane; local: `ipferry control`. */
  mode?: 'aws' | 'local';
  /** Heartbeat path the generated document selects; default: the config's own default. */
  liveness?: 'witnessed' | 'direct';
}

export const BIG_CLUSTER_NAME = 'big-bench';

/**
 * Each subnet is a /20 carved out of the benchmark range 198.18.0.0/15 (32 of them fit). EC2
 * reserves the first four and the last address of every subnet, so hosts start at .10 and VIPs
 * start one /24 above the subnet's base, never meeting a host address.
 */
const SUBNET_BITS = 20;
const SUBNET_SIZE = 2 ** (32 - SUBNET_BITS);
const RANGE_BASE = ipv4ToInt('198.18.0.0');
const MAX_SUBNETS = 2 ** (SUBNET_BITS - 15);
const HOST_OFFSET = 10;
const VIP_OFFSET = 256;
/** EC2 reserves the last address of a subnet (the broadcast address). */
const LAST_USABLE = SUBNET_SIZE - 2;
const ZONE_LETTERS = 'abcdef';

/**
 * A DuraVIP-scale EC2 cluster document (the input of `parseConfig` and `ipferry validate`):
 * nodes round robin over `subnets` subnets, one per zone, each node with its instance, ENI and
 * a deterministic Ed25519 public key; `aws-secondary-ip` VIPs spread evenly over the subnets,
 * each preferring one node of its subnet so the first placement is spread evenly too. The same
 * options always give the same document (keys come from a seed, not from randomness), so its
 * digest, its YAML and anything synthesized from it are stable.
 */
export function bigClusterConfig(opts: BigClusterOptions): ConfigInput {
  const subnets = opts.subnets ?? 4;
  const mode = opts.mode ?? 'aws';
  checkCounts(opts.nodes, opts.vips, subnets);
  const nodes = Array.from({ length: opts.nodes }, (_, i) => nodeDoc(i, subnets));
  const vips = Array.from({ length: opts.vips }, (_, j) => vipDoc(j, subnets, nodes));
  const liveness = opts.liveness ? { liveness: opts.liveness } : {};
  const control =
    mode === 'aws'
      ? { mode: 'aws' as const, region: 'us-east-1', ...liveness }
      : { mode: 'local' as const, ...liveness };
  return { cluster: BIG_CLUSTER_NAME, control, security: { signing: 'ed25519' }, nodes, vips };
}

/** The PEM PKCS#8 private key of a generated node, for simulated agents that sign heartbeats. */
export function bigClusterPrivateKey(nodeId: string): string {
  return privateKeyOf(nodeId).export({ format: 'pem', type: 'pkcs8' }).toString();
}

/** The node id of the `index`-th node (0-based), as the generated document names it. */
export function bigClusterNodeId(index: number): string {
  return `node-${String(index + 1).padStart(4, '0')}`;
}

function checkCounts(nodes: number, vips: number, subnets: number): void {
  if (!Number.isInteger(subnets) || subnets < 1 || subnets > MAX_SUBNETS)
    throw new Error(`subnets must be an integer from 1 to ${MAX_SUBNETS}, got ${subnets}`);
  if (!Number.isInteger(nodes) || nodes < subnets)
    throw new Error(`nodes must be an integer of at least one per subnet (${subnets}), got ${nodes}`);
  if (!Number.isInteger(vips) || vips < 0) throw new Error(`vips must be a non-negative integer, got ${vips}`);
  const hostsPerSubnet = Math.ceil(nodes / subnets);
  const vipsPerSubnet = Math.ceil(vips / subnets);
  if (HOST_OFFSET + hostsPerSubnet > VIP_OFFSET)
    throw new Error(
      `${hostsPerSubnet} hosts per subnet do not fit below the VIPs of a /${SUBNET_BITS} (at most ${VIP_OFFSET - HOST_OFFSET})`,
    );
  if (VIP_OFFSET + vipsPerSubnet - 1 > LAST_USABLE)
    throw new Error(
      `${vipsPerSubnet} VIPs per subnet do not fit in a /${SUBNET_BITS} (at most ${LAST_USABLE - VIP_OFFSET + 1})`,
    );
}

interface NodeDoc {
  id: string;
  interface: string;
  addresses: string[];
  publicKey: string;
  aws: { instanceId: string; eni: string; subnetId: string; subnetCidr: string; az: string; privateIp: string };
}

function nodeDoc(i: number, subnets: number): NodeDoc {
  const id = bigClusterNodeId(i);
  const subnet = i % subnets;
  const privateIp = intToIpv4(subnetBase(subnet) + HOST_OFFSET + Math.floor(i / subnets));
  return {
    id,
    interface: 'ens5',
    addresses: [privateIp],
    publicKey: publicKeyBase64(id),
    aws: {
      instanceId: `i-${hex(i + 1, 17)}`,
      eni: `eni-${hex(i + 1, 17)}`,
      subnetId: subnetId(subnet),
      subnetCidr: `${intToIpv4(subnetBase(subnet))}/${SUBNET_BITS}`,
      az: zoneOf(subnet),
      privateIp,
    },
  };
}

/** VIP j lives in subnet j mod subnets and prefers the nodes of that subnet in turn. */
function vipDoc(j: number, subnets: number, nodes: readonly NodeDoc[]) {
  const subnet = j % subnets;
  const slot = Math.floor(j / subnets);
  const inSubnet = nodes.filter((_, i) => i % subnets === subnet);
  const preferred = inSubnet[slot % inSubnet.length]!;
  const address = intToIpv4(subnetBase(subnet) + VIP_OFFSET + slot);
  return {
    name: `vip-${String(j + 1).padStart(5, '0')}`,
    kind: 'aws-secondary-ip' as const,
    address: `${address}/${SUBNET_BITS}`,
    preferred: preferred.id,
  };
}

function subnetBase(subnet: number): number {
  return RANGE_BASE + subnet * SUBNET_SIZE;
}

function subnetId(subnet: number): string {
  return `subnet-${hex(subnet + 1, 17)}`;
}

/** us-east-1 has six zones (a–f); more subnets than that share zones. */
function zoneOf(subnet: number): string {
  return `us-east-1${ZONE_LETTERS[subnet % ZONE_LETTERS.length]}`;
}

/**
 * An Ed25519 private key is any 32 bytes; wrapping a hash of the node id in the fixed PKCS#8
 * header (RFC 8410) gives a key that is the same on every run.
 */
const PKCS8_ED25519_HEADER = Buffer.from('302e020100300506032b657004220420', 'hex');

function privateKeyOf(nodeId: string) {
  const seed = createHash('sha256').update(`${BIG_CLUSTER_NAME}:${nodeId}`).digest();
  return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_HEADER, seed]), format: 'der', type: 'pkcs8' });
}

function publicKeyBase64(nodeId: string): string {
  const jwk = createPublicKey(privateKeyOf(nodeId)).export({ format: 'jwk' });
  return Buffer.from(jwk.x!, 'base64url').toString('base64');
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

function ipv4ToInt(text: string): number {
  return text.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
}

function intToIpv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}
