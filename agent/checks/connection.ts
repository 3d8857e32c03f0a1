import { readFile } from 'node:fs/promises';
import net from 'node:net';
import tls from 'node:tls';
import { splitHostPort } from '../../core/config/primitives';
import { CheckFailed, type Attempt } from './attempt';

export interface TlsSettings {
  /** Name to send in SNI and to verify; defaults to the host when it is a name (SNI carries no IPs). */
  servername?: string;
  insecure: boolean;
  /** PEM text of the CAs to trust instead of the system store. */
  ca?: string;
  /** Replaces Node's name check (the tls check captures its message instead of failing early). */
  checkServerIdentity?: typeof tls.checkServerIdentity;
  /** Verify in our own code instead of refusing the handshake. */
  rejectUnauthorized?: boolean;
}

/**
 * Opens a TCP (or implicit-TLS) connection within the attempt. The socket is destroyed when the
 * attempt ends, and an error listener stays attached for its whole life so a late reset can never
 * become an uncaught 'error'.
 */
export function openConnection(
  a: Attempt,
  target: { host: string; port: number },
  tlsSettings?: TlsSettings,
): Promise<net.Socket> {
  a.phase = 'connect';
  let socket: net.Socket;
  if (tlsSettings) {
    const servername = tlsSettings.servername ?? (net.isIP(target.host) ? undefined : target.host);
    socket = tls.connect({
      host: target.host,
      port: target.port,
      ...(servername !== undefined ? { servername } : {}),
      ...(tlsSettings.ca !== undefined ? { ca: tlsSettings.ca } : {}),
      ...(tlsSettings.checkServerIdentity ? { checkServerIdentity: tlsSettings.checkServerIdentity } : {}),
      rejectUnauthorized: tlsSettings.rejectUnauthorized ?? !tlsSettings.insecure,
    });
  } else {
    socket = net.connect({ host: target.host, port: target.port });
  }
  const errors: Error[] = [];
  socket.on('error', (err) => errors.push(err));
  a.defer(() => socket.destroy());

  return new Promise<net.Socket>((resolve, reject) => {
    socket.once('error', reject);
    socket.once('close', () => reject(errors[0] ?? new CheckFailed(`connection closed by server in ${a.phase}`)));
    socket.once('connect', () => {
      if (tlsSettings) a.phase = 'tls handshake';
    });
    socket.once(tlsSettings ? 'secureConnect' : 'connect', () => resolve(socket));
  });
}

/** Reads the CA file a check names, with a reason that names the file when it cannot. */
export async function loadCa(path: string | undefined): Promise<string | undefined> {
  if (path === undefined) return undefined;
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new CheckFailed(`cannot read ca file ${path}: ${code}`);
  }
}

/** The schema has validated the target already; this guards specs built by hand. */
export function parseTarget(target: string): { host: string; port: number } {
  const hp = splitHostPort(target);
  if (!hp) throw new CheckFailed(`target ${JSON.stringify(target)} is not "host:port"`);
  return hp;
}
