import type { NodeSpec } from '../../core/config';
import { compareEc2, compareHetzner, formatMismatches } from './compare';
import { discoverEc2, type Ec2Identity } from './ec2';
import { discoverHetzner, type HetznerIdentity } from './hetzner';
import { Imds } from './imds';
import type { FetchLike } from './metadata-http';

export type IdentitySource = 'auto' | 'config' | 'ec2' | 'hetzner';

export interface ResolveOptions {
  node: NodeSpec;
  source: IdentitySource;
  imdsUrl?: string;
  hetznerUrl?: string;
  timeoutMs?: number;
  fetch?: FetchLike;
}

export interface ResolvedIdentity {
  source: 'config' | 'ec2' | 'hetzner';
  ec2?: Ec2Identity;
  hetzner?: HetznerIdentity;
  /** Kept for the EC2 bind gate (local-ipv4s of the ENI). */
  imds?: Imds;
}

/** The config does not describe this host. Its message lists every field that differs. */
export class IdentityError extends Error {
  override name = 'IdentityError';
}

/**
 * Who this host is: the config's node entry as given (`config`), or checked against the cloud's
 * metadata service (`ec2`, `hetzner`). `auto` picks by what the node entry has: `aws` → EC2,
 * `hetzner.serverId` → Hetzner, else the config alone. A node that says it is on a cloud whose
 * metadata service is not there, or that differs from it, is an error: the agent would otherwise
 * plumb addresses on the wrong machine.
 */
export async function resolveIdentity(options: ResolveOptions): Promise<ResolvedIdentity> {
  const { node } = options;
  const source =
    options.source === 'auto'
      ? node.aws
        ? 'ec2'
        : node.hetzner?.serverId !== undefined
          ? 'hetzner'
          : 'config'
      : options.source;
  if (source === 'config') return { source };
  if (source === 'ec2') {
    const imds = new Imds({ baseUrl: options.imdsUrl, timeoutMs: options.timeoutMs, fetch: options.fetch });
    let ec2: Ec2Identity;
    try {
      ec2 = await discoverEc2(imds, node.aws?.eni);
    } catch (err) {
      throw new IdentityError(`node ${node.id}: cannot read EC2 instance metadata: ${(err as Error).message}`);
    }
    const mismatches = compareEc2(node, ec2);
    if (mismatches.length > 0) throw new IdentityError(formatMismatches(node.id, 'EC2 IMDS', mismatches));
    return { source, ec2, imds };
  }
  let hetzner: HetznerIdentity;
  try {
    hetzner = await discoverHetzner({
      baseUrl: options.hetznerUrl,
      timeoutMs: options.timeoutMs,
      fetch: options.fetch,
    });
  } catch (err) {
    throw new IdentityError(`node ${node.id}: cannot read Hetzner server metadata: ${(err as Error).message}`);
  }
  const mismatches = compareHetzner(node, hetzner);
  if (mismatches.length > 0) throw new IdentityError(formatMismatches(node.id, 'Hetzner metadata', mismatches));
  return { source, hetzner };
}
