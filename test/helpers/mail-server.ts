import net from 'node:net';
import tls from 'node:tls';

export type MailProtocol = 'smtp' | 'lmtp' | 'imap' | 'pop3';

export interface MailServerOptions {
  protocol: MailProtocol;
  /** Implicit TLS (as on 465, 993, 995) with this key and certificate. */
  tls?: { key: string; cert: string };
  /** Lines sent on connect; [] sends nothing (a server that accepts and stays silent). */
  greeting?: string[];
  /** Answers by command verb (upper case), replacing the defaults; in IMAP "{tag}" is the client's tag. */
  replies?: Record<string, string[]>;
  /** Wait this long before the greeting (a slow server). */
  greetingDelayMs?: number;
  /** Send every answer in pieces of this many bytes, one packet each, a few ms apart. */
  chunkBytes?: number;
  /** Hang up right after the greeting. */
  closeAfterGreeting?: boolean;
  /** Accept, read, never write a byte (not even to a TLS ClientHello). */
  silent?: boolean;
}

export interface MailServer {
  host: string;
  port: number;
  /** "127.0.0.1:port", as a check's target. */
  target: string;
  /** Every command line received, over all connections, in order. */
  commands: string[];
  /** Connections accepted so far. */
  connections(): number;
  /** Connections still open on the server's side (0 once a client has closed cleanly). */
  open(): number;
  close(): Promise<void>;
}

const DEFAULTS: Record<MailProtocol, { greeting: string[]; replies: Record<string, string[]> }> = {
  smtp: {
    greeting: ['220-mx.test ESMTP ipferry test', '220 no UCE'],
    replies: {
      EHLO: ['250-mx.test greets you', '250-PIPELINING', '250-8BITMIME', '250 SIZE 10240000'],
      QUIT: ['221 2.0.0 bye'],
    },
  },
  lmtp: {
    greeting: ['220 lmtp.test LMTP ready'],
    replies: { LHLO: ['250-lmtp.test', '250-PIPELINING', '250 ENHANCEDSTATUSCODES'], QUIT: ['221 2.0.0 bye'] },
  },
  imap: {
    greeting: ['* OK [CAPABILITY IMAP4rev1] ipferry test ready'],
    replies: { LOGOUT: ['* BYE logging out', '{tag} OK LOGOUT completed'] },
  },
  pop3: { greeting: ['+OK POP3 ready'], replies: { QUIT: ['+OK bye'] } },
};

const UNKNOWN: Record<MailProtocol, string> = {
  smtp: '500 5.5.2 unknown command',
  lmtp: '500 5.5.1 unknown command',
  imap: '{tag} BAD unknown command',
  pop3: '-ERR unknown command',
};

/** A tiny mail speaker on 127.0.0.1, port 0: greets, answers the few commands a health check sends. */
export async function startMailServer(options: MailServerOptions): Promise<MailServer> {
  const defaults = DEFAULTS[options.protocol];
  const greeting = options.greeting ?? defaults.greeting;
  const replies = { ...defaults.replies, ...options.replies };
  const commands: string[] = [];
  const sockets = new Set<net.Socket>();
  let accepted = 0;

  const onConnection = (socket: net.Socket) => {
    accepted++;
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    if (options.silent) {
      socket.resume(); // read and drop, so the client's close is noticed
      return;
    }
    const send = writer(socket, options.chunkBytes);
    const timer = setTimeout(async () => {
      if (greeting.length > 0) await send(greeting);
      if (options.closeAfterGreeting) socket.end();
    }, options.greetingDelayMs ?? 0);
    socket.on('close', () => clearTimeout(timer));

    let buffered = '';
    socket.on('data', async (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const line = buffered.slice(0, nl).replace(/\r$/, '');
        buffered = buffered.slice(nl + 1);
        commands.push(line);
        const words = line.split(' ');
        const tag = options.protocol === 'imap' ? (words.shift() ?? '') : '';
        const verb = (words[0] ?? '').toUpperCase();
        const answer = (replies[verb] ?? [UNKNOWN[options.protocol]]).map((l) => l.replace('{tag}', tag));
        await send(answer);
        if (verb === 'QUIT' || verb === 'LOGOUT') socket.end();
      }
    });
  };

  const server = options.tls
    ? tls.createServer({ key: options.tls.key, cert: options.tls.cert }, onConnection)
    : net.createServer(onConnection);
  // A client that gives up mid-handshake is expected in these tests, not an error.
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;

  return {
    host: '127.0.0.1',
    port,
    target: `127.0.0.1:${port}`,
    commands,
    connections: () => accepted,
    open: () => sockets.size,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Writes lines with CRLF: all in one write (several lines in one packet), or in small timed pieces. */
function writer(socket: net.Socket, chunkBytes: number | undefined) {
  return async (lines: string[]) => {
    const data = Buffer.from(lines.map((l) => `${l}\r\n`).join(''));
    if (!chunkBytes) {
      socket.write(data);
      return;
    }
    for (let i = 0; i < data.length && !socket.destroyed; i += chunkBytes) {
      socket.write(data.subarray(i, i + chunkBytes));
      await new Promise((resolve) => setTimeout(resolve, 3)); // separate packets, not one coalesced read
    }
  };
}
