import { readFile } from 'node:fs/promises';
import type { Config } from '../../core/config';
import { publicKeyFrom } from '../../core/heartbeat';
import { HttpTransport } from './http-transport';

/**
 * Where heartbeats go (protocol.md, Transport): local mode `<control.url or http(s)://<listen>>/v1/heartbeat`,
 * AWS mode the heartbeat function URL as given. Peer mode has no URL: its transport is UDP.
 */
export function heartbeatUrl(config: Config): string {
  const c = config.control;
  if (c.mode === 'local') {
    const base = c.url ?? `${c.tls?.certFile ? 'https' : 'http'}://${c.listen}`;
    return `${base.replace(/\/+$/, '')}/v1/heartbeat`;
  }
  if (c.mode === 'aws') {
    if (!c.heartbeatUrl)
      throw new Error(
        'control.heartbeatUrl is not set: put the heartbeat function URL (from cdk deploy) in the config',
      );
    return c.heartbeatUrl;
  }
  throw new Error('control.mode peer: heartbeats go to peers over UDP, which this agent does not speak yet');
}

/**
 * The agent's transport to its control plane, as the config says: the answer key to verify
 * answers with (from the config, never from the control plane), and the CA file (or pinned
 * certificate) for HTTPS to a local control plane.
 */
export async function controlTransport(
  config: Config,
  node: string,
  read: (path: string) => Promise<string> = (p) => readFile(p, 'utf8'),
): Promise<HttpTransport> {
  const c = config.control;
  if (c.mode === 'peer' || c.mode === 'etcd')
    throw new Error(`control.mode ${c.mode} has no control plane to send heartbeats to`);
  const caFile = c.mode === 'local' ? c.tls?.caFile : undefined;
  let ca: string | undefined;
  if (caFile !== undefined) {
    try {
      ca = await read(caFile);
    } catch (err) {
      throw new Error(
        `cannot read control.tls.caFile ${caFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
  }
  const url = heartbeatUrl(config);
  // The AWS function URL is HTTPS under a public CA: answers are signed only once the stack's key
  // is wired in (docs/deploy-aws.md). A local control plane beyond loopback has no such guard.
  if (!c.answerKey && c.mode === 'local' && !isLoopbackUrl(url)) {
    throw new Error(
      `control.answerKey is not set, and answers from ${url} cross a network: anyone on the path could rewrite them (docs/security.md); add the control plane's public key`,
    );
  }
  return new HttpTransport({
    url,
    cluster: config.cluster,
    node,
    ...(c.answerKey ? { answerKey: publicKeyFrom(c.answerKey) } : {}),
    ...(ca ? { ca } : {}),
  });
}

function isLoopbackUrl(url: string): boolean {
  const host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}
