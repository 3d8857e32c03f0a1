import net, { type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { runCheck } from '../../../agent/checks';
import { closedPort } from '../../helpers/closed-port';
import { activeResources, leakedSince } from '../../helpers/handles';
import { openUnacceptedPort } from '../../helpers/unaccepted-port';
import { spec } from './specs';

describe('tcp check', () => {
  it('is healthy when the connection completes, and closes it', async () => {
    let accepted = 0;
    const server = net.createServer((s) => {
      accepted++;
      s.resume();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const target = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const before = activeResources();
      const outcome = await runCheck(spec({ kind: 'tcp', target }));
      expect(outcome).toMatchObject({ ok: true, detail: `connected to ${target}` });
      expect(accepted).toBe(1);
      expect(await leakedSince(before)).toEqual({}); // both ends closed
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('fails with the connect error when nothing listens', async () => {
    const port = await closedPort();
    const outcome = await runCheck(spec({ kind: 'tcp', target: `127.0.0.1:${port}` }));
    expect(outcome).toMatchObject({ ok: false, detail: `connect ECONNREFUSED 127.0.0.1:${port}` });
  });

  it('times out in connect when the SYN is never answered', async () => {
    const hole = await openUnacceptedPort();
    try {
      const before = activeResources();
      const outcome = await runCheck(spec({ kind: 'tcp', target: hole.target, timeout: 300 }));
      expect(outcome).toMatchObject({ ok: false, detail: 'timeout after 300ms in connect' });
      expect(outcome.latencyMs).toBeGreaterThanOrEqual(295);
      expect(await leakedSince(before)).toEqual({});
    } finally {
      await hole.close();
    }
  });

  it('reports an abort from its caller as such, at once', async () => {
    const hole = await openUnacceptedPort();
    try {
      const controller = new AbortController();
      const running = runCheck(spec({ kind: 'tcp', target: hole.target, timeout: 5000, interval: 10000 }), {
        signal: controller.signal,
      });
      setTimeout(() => controller.abort(), 50);
      const outcome = await running;
      expect(outcome).toMatchObject({ ok: false, detail: 'aborted in connect' });
      expect(outcome.latencyMs).toBeLessThan(1000);
    } finally {
      await hole.close();
    }
  });
});
