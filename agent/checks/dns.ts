import net from 'node:net';
import { Resolver } from 'node:dns/promises';
import { canonicalIp } from '../../core/ip';
import { attempt, CheckFailed, quote, type CheckContext, type CheckOutcome } from './attempt';
import { parseTarget } from './connection';
import type { DnsCheckSpec } from './specs';

/**
 * Asks one DNS server (the target, not the system resolver) for `name`/`type`, once, with no
 * retries. Healthy when it answers with at least one record and, with `expect`, every expected
 * value is among the answers. Answers are compared as text: addresses in canonical form, names
 * without the trailing dot and in lower case, MX as the exchange, SRV as "target:port", TXT with
 * its strings joined.
 */
export function dnsCheck(spec: DnsCheckSpec, ctx: CheckContext = {}): Promise<CheckOutcome> {
  return attempt(spec.timeout, ctx.signal, async (a) => {
    const { host, port } = parseTarget(spec.target);
    // c-ares gets a little longer than our own deadline, so a silent server reads as our timeout.
    const resolver = new Resolver({ timeout: spec.timeout + 500, tries: 1 });
    resolver.setServers([net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`]);
    a.defer(() => resolver.cancel());

    a.phase = `query ${spec.type} ${spec.name}`;
    let answers: string[];
    try {
      answers = await query(resolver, spec.name, spec.type);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? String(err);
      throw new CheckFailed(`${spec.type} ${spec.name} from ${spec.target}: ${code}`);
    }
    if (answers.length === 0) throw new CheckFailed(`${spec.type} ${spec.name} from ${spec.target}: no records`);
    const missing = (spec.expect ?? []).filter((want) => !answers.includes(normalize(want, spec.type)));
    if (missing.length > 0) {
      throw new CheckFailed(
        `${spec.type} ${spec.name} lacks ${missing.map((m) => quote(m)).join(', ')}; answer was ${quote(answers.join(', '))}`,
      );
    }
    return { detail: `${spec.type} ${spec.name} = ${answers.join(', ')}` };
  });
}

async function query(resolver: Resolver, name: string, type: DnsCheckSpec['type']): Promise<string[]> {
  switch (type) {
    case 'A':
      return (await resolver.resolve4(name)).map((ip) => normalize(ip, type));
    case 'AAAA':
      return (await resolver.resolve6(name)).map((ip) => normalize(ip, type));
    case 'CNAME':
      return (await resolver.resolveCname(name)).map((n) => normalize(n, type));
    case 'NS':
      return (await resolver.resolveNs(name)).map((n) => normalize(n, type));
    case 'MX':
      return (await resolver.resolveMx(name)).map((mx) => normalize(mx.exchange, type));
    case 'SRV':
      return (await resolver.resolveSrv(name)).map((srv) => `${normalize(srv.name, type)}:${srv.port}`);
    case 'TXT':
      return (await resolver.resolveTxt(name)).map((parts) => parts.join(''));
  }
}

/** Addresses compare in canonical form ("::1" = "0:0::1"); names are case-insensitive, root dot optional. */
function normalize(value: string, type: DnsCheckSpec['type']): string {
  if (type === 'A' || type === 'AAAA') return canonicalIp(value) ?? value;
  if (type === 'TXT') return value;
  return value.toLowerCase().replace(/\.(?=$|:)/, '');
}
