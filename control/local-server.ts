import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Config } from '../core/config/model';
import type { Clock } from '../core/clock';
import { heartbeatVerifier } from '../core/heartbeat';
import type { Provider, RecordSetPublisher, Store } from '../core/ports';
import type { VipKind } from '../core/config/vips';
import { MemoryStore } from '../adapters/memory-store';
import { systemClock } from '../lib/clock';
import { handleApi } from './api';
import { serveStatusPage } from './status-page/serve';
import { controlContext, type ControlContext, type Tuning } from './context';
import { reportDeadline } from '../core/witness';
import { witnessed } from './group';
import { handleHeartbeat, REFUSAL_STATUS, replyBytes } from './heartbeat';
import { loadControlIdentity, type ControlIdentity } from './answer-key';
import { bearerOk, parseListen, readBody, sendJson } from './http';
import { errorText, type Log } from '../lib/log';
import type { ProviderLookup } from './providers';
import { tick, type TickOptions, type TickResult, type TickTrigger } from './tick';
import { TickRunner } from './tick-runner';
import { ControlMetrics } from './metrics';
import { Timers } from '../lib/timers';
import { KeyedLock } from '../lib/keyed-lock';
import { isLoopback, listen } from './listen';
import { swapConfig, type ReloadParts } from './reload';

export interface LocalControlPlaneOptions {
  config: Config;
  log: Log;
  store?: Store;
  providers?: ReadonlyMap<VipKind, Provider> | ProviderLookup | readonly Provider[];
  /** Publishes the config's round-robin `dns` record sets. */
  publisher?: RecordSetPublisher;
  clock?: Clock;
  /** The pre-shared key when it does not sit in the config (pskFile, pskEnv resolved by the caller). */
  psk?: string;
  /** host:port; default control.listen (port 0 picks a free one). */
  listen?: string;
  /** Decisions without provider reads: default every heartbeatInterval. */
  tickEveryMs?: number;
  /** Drift repair (provider reads): default every 60 s, like the AWS schedule. */
  reconcileEveryMs?: number;
  /** Tick at each node's deadline (default). Off only to show heartbeats alone suffice, as in AWS. */
  deadlines?: boolean;
  /** After a move failed or was skipped: repair again this soon. Default 2 heartbeat intervals. */
  retryAfterMs?: number;
  tuning?: Partial<Tuning>;
  instance?: string;
  /** The answer key and TLS files, read already; default: read from the files the config names. */
  identity?: ControlIdentity;
}

export interface LocalControlPlane {
  url: string;
  ctx: ControlContext;
  runner: TickRunner;
  /** What GET /metrics serves. */
  metrics: ControlMetrics;
  /** Runs (or joins) a tick now. */
  tickNow(trigger?: Partial<TickTrigger>, opts?: { repairDrift?: boolean }): Promise<TickResult>;
  /** A new config (checked by control/reload.ts) from the next tick and heartbeat on; the state stays. */
  reload(config: Config, parts: ReloadParts): Promise<void>;
  close(): Promise<void>;
}

/**
 * The control plane as one process: the memory store (or another), an HTTP server for heartbeats
 * and the API, and ticks on three kinds of timer — every heartbeatInterval, at each node's
 * deadline (lastSeen + deadAfter, so a crash is acted on when it becomes one, not a tick later),
 * and whenever a heartbeat or an API call shows a change is due.
 */
export async function startLocalControlPlane(opts: LocalControlPlaneOptions): Promise<LocalControlPlane> {
  const { config, log } = opts;
  const clock = opts.clock ?? systemClock;
  const metrics = new ControlMetrics(config.vips.length);
  const ctx = controlContext({
    config,
    store: metrics.countErrors(opts.store ?? new MemoryStore()),
    clock,
    log,
    ...pick(opts, ['providers', 'publisher', 'instance', 'tuning']),
  });
  const verifierFor = (c: Config) => heartbeatVerifier(c, opts.psk === undefined ? {} : { psk: opts.psk });
  let verifier = verifierFor(config);
  // A reload swaps the config between ticks, never during one.
  const exclusive = new KeyedLock();
  const apiToken = config.control.mode === 'local' ? config.control.apiToken : undefined;
  const timers = new Timers(clock, log);
  const byReports = witnessed(config);
  // Witnessed agents beat to each other, not to us: decisions once a second are plenty between reports.
  const interval = byReports ? Math.max(1000, config.timers.heartbeatInterval) : config.timers.heartbeatInterval;
  const retryAfter = opts.retryAfterMs ?? 2 * interval;
  // The memory store forgets every replay guard on a restart: take only heartbeats sent since we
  // started, less deadAfter for the network and small clock differences. A replayed heartbeat can
  // then keep a node alive at most as long as its last real one could have (see docs/security.md).
  const notBefore = clock.now() - config.timers.deadAfter;
  // A store that kept its state across a restart (a state file) holds the records the previous
  // process heard: every node would look silent since then, and its VIPs would move. Decide
  // nothing until each live agent has had the time to be heard again: its silence allowance,
  // plus the longest an agent that lost us waits between tries (8 intervals, at most 30 s:
  // agent/heartbeat/backoff.ts).
  const silence = byReports ? reportDeadline(config) : config.timers.deadAfter;
  const kept = (await ctx.store.loadAssignments(ctx.group)).version > 0;
  const retryGap = Math.min(30_000, 8 * config.timers.heartbeatInterval);
  const warmUntil = kept ? clock.now() + silence + retryGap : 0;
  const warming: TickResult = { status: 'busy', holder: 'start-up: hearing the agents again', expiresAt: warmUntil };

  const runner: TickRunner = new TickRunner(
    (o) => (clock.now() < warmUntil ? Promise.resolve(warming) : exclusive.run('ctx', () => timedTick(o))),
    log,
    (r) => {
      if (r.status === 'done' && r.failed > 0)
        timers.at('retry', clock.now() + retryAfter, () =>
          runner.request(
            { kind: 'retry', at: clock.now(), detail: `${r.failed} move(s) failed` },
            { repairDrift: true },
          ),
        );
    },
  );
  const runTick = (trigger: TickTrigger) => runner.request(trigger);
  async function timedTick(o: TickOptions): Promise<TickResult> {
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    const r = await tick(ctx, o).catch((err: unknown) => {
      metrics.tick('failed', seconds());
      throw err;
    });
    metrics.tick(r, seconds(), ctx.diagnoses);
    return r;
  }

  const { signer, tls } = opts.identity ?? (await loadControlIdentity(config));
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    serve(req, res).catch((err: unknown) => {
      log.error('request failed', { method: req.method, url: req.url, error: errorText(err) });
      if (!res.headersSent) sendJson(res, 503, { error: { reason: 'transient', message: errorText(err) } });
      else res.destroy();
    });
  };
  const server: Server = tls ? createHttpsServer({ cert: tls.cert, key: tls.key }, handler) : createServer(handler);

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://local');
    if (url.pathname === '/v1/heartbeat') {
      if (req.method !== 'POST')
        return sendJson(res, 405, { error: { reason: 'malformed', message: 'heartbeats are POSTed' } });
      const { body, tooLarge } = await readBody(req, config.security.maxHeartbeatBytes);
      if (tooLarge) {
        metrics.heartbeats.inc({ outcome: 'refused', reason: 'too-large' });
        return sendJson(res, REFUSAL_STATUS['too-large'], {
          error: { reason: 'too-large', message: `more than ${config.security.maxHeartbeatBytes} bytes` },
        });
      }
      // A report is rare and may be the news of a failure: its answer waits for the tick, so the
      // reporter learns the new assignments version and can tell the others (as in Lambda).
      const reply = await handleHeartbeat(ctx, verifier, body, { runTick, waitForTick: byReports, notBefore });
      metrics.heartbeat(reply);
      if (reply.ok && opts.deadlines !== false) watchDeadline(reply.node);
      const out = replyBytes(reply, signer);
      res.writeHead(out.status, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(out.text),
        'cache-control': 'no-store',
        ...out.headers,
      });
      return void res.end(out.text);
    }
    // The status page's assets carry no data (its script fetches /v1/status with the token).
    if (serveStatusPage(req.method, url.pathname, res)) return;
    if (!bearerOk(req.headers.authorization, apiToken)) {
      return sendJson(
        res,
        401,
        { error: { reason: 'forbidden', message: 'missing or wrong bearer token' } },
        { 'www-authenticate': 'Bearer' },
      );
    }
    // Behind the token like the API: names of nodes and VIPs, and what is wrong with them.
    if (url.pathname === '/metrics' && req.method === 'GET') {
      const text = await metrics.text();
      res.writeHead(200, { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' });
      return void res.end(text);
    }
    const { body, tooLarge } = await readBody(req, 65_536);
    if (tooLarge) return sendJson(res, 413, { error: { reason: 'invalid', message: 'request body over 64 KiB' } });
    const reply = await handleApi(
      ctx,
      {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        body: body.toString('utf8'),
        by: apiToken ? 'api-token' : 'local',
      },
      { runTick, waitForTick: true },
    );
    log.info('api', { method: req.method, path: url.pathname, status: reply.status });
    sendJson(res, reply.status, reply.body);
  }

  /** A node that stays silent is dead at lastSeen + deadAfter (its last report + the report deadline, when witnessed): decide right then. */
  function watchDeadline(node: string): void {
    const at = clock.now() + silence + 1;
    timers.at(`deadline:${node}`, at, () =>
      runner.request({
        kind: 'deadline',
        at: clock.now(),
        detail: `${node}: no ${byReports ? 'report' : 'heartbeat'} for ${silence}ms`,
      }),
    );
  }

  const { host, port } = parseListen(
    opts.listen ?? (config.control.mode === 'local' ? config.control.listen : '127.0.0.1:7400'),
  );
  // Drains and manual moves from anyone who can reach the port: beyond loopback, only with a token.
  if (!apiToken && !isLoopback(host)) {
    throw new Error(
      `the control plane would listen on ${host}, beyond loopback, with its API (drain, move, unpin) open to anyone who reaches it: set control.apiToken (16 characters or more), or listen on 127.0.0.1`,
    );
  }
  // Beyond loopback answers cross a network: over HTTPS, and signed (docs/security.md, finding 1).
  if (!isLoopback(host) && (!tls || !signer)) {
    const missing = [
      tls ? '' : 'control.tls (certFile, keyFile): plain HTTP',
      signer ? '' : 'control.answerKey and answerKeyFile (ipferry keygen --for control): unsigned answers',
    ].filter(Boolean);
    throw new Error(
      `the control plane would listen on ${host}, beyond loopback, where anyone on the path could rewrite its answers: set ${missing.join('; and ')}; or listen on 127.0.0.1`,
    );
  }
  await listen(server, host, port);
  const address = server.address() as AddressInfo;
  const url = `${tls ? 'https' : 'http'}://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  timers.every(opts.tickEveryMs ?? interval, () =>
    runner.request({ kind: 'interval', at: clock.now(), detail: 'interval' }),
  );
  if (kept) {
    log.info('state kept from a previous run: deciding once the agents have been heard again', { warmUntil });
    timers.at('warm-up', warmUntil, () =>
      runner.request({ kind: 'interval', at: clock.now(), detail: 'start-up: agents heard again' }),
    );
  }
  timers.every(opts.reconcileEveryMs ?? 60_000, () =>
    runner.request({ kind: 'schedule', at: clock.now(), detail: 'reconcile' }, { repairDrift: true }),
  );
  log.info('control plane listening', {
    url,
    cluster: config.cluster,
    digest: ctx.digest,
    nodes: config.nodes.length,
    vips: config.vips.length,
  });

  return {
    url,
    ctx,
    runner,
    metrics,
    tickNow: (trigger = {}, o = {}) =>
      runner.request({ kind: 'api', at: clock.now(), detail: 'requested', ...trigger }, o),
    async reload(next, parts) {
      await exclusive.run('ctx', async () => {
        verifier = verifierFor(next);
        swapConfig(ctx, next, parts);
      });
      runner
        .request({ kind: 'interval', at: clock.now(), detail: 'config reloaded' })
        .catch((err: unknown) => log.warn('tick after a reload failed', { error: errorText(err) }));
    },
    async close() {
      timers.close();
      runner.close();
      await runner.idle();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      log.info('control plane stopped', { url });
    },
  };
}

function pick<T extends object, K extends keyof T>(o: T, keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}
