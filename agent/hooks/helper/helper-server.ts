import type { Server, Socket } from 'node:net';
import type { Logger } from 'pino';
import { escapeControls } from '../../../lib/safe-text';
import { loadAllowList, renderArgv } from './allow-list';
import { MAX_REQUEST, parseRequest, type HelperReply, type HelperRequest } from './protocol';
import { runCommand } from './run-command';

export interface HelperOptions {
  /** The allow-list file, read again for each request (allow-list.ts). */
  allowList: string;
  logger: Logger;
  /** Commands running at once; a request beyond is refused, not queued (hooks are retried by nobody, so say so). */
  maxRunning?: number;
  /** How long a connection may take to send its one line. */
  requestTimeoutMs?: number;
}

/**
 * The root side of "hooks that can act" (docs/security.md): on each connection, one request line
 * in, checked as hostile (protocol.ts), looked up in the allow-list, run (run-command.ts), one
 * answer line out. Every refusal says why, to the agent and in the helper's log; nothing the
 * request says is run unless the allow-list names it.
 */
export function serveHelper(server: Server, options: HelperOptions): void {
  const maxRunning = options.maxRunning ?? 8;
  const requestTimeoutMs = options.requestTimeoutMs ?? 2000;
  const log = options.logger;
  let running = 0;

  const handle = async (request: HelperRequest): Promise<HelperReply> => {
    const refuse = (error: string): HelperReply => ({ ok: false, ms: 0, reason: 'refused', error });
    const loaded = loadAllowList(options.allowList);
    if (!loaded.ok) return refuse(loaded.error);
    const entry = loaded.list.get(request.command);
    if (!entry) return refuse(`"${request.command}" is not in the allow-list ${options.allowList}`);
    if (running >= maxRunning) return refuse(`${maxRunning} commands already running: not started`);
    const argv = renderArgv(entry, request);
    const env = {
      IPFERRY_VIP: request.vip,
      IPFERRY_ADDRESS: request.address,
      IPFERRY_INTERFACE: request.interface,
      IPFERRY_STATE: request.state,
      IPFERRY_NODE: request.node,
      IPFERRY_EPOCH: String(request.epoch),
    };
    running++;
    try {
      return await runCommand(argv, env, Math.min(entry.timeout, request.timeoutMs));
    } finally {
      running--;
    }
  };

  server.on('connection', (socket: Socket) => {
    let buffered = '';
    let answered = false;
    let gotLine = false;
    const answer = (reply: HelperReply, request?: HelperRequest) => {
      if (answered) return;
      answered = true;
      clearTimeout(timer);
      const fields = { command: request?.command, vip: request?.vip, state: request?.state, ms: reply.ms };
      if (reply.ok) log.info({ ...fields, output: reply.output }, `ran ${request?.command}`);
      else log.warn({ ...fields, reason: reply.reason, error: reply.error, output: reply.output }, reply.error);
      if (!socket.destroyed) socket.end(`${JSON.stringify(reply)}\n`);
    };
    const timer = setTimeout(
      () => answer({ ok: false, ms: 0, reason: 'refused', error: `no request within ${requestTimeoutMs}ms` }),
      requestTimeoutMs,
    );
    socket.setEncoding('utf8');
    socket.on('error', (err) => log.warn({ err: err.message }, 'hook helper connection failed'));
    socket.on('close', () => clearTimeout(timer));
    // Half a line and then the end: refused now, not after the request timeout.
    socket.on('end', () => {
      if (!gotLine)
        answer({ ok: false, ms: 0, reason: 'refused', error: 'the connection ended before a whole request line' });
    });
    socket.on('data', (chunk: string) => {
      if (answered) return;
      buffered += chunk;
      const end = buffered.indexOf('\n');
      if (end < 0 && buffered.length <= MAX_REQUEST) return;
      if (end < 0 || end > MAX_REQUEST)
        return answer({ ok: false, ms: 0, reason: 'refused', error: `request longer than ${MAX_REQUEST} bytes` });
      clearTimeout(timer);
      gotLine = true;
      socket.pause();
      const parsed = parseRequest(buffered.slice(0, end));
      if (!parsed.ok)
        return answer({
          ok: false,
          ms: 0,
          reason: 'refused',
          error: `bad request: ${escapeControls(parsed.error, 300)}`,
        });
      handle(parsed.request).then(
        (reply) => answer(reply, parsed.request),
        (err: unknown) =>
          answer({ ok: false, ms: 0, reason: 'not-run', error: `helper failed: ${String(err)}` }, parsed.request),
      );
    });
  });
}
