import { randomBytes } from 'node:crypto';

/** Every lab's names start with this, then four random characters: "ipf3k9q". */
export const LAB_FAMILY = 'ipf';
const PREFIX_RE = /^ipf[a-z0-9]{4}$/;
const NETNS_RE = /^(ipf[a-z0-9]{4})-(br|cl|ob|h\d{1,2})$/;

export const MAX_HOSTS = 50;

/** One namespace on the lab's segment. */
export interface LabMember {
  /** "h1".."hN", "client" or "observer". */
  name: string;
  netns: string;
  /** The bridge-side end of its veth, in the bridge namespace (≤ 15 characters). */
  bridgePort: string;
  /** Always "eth0" inside the namespace. */
  interface: 'eth0';
  ipv4: string;
  ipv6: string;
  /** Fixed, so a MAC seen on the wire maps to a member without asking. */
  mac: string;
}

export function newLabPrefix(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return LAB_FAMILY + [...randomBytes(4)].map((b) => alphabet[b % alphabet.length]).join('');
}

export function isLabPrefix(prefix: string): boolean {
  return PREFIX_RE.test(prefix);
}

/** The lab prefix a namespace name belongs to, or undefined when it is not a lab namespace. */
export function labPrefixOf(netns: string): string | undefined {
  return NETNS_RE.exec(netns)?.[1];
}

export function bridgeNetns(prefix: string): string {
  return `${prefix}-br`;
}

/** Host i (1-based) is 198.18.0.(10+i); the client is .200 and the ARP observer .201. */
export function labMembers(
  prefix: string,
  hosts: number,
): { hosts: LabMember[]; client: LabMember; observer: LabMember } {
  if (!isLabPrefix(prefix)) throw new Error(`lab prefix must match ${PREFIX_RE}: got "${prefix}"`);
  if (!Number.isInteger(hosts) || hosts < 1 || hosts > MAX_HOSTS)
    throw new Error(`hosts must be 1..${MAX_HOSTS}: got ${hosts}`);
  const member = (name: string, tag: string, octet: number): LabMember => ({
    name,
    netns: `${prefix}-${tag}`,
    bridgePort: `${prefix}${tag}`,
    interface: 'eth0',
    ipv4: `198.18.0.${octet}`,
    ipv6: `2001:db8::${octet}`,
    mac: `02:18:00:00:00:${octet.toString(16).padStart(2, '0')}`,
  });
  return {
    hosts: Array.from({ length: hosts }, (_, i) => member(`h${i + 1}`, `h${i + 1}`, 11 + i)),
    client: member('client', 'cl', 200),
    observer: member('observer', 'ob', 201),
  };
}
