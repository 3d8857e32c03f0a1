import { z } from 'zod';
import { identifier, ipAddress, prefix } from './primitives';

/** What EC2 calls this node: needed by the aws-* VIP kinds. */
const awsIdentity = z.strictObject({
  instanceId: z
    .string()
    .regex(/^i-[0-9a-f]{8,17}$/, { message: 'expected an instance id like "i-0abc1234def567890"' })
    .optional(),
  /** The network interface that carries the VIPs (secondary IPs, EIP association, overlay route target). */
  eni: z
    .string()
    .regex(/^eni-[0-9a-f]{8,17}$/, { message: 'expected an interface id like "eni-0abc1234def567890"' })
    .optional(),
  subnetId: z
    .string()
    .regex(/^subnet-[0-9a-f]{8,17}$/, { message: 'expected a subnet id like "subnet-0abc1234"' })
    .optional(),
  /** The subnet's CIDR: a secondary private IP can only move between ENIs in one subnet. */
  subnetCidr: prefix.optional(),
  /** The subnet's IPv6 block, for IPv6 secondary VIPs on a dual-stack subnet (subnetCidr being its IPv4 one). */
  subnetIpv6Cidr: prefix
    .refine((s) => s.includes(':'), { message: 'expected an IPv6 block like "2001:db8:0:1::/64"' })
    .optional(),
  az: z.string().optional(),
  /** The ENI's primary private address, the target of Elastic IP associations. */
  privateIp: ipAddress.optional(),
  /** The node's public address, used by Route 53 owner records. */
  publicIp: ipAddress.optional(),
});

/** What Hetzner calls this node: Cloud servers (floating and alias IPs) or Robot dedicated servers. */
const hetznerIdentity = z.strictObject({
  serverId: z.number().int().positive().optional(),
  location: z.string().optional(),
  /** The private network carrying alias IPs. */
  networkId: z.number().int().positive().optional(),
  /** For Robot failover IPs: the server's main IPv4, the `active_server_ip` routed to. */
  robotServerIp: ipAddress.optional(),
});

export const NodeSchema = z.strictObject({
  id: identifier,
  /** The interface VIPs are plumbed on (LAN and cloud kinds the OS must carry). */
  interface: z.string().min(1).optional(),
  /** The node's own addresses; the first is where peers and the local control plane reach it. */
  addresses: z.array(ipAddress).default([]),
  /** Ed25519 public key (base64 of the 32 raw bytes, or a PEM SPKI block) that signs its heartbeats. */
  publicKey: z.string().min(1).optional(),
  aws: awsIdentity.optional(),
  hetzner: hetznerIdentity.optional(),
});

export type NodeSpec = z.output<typeof NodeSchema>;
