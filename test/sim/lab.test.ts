import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupStale, createLab, type Lab } from '../../sim/lab';
import { labStateDir } from '../../sim/lab/stale';

// Real namespaces, only 198.18.0.0/24 and 2001:db8::/64 inside them. Other test files may run
// labs at the same time, so assertions look at this lab's names only.
let lab: Lab;

beforeAll(async () => {
  lab = await createLab({ hosts: 3 });
});

afterAll(async () => {
  await lab?.destroy();
});

function netnsNames(): string[] {
  const out = execFileSync('ip', ['-j', 'netns', 'list'], { encoding: 'utf8' }).trim();
  return out === '' ? [] : (JSON.parse(out) as Array<{ name: string }>).map((n) => n.name);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Process state letter from /proc (S sleeping, T stopped, …). */
function procState(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
}

/** One UDP question from `from` to the responder on `address`; the answer names the host, "none" if silent. */
async function ask(from: string, address: string): Promise<string> {
  const script = `
    const s = require('dgram').createSocket(process.argv[1].includes(':') ? 'udp6' : 'udp4');
    setTimeout(() => { console.log('none'); process.exit(0); }, 700);
    s.on('message', (m) => { console.log(m.toString().split(' ')[0]); process.exit(0); });
    s.send('ask', Number(process.argv[2]), process.argv[1]);`;
  return (await lab.exec(from, process.execPath, ['-e', script, address, String(lab.responderPort)])).stdout.trim();
}

describe('createLab', () => {
  it('builds a bridge, hosts at 198.18.0.(10+i) on eth0, a client at .200, with unique names', async () => {
    const names = netnsNames();
    for (const ns of ['br', 'h1', 'h2', 'h3', 'cl', 'ob']) expect(names).toContain(`${lab.prefix}-${ns}`);
    expect(lab.prefix).toMatch(/^ipf[a-z0-9]{4}$/);
    expect(lab.hosts.map((h) => h.ipv4)).toEqual(['198.18.0.11', '198.18.0.12', '198.18.0.13']);
    expect(lab.client.ipv4).toBe('198.18.0.200');
    const link = JSON.parse((await lab.exec('h2', 'ip', ['-j', 'addr', 'show'])).stdout) as Array<{
      ifname: string;
      flags: string[];
      address: string;
      addr_info: Array<{ local: string; prefixlen: number }>;
    }>;
    const eth0 = link.find((l) => l.ifname === 'eth0')!;
    expect(eth0.address).toBe(lab.member('h2').mac);
    expect(eth0.addr_info.map((a) => `${a.local}/${a.prefixlen}`)).toEqual(
      expect.arrayContaining(['198.18.0.12/24', '2001:db8::12/64']),
    );
    expect(link.find((l) => l.ifname === 'lo')!.flags).toContain('UP');
    for (const h of lab.hosts) expect(h.bridgePort.length).toBeLessThanOrEqual(15);
  });

  it('runs a responder in every host that the client reaches on IPv4 and IPv6', async () => {
    for (const h of lab.hosts) expect(await ask('client', h.ipv4)).toBe(h.name);
    expect(await ask('client', lab.member('h3').ipv6)).toBe('h3');
  });

  it('lets a test kill a host responder and start it again', async () => {
    lab.responder('h3')!.kill('SIGKILL');
    await lab.responder('h3')!.exited;
    expect(await ask('client', '198.18.0.13')).toBe('none');
    await lab.startResponder('h3');
    expect(await ask('client', '198.18.0.13')).toBe('h3');
  });

  it('spawns long-lived programs whose pid takes any signal directly', async () => {
    const proc = lab.spawn('h1', 'sleep', ['30']);
    await expect.poll(() => readFileSync(`/proc/${proc.pid}/comm`, 'utf8').trim(), { timeout: 2000 }).toBe('sleep');
    proc.kill('SIGSTOP');
    await expect.poll(() => procState(proc.pid), { timeout: 2000 }).toBe('T');
    proc.kill('SIGCONT');
    await expect.poll(() => procState(proc.pid), { timeout: 2000 }).toBe('S');
    proc.kill('SIGKILL');
    expect(await proc.exited).toEqual({ code: null, signal: 'SIGKILL' });
  });

  it('linkDown makes a host vanish from the segment; linkUp brings it back', async () => {
    await lab.linkDown('h2');
    expect(await ask('client', '198.18.0.12')).toBe('none');
    expect(await ask('client', '198.18.0.11')).toBe('h1');
    const eth0 = JSON.parse((await lab.exec('h2', 'ip', ['-j', 'link', 'show', 'eth0'])).stdout) as Array<{
      flags: string[];
    }>;
    expect(eth0[0]!.flags).toContain('NO-CARRIER');
    await lab.linkUp('h2');
    expect(await ask('client', '198.18.0.12')).toBe('h2');
  });

  it('partition cuts a set of hosts off from the rest; they still reach each other; heal undoes it', async () => {
    await lab.partition(['h1', 'h2']);
    expect(await ask('client', '198.18.0.11')).toBe('none');
    expect(await ask('client', '198.18.0.12')).toBe('none');
    expect(await ask('client', '198.18.0.13')).toBe('h3');
    expect(await ask('h1', '198.18.0.12')).toBe('h2');
    expect(await ask('h3', '198.18.0.11')).toBe('none');
    await lab.heal();
    expect(await ask('client', '198.18.0.11')).toBe('h1');
    expect(await ask('h3', '198.18.0.12')).toBe('h2');
  });
});

describe('destroy and cleanupStale', () => {
  it('destroy kills every process (stopped ones too) and leaves no namespace of the lab', async () => {
    const other = await createLab({ hosts: 1 });
    const stopped = other.spawn('h1', 'sleep', ['30']);
    await expect.poll(() => alive(stopped.pid)).toBe(true);
    stopped.kill('SIGSTOP');
    await other.destroy();
    expect(netnsNames().filter((n) => n.startsWith(`${other.prefix}-`))).toEqual([]);
    expect(alive(stopped.pid)).toBe(false);
    await other.destroy(); // twice is fine
  });

  it('cleanupStale removes a crashed run (owner gone) and leaves live labs alone', async () => {
    const crashed = await createLab({ hosts: 1, responders: false });
    const orphan = crashed.spawn('h1', 'sleep', ['30']);
    // Make the owner a process that has exited, as after a crash.
    const dead = Number(
      execFileSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' }).trim(),
    );
    mkdirSync(labStateDir(crashed.prefix), { recursive: true });
    writeFileSync(join(labStateDir(crashed.prefix), 'owner.json'), JSON.stringify({ pid: dead, started: 'gone' }));

    const removed = await cleanupStale();
    expect(removed.sort()).toEqual([
      `${crashed.prefix}-br`,
      `${crashed.prefix}-cl`,
      `${crashed.prefix}-h1`,
      `${crashed.prefix}-ob`,
    ]);
    expect(netnsNames().filter((n) => n.startsWith(`${crashed.prefix}-`))).toEqual([]);
    await expect.poll(() => alive(orphan.pid), { timeout: 2000 }).toBe(false);
    expect(netnsNames()).toContain(`${lab.prefix}-h1`); // ours is alive, so it stays
    await crashed.destroy(); // nothing left to remove, and no error for it
  });

  it('cleanupStale(prefix) removes that lab whoever owns it, and refuses names that are not labs', async () => {
    const doomed = await createLab({ hosts: 1, responders: false });
    const removed = await cleanupStale(doomed.prefix);
    expect(removed).toHaveLength(4);
    expect(netnsNames().filter((n) => n.startsWith(`${doomed.prefix}-`))).toEqual([]);
    await expect(cleanupStale('ip')).rejects.toThrow(/not a lab prefix/);
    await doomed.destroy();
  });
});
