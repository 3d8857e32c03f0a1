/**
 * The watcher of "running beside keepalived" (docs/migrating.md), as `ipferry legacy-watch watch`
 * runs it (and main.ts, for the LAN lab):
 *
 *   watch --iface eth0 --vrid 51[,52] (--state FILE | --state-dir DIR) [--own 198.18.0.11] [--quiet-ms 3000]
 *     privileged (CAP_NET_RAW, as the agent): listens for VRRP adverts on a raw socket
 *     (raw-capture.ts), parses every packet (vrrp.ts) and rewrites FILE every 250 ms and on each
 *     new master advert with when silence will have lasted quiet-ms (verdict.ts stateLine).
 * The agent's exec check is check.sh beside this file: bash builtins only, no node per run.
 * --state-dir keys the file by network namespace, so one config line serves hosts that share a
 * filesystem (the LAN lab's namespaces) as well as real hosts; check.sh takes the same option.
 */
import { spawn } from 'node:child_process';
import { readlinkSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { captureCommand, packetFromHex } from './raw-capture';
import { heard, stateLine, type LegacyState } from './verdict';
import { parseVrrpPacket } from './vrrp';

/** Runs the watcher until SIGTERM; bad arguments or a capture that ends exit the process (code 2) with the reason. */
export function watch(argv: string[]): void {
  const { values } = parseArgs({
    args: argv,
    options: {
      iface: { type: 'string' },
      vrid: { type: 'string' },
      state: { type: 'string' },
      'state-dir': { type: 'string' },
      own: { type: 'string', multiple: true },
      'quiet-ms': { type: 'string' },
    },
  });
  if (!values.iface || !values.vrid) fail('watch: --iface and --vrid are required');
  const iface = values.iface;
  const vrids = values.vrid.split(',').map((s) => positive(s));
  const quietMs = positive(values['quiet-ms'] ?? '3000');
  const file = stateFile(values.state, values['state-dir']);
  let state: LegacyState = { startedAt: Date.now(), vrids, lastMaster: null };
  const write = () => {
    writeFileSync(`${file}.tmp`, stateLine(state, Date.now(), quietMs));
    renameSync(`${file}.tmp`, file); // the check never reads half a file
  };
  const { file: perl, args } = captureCommand(iface);
  const capture = spawn(perl, args, { stdio: ['pipe', 'pipe', 'pipe'] }); // stdin: its lifeline (raw-capture.ts)
  capture.once('error', (err) => fail(`watch: cannot run the capture (${perl}): ${err.message}`));
  capture.once('exit', (code, signal) =>
    fail(`watch: the capture ended (${signal ?? `exit ${code}`}): the state goes stale, so the check turns passive`),
  );
  createInterface({ input: capture.stderr }).on('line', (l) => {
    if (l === 'ready') {
      // Listening only now: silence is counted from here, not from when node started.
      state = { ...state, startedAt: Date.now() };
      write();
      setInterval(write, 250);
      process.stdout.write(`ready ${iface}\n`);
    } else process.stderr.write(`capture: ${l}\n`);
  });
  const own = values.own ?? [];
  const ignored = rateLimited();
  createInterface({ input: capture.stdout }).on('line', (l) => {
    const packet = packetFromHex(l);
    const parsed = packet ? parseVrrpPacket(packet) : ({ ok: false, reason: 'not a packet in hex' } as const);
    if (!parsed.ok) return ignored(parsed.reason);
    const before = state.lastMaster;
    state = heard(state, parsed.advert, Date.now(), own);
    if (state.lastMaster !== before) write();
  });
  // Its parent is the lab or a service manager: a closed stdin is not a reason to stop here.
  process.once('SIGTERM', () => (capture.kill('SIGTERM'), process.exit(0)));
}

/** Says why packets were ignored at most once a second: a flood of junk to protocol 112 must not flood the log. */
function rateLimited(): (reason: string) => void {
  let last = 0;
  let quiet = 0;
  return (reason) => {
    const now = Date.now();
    if (now - last < 1000) return void quiet++;
    process.stderr.write(
      `ignored packet: ${reason}${quiet ? ` (and ${quiet} more unsaid since the last line)` : ''}\n`,
    );
    last = now;
    quiet = 0;
  };
}

function stateFile(state: string | undefined, dir: string | undefined): string {
  if (state !== undefined && dir === undefined) return state;
  if (dir === undefined || state !== undefined) fail('give one of --state FILE or --state-dir DIR');
  // "net:[4026532281]": the namespace's inode, the same for every process in it (check.sh reads it alike).
  const ns = /\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/net'))?.[1];
  if (ns === undefined) fail('cannot tell this network namespace from /proc/self/ns/net');
  return join(dir, `legacy-vrrp-net${ns}.state`);
}

function positive(s: string): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n <= 0) fail(`not a positive integer: ${JSON.stringify(s)}`);
  return n;
}

function fail(message: string): never {
  process.stderr.write(`legacy-watch: ${message}\n`);
  process.exit(2);
}
