import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeEni {
  mac: string;
  eni: string;
  subnetId: string;
  subnetCidr: string;
  /** Primary first; tests add and remove secondary addresses as EC2 would, asynchronously. */
  localIpv4s: string[];
  /** IMDS `ipv6s`: absent (404) when empty, as on an ENI without IPv6 addresses. */
  ipv6s?: string[];
}

export interface FakeImdsState {
  instanceId: string;
  az: string;
  /** The first is the primary (meta-data/mac). */
  enis: FakeEni[];
}

export interface FakeImds {
  url: string;
  state: FakeImdsState;
  /** "METHOD path" of every request. */
  requests: string[];
  /** Tokens issued so far. */
  tokens(): number;
  /** Forgets every issued token (as if they expired): the next GET with one gets 401. */
  revokeTokens(): void;
  close(): Promise<void>;
}

/**
 * EC2's instance metadata service as IMDSv2 behaves: PUT /latest/api/token needs the TTL header
 * (1–21600) and returns a token; every GET needs a valid token header, else 401. Paths follow
 * the real layout: meta-data/instance-id, placement/availability-zone, mac,
 * network/interfaces/macs/ (one "mac/" per line), .../<mac>/interface-id, subnet-id,
 * subnet-ipv4-cidr-block, local-ipv4s and ipv6s (one address per line). Unknown paths are 404.
 */
export async function startFakeImds(state: FakeImdsState): Promise<FakeImds> {
  const valid = new Set<string>();
  const requests: string[] = [];
  let issued = 0;
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const send = (status: number, body: string) => {
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(body);
    };
    if (req.url === '/latest/api/token') {
      if (req.method !== 'PUT') return send(405, '');
      const ttl = Number(req.headers['x-aws-ec2-metadata-token-ttl-seconds']);
      if (!Number.isInteger(ttl) || ttl < 1 || ttl > 21_600) return send(400, '');
      const token = `token-${++issued}`;
      valid.add(token);
      return send(200, token);
    }
    if (req.method !== 'GET') return send(405, '');
    if (!valid.has(String(req.headers['x-aws-ec2-metadata-token'] ?? ''))) return send(401, '');
    const answer = lookup(state, (req.url ?? '').replace(/^\/latest\/meta-data\//, ''));
    if (answer === undefined || !req.url?.startsWith('/latest/meta-data/')) return send(404, '');
    send(200, answer);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    state,
    requests,
    tokens: () => issued,
    revokeTokens: () => valid.clear(),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function lookup(state: FakeImdsState, path: string): string | undefined {
  if (path === 'instance-id') return state.instanceId;
  if (path === 'placement/availability-zone') return state.az;
  if (path === 'mac') return state.enis[0]?.mac;
  if (path === 'network/interfaces/macs/' || path === 'network/interfaces/macs')
    return state.enis.map((e) => `${e.mac}/`).join('\n');
  const m = /^network\/interfaces\/macs\/([^/]+)\/(.+)$/.exec(path);
  const eni = m && state.enis.find((e) => e.mac === m[1]);
  if (!m || !eni) return undefined;
  switch (m[2]) {
    case 'interface-id':
      return eni.eni;
    case 'subnet-id':
      return eni.subnetId;
    case 'subnet-ipv4-cidr-block':
      return eni.subnetCidr;
    case 'local-ipv4s':
      return eni.localIpv4s.length > 0 ? eni.localIpv4s.join('\n') : undefined;
    case 'ipv6s':
      return eni.ipv6s?.length ? eni.ipv6s.join('\n') : undefined;
    default:
      return undefined;
  }
}
