/** The Route 53 emulator's records: hosted zones with their record sets, and submitted changes. */
import { compareNames } from './names';

export interface RecordSet {
  /** Normalised: lower case with a trailing dot. */
  name: string;
  type: string;
  ttl?: number;
  values: string[];
  setIdentifier?: string;
  weight?: number;
  aliasTarget?: { hostedZoneId: string; dnsName: string; evaluateTargetHealth: boolean };
}

export interface HostedZone {
  id: string;
  name: string;
  callerReference: string;
  comment: string;
  privateZone: boolean;
  records: RecordSet[];
}

export interface ChangeRecord {
  id: string;
  zoneId: string;
  submittedAt: number;
  /** When the change reaches every authoritative server (status INSYNC from then on). */
  insyncAt: number;
  comment?: string;
  /** The zone's record sets right after this change, which DNS serves once the change is INSYNC. */
  recordsAfter: RecordSet[];
}

/** Zones by id; the whole map is one value so a batch can replace it atomically. */
export type Zones = Record<string, HostedZone>;

export const RECORD_TYPES = [
  'A',
  'AAAA',
  'CAA',
  'CNAME',
  'DS',
  'HTTPS',
  'MX',
  'NAPTR',
  'NS',
  'PTR',
  'SOA',
  'SPF',
  'SRV',
  'SSHFP',
  'SVCB',
  'TLSA',
  'TXT',
];

/** Identity of a record set within a zone. */
export function recordKey(r: { name: string; type: string; setIdentifier?: string }): string {
  return `${r.name}|${r.type}|${r.setIdentifier ?? ''}`;
}

/** Route 53's listing order: name (labels right to left), then type, then set identifier. */
export function compareRecords(a: RecordSet, b: RecordSet): number {
  return compareNames(a.name, b.name) || cmp(a.type, b.type) || cmp(a.setIdentifier ?? '', b.setIdentifier ?? '');
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The SOA and NS record sets every new hosted zone starts with. */
export function apexRecords(zoneName: string): RecordSet[] {
  const ns = [
    'ns-1.awsdns-00.example.',
    'ns-2.awsdns-00.example.',
    'ns-3.awsdns-00.example.',
    'ns-4.awsdns-00.example.',
  ];
  return [
    { name: zoneName, type: 'NS', ttl: 172800, values: ns },
    { name: zoneName, type: 'SOA', ttl: 900, values: [`${ns[0]} awsdns-hostmaster.example. 1 7200 900 1209600 86400`] },
  ];
}

export function nameServers(zone: HostedZone): string[] {
  return (
    zone.records.find((r) => r.name === zone.name && r.type === 'NS')?.values.map((v) => v.replace(/\.$/, '')) ?? []
  );
}
