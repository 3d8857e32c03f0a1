import tls, { type TLSSocket } from 'node:tls';
import { attempt, CheckFailed, type CheckContext, type CheckOutcome, type Success } from './attempt';
import { describeVerifyError, judgeValidity, peerCertificate } from './certificate';
import { loadCa, openConnection, parseTarget } from './connection';
import type { TlsCheckSpec } from './specs';

/**
 * Completes a TLS handshake (SNI = `servername`, else the host when it is a name) and judges the
 * certificate: fails when it is outside its dates (even with `insecure`), when the chain or the
 * name does not verify (unless `insecure`); warns when it expires within `warnBefore`.
 */
export function tlsCheck(spec: TlsCheckSpec, ctx: CheckContext = {}): Promise<CheckOutcome> {
  return attempt(spec.timeout, ctx.signal, async (a) => {
    const target = parseTarget(spec.target);
    let identityError: Error | undefined;
    // The handshake is let through and judged below, so the detail can name what is wrong precisely.
    const socket = (await openConnection(a, target, {
      insecure: spec.insecure,
      rejectUnauthorized: false,
      ...(spec.servername !== undefined ? { servername: spec.servername } : {}),
      ca: await loadCa(spec.ca),
      checkServerIdentity: (host, cert) => {
        identityError = tls.checkServerIdentity(host, cert);
        return identityError;
      },
    })) as TLSSocket;

    a.phase = 'certificate';
    const cert = peerCertificate(socket);
    if (!cert) throw new CheckFailed('server sent no certificate');
    const validity = judgeValidity(cert, (ctx.now ?? Date.now)(), spec.warnBefore);
    if (validity.failure) throw new CheckFailed(validity.failure);
    if (!spec.insecure && !socket.authorized) {
      throw new CheckFailed(identityError?.message ?? describeVerifyError(socket.authorizationError));
    }
    const trust = spec.insecure ? 'not verified (insecure)' : 'verified';
    const result: Success = { detail: `${socket.getProtocol() ?? 'TLS'} handshake, ${validity.summary}, ${trust}` };
    if (validity.warning) result.warning = validity.warning;
    return result;
  });
}
