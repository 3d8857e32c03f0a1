import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { Fence } from '../../../agent/peer/fence';

const MAIN = fileURLToPath(new URL('../../../cli/main.ts', import.meta.url));
const logger = pino({ enabled: false });

describe('Fence (the agent side)', () => {
  it('starts `ipferry fence`, is ready once the child reads its pipe, and stops it cleanly', async () => {
    // Nothing is ever reported bound, so the child (on this host's real network) has nothing to remove.
    const fence = Fence.start({ self: [process.execPath, '--import', 'tsx', MAIN], leaseMs: 300, logger });
    await fence.ready;
    fence.update([]);
    await fence.stop();
  }, 30_000);

  it('is not ready when the child exits first, or says nothing in time, and says which', async () => {
    const exits = Fence.start({ self: [process.execPath, '-e', 'process.exit(3)'], leaseMs: 300, logger });
    await expect(exits.ready).rejects.toThrow('the fence exited (3) before it was ready');
    const mute = Fence.start({
      self: [process.execPath, '-e', 'setTimeout(() => {}, 5000)'],
      leaseMs: 300,
      logger,
      startTimeoutMs: 200,
    });
    await expect(mute.ready).rejects.toThrow('the fence did not start within 200 ms');
    await mute.stop();
  });
});
