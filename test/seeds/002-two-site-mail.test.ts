/**
 * Seed 002 run as its example says, with nothing stood in but the network: `ipferry control` (the
 * local control plane, in place of the example's AWS one), four `ipferry agent` processes on the
 * recording host network, real SMTP/IMAP/POP3 checks against test servers, and the round-robin
 * record published through the real Route 53 client to the Route 53 emulator over HTTP.
 * Both sites serve; a whole site lost → the record lists only the other site's addresses and no
 * VIP crosses to the other site; the site back (one of its servers) → both sites again.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { loadConfig } from '../../core/config';
import { Route53Emulator } from '../../sim/aws-route53';
import { seedFromConfig } from '../../sim/aws-route53/from-config';
import { spawnIpferry, type AgentProcess } from '../helpers/agent-process';
import { closedPort } from '../helpers/closed-port';
import { startMailServer, type MailServer } from '../helpers/mail-server';

const EXAMPLE = 'examples/seeds/002-two-site-mail.yaml';
const SITES = { dc1: ['dc1-svr1', 'dc1-svr2'], dc2: ['dc2-svr1', 'dc2-svr2'] } as const;
const OWN = { 'dc1-svr1': 'dc1-a', 'dc1-svr2': 'dc1-b', 'dc2-svr1': 'dc2-a', 'dc2-svr2': 'dc2-b' } as const;
type Node = keyof typeof OWN;
const ADDRESSES = {
  dc1: ['198.18.3.25', '198.18.3.26'],
  dc2: ['198.18.4.25', '198.18.4.26'],
};

let dir: string;
let emu: Route53Emulator;
const servers: MailServer[] = [];
const procs: AgentProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ipferry-seed-002-'));
});
afterAll(async () => {
  for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.kill('SIGKILL');
  await Promise.all(servers.map((s) => s.close()));
  await emu?.close();
  await rm(dir, { recursive: true, force: true });
});

/**
 * The example as shipped, but for what a test on one machine must change: the control plane is
 * the local one on loopback (the example's runs in AWS), the nodes' own addresses are loopback
 * ones (witness heartbeats go there), the checks point at this test's mail servers, the timers are
 * short. Nodes, VIPs, preferences, topology and the DNS record are the example's.
 */
async function exampleForTest(listen: string): Promise<{ file: string; doc: Record<string, unknown> }> {
  const doc = parse(await readFile(EXAMPLE, 'utf8')) as Record<string, unknown> & {
    nodes: Array<{ id: string; addresses: string[] }>;
    checks: Record<string, { kind: 'smtp' | 'imap' | 'pop3'; target: string } & Record<string, unknown>>;
  };
  doc.control = { mode: 'local', listen, witness: { port: await closedPort(), keepalive: '2s' } };
  doc.timers = { heartbeatInterval: '200ms', deadAfter: '1s', preemptDelay: '1s', minHold: '1s' };
  doc.nodes = doc.nodes.map((n, i) => ({ ...n, addresses: [`127.0.0.${61 + i}`] }));
  for (const [name, check] of Object.entries(doc.checks)) {
    const server = await startMailServer({ protocol: check.kind });
    servers.push(server);
    doc.checks[name] = { ...check, target: server.target, interval: '300ms', timeout: '250ms', rise: 1, fall: 2 };
  }
  const file = join(dir, 'two-site-mail.yaml');
  await writeFile(file, stringify(doc));
  return { file, doc };
}

async function startAgent(file: string, node: Node): Promise<{ proc: AgentProcess; listen: string }> {
  const proc = spawnIpferry(
    ['agent', '--config', file, '--node', node, '--hostnet', 'recording'].concat([
      '--metrics',
      '127.0.0.1:0',
      '--log-level',
      'info',
    ]),
  );
  procs.push(proc);
  const line = await proc.waitForLog((l) => typeof l.listen === 'string', 60_000);
  return { proc, listen: String(line.listen) };
}

async function held(listen: string): Promise<string[]> {
  const s = (await (await fetch(`http://${listen}/status`)).json()) as { held: Array<{ vip: string }> };
  return s.held.map((h) => h.vip).sort();
}

/** Polls every 100 ms, at most `timeoutMs`; the failure says what was last seen. */
async function eventually(what: string, check: () => Promise<string | true>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  let last = '';
  while (Date.now() - started < timeoutMs) {
    const r = await check().catch((err: unknown) => String(err));
    if (r === true) return Date.now() - started;
    last = r;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what}: not within ${timeoutMs} ms; last seen: ${last}`);
}

describe('seed 002: active/active mail in two data centres, DNS between them', () => {
  it('both sites serve; a whole site lost leaves only the live site in DNS; the site back, both again', async () => {
    const listen = `127.0.0.1:${await closedPort()}`;
    const { file, doc } = await exampleForTest(listen);
    const config = loadConfig(doc);
    const zone = config.dns[0]!.hostedZoneId;
    const name = config.dns[0]!.name;
    const seed = seedFromConfig(config);
    emu = new Route53Emulator({
      seed: { ...seed, zones: seed.zones.map((z) => ({ ...z, records: [] })) },
      settings: { propagationDelayMs: 50, requestsPerSecond: 1000 },
    });
    await emu.start(0);
    const dns = async (): Promise<string | true> => JSON.stringify(emu.recordSet(zone, name, 'A')?.values ?? []);
    const dnsIs = (want: string[]) => async () => (await dns()) === JSON.stringify([...want].sort()) || dns();

    const control = spawnIpferry(['control', '--config', file, '--route53-endpoint', emu.url, '--log-level', 'info'], {
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_REGION: 'us-east-1',
    });
    procs.push(control);
    await control.waitForLog((l) => l.msg === 'control plane listening', 60_000);
    const nodes = Object.keys(OWN) as Node[];
    const agents = new Map(await Promise.all(nodes.map(async (n) => [n, await startAgent(file, n)] as const)));
    const eachOnItsOwn = (among: readonly Node[]) => async (): Promise<string | true> => {
      const seen = await Promise.all(among.map(async (n) => `${n}: ${(await held(agents.get(n)!.listen)).join()}`));
      return among.every((n, i) => seen[i] === `${n}: ${OWN[n]}`) || seen.join('; ');
    };

    // Both sites serve: every server on its own VIP, the record lists all four.
    await eventually('every server on its own VIP', eachOnItsOwn(nodes), 20_000);
    await eventually('mail.example.net listing both sites', dnsIs([...ADDRESSES.dc1, ...ADDRESSES.dc2]), 10_000);

    // DC1 is lost whole: its VIPs have nowhere to go (their segment reaches only DC1), so the
    // record drops them; DC2 keeps serving its own and never takes DC1's.
    for (const n of SITES.dc1) agents.get(n)!.proc.kill('SIGKILL');
    const tookMs = await eventually('mail.example.net listing only DC2', dnsIs(ADDRESSES.dc2), 10_000);
    console.log(`seed 002 site lost ${JSON.stringify({ dnsMs: tookMs, deadAfterMs: 1000 })}`);
    await eventually('DC2 on its own VIPs', eachOnItsOwn(SITES.dc2), 5000);
    type Event = { kind: string; vip?: string; to?: string | null; reason?: string; detail?: string };
    let events: Event[] = [];
    // The record changes before the control plane has appended its event: poll for the event too.
    await eventually(
      'the control plane recording the new record',
      async () => {
        events = ((await (await fetch(`http://${listen}/v1/events?limit=1000`)).json()) as { events: Event[] }).events;
        return events.some((e) => e.detail === 'mail.example.net: 198.18.4.25, 198.18.4.26') || 'not yet';
      },
      5000,
    );
    // Newest first: each DC1 VIP's last move let it go, for want of a node on its segment.
    const lastMove = (vip: string) => events.find((e) => e.kind === 'move' && e.vip === vip);
    for (const vip of ['dc1-a', 'dc1-b'])
      expect(lastMove(vip), JSON.stringify(events)).toMatchObject({ to: null, reason: 'no-eligible-node' });
    // No VIP ever crossed to the other site.
    const crossed = events.filter((e) => e.kind === 'move' && e.to && e.vip!.slice(0, 3) !== e.to.slice(0, 3));
    expect(crossed).toEqual([]);

    // One DC1 server comes back: it takes both DC1 VIPs (its sibling is still down) and the record
    // lists both sites again.
    agents.set('dc1-svr1', await startAgent(file, 'dc1-svr1'));
    await eventually(
      'dc1-svr1 serving both DC1 VIPs',
      async () => (await held(agents.get('dc1-svr1')!.listen)).join() === 'dc1-a,dc1-b' || 'not yet',
      20_000,
    );
    await eventually('mail.example.net listing both sites again', dnsIs([...ADDRESSES.dc1, ...ADDRESSES.dc2]), 10_000);
    expect(await eachOnItsOwn(SITES.dc2)()).toBe(true);

    for (const p of procs) p.kill('SIGTERM');
  }, 180_000);
});
