import { afterEach, describe, expect, it } from 'vitest';
import { cloudWorld, type CloudWorld } from '../../../contract/hetzner-cloud-world';

/** A backup or snapshot locks the failed server: the alias IP cannot leave it until the lock ends. */
let world: CloudWorld | undefined;

afterEach(async () => {
  await world?.emu.close();
  world = undefined;
});

describe('HetznerCloudProvider and server locks', () => {
  it('an alias move off a server locked by create_image fails conflict with the reason, and succeeds once the lock ends', async () => {
    const w = (world = await cloudWorld());
    const until = w.emu.lockServer(1, 4000); // mx1 holds 10.0.1.50; a snapshot runs for 4 s, twice the move's deadline
    const vip = w.vip('vip-alias');
    expect(w.provider.moveDeadlineMs('hetzner-alias-ip')).toBeGreaterThan(
      w.provider.moveDeadlineMs('hetzner-floating-ip'),
    );
    // 2 s, not 600 ms: on a loaded 2-core machine the first two reads alone once took 600 ms.
    const blocked = await w.provider.move(vip, w.node('mx2'), { epoch: 1, deadline: Date.now() + 2000 });
    expect(blocked, JSON.stringify(blocked)).toMatchObject({ ok: false, reason: 'conflict' });
    expect(blocked.ok ? '' : blocked.message).toMatch(/locked.*backup or snapshot/);
    await new Promise((r) => setTimeout(r, Math.max(0, until - Date.now()) + 50));
    expect(await w.provider.move(vip, w.node('mx2'), { epoch: 2, deadline: Date.now() + 10_000 })).toMatchObject({
      ok: true,
      changed: true,
    });
    expect((await w.provider.observe([vip])).get('vip-alias')).toEqual({ node: 'mx2' });
  });
});
