/**
 * The auto-assigned public IPv4 address and Elastic IPs, as the EC2 User Guide ("Public IPv4
 * addresses", https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-instance-addressing.html#concepts-public-addresses)
 * describes them: associating an Elastic IP with the primary private address releases the
 * instance's public address, which is never given back; when the Elastic IP leaves, the interface
 * receives a new public address from Amazon's pool (if it was launched with one), else none.
 * So a node whose primary address carries a moving EIP does not keep a fixed public address.
 */
import { isIPv4 } from 'node:net';
import type { Ec2State, Eni } from './state';

/** Amazon's pool in the emulator: a documentation range (RFC 5737), skipping what is in use. */
const POOL_PREFIX = '203.0.113.';
const POOL_FIRST = 128;

/** Call after an EIP is associated with `privateIp` of `eni`: the primary's public address goes. */
export function releasePublicIp(eni: Eni, privateIp: string): void {
  if (privateIp !== eni.primaryIp || eni.publicIp === undefined) return;
  eni.releasedPublicIps = [...(eni.releasedPublicIps ?? []), eni.publicIp];
  delete eni.publicIp;
}

/** Call after an EIP left `privateIp` of `eni` (moved or disassociated). */
export function renewPublicIp(s: Ec2State, eni: Eni | undefined, privateIp: string): void {
  if (!eni || privateIp !== eni.primaryIp || !eni.autoPublicIp || eni.publicIp !== undefined) return;
  const used = new Set<string>([
    ...Object.values(s.eips).map((e) => e.publicIp),
    ...Object.values(s.enis).flatMap((e) => (e.publicIp ? [e.publicIp] : [])),
  ]);
  for (const e of Object.values(s.enis)) for (const old of e.releasedPublicIps ?? []) used.add(old);
  for (let i = POOL_FIRST; i < 255; i++) {
    const ip = `${POOL_PREFIX}${i}`;
    if (isIPv4(ip) && !used.has(ip)) {
      eni.publicIp = ip;
      return;
    }
  }
}
