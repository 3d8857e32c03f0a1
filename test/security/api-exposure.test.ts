import https from 'node:https';
import { afterEach, describe, expect, it } from 'vitest';
import { BareMetalProvider } from '../../adapters/bare-metal';
import { startLocalControlPlane, type LocalControlPlane } from '../../control/local-server';
import { memoryLog } from '../../lib/log';
import { configDigest } from '../../core/config';
import { lanCluster } from '../control/helpers/clusters';
import { generateKeyPairSync } from 'node:crypto';
import { answerSigner, publicKeyText } from '../../control/answer-key';
import { makeCert } from '../helpers/tls-cert';

// Issue 17, finding 7: the operator API (drain, move, unpin) was open to anyone who reached the
// port when no token was set, even on 0.0.0.0; and the token was part of the config digest, so
// every agent had to carry the operator's token.
const TOKEN = 'operator-token-0123456789';
const open: LocalControlPlane[] = [];

afterEach(async () => {
  for (const cp of open.splice(0)) await cp.close();
});

async function start(
  listen: string,
  apiToken?: string,
  identity?: Parameters<typeof startLocalControlPlane>[0]['identity'],
  answerKey?: string,
): Promise<LocalControlPlane> {
  const config = lanCluster({
    control: {
      mode: 'local',
      liveness: 'direct',
      ...(apiToken ? { apiToken } : {}),
      ...(answerKey ? { answerKey } : {}),
    },
  });
  const cp = await startLocalControlPlane({
    config,
    log: memoryLog(),
    listen,
    providers: [new BareMetalProvider()],
    tickEveryMs: 3_600_000,
    reconcileEveryMs: 3_600_000,
    ...(identity ? { identity } : {}),
  });
  open.push(cp);
  return cp;
}

describe('security: the local API beyond loopback, and the token in the digest', () => {
  it.each(['0.0.0.0:0', '[::]:0'])(
    'refuses to listen on %s without control.apiToken, with an error that says what to do',
    async (listen) => {
      await expect(start(listen)).rejects.toThrow(/beyond loopback.*set control\.apiToken/);
      expect(open).toEqual([]);
    },
  );

  it('listens beyond loopback with a token (and TLS and an answer key, finding 1), and answers the API only with it', async () => {
    const cert = await makeCert({ names: ['127.0.0.1'] });
    const { privateKey } = generateKeyPairSync('ed25519');
    const key = publicKeyText(privateKey);
    try {
      const cp = await start(
        '0.0.0.0:0',
        TOKEN,
        { signer: answerSigner(privateKey, key), tls: { cert: cert.cert, key: cert.key } },
        key,
      );
      const port = new URL(cp.url).port;
      const call = (headers: Record<string, string>) =>
        new Promise<number>((resolve, reject) => {
          const req = https.request(
            `https://127.0.0.1:${port}/v1/status`,
            { ca: cert.cert, headers },
            (res) => (res.resume(), resolve(res.statusCode ?? 0)),
          );
          req.on('error', reject);
          req.end();
        });
      expect(await call({})).toBe(401);
      expect(await call({ authorization: `Bearer ${TOKEN}` })).toBe(200);
    } finally {
      await cert.dispose();
    }
  });

  it.each(['127.0.0.1:0', '[::1]:0', 'localhost:0'])(
    'still listens on loopback (%s) without a token',
    async (listen) => {
      const cp = await start(listen);
      expect(cp.url).toMatch(/^http:\/\//);
    },
  );

  it('the token is not in the config digest: agents need not carry it, and changing it marks no node unsafe', () => {
    const without = configDigest(lanCluster());
    expect(configDigest(lanCluster({ control: { mode: 'local', liveness: 'direct', apiToken: TOKEN } }))).toBe(without);
    expect(
      configDigest(
        lanCluster({ control: { mode: 'local', liveness: 'direct', apiToken: 'another-token-0123456789' } }),
      ),
    ).toBe(without);
    // What decides still counts.
    expect(configDigest(lanCluster({ timers: { deadAfter: 400 } }))).not.toBe(without);
  });
});
