import { metadataRequest, MetadataError, type FetchLike } from './metadata-http';

export interface ImdsOptions {
  /** http://169.254.169.254 on EC2; a fake's URL in tests. */
  baseUrl?: string;
  timeoutMs?: number;
  /** How long a session token lives (IMDSv2 allows up to 6 hours). */
  tokenTtlSeconds?: number;
  now?: () => number;
  fetch?: FetchLike;
}

/**
 * EC2's instance metadata service, IMDSv2 only: PUT /latest/api/token with the TTL header for a
 * session token, then GETs under /latest/meta-data/ carrying it. The token is reused until a
 * minute before it expires, and fetched again when IMDS answers 401 (it was revoked or expired).
 */
export class Imds {
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly ttl: number;
  private readonly now: () => number;
  private readonly fetch: FetchLike;
  /** A promise, so reads started together share one token request. */
  private token: { value: Promise<string>; until: number } | undefined;

  constructor(options: ImdsOptions = {}) {
    this.baseUrl = (options.baseUrl ?? 'http://169.254.169.254').replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 1000;
    this.ttl = options.tokenTtlSeconds ?? 21_600;
    this.now = options.now ?? Date.now;
    this.fetch = options.fetch ?? fetch;
  }

  /** The text of a meta-data path, e.g. `instance-id`. */
  async get(path: string): Promise<string> {
    const url = `${this.baseUrl}/latest/meta-data/${path}`;
    for (let attempt = 0; attempt < 2; attempt++) {
      const token = await this.sessionToken();
      const res = await metadataRequest(this.fetch, url, {
        headers: { 'X-aws-ec2-metadata-token': token },
        timeoutMs: this.timeoutMs,
      });
      if (res.status === 200) return res.text.trim();
      if (res.status === 401 && attempt === 0) {
        this.token = undefined;
        continue;
      }
      throw new MetadataError(
        `GET ${url}: HTTP ${res.status}${res.status === 404 ? ' (not on this instance)' : ''}`,
        res.status,
      );
    }
    throw new MetadataError(`GET ${url}: token refused twice`, 401);
  }

  /** A listing (one entry per line; directories end in "/", which is dropped). */
  async list(path: string): Promise<string[]> {
    return lines(await this.get(path)).map((l) => l.replace(/\/$/, ''));
  }

  /** The private IPv4 addresses EC2 has assigned to the ENI with this MAC, primary first. */
  async localIpv4s(mac: string): Promise<string[]> {
    try {
      return lines(await this.get(`network/interfaces/macs/${mac}/local-ipv4s`));
    } catch (err) {
      // An ENI with no IPv4 address at all has no such entry.
      if (err instanceof MetadataError && err.status === 404) return [];
      throw err;
    }
  }

  /**
   * The IPv6 addresses EC2 has assigned to the ENI with this MAC (meta-data
   * network/interfaces/macs/<mac>/ipv6s, one per line; absent when it has none).
   */
  async ipv6s(mac: string): Promise<string[]> {
    try {
      return lines(await this.get(`network/interfaces/macs/${mac}/ipv6s`));
    } catch (err) {
      if (err instanceof MetadataError && err.status === 404) return [];
      throw err;
    }
  }

  private sessionToken(): Promise<string> {
    if (this.token && this.now() < this.token.until) return this.token.value;
    const value = this.fetchToken();
    this.token = { value, until: this.now() + Math.max(1, this.ttl - 60) * 1000 };
    value.catch(() => {
      if (this.token?.value === value) this.token = undefined;
    });
    return value;
  }

  private async fetchToken(): Promise<string> {
    const url = `${this.baseUrl}/latest/api/token`;
    const res = await metadataRequest(this.fetch, url, {
      method: 'PUT',
      headers: { 'X-aws-ec2-metadata-token-ttl-seconds': String(this.ttl) },
      timeoutMs: this.timeoutMs,
    });
    if (res.status !== 200 || !res.text)
      throw new MetadataError(`PUT ${url}: HTTP ${res.status}, no session token`, res.status);
    return res.text.trim();
  }
}

export function lines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}
