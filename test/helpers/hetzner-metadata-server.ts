import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { stringify } from 'yaml';

export interface FakeHetznerServer {
  instanceId: number;
  hostname: string;
  availabilityZone: string;
  region: string;
  publicIpv4: string;
  privateNetworks: Array<{
    ip: string;
    alias_ips: string[];
    interface_num: number;
    mac_address: string;
    network_id: number;
    network_name: string;
    network: string;
    subnet: string;
    gateway: string;
  }>;
}

export interface FakeHetznerMetadata {
  url: string;
  server: FakeHetznerServer;
  requests: string[];
  close(): Promise<void>;
}

/**
 * Hetzner Cloud's metadata service as documented: GET /hetzner/v1/metadata is a YAML summary
 * (availability-zone, hostname, instance-id, public-ipv4, region); /hetzner/v1/metadata/<key>
 * answers one key, `private-networks` as a YAML list (ip, alias_ips, interface_num, mac_address,
 * network_id, network_name, network, subnet, gateway). No token, no headers.
 */
export async function startFakeHetznerMetadata(server: FakeHetznerServer): Promise<FakeHetznerMetadata> {
  const requests: string[] = [];
  const http_ = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const s = server;
    const keys: Record<string, unknown> = {
      'availability-zone': s.availabilityZone,
      hostname: s.hostname,
      'instance-id': s.instanceId,
      'public-ipv4': s.publicIpv4,
      region: s.region,
    };
    const base = '/hetzner/v1/metadata';
    let body: string | undefined;
    if (req.url === base) body = stringify(keys);
    else if (req.url === `${base}/private-networks`) body = stringify(s.privateNetworks);
    else if (req.url?.startsWith(`${base}/`) && req.url.slice(base.length + 1) in keys)
      body = String(keys[req.url.slice(base.length + 1)]);
    res.writeHead(body === undefined ? 404 : 200, { 'content-type': 'text/plain' });
    res.end(body ?? 'not found');
  });
  await new Promise<void>((resolve) => http_.listen(0, '127.0.0.1', resolve));
  const port = (http_.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        http_.close(() => resolve());
        http_.closeAllConnections();
      }),
  };
}
