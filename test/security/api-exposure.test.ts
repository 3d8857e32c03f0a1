import { afterEach, describe, expect, it } from 'vitest';
import { BareMetalProvider } from '../../adapters/bare-metal';
import { startLocalControlPlane, type LocalControlPlane } from '../../control/local-server';
import { memoryLog } from '../../control/log';
import { configDigest } from '../../core/config';
import { lanCluster } from '../control/helpers/clusters';

// Issue 17, finding 7: the operator API (drain, move, unpin) was open to anyone who reached the
// port when no token was set, even on 0.0.0.0; and the token was part of the config digest, so
// every agent had to carry the operator's token.
const TOKEN = 'operator-token-0123456789';
const open: LocalControlPlane[] = [];

afterEach(async () => {
  for (const cp of open.splice(0)) await cp.close();
});

async function start(listen: string, apiToken?: string): Promise<LocalControlPlane> {
  const config = lanCluster({ control: { mode: 'local', liveness: 'direct', ...(apiToken ? { apiToken } : {}) } });
  const cp = await startLocalControlPlane({ config, log: memoryLog(), listen, providers: [new BareMetalProvider()], tickEveryMs: 3_600_000, reconcileEveryMs: 3_600_000 });
  open.push(cp);
  return cp;
}

describe('security: the local API beyond loopback, and the token in the digest', () => {
  it.each(['0.0.0.0:0', '[::]:0'])('refuses to listen on %s without control.apiToken, with an error that says what to do', async (listen) => {
    await expect(start(listen)).rejects.toThrow(/beyond loopback.*set control\.apiToken/);
    expect(open).toEqual([]);
  });

  it('listens beyond loopback with a token, and answers the API only with it', async () => {
    const cp = await start('0.0.0.0:0', TOKEN);
    const port = new URL(cp.url).port;
    const anon = await fetch(`http://127.0.0.1:${port}/v1/status`);
    expect(anon.status).toBe(401);
    await anon.body?.cancel();
    const authed = await fetch(`http://127.0.0.1:${port}/v1/status`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(authed.status).toBe(200);
    await authed.body?.cancel();
  });

  it.each(['127.0.0.1:0', '[::1]:0', 'localhost:0'])('still listens on loopback (%s) without a token', async (listen) => {
    const cp = await start(listen);
    expect(cp.url).toMatch(/^http:\/\//);
  });

  it('the token is not in the config digest: agents need not carry it, and changing it marks no node unsafe', () => {
    const without = configDigest(lanCluster());
    expect(configDigest(lanCluster({ control: { mode: 'local', liveness: 'direct', apiToken: TOKEN } }))).toBe(without);
    expect(configDigest(lanCluster({ control: { mode: 'local', liveness: 'direct', apiToken: 'another-token-0123456789' } }))).toBe(without);
    // What decides still counts.
    expect(configDigest(lanCluster({ timers: { deadAfter: 400 } }))).not.toBe(without);
  });
});
