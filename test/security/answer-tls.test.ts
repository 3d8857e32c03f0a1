import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BareMetalProvider } from '../../adapters/bare-metal';
import { controlTransport, HeartbeatBuilder } from '../../agent/heartbeat';
import { publicKeyText } from '../../control/answer-key';
import { startLocalControlPlane, type LocalControlPlane } from '../../control/local-server';
import { memoryLog } from '../../lib/log';
import { configDigest } from '../../core/config';
import { hmacSigner } from '../../core/heartbeat';
import { lan } from '../helpers/configs';
import { makeCert, type TestCert } from '../helpers/tls-cert';

/**
 * Finding 1, the transport: the local control plane beyond loopback only over HTTPS and with
 * signed answers, its key and certificate read from the files the config names; an agent verifies
 * the certificate against control.tls.caFile and the answers against control.answerKey.
 */
const PSK = 'test-psk-0123456789abcdef';
const TOKEN = 'operator-token-0123456789';
let dir: string;
let cert: TestCert | undefined;
const open: LocalControlPlane[] = [];

afterEach(async () => {
  for (const cp of open.splice(0)) await cp.close();
  await cert?.dispose();
  cert = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function files(): Promise<{
  answerKey: string;
  keyFile: string;
  certFile: string;
  tlsKeyFile: string;
  caFile: string;
  otherKeyFile: string;
}> {
  dir = await mkdtemp(join(tmpdir(), 'ipferry-answer-'));
  cert = await makeCert({ names: ['127.0.0.1'] });
  const { privateKey } = generateKeyPairSync('ed25519');
  const other = generateKeyPairSync('ed25519').privateKey;
  const at = (f: string) => join(dir, f);
  await writeFile(at('answer.key'), privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  await writeFile(at('other.key'), other.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  await writeFile(at('tls.crt'), cert.cert);
  await writeFile(at('tls.key'), cert.key, { mode: 0o600 });
  return {
    answerKey: publicKeyText(privateKey),
    keyFile: at('answer.key'),
    certFile: at('tls.crt'),
    tlsKeyFile: at('tls.key'),
    caFile: cert.caPath,
    otherKeyFile: at('other.key'),
  };
}

function cluster(control: Record<string, unknown>) {
  return lan({
    nodes: 2,
    vips: [{ name: 'v1', preferred: 'n1' }],
    control: { mode: 'local', liveness: 'direct', apiToken: TOKEN, ...control },
  });
}

const start = async (config: ReturnType<typeof cluster>, listen = '0.0.0.0:0') => {
  const cp = await startLocalControlPlane({
    config,
    log: memoryLog(),
    listen,
    providers: [new BareMetalProvider()],
    tickEveryMs: 3_600_000,
    reconcileEveryMs: 3_600_000,
  });
  open.push(cp);
  return cp;
};

describe('security: the local control plane beyond loopback needs TLS and an answer key', () => {
  it('refuses to listen beyond loopback in plain HTTP or with unsigned answers, saying which is missing', async () => {
    const f = await files();
    await expect(start(cluster({}))).rejects.toThrow(
      /beyond loopback.*control\.tls \(certFile, keyFile\).*; and control\.answerKey and answerKeyFile/,
    );
    await expect(start(cluster({ tls: { certFile: f.certFile, keyFile: f.tlsKeyFile } }))).rejects.toThrow(
      /set control\.answerKey and answerKeyFile/,
    );
    await expect(start(cluster({ answerKey: f.answerKey, answerKeyFile: f.keyFile }))).rejects.toThrow(
      /set control\.tls \(certFile, keyFile\): plain HTTP; or listen/,
    );
    expect(open).toEqual([]);
  });

  it('refuses a key file that is not the private half of control.answerKey, and an answerKey with no key file', async () => {
    const f = await files();
    const tls = { certFile: f.certFile, keyFile: f.tlsKeyFile };
    await expect(start(cluster({ tls, answerKey: f.answerKey, answerKeyFile: f.otherKeyFile }))).rejects.toThrow(
      /does not hold the private half of control\.answerKey/,
    );
    await expect(start(cluster({ tls, answerKey: f.answerKey }), '127.0.0.1:0')).rejects.toThrow(
      /answerKeyFile is not: the control plane cannot sign/,
    );
    await expect(
      start(cluster({ tls, answerKey: f.answerKey, answerKeyFile: join(dir, 'missing.key') })),
    ).rejects.toThrow(/cannot read control\.answerKeyFile .*missing\.key: ENOENT/);
  });

  it('serves HTTPS with signed answers; an agent with the CA file and the key takes them, one without the CA cannot connect', async () => {
    const f = await files();
    const control = {
      tls: { certFile: f.certFile, keyFile: f.tlsKeyFile, caFile: f.caFile },
      answerKey: f.answerKey,
      answerKeyFile: f.keyFile,
    };
    const cp = await start(cluster(control));
    expect(cp.url).toMatch(/^https:\/\//);
    const config = cluster({ ...control, url: `https://127.0.0.1:${new URL(cp.url).port}` });
    const transport = await controlTransport(config, 'n1');
    const builder = new HeartbeatBuilder({
      cluster: 'test',
      node: 'n1',
      configDigest: configDigest(config),
      signer: hmacSigner(PSK),
      now: Date.now,
      sources: { checks: () => ({}), held: () => [], applied: () => ({}), takeHookFailures: () => [] },
    });
    try {
      expect(transport.answersSigned).toBe(true);
      const r = await transport.send(builder.build().envelope, { timeoutMs: 3000 });
      expect(r).toMatchObject({
        kind: 'answer',
        answer: { node: 'n1', inReplyTo: { bootId: builder.bootId, seq: 1 } },
      });
      const { caFile: _, ...noCa } = control.tls;
      const untrusting = await controlTransport(
        cluster({ ...control, tls: noCa, url: config.control.mode === 'local' ? config.control.url : '' }),
        'n1',
      );
      expect(await untrusting.send(builder.build().envelope, { timeoutMs: 3000 })).toMatchObject({
        kind: 'failed',
        reason: 'unreachable',
        message: expect.stringMatching(/SELF_SIGNED|UNABLE_TO_VERIFY/),
      });
      await untrusting.close();
    } finally {
      await transport.close();
    }
  });

  it('an agent refuses to start toward a control plane beyond loopback without control.answerKey', async () => {
    await expect(controlTransport(cluster({ url: 'https://198.18.0.1:7400' }), 'n1')).rejects.toThrow(
      /control\.answerKey is not set, and answers from https:\/\/198\.18\.0\.1:7400\/v1\/heartbeat cross a network/,
    );
  });
});
