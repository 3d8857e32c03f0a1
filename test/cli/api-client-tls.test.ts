import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BareMetalProvider } from '../../adapters/bare-metal';
import { apiClient, ApiClientError } from '../../cli/api-client';
import { drain, undrain } from '../../cli/commands/operate';
import { events, status } from '../../cli/commands/status';
import { publicKeyText } from '../../control/answer-key';
import { startLocalControlPlane, type LocalControlPlane } from '../../control/local-server';
import { loadConfig } from '../../core/config';
import { memoryLog } from '../../lib/log';
import { lan } from '../helpers/configs';
import { makeCert, type TestCert } from '../helpers/tls-cert';

/**
 * The CLI against a real local control plane serving HTTPS with a self-signed certificate (the
 * setup docs/security.md describes): `status`, `events`, `drain` trust control.tls.caFile from
 * the config or --ca FILE, as agents do, and refuse the certificate without it.
 */
const TOKEN = 'operator-token-0123456789';
let dir: string;
let cert: TestCert;
let cp: LocalControlPlane;
let configFile: string;
let url: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ipferry-api-tls-'));
  cert = await makeCert({ names: ['127.0.0.1'] });
  const { privateKey } = generateKeyPairSync('ed25519');
  const at = (f: string) => join(dir, f);
  await writeFile(at('answer.key'), privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  await writeFile(at('tls.key'), cert.key, { mode: 0o600 });
  await writeFile(at('tls.crt'), cert.cert);
  const control = {
    mode: 'local',
    liveness: 'direct',
    apiToken: TOKEN,
    answerKey: publicKeyText(privateKey),
    answerKeyFile: at('answer.key'),
    tls: { certFile: at('tls.crt'), keyFile: at('tls.key'), caFile: cert.caPath },
  };
  cp = await startLocalControlPlane({
    config: lan({ nodes: 2, vips: [{ name: 'v1', preferred: 'n1' }], control }),
    log: memoryLog(),
    listen: '127.0.0.1:0',
    providers: [new BareMetalProvider()],
    tickEveryMs: 3_600_000,
    reconcileEveryMs: 3_600_000,
  });
  url = cp.url;
  // The operator's copy of the config: where the control plane is and what to trust.
  configFile = at('ipferry.json');
  const input = {
    cluster: 'test',
    control: { ...control, url },
    security: { pskEnv: 'IPFERRY_TEST_PSK' },
    nodes: ['n1', 'n2'].map((id, i) => ({ id, interface: 'eth0', addresses: [`198.18.0.${11 + i}`] })),
    vips: [{ name: 'v1', address: '198.18.0.101/24', preferred: 'n1' }],
  };
  loadConfig(input);
  await writeFile(configFile, JSON.stringify(input));
});

afterAll(async () => {
  await cp?.close();
  await cert?.dispose();
  await rm(dir, { recursive: true, force: true });
});

async function cli(
  cmd: { run(argv: string[]): Promise<number> },
  argv: string[],
): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  try {
    return { code: await cmd.run(argv), out: out.join('\n'), err: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

describe('the CLI talks HTTPS to a local control plane with a self-signed certificate', () => {
  it('status, drain, events with the config alone: control.url and control.tls.caFile', async () => {
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const s = await cli(status, ['--config', configFile, '--json']);
    expect(s.code, s.err).toBe(0);
    expect((JSON.parse(s.out) as { nodes: Array<{ id: string }> }).nodes.map((n) => n.id).sort()).toEqual(['n1', 'n2']);
    const d = await cli(drain, ['n2', '--config', configFile]);
    expect(d.code, d.err).toBe(0);
    const e = await cli(events, ['--config', configFile, '--json']);
    expect(e.code, e.err).toBe(0);
    expect(e.out).toContain('n2');
    expect((await cli(undrain, ['n2', '--config', configFile])).code).toBe(0);
  });

  it('--url with --ca FILE instead of a config; without a CA the certificate is refused, and a missing CA file is named', async () => {
    const ok = await cli(status, ['--url', url, '--token', TOKEN, '--ca', cert.caPath, '--json']);
    expect(ok.code, ok.err).toBe(0);
    const untrusting = await cli(status, ['--url', url, '--token', TOKEN]);
    expect(untrusting.code).toBe(1);
    expect(untrusting.err).toMatch(
      /cannot reach the control plane at https:\/\/127\.0\.0\.1:\d+: .*(self.signed|unable to verify)/i,
    );
    const missing = await cli(status, ['--url', url, '--token', TOKEN, '--ca', join(dir, 'nope.crt')]);
    expect(missing.code).toBe(1);
    expect(missing.err).toBe(`ipferry: cannot read --ca ${join(dir, 'nope.crt')}: ENOENT`);
  });

  it('a certificate that is not the one trusted is refused, not skipped', async () => {
    const other = await makeCert({ names: ['127.0.0.1'] });
    try {
      const client = apiClient({ url, token: TOKEN, caFile: other.caPath, timeoutMs: 5000 });
      await expect(client.request('GET', '/v1/status')).rejects.toThrow(ApiClientError);
      await expect(client.request('GET', '/v1/status')).rejects.toThrow(/signature|self.signed|unable to verify/i);
    } finally {
      await other.dispose();
    }
  });
});
