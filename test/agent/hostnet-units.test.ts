import { describe, expect, it } from 'vitest';
import type { HostAddress } from '../../core/ports';
import {
  CommandError,
  execFileRunner,
  formatCommand,
  inNetns,
  isMissingProgram,
  runChecked,
  type CommandRunner,
} from '../../agent/hostnet/command';
import { classifyToolFailure, HostNetError, saysAlreadyAbsent, saysAlreadyPresent } from '../../agent/hostnet/errors';
import { parseIpAddrJson } from '../../agent/hostnet/ip-json';
import { RecordingHostNet } from '../../agent/hostnet/recording';
import { CAP_NET_ADMIN, CAP_NET_RAW, effectiveCapabilities, selectHostNet } from '../../agent/hostnet/select';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pino from 'pino';

const vip: HostAddress = { address: '198.18.0.50', prefixLength: 24, family: 4, interface: 'eth0' };
const node = process.execPath;

describe('execFileRunner', () => {
  it('resolves with the exit code and both streams, for any exit code', async () => {
    const r = await execFileRunner(node, [
      '-e',
      'process.stdout.write("out"); process.stderr.write("err"); process.exit(3)',
    ]);
    expect(r).toEqual({ code: 3, stdout: 'out', stderr: 'err' });
  });

  it('passes arguments verbatim, never through a shell', async () => {
    const r = await execFileRunner(node, ['-e', 'process.stdout.write(process.argv[1])', '$(echo no); rm -rf /nope']);
    expect(r.stdout).toBe('$(echo no); rm -rf /nope');
  });

  it('rejects a timeout with the command named', async () => {
    const err = await execFileRunner(node, ['-e', 'setTimeout(() => {}, 10000)'], { timeoutMs: 200 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CommandError);
    expect((err as CommandError).failure).toBe('timeout');
    expect((err as CommandError).message).toMatch(/node -e .*timed out after 200 ms/);
  });

  it('rejects a program that does not exist as a spawn failure', async () => {
    const err = await execFileRunner('/nonexistent/ipferry-tool', ['x']).catch((e: unknown) => e);
    expect((err as CommandError).failure).toBe('spawn');
    expect((err as CommandError).message).toContain('/nonexistent/ipferry-tool x: could not run');
  });

  it('runChecked throws with stderr and exit code on failure', async () => {
    const err = await runChecked(execFileRunner, node, [
      '-e',
      'console.error("Cannot find device \\"eth9\\""); process.exit(1)',
    ]).catch((e: unknown) => e);
    expect((err as CommandError).failure).toBe('exit');
    expect((err as CommandError).message).toContain('exit code 1: Cannot find device "eth9"');
    expect((err as CommandError).stderr).toContain('eth9');
  });

  it('inNetns prefixes ip netns exec; formatCommand quotes what a shell would split', async () => {
    const seen: string[][] = [];
    const fake: CommandRunner = async (file, args) => (seen.push([file, ...args]), { code: 0, stdout: '', stderr: '' });
    await inNetns('lab-h1', fake)('ip', ['addr', 'show']);
    expect(seen).toEqual([['ip', 'netns', 'exec', 'lab-h1', 'ip', 'addr', 'show']]);
    expect(formatCommand('python3', ['-c', "print('x y')"])).toBe(`python3 -c 'print('\\''x y'\\'')'`);
    expect(
      isMissingProgram({ code: 1, stdout: '', stderr: 'exec of "ndsend" failed: No such file or directory\n' }),
    ).toBe(true);
  });
});

describe('iproute2 output', () => {
  it('parses ip -j addr show into canonical addresses with flags', () => {
    const json = JSON.stringify([
      { ifindex: 1, ifname: 'lo', addr_info: [{ family: 'inet', local: '127.0.0.1', prefixlen: 8 }] },
      {},
      {
        ifname: 'eth0',
        addr_info: [
          { family: 'inet', local: '198.18.0.11', prefixlen: 24, label: 'eth0' },
          { family: 'inet6', local: '2001:DB8:0:0::50', prefixlen: 64, tentative: true },
          { family: 'inet6', local: 'fe80::1', prefixlen: 64, dadfailed: true },
        ],
      },
    ]);
    const { interfaces, addresses } = parseIpAddrJson(json);
    expect([...interfaces]).toEqual(['lo', 'eth0']);
    expect(addresses).toContainEqual({
      address: '2001:db8::50',
      prefixLength: 64,
      family: 6,
      interface: 'eth0',
      tentative: true,
      dadFailed: false,
    });
    expect(addresses.find((a) => a.address === 'fe80::1')?.dadFailed).toBe(true);
    expect(addresses).toHaveLength(4);
  });

  it('refuses output that is not the documented JSON', () => {
    expect(() => parseIpAddrJson('{"not":"a list"}')).toThrow(/not a list of interfaces/);
    expect(() => parseIpAddrJson('[{"ifname": "eth0",')).toThrow(/invalid JSON/);
    expect(parseIpAddrJson('').addresses).toEqual([]);
  });

  it('recognises both spellings of iproute2 errors', () => {
    expect(saysAlreadyPresent('RTNETLINK answers: File exists')).toBe(true);
    expect(saysAlreadyPresent('Error: ipv4: Address already assigned.')).toBe(true);
    expect(saysAlreadyPresent('Error: ipv6: address already assigned.')).toBe(true);
    expect(saysAlreadyAbsent('RTNETLINK answers: Cannot assign requested address')).toBe(true);
    expect(saysAlreadyAbsent('Error: ipv4: Address not found.')).toBe(true);
    expect(classifyToolFailure('Cannot find device "eth9"')).toBe('not-found');
    expect(classifyToolFailure('arping: Device eth9 not available.')).toBe('not-found');
    expect(classifyToolFailure('RTNETLINK answers: Operation not permitted')).toBe('forbidden');
    expect(classifyToolFailure('Error: any valid prefix is expected rather than "198.18.0.5x/24".')).toBe('invalid');
    expect(classifyToolFailure('arping: bind: Cannot assign requested address')).toBe('conflict');
    expect(classifyToolFailure('something odd happened')).toBe('transient');
  });
});

describe('RecordingHostNet', () => {
  it('keeps the bound set like the real one: idempotent bind and unbind, per interface', async () => {
    let t = 100;
    const host = new RecordingHostNet({ now: () => t++, reason: 'not root' });
    await host.bind(vip);
    await host.bind(vip);
    expect(await host.bound(['eth0'])).toEqual(new Set(['198.18.0.50']));
    expect(await host.bound(['eth1'])).toEqual(new Set());
    await host.unbind(vip);
    await host.unbind(vip);
    expect(await host.bound(['eth0'])).toEqual(new Set());
    expect(host.operations.map((o) => [o.at, o.op, o.changed])).toEqual([
      [100, 'bind', true],
      [101, 'bind', false],
      [102, 'bound', false],
      [103, 'bound', false],
      [104, 'unbind', true],
      [105, 'unbind', false],
      [106, 'bound', false],
    ]);
  });

  it('describes each operation for the demo', async () => {
    const host = new RecordingHostNet({ reason: 'not root' });
    await host.bind(vip);
    await host.announce(vip, { count: 3 });
    await host.announce({ address: '2001:db8::50', prefixLength: 64, family: 6, interface: 'eth0' });
    await host.bind(vip);
    const lines = host.operations.map((o) => host.describe(o));
    expect(lines).toEqual([
      'bind 198.18.0.50/24 on eth0 (recorded, not applied: not root)',
      'announce 198.18.0.50 on eth0 (gratuitous ARP x3) (recorded, not applied: not root)',
      'announce 2001:db8::50 on eth0 (unsolicited NA x1) (recorded, not applied: not root)',
      'bind 198.18.0.50/24 on eth0 (already bound; recorded, not applied: not root)',
    ]);
  });

  it('fails an operation on request, records it, and leaves the state unchanged', async () => {
    const host = new RecordingHostNet({ initial: [vip] });
    host.failNext('unbind', 'forbidden', 'RTNETLINK answers: Operation not permitted');
    const err = await host.unbind(vip).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostNetError);
    expect((err as HostNetError).reason).toBe('forbidden');
    expect(host.has(vip)).toBe(true);
    expect(host.describe(host.operations[0]!)).toBe(
      'unbind 198.18.0.50/24 from eth0 failed: RTNETLINK answers: Operation not permitted',
    );
    await host.unbind(vip);
    expect(host.has(vip)).toBe(false);
  });
});

describe('selectHostNet', () => {
  const quiet = pino({ enabled: false });
  const both = (1n << BigInt(CAP_NET_ADMIN)) | (1n << BigInt(CAP_NET_RAW));

  it('records only when asked for, and says so', async () => {
    const choice = await selectHostNet({
      forceRecording: 'asked for with --hostnet recording',
      capabilities: () => 0n,
      logger: quiet,
    });
    expect(choice.kind).toBe('recording');
    expect(choice.hostNet).toBeInstanceOf(RecordingHostNet);
    await choice.hostNet.bind(vip);
    const rec = choice.hostNet as RecordingHostNet;
    expect(rec.describe(rec.operations[0]!)).toBe(
      'bind 198.18.0.50/24 on eth0 (recorded, not applied: asked for with --hostnet recording)',
    );
  });

  it('refuses, never records, without CAP_NET_ADMIN and CAP_NET_RAW, naming what is missing', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(s) });
    const err = await selectHostNet({ capabilities: () => 1n << BigInt(CAP_NET_ADMIN), logger }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(HostNetError);
    expect((err as HostNetError).reason).toBe('forbidden');
    expect((err as Error).message).toMatch(
      /lacks CAP_NET_RAW \(arping and neighbour advertisements\)\. Run as root or grant/,
    );
    expect((err as Error).message).not.toContain('CAP_NET_ADMIN (');
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 50, hostNet: 'none' });
    const none = await selectHostNet({ capabilities: () => 0n, logger: quiet }).catch((e: Error) => e.message);
    expect(none).toMatch(/lacks CAP_NET_ADMIN \(ip addr add\/del\) and CAP_NET_RAW/);
  });

  it('refuses when ip cannot run or capabilities cannot be read, with the reason', async () => {
    const run: CommandRunner = () => execFileRunner('/nonexistent/ip', ['-V']);
    const err = await selectHostNet({ capabilities: () => both, run, logger: quiet }).catch((e: Error) => e.message);
    expect(err).toMatch(/CAP_NET_ADMIN and CAP_NET_RAW effective \(uid \d+\), but ip could not run: .*could not run/);
    const unread = await selectHostNet({
      capabilities: () => new Error('/proc/self/status: ENOENT'),
      logger: quiet,
    }).catch((e: Error) => e.message);
    expect(unread).toMatch(/cannot read this process's capabilities \(\/proc\/self\/status: ENOENT\)/);
  });

  it('uses the real one with both capabilities, whatever the uid, and logs which and why', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(s) });
    const choice = await selectHostNet({ logger, capabilities: () => both });
    expect(choice.kind).toBe('linux');
    expect(choice.why).toMatch(/^CAP_NET_ADMIN and CAP_NET_RAW effective \(uid \d+\), iproute2 [\d.]+ found$/);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      hostNet: 'linux',
      msg: expect.stringContaining('host network: linux'),
    });
  });

  it('reads CapEff from /proc/self/status', () => {
    expect(effectiveCapabilities('Name:\tnode\nCapInh:\t0000000000000000\nCapEff:\t0000000000003000\n')).toBe(both);
    expect(effectiveCapabilities('CapEff:\t000001ffffffffff\n')).toBe(0x1ffffffffffn);
    expect(effectiveCapabilities('Name:\tnode\n')).toBeInstanceOf(Error);
    expect(typeof effectiveCapabilities()).toBe('bigint'); // this process, on Linux
  });
});

// An ordinary user given the two capabilities (ambient, as systemd's AmbientCapabilities does)
// gets the real plumbing; without them it gets a refusal, never a recording agent. As root the
// test drops to uid 65534 with setpriv; as an ordinary user (the suite runs as one too) it cannot
// change uid, so it takes the capabilities in a user namespace of its own (unshare --keep-caps
// makes them ambient) and keeps only those named: the uid stays non-zero either way.
describe('--hostnet auto as an ordinary user (setpriv)', () => {
  const script = fileURLToPath(new URL('./fixtures/select-hostnet.ts', import.meta.url));
  const isRoot = process.getuid?.() === 0;
  const asOrdinaryUser = (caps: string) => {
    const keep = [`--inh-caps=-all,${caps}`, `--ambient-caps=-all,${caps}`];
    const node = [process.execPath, '--import', 'tsx', script];
    const [cmd, ...args] = isRoot
      ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', ...keep, ...node]
      : ['unshare', '--user', '--map-current-user', '--keep-caps', '--', 'setpriv', ...keep, ...node];
    const r = spawnSync(cmd!, args, {
      encoding: 'utf8',
      timeout: 30_000,
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
    });
    expect(r.status, r.stderr).toBe(0);
    return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as {
      kind?: string;
      why?: string;
      error?: string;
      uid: number;
    };
  };

  it('an ordinary uid with ambient CAP_NET_ADMIN and CAP_NET_RAW picks linux', () => {
    const out = asOrdinaryUser('+net_admin,+net_raw');
    expect(out.uid).not.toBe(0);
    expect(out).toMatchObject({
      kind: 'linux',
      why: expect.stringMatching(
        new RegExp(`^CAP_NET_ADMIN and CAP_NET_RAW effective \\(uid ${out.uid}\\), iproute2 `),
      ),
    });
  });

  it('an ordinary uid with only CAP_NET_ADMIN is refused, naming CAP_NET_RAW', () => {
    const out = asOrdinaryUser('+net_admin');
    expect(out.uid).not.toBe(0);
    expect(out.kind).toBeUndefined();
    expect(out.error).toMatch(/lacks CAP_NET_RAW/);
  });
});
