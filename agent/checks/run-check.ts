import type { CheckContext, CheckOutcome } from './attempt';
import { dnsCheck } from './dns';
import { execCheck } from './exec';
import { httpCheck } from './http';
import { mailCheck } from './mail';
import type { CheckSpec } from './specs';
import { tcpCheck } from './tcp';
import { tlsCheck } from './tls';

/** Runs one check of any kind once. Never throws; the spec's timeout bounds the whole run. */
export function runCheck(spec: CheckSpec, ctx: CheckContext = {}): Promise<CheckOutcome> {
  switch (spec.kind) {
    case 'tcp':
      return tcpCheck(spec, ctx);
    case 'http':
    case 'https':
      return httpCheck(spec, ctx);
    case 'tls':
      return tlsCheck(spec, ctx);
    case 'smtp':
    case 'lmtp':
    case 'imap':
    case 'pop3':
      return mailCheck(spec, ctx);
    case 'dns':
      return dnsCheck(spec, ctx);
    case 'exec':
      return execCheck(spec, ctx);
  }
}
