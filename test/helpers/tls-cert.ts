import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const DAY = 86_400_000;

export interface TestCert {
  /** PEM private key and certificate, for tls.createServer. */
  key: string;
  cert: string;
  /** The certificate as a file: the `ca` a check trusts (the certificate is its own CA). */
  caPath: string;
  notBefore: Date;
  notAfter: Date;
  /** Removes the files. */
  dispose(): Promise<void>;
}

export interface CertOptions {
  /** DNS names and IP addresses the certificate is for; the first is the CN. */
  names?: string[];
  /** Validity window relative to now; defaults: from an hour ago, for 30 days. */
  validFromMs?: number;
  validForMs?: number;
}

/**
 * A self-signed P-256 certificate made with the openssl command line. `openssl ca -selfsign` is used
 * because it takes explicit start and end dates, so a test can make an expired certificate or one
 * not yet valid (`openssl req -x509` cannot before OpenSSL 3.4). The certificate is a CA for itself,
 * so a check that trusts it as `ca` verifies it fully, names included.
 */
export async function makeCert(options: CertOptions = {}): Promise<TestCert> {
  const names = options.names ?? ['localhost', '127.0.0.1'];
  // Certificates carry whole seconds.
  const notBefore = new Date(Math.floor((Date.now() + (options.validFromMs ?? -3_600_000)) / 1000) * 1000);
  const notAfter = new Date(notBefore.getTime() + (options.validForMs ?? 30 * DAY));
  const dir = await mkdtemp(join(tmpdir(), 'ipferry-cert-'));
  const at = (f: string) => join(dir, f);
  const san = names.map((n) => (/^[\d.]+$|:/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(',');

  await writeFile(at('index.txt'), '');
  await writeFile(
    at('ca.cnf'),
    [
      '[ca]',
      'default_ca = self',
      '[self]',
      `database = ${at('index.txt')}`,
      `new_certs_dir = ${dir}`,
      'rand_serial = yes',
      'default_md = sha256',
      'policy = anything',
      'unique_subject = no',
      '[anything]',
      'commonName = supplied',
      '[ext]',
      'basicConstraints = critical,CA:TRUE',
      'keyUsage = digitalSignature,keyCertSign',
      'extendedKeyUsage = serverAuth',
      `subjectAltName = ${san}`,
      '',
    ].join('\n'),
  );
  await run('openssl', [
    'req',
    '-new',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    at('key.pem'),
    '-subj',
    `/CN=${names[0]}`,
    '-out',
    at('csr.pem'),
  ]);
  await run('openssl', [
    'ca',
    '-batch',
    '-selfsign',
    '-notext',
    '-config',
    at('ca.cnf'),
    '-extensions',
    'ext',
    '-keyfile',
    at('key.pem'),
    '-in',
    at('csr.pem'),
    '-out',
    at('cert.pem'),
    '-startdate',
    opensslDate(notBefore),
    '-enddate',
    opensslDate(notAfter),
  ]);

  return {
    key: await readFile(at('key.pem'), 'utf8'),
    cert: await readFile(at('cert.pem'), 'utf8'),
    caPath: at('cert.pem'),
    notBefore,
    notAfter,
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}

/** YYYYMMDDHHMMSSZ, the form `openssl ca -startdate/-enddate` takes. */
function opensslDate(d: Date): string {
  return `${d.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
}
