import { generateNodeKey } from '../../core/heartbeat';
import { loadConfig, type Config } from '../../core/config';

export type Liveness = 'witnessed' | 'direct';

export interface CostCluster {
  config: Config;
  /** The document as the CDK app and IPFERRY_CONFIG carry it. */
  text: string;
  /** Each node's Ed25519 private key (PEM), for the simulated agents. */
  keys: ReadonlyMap<string, string>;
}

/** The zones nodes are spread over, round robin: the ring sorts by zone, so 3 boundaries cost transfer. */
export const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'] as const;

/** 80 hosts per zone's /24 (and 80 VIP addresses beside them). */
export const MAX_NODES = 80 * ZONES.length;

/**
 * An EC2 cluster shaped like examples/aws/ipferry.yaml, at any size: nodes round robin over three
 * zones (one /24 subnet per zone), Ed25519-signed heartbeats as the example, one
 * `aws-secondary-ip` VIP per node (preferred on it, movable within its subnet) and one Elastic IP
 * that can go anywhere. Timers and witness settings are left to the defaults of `liveness`.
 */
export function costCluster(nodes: number, liveness: Liveness): CostCluster {
  if (!Number.isInteger(nodes) || nodes < 2 || nodes > MAX_NODES)
    throw new Error(`nodes must be an integer from 2 to ${MAX_NODES}, got ${nodes}`);
  const keys = new Map<string, string>();
  const nodeDocs = Array.from({ length: nodes }, (_, i) => {
    const id = `node${String(i + 1).padStart(3, '0')}`;
    const zone = i % ZONES.length;
    const host = 11 + Math.floor(i / ZONES.length);
    const key = generateNodeKey();
    keys.set(id, key.privateKeyPem);
    const ip = `10.30.${zone + 1}.${host}`;
    return {
      id,
      interface: 'ens5',
      addresses: [ip],
      publicKey: key.publicKey,
      aws: {
        instanceId: `i-${hex(i + 1, 17)}`,
        eni: `eni-${hex(i + 1, 17)}`,
        subnetId: `subnet-${hex(zone + 1, 17)}`,
        subnetCidr: `10.30.${zone + 1}.0/24`,
        az: ZONES[zone],
        privateIp: ip,
      },
    };
  });
  const secondary = nodeDocs.map((n, i) => ({
    name: `svc-${n.id}`,
    kind: 'aws-secondary-ip',
    // Hosts take .11–.90 of their zone's /24, VIPs .100–.179: never the same address.
    address: `10.30.${(i % ZONES.length) + 1}.${100 + Math.floor(i / ZONES.length)}/24`,
    preferred: n.id,
    checks: ['svc'],
  }));
  const doc = {
    cluster: 'cost-bench',
    control: { mode: 'aws', region: 'us-east-1', liveness },
    security: { signing: 'ed25519' },
    nodes: nodeDocs,
    checks: { svc: { kind: 'tcp', target: '127.0.0.1:25' } },
    vips: [
      ...secondary,
      {
        name: 'public',
        kind: 'aws-elastic-ip',
        address: '198.51.100.25/32',
        preferred: nodeDocs[0]!.id,
        checks: ['svc'],
        aws: { allocationId: 'eipalloc-0000000000000c001' },
      },
    ],
  };
  return { config: loadConfig(doc), text: JSON.stringify(doc), keys };
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}
