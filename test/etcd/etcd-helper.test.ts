import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { startEtcd } from '../helpers/etcd';

/** The helper every etcd test stands on: real members start, die, come back, and leave nothing. */
describe('test helper: real etcd on loopback', () => {
  it('a three-member cluster survives one member killed and takes it back; close leaves no process or data', async () => {
    const before = new Set(readdirSync(tmpdir()).filter((n) => n.startsWith('ipferry-etcd-')));
    const etcd = await startEtcd({ members: 3 });
    const dirs = readdirSync(tmpdir()).filter((n) => n.startsWith('ipferry-etcd-') && !before.has(n));
    try {
      expect(etcd.endpoints).toHaveLength(3);
      expect(new Set(etcd.endpoints).size).toBe(3);
      expect(dirs).toHaveLength(3);
      await etcd.kill(1);
      expect(etcd.members[1]!.running).toBe(false);
      await etcd.waitHealthy(0);
      await etcd.waitHealthy(2);
      await etcd.restart(1);
      expect(etcd.members[1]!.running).toBe(true);
    } finally {
      await etcd.close();
    }
    expect(etcd.members.map((m) => m.running)).toEqual([false, false, false]);
    for (const d of dirs) expect(existsSync(`${tmpdir()}/${d}`)).toBe(false);
    const down = await fetch(`${etcd.endpoints[0]}/health`, { signal: AbortSignal.timeout(1000) }).then(
      () => 'answered',
      () => 'refused',
    );
    expect(down).toBe('refused');
  });
});
