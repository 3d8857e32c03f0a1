/**
 * ChangeResourceRecordSets: reading the XML change batch and applying it all or nothing.
 *
 * Real semantics modelled: changes apply in order to a working copy of the zone, and the copy
 * replaces the zone only if every change is valid; every invalid change contributes a message
 * to one InvalidChangeBatch. CREATE of an existing set, DELETE of a missing set or with values
 * that do not match, and two changes to one set in a batch are refused, except DELETE followed
 * by CREATE/UPSERT (the classic way to replace a set). Names must lie in the zone; A and AAAA
 * values must be addresses; CNAME is alone at its name and never at the apex; the apex SOA and
 * NS cannot be deleted. Malformed requests (XML, missing fields) are InvalidInput.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { childText, child, childrenNamed, parseXml, XmlParseError, type XmlElement } from '../common/xml';
import { displayName, inZone, normaliseName } from './names';
import { RECORD_TYPES, recordKey, type HostedZone, type RecordSet } from './state';
import { invalidChangeBatch, Route53Error } from './wire';

export type ChangeAction = 'CREATE' | 'DELETE' | 'UPSERT';

export interface ParsedChange {
  action: ChangeAction;
  record: RecordSet;
}

export interface ParsedBatch {
  comment?: string;
  changes: ParsedChange[];
}

const invalidInput = (message: string) => new Route53Error('InvalidInput', message);
const UNSUPPORTED = [
  'Region',
  'Failover',
  'GeoLocation',
  'GeoProximityLocation',
  'MultiValueAnswer',
  'HealthCheckId',
  'TrafficPolicyInstanceId',
  'CidrRoutingConfig',
];

export function parseChangeBatch(body: string): ParsedBatch {
  let root: XmlElement;
  try {
    root = parseXml(body);
  } catch (err) {
    if (err instanceof XmlParseError) throw invalidInput(`Invalid XML ; ${err.message}`);
    throw err;
  }
  const batch = root.name === 'ChangeResourceRecordSetsRequest' ? child(root, 'ChangeBatch') : undefined;
  if (!batch) throw invalidInput('Invalid XML ; expected ChangeResourceRecordSetsRequest/ChangeBatch');
  const changes = childrenNamed(child(batch, 'Changes') ?? batch, 'Change').map(parseChange);
  if (changes.length === 0) throw invalidInput('Invalid XML ; the ChangeBatch must contain at least one Change');
  return { comment: childText(batch, 'Comment'), changes };
}

function parseChange(c: XmlElement): ParsedChange {
  const action = childText(c, 'Action');
  if (action !== 'CREATE' && action !== 'DELETE' && action !== 'UPSERT')
    throw invalidInput(`Invalid XML ; Action must be CREATE, DELETE or UPSERT, not "${action ?? ''}"`);
  const rrs = child(c, 'ResourceRecordSet');
  if (!rrs) throw invalidInput('Invalid XML ; a Change needs a ResourceRecordSet');
  const rawName = childText(rrs, 'Name');
  const type = childText(rrs, 'Type');
  if (!rawName || !type) throw invalidInput('Invalid XML ; a ResourceRecordSet needs Name and Type');
  if (!RECORD_TYPES.includes(type)) throw invalidInput(`Invalid XML ; "${type}" is not a record type`);
  const name = normaliseName(rawName);
  const setIdentifier = childText(rrs, 'SetIdentifier');
  const where = `Change with [Action=${action}, Name=${displayName(name)}, Type=${type}, SetIdentifier=${setIdentifier ?? 'null'}]`;
  for (const field of UNSUPPORTED)
    if (child(rrs, field)) throw invalidInput(`${field} is not supported by this emulator (${where})`);
  const weightText = childText(rrs, 'Weight');
  const weight = weightText === undefined ? undefined : Number(weightText);
  if (weight !== undefined && !(Number.isInteger(weight) && weight >= 0 && weight <= 255))
    throw invalidInput(`Invalid Weight in ${where}`);
  if ((setIdentifier === undefined) !== (weight === undefined))
    throw invalidInput(`Invalid request: SetIdentifier and Weight go together in ${where}`);
  const alias = child(rrs, 'AliasTarget');
  const ttlText = childText(rrs, 'TTL');
  const values = childrenNamed(
    child(rrs, 'ResourceRecords') ?? { name: '', attrs: {}, children: [], text: '' },
    'ResourceRecord',
  ).map((r) => childText(r, 'Value') ?? '');
  const record: RecordSet = { name, type, values, setIdentifier, weight };
  if (alias) {
    if (ttlText !== undefined || values.length > 0)
      throw invalidInput(
        `Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords]] in ${where}`,
      );
    const dnsName = childText(alias, 'DNSName');
    const hostedZoneId = childText(alias, 'HostedZoneId');
    if (!dnsName || !hostedZoneId)
      throw invalidInput(`Invalid request: AliasTarget needs HostedZoneId and DNSName in ${where}`);
    record.aliasTarget = {
      hostedZoneId,
      dnsName: normaliseName(dnsName),
      evaluateTargetHealth: childText(alias, 'EvaluateTargetHealth') === 'true',
    };
    return { action, record };
  }
  const ttl = ttlText === undefined ? NaN : Number(ttlText);
  if (ttlText === undefined || values.length === 0) {
    throw invalidInput(
      `Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords]], but found none in ${where}`,
    );
  }
  if (!(Number.isInteger(ttl) && ttl >= 0 && ttl <= 2147483647)) throw invalidInput(`Invalid TTL in ${where}`);
  record.ttl = ttl;
  return { action, record };
}

function describe(r: RecordSet): string {
  return `[name='${displayName(r.name)}', type='${r.type}'${r.setIdentifier === undefined ? '' : `, set-identifier='${r.setIdentifier}'`}]`;
}

function sameValues(a: RecordSet, b: RecordSet): boolean {
  const va = [...a.values].sort().join('\n');
  const vb = [...b.values].sort().join('\n');
  return (
    a.ttl === b.ttl &&
    a.weight === b.weight &&
    va === vb &&
    JSON.stringify(a.aliasTarget) === JSON.stringify(b.aliasTarget)
  );
}

/** Problems with the record set itself, whatever the zone holds. */
function contentProblems(zone: HostedZone, r: RecordSet): string[] {
  const out: string[] = [];
  if (!inZone(r.name, zone.name))
    out.push(`RRSet with DNS name ${displayName(r.name)} is not permitted in zone ${displayName(zone.name)}`);
  for (const v of r.values) {
    if (r.type === 'A' && !isIPv4(v))
      out.push(
        `Invalid Resource Record: 'FATAL problem: ARRDATAIllegalIPv4Address (Value is not a valid IPv4 address) encountered with '${v}''`,
      );
    if (r.type === 'AAAA' && !isIPv6(v))
      out.push(
        `Invalid Resource Record: 'FATAL problem: AAAARRDATAIllegalIPv6Address (Value is not a valid IPv6 address) encountered with '${v}''`,
      );
  }
  if (r.type === 'CNAME' && r.values.length > 1)
    out.push(`Invalid Resource Record: 'FATAL problem: CNAME RRSet may contain only one record' ${describe(r)}`);
  if (r.type === 'CNAME' && r.name === zone.name)
    out.push(
      `RRSet of type CNAME with DNS name ${displayName(r.name)} is not permitted at apex in zone ${displayName(zone.name)}`,
    );
  return out;
}

/** A CNAME cannot share its name with any other set, nor a weighted set with a simple one. */
function conflict(working: RecordSet[], r: RecordSet, zoneName: string): string | undefined {
  const sameName = working.filter((x) => x.name === r.name && recordKey(x) !== recordKey(r));
  // Weighted CNAMEs may share a name with each other, but never with another type.
  const cname = sameName.find((x) => (x.type === 'CNAME') !== (r.type === 'CNAME'));
  if (cname) {
    return `RRSet of type ${r.type} with DNS name ${displayName(r.name)} is not permitted because a conflicting RRSet of type ${cname.type} with the same DNS name already exists in zone ${displayName(zoneName)}`;
  }
  const mixed = sameName.find(
    (x) => x.type === r.type && (x.setIdentifier === undefined) !== (r.setIdentifier === undefined),
  );
  if (mixed)
    return `RRSet with DNS name ${displayName(r.name)}, type ${r.type} cannot be created because a ${mixed.setIdentifier ? 'weighted' : 'non-weighted'} set with the same name and type exists`;
  return undefined;
}

/** The zone's record sets after the batch; throws InvalidChangeBatch listing every problem. */
export function applyBatch(zone: HostedZone, changes: ParsedChange[]): RecordSet[] {
  const working = zone.records.map((r) => ({ ...r, values: [...r.values] }));
  const lastAction = new Map<string, ChangeAction>();
  const messages: string[] = [];
  for (const { action, record } of changes) {
    const key = recordKey(record);
    const before = lastAction.get(key);
    lastAction.set(key, action);
    if (before !== undefined && !(before === 'DELETE' && action !== 'DELETE')) {
      messages.push(
        `The request contains an invalid set of changes for a resource record set '${record.type} ${displayName(record.name)}'`,
      );
      continue;
    }
    const problems = contentProblems(zone, record);
    if (problems.length > 0) {
      messages.push(...problems);
      continue;
    }
    const i = working.findIndex((x) => recordKey(x) === key);
    if (action === 'DELETE') {
      if (i < 0) messages.push(`Tried to delete resource record set ${describe(record)} but it was not found`);
      else if (!sameValues(working[i]!, record))
        messages.push(
          `Tried to delete resource record set ${describe(record)} but the values provided do not match the current values`,
        );
      else if (record.name === zone.name && (record.type === 'SOA' || record.type === 'NS'))
        messages.push(`A HostedZone must contain at least one ${record.type} record for the zone itself.`);
      else working.splice(i, 1);
      continue;
    }
    if (action === 'CREATE' && i >= 0) {
      messages.push(`Tried to create resource record set ${describe(record)} but it already exists`);
      continue;
    }
    const clash = conflict(working, record, zone.name);
    if (clash) messages.push(clash);
    else if (i >= 0) working[i] = record;
    else working.push(record);
  }
  if (messages.length > 0) throw invalidChangeBatch(messages);
  return working;
}
