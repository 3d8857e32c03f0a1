import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { BareMetalProvider } from '../../adapters/bare-metal';
import { Agent } from '../../agent/agent';
import { systemClock } from '../../lib/clock';
import { HttpTransport } from '../../agent/heartbeat';
import { RecordingHostNet } from '../../agent/hostnet';
import { AgentMetrics } from '../../agent/ops';
import { answerSigner, publicKeyText } from '../../control/answer-key';
import { startLocalControlPlane, type LocalControlPlane } from '../../control/local-server';
import { memoryLog } from '../../lib/log';
import { ANSWER_SIGNATURE_HEADER, hmacSigner, publicKeyFrom } from '../../core/heartbeat';
import { lan } from '../helpers/configs';

/**
 * Finding 1 of issue 17: a man in the middle between the agents and the control plane. The proxy
 * is a real HTTP hop on loopback; each scenario rewrites the control plane's answers on their way
 * to n2, and the assertions compare what every part holds before and after.
 */
const PSK = 'test-psk-0123456789abcdef';
const { privateKey } = generateKeyPairSync('ed25519');
const ANSWER_KEY = publicKeyText(privateKey);

type Rewrite = (text: string, headers: Record<string, string>) => { text: string; headers: Record<string, string> };

interface Mitm {
  url: string;
  /** Rewrites answers to this node from now on (undefined: pass them through). */
  rewrite: Map<string, Rewrite>;
  /** Every answer that passed, by node: what a replay takes from. */
  seen: Map<string, Array<{ text: string; headers: Record<string, string> }>>;
  close(): Promise<void>;
}

async function startMitm(upstream: string): Promise<Mitm> {
  const rewrite = new Map<string, Rewrite>();
  const seen = new Map<string, Array<{ text: string; headers: Record<string, string> }>>();
  const server = http.createServer((req, res) => {
    const body: Buffer[] = [];
    req.on('data', (c: Buffer) => body.push(c));
    req.on('end', () => {
      const sent = Buffer.concat(body);
      const node = (JSON.parse((JSON.parse(sent.toString()) as { payload: string }).payload) as { node: string }).node;
      const up = http.request(
        `${upstream}${req.url}`,
        { method: 'POST', headers: { 'content-type': 'application/json' } },
        (answer) => {
          const chunks: Buffer[] = [];
          answer.on('data', (c: Buffer) => chunks.push(c));
          answer.on('end', () => {
            const sig = answer.headers[ANSWER_SIGNATURE_HEADER];
            const headers: Record<string, string> = typeof sig === 'string' ? { [ANSWER_SIGNATURE_HEADER]: sig } : {};
            const original = { text: Buffer.concat(chunks).toString(), headers };
            if (answer.statusCode === 200) seen.set(node, [...(seen.get(node) ?? []), original]);
            const out =
              answer.statusCode === 200 ? (rewrite.get(node)?.(original.text, original.headers) ?? original) : original;
            res.writeHead(answer.statusCode ?? 502, { 'content-type': 'application/json', ...out.headers });
            res.end(out.text);
          });
        },
      );
      up.on('error', () => res.destroy());
      up.end(sent);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    rewrite,
    seen,
    close: () => new Promise((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

function cluster(url = 'http://127.0.0.1:1') {
  return lan({
    nodes: 2,
    vips: [{ name: 'v1', preferred: 'n1' }],
    timers: { heartbeatInterval: 200, deadAfter: 600, preemptDelay: 60_000, minHold: 0 },
    control: { mode: 'local', liveness: 'direct', url, answerKey: ANSWER_KEY },
  });
}

let cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function world() {
  const cp: LocalControlPlane = await startLocalControlPlane({
    config: cluster(),
    log: memoryLog(),
    listen: '127.0.0.1:0',
    providers: [new BareMetalProvider()],
    identity: { signer: answerSigner(privateKey, ANSWER_KEY) },
    reconcileEveryMs: 3_600_000,
  });
  cleanup.push(() => cp.close());
  const mitm = await startMitm(cp.url);
  cleanup.push(() => mitm.close());
  const config = cluster(mitm.url);
  const agents = new Map(
    config.nodes.map((node) => {
      const host = new RecordingHostNet();
      const metrics = new AgentMetrics({ processMetrics: false });
      const transport = new HttpTransport({
        url: `${mitm.url}/v1/heartbeat`,
        cluster: config.cluster,
        node: node.id,
        answerKey: publicKeyFrom(ANSWER_KEY),
      });
      const agent = new Agent({
        config,
        node,
        signer: hmacSigner(PSK),
        hostNet: host,
        hostNetKind: 'recording (test)',
        transport,
        clock: systemClock,
        logger: pino({ enabled: false }),
        metrics,
      });
      return [node.id, { agent, host, metrics }] as const;
    }),
  );
  for (const a of agents.values()) {
    await a.agent.start();
    cleanup.push(() => a.agent.stop({ graceful: false }));
  }
  const n = (id: string) => agents.get(id)!;
  /** Owners and epochs in the store, and what each host has bound at which epoch. */
  const snapshot = async () => ({
    store: (await cp.ctx.store.loadAssignments(cp.ctx.group)).assignments.map((a) => ({
      vip: a.vip,
      node: a.node,
      epoch: a.epoch,
    })),
    held: Object.fromEntries([...agents].map(([id, a]) => [id, a.agent.status().held])),
    bound: Object.fromEntries(
      [...agents].map(([id, a]) => [id, a.host.only('bind').length - a.host.only('unbind').length]),
    ),
  });
  return { cp, mitm, n, snapshot };
}

async function until(what: string, predicate: () => boolean | Promise<boolean>, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs}ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Waits until n2 has refused `count` more answers than it had, through its status. */
async function refusals(w: Awaited<ReturnType<typeof world>>, count: number): Promise<void> {
  const before = w.n('n2').agent.status().controlPlane.answersRefused;
  await until(`${count} answers refused`, () => w.n('n2').agent.status().controlPlane.answersRefused >= before + count);
}

const steady = async (w: Awaited<ReturnType<typeof world>>) =>
  until(
    'v1 bound at n1, nothing at n2',
    () => w.n('n1').agent.status().held.length === 1 && w.n('n2').agent.status().controlPlane.reachable,
  );

const json =
  (f: (a: Record<string, unknown>) => void): Rewrite =>
  (text, headers) => {
    const a = JSON.parse(text) as Record<string, unknown>;
    f(a);
    return { text: JSON.stringify(a), headers };
  };

describe('answers through a man in the middle', () => {
  it.each([
    [
      'epoch 2^53 - 1 (signature kept)',
      json((a) => (a.assignments = [{ vip: 'v1', epoch: Number.MAX_SAFE_INTEGER }])),
      'bad-signature',
    ],
    [
      "another node's VIP, as its owner (signature kept)",
      json((a) => (a.assignments = [{ vip: 'v1', epoch: 1 }])),
      'bad-signature',
    ],
    [
      'unsigned (header dropped)',
      (text: string) => ({
        text: JSON.stringify({ ...(JSON.parse(text) as object), assignments: [{ vip: 'v1', epoch: 1 }] }),
        headers: {},
      }),
      'unsigned',
    ],
  ] as const)(
    'n2 refuses an answer rewritten to %s, says so, and nothing changes anywhere',
    async (_what, rewrite, why) => {
      const w = await world();
      await steady(w);
      const before = await w.snapshot();
      expect(before.store).toEqual([{ vip: 'v1', node: 'n1', epoch: 1 }]);
      w.mitm.rewrite.set('n2', rewrite);
      await refusals(w, 3);
      const status = w.n('n2').agent.status().controlPlane;
      expect(status).toMatchObject({
        answersSigned: true,
        reachable: false,
        lastFailure: { reason: 'forged-answer', message: expect.stringContaining(`(${why})`) },
      });
      expect(await w.n('n2').metrics.text()).toMatch(
        /ipferry_heartbeat_failures_total\{reason="forged-answer"\} [3-9]/,
      );
      expect(await w.snapshot()).toEqual(before);
    },
  );

  it('n2 refuses a real signed answer replayed later (it answers another heartbeat), and nothing changes', async () => {
    const w = await world();
    await steady(w);
    const old = w.mitm.seen.get('n2')![0]!;
    const before = await w.snapshot();
    w.mitm.rewrite.set('n2', () => old);
    await refusals(w, 3);
    expect(w.n('n2').agent.status().controlPlane.lastFailure).toMatchObject({
      reason: 'forged-answer',
      message: expect.stringContaining('(not-our-request)'),
    });
    expect(await w.snapshot()).toEqual(before);
  });

  it("the original attack: a forged epoch at n2, then the real owner killed — v1 ends bound at n2, at the control plane's epoch", async () => {
    const w = await world();
    await steady(w);
    w.mitm.rewrite.set(
      'n2',
      json((a) => (a.assignments = [{ vip: 'v1', epoch: Number.MAX_SAFE_INTEGER }])),
    );
    await refusals(w, 2);
    expect(w.n('n2').agent.status().held).toEqual([]);
    w.mitm.rewrite.delete('n2');
    await w.n('n1').agent.stop({ graceful: false });
    await until('v1 moved to n2 and bound there', async () => w.n('n2').agent.status().held.length === 1);
    const after = await w.snapshot();
    expect(after.store).toEqual([{ vip: 'v1', node: 'n2', epoch: 2 }]);
    expect(after.held.n2).toEqual([{ vip: 'v1', epoch: 2 }]);
    expect(after.bound.n2).toBe(1);
  });
});
