import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { readFile } from 'node:fs/promises';
import https from 'node:https';
import type { Config } from '../core/config';
import { signRequest, type AwsCredentials } from './sigv4';
import { termSafe } from './terminal-text';

/** An answer of the control plane's API: the status and the parsed JSON body. */
export interface ApiAnswer {
  status: number;
  body: Record<string, unknown>;
}

export interface ApiClient {
  readonly url: string;
  request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<ApiAnswer>;
}

export class ApiClientError extends Error {}

/** The most of an answer read before giving up: a status of 10,000 VIPs is a few MB. */
const MAX_ANSWER_BYTES = 32 * 1024 * 1024;

/**
 * Where the API is and how to authenticate, from --url/--token or the config's control section:
 * local → control.url or http(s)://<control.listen>, with the bearer token (--token,
 * $IPFERRY_API_TOKEN or control.apiToken), over HTTPS trusting --ca or control.tls.caFile (a
 * self-signed certificate, as agents trust it) when given; aws → control.apiUrl, signed with SigV4
 * for the function URL's IAM auth, credentials from the standard AWS chain, public CAs.
 */
export function apiClient(opts: {
  url?: string;
  token?: string;
  caFile?: string;
  config?: Config;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  credentials?: () => Promise<AwsCredentials>;
}): ApiClient {
  const env = opts.env ?? process.env;
  const control = opts.config?.control;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const base =
    opts.url ??
    (control?.mode === 'local'
      ? (control.url ?? `${control.tls?.certFile ? 'https' : 'http'}://${control.listen}`)
      : control?.mode === 'aws'
        ? control.apiUrl
        : undefined);
  if (!base) {
    const why =
      control?.mode === 'aws'
        ? 'the config has no control.apiUrl (known after cdk deploy)'
        : control?.mode === 'peer'
          ? 'a peer-mode cluster has no control plane API'
          : 'give --url or --config';
    throw new ApiClientError(`no control plane URL: ${why}`);
  }
  const url = base.replace(/\/+$/, '');
  const aws = !opts.url && control?.mode === 'aws' ? control : undefined;
  const token = opts.token ?? env.IPFERRY_API_TOKEN ?? (control?.mode === 'local' ? control.apiToken : undefined);
  const credentials = opts.credentials ?? defaultCredentials(aws?.region);
  const caFile = opts.caFile ?? (control?.mode === 'local' ? control.tls?.caFile : undefined);
  const caField = opts.caFile !== undefined ? '--ca' : 'control.tls.caFile';
  let ca: Promise<string> | undefined;
  const trusted = (): Promise<string> =>
    (ca ??= readFile(caFile!, 'utf8').catch((err: NodeJS.ErrnoException) => {
      ca = undefined;
      throw new ApiClientError(`cannot read ${caField} ${termSafe(caFile)}: ${err.code ?? err.message}`);
    }));

  return {
    url,
    async request(method, path, body) {
      const target = new URL(`${url}${path}`);
      const text = body === undefined ? undefined : JSON.stringify(body);
      const headers: Record<string, string> = {
        accept: 'application/json',
        ...(text === undefined ? {} : { 'content-type': 'application/json' }),
      };
      const signed = aws
        ? signRequest({
            method,
            url: target,
            headers,
            ...(text === undefined ? {} : { body: text }),
            region: aws.region,
            service: 'lambda',
            credentials: await credentials(),
          })
        : { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) };
      // Node's fetch takes no CA of its own; node:https does, for this request alone.
      const withCa = caFile !== undefined && target.protocol === 'https:' ? await trusted() : undefined;
      let res: { status: number; raw: string };
      try {
        if (withCa !== undefined)
          res = await httpsWithCa(
            target,
            { method, headers: signed, ...(text === undefined ? {} : { body: text }) },
            withCa,
            timeoutMs,
          );
        else {
          const r = await fetch(target, {
            method,
            headers: signed,
            ...(text === undefined ? {} : { body: text }),
            signal: AbortSignal.timeout(timeoutMs),
          });
          res = { status: r.status, raw: await r.text() };
        }
      } catch (err) {
        throw new ApiClientError(
          `cannot reach the control plane at ${url}: ${termSafe(err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err))}`,
        );
      }
      const { raw } = res;
      try {
        return { status: res.status, body: JSON.parse(raw) as Record<string, unknown> };
      } catch {
        throw new ApiClientError(`${method} ${path}: HTTP ${res.status} without a JSON body: ${termSafe(raw, 200)}`);
      }
    },
  };
}

/** One request over HTTPS trusting `ca` (PEM) instead of Node's bundle; the answer bounded in time and size. */
function httpsWithCa(
  target: URL,
  init: { method: string; headers: Record<string, string>; body?: string },
  ca: string,
  timeoutMs: number,
): Promise<{ status: number; raw: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(target, { method: init.method, headers: init.headers, ca }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_ANSWER_BYTES) req.destroy(new Error(`the answer is over ${MAX_ANSWER_BYTES} bytes`));
        else chunks.push(c);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, raw: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    req.on('close', () => clearTimeout(timer));
    req.on('error', reject);
    req.end(init.body);
  });
}

/** The standard AWS credential chain, borrowed from an SDK client's resolved config (no extra package). */
function defaultCredentials(region: string | undefined): () => Promise<AwsCredentials> {
  return async () => {
    const client = new DynamoDBClient(region ? { region } : {});
    try {
      const c = await client.config.credentials();
      return {
        accessKeyId: c.accessKeyId,
        secretAccessKey: c.secretAccessKey,
        ...(c.sessionToken ? { sessionToken: c.sessionToken } : {}),
      };
    } catch (err) {
      throw new ApiClientError(
        `no AWS credentials for the IAM-authenticated API: ${err instanceof Error ? err.message : String(err)}`,
      );
    } finally {
      client.destroy();
    }
  };
}

/** The error body the API answers with, as one line. */
export function errorLine(a: ApiAnswer): string {
  const e = a.body.error as { reason?: string; message?: string } | undefined;
  return e ? `${termSafe(e.reason ?? 'error')}: ${termSafe(e.message)} (HTTP ${a.status})` : `HTTP ${a.status}`;
}
