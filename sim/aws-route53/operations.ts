/**
 * Route 53 operations: which REST route is which operation, and what each answers.
 *   POST /2013-04-01/hostedzone/{Id}/rrset[/]   ChangeResourceRecordSets
 *   GET  /2013-04-01/hostedzone/{Id}/rrset      ListResourceRecordSets (name, type, identifier, maxitems)
 *   GET  /2013-04-01/change/{Id}                GetChange
 *   GET  /2013-04-01/hostedzone/{Id}            GetHostedZone
 *   GET  /2013-04-01/hostedzone                 ListHostedZones (marker, maxitems)
 */
import type { HttpAnswer, HttpRequest } from '../common/http';
import { el, list, opt } from '../common/xml';
import { parseChangeBatch, type ParsedBatch } from './change-batch';
import { displayName, normaliseName } from './names';
import { compareRecords, RECORD_TYPES, type ChangeRecord, type Zones } from './state';
import { changeInfoXml, delegationXml, hostedZoneFields, okAnswer, recordSetFields, Route53Error } from './wire';

/** What the operations need from the emulator. */
export interface Route53Core {
  now(): number;
  visibleZones(): Zones;
  readonly zones: Zones;
  readonly changes: Map<string, ChangeRecord>;
  zoneBusy(zoneId: string): boolean;
  submit(zoneId: string, batch: ParsedBatch): ChangeRecord;
}

export interface Operation {
  name: string;
  run(requestId: string): HttpAnswer;
}

const MAX_ITEMS = 300;

export class Route53Operations {
  constructor(private readonly core: Route53Core) {}

  route(req: HttpRequest): Operation | undefined {
    const p = req.path;
    let m = /^\/2013-04-01\/hostedzone\/([^/]+)\/rrset\/?$/.exec(p);
    if (m && req.method === 'POST')
      return { name: 'ChangeResourceRecordSets', run: (id) => this.change(m![1]!, req.body.toString('utf8'), id) };
    if (m && req.method === 'GET')
      return { name: 'ListResourceRecordSets', run: (id) => this.list(m![1]!, req.query, id) };
    m = /^\/2013-04-01\/change\/([^/]+)$/.exec(p);
    if (m && req.method === 'GET') return { name: 'GetChange', run: (id) => this.getChange(m![1]!, id) };
    m = /^\/2013-04-01\/hostedzone\/([^/]+)$/.exec(p);
    if (m && req.method === 'GET') return { name: 'GetHostedZone', run: (id) => this.getHostedZone(m![1]!, id) };
    if (/^\/2013-04-01\/hostedzone\/?$/.test(p) && req.method === 'GET')
      return { name: 'ListHostedZones', run: (id) => this.listHostedZones(req.query, id) };
    return undefined;
  }

  private change(zoneId: string, body: string, requestId: string): HttpAnswer {
    if (!this.core.zones[zoneId]) throw noSuchZone(zoneId);
    const batch = parseChangeBatch(body);
    if (this.core.zoneBusy(zoneId)) {
      throw new Route53Error(
        'PriorRequestNotComplete',
        'The request was rejected because Route 53 was still processing a prior request.',
        400,
      );
    }
    const change = this.core.submit(zoneId, batch);
    return okAnswer('ChangeResourceRecordSetsResponse', requestId, changeInfoXml(change, this.core.now()));
  }

  private list(zoneId: string, q: URLSearchParams, requestId: string): HttpAnswer {
    const zone = this.core.visibleZones()[zoneId];
    if (!zone) throw noSuchZone(zoneId);
    const name = q.get('name') ?? undefined;
    const type = q.get('type') ?? undefined;
    const identifier = q.get('identifier') ?? undefined;
    if (type !== undefined && name === undefined)
      throw new Route53Error('InvalidInput', 'The input is not valid: StartRecordType requires StartRecordName');
    if (identifier !== undefined && type === undefined)
      throw new Route53Error('InvalidInput', 'The input is not valid: StartRecordIdentifier requires StartRecordType');
    if (type !== undefined && !RECORD_TYPES.includes(type))
      throw new Route53Error('InvalidInput', `The input is not valid: "${type}" is not a record type`);
    const maxItems = maxItemsOf(q);
    const sorted = [...zone.records].sort(compareRecords);
    const start =
      name === undefined
        ? { name: '', type: '' }
        : { name: normaliseName(name), type: type ?? '', setIdentifier: identifier };
    let from = name === undefined ? 0 : sorted.findIndex((r) => compareRecords(r, { ...start, values: [] }) >= 0);
    if (from < 0) from = sorted.length;
    const page = sorted.slice(from, from + maxItems);
    const next = sorted[from + maxItems];
    return okAnswer(
      'ListResourceRecordSetsResponse',
      requestId,
      list('ResourceRecordSets', page, 'ResourceRecordSet', recordSetFields),
      el('IsTruncated', next !== undefined),
      opt('NextRecordName', next && displayName(next.name)),
      opt('NextRecordType', next?.type),
      opt('NextRecordIdentifier', next?.setIdentifier),
      el('MaxItems', maxItems),
    );
  }

  private getChange(changeId: string, requestId: string): HttpAnswer {
    const change = this.core.changes.get(changeId);
    if (!change)
      throw new Route53Error('NoSuchChange', `A change with the specified change ID does not exist: ${changeId}`, 404);
    return okAnswer('GetChangeResponse', requestId, changeInfoXml(change, this.core.now()));
  }

  private getHostedZone(zoneId: string, requestId: string): HttpAnswer {
    const zone = this.core.visibleZones()[zoneId];
    if (!zone) throw noSuchZone(zoneId);
    return okAnswer('GetHostedZoneResponse', requestId, el('HostedZone', hostedZoneFields(zone)), delegationXml(zone));
  }

  private listHostedZones(q: URLSearchParams, requestId: string): HttpAnswer {
    const maxItems = maxItemsOf(q, 100);
    const zones = Object.values(this.core.visibleZones()).sort((a, b) => (a.id < b.id ? -1 : 1));
    const marker = q.get('marker');
    const from = marker === null ? 0 : zones.findIndex((z) => z.id >= marker);
    const page = zones.slice(Math.max(0, from), Math.max(0, from) + maxItems);
    const next = zones[Math.max(0, from) + maxItems];
    return okAnswer(
      'ListHostedZonesResponse',
      requestId,
      list('HostedZones', page, 'HostedZone', hostedZoneFields),
      opt('Marker', marker ?? undefined),
      el('IsTruncated', next !== undefined),
      opt('NextMarker', next?.id),
      el('MaxItems', maxItems),
    );
  }
}

function noSuchZone(zoneId: string): Route53Error {
  return new Route53Error('NoSuchHostedZone', `No hosted zone found with ID: ${zoneId}`, 404);
}

function maxItemsOf(q: URLSearchParams, limit = MAX_ITEMS): number {
  const raw = q.get('maxitems');
  if (raw === null) return limit;
  if (!/^\d+$/.test(raw) || Number(raw) < 1)
    throw new Route53Error('InvalidInput', `The input is not valid: maxitems "${raw}"`);
  return Math.min(Number(raw), limit);
}
