import type { PeerCertificate, TLSSocket } from 'node:tls';

/** The default warning horizon for checks that have no `warnBefore` of their own (https, mail over TLS). */
export const DEFAULT_WARN_BEFORE_MS = 14 * 24 * 3_600_000;

export interface Validity {
  /** Set when the certificate is outside its validity window: the check fails. */
  failure?: string;
  /** Set when it expires within the warning horizon: the check stays healthy. */
  warning?: string;
  /** "CN=mx.example.com, valid until 2027-01-01T00:00:00.000Z" */
  summary: string;
}

/**
 * Judges the dates of a peer certificate against `now`. Done in our code, not only by OpenSSL, so
 * that the detail says by how much it is off, and so that `insecure` (which skips the chain) still
 * fails a certificate that no client would accept.
 */
export function judgeValidity(cert: PeerCertificate, now: number, warnBefore: number): Validity {
  const notBefore = Date.parse(cert.valid_from);
  const notAfter = Date.parse(cert.valid_to);
  const subject = cert.subject?.CN ? `CN=${String(cert.subject.CN)}` : 'certificate';
  if (Number.isNaN(notBefore) || Number.isNaN(notAfter)) {
    return { failure: `${subject} has unreadable validity dates`, summary: subject };
  }
  const summary = `${subject}, valid until ${new Date(notAfter).toISOString()}`;
  if (now < notBefore) {
    return {
      failure: `certificate not valid yet: valid from ${new Date(notBefore).toISOString()} (in ${span(notBefore - now)})`,
      summary,
    };
  }
  if (now > notAfter) {
    return {
      failure: `certificate expired ${span(now - notAfter)} ago (${new Date(notAfter).toISOString()})`,
      summary,
    };
  }
  if (notAfter - now <= warnBefore) {
    return { warning: `certificate expires in ${span(notAfter - now)} (${new Date(notAfter).toISOString()})`, summary };
  }
  return { summary };
}

/** The certificate a TLS socket was given, or undefined when the server sent none. */
export function peerCertificate(socket: TLSSocket): PeerCertificate | undefined {
  const cert = socket.getPeerCertificate();
  return cert && Object.keys(cert).length > 0 ? cert : undefined;
}

/** "3 days", "5 hours", "12 minutes": rounded, since a certificate's horizon is read by people. */
export function span(ms: number): string {
  const units: Array<[string, number]> = [
    ['day', 86_400_000],
    ['hour', 3_600_000],
    ['minute', 60_000],
  ];
  for (const [name, size] of units) {
    const n = Math.round(ms / size);
    if (n >= 1 && ms >= size * 0.95) return `${n} ${name}${n === 1 ? '' : 's'}`;
  }
  return `${Math.max(0, Math.round(ms / 1000))} seconds`;
}

/** OpenSSL's verify codes, as Node reports them in `authorizationError`, in words. */
const VERIFY_CODES: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in the chain',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unable to verify the first certificate',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'issuer certificate not found among the trusted CAs',
  CERT_HAS_EXPIRED: 'certificate has expired',
  CERT_NOT_YET_VALID: 'certificate is not yet valid',
  CERT_SIGNATURE_FAILURE: 'certificate signature failure',
  CERT_REVOKED: 'certificate revoked',
};

export function describeVerifyError(code: unknown): string {
  const text = code instanceof Error ? ((code as NodeJS.ErrnoException).code ?? code.message) : String(code);
  const words = VERIFY_CODES[text];
  return words ? `${words} (${text})` : text;
}
