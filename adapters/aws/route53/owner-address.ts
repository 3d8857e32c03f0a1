import type { Logger } from 'pino';
import type { NodeSpec } from '../../../core/config';
import { canonicalIp } from '../../../core/ip';
import { ProviderError } from '../../../core/reasons';
import type { Frame } from '../frame';

/**
 * What an owner record needs of EC2: the public IPv4 address on an interface's primary private
 * address now, or null when it has none (throws a ProviderError when EC2 cannot say). A port, so
 * the Route 53 provider does not hold the EC2 adapter; Ec2PublicAddressReader implements it.
 */
export interface PublicAddressPort {
  publicIpv4(
    eni: string,
    read: { clock: Frame['clock']; deadline: number; onCall?: (action: string) => void },
  ): Promise<string | null>;
  close?(): void;
}

/** The address an owner record points at by config: the node's public address, else its first one. */
export function ownerAddress(node: NodeSpec): string | undefined {
  return node.aws?.publicIp ?? node.addresses[0];
}

/**
 * The address to publish for `node`, read once per move. A node with an EC2 interface asks EC2:
 * its public IPv4 follows Elastic IP moves on the primary address, so the configured one may be
 * gone or somebody else's. EC2 wins over the config (with a warning); no public address fails the
 * move `invalid` rather than publishing a stale one. Asked only when the record names the node's
 * public IPv4 (`aws.publicIp`): a node that is no EC2 instance, one whose public address is IPv6
 * (an EIP never releases those) and one published by a private address (`addresses[0]`, which EIP
 * moves do not touch; a private hosted zone) keep their configured address.
 */
export async function currentOwnerAddress(
  f: Frame,
  node: NodeSpec,
  configured: string,
  port: PublicAddressPort | undefined,
  logger: Logger,
): Promise<string> {
  const eni = node.aws?.eni;
  if (!port || !eni || node.aws?.publicIp === undefined || configured.includes(':')) return configured;
  const live = await port.publicIpv4(eni, { clock: f.clock, deadline: f.deadline, onCall: (a) => f.calls.add(a) });
  if (live === null)
    throw new ProviderError(
      'invalid',
      `node ${node.id} has no public IPv4 address on ${eni}'s primary private address (EC2 DescribeNetworkInterfaces; ` +
        `an Elastic IP there released it, or it was launched without one); the record is left as it is rather than pointed at a stale ${configured}`,
      { code: 'no-public-address' },
    );
  if (canonicalIp(configured) !== live)
    logger.warn(
      { node: node.id, eni, configured, ec2: live },
      `node ${node.id}: EC2 says its public address is ${live}, not the configured aws.publicIp ${configured}; publishing EC2's`,
    );
  return live;
}
