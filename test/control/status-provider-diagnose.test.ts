import { EC2Client, ModifyNetworkInterfaceAttributeCommand } from '@aws-sdk/client-ec2';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../adapters/memory-store';
import { controlContext } from '../../control/context';
import { observeAll } from '../../control/drift';
import { plan, status } from '../../control/status';
import { memoryLog } from '../../lib/log';
import { ManualClock } from '../helpers/manual-clock';
import { ec2World, IDS, type Ec2World } from '../adapters/aws/ec2/fixtures';

/**
 * `ipferry status` shows the providers' own findings (EC2: an overlay route's possible owner with
 * source/destination check on) as the drift round last read them, with their age, and spends no
 * EC2 read of its own; the next drift round sees the fix.
 */
let w: Ec2World;
let client: EC2Client | undefined;
afterEach(async () => {
  client?.destroy();
  await w?.close();
});

const describes = () => w.emu.calls.count({ action: 'DescribeNetworkInterfaces' });

describe("status: the drift round's provider diagnostics, with their age", () => {
  it('shows what the last drift round found without reading EC2, and the fix once the next round reads it', async () => {
    w = await ec2World({ sourceDestCheckOn: ['b'] });
    const clock = new ManualClock(Date.now());
    const ctx = controlContext({
      config: w.cfg,
      store: new MemoryStore(),
      clock,
      log: memoryLog(),
      providers: [w.provider],
    });

    expect((await status(ctx)).diagnostics.filter((d) => /source\/destination/.test(d.message))).toEqual([]); // nothing read yet
    expect(describes()).toBe(0);

    await observeAll(ctx); // the drift round
    const afterRound = describes(); // observe's reads and diagnose's one
    expect(afterRound).toBeGreaterThan(0);
    await clock.advance(42_000);
    const shown = (await status(ctx)).diagnostics.filter((d) => /source\/destination/.test(d.message));
    expect(shown).toEqual([
      expect.objectContaining({
        kind: 'broken',
        vip: 'relay',
        nodes: ['b'],
        message: expect.stringMatching(
          new RegExp(`${IDS.eniB} has source/destination check on.*\\(read 42 s ago by the drift round\\)$`),
        ),
      }),
    ]);
    await status(ctx);
    expect(describes()).toBe(afterRound); // status calls read nothing

    // plan --observe is a drift read: it costs what a round costs, no second diagnose of its own.
    const p = await plan(ctx, { observe: true });
    expect(describes()).toBe(2 * afterRound);
    expect(p.diagnostics.filter((d) => /source\/destination/.test(d.message))).toHaveLength(1);

    client = new EC2Client({
      endpoint: w.emu.url,
      region: 'eu-central-1',
      credentials: { accessKeyId: 'op', secretAccessKey: 'op' },
      maxAttempts: 1,
    });
    await client.send(
      new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: IDS.eniB, SourceDestCheck: { Value: false } }),
    );
    expect((await status(ctx)).diagnostics.filter((d) => /source\/destination/.test(d.message))).toHaveLength(1); // not read again yet
    await observeAll(ctx);
    expect((await status(ctx)).diagnostics.filter((d) => /source\/destination/.test(d.message))).toEqual([]);
  });
});
