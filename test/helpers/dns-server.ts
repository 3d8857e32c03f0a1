import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';

export interface DnsServerOptions {
  /** A records by name (lower case, no trailing dot). Other names get NXDOMAIN; other types, no data. */
  a?: Record<string, string[]>;
  /** Answer every query with this RCODE and no records (2 = SERVFAIL, 5 = REFUSED). */
  rcode?: number;
  /** Never answer (a dead server). */
  silent?: boolean;
}

export interface DnsServer {
  /** "127.0.0.1:port", as a dns check's target. */
  target: string;
  /** Every question received: { name, type } with type as its number (1 = A, 28 = AAAA). */
  queries: Array<{ name: string; type: number }>;
  close(): Promise<void>;
}

const TYPE_A = 1;
const RCODE_NXDOMAIN = 3;

/** A minimal authoritative DNS server over UDP on 127.0.0.1, port 0: enough for A lookups. */
export async function startDnsServer(options: DnsServerOptions = {}): Promise<DnsServer> {
  const queries: DnsServer['queries'] = [];
  const socket = dgram.createSocket('udp4');
  socket.on('message', (msg, from) => {
    const question = parseQuestion(msg);
    if (!question) return; // not a query we understand: a real server would answer FORMERR, silence is enough here
    queries.push({ name: question.name, type: question.type });
    if (options.silent) return;
    const known = options.a?.[question.name];
    const rcode = options.rcode ?? (known ? 0 : RCODE_NXDOMAIN);
    const addresses = rcode === 0 && question.type === TYPE_A ? (known ?? []) : [];
    socket.send(answer(msg, question.end, rcode, addresses), from.port, from.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const port = (socket.address() as AddressInfo).port;
  return {
    target: `127.0.0.1:${port}`,
    queries,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

/** The first question of a query: its name, type, and where it ends. */
function parseQuestion(msg: Buffer): { name: string; type: number; end: number } | undefined {
  if (msg.length < 12 || msg.readUInt16BE(4) < 1) return undefined;
  const labels: string[] = [];
  let at = 12;
  for (let hops = 0; hops < 128; hops++) {
    const len = msg[at];
    if (len === undefined || len > 63) return undefined;
    at += 1;
    if (len === 0) {
      if (at + 4 > msg.length) return undefined;
      return { name: labels.join('.').toLowerCase(), type: msg.readUInt16BE(at), end: at + 4 };
    }
    labels.push(msg.toString('latin1', at, at + len));
    at += len;
  }
  return undefined;
}

function answer(query: Buffer, questionEnd: number, rcode: number, addresses: string[]): Buffer {
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2); // id
  const flags = query.readUInt16BE(2);
  // QR, the query's opcode, AA, the query's RD, RA, RCODE.
  header.writeUInt16BE(0x8000 | (flags & 0x7800) | 0x0400 | (flags & 0x0100) | 0x0080 | rcode, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(addresses.length, 6);
  const records = addresses.map((ip) => {
    const rr = Buffer.alloc(16);
    rr.writeUInt16BE(0xc00c, 0); // name: pointer to the question's
    rr.writeUInt16BE(TYPE_A, 2);
    rr.writeUInt16BE(1, 4); // class IN
    rr.writeUInt32BE(60, 6); // TTL
    rr.writeUInt16BE(4, 10);
    ip.split('.').forEach((octet, i) => rr.writeUInt8(Number(octet), 12 + i));
    return rr;
  });
  return Buffer.concat([header, query.subarray(12, questionEnd), ...records]);
}
