import { EC2Client, ModifyNetworkInterfaceAttributeCommand } from '@aws-sdk/client-ec2';
import { afterEach, describe, expect, it } from 'vitest';
import { ec2World, IDS, type Ec2World } from './fixtures';

let w: Ec2World;
let client: EC2Client | undefined;
afterEach(async () => {
  client?.destroy();
  client = undefined;
  await w?.close();
});

const DEST = '192.0.2.10/32';

/** The real SDK client against the emulator, as the operator's `aws ec2 ...` would call it. */
function operatorClient(url: string): EC2Client {
  return new EC2Client({
    endpoint: url,
    region: 'eu-central-1',
    credentials: { accessKeyId: 'op', secretAccessKey: 'op' },
    maxAttempts: 1,
  });
}

/** The command the refusal names, taken apart: the interface and the flag it sets. */
function commandIn(message: string): { eni: string; check: boolean } {
  const m = /aws ec2 modify-network-interface-attribute --network-interface-id (\S+) --(no-)?source-dest-check/.exec(
    message,
  );
  if (!m) throw new Error(`no command in: ${message}`);
  return { eni: m[1]!, check: m[2] === undefined };
}

describe('aws-overlay-route: the source/destination check fix the refusal names', () => {
  it('move refused → the named attribute changed as the message says → the same move verified, and packets delivered', async () => {
    w = await ec2World({ sourceDestCheckOn: ['b'] });
    expect(await w.provider.move(w.vip('relay'), w.node('a'), w.ctx())).toMatchObject({ ok: true });
    const refused = await w.provider.move(w.vip('relay'), w.node('b'), w.ctx());
    expect(refused).toMatchObject({ ok: false, reason: 'invalid' });
    expect(w.emu.route(IDS.rtb1, DEST)?.networkInterfaceId).toBe(IDS.eniA);

    const fix = commandIn(refused.ok ? '' : refused.message);
    expect(fix).toEqual({ eni: IDS.eniB, check: false });
    client = operatorClient(w.emu.url);
    await client.send(
      new ModifyNetworkInterfaceAttributeCommand({
        NetworkInterfaceId: fix.eni,
        SourceDestCheck: { Value: fix.check },
      }),
    );
    expect(w.emu.calls.count({ action: 'ModifyNetworkInterfaceAttribute' })).toBe(1);

    const moved = await w.provider.move(w.vip('relay'), w.node('b'), w.ctx());
    expect(moved).toMatchObject({ ok: true, changed: true });
    expect([IDS.rtb1, IDS.rtb2].map((t) => w.emu.route(t, DEST)?.networkInterfaceId)).toEqual([IDS.eniB, IDS.eniB]);
    expect(w.emu.routeDelivers(IDS.rtb1, DEST)).toMatchObject({ delivers: true });
    expect((await w.provider.observe([w.vip('relay')])).get('relay')).toEqual({ node: 'b' });
    expect(w.emu.violationLog).toEqual([]);
  });

  it('answers as EC2 does: one attribute at a time, a known interface, a boolean value', async () => {
    w = await ec2World();
    client = operatorClient(w.emu.url);
    await expect(
      client.send(
        new ModifyNetworkInterfaceAttributeCommand({
          NetworkInterfaceId: IDS.eniA,
          SourceDestCheck: { Value: false },
          Description: { Value: 'x' },
        }),
      ),
    ).rejects.toMatchObject({
      name: 'InvalidParameterCombination',
    });
    await expect(
      client.send(
        new ModifyNetworkInterfaceAttributeCommand({
          NetworkInterfaceId: 'eni-0000000000000dead',
          SourceDestCheck: { Value: false },
        }),
      ),
    ).rejects.toMatchObject({
      name: 'InvalidNetworkInterfaceID.NotFound',
    });
    await expect(
      client.send(new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: IDS.eniA })),
    ).rejects.toMatchObject({ name: 'MissingParameter' });
    // Turning it back on (EC2's default) is the same call: a route to it stops delivering.
    await client.send(
      new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: IDS.eniA, SourceDestCheck: { Value: true } }),
    );
    expect(await w.provider.move(w.vip('relay'), w.node('a'), w.ctx())).toMatchObject({ ok: false, reason: 'invalid' });
  });
});
