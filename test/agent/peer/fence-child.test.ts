import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { RecordingHostNet } from '../../../agent/hostnet';
import { runFence } from '../../../agent/peer/fence-child';
import type { HostAddress } from '../../../core/ports';

const WEB: HostAddress = { address: '198.18.0.50', prefixLength: 24, family: 4, interface: 'eth0' };
const MAIL: HostAddress = { address: '198.18.0.51', prefixLength: 24, family: 4, interface: 'eth0' };
const LEASE = 100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The fence child on a pipe it reads, with the addresses bound on a recording host. */
function fence(bound: HostAddress[] = [WEB, MAIL]) {
  const host = new RecordingHostNet({ initial: bound });
  const input = new PassThrough();
  const said: string[] = [];
  const done = runFence({ leaseMs: LEASE, hostNet: host, input, say: (l) => said.push(l) });
  const write = (msg: object | string) => input.write(`${typeof msg === 'string' ? msg : JSON.stringify(msg)}\n`);
  const removed = () => host.only('unbind').map((o) => o.addr!.address);
  return { host, input, said, done, write, removed };
}

describe('the fence child (runFence)', () => {
  it("removes every address it was told of when the agent's end of the pipe closes (SIGKILL, a crash)", async () => {
    const f = fence();
    f.write({ bound: [WEB, MAIL] });
    f.input.end();
    await f.done;
    expect(f.removed().sort()).toEqual(['198.18.0.50', '198.18.0.51']);
    expect(f.host.has(WEB)).toBe(false);
    expect(f.said.join('\n')).toMatch(
      /the agent is gone: removing 198\.18\.0\.50\/24 on eth0, 198\.18\.0\.51\/24 on eth0/,
    );
  });

  it('removes them when the pings stop for longer than the lease (SIGSTOP), and keeps watching', async () => {
    const f = fence();
    f.write({ bound: [WEB] });
    for (let i = 0; i < 4; i++) {
      await sleep(LEASE / 3);
      f.write({ ping: true });
    }
    expect(f.removed()).toEqual([]); // pinged in time: nothing happens
    await sleep(LEASE * 2.5);
    expect(f.removed()).toEqual(['198.18.0.50']);
    expect(f.said.join('\n')).toMatch(/no word from the agent for \d+ ms \(lease 100 ms\): removing 198\.18\.0\.50/);
    // Once only while the silence lasts.
    await sleep(LEASE * 2);
    expect(f.removed()).toEqual(['198.18.0.50']);
    f.input.end();
    await f.done;
  });

  it('still knows the addresses after a stall: the agent binds them again and only pings, then dies', async () => {
    const f = fence();
    f.write({ bound: [WEB] });
    await sleep(LEASE * 2.5);
    expect(f.removed()).toEqual(['198.18.0.50']);
    // The agent resumes, binds web again (its list has not changed, so it sends pings only) and is killed.
    await f.host.bind(WEB);
    f.write({ ping: true });
    f.input.end();
    await f.done;
    expect(f.removed()).toEqual(['198.18.0.50', '198.18.0.50']);
    expect(f.host.has(WEB)).toBe(false);
  });

  it('leaves everything alone after a clean exit (the agent released its addresses itself)', async () => {
    const f = fence();
    f.write({ bound: [WEB] });
    f.write({ bound: [] });
    f.write({ exit: true });
    f.input.end();
    await f.done;
    expect(f.removed()).toEqual([]);
    expect(f.host.has(WEB)).toBe(true);
  });

  it('says it is ready once it reads its pipe', async () => {
    const f = fence();
    expect(f.said[0]).toBe('fence ready (lease 100 ms)');
    f.input.end();
    await f.done;
  });

  it('judges the silence by when the agent wrote, not when it read: a fence that reads late releases at once', async () => {
    const f = fence();
    // Lines an agent wrote before it froze, read now by a fence that started (or ran) late.
    const wrote = Date.now() - 5 * LEASE;
    f.write({ bound: [WEB], at: wrote });
    f.write({ ping: wrote + 50 });
    await sleep(LEASE / 2);
    expect(f.removed()).toEqual(['198.18.0.50']);
    f.write({ ping: Date.now() }); // it resumes: a fresh ping re-arms the watch
    await sleep(LEASE / 2);
    expect(f.removed()).toEqual(['198.18.0.50']);
    f.input.end();
    await f.done;
  });

  it('goes by the latest list, and ignores a line that is not JSON (saying so)', async () => {
    const f = fence();
    f.write({ bound: [WEB, MAIL] });
    f.write({ bound: [MAIL] });
    f.write('garbage');
    f.input.end();
    await f.done;
    expect(f.removed()).toEqual(['198.18.0.51']);
    expect(f.said).toContain('ignored a line that is not JSON: garbage');
  });
});
