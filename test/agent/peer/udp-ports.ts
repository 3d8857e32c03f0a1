import { createSocket, type Socket } from 'node:dgram';

/** UDP ports the OS just handed out on 127.0.0.1 (closed again, so an agent can take them). */
export async function freeUdpPorts(count: number): Promise<number[]> {
  const sockets = await Promise.all(Array.from({ length: count }, () => bound()));
  const ports = sockets.map((s) => s.address().port);
  await Promise.all(sockets.map((s) => new Promise<void>((r) => s.close(() => r()))));
  return ports;
}

/**
 * A socket on 127.0.0.1 that keeps every datagram it gets, with its arrival time. It can send too:
 * when it is a configured peer, what it sends comes from a peer's address and port, the only
 * datagrams an agent's connected sockets let through.
 */
export async function udpSpy(): Promise<{
  port: number;
  got: Array<{ at: number; data: string }>;
  send(port: number, data: string): Promise<void>;
  close(): Promise<void>;
}> {
  const socket = await bound();
  const got: Array<{ at: number; data: string }> = [];
  socket.on('message', (msg) => got.push({ at: Date.now(), data: msg.toString('utf8') }));
  return {
    port: socket.address().port,
    got,
    send: (port, data) =>
      new Promise<void>((resolve, reject) =>
        socket.send(Buffer.from(data), port, '127.0.0.1', (err) => (err ? reject(err) : resolve())),
      ),
    close: () => new Promise<void>((r) => socket.close(() => r())),
  };
}

/** Sends one datagram to 127.0.0.1:port. */
export async function sendUdp(port: number, data: string): Promise<void> {
  const socket = await bound();
  await new Promise<void>((resolve, reject) =>
    socket.send(Buffer.from(data), port, '127.0.0.1', (err) => (err ? reject(err) : resolve())),
  );
  await new Promise<void>((r) => socket.close(() => r()));
}

function bound(): Promise<Socket> {
  const s = createSocket('udp4');
  return new Promise((resolve, reject) => {
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => resolve(s));
  });
}
