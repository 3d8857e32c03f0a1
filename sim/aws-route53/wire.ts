/**
 * The Route 53 REST-XML wire format: answers under the 2013-04-01 namespace and the error
 * envelope `<ErrorResponse><Error><Type>Sender</Type><Code/><Message/></Error><RequestId/></ErrorResponse>`.
 *
 * InvalidChangeBatch: Route 53 used to answer it with its own root element
 * (`<InvalidChangeBatch><Messages><Message>..`); since 2024 it answers in the standard envelope
 * with all messages in one `<Message>[m1, m2]</Message>` (aws-sdk-kotlin#1433/#1435). The
 * current form is the default; the setting `legacyInvalidChangeBatch` brings back the old one.
 */
import type { HttpAnswer } from '../common/http';
import { document, el, list, opt, type Xml, type XmlContent } from '../common/xml';
import { displayName } from './names';
import { nameServers, type ChangeRecord, type HostedZone, type RecordSet } from './state';

export const ROUTE53_NAMESPACE = 'https://route53.amazonaws.com/doc/2013-04-01/';

export class Route53Error extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    /** For InvalidChangeBatch: one message per rejected change. */
    readonly messages: string[] = [],
  ) {
    super(message);
  }
}

export function invalidChangeBatch(messages: string[]): Route53Error {
  return new Route53Error('InvalidChangeBatch', `[${messages.join(', ')}]`, 400, messages);
}

const XML_HEADERS = { 'content-type': 'text/xml' };

export function okAnswer(root: string, requestId: string, ...content: XmlContent[]): HttpAnswer {
  return {
    status: 200,
    headers: { ...XML_HEADERS, 'x-amzn-requestid': requestId },
    body: document(root, ROUTE53_NAMESPACE, ...content),
  };
}

export function errorAnswer(err: Route53Error, requestId: string, legacyInvalidChangeBatch = false): HttpAnswer {
  const headers = { ...XML_HEADERS, 'x-amzn-requestid': requestId };
  if (err.code === 'InvalidChangeBatch' && legacyInvalidChangeBatch) {
    const body = document(
      'InvalidChangeBatch',
      ROUTE53_NAMESPACE,
      list('Messages', err.messages, 'Message', (m) => m),
      el('RequestId', requestId),
    );
    return { status: err.status, headers, body };
  }
  const type = err.status >= 500 ? 'Receiver' : 'Sender';
  const body = document(
    'ErrorResponse',
    ROUTE53_NAMESPACE,
    el('Error', el('Type', type), el('Code', err.code), el('Message', err.message)),
    el('RequestId', requestId),
  );
  return { status: err.status, headers, body };
}

export function changeInfoXml(change: ChangeRecord, now: number): Xml {
  return el(
    'ChangeInfo',
    el('Id', `/change/${change.id}`),
    el('Status', now >= change.insyncAt ? 'INSYNC' : 'PENDING'),
    el('SubmittedAt', new Date(change.submittedAt).toISOString()),
    opt('Comment', change.comment),
  );
}

/** The children of a `<ResourceRecordSet>`. */
export function recordSetFields(r: RecordSet): XmlContent[] {
  return [
    el('Name', displayName(r.name)),
    el('Type', r.type),
    opt('SetIdentifier', r.setIdentifier),
    opt('Weight', r.weight),
    r.aliasTarget
      ? el(
          'AliasTarget',
          el('HostedZoneId', r.aliasTarget.hostedZoneId),
          el('DNSName', r.aliasTarget.dnsName),
          el('EvaluateTargetHealth', r.aliasTarget.evaluateTargetHealth),
        )
      : [el('TTL', r.ttl), list('ResourceRecords', r.values, 'ResourceRecord', (v) => el('Value', v))],
  ];
}

/** The children of a `<HostedZone>`. */
export function hostedZoneFields(zone: HostedZone): XmlContent[] {
  return [
    el('Id', `/hostedzone/${zone.id}`),
    el('Name', displayName(zone.name)),
    el('CallerReference', zone.callerReference),
    el('Config', opt('Comment', zone.comment || undefined), el('PrivateZone', zone.privateZone)),
    el('ResourceRecordSetCount', zone.records.length),
  ];
}

export function delegationXml(zone: HostedZone): Xml {
  return zone.privateZone
    ? list('VPCs', [], 'VPC', () => undefined)
    : el(
        'DelegationSet',
        list('NameServers', nameServers(zone), 'NameServer', (n) => n),
      );
}
