/**
 * Runs inside the lab's client namespace and probes a VIP the way a client would feel it: a UDP
 * datagram every `udpIntervalMs` and a TCP connection every `tcpIntervalMs`, printing one JSON line
 * per event (the parent assembles the timeline):
 *   {"k":"start","t":ms}                       probing begins
 *   {"k":"us","q":seq,"t":ms}                  UDP probe sent
 *   {"k":"ur","q":seq,"b":host,"t":ms}         UDP answer (one line per answer: two holders → two)
 *   {"k":"tc","q":seq,"t":sentMs,"b":host|null,"ms":n,"e"?:error}   TCP attempt finished
 *   {"k":"end","t":ms}                         done; exits right after
 * Usage: node probe-client.mjs '<json options>'. Stops at its deadline, or when stdin closes.
 */
import dgram from 'node:dgram';
import net from 'node:net';

interface Options {
  vip: string;
  port: number;
  durationMs: number;
  udpIntervalMs: number;
  tcpIntervalMs: number;
  tcpTimeoutMs: number;
  /** After the last probe, how long late answers are still taken. */
  graceMs: number;
}

const o = JSON.parse(process.argv[2] ?? '{}') as Options;
const out = (event: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(event)}\n`);
const family = net.isIPv6(o.vip) ? 'udp6' : 'udp4';
const socket = dgram.createSocket(family);
let stopped = false;
let sockets = 0;

socket.on('message', (msg) => {
  const [by, seq] = msg.toString('utf8').trim().split(' ');
  if (by !== undefined && seq !== undefined) out({ k: 'ur', q: Number(seq), b: by, t: Date.now() });
});
socket.on('error', (err) => process.stderr.write(`udp: ${err.message}\n`));

/** Fires `fn(n)` at start + n·interval, catching up on its own drift instead of accumulating it. */
function every(intervalMs: number, start: number, until: number, fn: (n: number) => void): void {
  let n = 0;
  const tick = () => {
    if (stopped || Date.now() >= until) return;
    fn(n++);
    setTimeout(tick, Math.max(0, start + n * intervalMs - Date.now()));
  };
  tick();
}

function tcpProbe(seq: number): void {
  const sentAt = Date.now();
  sockets++;
  const conn = net.connect({ host: o.vip, port: o.port });
  let said = '';
  let reported = false;
  const report = (error?: string) => {
    if (reported) return;
    reported = true;
    sockets--;
    clearTimeout(timer);
    conn.destroy();
    const by = said.trim().split('\n')[0] || null;
    out({ k: 'tc', q: seq, t: sentAt, b: error ? null : by, ms: Date.now() - sentAt, ...(error ? { e: error } : {}) });
  };
  const timer = setTimeout(() => report('timeout'), o.tcpTimeoutMs);
  conn.setEncoding('utf8');
  conn.on('data', (chunk: string) => (said += chunk));
  conn.on('end', () => report(said ? undefined : 'closed without a name'));
  conn.on('error', (err: NodeJS.ErrnoException) => report(err.code ?? err.message));
}

socket.bind(0, () => {
  const start = Date.now();
  const until = start + o.durationMs;
  out({ k: 'start', t: start });
  every(o.udpIntervalMs, start, until, (seq) => {
    out({ k: 'us', q: seq, t: Date.now() });
    socket.send(String(seq), o.port, o.vip);
  });
  if (o.tcpIntervalMs > 0) every(o.tcpIntervalMs, start, until, tcpProbe);
  // The deadline: late answers get graceMs, open TCP attempts their own timeout, then we leave.
  setTimeout(() => {
    stopped = true;
    const wait = sockets > 0 ? o.tcpTimeoutMs : 0;
    setTimeout(() => {
      out({ k: 'end', t: Date.now() });
      process.exit(0);
    }, wait);
  }, o.durationMs + o.graceMs);
});

process.stdin.on('close', () => process.exit(0));
process.stdin.resume();
