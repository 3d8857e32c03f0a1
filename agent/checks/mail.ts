import type { TLSSocket } from 'node:tls';
import { attempt, CheckFailed, quote, type CheckContext, type CheckOutcome, type Success } from './attempt';
import { DEFAULT_WARN_BEFORE_MS, judgeValidity, peerCertificate } from './certificate';
import { loadCa, openConnection, parseTarget } from './connection';
import { LineReader } from './line-reader';
import type { MailCheckSpec } from './specs';

/** No real server sends a reply this long; a peer that does is not speaking SMTP. */
const MAX_REPLY_LINES = 100;

/**
 * Speaks just enough of the mail protocols to know the daemon behind the port is alive and
 * willing, not only that the kernel accepts connections (HAProxy's plain TCP check, seed 001):
 * SMTP: 220 banner (multi-line) → EHLO → 250 (multi-line) → QUIT → 2xx.
 * LMTP: the same with LHLO.  IMAP: "* OK" greeting → "a1 LOGOUT" → "a1 OK".
 * POP3: "+OK" greeting → QUIT → "+OK".  With `tls`, all of it inside implicit TLS (465/993/995).
 */
export function mailCheck(spec: MailCheckSpec, ctx: CheckContext = {}): Promise<CheckOutcome> {
  return attempt(spec.timeout, ctx.signal, async (a) => {
    const target = parseTarget(spec.target);
    const tlsSettings = spec.tls
      ? {
          insecure: spec.insecure,
          ca: await loadCa(spec.ca),
          ...(spec.servername ? { servername: spec.servername } : {}),
        }
      : undefined;
    const socket = await openConnection(a, target, tlsSettings);
    // Read now: once the server hangs up after QUIT, the socket no longer has its certificate.
    const cert = spec.tls ? peerCertificate(socket as TLSSocket) : undefined;
    const lines = new LineReader(socket, a);
    const conversation = await CONVERSATIONS[spec.kind](lines, spec, (p) => (a.phase = p));
    if (!spec.tls) return { detail: conversation };
    const validity = cert ? judgeValidity(cert, (ctx.now ?? Date.now)(), DEFAULT_WARN_BEFORE_MS) : undefined;
    const result: Success = { detail: `${conversation} (TLS, ${validity?.summary ?? 'no certificate'})` };
    // Verification already refused a bad certificate unless `insecure` asked to accept any: then a
    // date problem is worth a warning, not a failover.
    const warning = validity?.failure ?? validity?.warning;
    if (warning) result.warning = warning;
    return result;
  });
}

type Conversation = (lines: LineReader, spec: MailCheckSpec, phase: (p: string) => void) => Promise<string>;

const CONVERSATIONS: Record<MailCheckSpec['kind'], Conversation> = {
  smtp: (lines, spec, phase) => smtpLike('EHLO', lines, spec, phase),
  lmtp: (lines, spec, phase) => smtpLike('LHLO', lines, spec, phase),
  imap: imap,
  pop3: pop3,
};

async function smtpLike(hello: 'EHLO' | 'LHLO', lines: LineReader, spec: MailCheckSpec, phase: (p: string) => void) {
  phase('banner');
  const banner = await readReply(lines, 'banner was');
  if (banner.code !== 220) throw new CheckFailed(`banner was ${quote(banner.text)}`);

  phase(hello);
  lines.send(`${hello} ${spec.helo}`);
  const greeted = await readReply(lines, `${hello} answered`);
  if (greeted.code !== 250) throw new CheckFailed(`${hello} answered ${greeted.code}: ${quote(greeted.text)}`);

  phase('QUIT');
  lines.send('QUIT');
  const bye = await readReply(lines, 'QUIT answered');
  if (bye.code < 200 || bye.code > 299) throw new CheckFailed(`QUIT answered ${bye.code}: ${quote(bye.text)}`);

  const extensions = greeted.count - 1;
  return `banner ${quote(banner.first)}, ${hello} 250 with ${extensions} extension${extensions === 1 ? '' : 's'}, QUIT ${bye.code}`;
}

/** Reads one SMTP reply: "220-first", "220-more", "220 last" (or a bare "220"). */
async function readReply(lines: LineReader, what: string) {
  const seen: string[] = [];
  for (let i = 0; i < MAX_REPLY_LINES; i++) {
    const line = await lines.next();
    seen.push(line);
    const m = /^(\d{3})([ -]|$)/.exec(line);
    if (!m) throw new CheckFailed(`${what} ${quote(line)} (not an SMTP reply)`);
    if (m[2] !== '-') return { code: Number(m[1]), text: seen.join('\n'), first: seen[0]!, count: seen.length };
  }
  throw new CheckFailed(`${what} more than ${MAX_REPLY_LINES} lines`);
}

async function imap(lines: LineReader, _spec: MailCheckSpec, phase: (p: string) => void) {
  phase('greeting');
  const greeting = await lines.next();
  // PREAUTH is a healthy server that trusts this connection already; BYE is one refusing service.
  if (!/^\* (OK|PREAUTH)\b/i.test(greeting)) throw new CheckFailed(`greeting was ${quote(greeting)}`);

  phase('LOGOUT');
  lines.send('a1 LOGOUT');
  for (let i = 0; i < MAX_REPLY_LINES; i++) {
    const line = await lines.next();
    if (line.startsWith('* ')) continue; // the untagged BYE, and anything the server adds
    if (/^a1 OK\b/i.test(line)) return `greeting ${quote(greeting)}, LOGOUT OK`;
    throw new CheckFailed(`LOGOUT answered ${quote(line)}`);
  }
  throw new CheckFailed(`LOGOUT answered more than ${MAX_REPLY_LINES} untagged lines`);
}

async function pop3(lines: LineReader, _spec: MailCheckSpec, phase: (p: string) => void) {
  phase('greeting');
  const greeting = await lines.next();
  if (!/^\+OK\b/.test(greeting)) throw new CheckFailed(`greeting was ${quote(greeting)}`);

  phase('QUIT');
  lines.send('QUIT');
  const bye = await lines.next();
  if (!/^\+OK\b/.test(bye)) throw new CheckFailed(`QUIT answered ${quote(bye)}`);
  return `greeting ${quote(greeting)}, QUIT +OK`;
}
