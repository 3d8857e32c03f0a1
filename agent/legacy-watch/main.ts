/**
 * ipferry beside keepalived or ucarp during a switch (docs/migrating.md "Running beside keepalived").
 *
 *   main.ts watch --iface eth0 --vrid 51[,52] (--state FILE | --state-dir DIR) [--own 198.18.0.11]
 *     privileged (CAP_NET_RAW, as the agent): runs `tcpdump -l -n -x -i IFACE ip proto 112`,
 *     parses every packet (vrrp.ts) and rewrites FILE every 250 ms and on each master advert.
 *   main.ts check (--state FILE | --state-dir DIR) [--quiet-ms 3000] [--stale-ms 2000]
 *     the agent's exec check on every VIP: exit 0 (eligible) only when no old master was heard
 *     for quiet-ms; exit 1 with the reason otherwise.
 * --state-dir keys the file by network namespace, so one config line serves hosts that share a
 * filesystem (the LAN lab's namespaces) as well as real hosts.
 */
import { spawn } from 'node:child_process';
import { readFileSync, readlinkSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { TcpdumpHexReader } from './tcpdump-hex';
import { heard, parseState, verdict, type LegacyState } from './verdict';
import { parseVrrpPacket } from './vrrp';

const [command, ...rest] = process.argv.slice(2);
if (command === 'check') check(rest);
else if (command === 'watch') watch(rest);
else fail(`usage: legacy-watch watch|check … (got ${JSON.stringify(command ?? '')})`);

function check(argv: string[]): void {
  const { values } = parseArgs({ args: argv, options: { state: { type: 'string' }, 'state-dir': { type: 'string' }, 'quiet-ms': { type: 'string' }, 'stale-ms': { type: 'string' } } });
  const file = stateFile(values.state, values['state-dir']);
  let text: string | undefined;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    fail(`passive: cannot read ${file}: ${(err as Error).message}`);
  }
  const v = verdict(parseState(text), Date.now(), positive(values['quiet-ms'] ?? '3000'), positive(values['stale-ms'] ?? '2000'));
  (v.passive ? process.stderr : process.stdout).write(`${v.passive ? 'passive' : 'clear'}: ${v.why}\n`);
  process.exit(v.passive ? 1 : 0);
}

function watch(argv: string[]): void {
  const { values } = parseArgs({
    args: argv,
    options: { iface: { type: 'string' }, vrid: { type: 'string' }, state: { type: 'string' }, 'state-dir': { type: 'string' }, own: { type: 'string', multiple: true } },
  });
  if (!values.iface || !values.vrid) fail('watch: --iface and --vrid are required');
  const vrids = values.vrid.split(',').map((s) => positive(s));
  const file = stateFile(values.state, values['state-dir']);
  let state: LegacyState = { watcherAt: Date.now(), vrids, lastMaster: null };
  const write = () => {
    state = { ...state, watcherAt: Date.now() };
    writeFileSync(`${file}.tmp`, JSON.stringify(state));
    renameSync(`${file}.tmp`, file); // the check never reads half a file
  };
  const tcpdump = spawn('tcpdump', ['-l', '-n', '-x', '-i', values.iface, 'ip proto 112'], { stdio: ['ignore', 'pipe', 'pipe'] });
  tcpdump.once('error', (err) => fail(`watch: cannot run tcpdump: ${err.message}`));
  tcpdump.once('exit', (code, signal) => fail(`watch: tcpdump ended (${signal ?? `exit ${code}`}): the state goes stale, so the check turns passive`));
  createInterface({ input: tcpdump.stderr }).on('line', (l) => {
    if (/listening on/.test(l)) process.stdout.write(`ready ${values.iface}\n`);
    else process.stderr.write(`tcpdump: ${l}\n`);
  });
  const reader = new TcpdumpHexReader();
  const own = values.own ?? [];
  createInterface({ input: tcpdump.stdout }).on('line', (l) => {
    const packet = reader.line(l);
    if (!packet) return;
    const parsed = parseVrrpPacket(packet);
    if (!parsed.ok) return void process.stderr.write(`ignored packet: ${parsed.reason}\n`);
    const before = state.lastMaster;
    state = heard(state, parsed.advert, Date.now(), own);
    if (state.lastMaster !== before) write();
  });
  write();
  setInterval(write, 250);
  // Its parent is the lab or a service manager: a closed stdin is not a reason to stop here.
  process.once('SIGTERM', () => (tcpdump.kill('SIGTERM'), process.exit(0)));
}

function stateFile(state: string | undefined, dir: string | undefined): string {
  if (state !== undefined && dir === undefined) return state;
  if (dir === undefined || state !== undefined) fail('give one of --state FILE or --state-dir DIR');
  // "net:[4026532281]": the namespace's inode, the same for every process in it.
  const ns = /\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/net'))?.[1];
  if (ns === undefined) fail('cannot tell this network namespace from /proc/self/ns/net');
  return join(dir, `legacy-vrrp-net${ns}.json`);
}

function positive(s: string): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n <= 0) fail(`not a positive integer: ${JSON.stringify(s)}`);
  return n;
}

function fail(message: string): never {
  process.stderr.write(`legacy-watch: ${message}\n`);
  process.exit(message.startsWith('passive') ? 1 : 2);
}
